"""All twelve real reports (six samples, six development reports) parse to their hand-read facts.

The expected facts are in tests/data/expected/ (see tests/test_ground_truth.py for how they are
checked against themselves). A cell listed as uncertain there is one the printed text cannot
decide: the parser must mark it uncertain too, never state a different value, and keep every
candidate reading; every other cell must come out exactly, and confidently.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.parse import parse_file

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = ROOT / "tests" / "data" / "expected"
DIRS = (ROOT / "data" / "reports", ROOT / "tests" / "data" / "dev-reports")
STEMS = sorted(p.stem for p in EXPECTED.glob("*.json"))

_parsed: dict[str, object] = {}


def _expected(stem: str) -> dict:
    return json.loads((EXPECTED / f"{stem}.json").read_text(encoding="utf-8"))


def _parse(stem: str):
    if stem not in _parsed:
        name = _expected(stem)["file"]
        path = next(d / name for d in DIRS if (d / name).is_file())
        _parsed[stem] = parse_file(path)
    return _parsed[stem]


def test_twelve_reports_have_expected_facts():
    assert len(STEMS) == 12


@pytest.mark.parametrize("stem", STEMS)
def test_report_parses_to_expected_facts(stem):
    exp, rep = _expected(stem), _parse(stem)
    assert (rep.meta.body, rep.meta.year, rep.meta.template) == (exp["body"], exp["year"], exp["template"])
    got = {f.key(): f for f in rep.facts}
    uncertain = {(u["table"], u["row"], c) for u in exp["uncertain"] for c in u["columns"]}
    wrong = []
    for e in exp["facts"]:
        key = (e["table"], e["row"], e["column"])
        f = got.get(key)
        if f is None:
            wrong.append((key, "missing"))
        elif key in uncertain:
            if not f.uncertain or f.value not in (None, e["value"]):
                wrong.append((key, "should be uncertain", f.value))
        elif f.value != e["value"] or f.uncertain:
            wrong.append((key, e["value"], f.value, f.raw, f.uncertain))
        elif e.get("unit") and f.unit != e["unit"]:
            wrong.append((key, e["unit"], f.unit))
    assert not wrong, wrong


@pytest.mark.parametrize("stem", STEMS)
def test_uncertain_cells_keep_their_candidates(stem):
    """Each cell the text leaves undecided keeps every reading, the hand-chosen one among them."""
    exp, rep = _expected(stem), _parse(stem)
    got = {f.key(): f for f in rep.facts}
    for u in exp["uncertain"]:
        row_cols = [f.column for f in rep.facts if (f.table, f.row) == (u["table"], u["row"])]
        for k, col in enumerate(u["columns"]):
            f = got[(u["table"], u["row"], col)]
            if not f.uncertain:
                continue  # settled by a rule (checked above to be the expected value)
            typed = getattr(f, "candidates", None)  # this cell's value in each reading
            if typed:
                assert u["chosen"][k] in typed, (stem, u["row"], col, typed)
                assert {a[k] for a in u["alternatives"]} <= set(typed), (stem, u["row"], col)
                continue
            assert f.splits, (stem, u["row"], col, f.note)  # the row's whole readings, typed
            idx = [row_cols.index(c) for c in u["columns"]]
            readings = {tuple(c[i] for i in idx) for c in f.splits}
            assert tuple(u["chosen"]) in readings, (stem, u["row"])
            assert {tuple(a) for a in u["alternatives"]} <= readings, (stem, u["row"])
            assert f.split_pos == row_cols.index(col)


@pytest.mark.parametrize("stem", STEMS)
def test_report_violations_are_the_expected_ones(stem):
    """Rule violations that the report itself commits (R1–R4) are found, and no others."""
    exp, rep = _expected(stem), _parse(stem)
    want = {(v["rule"], tuple(v["cells"][0])) for v in exp["violations"]}
    got = {
        (v.rule, tuple(v.cells[0]))
        for v in rep.violations
        if v.rule[:2] in ("R1", "R2", "R3", "R4") and v.severity == "error"
    }
    assert want <= got, (want, got)
    uncertain_rows = {(u["table"], u["row"]) for u in exp["uncertain"]}
    extra = {g for g in got - want if (g[1][0], g[1][1]) not in uncertain_rows}
    assert not extra, extra
