"""Scoped dense search scored exactly (VectorStore.query_exact) agrees with Chroma's filtered query
on the real sample corpus (a real Chroma store in a temp home; HNSW on a tiny collection is exact)."""

from __future__ import annotations

import pytest
from conftest_rag import rag_stores  # noqa: F401

from rag import retrieve as R
from rag.query import Query
from rag.retrieve import Retriever
from rag.vectorstore import build_where

QUESTIONS = ["政务公开存在的主要问题", "收取信息处理费", "下一步改进措施", "依申请公开办理情况"]


def test_exact_dense_ranks_as_chroma_for_every_scope(rag_stores):  # noqa: F811
    r = Retriever(rag_stores)
    keys = sorted({(m.body, m.year) for m in r.meta.values()})
    assert keys
    scopes = [([b], [y]) for b, y in keys] + [([b], None) for b in sorted({b for b, _ in keys})]
    for text in QUESTIONS:
        vec = rag_stores.embedder.embed_query_array(text)
        for bodies, years in scopes:
            allowed = r.allowed(bodies, years)
            exact = rag_stores.vectors.query_exact(vec, allowed, k=r.depth)
            ann = rag_stores.vectors.query(vec, k=r.depth, where=build_where(body=bodies, year=years))
            assert [h.id for h in exact] == [h.id for h in ann], (text, bodies, years)
            assert [h.score for h in exact] == pytest.approx([h.score for h in ann], abs=1e-4)


def test_missing_vectors_are_skipped(rag_stores):  # noqa: F811
    r = Retriever(rag_stores)
    (body, year) = next(iter({(m.body, m.year) for m in r.meta.values()}))
    allowed = r.allowed([body], [year])
    vec = rag_stores.embedder.embed_query_array("存在的问题")
    base = rag_stores.vectors.query_exact(vec, allowed, k=5)
    assert [h.id for h in rag_stores.vectors.query_exact(vec, [*allowed, "no-such-passage"], k=5)] == [
        h.id for h in base
    ]
    assert rag_stores.vectors.query_exact(vec, ["no-such-passage"], k=5) == []


def test_search_gives_the_same_hits_on_both_paths(rag_stores, monkeypatch):  # noqa: F811
    r = Retriever(rag_stores)
    q = Query(text="政务公开存在的主要问题", norm="政务公开存在的主要问题")
    exact = r.search(q, bodies=["洪泽区人民政府"], years=[2024], k=5)
    monkeypatch.setattr(R, "EXACT_DENSE_MAX", -1)
    ann = r.search(q, bodies=["洪泽区人民政府"], years=[2024], k=5)
    assert [(h.passage.id, h.dense_rank) for h in exact] == [(h.passage.id, h.dense_rank) for h in ann]
    assert [h.dense for h in exact] == pytest.approx([h.dense for h in ann], abs=1e-4)
    assert [h.score for h in exact] == pytest.approx([h.score for h in ann])


def test_a_broad_scope_filtered_after_the_search_ranks_as_chroma(rag_stores, monkeypatch):  # noqa: F811
    """A scope holding a large share of the passages (a year over every body, BROAD_SHARE) is
    searched unfiltered and filtered afterwards; on a store where HNSW is exact it gives Chroma's
    filtered hits. With EXACT_DENSE_MAX off every scope of the sample corpus takes that path."""
    monkeypatch.setattr(R, "EXACT_DENSE_MAX", -1)
    r = Retriever(rag_stores)
    years = sorted({m.year for m in r.meta.values()})
    bodies = sorted({m.body for m in r.meta.values()})
    scopes = [(None, [y]) for y in years] + [([b], None) for b in bodies] + [(bodies[:2], years[-2:])]
    taken = 0
    for text in QUESTIONS:
        vec = rag_stores.embedder.embed_query_array(text)
        for bs, ys in scopes:
            allowed = r.allowed(bs, ys)
            if not allowed:
                continue
            taken += len(allowed) >= R.BROAD_SHARE * len(r.meta)
            got = r.dense(vec, bs, ys, allowed)
            ann = rag_stores.vectors.query(vec, k=r.depth, where=build_where(body=bs, year=ys))
            assert [h.id for h in got] == [h.id for h in ann], (text, bs, ys)
            assert [h.score for h in got] == pytest.approx([h.score for h in ann], abs=1e-4)
    assert taken >= len(QUESTIONS) * len(years)  # the broad path was exercised, not the fallback only
