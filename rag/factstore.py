"""The SQL store: reports, their facts, rule violations and passages (text + metadata).

SQLite under NIANBAO_HOME by default, any SQLAlchemy URL (e.g. PostgreSQL) via DATABASE_URL.
Passage *text* lives here too: it is the source of truth from which the BM25 index and the
Chroma collection are (re)built; the vector store only holds vectors keyed by passage id.
One report is replaced in one transaction, so a reader never sees half a report.
"""

from __future__ import annotations

import dataclasses
import json
import zlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    create_engine,
    delete,
    event,
    false,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine

from nianbao import template as T
from nianbao.settings import get_settings
from nianbao.types import Fact, ParsedReport, Violation

metadata = MetaData()


def dump_list(value: list | None) -> str:
    """A fact's list field (candidates, splits) as the JSON text the facts table keeps."""
    if not value:
        return "[]"  # nearly every fact: no json.dumps (a tenth of a report's write time)
    return json.dumps(list(value), ensure_ascii=False)


def load_list(text_: str | None, tuples: bool = False) -> list:
    """The list back from its JSON text (NULL/empty -> []); items as tuples when `tuples`."""
    if not text_ or text_ == "[]":
        return []  # nearly every fact (dump_list's fast path): no json.loads on every read
    items = json.loads(text_)
    return [tuple(x) for x in items] if tuples else list(items)


class JsonList(TypeDecorator):
    """A list kept as JSON in a TEXT column (the same DDL on SQLite and PostgreSQL), read back as
    a list; with `tuples` its items come back as tuples (Fact.splits: whole-row readings)."""

    impl = Text
    cache_ok = True

    def __init__(self, tuples: bool = False):
        super().__init__()
        self.tuples = tuples

    def process_bind_param(self, value, dialect):  # noqa: ANN001, ANN201
        return dump_list(value)

    def process_result_value(self, value, dialect):  # noqa: ANN001, ANN201
        return load_list(value, self.tuples)


reports = Table(
    "reports",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("path", Text, nullable=False),  # source file path as ingested
    Column("sha256", String(64), nullable=False, index=True),
    Column("format", String(10), nullable=False),
    Column("body", String(200), nullable=False, index=True),
    Column("aliases", Text, nullable=False),  # JSON list
    Column("year", Integer, nullable=False, index=True),
    Column("template", String(8), nullable=False),
    Column("published", String(20)),
    Column("title", Text),
    Column("warnings", Text, nullable=False, default="[]"),  # JSON list
    Column("n_facts", Integer, nullable=False, default=0),
    Column("n_passages", Integer, nullable=False, default=0),
    # The one report answering uses for its body and year (most facts, then highest id), kept
    # on write so lookups and rankings need no per-question window over all reports.
    Column("chosen", Boolean, nullable=False, default=False, server_default=false()),
    Index("ix_reports_body_year", "body", "year", "chosen"),  # a body's chosen report: not a scan of its year
    Index("ix_reports_year_chosen", "year", "chosen", "template"),  # a ranking's report count, index-only
    Index("ix_reports_path", "path"),
)

