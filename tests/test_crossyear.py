"""ingest.crossyear: ambiguous run-together cells settled by the same body's neighbouring year.

The candidate splits travel as typed fields of each cell (Fact.splits, Fact.split_pos), so these
tests build cells the way the parser does (ingest.tables), from real split outcomes; the note is
text for people and the settling must not depend on it."""

from __future__ import annotations

from dataclasses import replace

from ingest import crossyear
from ingest.split import candidates_note, complete_splits, split_row
from nianbao import template as T
from nianbao.types import Fact


def ambiguous_row(table: str, row: str, cols: tuple[str, ...], digits: str, sum_last: bool) -> list[Fact]:
    out = split_row([digits], (len(cols),), sum_last)
    assert out.values is None and len(out.candidates) > 1
    return [
        Fact(
            table,
            row,
            c,
            None,
            raw=digits,
            uncertain=True,
            note=f"{out.note}；{candidates_note(out.candidates, i)}",
            candidates=list(dict.fromkeys(c[i] for c in out.candidates)),
            splits=complete_splits(out.candidates),
            split_pos=i,
        )
        for i, c in enumerate(cols)
    ]


def printed(table: str, row: str, cols: tuple[str, ...], values: tuple[float, ...]) -> list[Fact]:
    return [Fact(table, row, c, v, raw=str(v)) for c, v in zip(cols, values, strict=True)]


def by_col(facts: list[Fact], table: str, row: str) -> dict[str, Fact]:
    return {f.column: f for f in facts if f.table == table and f.row == row}


T2 = ("issued", "repealed", "in_force")
T3 = tuple(T.T3_COLUMN_ORDER)


def test_settling_reads_the_typed_splits_not_the_note():
    """Notes rewritten (or emptied) change nothing: the splits on the cells decide; cells without
    typed splits are not settled, whatever their note says."""
    facts = ambiguous_row("二", "normative_docs", T2, "693665", sum_last=False)
    nxt = (2022, printed("二", "normative_docs", T2, (88, 55, 698)))
    reworded = [replace(f, note=n) for f, n in zip(facts, ("说明已改写", "", "候选拆分：1,2,[3]"), strict=True)]
    got = by_col(crossyear.settle(reworded, nxt=nxt), "二", "normative_docs")
    assert got["in_force"].value == 665 and not got["in_force"].uncertain
    assert got["in_force"].note == "按2022年报告推算（R6）；候选拆分：1,2,[3]"  # the note kept, marked
    assert got["issued"].value is None and got["repealed"].value is None
    untyped = [replace(f, splits=[], split_pos=None) for f in facts]  # the note alone is no evidence
    assert crossyear.settle(untyped, nxt=nxt) == untyped
    # cells of one row that disagree on its splits are not trusted
    mixed = [facts[0], replace(facts[1], splits=facts[1].splits[:1]), facts[2]]
    assert crossyear.settle(mixed, nxt=nxt) == mixed


def test_incomplete_split_lists_are_never_kept():
    out = split_row(["1" * 12], (6,), sum_last=False)  # more readings than the search keeps
    assert len(out.candidates) > 64 and complete_splits(out.candidates) == []
    assert candidates_note(out.candidates, 0) == "" and candidates_note([], 0) == ""


def test_r6_from_next_year_settles_in_force_only():
    facts = ambiguous_row("二", "normative_docs", T2, "693665", sum_last=False)
    nxt = printed("二", "normative_docs", T2, (88, 55, 698))
    got = by_col(crossyear.settle(facts, nxt=(2022, nxt)), "二", "normative_docs")
    assert got["in_force"].value == 665 and not got["in_force"].uncertain
    assert got["in_force"].note.startswith("按2022年报告推算（R6）") and got["in_force"].raw == "693665"
    assert got["issued"].value is None and got["issued"].uncertain  # 6 or 69
    assert got["repealed"].value is None and got["repealed"].uncertain  # 93 or 3


def test_r6_from_previous_year_checks_the_whole_candidate():
    # last year 650 in force: no split of 「693665」 has 现行有效 = 650 + 制发 − 废止, so R6 (soft) decides nothing.
    facts = ambiguous_row("二", "normative_docs", T2, "693665", sum_last=False)
    prev = printed("二", "normative_docs", T2, (10, 5, 650))
    assert crossyear.settle(facts, prev=(2020, prev)) == facts
    # last year 599 in force: 599 + 69 - 3 = 665 is the one candidate that fits.
    prev = printed("二", "normative_docs", T2, (10, 5, 599))
    got = by_col(crossyear.settle(facts, prev=(2020, prev)), "二", "normative_docs")
    assert (got["issued"].value, got["repealed"].value, got["in_force"].value) == (69, 3, 665)
    assert all(f.note.startswith("按2020年报告推算（R6）") for f in got.values())


def test_r5_pins_carried_in_row_to_last_years_carried_out():
    facts = ambiguous_row("三", "carried_in", T3, "101000011", sum_last=True)
    want = facts[0].splits[-1]
    prev = printed("三", "carried_out", T3, want)
    got = by_col(crossyear.settle(facts, prev=(2022, prev)), "三", "carried_in")
    assert tuple(got[c].value for c in T3) == want
    assert all(not f.uncertain and "（R5）" in f.note for f in got.values())
    # and the other way round: last year's ambiguous 结转下年度 from this year's 上年结转
    out_row = ambiguous_row("三", "carried_out", T3, "101000011", sum_last=True)
    nxt = printed("三", "carried_in", T3, want)
    got = by_col(crossyear.settle(out_row, nxt=(2023, nxt)), "三", "carried_out")
    assert tuple(got[c].value for c in T3) == want


def test_uncertain_neighbour_is_no_evidence_and_restore_undoes():
    facts = ambiguous_row("二", "normative_docs", T2, "693665", sum_last=False)
    nxt = ambiguous_row("二", "normative_docs", T2, "8855698", sum_last=False)
    assert crossyear.settle(facts, nxt=(2022, nxt)) == facts
    settled = crossyear.settle(facts, nxt=(2022, printed("二", "normative_docs", T2, (88, 55, 698))))
    assert settled != facts and crossyear.restore(settled) == facts
    assert crossyear.restore(facts) == facts
