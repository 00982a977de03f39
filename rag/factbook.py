"""The facts of reports as the answerer reads them: cells by (table, row, column), group sums.

Why a module of its own: reading (which SQL, what is cached) changes with the store's scale,
while the answering code in rag/factanswer.py only asks for a report's cells and figures.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select, true
from sqlalchemy.engine import Connection

from nianbao import template as T
from rag.factstore import FactStore, ReportRow, StoredFact, StoredViolation, cell_columns, unpack_cells
from rag.factstore import facts as facts_table
from rag.factstore import figures as figures_table
from rag.factstore import report_cells as cells_table
from rag.factstore import reports as reports_table
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


class ReportCache:
    """The facts of the most recently used reports, at most `capacity` of them (an LRU).

    Why bounded: a warmed app must not grow with the corpus; a question touches a few reports,
    rankings read SQL aggregates and load only the reports they cite."""

    def __init__(self, capacity: int = 256):
        self.capacity = capacity
        self._d: OrderedDict[str, ReportFacts] = OrderedDict()
        self._lock = threading.Lock()  # web threads share one Answerer: get's move_to_end races popitem

    def get(self, report_id: str) -> ReportFacts | None:
        with self._lock:
            rf = self._d.get(report_id)
            if rf is not None:
                self._d.move_to_end(report_id)
            return rf

    def put(self, rf: ReportFacts) -> None:
        with self._lock:
            self._d[rf.report.id] = rf
            self._d.move_to_end(rf.report.id)
            while len(self._d) > self.capacity:
                self._d.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._d.clear()

    def __contains__(self, report_id: object) -> bool:
        return report_id in self._d

    def __len__(self) -> int:
        return len(self._d)


class LazyFacts(Mapping[str, ReportFacts]):
    """ReportFacts of more reports than the cache holds, read on access: a miss reads it and the
    reports after it (in the given order) in one query, so walking them in order costs one SQL
    read per READ_AHEAD reports and memory stays bounded by the cache."""

    READ_AHEAD = 200

    def __init__(self, book: FactBook, reports: list[ReportRow]):
        self._book = book
        self._order = list(dict.fromkeys(r.id for r in reports))
        self._by_id = {r.id: r for r in reports}
        self._pos = {rid: i for i, rid in enumerate(self._order)}

    def __getitem__(self, report_id: str) -> ReportFacts:
        report = self._by_id[report_id]
        rf = self._book._cache.get(report_id)
        if rf is not None:
            return rf
        i = self._pos[report_id]
        n = min(self.READ_AHEAD, self._book._cache.capacity)
        chunk = [self._by_id[rid] for rid in self._order[i : i + n] if rid not in self._book._cache]
        return self._book._load(chunk)[report.id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)


@dataclass
class Ranking:
    """One figure across the chosen reports of a year, ranked by SQL (an index walk of the figures table).

    `top` holds the first `limit` figures as FactBook.get() reads them (so they cite and explain
    like any other figure); counts cover every report in scope."""

    year: int
    table: str
    row: str
    reports: int  # chosen reports of the year in scope
    with_value: int | None  # reports with a number for the figure (None: not counted, rank(counts=False))
    top: list[CellValue]
    undecidable: list[CellValue]  # printed but unreadable (at most `limit`), listed, never dropped
    n_undecidable: int
    ascending: bool = False

    @property
    def missing(self) -> int | None:
        """Reports in scope whose template or table lacks the figure."""
        return None if self.with_value is None else self.reports - self.with_value - self.n_undecidable


CACHE_REPORTS = 256  # reports whose facts stay in memory (~0.1 MB each)
YEAR_BULK = 8  # single report lookups in one year before that year's chosen reports are read at once
YEAR_BULK_MAX = 2_000  # ...when the year has at most this many: a province's year (30,000+) would stall one answer
MAX_CHOSEN = 50_000  # report rows kept for lookups (~1 KB each) before the lookup cache starts over


class FactBook:
    """Facts of reports read from SQL on demand: one indexed query per set of new reports, the
    hot ones kept in a bounded LRU; rankings as SQL aggregates. Nothing is preloaded."""

    def __init__(self, store: FactStore, capacity: int = CACHE_REPORTS):
        self.store = store
        self._cache = ReportCache(capacity)
        self._chosen: dict[tuple[str, int], ReportRow | None] = {}
        self._misses: dict[int, int] = {}  # single-pair lookups per year since the last refresh
        self._reports: list[ReportRow] | None = None

    def refresh(self) -> None:
        self._cache.clear()
        self._chosen.clear()
        self._misses.clear()
        self._reports = None

    @property
    def reports(self) -> list[ReportRow]:
        """Every report (one SQL read, kept until refresh): for listings, not for answering."""
        if self._reports is None:
            self._reports = self.store.reports()
        return self._reports

    def report(self, body: str, year: int) -> ReportRow | None:
        """The report of one body and year (the one with most facts when several were ingested).
        One indexed query per new pair; a year asked about body after body (a ranking walking
        every body) is read whole after YEAR_BULK misses, in one query."""
        key = (body, int(year))
        if key not in self._chosen:
            if len(self._chosen) > MAX_CHOSEN:
                self._chosen.clear()
                self._misses.clear()
            misses = self._misses[key[1]] = self._misses.get(key[1], 0) + 1
            if misses == YEAR_BULK and self._year_count(key[1]) <= YEAR_BULK_MAX:
                self._chosen.update(self._chosen_reports(None, key[1]))
            else:
                self._chosen.update(self._chosen_reports([body], key[1]))
            self._chosen.setdefault(key, None)
        return self._chosen[key]

    def reports_of(self, bodies: list[str], year: int) -> list[ReportRow]:
        """The chosen reports of these bodies in one year, in the bodies' order (one SQL query)."""
        todo = [b for b in dict.fromkeys(bodies) if (b, int(year)) not in self._chosen]
        for i in range(0, len(todo), 500):
            chunk = todo[i : i + 500]
            found = self._chosen_reports(chunk, int(year))
            self._chosen.update(found)
            for b in chunk:
                self._chosen.setdefault((b, int(year)), None)
        return [r for b in dict.fromkeys(bodies) if (r := self._chosen.get((b, int(year)))) is not None]

    def _year_count(self, year: int) -> int:
        q = select(func.count()).select_from(reports_table).where(reports_table.c.year == year, reports_table.c.chosen)
        with self.store.engine.connect() as c:
            return int(c.execute(q).scalar() or 0)

    def _chosen_reports(self, bodies: list[str] | None, year: int) -> dict[tuple[str, int], ReportRow]:
        q = select(reports_table).where(reports_table.c.year == year, reports_table.c.chosen)
        if bodies is not None:
            q = q.where(reports_table.c.body.in_(bodies))
        with self.store.engine.connect() as c:
            return {(r.body, r.year): r for r in map(FactStore._report_row, c.execute(q).mappings())}

    def warm(self, n: int = 64) -> None:
        """Load the newest year's largest reports (a bounded start, not the corpus)."""
        q = (
            select(reports_table)
            .where(reports_table.c.chosen)
            .order_by(reports_table.c.year.desc(), reports_table.c.n_facts.desc())
            .limit(min(n, self._cache.capacity))
        )
        with self.store.engine.connect() as c:
            rows = [FactStore._report_row(r) for r in c.execute(q).mappings()]
        self.load(rows)

    def facts_of(self, report: ReportRow) -> ReportFacts:
        """One report's facts: from the LRU, else read from SQL."""
        return self._cache.get(report.id) or self._load([report])[report.id]

    def load(self, reports: list[ReportRow]) -> Mapping[str, ReportFacts]:
        """The facts of these reports by report id: cached ones from the LRU, the rest in one
        query per 500. More reports than the cache holds come back as a LazyFacts that reads them
        in chunks as they are used, so loading "every report" never holds the corpus in memory."""
        if len(reports) > self._cache.capacity:
            return LazyFacts(self, reports)
        return self._load(reports)

    def _load(self, reports: list[ReportRow]) -> dict[str, ReportFacts]:
        out: dict[str, ReportFacts] = {}
        missing = []
        for r in reports:
            rf = self._cache.get(r.id)
            if rf is None:
                missing.append(r)
            else:
                out[r.id] = rf
        for i in range(0, len(missing), 500):
            fresh = self._read(missing[i : i + 500])
            for rf in fresh.values():
                self._cache.put(rf)
            out.update(fresh)
        return {r.id: out[r.id] for r in reports}

    def _read(self, reports: list[ReportRow]) -> dict[str, ReportFacts]:
        ids = [r.id for r in reports]
        fresh = {r.id: ReportFacts(r) for r in reports}
        with self.store.engine.connect() as c:
            docs = dict(c.execute(select(cells_table.c.report_id, cells_table.c.data).where(cells_table.c.report_id.in_(ids))).all())
            for rid, data in docs.items():  # one document a report (report_cells), not ~200 rows
                cells = fresh[rid].cells
                for f in unpack_cells(data):
                    cells[(f.table, f.row, f.column)] = f
            rest = [i for i in ids if i not in docs]  # none in a consistent store; read as before
            if rest:
                for row in c.execute(select(*cell_columns()).where(facts_table.c.report_id.in_(rest))).all():
                    f = StoredFact(*row)
                    fresh[f.report_id].cells[(f.table, f.row, f.column)] = f
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
        return fresh

    # ---------------------------------------------------------------- rankings
    def rank(
        self,
        table: str,
        row: str,
        year: int,
        column: str | None = None,
        bodies: list[str] | None = None,
        limit: int = 10,
        ascending: bool = False,
        counts: bool = True,
    ) -> Ranking:
        """One figure ranked over the chosen reports of `year` (all, or `bodies`), in SQL.

        The value is what get() gives: the printed cell, or for a group row of table 三 the sum
        of its children (undecidable when a child is); ties go by body name. Read from the
        figures table by ix_figures_rank: the first `limit` of each template are an index walk,
        the counts an index-only scan, and only the reports of `top` and `undecidable` are loaded.
        `counts=False` leaves `with_value` uncounted (a scan of every report's entry: 30-50 ms of cold
        reads at 100,000 reports, and an answer does not print it); undecidable ones are still counted."""
        year = int(year)
        templates, n_reports = self._templates(year, bodies)
        best: list[tuple[float, str, str]] = []  # (value, body, report id)
        unknown: list[tuple[str, str]] = []
        with_value = n_undecidable = 0
        fz = figures_table
        with self.store.engine.connect() as c:
            for tpl in templates:
                col = column or default_column(table, row, tpl)
                scope = [
                    fz.c.year == year, fz.c.table_no == table, fz.c.row == row, fz.c.col == col,
                    fz.c.chosen == true(), fz.c.template == tpl,
                ]  # fmt: skip
                if bodies is not None:
                    scope.append(fz.c.body.in_(bodies))
                best += _top(c, scope, limit, ascending)
                und = select(fz.c.report_id, fz.c.body).where(*scope, fz.c.value.is_(None))
                shown = [(r.body, r.report_id) for r in c.execute(und.order_by(fz.c.body).limit(limit))]
                unknown += shown
                if counts:
                    a, n = c.execute(select(func.count(fz.c.value), func.count()).where(*scope)).one()
                    with_value += int(a)
                    n_undecidable += int(n) - int(a)
                elif len(shown) < limit:
                    n_undecidable += len(shown)
                else:  # only the undecidable entries: the head of the scope's range in the index
                    n_undecidable += int(c.execute(select(func.count()).where(*scope, fz.c.value.is_(None))).scalar() or 0)
        best.sort(key=lambda t: ((t[0] if ascending else -t[0]), t[1]))
        best = best[:limit]
        unknown = sorted(unknown)[:limit]
        ids = [rid for _, _, rid in best] + [rid for _, rid in unknown]
        rows = {r.id: r for r in self._reports_by_id(ids)}
        loaded = self.load([rows[i] for i in ids if i in rows])

        def cell(rid: str) -> CellValue:
            rf = loaded[rid]
            return self.get(rf, table, row, column)

        return Ranking(
            year=year,
            table=table,
            row=row,
            reports=n_reports,
            with_value=with_value if counts else None,
            top=[cell(rid) for _, _, rid in best if rid in loaded],
            undecidable=[cell(rid) for _, rid in unknown if rid in loaded],
            n_undecidable=n_undecidable,
            ascending=ascending,
        )

    def _templates(self, year: int, bodies: list[str] | None) -> tuple[list[str], int]:
        q = (
            select(reports_table.c.template, func.count())
            .where(reports_table.c.year == year, reports_table.c.chosen)
            .group_by(reports_table.c.template)
        )
        if bodies is not None:
            q = q.where(reports_table.c.body.in_(bodies))
        with self.store.engine.connect() as c:
            got = [(t or "2021", int(n)) for t, n in c.execute(q)]
        return sorted({t for t, _ in got}), sum(n for _, n in got)

    def _reports_by_id(self, ids: list[str]) -> list[ReportRow]:
        if not ids:
            return []
        with self.store.engine.connect() as c:
            q = select(reports_table).where(reports_table.c.id.in_(ids))
            return [FactStore._report_row(r) for r in c.execute(q).mappings()]

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


def _top(c: Connection, scope: list, limit: int, ascending: bool) -> list[tuple[float, str, str]]:
    """The first `limit` (value, body, report id) in scope, by value then body, in O(limit) index
    reads: the limit-th value found by walking ix_figures_rank, then the rows better than it, then
    the rows equal to it in body order (a tie at the cut is decided by name, like before)."""
    fz = figures_table
    v = fz.c.value
    cols = (v, fz.c.body, fz.c.report_id)
    known = [*scope, v.is_not(None)]
    kth = c.execute(select(v).where(*known).order_by(v.asc() if ascending else v.desc()).offset(limit - 1).limit(1)).scalar()
    if kth is None:  # fewer than `limit` figures in scope: all of them
        return [tuple(r) for r in c.execute(select(*cols).where(*known))]
    better = c.execute(select(*cols).where(*known, (v < kth) if ascending else (v > kth))).all()
    tied = select(*cols).where(*known, v == kth).order_by(fz.c.body).limit(max(0, limit - len(better)))
    return [tuple(r) for r in better] + [tuple(r) for r in c.execute(tied)]
