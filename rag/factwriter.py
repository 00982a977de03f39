"""Writing a fact answer: the lines, figures, citations and warnings of one answer, and the phrase
for one cell (「**不予公开2件**（国家秘密1件…）[1][2]」) with its contradictions and uncertainty stated.
The operations (rag/fact_lookup.py, rag/fact_rates.py, rag/fact_compare.py) decide what to say;
this module says it, the same way for all of them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nianbao import template as T
from rag.compose import Citation, Citations, escape_md, fmt_num
from rag.factbook import CellKey, CellValue, FactBook, ReportFacts, short_column, short_row
from rag.factstore import ReportRow, StoredFact

MAX_LABEL = 60  # a printed label longer than this swallowed a header: cite the template label instead
TEXT_TABLE_RULE = "R7_text_table"
_QUOTED = re.compile(r"「([^」]{6,})」")


@dataclass
class Figure:
    """One figure in an answer (the `figures` entry of the Answer JSON)."""

    body: str
    year: int
    table: str | None
    row: str | None
    column: str | None
    value: float | None
    unit: str
    label: str
    row_label: str = ""
    column_label: str = ""
    page: int | None = None
    line: int | None = None
    report: str = ""
    derived: bool = False
    source: str = "table"  # "table" (a cell or arithmetic on cells) | "text" (a number the narrative states)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class FactResult:
    """What the fact side contributes to an answer; `kind` is figure, not_found or clarify."""

    kind: str
    text: str
    figures: list[Figure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    quotes: list[tuple[str, str]] = field(
        default_factory=list
    )  # (report id, narrative text quoted by a warning)


def cell_label(table: str, row_code: str, col: str) -> str:
    """Plain words for one cell: 「不予公开」, 「本年新收申请（商业企业）」, 「规章本年制发」."""
    if table == "三":
        base = short_row(table, row_code)
        return base if col == "total" else f"{base}（{T.column(table, col).label}）"
    if table == "四":
        base = T.row(table, row_code).short
        return base if col == "total" else f"{base}{T.column(table, col).label}"
    return T.row(table, row_code).label + short_column(table, col)


@dataclass
class Summed:
    """Several cells of one row added (the columns of an applicant group)."""

    cvs: list

    @property
    def value(self) -> float:
        return sum(cv.value or 0 for cv in self.cvs)

    @property
    def missing(self) -> bool:
        return False

    @property
    def undecidable(self) -> bool:
        return any(cv.undecidable for cv in self.cvs)


class FactWriter:
    """Accumulates the lines, figures, citations and warnings of one fact answer."""

    def __init__(self, book: FactBook, cites: Citations):
        self.book = book
        self.cites = cites
        self.lines: list[str] = []
        self.figures: list[Figure] = []
        self.warnings: list[str] = []
        self.cited: dict[str, set[CellKey]] = {}  # report id -> cells cited
        self.reports: dict[str, ReportRow] = {}  # report id -> its row, to read its facts again
        self.explained: dict[str, set[CellKey]] = {}  # cells whose contradiction was stated
        self.uncertain: list[StoredFact] = []
        self.alerts: list[str] = []
        self.quotes: list[tuple[str, str]] = []  # contradictions stated after the line that cited them
        self.said: set[str] = set()  # parser notes already shown
        self.stated: set[tuple[str, CellKey]] = set()  # undecidable cells already explained inline

    # ---- citations and figures
    def cite_fact(self, f: StoredFact, report: ReportRow) -> Citation:
        meta = T.row(f.table, f.row)
        col_meta = T.COLUMNS[f.table].get(f.column)
        row_label = f.row_label if f.row_label and len(f.row_label) <= MAX_LABEL else meta.label
        col_label = f.column_label if f.column_label and len(f.column_label) <= MAX_LABEL else None
        col_label = col_label or (col_meta.label if col_meta else f.column)
        self.cited.setdefault(report.id, set()).add(f.key())
        self.reports[report.id] = report
        if f.uncertain and f not in self.uncertain:
            self.uncertain.append(f)
        return Citation(
            report=report.id,
            body=report.body,
            year=report.year,
            section=f.table,
            text=f"表{f.table} {row_label} / {col_label}：{f.raw or fmt_num(f.value)}",
            cell={
                "table": f.table,
                "row": f.row,
                "column": f.column,
                "row_label": row_label,
                "column_label": col_label,
                "page": f.page,
                "line": f.line,
                "value": f.value,
                # a cell read by OCR from a scanned page (Fact.source, stored typed)
                "source": "ocr" if f.source == "ocr" else "text",
            },
        )

    def marks(self, cv: CellValue) -> str:
        facts = cv.facts
        extra = []
        if cv.summed:
            nonzero = [f for f in facts if f.value is None or f.value]
            facts = nonzero or facts
            extra.append(self.cite_group(cv))
        return self.cites.marks(extra + [self.cite_fact(f, cv.report) for f in facts])

    def cite_group(self, cv: CellValue) -> Citation:
        """A group row printed without cells (e.g. （三）不予公开): cited as the sum of its children."""
        meta = T.row(cv.table, cv.row)
        col_label = T.column(cv.table, cv.column).label
        arith = "+".join(fmt_num(v) for _, v, _ in cv.parts if v is None or v) or "0"
        first = cv.facts[0] if cv.facts else None
        return Citation(
            report=cv.report.id,
            body=cv.report.body,
            year=cv.report.year,
            section=cv.table,
            text=f"表{cv.table} {meta.label} / {col_label}："
            + (
                f"{fmt_num(cv.value)}（表中未单列，为各子项之和 {arith}）"
                if cv.value is not None
                else f"无法确定（表中未单列，子项 {arith} 中有无法确定的数字）"
            ),
            cell={
                "table": cv.table,
                "row": cv.row,
                "column": cv.column,
                "row_label": meta.label,
                "column_label": col_label,
                "page": first.page if first else None,
                "line": first.line if first else None,
                "value": cv.value,
            },
        )

    def add_figure(self, cv: CellValue) -> None:
        f = cv.facts[0] if len(cv.facts) == 1 else None
        self.figures.append(
            Figure(
                body=cv.report.body,
                year=cv.report.year,
                table=cv.table,
                row=cv.row,
                column=cv.column,
                value=cv.value,
                unit=cv.unit,
                label=cell_label(cv.table, cv.row, cv.column)
                + ("=" + ("+".join(fmt_num(v) for _, v, _ in cv.parts if v) or "0") if cv.summed else ""),
                row_label=(f.row_label if f else "") or T.row(cv.table, cv.row).label,
                column_label=(f.column_label if f else "") or T.column(cv.table, cv.column).label,
                page=f.page if f else None,
                line=f.line if f else None,
                report=cv.report.id,
                derived=cv.summed,
            )
        )

    def derived(self, rep: ReportRow | None, value: float | None, unit: str, label: str) -> None:
        self.figures.append(
            Figure(
                body=rep.body if rep else "",
                year=rep.year if rep else 0,
                table=None,
                row=None,
                column=None,
                value=value,
                unit=unit,
                label=label,
                report=rep.id if rep else "",
                derived=True,
            )
        )

    # ---- phrases
    def phrase(self, cv: CellValue, with_parts: bool = True) -> str:
        """「**不予公开2件**（国家秘密1件、过程性信息1件）[1][2]」 and the figure entry."""
        label = cell_label(cv.table, cv.row, cv.column)
        if cv.missing:
            meta = T.row(cv.table, cv.row)
            tpl = cv.report.template
            if tpl not in T.TEMPLATES:  # a report from before the national template (2008 条例 era)
                return (
                    f"{cv.report.body}{cv.report.year}年的报告早于全国统一表格，没有按表格列出「{label}」"
                    "（只有正文明确写出的数字才被读取），这一数字该年没有统计表"
                )
            if tpl not in meta.templates:
                return f"报告采用{tpl}年版表格，该版表格没有「{meta.label}」一项"
            return f"报告表{cv.table}中没有「{label}」的数字"
        if cv.value is None and cv.summed:
            return f"**{label}**：{self.undecided_sum(cv)}" + self.marks(cv)
        if cv.value is None:
            return f"**{label}**：{self.undecided(cv)}" + self.marks(cv)
        self.add_figure(cv)
        text = f"**{label}{fmt_num(cv.value)}{cv.unit}**"
        if with_parts and cv.summed:
            nonzero = [(n, v) for n, v, _ in cv.parts if v]
            text += "（" + ("、".join(f"{n}{fmt_num(v)}{cv.unit}" for n, v in nonzero) or "各项均为0") + "）"
        text += self.marks(cv)
        if with_parts and cv.table == "四" and cv.column == "total":
            text += self.t4_parts(cv)
        alert = self.contradiction(cv)
        if alert and alert not in self.alerts and alert not in self.lines:
            self.alerts.append(alert)
        return text

    def undecided(self, cv: CellValue) -> str:
        """A cell the parser could not read for certain: say so, show the printed text and what the
        parser recorded (its note lists the candidate readings where it kept them); no number."""
        f = cv.facts[0] if cv.facts else None
        raw = (f.raw if f else "") or ""
        note = (f.note if f else "") or ""
        text = f"表中此格的数字无法确定，不给出数字（原文：「{escape_md(raw)}」"
        if note and note not in self.said:
            self.said.add(note)
            text += f"；解析说明：{escape_md(note)}"
        if f is not None:
            self.stated.add((f.report_id, f.key()))
        return text + "）"

    def undecided_sum(self, cv: CellValue) -> str:
        """A group total whose children include an undecidable cell: no total, the known parts and
        the undecidable ones with their printed text."""
        known = [(n, v) for n, v, _ in cv.parts if v is not None]
        unknown = [(n, f) for n, v, f in cv.parts if v is None]
        text = "总数无法确定，不给出合计"
        if known:
            text += "（已知部分：" + "、".join(f"{n}{fmt_num(v)}{cv.unit}" for n, v in known) + "）"
        items = []
        for n, f in unknown:
            item = f"{n}（原文：「{escape_md(f.raw or '')}」"
            if f.note and f.note not in self.said:
                self.said.add(f.note)
                item += f"；解析说明：{escape_md(f.note)}"
            items.append(item + "）")
            self.stated.add((f.report_id, f.key()))
        return text + "；无法确定的子项：" + "、".join(items)

    def cannot_derive(self, who: str, cvs: list[CellValue], what: str) -> bool:
        """True (and one line said) when a derived figure rests on an undecidable cell."""
        bad = [cv for cv in cvs if cv.undecidable]
        if not bad:
            return False
        names = "、".join(dict.fromkeys(f"「{cell_label(cv.table, cv.row, cv.column)}」" for cv in bad))
        self.line(f"{who}{names}的数字无法确定，因此无法计算{what}，不给出结果。")
        return True

    def t4_parts(self, cv: CellValue) -> str:
        """「（结果纠正1件、其他结果1件）[2][3]」: the nonzero results behind a table 四 total."""
        rf = self.book.facts_of(cv.report)
        if rf is None:
            return ""
        parts = [(c, rf.cells.get(("四", cv.row, c))) for c in T.T4_COLUMN_ORDER[:-1]]
        nonzero = [(c, f) for c, f in parts if f is not None and f.value]
        if not nonzero:
            return ""
        names = "、".join(f"{T.column('四', c).label}{fmt_num(f.value)}{cv.unit}" for c, f in nonzero)
        return f"（{names}）" + self.cites.marks([self.cite_fact(f, cv.report) for _, f in nonzero])

    def outcome_sum(self, rf: ReportFacts, col: str) -> tuple[float, list[CellValue]] | None:
        """Table 三 (七)总计's parts in one column (予以公开 + 部分公开 + the four groups), when all are
        readable: rule R2's right-hand side."""
        cvs = [self.book.get(rf, "三", r, col) for r in T.T3_OUTCOME_ROWS]
        if any(cv.missing or cv.undecidable or cv.value is None for cv in cvs):
            return None
        return sum(cv.value for cv in cvs), cvs

    def contradiction(self, cv: CellValue) -> str:
        """When a printed total differs from the sum of its printed parts, say so plainly."""
        if (cv.table, cv.row) == ("三", "handled_total") and not cv.missing and cv.value is not None:
            rf = self.book.facts_of(cv.report)
            got = self.outcome_sum(rf, cv.column) if rf is not None else None
            if got and abs(got[0] - cv.value) > 1e-9:
                total, parts = got
                arith = "+".join(fmt_num(p.value) for p in parts)
                self.derived(cv.report, total, cv.unit, arith)
                return (
                    f"⚠️ {cv.report.body}{cv.report.year}年办理结果各项（予以公开、部分公开、不予公开、无法提供、"
                    f"不予处理、其他处理）之和为 {arith} = **{fmt_num(total)}{cv.unit}**，但表中（七）总计印为"
                    f"{fmt_num(cv.value)}{cv.unit} — 报告自相矛盾，请以原文核实。"
                )
        if (
            cv.summed
            or cv.missing
            or cv.value is None
            or cv.column != "total"
            or cv.table not in ("三", "四")
        ):
            return ""
        rf = self.book.facts_of(cv.report)
        if rf is None:
            return ""
        cols = T.T4_COLUMN_ORDER[:-1] if cv.table == "四" else T.T3_COLUMN_ORDER[:-1]
        parts = [(c, rf.cells.get((cv.table, cv.row, c))) for c in cols]
        if any(f is None or f.value is None for _, f in parts):
            return ""
        total = sum(f.value for _, f in parts)
        if abs(total - cv.value) < 1e-9:
            return ""
        for _, f in parts:
            self.cite_fact(f, cv.report)
        marks = self.cites.marks([self.cite_fact(f, cv.report) for _, f in parts if f.value] or [])
        self.explained.setdefault(cv.report.id, set()).update(
            {(cv.table, cv.row, c) for c in cols} | {(cv.table, cv.row, "total")}
        )
        names = "、".join(f"{short_column(cv.table, c)}{fmt_num(f.value)}" for c, f in parts if f.value)
        rowname = T.row(cv.table, cv.row).short if cv.table == "四" else short_row(cv.table, cv.row)
        self.derived(
            cv.report, total, cv.unit, "+".join(fmt_num(f.value) for _, f in parts if f.value) or "0"
        )
        return (
            f"⚠️ {cv.report.body}{cv.report.year}年{rowname}各项之和为{fmt_num(total)}{cv.unit}（{names or '各项均为0'}）{marks}，"
            f"但表中总计印为{fmt_num(cv.value)}{cv.unit} — 报告自相矛盾，请以原文核实。"
        )

    def line(self, text: str) -> None:
        """Add one paragraph, followed by the contradictions its figures revealed."""
        self.lines.append(text)
        self.lines.extend(self.alerts)
        self.alerts = []

    def finish(self, kind: str = "figure") -> FactResult:
        notes = []
        for rid, keys in self.cited.items():
            rf = self.book.facts_of(self.reports[rid])
            if rf is None:
                continue
            for v in self.book.touching(rf, keys):
                msg = f"{rf.report.body}{rf.report.year}年：{v.message}"
                if msg in self.warnings:
                    continue
                self.warnings.append(msg)
                if v.rule == TEXT_TABLE_RULE:
                    self.quotes.extend((rid, m) for m in _QUOTED.findall(v.message))
                    if v.printed is not None:  # the narrative's own figure, beside the table's
                        self.figures.append(
                            Figure(rf.report.body, rf.report.year, None, None, None, v.printed, "件",
                                   "正文所述", report=rid, source="text")
                        )  # fmt: skip
                if not all(tuple(c) in self.explained.get(rid, set()) for c in v.cells):
                    involved = [rf.cells[tuple(c)] for c in v.cells if tuple(c) in rf.cells]
                    marks = self.cites.marks([self.cite_fact(f, rf.report) for f in involved])
                    notes.append(f"⚠️ {escape_md(msg)}{marks}")
        for f in self.uncertain:
            msg = (
                f"{f.body}{f.year}年表{f.table}「{f.row_label or T.row(f.table, f.row).label}」的数字由连写的单元格拆分而来，"
                f"拆分不确定（原文：{f.raw}）"
            )
            if msg not in self.warnings:
                self.warnings.append(msg)
                if (f.report_id, f.key()) not in self.stated:
                    notes.append(f"⚠️ {escape_md(msg)}")
        text = "\n\n".join(self.lines + notes)
        return FactResult(kind, text, self.figures, self.warnings, self.quotes)
