"""Figures for one synthetic report: every cell of tables 二, 三, 四 for its template, obeying every
consistency rule (carry-over from the body's previous year included), then optionally one planted
violation of the kind real reports show."""

from __future__ import annotations

import random

from nianbao import template as T

Cells = dict[tuple[str, str, str], float]

# How many applications a body of each kind receives in a year (person column), roughly.
SCALE = {"county": (5, 120), "district": (10, 200), "city": (80, 3000), "department": (0, 40)}
# Share of each applicant type relative to persons.
ORG_SHARE = {"business": 0.12, "research": 0.01, "ngo": 0.01, "legal": 0.05, "other_org": 0.04}
# How handled requests split over outcomes (leaf rows); unknown leaves get a small weight.
OUTCOME_WEIGHT = {
    "granted": 45,
    "partial": 10,
    "unavailable.not_held": 18,
    "unavailable.needs_creation": 4,
    "unavailable.unclear": 2,
    "withheld.process": 2,
    "withheld.third_party": 1.5,
    "withheld.internal": 1.5,
    "withheld.inquiry": 2,
    "withheld.enforcement_file": 1,
    "not_processed.complaint": 3,
    "not_processed.duplicate": 2,
    "not_processed.reissue": 1,
    "other_handling.no_correction": 2,
    "other_handling.other": 2,
    "other_handling": 3,
}
PLANTABLE = ("R1_balance", "R2_handled_sum", "R3_row_sum", "R4_t4_sum", "R5_carry_over")


def outcome_rows(template: str) -> list[str]:
    skip = {"new", "carried_in", "handled_total", "carried_out"}
    return [r.code for r in T.t3_leaf_rows(template) if r.code not in skip]


def make_figures(
    rng: random.Random, kind: str, template: str, prev: Cells | None, prev_template: str | None
) -> Cells:
    cells: Cells = {}
    _table2(rng, kind, template, prev if prev_template == template else None, cells)
    _table3(rng, kind, template, prev, cells)
    _table4(rng, kind, cells)
    return cells


def _table2(rng: random.Random, kind: str, template: str, prev: Cells | None, cells: Cells) -> None:
    big = {"city": 50, "district": 8, "county": 5, "department": 1}[kind]
    for r in T.T2_ROWS:
        if template not in r.templates:
            continue
        for c in T.t2_columns_for(r.code, template):
            cells[("二", r.code, c)] = _t2_value(rng, r.code, c, big)
        if template == "2021" and r.code in ("rules", "normative_docs"):
            issued, repealed = cells[("二", r.code, "issued")], cells[("二", r.code, "repealed")]
            if prev is not None and ("二", r.code, "in_force") in prev:
                base = prev[("二", r.code, "in_force")]
                repealed = min(repealed, base)
                cells[("二", r.code, "repealed")] = repealed
                cells[("二", r.code, "in_force")] = base + issued - repealed
            else:
                cells[("二", r.code, "in_force")] = issued + rng.randint(
                    0, 60 if r.code == "normative_docs" else 5
                )
        if template == "2019" and r.code in ("rules", "normative_docs"):
            made = cells[("二", r.code, "made")]
            cells[("二", r.code, "published")] = made - rng.randint(0, min(2, int(made)))
            cells[("二", r.code, "total_public")] = cells[("二", r.code, "published")] + rng.randint(0, 80)


def _t2_value(rng: random.Random, row: str, col: str, big: int) -> float:
    if col == "amount":
        if rng.random() < 0.2:
            return 0
        return round(rng.uniform(0.5, 3000 * big), rng.choice([0, 1, 2]))
    if col == "change":
        return rng.randint(-5, 8)
    if col in ("prev_items", "items"):
        return rng.randint(0, 40 * big)
    if row in ("rules",):
        return rng.choice([0, 0, 0, 1, 2])
    if row == "normative_docs":
        return rng.randint(0, 30 if col != "repealed" else 10)
    if row == "licensing":
        return rng.randint(100, 20000 * big)
    if row == "penalty":
        return rng.randint(0, 3000 * big)
    if row == "coercion":
        return rng.randint(0, 200 * big)
    return rng.randint(0, 100 * big)


