"""The independent phrasing set (eval/qa/phrasings.jsonl, 260 single-cell questions in five
registers) as a regression guard for understanding: a change that makes understanding place
fewer of them, or state a figure for other cells more often, fails here. The floors are the
measured values of the change that added the set (right 253, wrong 6, unsure 1), not targets."""

from __future__ import annotations

from eval.phrasings import run


def test_understanding_places_independent_phrasings():
    out = run()
    assert out["phrasings"] == 260
    assert out["right"] >= 250 and out["wrong"] <= 6, out
