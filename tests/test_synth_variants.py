"""The synthetic generator with real-world label variants (eval/synth/variants.py, a list kept
apart from the parser's aliases): the variants are applied and recorded, and the parser reading
them may miss a row or call a cell uncertain, but never reads a cell confidently wrong."""

from __future__ import annotations

import json

from eval.synth import generate_reports, write_corpus
from eval.synth.variants import VARIANTS
from ingest.parse import parse_file
from nianbao import template as T


def test_variants_are_independent_of_the_parsers_aliases():
    for code, variants in VARIANTS.items():
        table = "二" if any(r.code == code for r in T.T2_ROWS) else "三"
        row = T.row(table, code)
        own = {row.label, *row.aliases}
        assert not set(variants) & own, code  # each variant differs from every alias


def test_variant_labels_never_give_a_confident_wrong_cell(tmp_path):
    reports = generate_reports(6, seed=11, layouts=["pipe", "html"], variants=True)
    write_corpus(tmp_path, reports)
    kinds: set[str] = set()
    decided = wrong = 0
    for rep in reports:
        truth = json.loads((tmp_path / "truth" / f"{rep.stem}.json").read_text(encoding="utf-8"))
        kinds |= set(truth["variants"])
        got = {f.key(): f for f in parse_file(tmp_path / "reports" / rep.file).facts}
        for cell in truth["facts"]:
            f = got.get((cell["table"], cell["row"], cell["column"]))
            if f is None or f.uncertain or f.value is None:
                continue
            decided += 1
            wrong += abs(f.value - cell["value"]) > 1e-6
    assert "wording" in kinds
    assert decided > 0.7 * sum(len(json.loads(p.read_text())["facts"]) for p in (tmp_path / "truth").glob("*.json"))
    assert wrong == 0
