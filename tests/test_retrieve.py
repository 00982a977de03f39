"""Hybrid retrieval over the real sample corpus: filters, fusion, section boost, coverage."""

from __future__ import annotations

import pytest
from conftest_rag import answerer, rag_stores  # noqa: F401

from rag.query import Query
from rag.retrieve import RRF_K, Retriever


@pytest.fixture(scope="module")
def retriever(rag_stores):  # noqa: F811
    return Retriever(rag_stores)


def test_filters_by_body_and_year_and_fuses_both_retrievers(retriever):
    q = Query(text="政务公开存在的主要问题", norm="政务公开存在的主要问题")
    hits = retriever.search(q, bodies=["洪泽区人民政府"], years=[2024], k=5)
    assert hits
    assert all(h.passage.body == "洪泽区人民政府" and h.passage.year == 2024 for h in hits)
    assert any(h.bm25 is not None and h.dense is not None for h in hits)
    assert hits[0].score <= 2.0 / (RRF_K + 1) + 1.0 / RRF_K
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_section_hint_brings_that_section_first(retriever):
    q = Query(text="下一步怎么改进", norm="下一步怎么改进", section="五")
    hits = retriever.search(q, bodies=["淮安市人民政府"], years=[2024], k=3)
    assert hits and hits[0].top_section == "五"


def test_coverage_separates_answerable_from_absent_content(retriever):
    asked = Query(text="收取信息处理费", norm="收取信息处理费")
    absent = Query(text="申请低保的人数", norm="申请低保的人数")
    good = retriever.search(asked, bodies=["衡山县人民政府"], k=3)
    bad = retriever.search(absent, bodies=["衡山县人民政府"], k=3)
    assert good[0].coverage >= 0.9 and "信息处理费" in good[0].passage.search_text
    assert max(h.coverage for h in bad) < 0.45


def test_unknown_filter_returns_nothing(retriever):
    q = Query(text="问题", norm="问题")
    assert retriever.search(q, bodies=["不存在的机关"], k=3) == []


@pytest.mark.slow
def test_in_process_ingest_is_searchable_at_once(rag_stores, tmp_path):  # noqa: F811
    """The web app's upload ingests into the stores the answerer already holds: the next question
    must see the new report without a restart or an explicit refresh."""
    import sqlite3
    from dataclasses import replace

    from conftest_rag import SAMPLE_REPORTS

    from ingest.pipeline import Ingestor
    from nianbao.settings import Settings
    from rag.answer import Answerer
    from rag.stores import open_stores

    settings = replace(Settings(), home=tmp_path.resolve(), database_url=None, chroma_url=None)
    settings.embedding_cache_path.parent.mkdir(parents=True, exist_ok=True)
    if settings.embedding_cache_path != rag_stores.settings.embedding_cache_path:  # not a shared cache
        src = sqlite3.connect(rag_stores.settings.embedding_cache_path)  # passages already embedded
        dst = sqlite3.connect(settings.embedding_cache_path)
        src.backup(dst)
        src.close()
        dst.close()
    stores = open_stores(settings)
    try:
        Ingestor(stores).ingest_paths([SAMPLE_REPORTS / "pingtan_2021.txt"], progress=False)
        answerer = Answerer(stores)
        retriever = Retriever(stores)
        q = Query(text="政府信息公开工作存在的主要问题", norm="政府信息公开工作存在的主要问题")
        assert retriever.search(q, bodies=["平潭综合实验区"], years=[2021], k=3)
        assert retriever.search(q, bodies=["平潭综合实验区"], years=[2022], k=3) == []
        assert answerer.ask("平潭2022年存在哪些问题？").kind == "not_found"

        Ingestor(stores).ingest_paths([SAMPLE_REPORTS / "pingtan_2022.txt"], progress=False)
        hits = retriever.search(q, bodies=["平潭综合实验区"], years=[2022], k=3)
        assert hits and all(h.passage.year == 2022 for h in hits)
        assert retriever.idf("政府信息公开") > 0
        ans = answerer.ask("平潭2022年存在哪些问题？")
        assert ans.kind == "narrative" and all(c["year"] == 2022 for c in ans.citations)
    finally:
        stores.close()
