"""Tables 二, 三, 四 of one report as HTML, laid out from nianbao.template (never hard-coded rows).

Each cell is flagged when a consistency rule touching it is violated (class nb-violation), when the
parser was unsure of it (nb-uncertain), when it was computed rather than printed (nb-computed), or
printed blank (nb-blank); the title attribute says why.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from nianbao import template as T
from nianbao.types import Fact, Violation
from web.escape import h
from web.fmt import num


@dataclass
class CellView:
    """What one rendered cell shows, and why it is flagged."""

    text: str = ""
    classes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def td(self) -> str:
        cls = " ".join(["nb-cell", *self.classes])
        title = f' title="{h("；".join(self.notes))}"' if self.notes else ""
        return f'<td class="{cls}"{title}>{h(self.text)}</td>'


def _violation_index(violations: list[Violation]) -> dict[tuple[str, str, str], list[Violation]]:
    index: dict[tuple[str, str, str], list[Violation]] = defaultdict(list)
    for v in violations:
        for cell in v.cells:
            if len(cell) >= 3:
                index[(str(cell[0]), str(cell[1]), str(cell[2]))].append(v)
    return index


class TableRenderer:
    """Renders one report's tables; construct with the report's facts, violations and template id."""

    def __init__(self, facts: list[Fact], violations: list[Violation], template: str = "2021"):
        self.template = template if template in T.TEMPLATES else "2021"
        self.cells: dict[tuple[str, str, str], Fact] = {f.key(): f for f in facts}
        self.rows_with_facts = {(f.table, f.row) for f in facts}
        self.violations = _violation_index(violations)

    # ------------------------------------------------------------------ cells
    def cell(self, table: str, row: str, column: str) -> CellView:
        view = CellView()
        fact = self.cells.get((table, row, column))
        if fact is None:
            summed = self._group_sum(table, row, column)
            if summed is not None:
                view.text = num(summed)
                view.classes.append("nb-computed")
                view.notes.append("表中未单列，由子项合计")
            else:
                view.text = "—"
                view.classes.append("nb-missing")
        else:
            view.text = num(fact.value) if fact.value is not None else (fact.raw or "？")
            if fact.uncertain or fact.value is None:
                view.classes.append("nb-uncertain")
                view.notes.append(f"数值不确定（原文：{fact.raw}）{fact.note}".strip())
            if fact.computed:
                view.classes.append("nb-computed")
                view.notes.append(fact.note or "原表未印，按同行各项计算")
            if fact.blank:
                view.classes.append("nb-blank")
                view.notes.append("原表空白，按0计")
        for v in self.violations.get((table, row, column), []):
            if "nb-violation" not in view.classes:
                view.classes.append("nb-violation")
            view.notes.append(f"{v.rule}：{v.message}")
        return view

    def _group_sum(self, table: str, row: str, column: str) -> float | None:
        if table != "三":
            return None
        children = [r for r in T.t3_children(row, self.template) if (table, r.code) in self.rows_with_facts]
        values = [
            self.cells[(table, r.code, column)].value
            for r in children
            if (table, r.code, column) in self.cells
        ]
        if not values or any(v is None for v in values):
            return None
        return float(sum(values))

    # ------------------------------------------------------------------ tables
    def table2(self) -> str:
        groups: dict[str, list[T.Row]] = {}
        for r in T.T2_ROWS:
            if self.template in r.templates or ("二", r.code) in self.rows_with_facts:
                groups.setdefault(r.item or "", []).append(r)
        width = max(
            (len(T.t2_columns_for(r.code, self.template)) for rs in groups.values() for r in rs), default=1
        )
        out = ['<table class="nb-table nb-t2">']
        for item, rows in groups.items():
            cols = list(dict.fromkeys(c for r in rows for c in T.t2_columns_for(r.code, self.template)))
            head = "".join(f"<th>{h(T.T2_COLUMNS[c].label)}</th>" for c in cols)
            pad = f'<th colspan="{width - len(cols)}"></th>' if width > len(cols) else ""
            out.append(f'<tr class="nb-head"><th>第二十条第{h(item)}项</th><th>信息内容</th>{head}{pad}</tr>')
            for r in rows:
                tds = "".join(
                    self.cell("二", r.code, c).td()
                    if c in T.t2_columns_for(r.code, self.template)
                    else '<td class="nb-cell nb-na"></td>'
                    for c in cols
                )
                pad_td = f'<td colspan="{width - len(cols)}"></td>' if width > len(cols) else ""
                out.append(
                    f'<tr data-row="{h(r.code)}"><td></td><th class="nb-label">{h(r.label)}</th>{tds}{pad_td}</tr>'
                )
        out.append("</table>")
        return "".join(out)

    def table3(self) -> str:
        cols = T.T3_COLUMN_ORDER
        org = [c for c in cols if c in T.T3_ORG_COLUMNS]
        out = ['<table class="nb-table nb-t3">']
        out.append(
            '<tr class="nb-head"><th rowspan="2" colspan="2">申请人情况</th>'
            f'<th rowspan="2">{h(T.T3_COLUMNS["person"].label)}</th>'
            f'<th colspan="{len(org)}">法人或其他组织</th>'
            f'<th rowspan="2">{h(T.T3_COLUMNS["total"].label)}</th></tr>'
        )
        out.append(
            '<tr class="nb-head">' + "".join(f"<th>{h(T.T3_COLUMNS[c].label)}</th>" for c in org) + "</tr>"
        )
        for r in T.T3_ROWS:
            has = ("三", r.code) in self.rows_with_facts
            if self.template not in r.templates and not has:
                continue
            if r.parent and not has and ("三", r.parent) in self.rows_with_facts:
                continue  # the report prints the group as one row (2019 style)
            label_cls = "nb-label nb-child" if r.parent else ("nb-label nb-group" if r.group else "nb-label")
            tds = "".join(self.cell("三", r.code, c).td() for c in cols)
            out.append(
                f'<tr data-row="{h(r.code)}"><th colspan="2" class="{label_cls}">{h(r.label)}</th>{tds}</tr>'
            )
        out.append("</table>")
        return "".join(out)

    def table4(self) -> str:
        cols = T.T4_COLUMN_ORDER
        out = ['<table class="nb-table nb-t4">']
        out.append(
            '<tr class="nb-head"><th></th>'
            + "".join(f"<th>{h(T.T4_COLUMNS[c].label)}</th>" for c in cols)
            + "</tr>"
        )
        for r in T.T4_ROWS:
            tds = "".join(self.cell("四", r.code, c).td() for c in cols)
            out.append(f'<tr data-row="{h(r.code)}"><th class="nb-label">{h(r.label)}</th>{tds}</tr>')
        out.append("</table>")
        return "".join(out)

    def all_tables(self) -> str:
        titles = {s.table: f"{s.number}、{s.title}" for s in T.SECTIONS if s.table}
        parts = []
        for table, fn in (("二", self.table2), ("三", self.table3), ("四", self.table4)):
            parts.append(f'<h3 class="nb-table-title">{h(titles.get(table, "表" + table))}</h3>{fn()}')
        legend = (
            '<p class="nb-legend"><span class="nb-cell nb-violation">违反勾稽关系</span> '
            '<span class="nb-cell nb-uncertain">数值不确定</span> <span class="nb-cell nb-computed">计算所得</span> '
            '<span class="nb-cell nb-blank">原表空白</span>（鼠标悬停查看说明）</p>'
        )
        return legend + "".join(parts)