facts = Table(
    "facts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("report_id", String(200), ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
    Column("body", String(200), nullable=False),
    Column("year", Integer, nullable=False),
    Column("table_no", String(4), nullable=False),
    Column("row", String(60), nullable=False),
    Column("col", String(30), nullable=False),
    Column("value", Float),
    Column("unit", String(8), nullable=False),
    Column("raw", Text, nullable=False, default=""),
    Column("row_label", Text, nullable=False, default=""),
    Column("column_label", Text, nullable=False, default=""),
    Column("page", Integer),
    Column("line", Integer),
    Column("blank", Boolean, nullable=False, default=False),
    Column("computed", Boolean, nullable=False, default=False),
    Column("uncertain", Boolean, nullable=False, default=False),
    Column("note", Text, nullable=False, default=""),
    # Typed uncertainty (schema v6; see nianbao.types.Fact): the values an uncertain cell may take,
    # an ambiguous row's whole-row splits and this cell's index in them, and where an OCR'd cell
    # came from and how sure the recogniser was. The note says the same for people only.
    Column("candidates", JsonList(), nullable=False, server_default="[]"),
    Column("splits", JsonList(tuples=True), nullable=False, server_default="[]"),
    Column("split_pos", Integer),
    Column("source", String(10), nullable=False, server_default=""),
    Column("confidence", Float),
    # one report's cells (FactBook.load, deletes); one cell across reports (rankings, by value);
    # one body's years (cross-year rules, the web browser)
    Index("ix_facts_report_cell", "report_id", "table_no", "row", "col"),
    Index("ix_facts_rank", "year", "table_no", "row", "col", "value"),
    Index("ix_facts_body_year", "body", "year", "table_no"),
)

# The value of every figure of every report as FactBook.get() reads it (a group row of table 三 is
# the sum of its children; None when undecidable), with the report's template and `chosen` flag
# copied in. A ranking over every body of a year is then a walk of ix_figures_rank that reads
# about `limit` entries, where a join of facts and reports with GROUP BY read every report of the
# year (seconds at 10^5 reports). Written with the facts (figure_values), `chosen` kept in step by
# mark_chosen, all in the report's transaction.
figures = Table(
    "figures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("report_id", String(200), ForeignKey("reports.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("body", String(200), nullable=False),
    Column("year", Integer, nullable=False),
    Column("template", String(8), nullable=False),
    Column("chosen", Boolean, nullable=False, default=False, server_default=false()),
    Column("table_no", String(4), nullable=False),
    Column("row", String(60), nullable=False),
    Column("col", String(30), nullable=False),
    Column("value", Float),
    # covering: a ranking's top rows are read from the index alone (each table row is a random read)
    Index("ix_figures_rank", "year", "table_no", "row", "col", "chosen", "template", "value", "body", "report_id"),
)

