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
