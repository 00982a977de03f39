"""Settle ambiguous run-together cells with the same body's neighbouring year (R5, R6).

A row the parser could not split (`693665` as 制发/废止/现行有效) keeps its candidate splits on
each of its cells as typed data (Fact.splits, the cell's index in them Fact.split_pos; stored as
JSON by rag.factstore); the notes say so for people only and are never read back here. Last/next
year's report of the same body often pins the row down: R5 (this year's 上年结转 = last year's
结转下年度, table 三) and R6 (现行有效 = last year's 现行有效 + 制发 − 废止, table 二 （一）).
Every candidate that breaks such an equation is dropped; a cell on which all remaining
candidates agree gets that value, marked 「按{year}年报告推算（R6）」 in front of its original
note, so answers can say how it was settled. Cells still ambiguous stay uncertain. If the
neighbours rule out every candidate (R6 is soft: clean-ups break it), nothing is settled.

Pure functions over facts. Only figures the neighbour printed unambiguously count as evidence
(never a value settled this way), and `restore` undoes earlier settlements first, so running
the step again, in any order, gives the same result. A settled cell keeps its splits (the store
updates only value, uncertain and note), which is what lets `restore` and a later run redo it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from nianbao.types import Fact

Key = tuple[str, str, str]
_SETTLED = re.compile(r"^按[\d、]+年报告推算（R[\dR、]+）；")
_T2_ROWS = ("rules", "normative_docs")  # the rows of table 二 （一） that R6 links across years


def settled_note(years: list[int], rules: list[str], note: str) -> str:
    ys = "、".join(str(y) for y in sorted(set(years)))
    rs = "、".join(sorted(set(rules)))
    return f"按{ys}年报告推算（{rs}）；{note}"


def is_settled(f: Fact) -> bool:
    """A value this module decided (as opposed to one the report printed or the parser decided)."""
    return bool(_SETTLED.match(f.note or ""))


def restore(facts: list[Fact]) -> list[Fact]:
    """The facts as parsed: cells settled from another year go back to uncertain (value None)."""
    out = []
    for f in facts:
        if is_settled(f):
            f = replace(f, value=None, uncertain=True, note=_SETTLED.sub("", f.note, count=1))
        out.append(f)
    return out


@dataclass
class _Row:
    """An ambiguous row: its candidate splits and each column's index in them."""

    candidates: list[tuple[float, ...]]
    pos: dict[str, int]  # column -> index in a candidate
    facts: dict[str, Fact]  # column -> fact


def _ambiguous_rows(facts: list[Fact]) -> dict[tuple[str, str], _Row]:
    rows: dict[tuple[str, str], _Row] = {}
    for f in facts:
        if not f.uncertain or f.value is not None or f.computed or not f.splits:
            continue
        pos = f.split_pos
        cands = [tuple(c) for c in f.splits]
        if pos is None or not 0 <= pos < len(cands[0]) or len({len(c) for c in cands}) != 1:
            continue  # not a usable reading of the row
        row = rows.setdefault((f.table, f.row), _Row(cands, {}, {}))
        if row.candidates != cands:  # the row's cells disagree on the splits: do not trust them
            row.candidates = []
        row.pos[f.column], row.facts[f.column] = pos, f
    return {k: r for k, r in rows.items() if r.candidates}


def _known(idx: dict[Key, Fact], key: Key) -> float | None:
    f = idx.get(key)
    if f is None or f.value is None or f.uncertain:
        return None
    return f.value


Check = Callable[[tuple[float, ...]], bool]


def _checks(
    row_key: tuple[str, str], row: _Row, other: dict[Key, Fact], other_is_next: bool
) -> list[tuple[str, Check]]:
    """(rule, test on a candidate) for one ambiguous row, from a neighbour's printed figures."""
    table, code = row_key
    out: list[tuple[str, Check]] = []
    if table == "三" and code in ("carried_in", "carried_out"):
        # R5: next year's 上年结转 = this year's 结转下年度.
        if (code == "carried_out") == other_is_next:
            partner = "carried_in" if other_is_next else "carried_out"
            for col, i in row.pos.items():
                v = _known(other, ("三", partner, col))
                if v is not None:
                    out.append(("R5", lambda c, i=i, v=v: abs(c[i] - v) < 1e-6))
    elif table == "二" and code in _T2_ROWS:
        pos = row.pos
        if "in_force" not in pos:
            return out
        if other_is_next:  # this year's 现行有效 = next 现行有效 − next 制发 + next 废止
            vals = [_known(other, ("二", code, c)) for c in ("in_force", "issued", "repealed")]
            if all(v is not None for v in vals):
                want = vals[0] - vals[1] + vals[2]
                out.append(("R6", lambda c, i=pos["in_force"], w=want: abs(c[i] - w) < 1e-6))
        elif "issued" in pos and "repealed" in pos:  # 现行有效 = last 现行有效 + 制发 − 废止
            p_in = _known(other, ("二", code, "in_force"))
            if p_in is not None:
                i, s, r = pos["in_force"], pos["issued"], pos["repealed"]
                out.append(("R6", lambda c, i=i, s=s, r=r, p=p_in: abs(c[i] - (p + c[s] - c[r])) < 1e-6))
    return out


def settle(
    facts: list[Fact],
    prev: tuple[int, list[Fact]] | None = None,
    nxt: tuple[int, list[Fact]] | None = None,
) -> list[Fact]:
    """`facts` (one report, as `restore` gives them) with the cells that last year's (`prev`) and
    next year's (`nxt`) figures of the same body decide set; (year, facts) for each neighbour."""
    rows = _ambiguous_rows(facts)
    if not rows:
        return list(facts)
    neighbours = [(y, {f.key(): f for f in fs}, is_next) for y, fs, is_next in _with_side(prev, nxt)]
    decided: dict[Key, Fact] = {}
    for row_key, row in rows.items():
        kept, years, rules = row.candidates, [], []
        for year, other, is_next in neighbours:
            for rule, check in _checks(row_key, row, other, is_next):
                narrowed = [c for c in kept if check(c)]
                if len(narrowed) < len(kept):
                    years.append(year)
                    rules.append(rule)
                kept = narrowed
        if not kept or len(kept) == len(row.candidates):
            continue  # contradicted (soft rule) or no help
        for col, i in row.pos.items():
            values = {c[i] for c in kept}
            if len(values) == 1:
                f = row.facts[col]
                decided[f.key()] = replace(
                    f, value=values.pop(), uncertain=False, note=settled_note(years, rules, f.note)
                )
    return [decided.get(f.key(), f) for f in facts]


def _with_side(prev, nxt):  # noqa: ANN001, ANN202
    if prev is not None:
        yield prev[0], prev[1], False
    if nxt is not None:
        yield nxt[0], nxt[1], True