# Each report's facts as one compressed document, in the facts' row order (schema v11). On a store
# larger than memory a report's ~200 fact rows are ~10 pages of table and index read one by one
# (46 ms of cold reads for the 10 reports a ranking lists, at 100,000 reports); its document is one
# or two. Derived from `facts` and rewritten with them in the report's transaction (replace_report,
# update_facts, deletes); FactBook reads it.
report_cells = Table(
    "report_cells",
    metadata,
    Column("report_id", String(200), ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    Column("data", LargeBinary, nullable=False),
)

violations = Table(
    "violations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("report_id", String(200), ForeignKey("reports.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("rule", String(30), nullable=False),
    Column("message", Text, nullable=False),
    Column("cells", Text, nullable=False),  # JSON list of [table, row, column]
    Column("printed", Float),
    Column("expected", Float),
    Column("severity", String(10), nullable=False, default="error"),
)

passages = Table(
    "passages",
    metadata,
    Column("id", String(80), primary_key=True),  # content hash + report id hash: stable across re-ingests
    Column("report_id", String(200), ForeignKey("reports.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("body", String(200), nullable=False),
    Column("year", Integer, nullable=False),
    Column("section", String(40), nullable=False),
    Column("section_title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("search_text", Text, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("page", Integer),
    Column("seq", Integer, nullable=False),  # order within the report
    Index("ix_passages_body_year", "body", "year"),
)


# One row per write (append-only, so concurrent writers never wait on each other): its newest id
# is a cheap signature of the store's contents for caches in every process (FactStore.generation).
store_changes = Table(
    "store_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("report_id", String(200), nullable=False),
    Column("kind", String(12), nullable=False),  # replace | delete | violations
)

# Passage vectors by sha256(backend, model, text), shared by every machine on one store, so a
# passage is embedded once per deployment (rag.embeddings.SqlEmbeddingCache).
embedding_cache = Table(
    "embedding_cache",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("dim", Integer, nullable=False),
    Column("vec", LargeBinary, nullable=False),
)


@dataclass
class ReportRow:
    id: str
    path: str
    sha256: str
    format: str
    body: str
    aliases: list[str]
    year: int
    template: str
    published: str | None
    title: str | None
    warnings: list[str]
    n_facts: int
    n_passages: int
    chosen: bool = False  # the report answering uses for its body and year


@dataclass
class StoredFact(Fact):
    report_id: str = ""
    body: str = ""
    year: int = 0


@dataclass
class StoredViolation(Violation):
    report_id: str = ""
    body: str = ""
    year: int = 0


@dataclass
class StoredPassage:
    id: str
    report_id: str
    body: str
    year: int
    section: str
    section_title: str
    text: str
    search_text: str
    start: int
    end: int
    page: int | None
    seq: int


def _sqlite_pragmas(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.close()


def mark_chosen(conn: Connection, body: str, year: int, figures_too: bool = True) -> None:
    """Flag the report answering uses for (body, year): most facts, then the highest id. The flag
    is copied to the report's figures rows (not by the schema-v2 step: no figures table yet)."""
    if conn.dialect.name == "postgresql":  # two writers of one body and year: mark one after the other
        key = f"nianbao-chosen:{body}:{year}"
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})
    q = select(reports.c.id, reports.c.n_facts, reports.c.chosen).where(
        reports.c.body == body, reports.c.year == year
    )
    rows = conn.execute(q).all()
    if not rows:
        return
    best = max(rows, key=lambda r: (r.n_facts, r.id)).id
    for r in rows:  # only the flags that change are written (one report per pair is the rule)
        if bool(r.chosen) != (r.id == best):
            conn.execute(update(reports).where(reports.c.id == r.id).values(chosen=r.id == best))
            if figures_too:
                conn.execute(update(figures).where(figures.c.report_id == r.id).values(chosen=r.id == best))


def _index_passages(conn: Connection, rid: str, body: str, year: int, ids: list[str], items: list) -> None:
    """Keep the lexical index (rag.lexical, passage_lex) in step, in the passages' own transaction."""
    from rag import lexical

    lexical.add_passages(conn, [(pid, rid, body, year, p.search_text or p.text) for pid, p in zip(ids, items, strict=True)])


def _unindex_passages(conn: Connection, report_id: str) -> None:
    from rag import lexical

    lexical.delete_report(conn, report_id)


def _changed(conn: Connection, report_id: str, kind: str) -> None:
    conn.execute(insert(store_changes).values(report_id=report_id, kind=kind))


_FACT_COLS = (
    "report_id", "body", "year", "table_no", "row", "col", "value", "unit", "raw", "row_label",
    "column_label", "page", "line", "blank", "computed", "uncertain", "note",
    "candidates", "splits", "split_pos", "source", "confidence",
)  # fmt: skip


def figure_values(
    cells: dict[tuple[str, str, str], tuple[float | None, bool]], template: str
) -> dict[tuple[str, str, str], float | None]:
    """Each figure's value as FactBook.get() reads it, from (table, row, col) -> (value, computed):
    a printed cell as printed, a group row of table 三 as the sum of its children's cells in that
    column (None when one of them is undecidable) unless the group's own cell was printed and not
    computed. tests/test_factbook.py checks it against get() on every cell of its reports."""
    out = {k: v for k, (v, _) in cells.items()}
    for g in T.T3_ROWS:
        if not g.group:
            continue
        kids = {k.code for k in T.t3_children(g.code, template)}
        by_col: dict[str, list[float | None]] = {}
        for (t, r, c), (v, _) in cells.items():
            if t == "三" and r in kids:
                by_col.setdefault(c, []).append(v)
        for col, values in by_col.items():
            printed = cells.get(("三", g.code, col))
            if printed is not None and not printed[1]:
                continue  # a printed, not computed, group cell stands
            out[("三", g.code, col)] = None if any(v is None for v in values) else sum(values)
    return out


def _insert_figures(
    conn: Connection, rid: str, body: str, year: int, template: str | None, cells: dict, chosen: bool = False
) -> None:
    tpl = template or "2021"
    rows = [(rid, body, year, tpl, chosen, t, r, c, v) for (t, r, c), v in figure_values(cells, tpl).items()]
    if rows:
        _insert_rows(conn, "figures", _FIGURE_COLS, rows)


_FIGURE_COLS = ("report_id", "body", "year", "template", "chosen", "table_no", "row", "col", "value")


def refresh_figures(conn: Connection, report_ids: list[str]) -> None:
    """Recompute the figures rows of these reports from their facts (after facts were updated in
    place, e.g. settled by a cross-year rule; and by the schema-v8 fill)."""
    for i in range(0, len(report_ids), 500):
        chunk = report_ids[i : i + 500]
        conn.execute(delete(figures).where(figures.c.report_id.in_(chunk)))
        meta = {
            r.id: r
            for r in conn.execute(
                select(reports.c.id, reports.c.body, reports.c.year, reports.c.template, reports.c.chosen).where(
                    reports.c.id.in_(chunk)
                )
            )
        }
        cells: dict[str, dict] = {rid: {} for rid in meta}
        q = select(facts.c.report_id, facts.c.table_no, facts.c.row, facts.c.col, facts.c.value, facts.c.computed)
        for rid, t, r, c, v, comp in conn.execute(q.where(facts.c.report_id.in_(chunk))):
            cells[rid][(t, r, c)] = (v, bool(comp))
        for rid, m in meta.items():
            _insert_figures(conn, rid, m.body, int(m.year), m.template, cells[rid], bool(m.chosen))


_RENAMED = {"table": "table_no", "column": "col"}  # StoredFact field -> facts column


def _cell_fields() -> tuple[str, ...]:
    names = tuple(f.name for f in dataclasses.fields(StoredFact))
    assert all(_RENAMED.get(n, n) in facts.c for n in names), "every StoredFact field is a facts column"
    return names


CELL_FIELDS = _cell_fields()
_SPLITS, _REPORT_ID = CELL_FIELDS.index("splits"), CELL_FIELDS.index("report_id")


def cell_columns() -> list:
    """The facts columns in StoredFact's field order: a row builds a StoredFact positionally."""
    return [facts.c[_RENAMED.get(n, n)] for n in CELL_FIELDS]


def pack_cells(rows: list) -> bytes:
    """A report's fact rows (in CELL_FIELDS order, lists decoded) as its report_cells document."""
    doc = json.dumps([list(r) for r in rows], ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(doc.encode("utf-8"), 6)


def unpack_cells(data: bytes) -> list[StoredFact]:
    """The StoredFacts of a report_cells document, as the facts table gives them."""
    out = []
    for r in json.loads(zlib.decompress(data)):
        r[_SPLITS] = [tuple(x) for x in r[_SPLITS]]
        out.append(StoredFact(*r))
    return out


def refresh_cells(conn: Connection, report_ids: list[str]) -> None:
    """Rewrite the report_cells documents of these reports from their facts (with every write of
    a report's facts; and by the schema-v11 fill). A report without facts gets an empty one."""
    cols = cell_columns()
    for i in range(0, len(report_ids), 500):
        chunk = report_ids[i : i + 500]
        conn.execute(delete(report_cells).where(report_cells.c.report_id.in_(chunk)))
        rows: dict[str, list] = {r: [] for r in conn.execute(select(reports.c.id).where(reports.c.id.in_(chunk))).scalars()}
        for r in conn.execute(select(*cols).where(facts.c.report_id.in_(chunk)).order_by(facts.c.id)):
            rows[r[_REPORT_ID]].append(r)
        if rows:
            conn.execute(insert(report_cells), [{"report_id": rid, "data": pack_cells(v)} for rid, v in rows.items()])


def _insert_facts(conn: Connection, rows: list[tuple]) -> None:
    """Facts are most of a store's rows (~200 a report): one driver-level executemany, without
    SQLAlchemy's per-row parameter processing (a third of the write time otherwise), so the list
    columns come already as JSON text (dump_list)."""
    _insert_rows(conn, "facts", _FACT_COLS, rows)


def _insert_rows(conn: Connection, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """One driver-level executemany of plain tuples (facts, figures: hundreds of rows a report)."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    cols = ", ".join(conn.dialect.identifier_preparer.quote(c) for c in columns)
    conn.exec_driver_sql(f"INSERT INTO {table} ({cols}) VALUES ({', '.join([mark] * len(columns))})", rows)


class FactStore:
    """Reports, facts, violations and passages in SQL. Cheap to construct; one per process."""

    def __init__(self, url: str | None = None):
        settings = get_settings()
        self.url = url or settings.db_url
        if self.url.startswith("sqlite:///"):
            Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(self.url, future=True)
        _sqlite_pragmas(self.engine)
        from rag.migrate import upgrade

        upgrade(self.engine)

    # ---------------------------------------------------------------- writing
    def replace_report(
        self,
        parsed: ParsedReport,
        passage_ids: list[str],
        replaces: list[str] | None = None,
        conn: Connection | None = None,
    ) -> None:
        """Store one parsed report, removing `replaces` (older report ids of the same file) and any
        report with the same id, all in one transaction (or in `conn`'s, when given)."""
        if conn is None:
            with self.engine.begin() as c:
                return self.replace_report(parsed, passage_ids, replaces, c)
        rid = parsed.report_id
        touched = set()
        olds = {rid, *(replaces or [])}
        present = conn.execute(select(reports.c.id).where(reports.c.id.in_(sorted(olds)))).scalars().all()
        for old in present:
            touched |= self._delete(conn, old, mark=False)
        m = parsed.meta
        conn.execute(
            insert(reports).values(
                id=rid, path=parsed.path, sha256=parsed.sha256, format=parsed.format, body=m.body,
                aliases=json.dumps(m.aliases, ensure_ascii=False), year=m.year, template=m.template,
                published=m.published, title=m.title, warnings=json.dumps(parsed.warnings, ensure_ascii=False),
                n_facts=len(parsed.facts), n_passages=len(parsed.passages),
            )
        )
        if parsed.facts:
            _insert_facts(
                conn,
                [
                    (rid, m.body, m.year, f.table, f.row, f.column, f.value, f.unit, f.raw, f.row_label,
                     f.column_label, f.page, f.line, f.blank, f.computed, f.uncertain, f.note,
                     dump_list(f.candidates), dump_list(f.splits), f.split_pos if f.splits else None,
                     f.source or "", f.confidence)
                    for f in parsed.facts
                ],
            )  # fmt: skip
        refresh_cells(conn, [rid])
        if parsed.violations:
            conn.execute(
                insert(violations),
                [
                    dict(report_id=rid, rule=v.rule, message=v.message,
                         cells=json.dumps([list(c) for c in v.cells], ensure_ascii=False),
                         printed=v.printed, expected=v.expected, severity=v.severity)
                    for v in parsed.violations
                ],
            )
        if parsed.passages:
            conn.execute(
                insert(passages),
                [
                    dict(id=pid, report_id=rid, body=m.body, year=m.year, section=p.section,
                         section_title=p.section_title, text=p.text, search_text=p.search_text or p.text,
                         start=p.start, end=p.end, page=p.page, seq=i)
                    for i, (pid, p) in enumerate(zip(passage_ids, parsed.passages, strict=True))
                ],
            )
            _index_passages(conn, rid, m.body, m.year, passage_ids, parsed.passages)
        for body, year in touched | {(m.body, m.year)}:
            mark_chosen(conn, body, year)
        if parsed.facts:  # after mark_chosen: written with this report's flag, never rewritten by it
            chosen = bool(conn.execute(select(reports.c.chosen).where(reports.c.id == rid)).scalar())
            cells = {(f.table, f.row, f.column): (f.value, f.computed) for f in parsed.facts}
            _insert_figures(conn, rid, m.body, m.year, m.template, cells, chosen)
        _changed(conn, rid, "replace")

    def update_facts(self, conn: Connection, changed: list[tuple[str, Fact]]) -> None:
        """Rewrite the value, uncertainty and note of stored facts in place ((report id, fact) pairs:
        a cross-year rule settled them) and the figures computed from them."""
        for rid, f in changed:
            conn.execute(
                update(facts)
                .where(facts.c.report_id == rid, facts.c.table_no == f.table, facts.c.row == f.row, facts.c.col == f.column)
                .values(value=f.value, uncertain=f.uncertain, note=f.note)
            )
        rids = sorted({rid for rid, _ in changed})
        refresh_figures(conn, rids)
        refresh_cells(conn, rids)

    def add_violations(self, report_id: str, items: list[Violation], conn: Connection | None = None) -> None:
        """Attach extra violations (e.g. cross-year rules found after a neighbour year is ingested)."""
        if not items:
            return
        if conn is None:
            with self.engine.begin() as c:
                return self.add_violations(report_id, items, c)
        _changed(conn, report_id, "violations")
        conn.execute(
            insert(violations),
            [dict(report_id=report_id, rule=v.rule, message=v.message,
                  cells=json.dumps([list(c) for c in v.cells], ensure_ascii=False),
                  printed=v.printed, expected=v.expected, severity=v.severity) for v in items],
        )

    def delete_violations(self, rule: str, conn: Connection, report_ids: list[str] | None = None) -> None:
        """Delete one rule's violations, of all reports or only of `report_ids`."""
        q = delete(violations).where(violations.c.rule == rule)
        if report_ids is not None:
            q = q.where(violations.c.report_id.in_(report_ids))
        conn.execute(q)
        _changed(conn, "*", "violations")

    def delete_report(self, report_id: str, conn: Connection | None = None) -> None:
        if conn is None:
            with self.engine.begin() as c:
                self._delete(c, report_id)
                return
        self._delete(conn, report_id)

    @staticmethod
    def _delete(conn: Connection, report_id: str, mark: bool = True) -> set[tuple[str, int]]:
        """Delete one report; returns its (body, year), re-choosing that pair's report when `mark`."""
        pairs = {(b, y) for b, y in conn.execute(select(reports.c.body, reports.c.year).where(reports.c.id == report_id))}
        _unindex_passages(conn, report_id)
        for t in (facts, figures, report_cells, violations, passages):
            conn.execute(delete(t).where(t.c.report_id == report_id))
        conn.execute(delete(reports).where(reports.c.id == report_id))
        if mark:
            for body, year in pairs:
                mark_chosen(conn, body, year)
            if pairs:
                _changed(conn, report_id, "delete")
        return pairs

    # ---------------------------------------------------------------- reading
    def reports(self, body: str | None = None, year: int | None = None) -> list[ReportRow]:
        q = select(reports).order_by(reports.c.body, reports.c.year)
        if body:
            q = q.where(reports.c.body == body)
        if year:
            q = q.where(reports.c.year == year)
        with self.engine.connect() as c:
            return [self._report_row(r) for r in c.execute(q).mappings()]

    def report_by_sha(self, sha256: str) -> ReportRow | None:
        with self.engine.connect() as c:
            r = c.execute(select(reports).where(reports.c.sha256 == sha256)).mappings().first()
        return self._report_row(r) if r else None

    def reports_by_path(self, path: str) -> list[ReportRow]:
        with self.engine.connect() as c:
            rows = c.execute(select(reports).where(reports.c.path == path)).mappings().all()
        return [self._report_row(r) for r in rows]

    def facts(
        self,
        body: str | None = None,
        year: int | None = None,
        table: str | None = None,
        row: str | list[str] | None = None,
        column: str | list[str] | None = None,
        report_id: str | None = None,
    ) -> list[StoredFact]:
        q = select(facts)
        if body:
            q = q.where(facts.c.body == body)
        if year:
            q = q.where(facts.c.year == year)
        if table:
            q = q.where(facts.c.table_no == table)
        if row:
            q = q.where(facts.c.row.in_([row] if isinstance(row, str) else row))
        if column:
            q = q.where(facts.c.col.in_([column] if isinstance(column, str) else column))
        if report_id:
            q = q.where(facts.c.report_id == report_id)
        q = q.order_by(facts.c.id)
        with self.engine.connect() as c:
            return [
                StoredFact(
                    table=r["table_no"], row=r["row"], column=r["col"], value=r["value"], unit=r["unit"],
                    raw=r["raw"], row_label=r["row_label"], column_label=r["column_label"], page=r["page"],
                    line=r["line"], blank=r["blank"], computed=r["computed"], uncertain=r["uncertain"],
                    note=r["note"], candidates=r["candidates"], splits=r["splits"], split_pos=r["split_pos"],
                    source=r["source"], confidence=r["confidence"],
                    report_id=r["report_id"], body=r["body"], year=r["year"],
                )
                for r in c.execute(q).mappings()
            ]

    def violations(self, report_id: str | None = None, body: str | None = None, year: int | None = None) -> list[StoredViolation]:
        q = select(violations, reports.c.body, reports.c.year).join(reports, reports.c.id == violations.c.report_id)
        if report_id:
            q = q.where(violations.c.report_id == report_id)
        if body:
            q = q.where(reports.c.body == body)
        if year:
            q = q.where(reports.c.year == year)
        with self.engine.connect() as c:
            return [
                StoredViolation(
                    rule=r["rule"], message=r["message"], cells=[tuple(x) for x in json.loads(r["cells"])],
                    printed=r["printed"], expected=r["expected"], severity=r["severity"],
                    report_id=r["report_id"], body=r["body"], year=r["year"],
                )
                for r in c.execute(q).mappings()
            ]

    def passages(self, report_id: str | None = None, ids: list[str] | None = None) -> list[StoredPassage]:
        q = select(passages).order_by(passages.c.report_id, passages.c.seq)
        if report_id:
            q = q.where(passages.c.report_id == report_id)
        if ids is not None:
            q = q.where(passages.c.id.in_(ids))
        with self.engine.connect() as c:
            return [StoredPassage(**dict(r)) for r in c.execute(q).mappings()]

    def generation(self) -> int:
        """The newest write's id (0 for an untouched store): one primary-key lookup, so every
        process can check per question whether any writer changed the store."""
        with self.engine.connect() as c:
            return int(c.execute(select(func.max(store_changes.c.id))).scalar() or 0)

    def counts(self) -> dict[str, int]:
        """Row counts of every table (for summaries and tests)."""
        with self.engine.connect() as c:
            return {
                t.name: int(c.execute(select(func.count()).select_from(t)).scalar_one())
                for t in (reports, facts, violations, passages)
            }

    def passage_search_texts(self) -> list[tuple[str, str]]:
        """(passage id, search text) of every passage, in a stable order: what BM25 indexes."""
        q = select(passages.c.id, passages.c.search_text).order_by(passages.c.report_id, passages.c.seq)
        with self.engine.connect() as c:
            return [(r[0], r[1]) for r in c.execute(q)]

    @staticmethod
    def _report_row(r) -> ReportRow:  # noqa: ANN001
        d = dict(r)
        d["aliases"] = json.loads(d["aliases"])
        d["warnings"] = json.loads(d["warnings"] or "[]")
        return ReportRow(**d)
