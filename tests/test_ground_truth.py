"""The hand-read ground truth must be internally consistent before anything is tested against it.

tests/data/expected/<stem>.json holds every cell of tables 二/三/四 of one report, read by a person:
the six samples (data/reports/) and the six development reports (tests/data/dev-reports/, copied
unchanged from shared/dev-reports); eval/qa/sample.jsonl holds the Q&A set (samples only). These tests check the codes against nianbao.template,
that every cell is there exactly once, that the recorded rule violations are exactly the ones the
figures produce, and that each question's gold citations resolve to figures listed in `expect`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nianbao.template import (
    ALL_ROWS,
    RULES,
    T2_ROWS,
    T3_COLUMN_ORDER,
    T4_COLUMN_ORDER,
    T4_ROWS,
    TABLES,
    t2_columns_for,
    t3_children,
    t3_leaf_rows,
)

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = ROOT / "tests" / "data" / "expected"
REPORTS = ROOT / "data" / "reports"
DEV_REPORTS = ROOT / "tests" / "data" / "dev-reports"
QA = ROOT / "eval" / "qa" / "sample.jsonl"
STEMS = ["hengshan_2023", "pingtan_2021", "pingtan_2022", "hongze_2023", "hongze_2024", "huaian_2024"]
DEV_STEMS = [
    "shanghai_szfbgt_2019",
    "pingtan_2019",
    "pingtan_2020",
    "pingtan_2023",
    "pingtan_2024",
    "pingtan_2025",
]
ALL_STEMS = STEMS + DEV_STEMS


def report_path(doc: dict) -> Path:
    """Where a report of the ground truth lives: the samples, else the development reports."""
    p = REPORTS / doc["file"]
    return p if p.is_file() else DEV_REPORTS / doc["file"]


OUTCOME_EXCLUDED = ("new", "carried_in", "handled_total", "carried_out")
T4_PARTS = ("upheld", "corrected", "other", "pending")


def load(stem: str) -> dict:
    return json.loads((EXPECTED / f"{stem}.json").read_text(encoding="utf-8"))


def cells_of(doc: dict) -> dict[tuple[str, str, str], float]:
    return {(f["table"], f["row"], f["column"]): f["value"] for f in doc["facts"]}


def cell_value(doc: dict, table: str, row: str, column: str) -> float:
    """A cell, or for a group row of table 三 that is not printed, the sum of its sub-items."""
    cells = cells_of(doc)
    if (table, row, column) in cells:
        return cells[(table, row, column)]
    kids = [(table, k.code, column) for k in t3_children(row)] if table == "三" else []
    present = [cells[k] for k in kids if k in cells]
    assert present, f"{doc['file']}: no cell {(table, row, column)}"
    return sum(present)


def expected_cells(doc: dict) -> set[tuple[str, str, str]]:
    """Every cell the report's layout has: table 二 rows of its template, table 三 leaf rows (with
    （六）其他处理 as one row when the report prints it so), table 四's 15 numbers."""
    template = doc["template"]
    out = {
        ("二", r.code, c)
        for r in T2_ROWS
        if template in r.templates
        for c in t2_columns_for(r.code, template)
    }
    rows3 = {f["row"] for f in doc["facts"] if f["table"] == "三"}
    one_row_other = "other_handling" in rows3
    leaves = [r.code for r in t3_leaf_rows(template) if not (one_row_other and r.parent == "other_handling")]
    if one_row_other:
        leaves.append("other_handling")
    out |= {("三", r, c) for r in leaves for c in T3_COLUMN_ORDER}
    out |= {("四", r.code, c) for r in T4_ROWS for c in T4_COLUMN_ORDER}
    return out


def rule_violations(doc: dict) -> set[tuple[str, tuple[str, str, str], float, float]]:
    """R1–R4 (and R0 where a group row is printed beside its sub-items), computed from the facts."""
    v = cells_of(doc)
    out = set()

    def check(rule, cell, printed, expected):
        if abs(printed - expected) > 1e-6:
            out.add((rule, cell, printed, expected))

    rows3 = list(dict.fromkeys(r for (t, r, _c) in v if t == "三"))
    printed_groups = {r for r in rows3 if any(("三", k.code, "total") in v for k in t3_children(r))}
    outcome = [r for r in rows3 if r not in OUTCOME_EXCLUDED and r not in printed_groups]
    for c in T3_COLUMN_ORDER:
        check(
            "R1_balance",
            ("三", "carried_out", c),
            v[("三", "carried_out", c)],
            v[("三", "new", c)] + v[("三", "carried_in", c)] - v[("三", "handled_total", c)],
        )
        check(
            "R2_handled_sum",
            ("三", "handled_total", c),
            v[("三", "handled_total", c)],
            sum(v[("三", r, c)] for r in outcome),
        )
        for g in printed_groups:
            kids = [k.code for k in t3_children(g) if ("三", k.code, c) in v]
            if kids:
                check("R0_group_sum", ("三", g, c), v[("三", g, c)], sum(v[("三", k, c)] for k in kids))
    for r in rows3:
        check(
            "R3_row_sum",
            ("三", r, "total"),
            v[("三", r, "total")],
            sum(v[("三", r, c)] for c in T3_COLUMN_ORDER[:6]),
        )
    for g in (r.code for r in T4_ROWS):
        check("R4_t4_sum", ("四", g, "total"), v[("四", g, "total")], sum(v[("四", g, c)] for c in T4_PARTS))
    return out


