"""The start-up self-check must not read a large healthy index as damage.

A probe verdict of damage starts an embedded Chroma folder afresh, so a false one throws away every
vector of a large store. HNSW recall at Chroma's default search width falls as the index grows: at
850,000 stand-in vectors half the samples did not find themselves at width 10. Here a small index
built with a sparse graph (M = 8, construction ef = 8, random 128-d vectors) has the same property at
10,000 vectors, so the check is exercised as a large store would exercise it. That damage is still
found is tests/test_reliability_hnsw.py's job (real damaged files).
"""

from __future__ import annotations

import numpy as np
import pytest

from rag.health import probe_chroma, probe_timeout
from rag.vectorstore import (
    SELF_CHECK_SAMPLES,
    SELF_CHECK_TOLERANCE,
    hnsw_persisted,
    sample_ids_from_folder,
    self_check,
)

N = 10_000
NAME = "passages"


@pytest.fixture(scope="module")
def sparse_index(tmp_path_factory):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    folder = tmp_path_factory.mktemp("sparse") / "chroma"
    client = chromadb.PersistentClient(path=str(folder), settings=ChromaSettings(anonymized_telemetry=False))
    col = client.create_collection(
        NAME, embedding_function=None,
        metadata={"hnsw:space": "cosine", "hnsw:M": 8, "hnsw:construction_ef": 8, "hnsw:search_ef": 1},
    )
    vecs = np.random.default_rng(7).standard_normal((N, 128)).astype(np.float32)
    ids = [f"p{i:05d}" for i in range(N)]
    for i in range(0, N, 2_500):
        col.add(ids=ids[i : i + 2_500], embeddings=vecs[i : i + 2_500])
    return folder, col, ids, vecs


def test_the_premise_a_narrow_search_misses_many_samples(sparse_index):
    """Without this the test below would prove nothing: at the old width (10) more than one sample
    in ten does not find itself, which the old check called damage."""
    _, col, ids, vecs = sparse_index
    picks = list(range(0, N, N // SELF_CHECK_SAMPLES))[:SELF_CHECK_SAMPLES]
    res = col.query(query_embeddings=vecs[picks], n_results=10, include=["distances"])
    found = sum(
        ids[i] in got and dist[got.index(ids[i])] <= SELF_CHECK_TOLERANCE
        for i, got, dist in zip(picks, res["ids"], res["distances"], strict=True)
    )
    assert found < SELF_CHECK_SAMPLES - SELF_CHECK_SAMPLES // 10, found


def test_a_healthy_index_with_low_recall_passes_the_self_check(sparse_index):
    _, col, ids, _ = sparse_index
    assert self_check(col, ids=ids) == ""
    assert self_check(col) == ""  # sampling by position (a server's collection) agrees


def test_the_child_probe_of_the_folder_passes_it(sparse_index):
    folder, _, _, _ = sparse_index
    assert hnsw_persisted(folder)  # beyond the sync threshold: the probe reads the segment files
    assert probe_chroma(folder, NAME) == ""


def test_samples_from_the_folder_spread_over_the_whole_collection(sparse_index):
    folder, _, ids, _ = sparse_index
    got = sample_ids_from_folder(folder, NAME)
    assert len(got) == SELF_CHECK_SAMPLES and len(set(got)) == len(got)
    assert set(got) <= set(ids)
    pos = sorted(ids.index(g) for g in got)
    assert pos[0] < N // SELF_CHECK_SAMPLES and pos[-1] >= N - 2 * N // SELF_CHECK_SAMPLES
    assert sample_ids_from_folder(folder, "no-such-collection") is None


def test_the_probe_waits_longer_for_a_larger_index(sparse_index, tmp_path):
    folder, _, _, _ = sparse_index
    assert probe_timeout(folder) > probe_timeout(tmp_path)


@pytest.mark.parametrize("persistent", [True, False], ids=["persistent", "in-memory"])
def test_many_identical_passages_are_not_damage(tmp_path, persistent):
    """Boilerplate shared by thousands of reports embeds to one vector: a sample among 2,000 such
    copies finds an identical copy, not itself (Chroma then returns fewer hits than asked). That
    passes when the copy's stored vector is identical; the old rule called it damage."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    client = (chromadb.PersistentClient(path=str(tmp_path / "c"), settings=settings) if persistent
              else chromadb.EphemeralClient(settings=settings))
    col = client.create_collection("dupes", embedding_function=None, metadata={"hnsw:space": "cosine"})
    rng = np.random.default_rng(3)
    same = rng.standard_normal(64).astype(np.float32)
    vecs = np.vstack([np.tile(same, (2_000, 1)), rng.standard_normal((500, 64)).astype(np.float32)])
    ids = [f"d{i:04d}" for i in range(len(vecs))]
    for i in range(0, len(vecs), 500):
        col.add(ids=ids[i : i + 500], embeddings=vecs[i : i + 500])
    picks = [ids[i] for i in range(0, len(ids), len(ids) // SELF_CHECK_SAMPLES)][:SELF_CHECK_SAMPLES]
    assert sum(p < "d2000" for p in picks) > SELF_CHECK_SAMPLES // 2  # most samples are copies
    assert self_check(col, ids=ids) == ""
