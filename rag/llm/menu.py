"""The compact catalog the planner sends and validates against: bodies and years present, figure
codes with their template labels, columns, applicants, measures, operations, sections.

What the model may name is exactly what this menu lists; anything else makes its plan invalid.
"""

from __future__ import annotations

from dataclasses import dataclass

from nianbao import template as T
from rag.query import Catalog

OPERATIONS = {
    "single": "一个数字",
    "breakdown": "分项明细",
    "sum": "几项合计",
    "share": "占比",
    "diff": "两年之差",
    "compare": "几个机关比较",
    "rank": "机关排名",
    "trend": "多年变化",
    "narrative": "文字内容（做法、问题、改进）",
    "list": "列举",
}
# the template's derived measures (实质公开率, 办结率, 纠错率…) with their formulas
MEASURES = {m.code: f"{m.name}（{m.formula}）" for m in getattr(T, "MEASURES", {}).values()} or {
    "disclosure_rate": "实质公开率（(予以公开+部分公开)/办理结果总计）",
    "correction_rate": "纠错率（结果纠正/总计）",
}
MAX_BODIES = 40  # a 1,000-report store sends the bodies the question or context names, not all


@dataclass(frozen=True)
class Menu:
    bodies: dict[str, list[int]]  # body -> years
    rows: dict[tuple[str, str], str]  # (table, row) -> label
    columns: dict[tuple[str, str], str]  # (table, column) -> label
    applicants: dict[str, str]
    sections: dict[str, str]

    def text(self) -> str:
        """The menu as prompt text, one item a line."""
        lines = ["机关（名称：年份）："]
        lines += [f"- {b}：{'、'.join(map(str, ys))}" for b, ys in self.bodies.items()]
        lines.append("表格项目 figures（table/row：名称）：")
        lines += [f"- {t}/{r}：{label}" for (t, r), label in self.rows.items()]
        lines.append("列 column（table/column：名称；不填则为该行默认列）：")
        lines += [f"- {t}/{c}：{label}" for (t, c), label in self.columns.items()]
        lines.append(
            "申请人 applicants（表三的列）：" + "；".join(f"{c}={v}" for c, v in self.applicants.items())
        )
        lines.append("指标 measure：" + "；".join(f"{c}={v}" for c, v in MEASURES.items()))
        lines.append("运算 operation：" + "；".join(f"{c}={v}" for c, v in OPERATIONS.items()))
        lines.append("部分 section：" + "；".join(f"{c}={v}" for c, v in self.sections.items()))
        return "\n".join(lines)


def _related(catalog: Catalog, question: str, keep: list[str]) -> list[str]:
    if len(catalog.bodies) <= MAX_BODIES:
        return sorted(catalog.bodies)

    def score(body: str) -> int:
        names = catalog.bodies[body]
        return max(sum(a[i : i + 2] in question for i in range(len(a) - 1)) for a in names)

    ranked = sorted(catalog.bodies, key=lambda b: (b not in keep, -score(b), b))
    return ranked[:MAX_BODIES]


def build(catalog: Catalog, question: str = "", keep: list[str] | None = None) -> Menu:
    bodies = {b: list(catalog.years.get(b, [])) for b in _related(catalog, question, keep or [])}
    rows = {(r.table, r.code): r.short for r in T.T2_ROWS + T.T3_ROWS + T.T4_ROWS}
    columns = {(t, c): col.label for t, cols in T.COLUMNS.items() for c, col in cols.items()}
    applicants = {c: T.T3_COLUMNS[c].label for c in T.T3_COLUMN_ORDER if c != "total"}
    sections = {s.number: s.title for s in T.SECTIONS}
    return Menu(bodies, rows, columns, applicants, sections)
