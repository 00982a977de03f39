"""Chroma vector store (embedded and server), BM25 index with jieba, open_stores."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from nianbao import settings as settings_mod
from rag import bm25 as bm25_mod
from rag.bm25 import BM25Index, tokenize
from rag.stores import open_stores
from rag.vectorstore import VectorStore, build_where


@pytest.fixture
def home(tmp_path):
    settings_mod.reset()
    s = settings_mod.configure(home=tmp_path / "home")
    yield s
    settings_mod.reset()


def _unit(i: int, dim: int = 384) -> np.ndarray:
    v = np.zeros(dim, dtype=np.float32)
    v[i] = 1
    return v


META = [
    {"report_id": "r1", "body": "甲县人民政府", "year": 2022, "section": "五"},
    {"report_id": "r2", "body": "甲县人民政府", "year": 2023, "section": "五"},
    {"report_id": "r3", "body": "乙县人民政府", "year": 2023, "section": "一"},
]


def _exercise_vectors(vs: VectorStore) -> None:
    vs.add(["a", "b", "c"], np.stack([_unit(0), _unit(1), _unit(2)]), META, documents=["一", "二", "三"])
    assert vs.count() == 3
    assert [h.id for h in vs.query(_unit(0), 1)] == ["a"]
    hits = vs.query(_unit(0), 3, build_where(year=2023))
    assert {h.id for h in hits} == {"b", "c"} and all(h.metadata["year"] == 2023 for h in hits)
    assert [h.id for h in vs.query(_unit(2), 3, build_where(body=["甲县人民政府"], year=[2022, 2023]))][
        0
    ] in "ab"
    assert {
        h.id for h in vs.query(_unit(2), 3, build_where(body=["甲县人民政府", "乙县人民政府"], year=2023))
    } == {"b", "c"}
    with pytest.raises(Exception):  # noqa: B017 - Chroma raises its own error types
        vs.add(["d"], np.ones((1, 10), dtype=np.float32), [META[0]])
    assert vs.count() == 3
    vs.delete(["a"])
    assert sorted(vs.ids()) == ["b", "c"]
    assert vs.ids(build_where(report_id="r3")) == ["c"]


def test_build_where_shapes():
    assert build_where() is None
    assert build_where(body="甲") == {"body": "甲"}
    assert build_where(year=[2022]) == {"year": 2022}
    assert build_where(body="甲", year=[2022, 2023]) == {
        "$and": [{"body": "甲"}, {"year": {"$in": [2022, 2023]}}]
    }


def test_persistent_vector_store(home):
    vs = VectorStore(home)
    _exercise_vectors(vs)
    assert (home.chroma_path).exists()
    assert vs.collection._embedding_function is None  # never Chroma's downloading default


def test_tokenize_keeps_template_words_and_drops_punctuation():
    toks = tokenize("本机关不予公开3件；行政复议（维持）1件。ＡＢＣ Test！")
    assert "不予公开" in toks and "行政复议" in toks
    assert not any(t in {"；", "（", "）", "。", "！", " "} for t in toks)
    assert "test" in toks  # lower-cased
    assert bm25_mod.get_tokenizer() is bm25_mod.get_tokenizer()


def test_bm25_search_filter_and_reload(tmp_path, monkeypatch):
    ix = BM25Index(tmp_path / "bm25")
    assert ix.search("复议") == []
    docs = [
        ("p1", "本年度未发生行政复议案件。"),
        ("p2", "主动公开规范性文件十件。"),
        ("p3", "行政复议一件，结果维持。"),
    ]
    ix.rebuild(docs)
    hits = ix.search("行政复议", 5)
    assert {pid for pid, _ in hits} == {"p1", "p3"} and all(s > 0 for _, s in hits)
    assert ix.search("行政复议", 5, ids_allowed=["p2", "p3"])[0][0] == "p3"
    assert len(ix.search("行政复议", 5, ids_allowed=["p2", "p3"])) == 1
    assert ix.search("行政复议", 5, ids_allowed=[]) == []
    assert ix.search("与此无关的词", 5) == []
    assert ix.doc_freq("行政复议") == 2 and ix.doc_freq("规范性文件") == 1 and ix.doc_freq("无此词") == 0
    # Reload from disk: nothing is tokenized again except the query.
    calls = []
    real = bm25_mod.tokenize
    monkeypatch.setattr(bm25_mod, "tokenize", lambda t: calls.append(t) or real(t))
    again = BM25Index(tmp_path / "bm25")
    assert again.search("行政复议", 5) == hits and calls == ["行政复议"]
    # Rebuild with one new passage: only that one is tokenized.
    again.rebuild([*docs, ("p4", "政府信息公开申请三件。")])
    assert calls == ["行政复议", "政府信息公开申请三件。"] and len(again) == 4
    assert sorted(p.name for p in (tmp_path).iterdir()) == ["bm25"]  # no temp folders left


def test_bm25_sees_rebuilds_by_another_handle(tmp_path):
    reader = BM25Index(tmp_path / "bm25")
    writer = BM25Index(tmp_path / "bm25")
    writer.rebuild([("p1", "行政复议一件。")])
    assert reader.search("行政复议") == [("p1", pytest.approx(reader.search("行政复议")[0][1]))]
    writer.rebuild([("p1", "行政复议一件。"), ("p2", "行政诉讼两件。")])
    assert [pid for pid, _ in reader.search("诉讼")] == ["p2"] and len(reader) == 2


def test_open_stores_reuses_and_closes(home):
    st = open_stores(home)
    assert open_stores(home) is st and open_stores() is st
    assert st.facts.counts()["reports"] == 0 and st.vectors.count() == 0 and len(st.bm25) == 0
    st.close()
    st2 = open_stores(home)
    assert st2 is not st
    st2.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_chroma_server_mode(tmp_path):
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = _free_port()
    proc = subprocess.Popen(
        [chroma, "run", "--path", str(tmp_path / "server"), "--port", str(port), "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.time() < deadline, "chroma server did not start"
            time.sleep(0.3)
        settings_mod.reset()
        s = settings_mod.configure(home=tmp_path / "home", chroma_url=url, chroma_collection="server_test")
        vs_settings = settings_mod.configure(chroma_collection="vectors_only")

        vs = VectorStore(vs_settings)
        assert "fastapi" in vs.client.get_settings().chroma_api_impl.lower() and not s.chroma_path.exists()
        _exercise_vectors(vs)
        # The stores and the ingest pipeline work against the server too.
        from test_pipeline import json_parse, snapshot, write_report

        from ingest.pipeline import Ingestor

        st = open_stores(s)
        try:
            a = write_report(tmp_path / "a.json", "丙县人民政府", 2023, 4, ["丙县行政复议一件。", "第二段。"])
            ing = Ingestor(st, parse=json_parse)
            assert ing.ingest_paths([a], progress=False).results[0].status == "ingested"
            snap = snapshot(st)
            assert (
                snap["passages"] == 2 and st.vectors.count() == 2
            )  # 3 test vectors went to another collection
            assert ing.ingest_paths([a], progress=False).results[0].status == "unchanged"
            assert snapshot(st) == snap
        finally:
            st.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        settings_mod.reset()
