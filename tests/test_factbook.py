"""FactBook on SQLite and PostgreSQL: SQL rankings agree with reading every report through get(),
the report cache stays bounded, and the chosen report per body and year follows the facts."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from eval.synth import generate_reports
from eval.synthstore import parsed_from_synth
from rag.factbook import FactBook, LazyFacts
from rag.factstore import FactStore

ROWS = [
    ("三", "new", None),
    ("三", "withheld", None),
    ("三", "granted", "person"),
    ("四", "review", "corrected"),
]
ROWS += [("二", "normative_docs", None), ("三", "handled_total", None), ("三", "not_processed", None)]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request, tmp_path_factory):
    """60 synthetic reports; some cells made undecidable the way the parser records them."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fb') / 'facts.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_server").create_database()
    st = FactStore(url)
    rng = random.Random(5)
    for rep in generate_reports(60, seed=11, violations=0.2):
        p = parsed_from_synth(rep)
        bad = {("三", "new", "total"), ("三", "withheld.state_secret", "total")}
        facts = [
            replace(f, value=None, uncertain=True, raw="1l7") if f.key() in bad and rng.random() < 0.15 else f
            for f in p.facts
        ]
        st.replace_report(replace(p, facts=facts, passages=[]), [])
    yield st
    st.engine.dispose()


def python_ranking(book: FactBook, store: FactStore, table, row, year, column, ascending=False):
    """The reference: every chosen report of the year loaded and read with get()."""
    reps = [r for r in store.reports(year=year) if r.chosen]
    cvs = [book.get(rf, table, row, column) for rf in book.load(reps).values()]
    vals = sorted(
        (cv for cv in cvs if not cv.missing and not cv.undecidable),
        key=lambda cv: ((cv.value if ascending else -cv.value), cv.report.body),
    )
    return vals, sorted((cv for cv in cvs if cv.undecidable), key=lambda cv: cv.report.body), len(reps)


@pytest.mark.parametrize("table,row,column", ROWS)
def test_sql_ranking_matches_reading_every_report(store, table, row, column):
    book = FactBook(store, capacity=1000)
    years = sorted({r.year for r in store.reports()})
    checked = undecidable = 0
    for year in years:
        for ascending in (False, True):
            got = book.rank(table, row, year, column=column, limit=5, ascending=ascending)
            vals, unknown, n = python_ranking(book, store, table, row, year, column, ascending)
            assert got.reports == n and got.with_value == len(vals) and got.n_undecidable == len(unknown)
            assert [(cv.report.body, cv.value) for cv in got.top] == [
                (cv.report.body, cv.value) for cv in vals[:5]
            ]
            assert [cv.report.body for cv in got.undecidable] == [cv.report.body for cv in unknown[:5]]
            assert all(cv.undecidable for cv in got.undecidable)
            for limit in (5, 1):  # as answers rank: no with_value count; undecidable ones still counted
                fast = book.rank(table, row, year, column=column, limit=limit, ascending=ascending, counts=False)
                assert fast.with_value is None and fast.n_undecidable == len(unknown)
                assert [cv.report.id for cv in fast.top] == [cv.report.id for cv in got.top][:limit]
            checked += len(got.top)
            undecidable += got.n_undecidable
    assert checked > 0
    if (table, row) in (("三", "new"), ("三", "withheld")):
        assert undecidable > 0  # the planted unreadable cells are counted and listed


def test_group_row_rank_sums_children_and_an_undecidable_child_is_listed(store):
    book = FactBook(store, capacity=1000)
    year = max(r.year for r in store.reports())
    got = book.rank("三", "withheld", year, limit=100)
    assert got.top and all(cv.summed for cv in got.top)
    for cv in got.top:
        assert cv.value == sum(v for _, v, _ in cv.parts)
    assert got.with_value + got.n_undecidable + got.missing == got.reports


def test_rank_of_named_bodies_only(store):
    book = FactBook(store)
    year = max(r.year for r in store.reports())
    named = sorted({r.body for r in store.reports(year=year)})[:3]
    got = book.rank("三", "new", year, bodies=named)
    assert got.reports == len(named) and {cv.report.body for cv in got.top + got.undecidable} <= set(named)


