"""Scoring one answer against its gold (figures, not-found, citations, mentions, kind) and
summarising many: accuracies and latency percentiles. Pure functions over Answer JSON dicts."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from nianbao import template as T


def decimals(x: float) -> int:
    """Decimal places as written in the gold (63.6 -> 1, 21 -> 0)."""
    text = repr(float(x)) if not float(x).is_integer() else "0"
    return len(text.split(".")[1]) if "." in text else 0


def number_matches(expected: float, got: float | None) -> bool:
    """Equal within the gold's precision (63.6 matches 63.64); a difference may be stated without sign."""
    if got is None:
        return False
    tol = 0.5 * 10 ** -decimals(expected) + 1e-9
    return abs(got - expected) < tol or abs(abs(got) - abs(expected)) < tol


def figure_values(answer: dict) -> list[float]:
    """Numbers the answer shows as cells: its figures and the values of the cells it cites
    (a breakdown's parts are often cited cells rather than separate figures)."""
    out = [f["value"] for f in answer.get("figures") or [] if isinstance(f.get("value"), (int, float))]
    for c in answer.get("citations") or []:
        cell = c.get("cell") or {}
        if isinstance(cell.get("value"), (int, float)):
            out.append(cell["value"])
    return out


def figures_ok(expect: list[float], answer: dict) -> tuple[bool, list[float]]:
    """Every expected number is among the answer's figure values. Returns (ok, missing)."""
    values = figure_values(answer)
    missing = [e for e in expect if not any(number_matches(e, v) for v in values)]
    return not missing, missing


def _same_body(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    return a == b or (
        min(len(a), len(b)) >= 2 and (a.endswith(b) or b.endswith(a) or a.startswith(b) or b.startswith(a))
    )


def cited_cells(answer: dict) -> list[tuple]:
    """(body, year, table, row, column) of every cell the answer cites or shows as a figure."""
    out = []
    for c in answer.get("citations") or []:
        cell = c.get("cell")
        if cell:
            out.append((c.get("body"), c.get("year"), cell.get("table"), cell.get("row"), cell.get("column")))
    for f in answer.get("figures") or []:
        if f.get("row"):
            out.append((f.get("body"), f.get("year"), f.get("table"), f.get("row"), f.get("column")))
    return out


def _cell_rows(table: str, row: str) -> set[str]:
    """A group row (不予公开) is cited by itself or by any of its children."""
    kids = {r.code for r in T.T3_ROWS if r.parent == row} if table == "三" else set()
    return {row} | kids


def citations_ok(gold_cells: list[dict], answer: dict) -> tuple[bool, list[dict]]:
    cited = cited_cells(answer)
    missing = []
    for g in gold_cells:
        rows = _cell_rows(g["table"], g["row"])
        if not any(
            _same_body(g.get("body"), b)
            and (g.get("year") in (None, y))
            and t == g["table"]
            and r in rows
            and c == g["column"]
            for b, y, t, r, c in cited
        ):
            missing.append(g)
    return not missing, missing


_t2s = None
_PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]+\)")
_PUNCT = re.compile(r"[\s,，、。.;；:：!！?？()（）“”\"'‘’《》【】\[\]<>〈〉*_>-]+")


def match_form(text: str) -> str:
    """Answers quote the report's own characters (traditional, pinyin, odd punctuation); gold
    mentions are plain simplified. Compare both in one form."""
    global _t2s
    if _t2s is None:
        from opencc_purepy import OpenCC

        _t2s = OpenCC("t2s")
    return _PUNCT.sub("", _t2s.convert(_PINYIN.sub("", text)))


def mentions_ok(mention: list[str], answer: dict) -> tuple[bool, list[str]]:
    text = match_form(answer.get("answer") or "")
    missing = [m for m in mention if match_form(m) not in text]
    return not missing, missing


def score(gold: dict, answer: dict) -> dict:
    """Per-question checks; None where the gold does not ask for that check."""
    checks: dict = {"figure": None, "not_found": None, "citation": None, "mention": None, "kind": None}
    detail: dict = {}
    if gold.get("not_in_report"):
        checks["not_found"] = answer.get("kind") == "not_found"
    elif gold.get("expect") is not None:
        checks["figure"], detail["missing_figures"] = figures_ok(gold["expect"], answer)
    if gold.get("cells") and not gold.get("not_in_report"):
        checks["citation"], detail["missing_cells"] = citations_ok(gold["cells"], answer)
    if gold.get("mention"):
        checks["mention"], detail["missing_mentions"] = mentions_ok(gold["mention"], answer)
    if gold.get("kind"):
        got = answer.get("kind")
        # A figure or narrative answer that also quotes the other side (e.g. the narrative's own count
        # next to the table's) is "mixed"; that still answers the question.
        checks["kind"] = got == gold["kind"] or (got == "mixed" and gold["kind"] in ("figure", "narrative"))
    return {"checks": checks, "detail": {k: v for k, v in detail.items() if v}}


def confident_wrong(checks: dict, answer: dict) -> bool:
    """A figure/mixed answer that states figures the gold does not hold, or states figures where the
    reports say nothing: the worst outcome (a clarify or not_found instead is merely unhelpful)."""
    if answer.get("kind") not in ("figure", "mixed"):
        return False
    return checks.get("figure") is False or checks.get("not_found") is False


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return round(s[lo] + (s[hi] - s[lo]) * (k - lo), 2)


@dataclass
class Rate:
    passed: int = 0
    total: int = 0

    @property
    def value(self) -> float | None:
        return round(self.passed / self.total, 4) if self.total else None

    def to_dict(self) -> dict:
        return {"passed": self.passed, "total": self.total, "accuracy": self.value}


def summarise(records: list[dict]) -> dict:
    rates = {k: Rate() for k in ("figure", "not_found", "citation", "mention", "kind")}
    by_type: dict[str, Rate] = {}
    latencies = []
    errors = 0
    wrong: list[str] = []
    passed = 0
    for rec in records:
        if rec.get("error"):
            errors += 1
        if rec.get("latency_ms") is not None:
            latencies.append(rec["latency_ms"])
        checks = rec.get("checks") or {}
        for k, v in checks.items():
            if v is not None:
                rates[k].total += 1
                rates[k].passed += bool(v)
        relevant = [v for v in checks.values() if v is not None]
        passed += bool(relevant) and all(relevant)
        if confident_wrong(checks, rec.get("answer") or {}):
            wrong.append(rec.get("id"))
        if relevant:
            r = by_type.setdefault(rec.get("qtype") or rec.get("gold_kind") or "other", Rate())
            r.total += 1
            r.passed += all(relevant)
    return {
        "questions": len(records),
        "errors": errors,
        **{f"{k}_accuracy": r.to_dict() for k, r in rates.items()},
        "overall_accuracy": Rate(passed, len(records)).to_dict(),
        "confident_wrong": {"count": len(wrong), "ids": wrong},
        "by_type": {k: r.to_dict() for k, r in sorted(by_type.items())},
        "latency_ms": {
            "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95),
            "max": max(latencies) if latencies else None,
        },
    }
