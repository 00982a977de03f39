"""Splitting run-together digits with the template's sum rules: unique splits become values,
ambiguous or impossible ones stay uncertain (raw kept), never a guess."""

from __future__ import annotations

import time

from ingest.split import parse_number, split_row
from ingest.tables import facts_from_rows
from ingest.textgrid import rows_from_text


def test_unique_row_sum_split():
    out = split_row(["713000074"], (7,))
    assert out.values == (71, 3, 0, 0, 0, 0, 74) and out.split and "713000074" in out.note


def test_token_boundaries_are_kept():
    assert split_row(["500000", "5"], (7,)).values == (5, 0, 0, 0, 0, 0, 5)
    # a number never crosses a space: "7253 01 7" has no valid reading
    assert split_row(["7253", "01", "7"], (7,)).values is None


def test_no_leading_zeros():
    assert split_row(["0200002"], (7,)).values == (0, 2, 0, 0, 0, 0, 2)


def test_table4_groups():
    out = split_row(["10203120001200000"], (5, 5, 5))
    assert out.values == (1, 0, 2, 0, 3, 12, 0, 0, 0, 12, 0, 0, 0, 0, 0)


def test_ambiguous_keeps_all_candidates():
    out = split_row(["270020130"], (7,))
    assert out.values is None and out.ambiguous
    assert (27, 0, 0, 2, 0, 1, 30) in out.candidates and len(out.candidates) == 2
    assert "2种" in out.note


def test_impossible_split():
    out = split_row(["2200003"], (7,))
    assert out.values is None and out.candidates == []


def test_no_rule_columns_are_ambiguous():
    out = split_row(["693665"], (3,), sum_last=False)
    assert out.values is None and (69, 3, 665) in out.candidates and (6, 93, 665) in out.candidates


def test_separated_cells_read_as_printed():
    # printed cells are never re-split, even when their sum is wrong (validate flags that)
    assert split_row(["10", "1", "0", "0", "0"], (5,)).values == (10, 1, 0, 0, 0)
    assert split_row(["1", "2"], (1,)).values is None


def test_parse_number():
    assert parse_number("3,119") == 3119
    assert parse_number("96171.6") == 96171.6
    assert parse_number("-3") == -3
    assert parse_number("1 2") is None


def test_long_runs_are_fast():
    t = time.perf_counter()
    assert split_row(["300153006143119"], (7,)).values == (3001, 53, 0, 0, 61, 4, 3119)
    split_row(["72641783735113481261211620"], (5, 5, 5))
    assert time.perf_counter() - t < 0.5


def _crawler(rows: str) -> str:
    return (
        "二、主动公开政府信息情况 三、收到和处理政府信息公开申请情况 申请人情况 "
        + rows
        + " 五、存在的主要问题及改进情况 无"
    )


def test_ambiguous_row_becomes_uncertain_facts():
    facts = facts_from_rows(rows_from_text(_crawler("一、本年新收政府信息公开申请数量270020130"))).facts
    new = [f for f in facts if f.row == "new"]
    assert len(new) == 7 and all(f.uncertain and f.value is None and f.raw == "270020130" for f in new)


def test_column_rules_settle_ambiguity():
    # new is ambiguous alone (27,0,0,2,0,1,30 or 2,7,0,0,2,0,11); R1 with the other rows fixes it
    text = _crawler(
        "一、本年新收政府信息公开申请数量270020130二、上年结转政府信息公开申请数量0000000"
        "（七）总计270020130四、结转下年度继续办理0000000"
    )
    facts = {f.key(): f for f in facts_from_rows(rows_from_text(text)).facts}
    # 总计 is ambiguous too, and both readings balance R1 — so nothing may be decided
    assert facts[("三", "new", "person")].value is None
    text = _crawler(
        "一、本年新收政府信息公开申请数量270020130二、上年结转政府信息公开申请数量0000000"
        "（七）总计 27 0 0 2 0 1 30 四、结转下年度继续办理0000000"
    )
    facts = {f.key(): f for f in facts_from_rows(rows_from_text(text)).facts}
    f = facts[("三", "new", "person")]
    assert f.value == 27 and not f.uncertain and "R1/R2" in f.note


def test_minus_sign_starts_a_number():
    # 2019 table 二 本年增/减 may be negative; a run-together minus is a cell boundary
    assert split_row(["13-5", "200"], (3,), sum_last=False).values == (13, -5, 200)
    out = split_row(["100-113344"], (3,), sum_last=False)
    assert out.values is None and (100, -1, 13344) in out.candidates


def test_crawler_negative_change_is_not_truncated():
    text = (
        "二、主动公开政府信息情况 第二十条第（六）项信息内容上一年项目数量本年增/减处理决定数量"
        "行政处罚100-113344行政强制5 -2 40 五、存在的主要问题及改进情况"
    )
    facts = {f.key(): f for f in facts_from_rows(rows_from_text(text)).facts}
    assert facts[("二", "penalty", "prev_items")].raw == "100-113344"
    assert facts[("二", "penalty", "prev_items")].uncertain
    assert [facts[("二", "coercion", c)].value for c in ("prev_items", "change", "decisions")] == [5, -2, 40]