@pytest.fixture(scope="module", params=ALL_STEMS)
def doc(request) -> dict:
    return load(request.param)


def test_header_fields(doc):
    assert report_path(doc).is_file()
    assert doc["body"] and doc["body"] not in doc["aliases"]
    assert doc["template"] in ("2021", "2019")
    assert str(doc["year"]) in doc["file"]
    assert isinstance(doc["uncertain"], list) and isinstance(doc["violations"], list)


def test_every_cell_exactly_once_with_valid_codes(doc):
    keys = [(f["table"], f["row"], f["column"]) for f in doc["facts"]]
    assert len(keys) == len(set(keys)), "duplicate cells"
    for t, r, _c in keys:
        assert t in TABLES and (t, r) in ALL_ROWS, (t, r)
    assert set(keys) == expected_cells(doc)


def test_values_are_numbers_and_blanks_are_zero(doc):
    for f in doc["facts"]:
        assert isinstance(f["value"], int | float), f
        assert f["value"] >= 0 or f["column"] == "change", f  # 2019 本年增/减 may be negative
        if f.get("blank"):
            assert f["value"] == 0, f
        if f["table"] != "二" or f["column"] not in ("amount",):
            assert float(f["value"]).is_integer(), f"a count must be whole: {f}"


def test_recorded_violations_are_exactly_the_real_ones(doc):
    recorded = set()
    for v in doc["violations"]:
        assert v["rule"] in RULES
        assert len(v["cells"]) == 1
        recorded.add((v["rule"], tuple(v["cells"][0]), v["printed"], v["expected"]))
    assert recorded == rule_violations(doc)


def test_uncertain_entries_point_at_recorded_values(doc):
    cells = cells_of(doc)
    for u in doc["uncertain"]:
        assert u["raw"] and u["reason"]
        chosen = [cells[(u["table"], u["row"], c)] for c in u["columns"]]
        assert chosen == u["chosen"]
        for alt in u["alternatives"]:
            assert alt != chosen and len(alt) == len(chosen)


def test_text_vs_table_notes_quote_table_values(doc):
    for n in doc["text_vs_table"]:
        assert n["rule"] == "R7_text_table" and n["text"]
        if not n["cells"]:
            continue
        values = [cell_value(doc, *c) for c in n["cells"]]
        assert n["table_value"] in (values[0], sum(values)), n
        if n["matches"]:
            assert n["figure"] == n["table_value"], n
        else:
            assert n["figure"] != n["table_value"], n


def test_hongze_2023_contradiction_is_recorded():
    got = {(v["cells"][0][1], v["printed"], v["expected"]) for v in load("hongze_2023")["violations"]}
    assert got == {("review", 0, 11), ("suit_after_review", 0, 5)}


@pytest.mark.parametrize("prev,cur", [("pingtan_2021", "pingtan_2022"), ("hongze_2023", "hongze_2024")])
def test_cross_year_rules_hold_for_same_body(prev, cur):
    a, b = load(prev), load(cur)
    assert a["body"] == b["body"] and b["year"] == a["year"] + 1
    for c in T3_COLUMN_ORDER:  # R5
        assert cell_value(b, "三", "carried_in", c) == cell_value(a, "三", "carried_out", c)
    docs = ("二", "normative_docs")  # R6 holds exactly in both pairs
    assert cell_value(b, *docs, "in_force") == (
        cell_value(a, *docs, "in_force") + cell_value(b, *docs, "issued") - cell_value(b, *docs, "repealed")
    )


@pytest.mark.parametrize(
    "prev,cur",
    [
        ("pingtan_2019", "pingtan_2020"),
        ("pingtan_2021", "pingtan_2022"),
        ("pingtan_2022", "pingtan_2023"),
        ("pingtan_2023", "pingtan_2024"),
        ("pingtan_2024", "pingtan_2025"),
    ],
)
def test_carried_over_requests_match_the_next_year(prev, cur):
    a, b = load(prev), load(cur)
    for c in T3_COLUMN_ORDER:  # R5
        assert cell_value(b, "三", "carried_in", c) == cell_value(a, "三", "carried_out", c)


