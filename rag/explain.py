"""The plan in plain words, for `python -m rag explain` and the chat's 「我是这样理解的」."""

from __future__ import annotations

from nianbao import template as T

_OPERATIONS = {
    "single": "查一个数",
    "breakdown": "列出构成",
    "sum": "求合计",
    "share": "算比例",
    "diff": "比较两年变化",
    "compare": "比较几个机关",
    "each": "逐个机关列出",
    "breakdown_applicants": "按申请人列出",
    "rank": "按机关排序",
    "rank_years": "按年份排序",
    "trend": "逐年列出",
    "list": "列出报告",
    "narrative": "引用正文",
}


def _figure(table: str, row: str, column: str | None) -> str:
    meta = T.ALL_ROWS.get((table, row))
    name = meta.short if meta else row
    col = T.COLUMNS.get(table, {}).get(column or "")
    return f"表{table}「{name}{'·' + col.label if col and column not in ('total', None) else ''}」"


SHOW_BODIES = 12  # a ranking over a whole store names every body: list a few and count the rest


def _bodies(bodies: list[str]) -> str:
    if len(bodies) <= SHOW_BODIES:
        return "、".join(bodies)
    return f"{'、'.join(bodies[:5])}等{len(bodies)}个机关"


def explain_plan(q) -> str:  # noqa: ANN001 - rag.query.Query (imported lazily by it)
    lines = []
    lines.append(f"- 机关：{_bodies(q.bodies) if q.bodies else '未指明'}"
                 + (f"（不明确：{'、'.join(q.ambiguous_bodies)}）" if q.ambiguous_bodies else "")
                 + (f"（库中没有：{'、'.join(q.unknown_bodies)}）" if q.unknown_bodies else ""))
    lines.append(f"- 年份：{'、'.join(str(y) for y in q.years) if q.years else '未指明'}")
    if q.measure:
        m = T.MEASURES.get(q.measure)
        lines.append(f"- 指标：{m.name}（{m.formula}）" if m else f"- 指标：{q.measure}")
    elif q.figures:
        lines.append("- 数字：" + "、".join(_figure(f.table, f.row, f.column) for f in q.figures))
    if q.column_group:
        g = T.COLUMN_GROUPS[q.column_group]
        lines.append(f"- 申请人：{g.name}（{'+'.join(T.column('三', c).label for c in g.columns)}）")
    elif q.applicants:
        lines.append("- 申请人：" + "、".join(T.column("三", c).label for c in q.applicants))
    lines.append(f"- 做法：{_OPERATIONS.get(q.operation, q.operation)}"
                 + ("；并引用正文" if q.wants_narrative and q.operation != "narrative" else ""))
    lines.append(f"- 把握：{q.confidence:.0%}")
    for a in [*q.notes, *q.assumptions]:
        lines.append(f"- 说明：{a}")
    return "\n".join(lines)
