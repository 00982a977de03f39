"""Figure answers from facts: lookups, sums, shares, differences, comparisons, ranks, trends.

Reading: the cells of chosen reports, loaded in one query and cached.

A cell lookup knows the template: a row's default column, group rows of table 三 that are
printed without cells (their value is the sum of their children, shown with the parts), and
the rule violations stored for each report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nianbao import template as T
from rag.compose import Citation, Citations, escape_md, fmt_num, fmt_pct
from rag.factbook import CellKey, CellValue, FactBook, ReportFacts, default_column, short_column, short_row
from rag.factstore import ReportRow, StoredFact
from rag.query import Catalog, FigureRef, Query

# ------------------------------------------------------------------------------------------
# Answering
# ------------------------------------------------------------------------------------------
MAX_LABEL = 60  # a printed label longer than this swallowed a header: cite the template label instead
SMALL_SAMPLE = 30  # below this many cases a rate says little (TEMPLATE.md)
CORRECTION_WARN = 0.15
DISCLOSURE_WARN = 0.40
MAX_UNSCOPED = 10  # a question naming no year (or no body) is answered for each report up to this many
TEXT_TABLE_RULE = "R7_text_table"
_QUOTED = re.compile(r"「([^」]{6,})」")
_BASE_ROWS = {"handled_total", "new"}  # rows a share is taken of when a question names them
_OUTCOME_ROWS = ("granted", "partial", "withheld", "unavailable", "not_processed", "other_handling")
_HANDLED_PARTS = set(_OUTCOME_ROWS)


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
class _Summed:
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


class _Answer:
    """Accumulates the lines, figures, citations and warnings of one fact answer."""

    def __init__(self, book: FactBook, cites: Citations):
        self.book = book
        self.cites = cites
        self.lines: list[str] = []
        self.figures: list[Figure] = []
        self.warnings: list[str] = []
        self.cited: dict[str, set[CellKey]] = {}  # report id -> cells cited
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
        rf = self.book._cache.get(cv.report.id)
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
        cvs = [self.book.get(rf, "三", r, col) for r in _OUTCOME_ROWS]
        if any(cv.missing or cv.undecidable or cv.value is None for cv in cvs):
            return None
        return sum(cv.value for cv in cvs), cvs

    def contradiction(self, cv: CellValue) -> str:
        """When a printed total differs from the sum of its printed parts, say so plainly."""
        if (cv.table, cv.row) == ("三", "handled_total") and not cv.missing and cv.value is not None:
            rf = self.book._cache.get(cv.report.id)
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
        rf = self.book._cache.get(cv.report.id)
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
            rf = self.book._cache.get(rid)
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


class FactAnswerer:
    """Answers figure questions (a Query with figures or a derived measure) from the fact store."""

    def __init__(self, book: FactBook):
        self.book = book

    # ---- targets
    def bodies(self, q: Query, catalog: Catalog) -> list[str]:
        if q.bodies:
            return list(q.bodies)
        if q.operation in ("rank", "compare") or len(catalog.bodies) == 1:
            return sorted(catalog.bodies)
        return []

    def years_for(self, q: Query, catalog: Catalog, body: str) -> list[int]:
        have = catalog.years.get(body, [])
        asked = [y for y in q.years if y in have]
        if q.operation in ("trend", "rank_years"):
            if len(asked) >= 2:
                return [y for y in have if min(asked) <= y <= max(asked)]
            return list(have)
        if q.operation == "diff":
            if len(asked) >= 2:
                return [min(asked), max(asked)]
            if len(asked) == 1:
                before = [y for y in have if y < asked[0]]
                return [before[-1], asked[0]] if before else asked
            return have[-2:]
        if q.years:
            return asked
        if q.operation in ("single", "breakdown", "share", "each") and len(have) <= MAX_UNSCOPED:
            return list(have)  # no year named: each year the store has (a short list), not a silent pick
        return have[-1:]

    def columns(self, q: Query, fig: FigureRef, tpl: str) -> list[str]:
        if fig.table == "三" and q.applicants and (fig.column in (None, "total")):
            return list(q.applicants)
        return [fig.column or default_column(fig.table, fig.row, tpl)]

    def reports_for(self, body: str, years: list[int]) -> list[ReportFacts]:
        reps = [r for r in (self.book.report(body, y) for y in years) if r is not None]
        loaded = self.book.load(reps)
        return [loaded[r.id] for r in reps]

    # ---- entry point
    def answer(self, q: Query, catalog: Catalog, cites: Citations) -> FactResult | None:
        if not q.figures and not q.measure:
            return None
        out = _Answer(self.book, cites)
        if q.measure:
            self._measures(q, catalog, out)
            return out.finish() if out.figures else None
        if q.operation == "rank_years":
            for b in self.bodies(q, catalog):
                self._rank_years(q, self.reports_for(b, self.years_for(q, catalog, b)), out)
            return out.finish() if out.lines else None
        if q.operation == "rank":
            self._rank(q, catalog, out)
            return out.finish()
        bodies = self.bodies(q, catalog)
        if not bodies:
            return None
        per_body = {b: self.reports_for(b, self.years_for(q, catalog, b)) for b in bodies}
        if not any(per_body.values()):
            return None
        if q.operation in ("compare", "each") and len(bodies) > 1:
            self._compare(q, per_body, out, verdict=q.operation == "compare")
        elif q.operation == "diff":
            for rfs in per_body.values():
                self._diff(q, rfs, out)
        elif q.operation == "trend":
            for rfs in per_body.values():
                self._trend(q, rfs, out)
        elif q.operation == "sum" and not self._sums_a_part_with_its_base(q):
            for rfs in per_body.values():
                self._sum(q, rfs, out)
        else:
            for rfs in per_body.values():
                for rf in rfs:
                    if q.operation == "share" or q.operation == "sum":
                        self._share(q, rf, out)
                    elif q.operation in ("breakdown", "list"):
                        self._breakdown(q, rf, out)
                    elif q.operation == "breakdown_applicants":
                        self._by_applicant(q, rf, out)
                    else:
                        self._single(q, rf, out)
        if not out.figures and not out.lines:
            return None
        return out.finish("figure" if out.figures or out.cited else "not_found")

    @staticmethod
    def _sums_a_part_with_its_base(q: Query) -> bool:
        """Adding 办结总数 to one of its parts means nothing: such a question asks for a share."""
        rows = [f.row for f in q.figures if f.table == "三"]
        return len(rows) >= 2 and rows[-1] in _BASE_ROWS and all(r in _HANDLED_PARTS for r in rows[:-1])

    # ---- operations
    @staticmethod
    def _who(rf: ReportFacts) -> str:
        return f"{rf.report.body}{rf.report.year}年"

    def _single(self, q: Query, rf: ReportFacts, out: _Answer) -> None:
        tpl = rf.report.template
        segs, related = [], []
        asked = {(f.table, f.row, c) for f in q.figures for c in self.columns(q, f, tpl)}
        for fig in q.figures:
            if q.column_group and fig.table == "三":
                group = T.COLUMN_GROUPS[q.column_group]
                segs.append(f"{group.name}" + self._sum_phrase(self._column_sum(rf, fig.row, list(group.columns), out), out))
                continue
            for col in self.columns(q, fig, tpl):
                main = self.book.get(rf, fig.table, fig.row, col)
                segs.append(out.phrase(main))
                if main.missing:
                    continue  # no such cell in this report's template: say so, no neighbours
                for rel in fig.related:
                    if T.ALL_ROWS.get((fig.table, rel)) and all(rel != f.row for f in q.figures):
                        cv = self.book.get(rf, fig.table, rel, col)
                        if not cv.missing:
                            related.append(out.phrase(cv))
                related += self._context_cells(rf, fig.table, fig.row, col, asked, out)
        line = f"{self._who(rf)}" + "，".join(segs) + "。"
        t4 = [
            self.book.get(rf, f.table, f.row, self.columns(q, f, tpl)[0])
            for f in q.figures
            if f.table == "四"
        ]
        t4 = [cv for cv in t4 if not cv.missing]
        if len(t4) >= 2 and len({cv.column for cv in t4}) == 1 and any(cv.undecidable for cv in t4):
            line += "其中有数字无法确定，不给出合计。"
        elif len(t4) >= 2 and len({cv.column for cv in t4}) == 1:
            total = sum(cv.value or 0 for cv in t4)
            arith = "+".join(fmt_num(cv.value) for cv in t4)
            out.derived(rf.report, total, t4[0].unit, arith)
            names = "、".join(T.row("四", cv.row).short for cv in t4)
            line += f"{names}合计 {arith} = **{fmt_num(total)}{t4[0].unit}**。"
        gp = [self.book.get(rf, "三", r, self.columns(q, f, tpl)[0]) for r in ("granted", "partial")
              for f in q.figures if (f.table, f.row) == ("三", r)]  # fmt: skip
        if len(gp) == 2 and not any(cv.missing or cv.undecidable for cv in gp):
            total = sum(cv.value or 0 for cv in gp)
            arith = "+".join(fmt_num(cv.value) for cv in gp)
            out.derived(rf.report, total, gp[0].unit, arith)
            line += f"予以公开和部分公开合计 {arith} = **{fmt_num(total)}{gp[0].unit}**。"
        if related:
            line += "相关情形：" + "、".join(dict.fromkeys(related)) + "。"
        out.line(line)

    def _context_cells(
        self, rf: ReportFacts, table: str, row: str, col: str, asked: set, out: _Answer
    ) -> list[str]:
        """The cells a reader needs beside one result: a table 四 result with its group's total
        (纠正1件 of 复议7件), a table 二 column with the rest of its row (废止0件; 制发3件, 现行有效8件)."""
        tpl = rf.report.template

        def fresh(c: str) -> bool:
            return (table, row, c) not in asked and not out.cites.has_cell(rf.report.id, table, row, c)

        if table == "四" and col != "total" and fresh("total"):
            cv = self.book.get(rf, table, row, "total")
            return [] if cv.missing else [out.phrase(cv)]
        if table == "二":
            cols = [c for c in (T.t2_columns_for(row, tpl) or ()) if c != col and fresh(c)]
            cvs = [self.book.get(rf, table, row, c) for c in cols]
            return [out.phrase(cv) for cv in cvs if not cv.missing]
        return []

    def _parts_of(self, fig: FigureRef, rf: ReportFacts, col: str) -> list[tuple[str, str, str]]:
        """(table, row, column) cells that make up one figure, for a breakdown."""
        tpl = rf.report.template
        meta = T.row(fig.table, fig.row)
        if fig.table == "三" and meta.group:
            return [("三", c.code, col) for c in T.t3_children(fig.row, tpl)] or [("三", fig.row, col)]
        if fig.table == "三" and fig.row == "handled_total":
            return [
                ("三", r, col)
                for r in ("granted", "partial", "withheld", "unavailable", "not_processed", "other_handling")
            ]
        if fig.table == "三":
            return [("三", fig.row, c) for c in T.T3_COLUMN_ORDER[:-1]]
        if fig.table == "四":
            return [("四", fig.row, c) for c in T.T4_COLUMN_ORDER[:-1]]
        return [("二", fig.row, c) for c in (T.t2_columns_for(fig.row, tpl) or meta.columns)]

    def _breakdown(self, q: Query, rf: ReportFacts, out: _Answer) -> None:
        tpl = rf.report.template
        for fig in q.figures:
            col = self.columns(q, fig, tpl)[0]
            if fig.table == "二":
                head = f"{self._who(rf)}{T.row(fig.table, fig.row).label}："
            else:
                whole = self.book.get(rf, fig.table, fig.row, col)
                head = f"{self._who(rf)}{out.phrase(whole, with_parts=False)}，其中："
            items = []
            for t, r, c in self._parts_of(fig, rf, col):
                cv = self.book.get(rf, t, r, c)
                if not cv.missing:
                    items.append(f"- {out.phrase(cv)}")
            out.line(head + "\n" + "\n".join(items) if items else head.removesuffix("，其中：") + "。")

    def _by_applicant(self, q: Query, rf: ReportFacts, out: _Answer) -> None:
        """「结转的申请是谁提的」: one table 三 row across its applicant columns."""
        for fig in q.figures:
            whole = self.book.get(rf, "三", fig.row, "total")
            items = [self.book.get(rf, "三", fig.row, c) for c in T.T3_COLUMN_ORDER[:-1]]
            shown = [f"- {out.phrase(cv)}" for cv in items if not cv.missing and (cv.value is None or cv.value)]
            head = f"{self._who(rf)}{out.phrase(whole, with_parts=False)}，按申请人："
            out.line(head + "\n" + ("\n".join(shown) if shown else "- 各类申请人均为0"))

    def _values(self, q: Query, rf: ReportFacts) -> list[CellValue]:
        tpl = rf.report.template
        return [
            self.book.get(rf, fig.table, fig.row, col)
            for fig in q.figures
            for col in self.columns(q, fig, tpl)
        ]

    def _sum(self, q: Query, rfs: list[ReportFacts], out: _Answer) -> None:
        cvs = [cv for rf in rfs for cv in self._values(q, rf) if not cv.missing]
        if not cvs:
            return
        phrases = "、".join((f"{cv.report.year}年" if len(rfs) > 1 else "") + out.phrase(cv) for cv in cvs)
        total = sum(cv.value or 0 for cv in cvs)
        arith = "+".join(fmt_num(cv.value) for cv in cvs)
        unit = cvs[0].unit
        who = rfs[0].report.body + ("" if len(rfs) > 1 else f"{rfs[0].report.year}年")
        years = f"{rfs[0].report.year}—{rfs[-1].report.year}年" if len(rfs) > 1 else ""
        if any(cv.undecidable for cv in cvs):
            out.line(f"{who}{years}{phrases}。")
            out.cannot_derive(who + years, cvs, "合计")
            return
        out.derived(rfs[-1].report, total, unit, arith)
        out.line(f"{who}{years}{phrases}，合计 {arith} = **{fmt_num(total)}{unit}**。")

    def _denominator(self, q: Query, cv: CellValue, rf: ReportFacts) -> CellValue | None:
        meta = T.row(cv.table, cv.row)
        if cv.table == "三" and cv.column != "total":
            return self.book.get(rf, "三", cv.row, "total")
        if cv.table == "三" and meta.parent:
            return self.book.get(rf, "三", meta.parent, cv.column)
        if cv.table == "三" and cv.row in _HANDLED_PARTS:
            return self.book.get(rf, "三", "handled_total", cv.column)
        if cv.table == "四" and cv.column != "total":
            return self.book.get(rf, "四", cv.row, "total")
        return None

    def _ratio_line(
        self, rf: ReportFacts, out: _Answer, nums: list[CellValue], den: CellValue, name: str
    ) -> float | None:
        phr = "、".join(out.phrase(cv) for cv in nums)
        den_phr = out.phrase(den)
        num = sum(cv.value or 0 for cv in nums)
        arith = "+".join(fmt_num(cv.value) for cv in nums)
        arith = f"({arith})" if len(nums) > 1 else arith
        if any(cv.undecidable for cv in [*nums, den]):
            out.line(f"{self._who(rf)}{phr}，{den_phr}。")
            out.cannot_derive(self._who(rf), [*nums, den], name)
            return None
        if not den.value:
            out.line(f"{self._who(rf)}{phr}，{den_phr}，分母为0，无法计算{name}。")
            return None
        ratio = num / den.value
        out.derived(rf.report, round(ratio * 100, 1), "%", f"{arith}/{fmt_num(den.value)}")
        line = (
            f"{self._who(rf)}{phr}，{den_phr}；{name} = {arith}/{fmt_num(den.value)} ≈ **{fmt_pct(ratio)}**。"
        )
        if den.value < SMALL_SAMPLE:
            line += f"（仅{fmt_num(den.value)}件，样本很小，比率参考意义有限。）"
        out.line(line)
        return ratio

    def _share(self, q: Query, rf: ReportFacts, out: _Answer) -> None:
        nums = [cv for cv in self._values(q, rf) if not cv.missing]
        if not nums:
            return
        den = None
        if len(nums) >= 2 and nums[-1].row in _BASE_ROWS:  # 「不予公开占办结总数的比例」: base named last
            den, nums = nums[-1], nums[:-1]
        den = den or self._denominator(q, nums[0], rf)
        if den is None or den.missing:
            self._single(q, rf, out)
            return
        self._ratio_line(rf, out, nums, den, f"占{cell_label(den.table, den.row, den.column)}的比例")

    def _measures(self, q: Query, catalog: Catalog, out: _Answer) -> None:
        """A derived rate for each body and year asked; several bodies are also ordered."""
        bodies = self.bodies(q, catalog)
        if not bodies and q.operation == "rank":
            bodies = sorted(catalog.bodies)
        results: list[tuple[ReportFacts, float]] = []
        undecided: list[ReportFacts] = []
        for b in bodies:
            for rf in self.reports_for(b, self.years_for(q, catalog, b)):
                n = len(out.lines)
                rates = self._measure(q, rf, out)
                results.extend((rf, r) for r in rates)
                if not rates and any("无法确定" in line for line in out.lines[n:]):
                    undecided.append(rf)
        if len({rf.report.body for rf, _ in results} | {rf.report.body for rf in undecided}) > 1:
            name = T.MEASURES[q.measure].name
            ordered = sorted(results, key=lambda x: -x[1])
            line = f"按{name}从高到低：" + " > ".join(f"{self._who(rf)}{fmt_pct(r)}" for rf, r in ordered)
            if undecided:
                line += "；" + "、".join(self._who(rf) for rf in undecided) + "：无法确定（未参与排序）"
            out.line(line + "。")

    def _measure(self, q: Query, rf: ReportFacts, out: _Answer) -> list[float]:
        rates: list[float] = []
        m = T.MEASURES[q.measure]
        if m.table == "三":
            cols = [] if q.column_group else (q.applicants or ["total"])
            groups = [[c] for c in cols] or [list(q.applicants)]
            for group in groups:
                nums = [self._column_sum(rf, r, group, out) for r in m.numerator]
                dens = [self._column_sum(rf, r, group, out) for r in m.denominator]
                if any(d is None or d.missing for d in dens):
                    continue
                ratio = self._rate_line(rf, out, nums, dens, f"{m.name}（{m.formula}）")
                if ratio is not None:
                    rates.append(ratio)
                if ratio is not None and m.warn_below is not None and ratio < m.warn_below:
                    out.line(f"⚠️ {m.name}低于{m.warn_below:.0%}，评议中通常视为警示信号。")
        elif q.measure == "correction_rate":
            rows = [f.row for f in q.figures if f.table == "四"] or ["review"]
            for r in dict.fromkeys(rows):
                corr = self.book.get(rf, "四", r, "corrected")
                total = self.book.get(rf, "四", r, "total")
                pend = self.book.get(rf, "四", r, "pending")
                if corr.missing or total.missing:
                    continue
                name = T.row("四", r).short
                phr = "、".join(out.phrase(cv) for cv in (corr, total, pend) if not cv.missing)
                if out.cannot_derive(f"{self._who(rf)}{phr}；", [corr, total, pend], f"{name}纠错率"):
                    continue
                parts = [self.book.get(rf, "四", r, c) for c in ("upheld", "corrected", "other")]
                bases = [("总计", total.value or 0, fmt_num(total.value))]
                if pend.value:  # staff often leave pending cases out (TEMPLATE.md): show both
                    bases.append(
                        (
                            "总计−尚未审结",
                            (total.value or 0) - (pend.value or 0),
                            f"({fmt_num(total.value)}-{fmt_num(pend.value or 0)})",
                        )
                    )
                if all(not p.missing and not p.undecidable for p in parts):
                    by_parts = sum(p.value or 0 for p in parts)
                    if by_parts not in (b[1] for b in bases) and by_parts != (total.value or 0):
                        bases.append(
                            (
                                "维持+纠正+其他结果（各项之和）",
                                by_parts,
                                "(" + "+".join(fmt_num(p.value) for p in parts) + ")",
                            )
                        )
                segs = []
                for base_name, decided, base_arith in bases:
                    if decided <= 0:
                        segs.append(f"按{base_name}，已审结0件，无法计算纠错率")
                        continue
                    ratio = (corr.value or 0) / decided
                    arith = f"{fmt_num(corr.value)}/{base_arith}"
                    out.derived(rf.report, round(ratio * 100, 1), "%", arith)
                    seg = f"按纠正/({base_name}) = {arith} ≈ **{fmt_pct(ratio)}**"
                    if decided < SMALL_SAMPLE:
                        seg += f"（仅{fmt_num(decided)}件已审结，样本很小，比率参考意义有限）"
                    if ratio > CORRECTION_WARN:
                        seg += f"，⚠️ 高于{CORRECTION_WARN:.0%}，评议中通常视为警示信号"
                    segs.append(seg)
                    rates.append(ratio)
                out.line(f"{self._who(rf)}{phr}；{name}纠错率：" + "；".join(segs) + "。")
            suits = [r for r in dict.fromkeys(rows) if r.startswith("suit")]
            if len(suits) == 2:  # 「行政诉讼纠错率」 asks for both kinds of lawsuit together
                corr = [self.book.get(rf, "四", r, "corrected") for r in suits]
                tot = [self.book.get(rf, "四", r, "total") for r in suits]
                if not any(cv.missing or cv.undecidable for cv in corr + tot):
                    c, t = sum(cv.value or 0 for cv in corr), sum(cv.value or 0 for cv in tot)
                    arith = f"({'+'.join(fmt_num(cv.value) for cv in corr)})/({'+'.join(fmt_num(cv.value) for cv in tot)})"
                    out.derived(rf.report, c, "件", "+".join(fmt_num(cv.value) for cv in corr))
                    out.derived(rf.report, t, "件", "+".join(fmt_num(cv.value) for cv in tot))
                    if t:
                        ratio = c / t
                        out.derived(rf.report, round(ratio * 100, 1), "%", arith)
                        out.line(
                            f"两类行政诉讼合计：纠正{fmt_num(c)}件，总计{fmt_num(t)}件；诉讼纠错率 = {arith} = "
                            f"{fmt_num(c)}/{fmt_num(t)} ≈ **{fmt_pct(ratio)}**。"
                        )
                        rates.insert(0, ratio)

        return rates[:1]

    def _column_sum(self, rf: ReportFacts, row: str, cols: list[str], out: _Answer) -> CellValue | None:
        """One row's value over several applicant columns (法人或其他组织 = five columns)."""
        cvs = [self.book.get(rf, "三", row, c) for c in cols]
        if len(cvs) == 1:
            return cvs[0]
        present = [cv for cv in cvs if not cv.missing]
        if not present:
            return cvs[0]
        return _Summed(present)

    def _rate_line(
        self, rf: ReportFacts, out: _Answer, nums: list, dens: list, name: str
    ) -> float | None:
        """numerator cells / denominator cells (each may be a column sum), arithmetic shown."""
        cells = [x for x in nums + dens if x is not None]
        flat = [cv for x in cells for cv in (x.cvs if isinstance(x, _Summed) else [x])]
        phr = "、".join(self._sum_phrase(x, out) for x in cells)
        if any(cv.undecidable for cv in flat):
            out.line(f"{self._who(rf)}{phr}。")
            out.cannot_derive(self._who(rf), flat, name)
            return None
        num = sum(x.value or 0 for x in nums if x is not None)
        den = sum(x.value or 0 for x in dens)

        def arith(xs: list) -> str:
            a = "+".join(fmt_num(x.value) for x in xs if x is not None)
            return f"({a})" if len(xs) > 1 else a

        if not den:
            out.line(f"{self._who(rf)}{phr}，分母为0，无法计算{name}。")
            return None
        ratio = num / den
        out.derived(rf.report, round(ratio * 100, 1), "%", f"{arith(nums)}/{arith(dens)}")
        line = f"{self._who(rf)}{phr}；{name} = {arith(nums)}/{arith(dens)} ≈ **{fmt_pct(ratio)}**。"
        if den < SMALL_SAMPLE:
            line += f"（仅{fmt_num(den)}件，样本很小，比率参考意义有限。）"
        if len(dens) == 1 and not isinstance(dens[0], _Summed) and dens[0].row == "handled_total":
            got = out.outcome_sum(rf, dens[0].column)
            if got and got[0] and abs(got[0] - den) > 1e-9:  # R2 broken: the rate on the parts' sum too
                alt = num / got[0]
                out.derived(rf.report, round(alt * 100, 1), "%", f"{arith(nums)}/{fmt_num(got[0])}")
                line += (
                    f"但各项办理结果之和为{fmt_num(got[0])}件，与印出的总计不符；按各项之和计算为 "
                    f"{arith(nums)}/{fmt_num(got[0])} ≈ **{fmt_pct(alt)}**。"
                )
        out.line(line)
        return ratio

    def _sum_phrase(self, x, out: _Answer) -> str:  # noqa: ANN001 - CellValue | _Summed
        if not isinstance(x, _Summed):
            return out.phrase(x)
        parts = "、".join(out.phrase(cv) for cv in x.cvs)
        if any(cv.undecidable for cv in x.cvs):
            return parts
        arith = "+".join(fmt_num(cv.value) for cv in x.cvs)
        out.derived(x.cvs[0].report, x.value, x.cvs[0].unit, arith)
        name = T.row("三", x.cvs[0].row).short
        return f"{name}合计 {arith} = **{fmt_num(x.value)}{x.cvs[0].unit}**（{parts}）"

    def _rank_years(self, q: Query, rfs: list[ReportFacts], out: _Answer) -> None:
        """「平潭哪年的申请量最高」: one body's years ordered by the figure."""
        if not rfs:
            return
        for fig in q.figures:
            vals, unknown = [], []
            for rf in rfs:
                cv = self.book.get(rf, fig.table, fig.row, self.columns(q, fig, rf.report.template)[0])
                (unknown if cv.undecidable else vals).append(cv) if not cv.missing else None
            vals.sort(key=lambda cv: -(cv.value or 0))
            label = cell_label(fig.table, fig.row, vals[0].column) if vals else T.row(fig.table, fig.row).short
            years = "、".join(str(rf.report.year) for rf in rfs)
            items = [f"{i}. {cv.report.year}年：{out.phrase(cv)}" for i, cv in enumerate(vals, 1)]
            items += [f"- {cv.report.year}年：无法确定，未参与排序。{out.phrase(cv)}" for cv in unknown]
            top = ""
            if vals:
                top = f"最高的是{vals[0].report.year}年（{fmt_num(vals[0].value)}{vals[0].unit}），"
                top += f"最低的是{vals[-1].report.year}年（{fmt_num(vals[-1].value)}{vals[-1].unit}）。"
                out.derived(vals[0].report, vals[0].report.year, "年", "最高的年份")
            out.line(f"{rfs[0].report.body}各年（{years}年）按「{label}」排序：\n" + "\n".join(items) + "\n\n" + top)

    def _diff(self, q: Query, rfs: list[ReportFacts], out: _Answer) -> None:
        if len(rfs) < 2:
            for rf in rfs:
                self._single(q, rf, out)
            if rfs:
                out.line(f"库中只有{rfs[0].report.body}{rfs[0].report.year}年的报告，无法比较年度变化。")
            return
        a, b = rfs[0], rfs[-1]
        for va, vb in zip(self._values(q, a), self._values(q, b), strict=True):
            if va.missing or vb.missing:
                continue
            pa, pb = out.phrase(va), out.phrase(vb)
            if va.undecidable or vb.undecidable:
                out.line(f"{b.report.body}：{a.report.year}年{pa}，{b.report.year}年{pb}。")
                out.cannot_derive(b.report.body, [va, vb], "两年的变化")
                continue
            delta = (vb.value or 0) - (va.value or 0)
            line = f"{b.report.body}：{a.report.year}年{pa}，{b.report.year}年{pb}；"
            word = "增加" if delta > 0 else ("减少" if delta < 0 else "持平")
            arith = f"{fmt_num(vb.value)}-{fmt_num(va.value)}"
            out.derived(b.report, delta, va.unit, arith)
            if delta:
                line += f"{word} **{fmt_num(abs(delta))}{va.unit}**"
                if va.value:
                    pct = delta / va.value
                    out.derived(b.report, round(pct * 100, 1), "%", f"({arith})/{fmt_num(va.value)}")
                    line += f"（{'+' if pct > 0 else ''}{fmt_pct(pct)}）"
                line += "。"
            else:
                line += "两年持平。"
            out.line(line)

    def _trend(self, q: Query, rfs: list[ReportFacts], out: _Answer) -> None:
        if not rfs:
            return
        body = rfs[0].report.body
        for i, fig in enumerate(q.figures):
            items = []
            for rf in rfs:
                col = self.columns(q, fig, rf.report.template)[0]
                cv = self.book.get(rf, fig.table, fig.row, col)
                items.append(f"- {rf.report.year}年：{out.phrase(cv)}")
            years = "、".join(str(rf.report.year) for rf in rfs)
            head = f"{body}各年（库中有{years}年的报告）：" if i == 0 else ""
            out.line(head + "\n" + "\n".join(items))

    def _compare(
        self, q: Query, per_body: dict[str, list[ReportFacts]], out: _Answer, verdict: bool = True
    ) -> None:
        """Each body's figure; with `verdict`, also their total and which is more (bodies the
        question compares, not bodies listed because it named none)."""
        rows: list[tuple[CellValue, str]] = []
        for rfs in per_body.values():
            for rf in rfs:
                for cv in self._values(q, rf):
                    rows.append((cv, f"- {self._who(rf)}：{out.phrase(cv)}"))
        suits = [f for f in q.figures if f.table == "四" and f.row.startswith("suit")]
        if len(suits) == 2 and len(q.figures) == 2:  # 「谁的行政诉讼多」: both kinds of lawsuit, per body
            sums = []
            for rfs in per_body.values():
                for rf in rfs:
                    cvs = self._values(q, rf)
                    if any(cv.missing or cv.undecidable for cv in cvs) or len({cv.column for cv in cvs}) != 1:
                        continue
                    total = sum(cv.value or 0 for cv in cvs)
                    arith = "+".join(fmt_num(cv.value) for cv in cvs)
                    out.derived(rf.report, total, cvs[0].unit, arith)
                    sums.append((rf, total, arith))
            rows.append((None, "\n".join(f"- {self._who(rf)}行政诉讼合计 {a} = **{fmt_num(t)}件**" for rf, t, a in sums)))
            out.line("\n".join(line for _, line in rows))
            if verdict and len(sums) >= 2 and len({t for _, t, _ in sums}) > 1:
                top = max(sums, key=lambda x: x[1])
                out.line(f"行政诉讼合计最多的是{self._who(top[0])}（{fmt_num(top[1])}件）。")
            return
        out.line("\n".join(line for _, line in rows))
        if not verdict:
            return
        present = [cv for cv, _ in rows if not cv.missing and cv.value is not None]
        same = len(q.figures) == 1 and len({(cv.row, cv.column) for cv, _ in rows if not cv.missing}) == 1
        unknown = [cv for cv, _ in rows if cv.undecidable]
        if unknown and same:
            who = "、".join(dict.fromkeys(f"{cv.report.body}{cv.report.year}年" for cv in unknown))
            out.line(f"{who}的数字无法确定，无法比较多少，也不给出合计。")
            return
        if len(present) >= 2 and same:
            top = max(present, key=lambda cv: cv.value)
            low = min(present, key=lambda cv: cv.value)
            total = sum(cv.value for cv in present)
            arith = "+".join(fmt_num(cv.value) for cv in present)
            out.derived(None, total, present[0].unit, arith)
            out.line(f"合计 {arith} = **{fmt_num(total)}{present[0].unit}**。")
            if top.value != low.value:
                out.line(
                    f"{top.report.body}（{fmt_num(top.value)}{top.unit}）多于{low.report.body}（{fmt_num(low.value)}{low.unit}）。"
                )
            else:
                out.line("两者相同。")

    def _rank(self, q: Query, catalog: Catalog, out: _Answer) -> None:
        year = max(q.years) if q.years else catalog.newest_year
        if year is None:
            return
        named = sorted(set(q.bodies)) if len(set(q.bodies)) >= 2 else []
        bodies = sorted(b for b, ys in catalog.years.items() if year in ys and (not named or b in named))
        rfs = self.reports_for_each(bodies, year)
        for fig in q.figures:
            vals, unknown = [], []
            for rf in rfs:
                col = self.columns(q, fig, rf.report.template)[0]
                cv = self.book.get(rf, fig.table, fig.row, col)
                if cv.undecidable:
                    unknown.append(cv)  # listed as 无法确定, never silently dropped
                elif not cv.missing:
                    vals.append(cv)
            vals.sort(key=lambda cv: -(cv.value or 0))
            first = (vals or unknown)[0] if vals or unknown else None
            label = cell_label(fig.table, fig.row, first.column) if first else T.row(fig.table, fig.row).short
            scope = "所问" if named and len(named) < len(catalog.bodies) else "库中共有"
            head = f"{year}年{scope}{len(bodies)}个机关的报告（{'、'.join(bodies)}），按「{label}」排序："
            items = [f"{i}. {cv.report.body}：{out.phrase(cv)}" for i, cv in enumerate(vals, 1)]
            items += [f"- {cv.report.body}：无法确定，未参与排序。{out.phrase(cv)}" for cv in unknown]
            out.line(head + "\n" + "\n".join(items))

    def reports_for_each(self, bodies: list[str], year: int) -> list[ReportFacts]:
        reps = [r for r in (self.book.report(b, year) for b in bodies) if r is not None]
        loaded = self.book.load(reps)
        return [loaded[r.id] for r in reps]
