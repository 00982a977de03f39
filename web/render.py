"""Answer JSON -> chat markdown, and report pieces (violations, narrative, facts CSV) -> HTML/CSV.

All report text is escaped here (web.escape); the answerer's own markdown keeps its bold figures but any
raw HTML in it is made inert.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from nianbao import template as T
from nianbao.types import Fact, Violation
from web.escape import h, h_lines, inert_markdown, md
from web.fmt import num, with_unit

KIND_LABELS = {
    "figure": "数字",
    "narrative": "文字",
    "mixed": "数字+文字",
    "not_found": "未找到",
    "clarify": "需要澄清",
}


def _col_label(table: str, code: str) -> str:
    col = T.COLUMNS.get(table, {}).get(code)
    return col.label if col else code


def row_columns(table: str, row: str, template: str = "2021") -> tuple[str, ...]:
    """Column codes of one template row, in print order."""
    if table == "三":
        return T.T3_COLUMN_ORDER
    if table == "四":
        return T.T4_COLUMN_ORDER
    if ("二", row) in T.ALL_ROWS:
        return T.t2_columns_for(row, template) or T.row("二", row).columns
    return ()


def render_row(cell: dict, row_facts: list[Fact] | None = None) -> str:
    """One table row as printed (row label + column labels), the cited cell highlighted."""
    table, row_code, col_code = cell.get("table"), cell.get("row"), cell.get("column")
    tmpl_row = T.ALL_ROWS.get((table, row_code))
    row_label = cell.get("row_label") or (tmpl_row.label if tmpl_row else row_code)
    by_col = {f.column: f for f in row_facts or []}
    cols = [c for c in row_columns(table, row_code) if c in by_col] or ([col_code] if col_code else [])
    heads, vals = [], []
    for c in cols:
        f = by_col.get(c)
        label = (
            (f.column_label if f and f.column_label else "")
            or (cell.get("column_label") if c == col_code else "")
            or _col_label(table, c)
        )
        value = f.value if f else cell.get("value")
        cls = ' class="nb-cited"' if c == col_code else ""
        heads.append(f"<th{cls}>{h(label)}</th>")
        vals.append(f"<td{cls}>{h(num(value))}</td>")
    where = []
    if cell.get("page"):
        where.append(f"第{h(cell['page'])}页")
    if cell.get("line"):
        where.append(f"第{h(cell['line'])}行")
    loc = f'<div class="nb-loc">表{h(table)}{"，" + "，".join(where) if where else ""}</div>'
    return (
        f'<table class="nb-row"><tr><th>表{h(table)}</th>{"".join(heads)}</tr>'
        f'<tr><th class="nb-label">{h(row_label)}</th>{"".join(vals)}</tr></table>{loc}'
    )


def citation_summary(i: int, cit: dict) -> str:
    """The always-visible line of a source: number, body, year, where in the report, the cited value."""
    parts = [str(cit.get("body") or ""), f"{cit['year']}年" if cit.get("year") else ""]
    cell = cit.get("cell")
    if cell:
        where = (
            f"，第{cell['page']}页"
            if cell.get("page")
            else (f"，第{cell['line']}行" if cell.get("line") else "")
        )
        parts.append(f"表{cell.get('table') or ''}")
        parts.append(
            f"{cell.get('row_label') or ''} / {cell.get('column_label') or ''} = {num(cell.get('value'))}{where}"
        )
    elif cit.get("section"):
        sec = T.SECTION_BY_NUMBER.get(str(cit["section"]).split("/")[0])
        parts.append(f"第{cit['section']}部分" + (f"（{sec.title}）" if sec else ""))
    return f"[{i}] " + " · ".join(p for p in parts if p)


def render_citation(i: int, cit: dict, row_facts: list[Fact] | None = None) -> str:
    """A numbered source that expands to the quoted passage or the cited table row."""
    cell = cit.get("cell")
    if cell:
        inner = render_row(cell, row_facts)
    else:
        inner = f'<blockquote class="nb-quote">{h_lines(cit.get("text"))}</blockquote>'
    report = f'<div class="nb-loc">来源报告：{h(cit.get("report"))}</div>' if cit.get("report") else ""
    return f'<details class="nb-source"><summary>{h(citation_summary(i, cit))}</summary>{inner}{report}</details>'


def render_warnings(warnings: Iterable[str]) -> str:
    items = [w for w in warnings if w]
    if not items:
        return ""
    return "\n".join(f"> ⚠ {md(w)}" for w in items)


SOURCES_HEADING = "**来源**"  # rag.compose ends an answer with a plain source list under this heading


def answer_body(ans: dict) -> str:
    """The answer text itself (markdown from the answerer, raw HTML made inert). The answerer's plain
    source list is dropped when citations are given: the chat shows them as expandable sources instead."""
    text = ans.get("answer") or ""
    if ans.get("citations"):
        cut = text.rfind("\n" + SOURCES_HEADING)
        if cut >= 0:
            text = text[:cut].rstrip()
    return inert_markdown(text)


def render_sources(ans: dict, row_facts_for=None) -> str:  # noqa: ANN001 - callable(cell dict, citation) -> facts
    cits = ans.get("citations") or []
    if not cits:
        return ""
    blocks = []
    for i, cit in enumerate(cits, 1):
        row_facts = row_facts_for(cit) if (row_facts_for and cit.get("cell")) else None
        blocks.append(render_citation(i, cit, row_facts))
    return '<div class="nb-sources"><strong>来源</strong>（点击展开）' + "".join(blocks) + "</div>"


def render_answer(ans: dict, row_facts_for=None) -> str:  # noqa: ANN001
    """Full chat message: answer, ⚠ warnings, numbered expandable sources."""
    parts = [answer_body(ans)]
    warn = render_warnings(ans.get("warnings") or [])
    if warn:
        parts.append(warn)
    src = render_sources(ans, row_facts_for)
    if src:
        parts.append(src)
    if ans.get("understood"):  # the plan in plain words, so a reader can check what was looked up
        parts.append(
            '<details class="nb-understood"><summary>我是这样理解的</summary>'
            f'<div class="nb-plan">{h_lines(ans["understood"])}</div></details>'
        )
    return "\n\n".join(parts)


# ---------------------------------------------------------------------- report browser pieces
def render_violations(violations: list[Violation]) -> str:
    if not violations:
        return '<p class="nb-ok">未发现违反勾稽关系的情况。</p>'
    items = []
    for v in violations:
        rule = T.RULES.get(v.rule, "")
        sev = "nb-info" if v.severity == "info" else "nb-error"
        cells = "、".join(
            f"表{c[0]} {T.ALL_ROWS[(c[0], c[1])].short if (c[0], c[1]) in T.ALL_ROWS else c[1]}·{_col_label(c[0], c[2])}"
            for c in v.cells
            if len(c) >= 3
        )
        items.append(
            f'<li class="nb-violation-item {sev}"><b>⚠ {h(v.rule)}</b> {h(rule)}<br>{h(v.message)}'
            + (f"<br><small>涉及：{h(cells)}</small>" if cells else "")
            + "</li>"
        )
    return f'<ul class="nb-violations">{"".join(items)}</ul>'


def render_passages(passages: list) -> str:  # StoredPassage-like: section, section_title, text
    if not passages:
        return "<p>（无正文段落）</p>"
    groups: dict[str, list] = {}
    for p in passages:
        top = (p.section or "").split("/")[0]
        groups.setdefault(top, []).append(p)
    out = []
    for sec, ps in groups.items():
        sdef = T.SECTION_BY_NUMBER.get(sec)
        title = f"{sec}、{sdef.title}" if sdef else (ps[0].section_title or sec or "正文")
        paras, last_sub = [], None
        for p in ps:
            sub = p.section if "/" in (p.section or "") else None
            label = f'<span class="nb-subsec">{h(p.section_title)}</span> ' if sub and sub != last_sub else ""
            last_sub = sub
            paras.append(f'<p class="nb-passage" data-section="{h(p.section)}">{label}{h_lines(p.text)}</p>')
        paras = "".join(paras)
        out.append(f'<details class="nb-section" open><summary>{h(title)}</summary>{paras}</details>')
    return "".join(out)


CSV_FIELDS = (
    "report_id",
    "body",
    "year",
    "table",
    "row",
    "row_label",
    "column",
    "column_label",
    "value",
    "unit",
    "raw",
    "page",
    "line",
    "blank",
    "computed",
    "uncertain",
    "note",
)


def fact_record(f: Fact) -> dict:
    """One fact as a flat dict (CSV rows and /api/facts), template labels where none was printed."""
    r = T.ALL_ROWS.get((f.table, f.row))
    return {
        "report_id": getattr(f, "report_id", ""),
        "body": getattr(f, "body", ""),
        "year": getattr(f, "year", None),
        "table": f.table,
        "row": f.row,
        "row_label": f.row_label or (r.label if r else ""),
        "column": f.column,
        "column_label": f.column_label or _col_label(f.table, f.column),
        "value": f.value,
        "unit": f.unit,
        "raw": f.raw,
        "page": f.page,
        "line": f.line,
        "blank": bool(f.blank),
        "computed": bool(f.computed),
        "uncertain": bool(f.uncertain),
        "note": f.note,
    }


def write_facts_csv(facts: list[Fact], path: Path) -> Path:
    """UTF-8 with BOM so spreadsheet programs open the Chinese labels correctly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        w.writeheader()
        for f in facts:
            w.writerow(fact_record(f))
    return path


