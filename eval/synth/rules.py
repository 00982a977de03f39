"""An independent checker of the consistency rules (R0–R6) over a {(table,row,column): value} map.

The generator uses it to record which rules a synthetic report really breaks, so the truth never
claims a violation that is not there (or misses one a planted change caused).
"""

from __future__ import annotations

from nianbao import template as T

Cells = dict[tuple[str, str, str], float]


def _leaves(template: str) -> list[str]:
    return [r.code for r in T.t3_leaf_rows(template)]


def _outcome_leaves(template: str) -> list[str]:
    skip = {"new", "carried_in", "handled_total", "carried_out"}
    return [c for c in _leaves(template) if c not in skip]


def check(
    cells: Cells, template: str, prev: Cells | None = None, prev_template: str | None = None
) -> list[dict]:
    """Broken rules as {"rule", "cells": [[table,row,column],…], "printed", "expected"}."""
    out: list[dict] = []
    get = cells.get
    for col in T.T3_COLUMN_ORDER:
        lhs = get(("三", "new", col), 0) + get(("三", "carried_in", col), 0)
        rhs = get(("三", "handled_total", col), 0) + get(("三", "carried_out", col), 0)
        if lhs != rhs:
            out.append(
                _v(
                    "R1_balance",
                    [("三", r, col) for r in ("new", "carried_in", "handled_total", "carried_out")],
                    lhs,
                    rhs,
                )
            )
        parts = sum(get(("三", r, col), 0) for r in _outcome_leaves(template))
        handled = get(("三", "handled_total", col), 0)
        if parts != handled:
            out.append(_v("R2_handled_sum", [("三", "handled_total", col)], handled, parts))
    for r in _leaves(template):
        total = get(("三", r, "total"), 0)
        parts = sum(get(("三", r, c), 0) for c in T.T3_COLUMN_ORDER[:-1])
        if total != parts:
            out.append(_v("R3_row_sum", [("三", r, "total")], total, parts))
    for r in T.T4_ROWS:
        total = get(("四", r.code, "total"), 0)
        parts = sum(get(("四", r.code, c), 0) for c in T.T4_COLUMN_ORDER[:-1])
        if total != parts:
            out.append(_v("R4_t4_sum", [("四", r.code, "total")], total, parts))
    if prev is not None:
        for col in T.T3_COLUMN_ORDER:
            now, before = get(("三", "carried_in", col), 0), prev.get(("三", "carried_out", col), 0)
            if now != before:
                out.append(_v("R5_carry_over", [("三", "carried_in", col)], now, before))
        if template == "2021" and prev_template == "2021":
            for r in ("rules", "normative_docs"):
                expected = (
                    prev.get(("二", r, "in_force"), 0)
                    + get(("二", r, "issued"), 0)
                    - get(("二", r, "repealed"), 0)
                )
                if get(("二", r, "in_force"), 0) != expected:
                    out.append(
                        _v("R6_in_force", [("二", r, "in_force")], get(("二", r, "in_force"), 0), expected)
                    )
    return out


def _v(rule: str, cells: list[tuple[str, str, str]], printed: float, expected: float) -> dict:
    return {"rule": rule, "cells": [list(c) for c in cells], "printed": printed, "expected": expected}
