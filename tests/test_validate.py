"""Consistency rules on real reports (hongze_2023 table 四 contradicts itself) and on facts with
planted errors: printed figures are kept, violations quote both sides."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from ingest.load import load
from ingest.tables import extract_facts
from ingest.validate import cross_year, text_vs_table, validate
from nianbao.template import RULES

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "data" / "reports"
EXPECTED = ROOT / "tests" / "data" / "expected"
SAMPLES = [
    "hengshan_2023.txt",
    "pingtan_2021.txt",
    "pingtan_2022.txt",
    "hongze_2023.pdf",
    "hongze_2024.pdf",
    "huaian_2024.pdf",
]
_cache: dict = {}


def parsed(name):
    if name not in _cache:
        doc = load(REPORTS / name)
        _cache[name] = (doc, extract_facts(doc))
    return _cache[name]


def _idx(facts):
    return {f.key(): f for f in facts}


def test_hongze_2023_table4_contradiction_kept():
    _, res = parsed("hongze_2023.pdf")
    vs = [v for v in validate(res.facts, res.template) if v.rule == "R4_t4_sum"]
    review = next(v for v in vs if ("四", "review", "total") in v.cells)
    assert review.printed == 0 and review.expected == 11 and review.severity == "error"
    assert "结果维持10" in review.message and "= 11" in review.message and "总计印为0" in review.message
    assert _idx(res.facts)[("四", "review", "total")].value == 0  # the printed figure stays


@pytest.mark.parametrize("name", SAMPLES)
def test_expected_violations(name):
    p = EXPECTED / (Path(name).stem + ".json")
    if not p.exists():
        pytest.skip("no expected facts yet")
    exp = json.loads(p.read_text(encoding="utf-8"))
    _, res = parsed(name)
    got = validate(res.facts, res.template)
    assert all(v.rule in RULES for v in got)
    for e in exp.get("violations", []):
        cells = [tuple(c) for c in e["cells"]]
        assert any(
            v.rule == e["rule"]
            and v.printed == e["printed"]
            and v.expected == e["expected"]
            and set(cells) <= set(v.cells)
            for v in got
        ), e
    assert len(got) == len(exp.get("violations", []))


def test_planted_errors_each_rule():
    _, res = parsed("huaian_2024.pdf")
    facts = copy.deepcopy(res.facts)
    assert validate(facts, "2021") == []
    idx = _idx(facts)
    idx[("三", "new", "legal")].value = 60  # breaks R1 (legal column) and R3 (new row)
    idx[("三", "withheld", "person")].computed = False  # a printed group row that disagrees -> R0
    idx[("三", "withheld", "person")].value = 1
    idx[("三", "handled_total", "person")].value = 2930  # R1 and R2 in the person column
    rules = {v.rule for v in validate(facts, "2021")}
    assert {"R0_group_sum", "R1_balance", "R2_handled_sum", "R3_row_sum"} <= rules
    r3 = next(v for v in validate(facts, "2021") if v.rule == "R3_row_sum")
    assert r3.printed == 3119 and r3.expected == 3118 and "3119" in r3.message and "3118" in r3.message


def test_uncertain_cells_are_not_checked():
    _, res = parsed("pingtan_2021.txt")
    assert validate(res.facts, res.template) == []


def test_cross_year_r5_r6():
    _, a = parsed("pingtan_2021.txt")
    _, b = parsed("pingtan_2022.txt")
    assert [v for v in cross_year(a.facts, b.facts, 2021, 2022) if v.rule == "R5_carry_over"] == []
    _, h23 = parsed("hongze_2023.pdf")
    _, h24 = parsed("hongze_2024.pdf")
    assert cross_year(h23.facts, h24.facts, 2023, 2024) == []
    # break the carry-over: 2022 carried_in person 1 vs 2021 carried_out person 0
    prev = copy.deepcopy(a.facts)
    _idx(prev)[("三", "carried_out", "person")].value = 0
    _idx(prev)[("二", "normative_docs", "in_force")].value = 600
    vs = cross_year(prev, b.facts, 2021, 2022)
    r5 = [v for v in vs if v.rule == "R5_carry_over"]
    assert r5 and r5[0].printed == 1 and r5[0].expected == 0 and "2021年报告" in r5[0].message
    r6 = next(v for v in vs if v.rule == "R6_in_force")
    assert r6.severity == "info" and r6.expected == 600 + 88 - 55 and r6.printed == 698


def test_text_vs_table_scope_difference():
    doc, res = parsed("pingtan_2022.txt")
    vs = text_vs_table(doc.text, res.facts)
    assert len(vs) == 2  # the total (75 vs 74) and the 自然人 column (72 vs 71) of the same sentence
    v = vs[0]
    assert v.rule == "R7_text_table" and v.severity == "info" and v.printed == 75 and v.expected == 74
    assert "收到政府信息公开申请75件" in v.message and "74" in v.message and "上年结转1" in v.message
    person = vs[1]
    assert person.cells[0] == ("三", "new", "person") and (person.printed, person.expected) == (72, 71)
    assert "上年结转1" in person.message  # 72 = 71 new + 1 carried over: a difference of basis
    doc, res = parsed("hongze_2024.pdf")
    vs = text_vs_table(doc.text, res.facts)
    assert [(v.printed, v.expected) for v in vs] == [(17, 95)]


@pytest.mark.parametrize(
    "name", ["hengshan_2023.txt", "huaian_2024.pdf", "hongze_2023.pdf", "pingtan_2021.txt"]
)
def test_text_vs_table_matches(name):
    doc, res = parsed(name)
    assert text_vs_table(doc.text, res.facts) == []


def test_text_vs_table_granted_and_partial_together():
    """「予以公开及部分公开N件」 in the narrative against 予以公开 + 部分公开 of table 三, in any rendering."""
    from nianbao.types import Fact

    def f(row, v):
        return Fact(table="三", row=row, column="total", value=v, unit="件")

    facts = [f("new", 30), f("carried_in", 0), f("granted", 20), f("partial", 5)]
    for joiner in ("及", "和", "与", "、"):
        text = f"一、总体情况\n全年共受理申请30件，其中予以公开{joiner}部分公开24件。\n"
        (v,) = text_vs_table(text, facts)
        assert (v.printed, v.expected) == (24, 25) and v.cells == [("三", "granted", "total"), ("三", "partial", "total")]
        assert text_vs_table(text.replace("24件", "25件"), facts) == []