def test_2019_item_counts_chain_across_years():
    """2019 template: this year's 上一年项目数量 is last year's plus its 本年增/减 (how the hand
    reading of pingtan_2019/2020's run-together table 二 rows was decided)."""
    a, b = load("pingtan_2019"), load("pingtan_2020")
    for row in ("licensing", "other_services", "penalty", "coercion", "fees"):
        assert cell_value(b, "二", row, "prev_items") == (
            cell_value(a, "二", row, "prev_items") + cell_value(a, "二", row, "change")
        ), row


# ---------------------------------------------------------------------------------------------- Q&A set
def questions() -> list[dict]:
    return [json.loads(line) for line in QA.read_text(encoding="utf-8").splitlines() if line.strip()]


def reports_by_body_year() -> dict[tuple[str, int], dict]:
    return {(d["body"], d["year"]): d for d in map(load, STEMS)}


def test_qa_fields_and_ids():
    qs = questions()
    ids = [q["id"] for q in qs]
    assert len(ids) == len(set(ids))
    assert len(qs) >= 130
    for q in qs:
        assert q["question"].strip() and q["answer"].strip(), q["id"]
        assert q["kind"] in ("figure", "narrative", "mixed", "not_found", "clarify"), q["id"]
        assert all(isinstance(h, str) and h for h in q.get("history", [])), q["id"]
        assert all(isinstance(m, str) and m for m in q.get("mention", [])), q["id"]
        if q.get("not_in_report"):
            assert q["kind"] == "not_found" and not q.get("cells") and not q.get("expect"), q["id"]
        elif q["kind"] in ("figure", "mixed"):
            assert q["expect"] and all(isinstance(x, int | float) for x in q["expect"]), q["id"]
        else:
            assert q.get("mention"), f"{q['id']}: a narrative question needs words the answer must contain"


def test_qa_cells_resolve_and_their_figures_are_expected():
    by = reports_by_body_year()
    for q in questions():
        for c in q.get("cells", []):
            doc = by[(c["body"], c["year"])]
            value = cell_value(doc, c["table"], c["row"], c["column"])
            assert value in q["expect"], f"{q['id']}: {c} = {value} not in expect {q['expect']}"


def test_qa_covers_the_question_styles():
    qs = questions()
    text = [q["question"] for q in qs]
    assert sum(1 for q in qs if q.get("not_in_report")) >= 20
    assert sum(1 for q in qs if q.get("history")) >= 5
    assert sum(1 for t in text if re.search(r"[A-Za-z]{4,} [A-Za-z]{3,}", t)) >= 5  # English
    assert sum(1 for t in text if "〇" in t) >= 3  # Chinese numeral years
    assert sum(1 for t in text if re.search(r"[縣區規議請開實綜澤]", t)) >= 4  # traditional characters
    bodies = {c["body"] for q in qs for c in q.get("cells", [])}
    assert bodies == {d["body"] for d in map(load, STEMS)}


def report_texts() -> dict[str, str]:
    """Each report's text, simplified, pinyin annotations and whitespace removed (for `mention` checks)."""
    import pdfplumber
    from opencc_purepy import OpenCC

    t2s = OpenCC("t2s")
    out = {}
    for stem in STEMS:
        doc = load(stem)
        path = REPORTS / doc["file"]
        if path.suffix == ".pdf":
            with pdfplumber.open(path) as pdf:
                text = "".join(p.extract_text() or "" for p in pdf.pages)
        else:
            text = re.sub(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", "", path.read_text(encoding="utf-8"))
        out[stem] = re.sub(r"\s+", "", t2s.convert(text))
    return out


@pytest.mark.slow
def test_narrative_mentions_are_copied_from_the_report_asked_about():
    """A `mention` of a narrative question must occur in the report the question names (body alias
    and year), so the gold words are the report's own, not paraphrases."""
    from opencc_purepy import OpenCC

    t2s = OpenCC("t2s")
    texts = report_texts()
    docs = {s: load(s) for s in STEMS}
    for q in questions():
        if q["kind"] not in ("narrative", "mixed") or not q.get("mention"):
            continue
        asked = t2s.convert(" ".join([*q.get("history", []), q["question"]]))
        years = set(re.findall(r"20\d\d", asked))
        named = [
            s
            for s, d in docs.items()
            if any(a in asked for a in [d["body"], *d["aliases"]]) and (not years or str(d["year"]) in years)
        ]
        assert named, f"{q['id']}: names no sample report"
        for m in q["mention"]:
            assert any(m in texts[s] for s in named), f"{q['id']}: {m!r} not in {named}"