def _table3(rng: random.Random, kind: str, template: str, prev: Cells | None, cells: Cells) -> None:
    lo, hi = SCALE[kind]
    persons = rng.randint(lo, hi)
    outcomes = outcome_rows(template)
    weights = [OUTCOME_WEIGHT.get(r, 0.3) for r in outcomes]
    for col in T.T3_COLUMN_ORDER[:-1]:
        if col == "person":
            handled = persons
        else:
            mean = persons * ORG_SHARE[col]
            handled = rng.randint(0, max(0, round(mean * 2))) if rng.random() < 0.7 else 0
        if prev is not None:
            cin = prev.get(("三", "carried_out", col), 0)
        else:
            cin = rng.randint(0, max(0, handled // 15)) if rng.random() < 0.4 else 0
        counts = dict.fromkeys(outcomes, 0)
        for r in rng.choices(outcomes, weights=weights, k=handled):
            counts[r] += 1
        cout = rng.randint(0, max(0, handled // 12)) if rng.random() < 0.4 else 0
        new = handled + cout - cin
        if new < 0:  # more carried in than handled: handle the surplus by granting it
            counts["granted"] += -new
            handled += -new
            new = 0
        for r, v in counts.items():
            cells[("三", r, col)] = v
        cells[("三", "new", col)] = new
        cells[("三", "carried_in", col)] = cin
        cells[("三", "handled_total", col)] = handled
        cells[("三", "carried_out", col)] = cout
    for r in T.t3_leaf_rows(template):
        cells[("三", r.code, "total")] = sum(cells[("三", r.code, c)] for c in T.T3_COLUMN_ORDER[:-1])


def _table4(rng: random.Random, kind: str, cells: Cells) -> None:
    active = {"city": 0.9, "district": 0.6, "county": 0.5, "department": 0.3}[kind]
    for r in T.T4_ROWS:
        n = 0
        if rng.random() < active:
            n = rng.randint(1, 30 if kind == "city" else 8)
            if r.code != "review":
                n = rng.randint(0, max(1, n // 2))
        parts = dict.fromkeys(T.T4_COLUMN_ORDER[:-1], 0)
        for c in rng.choices(list(parts), weights=[6, 1.5, 1.5, 1.5], k=n):
            parts[c] += 1
        for c, v in parts.items():
            cells[("四", r.code, c)] = v
        cells[("四", r.code, "total")] = n


def plant(rng: random.Random, cells: Cells, template: str, has_prev: bool) -> str | None:
    """Change printed cells so that one rule breaks, as real reports do. Returns the rule id."""
    choices = [r for r in PLANTABLE if has_prev or r != "R5_carry_over"]
    rule = rng.choice(choices)
    d = rng.randint(1, 5)
    if rule == "R1_balance":  # 结转下年度 misreported
        for col in ("person", "total"):
            cells[("三", "carried_out", col)] += d
    elif rule == "R2_handled_sum":  # one outcome counted but not in the 总计
        leaf = rng.choice(outcome_rows(template))
        for col in ("person", "total"):
            cells[("三", leaf, col)] += d
    elif rule == "R3_row_sum":  # a case moved between rows in one column only
        rows = outcome_rows(template)
        donors = [r for r in rows if cells[("三", r, "person")] >= d]
        if not donors:
            return plant_t4(rng, cells, d)
        src = rng.choice(donors)
        dst = rng.choice([r for r in rows if r != src])
        cells[("三", src, "person")] -= d
        cells[("三", dst, "person")] += d
    elif rule == "R4_t4_sum":
        return plant_t4(rng, cells, d)
    elif rule == "R5_carry_over":  # 上年结转 differs from last year's 结转下年度, balance kept
        for row in ("carried_in", "carried_out"):
            for col in ("person", "total"):
                cells[("三", row, col)] += d
    return rule


def plant_t4(rng: random.Random, cells: Cells, d: int) -> str:
    group = rng.choice([r.code for r in T.T4_ROWS])
    total = cells[("四", group, "total")]
    # Like a real report (维持10, 纠正1 … 总计0): a zero total over non-zero parts, or a wrong total.
    cells[("四", group, "total")] = 0 if total > 0 and rng.random() < 0.5 else total + d
    return "R4_t4_sum"