def test_cache_is_bounded_and_reads_only_what_is_asked(store):
    book = FactBook(store, capacity=4)
    reps = [r for r in store.reports() if r.chosen][:10]
    loaded = book.load(reps)  # more than the cache holds: read lazily, in order
    assert isinstance(loaded, LazyFacts) and len(book._cache) == 0
    assert set(loaded) == {r.id for r in reps}
    eager = FactBook(store).load(reps)
    assert [loaded[r.id].cells for r in reps] == [eager[r.id].cells for r in reps] and len(book._cache) == 4
    assert all(loaded[r.id].report.id == r.id and loaded[r.id].cells for r in reps)
    evicted = reps[0]
    assert evicted.id not in book._cache
    assert book.facts_of(evicted).cells == loaded[evicted.id].cells and evicted.id in book._cache
    r = reps[3]
    assert book.report(r.body, r.year).id == r.id
    assert [x.id for x in book.reports_of([reps[5].body, "不存在的机关", reps[6].body], reps[5].year)] == [
        x.id for x in (reps[5], reps[6]) if x.year == reps[5].year
    ]


def test_chosen_report_follows_the_facts(db_url):
    """Two reports of one body and year: the one with more facts is chosen; deleting it chooses the other."""
    st = FactStore(db_url)
    rep = generate_reports(1, seed=3)[0]
    big = replace(parsed_from_synth(rep), passages=[])
    small = replace(big, sha256="0" * 64, facts=big.facts[:20], violations=[])
    st.replace_report(small, [])
    book = FactBook(st)
    assert book.report(rep.body.name, rep.year).id == small.report_id
    st.replace_report(big, [])
    book.refresh()
    assert book.report(rep.body.name, rep.year).id == big.report_id
    assert [r.id for r in st.reports() if r.chosen] == [big.report_id]
    st.delete_report(big.report_id)
    book.refresh()
    assert book.report(rep.body.name, rep.year).id == small.report_id


def test_report_lookups_of_a_whole_year_agree_with_the_store(store):
    """Body after body in one year (a ranking's walk): past YEAR_BULK misses the year is read whole."""
    book = FactBook(store)
    chosen = [r for r in store.reports() if r.chosen]
    year = max({r.year for r in chosen}, key=lambda y: sum(r.year == y for r in chosen))
    of_year = [r for r in chosen if r.year == year]
    assert len(of_year) > 8
    assert [book.report(r.body, year).id for r in of_year] == [r.id for r in of_year]
    assert book.report("不存在的机关", year) is None


def test_generation_moves_with_every_write_and_only_then(db_url):
    st = FactStore(db_url)
    g0 = st.generation()
    rep = replace(parsed_from_synth(generate_reports(1, seed=8)[0]), passages=[])
    st.replace_report(rep, [])
    g1 = st.generation()
    st.reports()
    assert g1 > g0 and st.generation() == g1
    st.add_violations(rep.report_id, rep.violations[:1] or [])
    st.delete_report(rep.report_id)
    g2 = st.generation()
    assert g2 > g1
    st.delete_report("no-such-report")  # nothing deleted: nothing changed
    assert st.generation() == g2


def _figures(st: FactStore, report_id: str) -> dict:
    from sqlalchemy import select

    from rag.factstore import figures

    with st.engine.connect() as c:
        rows = c.execute(select(figures).where(figures.c.report_id == report_id)).mappings().all()
    return {(r["table_no"], r["row"], r["col"]): (r["value"], bool(r["chosen"]), r["template"]) for r in rows}


def test_figures_table_holds_what_get_reads_for_every_cell(store):
    """Rankings read the figures table; answers read get(): the two agree on every cell of every
    report, group rows of table 三 (sums, undecidable when a child is) included."""
    from nianbao import template as T

    book = FactBook(store, capacity=1000)
    reps = store.reports()
    checked = summed = 0
    for rid, rf in book.load(reps).items():
        got = _figures(store, rid)
        keys = set(rf.cells) | {
            ("三", g.code, c) for g in T.T3_ROWS if g.group for (t, _, c) in rf.cells if t == "三"
        }
        for t, r, c in keys:
            cv = book.get(rf, t, r, c)
            if cv.missing:
                assert (t, r, c) not in got
                continue
            value, chosen, tpl = got[(t, r, c)]
            assert value == cv.value, (rid, t, r, c)
            assert chosen == rf.report.chosen and tpl == (rf.report.template or "2021")
            checked += 1
            summed += bool(cv.summed)
        assert len(got) == len([k for k in keys if not book.get(rf, *k).missing])
    assert checked > 1000 and summed > 50


