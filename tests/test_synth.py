"""The synthetic generator: truth obeys the consistency rules, planted violations break them, every
layout renders readable files, and the Q&A gold follows from the truth."""

from __future__ import annotations

import json
import re

import docx
import pdfplumber
import pytest

from eval.synth import generate_reports, write_corpus
from eval.synth.render import LAYOUTS
from eval.synth.rules import check
from nianbao import template as T


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    reports = generate_reports(10, seed=7, violations=0.0, layouts=list(LAYOUTS), noise=False)
    write_corpus(out, reports)
    return out, reports


def _expected_cells(template: str) -> set[tuple[str, str, str]]:
    cells = {
        ("二", r.code, c)
        for r in T.T2_ROWS
        if template in r.templates
        for c in T.t2_columns_for(r.code, template)
    }
    cells |= {("三", r.code, c) for r in T.t3_leaf_rows(template) for c in T.T3_COLUMN_ORDER}
    cells |= {("四", r, c) for r, c in T.T4_ORDER}
    return cells


def test_truth_obeys_rules_and_covers_template(corpus):
    _, reports = corpus
    prev_by_body = {}
    for rep in reports:
        assert rep.template == ("2019" if rep.year <= 2020 else "2021")
        assert set(rep.cells) == _expected_cells(rep.template)
        prev = prev_by_body.get(rep.body.name)
        assert (
            check(rep.cells, rep.template, prev.cells if prev else None, prev.template if prev else None)
            == []
        )
        assert rep.violations == [] and rep.planted == []
        if prev is not None and prev.year == rep.year - 1:
            for col in T.T3_COLUMN_ORDER:
                assert rep.cells[("三", "carried_in", col)] == prev.cells[("三", "carried_out", col)]
        prev_by_body[rep.body.name] = rep
    assert any(r.template == "2019" for r in reports) and any(r.template == "2021" for r in reports)


def test_planted_violations_break_their_rule():
    reports = generate_reports(30, seed=11, violations=1.0)
    for rep in reports:
        assert len(rep.planted) == 1
        broken = {v["rule"] for v in rep.violations}
        assert rep.planted[0] in broken, (rep.file, rep.planted, broken)
    assert len({r.planted[0] for r in reports}) >= 4


def test_every_layout_renders_readable_files(corpus):
    out, reports = corpus
    for rep in reports:
        path = out / "reports" / rep.file
        assert path.stat().st_size > 1000
        new_total = str(int(rep.cells[("三", "new", "total")]))
        if rep.layout == "pdf":
            with pdfplumber.open(path) as pdf:
                text = "".join(p.extract_text() or "" for p in pdf.pages)
                rows = [r for p in pdf.pages for t in p.extract_tables() for r in t]
            assert rep.body.name in text.replace("\n", "")
            new_row = next(r for r in rows if r[0] and "本年新收" in r[0])
            assert new_row[-1] == new_total
        elif rep.layout == "docx":
            d = docx.Document(str(path))
            assert len(d.tables) == 3
            assert rep.body.name in d.paragraphs[0].text
        elif rep.layout == "html":
            raw = path.read_bytes()
            html = raw.decode("gb18030" if b"gb18030" in raw[:200] else "utf-8")
            assert 'rowspan="' in html and 'colspan="' in html and rep.body.name in html
        elif rep.layout == "pipe":
            lines = path.read_text(encoding="utf-8").splitlines()
            new_line = next(line for line in lines if "本年新收" in line)
            assert new_line.split(" | ")[-2] == new_total or f"| {new_total} |" in new_line
        elif rep.layout == "crawler":
            body_line = path.read_text(encoding="utf-8").splitlines()[-1]
            digits = "".join(str(int(rep.cells[("三", "new", c)])) for c in T.T3_COLUMN_ORDER)
            assert "本年新收政府信息公开申请数量" + digits in body_line


def test_truth_files_and_qa_follow_from_cells(corpus):
    out, reports = corpus
    by_file = {r.file: r for r in reports}
    truth = json.loads((out / "truth" / f"{reports[0].stem}.json").read_text(encoding="utf-8"))
    assert {"file", "body", "aliases", "year", "template", "facts", "violations"} <= set(truth)
    assert len(truth["facts"]) == len(reports[0].cells)
    qa = [json.loads(line) for line in (out / "qa.jsonl").read_text(encoding="utf-8").splitlines()]
    kinds = {q["qtype"] for q in qa}
    assert {"single", "sum", "share", "narrative", "not_found", "compare"} <= kinds
    for q in qa:
        assert q["question"].endswith("？")
        if q["qtype"] == "sum":
            rep = by_file[q["report"]]
            assert q["expect"] == [
                rep.cells[("三", "granted", "total")] + rep.cells[("三", "partial", "total")]
            ]
        if q["qtype"] == "single" and q["cells"][0]["row"] in {r.code for r in T.T3_ROWS if not r.group}:
            rep = by_file[q["report"]]
            c = q["cells"][0]
            assert q["expect"] == [rep.cells[(c["table"], c["row"], c["column"])]]


def test_noise_and_determinism(tmp_path):
    a = generate_reports(6, seed=5, layouts=["pipe"], noise=True)
    b = generate_reports(6, seed=5, layouts=["pipe"], noise=True)
    assert [r.truth() for r in a] == [r.truth() for r in b]
    write_corpus(tmp_path, a)
    noisy = [r for r in a if r.noise]
    assert noisy
    text = (tmp_path / "reports" / noisy[0].file).read_text(encoding="utf-8")
    assert re.search(r"[據關規數轉復]\([a-zù-ǜāáǎàēéěèīíǐìōóǒò]+\)", text)
    assert "報告" in text
