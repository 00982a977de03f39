"""Schema versions of the SQL store: SQLAlchemy DDL plus a one-row `schema_version` table.

Why not Alembic: the schema is a handful of tables defined once in rag/factstore.py, the same
code must run on SQLite and PostgreSQL, and every process upgrades the store it opens. A fresh
store is created from the current table definitions and stamped with the latest version; an
older one runs the numbered steps below, each in its own transaction with its version bump (on
PostgreSQL under an advisory lock, so processes starting together upgrade once). Adding a
change: edit the Table in factstore.py *and* append a step that brings an older store to it;
tests/test_migrate.py checks that both paths give the same tables, columns and indexes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from sqlalchemy import Column, Integer, MetaData, Table, inspect, select, text
from sqlalchemy.engine import Connection, Engine

from rag import lexical  # registers the lexical tables' DDL with metadata.create_all

version_meta = MetaData()
schema_version = Table("schema_version", version_meta, Column("version", Integer, nullable=False))

_LOCK_KEY = 0x4E42_5343  # "NBSC": pg_advisory_xact_lock key for schema changes


def _drop_index(conn: Connection, table: str, name: str) -> None:
    if name in {ix["name"] for ix in inspect(conn).get_indexes(table)}:
        conn.execute(text(f"DROP INDEX {name}"))


def _create_index(conn: Connection, table: str, name: str, cols: str) -> None:
    if name not in {ix["name"] for ix in inspect(conn).get_indexes(table)}:
        conn.execute(text(f"CREATE INDEX {name} ON {table} ({cols})"))


def _v2_indexes_and_chosen(conn: Connection) -> None:
    """Composite indexes for per-report reads and rankings; the `chosen` report per body and year."""
    cols = {c["name"] for c in inspect(conn).get_columns("reports")}
    if "chosen" not in cols:
        conn.execute(text("ALTER TABLE reports ADD COLUMN chosen BOOLEAN NOT NULL DEFAULT FALSE"))
    for name in ("ix_facts_report_id", "ix_facts_body", "ix_facts_year"):
        _drop_index(conn, "facts", name)
    _create_index(conn, "facts", "ix_facts_report_cell", 'report_id, table_no, "row", col')
    _create_index(conn, "facts", "ix_facts_rank", 'year, table_no, "row", col, value')
    _create_index(conn, "facts", "ix_facts_body_year", "body, year, table_no")
    _create_index(conn, "reports", "ix_reports_body_year", "body, year")
    _create_index(conn, "reports", "ix_reports_path", "path")
    _create_index(conn, "passages", "ix_passages_body_year", "body, year")
    from rag.factstore import mark_chosen

    pairs = conn.execute(text("SELECT DISTINCT body, year FROM reports")).all()
    for body, year in pairs:
        mark_chosen(conn, body, year, figures_too=False)


def _v3_new_tables(conn: Connection) -> None:
    """Tables added after v2 (ingest claims, the shared embedding cache): created when missing."""
    from rag.factstore import metadata

    metadata.create_all(conn, checkfirst=True)


# Columns of the typed uncertainty of a fact (v6), as added to an older facts table.
_V6_FACT_COLUMNS = (
    ("candidates", "TEXT NOT NULL DEFAULT '[]'"),
    ("splits", "TEXT NOT NULL DEFAULT '[]'"),
    ("split_pos", "INTEGER"),
    ("source", "VARCHAR(10) NOT NULL DEFAULT ''"),
    ("confidence", "FLOAT"),
)
# What stores before v6 kept in the note instead (written by the parser of that time):
# 「候选拆分：6,9,[3665]；6,93,[665]」 (every whole-row split, this cell bracketed), a note starting
# 「OCR」 for a cell read from a page image, 「OCR识别（置信度0.87）」 its rounded confidence.
_OLD_SPLITS = re.compile(r"候选拆分：([-\d.,\[\]；]+)")
_OLD_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_OLD_CONFIDENCE = re.compile(r"^OCR.*?置信度(\d(?:\.\d+)?)")


def _old_number(token: str) -> float | None:
    if not _OLD_NUMBER.match(token):
        return None
    return float(token) if "." in token else int(token)


def _old_splits(note: str) -> tuple[list[tuple[float, ...]], int] | None:
    """(every split of the row, this cell's index) from a pre-v6 note, else None."""
    m = _OLD_SPLITS.search(note or "")
    if not m:
        return None
    cands: list[tuple[float, ...]] = []
    pos: int | None = None
    for part in m.group(1).split("；"):
        nums = part.split(",")
        marked = [i for i, t in enumerate(nums) if t.startswith("[") and t.endswith("]")]
        if len(marked) != 1 or (pos is not None and marked[0] != pos):
            return None
        pos = marked[0]
        vals = [_old_number(t.strip("[]")) for t in nums]
        if any(v is None for v in vals):
            return None
        cands.append(tuple(vals))
    if not cands or pos is None or len({len(c) for c in cands}) != 1:
        return None
    return cands, pos


def _v6_typed_uncertainty(conn: Connection) -> None:
    """Facts get typed columns for what was only in their notes: candidate values, an ambiguous
    row's splits (+ this cell's index), OCR source and confidence. Existing rows are filled from
    their notes, so cells stored before keep being settled by a neighbouring year (ingest.crossyear
    reads only the typed fields, and re-ingesting an unchanged file is a no-op)."""
    have = {c["name"] for c in inspect(conn).get_columns("facts")}
    missing = [(name, ddl) for name, ddl in _V6_FACT_COLUMNS if name not in have]
    for name, ddl in missing:
        conn.execute(text(f"ALTER TABLE facts ADD COLUMN {name} {ddl}"))
    if not missing:
        return
    rows = conn.execute(
        text("SELECT id, note FROM facts WHERE note LIKE :splits OR note LIKE :ocr"),
        {"splits": "%候选拆分：%", "ocr": "OCR%"},
    ).all()
    updates = []
    for fid, note in rows:
        parsed = _old_splits(note)
        splits, pos = parsed if parsed else ([], None)
        values: list[float] = []
        for c in splits:
            if c[pos] not in values:
                values.append(c[pos])
        ocr = note.startswith("OCR")
        conf = _OLD_CONFIDENCE.match(note) if ocr else None
        updates.append(
            dict(id=fid, c=json.dumps(values), s=json.dumps(splits), p=pos, src="ocr" if ocr else "",
                 conf=float(conf.group(1)) if conf else None)
        )  # fmt: skip
    if updates:
        conn.execute(
            text("UPDATE facts SET candidates = :c, splits = :s, split_pos = :p, source = :src, "
                 "confidence = :conf WHERE id = :id"),
            updates,
        )  # fmt: skip


def _v8_figures(conn: Connection) -> None:
    """The figures table (rankings as index walks, factstore.figures), filled from every report's
    facts, and the reports index a ranking's count reads."""
    from rag.factstore import metadata, refresh_figures

    metadata.create_all(conn, checkfirst=True)
    _create_index(conn, "reports", "ix_reports_year_chosen", "year, chosen, template")
    refresh_figures(conn, _report_ids(conn))


def _v9_chosen_by_body(conn: Connection) -> None:
    """A body's chosen report in a year through (body, year, chosen): with only (body, year) the
    planner preferred (year, chosen) and scanned the year's reports (~28 ms at 100,000 reports)."""
    _drop_index(conn, "reports", "ix_reports_body_year")
    _create_index(conn, "reports", "ix_reports_body_year", "body, year, chosen")


def _v10_covering_rank(conn: Connection) -> None:
    """ix_figures_rank gains report_id, so a ranking's top rows come from the index alone: with
    the rows' table pages read one by one, the walk took 25-75 ms of cold reads at 100,000 reports."""
    _drop_index(conn, "figures", "ix_figures_rank")
    _create_index(conn, "figures", "ix_figures_rank", 'year, table_no, "row", col, chosen, template, value, body, report_id')


def _v11_report_cells(conn: Connection) -> None:
    """report_cells: each report's facts as one document (FactBook reads a report in one or two
    pages), filled from every report's facts."""
    from rag.factstore import metadata, refresh_cells

    metadata.create_all(conn, checkfirst=True)
    refresh_cells(conn, _report_ids(conn))


def _report_ids(conn: Connection) -> list[str]:
    return [r for (r,) in conn.execute(text("SELECT id FROM reports ORDER BY id"))]


# version -> step bringing a store from version-1 to version; version 1 is the unversioned schema.
STEPS: dict[int, Callable[[Connection], None]] = {
    2: _v2_indexes_and_chosen,
    3: _v3_new_tables,
    4: _v3_new_tables,  # embedding_cache (the shared passage-vector cache)
    5: _v3_new_tables,  # store_changes (FactStore.generation)
    6: _v6_typed_uncertainty,
    7: lexical.migrate,  # passage_lex (+ FTS5 / tsvector): lexical search inside SQL, filled from passages
    8: _v8_figures,  # figures: each figure's value per report, for rankings by index
    9: _v9_chosen_by_body,  # ix_reports_body_year gains `chosen`
    10: _v10_covering_rank,  # ix_figures_rank gains report_id
    11: _v11_report_cells,  # report_cells: a report's facts in one read
}
LATEST = max(STEPS)


def current_version(conn: Connection) -> int | None:
    """The store's schema version: None for an empty database, 1 for one made before versioning."""
    names = set(inspect(conn).get_table_names())
    if "schema_version" in names:
        v = conn.execute(select(schema_version.c.version)).scalar()
        if v is not None:
            return int(v)
    return 1 if "reports" in names else None


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})


def _stamp(conn: Connection, version: int) -> None:
    version_meta.create_all(conn, checkfirst=True)
    conn.execute(schema_version.delete())
    conn.execute(schema_version.insert().values(version=version))


def upgrade(engine: Engine) -> int:
    """Bring the store to LATEST (creating it when empty); returns the version it was at."""
    from rag.factstore import metadata

    with engine.connect() as c:
        before = current_version(c)
    if before == LATEST:
        return before
    if before is not None and before > LATEST:
        # newer code upgraded this store: tables this code does not know (e.g. v8's figures) would
        # not be kept in step by its writes, so it must not write here at all
        raise RuntimeError(
            f"the SQL store is at schema version {before}, newer than this code's {LATEST}: "
            "upgrade Nianbao on this machine before using the store"
        )
    with engine.begin() as conn:
        _lock(conn)
        v = current_version(conn)
        if v is None:
            metadata.create_all(conn)
            _stamp(conn, LATEST)
            return 0
    start = v
    while v < LATEST:
        with engine.begin() as conn:
            _lock(conn)
            v = current_version(conn) or 0
            if v >= LATEST:
                break
            STEPS[v + 1](conn)
            _stamp(conn, v + 1)
            v += 1
    return start
