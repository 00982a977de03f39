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