def figure_label(table: str, row: str, column: str) -> str:
    r = T.ALL_ROWS.get((table, row))
    return f"表{table} · {r.short if r else row} · {_col_label(table, column)}"


def figure_choices(template: str = "2021") -> list[tuple[str, str]]:
    """(label, "table|row|column") for every figure a trend/comparison can plot, from the template."""
    out = []
    for r in T.T3_ROWS:
        if template in r.templates:
            out.append((figure_label("三", r.code, "total"), f"三|{r.code}|total"))
    for r in T.T4_ROWS:
        for c in T.T4_COLUMN_ORDER:
            out.append((figure_label("四", r.code, c), f"四|{r.code}|{c}"))
    for r in T.T2_ROWS:
        for c in T.t2_columns_for(r.code, template):
            out.append((figure_label("二", r.code, c), f"二|{r.code}|{c}"))
    return out


def unit_of(table: str, row: str, column: str) -> str:
    if table == "二":
        return T.T2_COLUMNS[column].unit if column in T.T2_COLUMNS else "件"
    return T.ALL_ROWS[(table, row)].unit if (table, row) in T.ALL_ROWS else "件"


__all__ = [
    "render_answer",
    "render_citation",
    "render_row",
    "render_violations",
    "render_passages",
    "write_facts_csv",
    "fact_record",
    "figure_choices",
    "figure_label",
    "with_unit",
    "KIND_LABELS",
    "unit_of",
]
