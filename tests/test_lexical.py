"""Lexical search inside the SQL store (rag.lexical, NIANBAO_LEXICAL=sql) on SQLite and PostgreSQL:
the same top passages as the bm25s index, scoping by body and year in the query, the index kept in
step with the passages through ingest, re-ingest, supersede and delete, healing by signature, the
migration that fills it for an existing store, and a second process seeing a new ingest at once."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from conftest_rag import rag_stores  # noqa: F401
from sqlalchemy import text

from ingest.parse import parse_file
from ingest.pipeline import passage_id
from rag import lexical, migrate
from rag.bm25 import BM25Index, tokenize
from rag.factstore import FactStore

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "reports"
ROOT = Path(__file__).resolve().parent.parent
QUERIES = [
    "信息处理费",
    "政策解读",
    "政府信息公开工作存在的主要问题",
    "行政复议 行政诉讼",
    "主动公开政府信息",
    "依申请公开",
    "下一步工作打算 改进",
    "政务新媒体 政府网站",
]


@pytest.fixture(scope="module")
def parsed():
    """The real sample reports, parsed once (hengshan, hongze ×2, huaian, pingtan ×2)."""
    return [parse_file(str(p)) for p in sorted(SAMPLES.iterdir()) if p.suffix in (".txt", ".pdf")]


def store_reports(fs: FactStore, reports) -> None:  # noqa: ANN001
    for p in reports:
        fs.replace_report(p, [passage_id(p.report_id, x) for x in p.passages])


def lex_rows(fs: FactStore) -> int:
    with fs.engine.connect() as c:
        return int(c.execute(text("SELECT count(*) FROM passage_lex")).scalar())


@pytest.fixture
def store(db_url, parsed):
    fs = FactStore(db_url)
    store_reports(fs, parsed)
    yield fs
    fs.engine.dispose()


def test_same_top_passages_as_bm25s(store, tmp_path):
    bm = BM25Index(path=tmp_path / "bm25")
    bm.rebuild(store.passage_search_texts())
    lex = lexical.SqlLexical(store)
    assert len(lex) == len(bm) == store.counts()["passages"] > 50
    by_id = {p.id: p for p in store.passages()}
    body, year = "洪泽区人民政府", 2024
    scoped = [pid for pid, p in by_id.items() if p.body == body and p.year == year]
    of_year = [pid for pid, p in by_id.items() if p.year == 2022]
    assert scoped and of_year
    compared = 0
    for q in QUERIES:
        for bodies, years, allowed in ((None, None, None), ([body], [year], scoped), (None, [2022], of_year)):
            want = bm.search(q, k=5, ids_allowed=allowed)
            got = lex.search(q, k=5, bodies=bodies, years=years)
            assert want, q
            assert [round(s, 3) for _, s in got] == [round(s, 3) for _, s in want], q
            scores = [round(s, 3) for _, s in want]
            if len(set(scores)) == len(scores):  # no ties: the same passages in the same order
                assert [p for p, _ in got] == [p for p, _ in want], q
                compared += 1
    assert compared >= 8
    for tok in ("信息处理费", "公开", "行政复议"):
        assert lex.doc_freq(tok) == bm.doc_freq(tok) > 0
    assert lex.search("zzqxwv", k=5) == bm.search("zzqxwv", k=5) == []


def test_scoping_by_body_and_year(store):
    lex = lexical.SqlLexical(store)
    by_id = {p.id: p for p in store.passages()}
    hits = lex.search("存在的主要问题 改进", k=20, bodies=["平潭综合实验区"], years=[2022])
    assert hits and all((by_id[p].body, by_id[p].year) == ("平潭综合实验区", 2022) for p, _ in hits)
    both = lex.search("存在的主要问题 改进", k=50, bodies=["平潭综合实验区"])
    assert {by_id[p].year for p, _ in both} == {2021, 2022}
    y2024 = lex.search("信息处理费", k=50, years=[2024])
    assert y2024 and {by_id[p].year for p, _ in y2024} == {2024}
    assert {by_id[p].body for p, _ in y2024} == {"洪泽区人民政府", "淮安市人民政府"}
    assert lex.search("问题", k=5, bodies=["不存在的机关"]) == []
    assert lex.search("问题", k=5, bodies=["平潭综合实验区"], years=[1999]) == []


def test_index_in_step_through_reingest_supersede_and_delete(db_url, parsed):
    fs = FactStore(db_url)
    lex = lexical.SqlLexical(fs)
    hengshan = next(p for p in parsed if p.meta.body == "衡山县人民政府")
    others = [p for p in parsed if p is not hengshan]
    store_reports(fs, [hengshan, *others])
    n = fs.counts()["passages"]
    assert lex_rows(fs) == n
    first = lex.search("信息处理费", k=20, bodies=["衡山县人民政府"])
    assert first
    # re-ingest of the same report: its rows are replaced, never doubled
    store_reports(fs, [hengshan])
    assert lex_rows(fs) == n
    assert lex.search("信息处理费", k=20, bodies=["衡山县人民政府"]) == first
    # supersede: a corrected file under a new report id replaces the old one in one transaction
    marked = replace(
        hengshan.passages[0],
        text="更正说明：本报告新增萤火虫项目。",
        search_text="更正说明：本报告新增萤火虫项目。",
    )
    fixed = replace(hengshan, sha256="f" * 64, passages=[marked, *hengshan.passages[1:]])  # a new report id
    new_id = fixed.report_id
    assert new_id != hengshan.report_id
    fs.replace_report(fixed, [passage_id(new_id, x) for x in fixed.passages], replaces=[hengshan.report_id])
    assert lex_rows(fs) == fs.counts()["passages"]
    old_ids = {passage_id(hengshan.report_id, x) for x in hengshan.passages}
    hits = lex.search("信息处理费 萤火虫", k=50)
    assert hits and not old_ids & {p for p, _ in hits}
    assert hits[0][0] == passage_id(new_id, marked)
    # delete: gone from search and from the document frequencies
    fs.delete_report(new_id)
    assert lex.search("萤火虫", k=5) == [] and lex.doc_freq("萤火虫") == 0
    assert lex.search("信息处理费", k=20, bodies=["衡山县人民政府"]) == []
    assert lex_rows(fs) == fs.counts()["passages"]
    # a passage deleted behind the store's back (plain SQL) never comes back either
    victim, _ = lex.search("信息处理费", k=1, bodies=["平潭综合实验区"])[0]
    with fs.engine.begin() as c:
        c.execute(text("DELETE FROM passages WHERE id = :i"), {"i": victim})
    assert victim not in {p for p, _ in lex.search("信息处理费", k=50, bodies=["平潭综合实验区"])}
    fs.engine.dispose()


def test_sync_heals_missing_rows_and_orphans(store):
    lex = lexical.SqlLexical(store)
    before = lex.search("信息处理费", k=5)
    with store.engine.begin() as c:
        c.execute(text("DELETE FROM passage_lex"))
    assert lex_rows(store) == 0 and lex.search("信息处理费", k=5) == []
    with store.engine.begin() as c:
        assert lexical.sync(c)["added"] == store.counts()["passages"]
        assert lexical.sync(c) == {"added": 0, "removed": 0}
    lex.refresh(generation=-1)  # statistics re-read (a write bumps the generation; this did not)
    assert lex.search("信息处理费", k=5) == before


def test_migration_fills_the_index_of_an_existing_store(db_url, parsed):
    fs = FactStore(db_url)
    store_reports(fs, parsed[:3])
    n = fs.counts()["passages"]
    with fs.engine.begin() as c:  # the store as schema v6 left it: no lexical tables
        c.execute(
            text("DROP TABLE passage_lex" + (" CASCADE" if fs.engine.dialect.name == "postgresql" else ""))
        )
        if fs.engine.dialect.name == "sqlite":
            c.execute(text("DROP TABLE passage_fts"))
            c.execute(text("DROP TABLE passage_fts_vocab"))
        c.execute(text("UPDATE schema_version SET version = 6"))
    fs.engine.dispose()
    again = FactStore(db_url)  # opening upgrades
    with again.engine.connect() as c:
        assert migrate.current_version(c) == migrate.LATEST  # v7 (lexical) and every step after it
    assert lex_rows(again) == n > 0
    assert lexical.SqlLexical(again).search("信息处理费", k=3)
    again.engine.dispose()


_WRITER = """
import sys
from ingest.parse import parse_file
from ingest.pipeline import passage_id
from rag.factstore import FactStore
fs = FactStore(sys.argv[1])
p = parse_file(sys.argv[2])
fs.replace_report(p, [passage_id(p.report_id, x) for x in p.passages])
"""


def test_a_second_process_sees_a_new_ingest_without_restart(db_url, parsed):
    fs = FactStore(db_url)
    store_reports(fs, [p for p in parsed if p.meta.body != "衡山县人民政府"])
    lex = lexical.for_store(fs)
    assert lex.search("信息处理费", k=5, bodies=["衡山县人民政府"]) == []
    n0 = len(lex)
    subprocess.run(
        [sys.executable, "-c", _WRITER, db_url, str(SAMPLES / "hengshan_2023.txt")], cwd=ROOT, check=True
    )
    hits = lex.search("信息处理费", k=5, bodies=["衡山县人民政府"])
    assert hits and len(lex) > n0
    assert all(p.body == "衡山县人民政府" for p in fs.passages(ids=[pid for pid, _ in hits]))
    fs.engine.dispose()


def test_tokens_are_kept_whole_by_both_engines(db_url):
    """jieba tokens with 「.」「%」「+」 stay one term in FTS5 and in the tsvector."""
    fs = FactStore(db_url)
    toks = tokenize("办结率98.5%，e-mail与c++")
    assert {"98.5%", "c++", "办结"} <= set(toks)
    with fs.engine.begin() as c:
        c.execute(text("INSERT INTO reports (id, path, sha256, format, body, aliases, year, template, warnings, "
                       "n_facts, n_passages, chosen) VALUES ('r', 'x', 'x', 'txt', '某县', '[]', 2024, '2021', "
                       "'[]', 0, 1, false)"))  # fmt: skip
        c.execute(text("INSERT INTO passages (id, report_id, body, year, section, section_title, text, search_text, "
                       "start, \"end\", page, seq) VALUES ('p', 'r', '某县', 2024, '一', '一', :t, :t, 0, 1, null, 0)"),
                  {"t": "办结率98.5%，e-mail与c++"})  # fmt: skip
        lexical.add_passages(c, [("p", "r", "某县", 2024, "办结率98.5%，e-mail与c++")])
    lex = lexical.SqlLexical(fs)
    for tok in ("98.5%", "c++", "办结"):
        assert lex.doc_freq(tok) == 1, tok
        assert [p for p, _ in lex.search(tok, k=3)] == ["p"]
    fs.engine.dispose()


def test_retriever_gives_the_same_hits_with_either_lexical_backend(rag_stores):  # noqa: F811
    """Hybrid retrieval through rag.retrieve with NIANBAO_LEXICAL=sql fuses the same BM25 ranks and
    scores as with bm25s, scoped and unscoped, on the ingested sample corpus."""
    from rag.query import Query
    from rag.retrieve import Retriever

    sql_stores = replace(rag_stores, settings=replace(rag_stores.settings, lexical="sql"))
    assert lexical.for_stores(sql_stores) is lexical.for_store(rag_stores.facts)
    assert lexical.for_stores(rag_stores) is rag_stores.bm25
    a, b = Retriever(rag_stores), Retriever(sql_stores)
    cases = [
        ("政务公开存在的主要问题", ["洪泽区人民政府"], [2024]),
        ("收取信息处理费", ["衡山县人民政府"], None),
        ("政策解读", None, [2022]),
        ("依申请公开 办理", None, None),
    ]
    for text_, bodies, years in cases:
        q = Query(text=text_, norm=text_)
        ha, hb = a.search(q, bodies=bodies, years=years, k=8), b.search(q, bodies=bodies, years=years, k=8)
        assert ha, text_
        key = lambda h: (h.passage.id, h.bm25_rank, round(h.bm25 or 0, 3), round(h.coverage, 3))  # noqa: E731
        assert [key(h) for h in hb] == [key(h) for h in ha], text_
        assert any(h.bm25_rank for h in hb)
