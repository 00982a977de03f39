"""Schema versions: an old (unversioned) store upgrades to the same tables, columns and indexes a
fresh store gets, keeps its data, and is stamped; opening an up-to-date store changes nothing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from eval.synth import generate_reports
from eval.synthstore import parsed_from_synth
from ingest import crossyear
from ingest.parse import parse_file
from rag import migrate
from rag.factstore import FactStore

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "reports"


def shape(engine) -> dict:
    ins = inspect(engine)
    out = {}
    for t in sorted(ins.get_table_names()):
        cols = sorted(c["name"] for c in ins.get_columns(t))
        idx = sorted((i["name"], tuple(i["column_names"])) for i in ins.get_indexes(t))
        out[t] = (cols, idx)
    return out


def make_v1(url: str) -> None:
    """Turn a fresh store into the schema as it was before versioning (indexes, no `chosen`)."""
    FactStore(url).engine.dispose()
    eng = create_engine(url)
    with eng.begin() as c:
        for name in ("ix_facts_report_cell", "ix_facts_rank", "ix_facts_body_year", "ix_reports_body_year",
                     "ix_reports_path", "ix_passages_body_year", "ix_reports_year_chosen"):  # fmt: skip
            c.execute(text(f"DROP INDEX {name}"))
        c.execute(text("CREATE INDEX ix_facts_report_id ON facts (report_id)"))
        c.execute(text("CREATE INDEX ix_facts_body ON facts (body)"))
        c.execute(text("CREATE INDEX ix_facts_year ON facts (year)"))
        c.execute(text("ALTER TABLE reports DROP COLUMN chosen"))
        drop_typed_fact_columns(c)
        c.execute(text("DROP TABLE schema_version"))
        for t in set(inspect(c).get_table_names()) - {"reports", "facts", "violations", "passages"}:
            c.execute(text(f"DROP TABLE IF EXISTS {t}"))  # FTS5 shadow tables go with their table
    eng.dispose()


def rewind(url: str, version: int, *statements: str) -> None:
    """Turn a store back into an older version: run `statements` (undo what later steps did) and
    stamp it `version`, with no open connection left behind."""
    eng = create_engine(url)
    with eng.begin() as c:
        for sql in statements:
            c.execute(text(sql))
        c.execute(text(f"UPDATE schema_version SET version = {version}"))
    eng.dispose()


def drop_typed_fact_columns(c) -> None:  # noqa: ANN001
    """The facts table before v6: uncertainty only in the note."""
    for col in ("candidates", "splits", "split_pos", "source", "confidence"):
        c.execute(text(f"ALTER TABLE facts DROP COLUMN {col}"))


def test_old_store_upgrades_to_the_fresh_schema_and_keeps_its_data(db_url, tmp_path):
    fresh_url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}" if db_url.startswith("sqlite") else None
    make_v1(db_url)
    eng = create_engine(db_url)
    with eng.connect() as c:
        assert migrate.current_version(c) == 1
    # data written by the old code: two reports of one body and year
    rep = generate_reports(1, seed=4)[0]
    big = replace(parsed_from_synth(rep), passages=[])
    small = replace(big, sha256="1" * 64, facts=big.facts[:10], violations=[])
    with eng.begin() as c:
        for p in (big, small):
            c.execute(
                text(
                    "INSERT INTO reports (id, path, sha256, format, body, aliases, year, template, warnings, "
                    "n_facts, n_passages) VALUES (:id, 'x', :sha, 'synth', :body, '[]', :year, '2021', '[]', :n, 0)"
                ),
                dict(id=p.report_id, sha=p.sha256, body=p.meta.body, year=p.meta.year, n=len(p.facts)),
            )
    st = FactStore(db_url)  # opening upgrades
    with st.engine.connect() as c:
        assert migrate.current_version(c) == migrate.LATEST
    assert [r.id for r in st.reports() if r.chosen] == [big.report_id]
    assert shape(st.engine) == (
        shape(FactStore(fresh_url).engine) if fresh_url else shape_of_fresh_pg(db_url)
    )
    before = shape(st.engine)
    assert migrate.upgrade(st.engine) == migrate.LATEST and shape(st.engine) == before
    eng.dispose()
    st.engine.dispose()


def shape_of_fresh_pg(db_url: str) -> dict:
    """A fresh database beside db_url on the same server, created by FactStore."""
    base, _, _ = db_url.rpartition("/")
    name = "fresh_" + db_url.rsplit("/", 1)[1]
    eng = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    eng.dispose()
    st = FactStore(f"{base}/{name}")
    try:
        return shape(st.engine)
    finally:
        st.engine.dispose()


def make_v3(url: str, parsed) -> None:  # noqa: ANN001
    """A store as v3 code left it, holding `parsed`: no embedding cache or change log, and facts
    whose candidate splits and OCR source were only written into their notes."""
    st = FactStore(url)
    st.replace_report(replace(parsed, passages=[]), [])
    st.engine.dispose()
    eng = create_engine(url)
    with eng.begin() as c:
        drop_typed_fact_columns(c)
        c.execute(text("DROP TABLE embedding_cache"))
        c.execute(text("DROP TABLE store_changes"))
        c.execute(text("UPDATE schema_version SET version = 3"))
    eng.dispose()


def test_v3_store_gets_typed_uncertainty_filled_from_its_notes(db_url, tmp_path):
    """Upgrading fills the typed fields from what the old notes said, so cells stored before keep
    being settled by a neighbouring year (re-ingesting an unchanged file is a no-op)."""
    fresh_url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}" if db_url.startswith("sqlite") else None
    parsed = parse_file(SAMPLES / "pingtan_2021.txt")
    ocr_key = ("二", "licensing", "decisions")
    ocr_note = "OCR，第2页；OCR识别（置信度0.87），经勾稽关系核对"
    parsed = replace(parsed, facts=[replace(f, note=ocr_note) if f.key() == ocr_key else f for f in parsed.facts])
    want = {f.key(): f for f in parsed.facts}
    assert sum(1 for f in parsed.facts if f.splits) == 3
    make_v3(db_url, parsed)
    eng = create_engine(db_url)
    with eng.connect() as c:
        assert migrate.current_version(c) == 3
        assert "splits" not in {col["name"] for col in inspect(c).get_columns("facts")}
    eng.dispose()
    st = FactStore(db_url)
    with st.engine.connect() as c:
        assert migrate.current_version(c) == migrate.LATEST
    assert shape(st.engine) == (shape(FactStore(fresh_url).engine) if fresh_url else shape_of_fresh_pg(db_url))
    got = {f.key(): f for f in st.facts()}
    for key, f in want.items():
        g = got[key]
        assert (g.splits, g.split_pos) == (f.splits, f.split_pos if f.splits else None), key
        if f.splits:
            assert g.candidates == f.candidates and isinstance(g.splits[0], tuple)
        else:
            assert g.candidates == []
        assert (g.source, g.confidence) == (("ocr", 0.87) if key == ocr_key else ("", None)), key
    # the upgraded cells are settled from the typed fields, as freshly parsed ones are
    nxt = parse_file(SAMPLES / "pingtan_2022.txt")
    settled = {f.key(): f for f in crossyear.settle(list(got.values()), nxt=(2022, nxt.facts))}
    assert settled[("二", "normative_docs", "in_force")].value == 665
    st.engine.dispose()


def test_v7_store_gets_figures_filled_from_its_facts(db_url, tmp_path):
    """Schema v8 adds the figures table (rankings by index): an older store's rows are computed
    from its facts, the same rows a fresh write gives."""
    from sqlalchemy import select

    from rag.factstore import figures

    fresh_url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}" if db_url.startswith("sqlite") else None
    st = FactStore(db_url)
    reps = [replace(parsed_from_synth(r), passages=[]) for r in generate_reports(6, seed=9)]
    for p in reps:
        st.replace_report(p, [])

    def rows(engine) -> list:
        cols = [c for c in figures.c if c.name != "id"]
        with engine.connect() as c:
            return sorted(tuple(r) for r in c.execute(select(*cols)))

    want = rows(st.engine)
    assert len(want) > 6 * 150
    st.engine.dispose()
    rewind(db_url, 7, "DROP INDEX ix_reports_year_chosen", "DROP TABLE figures")
    st = FactStore(db_url)
    with st.engine.connect() as c:
        assert migrate.current_version(c) == migrate.LATEST
    assert rows(st.engine) == want
    assert shape(st.engine) == (shape(FactStore(fresh_url).engine) if fresh_url else shape_of_fresh_pg(db_url))
    st.engine.dispose()


def test_a_store_newer_than_the_code_is_refused(db_url):
    """Old code on a store newer code upgraded would write without keeping the new tables in step
    (figures, v8): it refuses to open the store instead."""
    st = FactStore(db_url)
    with st.engine.begin() as c:
        c.execute(text(f"UPDATE schema_version SET version = {migrate.LATEST + 1}"))
    st.engine.dispose()
    import pytest

    with pytest.raises(RuntimeError, match="newer than this code"):
        FactStore(db_url)


def test_v9_reads_a_bodys_chosen_report_through_its_index(tmp_path):
    """A v8 store's (body, year) index gains `chosen`, and the lookup FactBook.report makes reads
    it instead of scanning the year (SQLite's plan; PostgreSQL plans by its own statistics)."""
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    FactStore(url).engine.dispose()
    rewind(url, 8, "DROP INDEX ix_reports_body_year", "CREATE INDEX ix_reports_body_year ON reports (body, year)")
    st = FactStore(url)
    with st.engine.connect() as c:
        assert migrate.current_version(c) == migrate.LATEST
        for bodies in ("'甲'", "'甲', '乙'", ", ".join(f"'{i}'" for i in range(30))):
            plan = " ".join(str(r[-1]) for r in c.execute(text(
                f"EXPLAIN QUERY PLAN SELECT * FROM reports WHERE year = 2023 AND chosen = 1 AND body IN ({bodies})"
            )))
            assert "ix_reports_body_year" in plan and "chosen=?" in plan, (bodies, plan)
    assert shape(st.engine) == shape(FactStore(f"sqlite:///{tmp_path / 'fresh.sqlite3'}").engine)
    st.engine.dispose()


def test_v10_ranking_rows_come_from_the_index_alone(tmp_path):
    """A v9 store's ix_figures_rank gains report_id: the rows above a ranking's cut (value, body,
    report id) are read from the index, not from the table row by row (SQLite's plan)."""
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    FactStore(url).engine.dispose()
    rewind(url, 9, "DROP INDEX ix_figures_rank",
           'CREATE INDEX ix_figures_rank ON figures (year, table_no, "row", col, chosen, template, value, body)')
    st = FactStore(url)
    with st.engine.connect() as c:
        assert migrate.current_version(c) == migrate.LATEST
        plan = " ".join(str(r[-1]) for r in c.execute(text(
            "EXPLAIN QUERY PLAN SELECT value, body, report_id FROM figures WHERE year = 2023 AND table_no = '三' "
            "AND \"row\" = 'new' AND col = 'total' AND chosen = 1 AND template = '2021' AND value > 5"
        )))
    assert "COVERING INDEX ix_figures_rank" in plan, plan
    assert shape(st.engine) == shape(FactStore(f"sqlite:///{tmp_path / 'fresh.sqlite3'}").engine)
    st.engine.dispose()
