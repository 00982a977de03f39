"""The number guard: a written answer is shown only if every number and every [n] in it checks out.

Allowed numbers: a value of a cited cell, a figure the deterministic executor derived (sums, rates,
differences: `derived`), a number stated in a cited passage or label, a value computed from the
facts a sentence cites by an operation the sentence names (合计/差/占…), a year of the question or
of the citations, and list markers (一是, 第三). Every [n] must name a source, and the sentence it
ends must share a number or a key term with that source. One failure rejects the whole answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import permutations

from nianbao.text import to_simplified
from rag.llm.numbers import Num, numbers

_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;\n]*")
_MARKER = re.compile(r"\[(\d{1,3})\]")
_MARKS_AFTER_END = re.compile(r"([。！？!?；;])((?:\s*\[\d{1,3}\])+)")
_SUM = re.compile(r"合计|共|总计|总数|累计|之和|加起来|总和|两项|三项")
_DIFF = re.compile(r"增加|减少|增长|下降|上升|多|少|差|相比|较上年|较去年|增|减|变化")
_RATIO = re.compile(r"占|比例|比重|率|%|％|百分之|成")
# Bigrams every report shares: they do not tie a sentence to one source.
_GENERIC = (
    "政府信息公开工作年度报告 人民政府 申请情况 本年度 本机关 我们 进一步 加强 工作 情况 其中 主要 "
    "以及 相关 有关 开展 推进 共计 合计 年报 报告 部分 写道 方面 全年 办理 依申请 主动公开"
)
MAX_FACTS = 40  # pairwise computations stay bounded


def _simp(text: str) -> str:
    return re.sub(r"\s+", "", to_simplified(text or ""))


def _bigrams(text: str) -> set[str]:
    cjk = re.sub(r"[^\u4e00-\u9fff]", " ", _simp(text))
    return {w[i : i + 2] for w in cjk.split() for i in range(len(w) - 1)}


_STOP = _bigrams(_GENERIC)


@dataclass
class Source:
    """One numbered citation as the guard sees it."""

    n: int
    value: float | None  # the cell's value; None for a passage
    text: str
    year: int | None
    body: str
    numbers: list[Num] = field(default_factory=list)
    terms: set[str] = field(default_factory=set)

    @property
    def is_cell(self) -> bool:
        return self.value is not None


def sources_from(citations: list[dict]) -> list[Source]:
    """Citations of the Answer JSON (numbered from 1, in order) as guard sources."""
    out = []
    for i, c in enumerate(citations, 1):
        cell = c.get("cell") or None
        text = c.get("text") or ""
        if cell:
            text = " ".join(str(cell.get(k) or "") for k in ("row_label", "column_label")) + " " + text
        body = c.get("body") or ""
        out.append(
            Source(
                n=i,
                value=float(cell["value"]) if cell and cell.get("value") is not None else None,
                text=text,
                year=int(c["year"]) if c.get("year") else None,
                body=body,
                numbers=numbers(_simp(text)),
                terms=_bigrams(text) - _STOP - _bigrams(body),
            )
        )
    return out


@dataclass
class Verdict:
    ok: bool
    reason: str = ""  # one word, counted: bad_marker | marker_mismatch | unsupported_number | ...
    detail: str = ""


def _close(x: Num, v: float) -> bool:
    """`x` as written equals `v` rounded to the precision shown: 12.5% for 12.47, 1.5万元 for 1.52;
    a whole number stands for a fraction only as a percentage (46% for 45.5)."""
    if x.decimals:
        tol = 0.5 * 10 ** (-x.decimals)
    else:
        tol = 0.5 if x.percent and not float(v).is_integer() else 1e-9
    return abs(x.value - v) <= tol + 1e-9 or (x.wan and abs(x.value * 10_000 - v) <= 1e-6)


def _computed(sentence: str, facts: list[float]) -> tuple[list[float], list[float]]:
    """Counts and percentages the sentence may state as results of an operation it names."""
    facts = facts[:MAX_FACTS]
    counts: list[float] = []
    pcts: list[float] = []
    if _SUM.search(sentence) and facts:
        counts.append(sum(facts))
        counts += [a + b for a, b in permutations(facts, 2)]
    if _DIFF.search(sentence):
        counts += [abs(a - b) for a, b in permutations(facts, 2)]
        pcts += [(a - b) / b * 100 for a, b in permutations(facts, 2) if b]
    if _RATIO.search(sentence):
        pcts += [a / b * 100 for a, b in permutations(facts, 2) if b]
    if "倍" in sentence:
        counts += [round(a / b, 1) for a, b in permutations(facts, 2) if b]
    return counts, pcts


def sentences(text: str) -> list[str]:
    """Sentences with their [n] markers (a marker after the full stop belongs to the sentence before)."""
    text = _MARKS_AFTER_END.sub(r"\2\1", text)
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def check(
    text: str,
    sources: list[Source],
    question: str = "",
    derived: list[tuple[float, str]] = (),
) -> Verdict:
    """Whether `text` may be shown. `derived`: (value, unit) of the figures the executor derived
    from the cited cells (sums, rates, differences)."""
    if not text.strip():
        return Verdict(False, "empty", "no text")
    by_n = {s.n: s for s in sources}
    years = {s.year for s in sources if s.year} | {int(n.value) for n in numbers(_simp(question)) if n.year}
    years |= {int(n.value) for s in sources for n in s.numbers if n.year}
    base_counts = [v for v, unit in derived if unit != "%"]
    base_pcts = [v for v, unit in derived if unit == "%"]
    used = sorted({int(m) for m in _MARKER.findall(text)})
    if not used:
        return Verdict(False, "uncited", "the answer cites no source")
    for n in used:
        if n not in by_n:
            return Verdict(False, "bad_marker", f"[{n}] names no source")
    for sent in sentences(text):
        marks = [int(m) for m in _MARKER.findall(sent)]
        cited = [by_n[n] for n in marks] or [by_n[n] for n in used]
        nums = [x for x in numbers(_simp(sent)) if not x.ordinal]
        facts = [s.value for s in cited if s.is_cell] + [v for v, unit in derived if unit != "%"]
        counts, pcts = _computed(_simp(sent), facts)
        counts += base_counts + facts + [x.value for s in cited for x in s.numbers if not x.percent]
        pcts += base_pcts + [x.value for s in cited for x in s.numbers if x.percent]
        if marks:
            counts.append(float(len(marks)))  # 「两项合计」 counts what the sentence cites
        direct = facts + [x.value for s in cited for x in s.numbers]
        computed_hit = False  # a result (合计/差/占, or the executor's): it ties the sentence to its cells
        for x in nums:
            if x.year and int(x.value) in years:
                continue
            pool = pcts if x.percent else counts
            if any(_close(x, v) for v in pool):
                computed_hit = computed_hit or not any(_close(x, v) for v in direct)
            else:
                kind = "unsupported_year" if x.year else "unsupported_number"
                return Verdict(False, kind, f"「{x.text}」 in 「{sent[:60]}」 matches no cited figure")
        terms = _bigrams(sent) - _STOP
        for n in marks:
            src = by_n[n]
            shares_number = any(
                any(
                    _close(x, v)
                    for v in ([src.value] if src.is_cell else []) + [y.value for y in src.numbers]
                )
                for x in nums
                if not x.year
            )
            need = 1 if src.is_cell else 2
            if src.is_cell and computed_hit:
                continue
            if not shares_number and len(terms & src.terms) < need:
                return Verdict(False, "marker_mismatch", f"[{n}] does not support 「{sent[:60]}」")
    return Verdict(True)