def test_ranking_breaks_a_tie_at_the_cut_by_body_name(db_url):
    """Many reports with the same value at the limit: the first by name are listed, as the
    reference reading of every report gives, in both directions."""
    st = FactStore(db_url)
    reps = [replace(parsed_from_synth(r), passages=[]) for r in generate_reports(40, seed=21)]
    year = max({r.meta.year for r in reps}, key=lambda y: sum(r.meta.year == y for r in reps))
    for i, p in enumerate(reps):
        tie = p.meta.year == year and i % 3 != 0
        facts = [replace(f, value=7.0) if tie and f.key() == ("三", "new", "total") else f for f in p.facts]
        st.replace_report(replace(p, facts=facts), [])
    book = FactBook(st, capacity=1000)
    for ascending in (False, True):
        for limit in (1, 3, 10):
            got = book.rank("三", "new", year, limit=limit, ascending=ascending)
            vals, _, n = python_ranking(book, st, "三", "new", year, None, ascending)
            assert [(cv.report.body, cv.value) for cv in got.top] == [(cv.report.body, cv.value) for cv in vals[:limit]]
            assert got.reports == n
    st.engine.dispose()


def test_figures_follow_chosen_flips_deletes_and_settled_cells(db_url):
    st = FactStore(db_url)
    rep = generate_reports(1, seed=3)[0]
    big = replace(parsed_from_synth(rep), passages=[])
    small = replace(big, sha256="0" * 64, facts=big.facts[:20], violations=[])
    st.replace_report(small, [])
    assert {ch for _, ch, _ in _figures(st, small.report_id).values()} == {True}
    st.replace_report(big, [])
    assert {ch for _, ch, _ in _figures(st, small.report_id).values()} == {False}
    assert {ch for _, ch, _ in _figures(st, big.report_id).values()} == {True}
    # a cell settled in place (cross-year) moves its figure and its group's sum
    child = next(f for f in big.facts if f.key() == ("三", "withheld.state_secret", "total"))
    before = _figures(st, big.report_id)[("三", "withheld", "total")][0]
    with st.engine.begin() as c:
        st.update_facts(c, [(big.report_id, replace(child, value=child.value + 5))])
    after = _figures(st, big.report_id)
    assert after[("三", "withheld.state_secret", "total")][0] == child.value + 5
    assert after[("三", "withheld", "total")][0] == before + 5
    assert after[("三", "withheld", "total")][1] is True  # still the chosen report's
    st.delete_report(big.report_id)
    assert _figures(st, big.report_id) == {}
    assert {ch for _, ch, _ in _figures(st, small.report_id).values()} == {True}
    st.engine.dispose()


def _rows_by_report(st: FactStore) -> dict[str, list]:
    """Every report's facts read row by row from the facts table, in row order."""
    from dataclasses import asdict

    from sqlalchemy import select

    from rag.factstore import StoredFact, cell_columns, facts

    out: dict[str, list] = {r.id: [] for r in st.reports()}
    with st.engine.connect() as c:
        for row in c.execute(select(*cell_columns()).order_by(facts.c.id)):
            f = StoredFact(*row)
            out[f.report_id].append(asdict(f))
    return out


def _documents(st: FactStore) -> dict[str, list]:
    from dataclasses import asdict

    from sqlalchemy import select

    from rag.factstore import report_cells, unpack_cells

    with st.engine.connect() as c:
        docs = c.execute(select(report_cells.c.report_id, report_cells.c.data)).all()
    return {rid: [asdict(f) for f in unpack_cells(data)] for rid, data in docs}


def test_report_documents_hold_exactly_the_facts_rows(store):
    """FactBook reads a report from its report_cells document (one read, not ~200 rows): every
    report has one, and it gives the facts table's rows field for field, undecidable cells included."""
    rows = _rows_by_report(store)
    assert _documents(store) == rows
    assert any(f["uncertain"] and f["value"] is None for fs in rows.values() for f in fs)
    book = FactBook(store, capacity=1000)
    reps = store.reports()[:12]
    for rep in reps:
        assert [c.__dict__ for c in book.facts_of(rep).cells.values()] == rows[rep.id]


def test_report_documents_follow_settled_and_deleted_facts(db_url):
    st = FactStore(db_url)
    reps = [replace(parsed_from_synth(r), passages=[]) for r in generate_reports(4, seed=5)]
    for p in reps:
        st.replace_report(p, [])
    rid = reps[0].report_id
    f = next(f for f in reps[0].facts if f.value is not None)
    with st.engine.begin() as c:
        st.update_facts(c, [(rid, replace(f, value=f.value + 1, uncertain=False, note="按推算（测试）"))])
    got = FactBook(st).facts_of(next(r for r in st.reports() if r.id == rid)).cells[f.key()]
    assert got.value == f.value + 1 and got.note == "按推算（测试）"
    assert _documents(st) == _rows_by_report(st)
    st.replace_report(reps[1], [])  # the same report again: one document, the new one
    st.delete_report(reps[2].report_id)
    docs = _documents(st)
    assert set(docs) == {r.id for r in st.reports()} and reps[2].report_id not in docs
    assert docs == _rows_by_report(st)
    st.engine.dispose()
