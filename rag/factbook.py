"""The facts of reports as the answerer reads them: cells by (table, row, column), group sums.

Why a module of its own: reading (which SQL, what is cached) changes with the store's scale,
while the answering code in rag/factanswer.py only asks for a report's cells and figures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select

from nianbao import template as T
from rag.factstore import FactStore, ReportRow, StoredFact, StoredViolation
from rag.factstore import facts as facts_table
from rag.factstore import violations as violations_table

CellKey = tuple[str, str, str]


@dataclass
class ReportFacts:
    """All facts and violations of one report, indexed by (table, row, column)."""

    report: ReportRow
    cells: dict[CellKey, StoredFact] = field(default_factory=dict)
    violations: list[StoredViolation] = field(default_factory=list)

    def has_table(self, table: str) -> bool:
        return any(k[0] == table for k in self.cells)


@dataclass
class CellValue:
    """A figure read from one report: a printed cell, or a group row summed from its children."""

    report: ReportRow
    table: str
    row: str
    column: str
    value: float | None
    unit: str
    facts: list[StoredFact]  # the cells this value rests on (printed or children)
    parts: list[tuple[str, float, StoredFact]] = field(default_factory=list)  # children when summed
    summed: bool = False  # not printed: the sum of the children
    missing: bool = False

    @property
    def uncertain(self) -> bool:
        return any(f.uncertain for f in self.facts)

    @property
    def undecidable(self) -> bool:
        """Printed (or summed) but no number can be given: a cell it rests on could not be read."""
        return not self.missing and self.value is None


def default_column(table: str, row_code: str, template: str) -> str:
    """The column a question means when it names only the row (三/四: total; 二: the first)."""
    if table in ("三", "四"):
        return "total"
    cols = T.t2_columns_for(row_code, template) or T.row("二", row_code).columns
    return cols[0]


def short_row(table: str, row_code: str) -> str:
    """Plain words for a row (「属于国家秘密」 -> 「国家秘密」) used inside sentences."""
    name = T.row(table, row_code).short
    return name[2:] if name.startswith("属于") else name


def short_column(table: str, col: str) -> str:
    label = T.column(table, col).label
    for junk in ("（单位：万元）", "件数", "数量"):
        label = label.replace(junk, "")
    return label.removeprefix("结果") if table == "四" else label


class FactBook:
    """Facts of reports, loaded in one SQL query per set of new reports and kept in memory."""

    def __init__(self, store: FactStore):
        self.store = store
        self._cache: dict[str, ReportFacts] = {}
        self._reports: list[ReportRow] | None = None

    def refresh(self) -> None:
        self._cache.clear()
        self._reports = None

    @property
    def reports(self) -> list[ReportRow]:
        if self._reports is None:
            self._reports = self.store.reports()
        return self._reports

    def report(self, body: str, year: int) -> ReportRow | None:
        """The report of one body and year (the one with most facts when several were ingested)."""
        found = [r for r in self.reports if r.body == body and r.year == year]
        return max(found, key=lambda r: (r.n_facts, r.id)) if found else None

    def load(self, reports: list[ReportRow]) -> dict[str, ReportFacts]:
        missing = [r for r in reports if r.id not in self._cache]
        if missing:
            ids = [r.id for r in missing]
            fresh = {r.id: ReportFacts(r) for r in missing}
            with self.store.engine.connect() as c:
                for r in c.execute(select(facts_table).where(facts_table.c.report_id.in_(ids))).mappings():
                    f = StoredFact(
                        table=r["table_no"],
                        row=r["row"],
                        column=r["col"],
                        value=r["value"],
                        unit=r["unit"],
                        raw=r["raw"],
                        row_label=r["row_label"],
                        column_label=r["column_label"],
                        page=r["page"],
                        line=r["line"],
                        blank=r["blank"],
                        computed=r["computed"],
                        uncertain=r["uncertain"],
                        note=r["note"],
                        report_id=r["report_id"],
                        body=r["body"],
                        year=r["year"],
                    )
                    fresh[f.report_id].cells[f.key()] = f
                q = select(violations_table).where(violations_table.c.report_id.in_(ids))
                for r in c.execute(q).mappings():
                    rf = fresh[r["report_id"]]
                    rf.violations.append(
                        StoredViolation(
                            rule=r["rule"],
                            message=r["message"],
                            cells=[tuple(x) for x in json.loads(r["cells"])],
                            printed=r["printed"],
                            expected=r["expected"],
                            severity=r["severity"],
                            report_id=r["report_id"],
                            body=rf.report.body,
                            year=rf.report.year,
                        )
                    )
            self._cache.update(fresh)
        return {r.id: self._cache[r.id] for r in reports}

    def get(self, rf: ReportFacts, table: str, row_code: str, column: str | None = None) -> CellValue:
        """One figure: the printed cell, else (group rows) the sum of the children."""
        tpl = rf.report.template or "2021"
        col = column or default_column(table, row_code, tpl)
        meta = T.row(table, row_code)
        unit = T.column(table, col).unit if col in T.COLUMNS[table] else meta.unit
        printed = rf.cells.get((table, row_code, col))
        children = T.t3_children(row_code, tpl) if table == "三" and meta.group else []
        child_facts = [(c, rf.cells.get(("三", c.code, col))) for c in children]
        child_facts = [(c, f) for c, f in child_facts if f is not None]
        if printed is not None and not (printed.computed and child_facts):
            return CellValue(rf.report, table, row_code, col, printed.value, printed.unit or unit, [printed])
        if child_facts:
            # one undecidable child makes the group total undecidable: never sum only the known parts
            known = all(f.value is not None for _, f in child_facts)
            total = sum(f.value or 0 for _, f in child_facts) if known else None
            parts = [(short_row("三", c.code), f.value, f) for c, f in child_facts]
            return CellValue(
                rf.report, table, row_code, col, total, unit, [f for _, f in child_facts], parts, summed=True
            )
        if printed is not None:
            return CellValue(rf.report, table, row_code, col, printed.value, printed.unit or unit, [printed])
        return CellValue(rf.report, table, row_code, col, None, unit, [], missing=True)

    def touching(self, rf: ReportFacts, keys: set[CellKey]) -> list[StoredViolation]:
        """Violations of this report that involve any of the given cells."""
        return [v for v in rf.violations if any(tuple(c) in keys for c in v.cells)]
