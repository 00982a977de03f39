"""Split run-together digit strings into table cells.

Crawled copies of reports lose the cell separators: `713000074` is the row 71,3,0,0,0,0,74.
Only the template's sum rules make such a row readable: in table 三 the 7th number is the sum of
the first six, in table 四 each group's 5th number is the sum of its first four. We enumerate every
way to cut the digits (numbers without leading zeros unless "0") and keep the cuts that satisfy
the rule. Exactly one -> a value; several or none -> the caller marks the cells uncertain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_DIGITS = 9  # no count in a report has more digits than this
MAX_CANDIDATES = 64

_MINUS_SPLIT = re.compile(r"(?=-\d)")
_CLEAN_INT = re.compile(r"^(?:0|[1-9]\d*)$")
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+$")
_CLEAN_NUM = re.compile(r"^-?(?:0|[1-9]\d*)(?:\.\d+)?$|^-?0?\.\d+$")


@dataclass
class SplitOutcome:
    """The result of reading one row's numbers.

    `values` is set when the row reads one way only; `candidates` lists every consistent cut
    (empty when none fits); `split` is True when separators were missing and had to be guessed."""

    values: tuple[float, ...] | None
    candidates: list[tuple[float, ...]] = field(default_factory=list)
    raw: str = ""
    split: bool = False
    note: str = ""

    @property
    def ambiguous(self) -> bool:
        return self.values is None


def parse_number(token: str) -> float | None:
    """A printed cell as a number (`1,234`, `12.5`, `-3`), or None when it is not one cell."""
    t = token.strip()
    if _THOUSANDS.match(t):
        t = t.replace(",", "")
    if not _CLEAN_NUM.match(t):
        return None
    v = float(t)
    return int(v) if v.is_integer() and "." not in t else v


def _cuts(digits: str, start: int, bounds: frozenset[int], count: int):
    """All ways to cut digits[start:] into `count` numbers, never crossing a token boundary
    and always ending a number at each boundary. Yields tuples of ints."""
    n = len(digits)
    if count == 0:
        if start == n:
            yield ()
        return
    if start >= n:
        return
    # the next boundary after start: a number may not cross it
    nxt = min((b for b in bounds if b > start), default=n)
    if digits[start] == "0":
        lengths = (1,)
    else:
        lengths = range(1, min(MAX_DIGITS, nxt - start) + 1)
    for ln in lengths:
        end = start + ln
        if end > nxt:
            break
        # the remaining digits must be able to hold the remaining numbers
        if n - end < count - 1:
            break
        for rest in _cuts(digits, end, bounds, count - 1):
            yield (int(digits[start:end]), *rest)


def _cuts_summing(digits: str, start: int, bounds: frozenset[int], count: int, target: int):
    """Like _cuts, but the numbers must add up to `target` (prunes as soon as they exceed it)."""
    n = len(digits)
    if count == 0:
        if start == n and target == 0:
            yield ()
        return
    if start >= n:
        return
    nxt = min((b for b in bounds if b > start), default=n)
    lengths = (1,) if digits[start] == "0" else range(1, min(MAX_DIGITS, nxt - start) + 1)
    for ln in lengths:
        end = start + ln
        if end > nxt or n - end < count - 1:
            break
        v = int(digits[start:end])
        if v > target:
            break
        for rest in _cuts_summing(digits, end, bounds, count - 1, target - v):
            yield (v, *rest)


def _group_cuts(digits: str, bounds: frozenset[int], size: int, sum_last: bool):
    """Every way to read `digits` as one group of `size` numbers."""
    if not sum_last or size == 1:
        yield from _cuts(digits, 0, bounds, size)
        return
    n = len(digits)
    # choose the total (a suffix) first, then cut the rest into parts that sum to it
    for ln in range(1, min(MAX_DIGITS, n - (size - 1)) + 1):
        start = n - ln
        if ln > 1 and digits[start] == "0":
            continue
        if any(start < b < n for b in bounds):
            break  # the total would cross a token boundary
        total = int(digits[start:])
        head_bounds = frozenset(b for b in bounds if b <= start) | {start}
        for parts in _cuts_summing(digits[:start], 0, head_bounds, size - 1, total):
            yield (*parts, total)


def _search(
    digits: str,
    bounds: frozenset[int],
    sizes: tuple[int, ...],
    sum_last: bool,
    out: list,
    start: int = 0,
    acc: tuple = (),
):
    """Depth-first over groups so a group that breaks its sum rule prunes everything after it."""
    if len(out) > MAX_CANDIDATES:
        return
    if not sizes:
        if start == len(digits):
            out.append(acc)
        return
    size, rest = sizes[0], sizes[1:]
    remaining = sum(rest)
    n = len(digits)
    for end in range(start + size, n - remaining + 1):
        sub_bounds = frozenset(b - start for b in bounds if start < b <= end) | {end - start}
        if not rest and end != n:
            continue
        for group in _group_cuts(digits[start:end], sub_bounds, size, sum_last):
            if len(out) > MAX_CANDIDATES:
                return
            _search(digits, bounds, rest, sum_last, out, end, acc + group)


def _signed(values: tuple[int, ...], negative_at: set[int]) -> tuple[int, ...]:
    """Negate the numbers whose digits start where a minus sign was printed."""
    out, pos = [], 0
    for v in values:
        out.append(-v if pos in negative_at else v)
        pos += len(str(v))
    return tuple(out)


def split_row(tokens: list[str], sizes: tuple[int, ...], sum_last: bool = True) -> SplitOutcome:
    """Read `sum(sizes)` numbers from `tokens` (cell texts as found: separated cells, or digit runs
    that hold several cells). `sizes` are the row's groups (table 三: (7,), table 四: (5, 5, 5),
    table 二 （一）: (3,)); with `sum_last` each group's last number must be the sum of the others
    whenever the digits had to be split."""
    want = sum(sizes)
    tokens = [t.strip() for t in tokens if t and t.strip()]
    raw = " ".join(tokens)
    if len(tokens) == want:
        vals = [parse_number(t) for t in tokens]
        if all(v is not None for v in vals):
            return SplitOutcome(tuple(vals), [tuple(vals)], raw)
    if len(tokens) > want:
        return SplitOutcome(None, [], raw, note=f"印有{len(tokens)}个数字，多于应有的{want}个")
    # a minus sign starts a new number (2019 本年增/减): `100-113344` -> `100`, `-113344`
    tokens = [piece for t in tokens for piece in _MINUS_SPLIT.split(t) if piece]
    negative_at, pos = set(), 0
    for t in tokens:
        if t.startswith("-"):
            negative_at.add(pos)
        pos += len(t.lstrip("-").replace(",", ""))
    parts = [t.lstrip("-").replace(",", "") for t in tokens]
    fraction = ""
    if parts and re.fullmatch(r"\d+\.\d+", parts[-1]) and not sum_last:
        # an amount last (2019 政府集中采购 `13575394432.52`): the decimals belong to the last number
        parts[-1], fraction = parts[-1].split(".")
    if not all(p.isdigit() for p in parts):
        return SplitOutcome(None, [], raw, split=True, note=f"无法将「{raw}」读作{want}个数字")
    digits = "".join(parts)
    bounds, pos = set(), 0
    for p in parts:
        pos += len(p)
        bounds.add(pos)
    out: list[tuple[int, ...]] = []
    _search(digits, frozenset(bounds), sizes, sum_last and not negative_at, out)
    if negative_at:
        out = [_signed(c, negative_at) for c in out]
    if fraction:
        out = [(*c[:-1], float(f"{c[-1]}.{fraction}")) for c in out]
    if len(out) == 1:
        return SplitOutcome(
            tuple(out[0]),
            out,
            raw,
            split=True,
            note=f"由连写数字「{raw}」{'按合计规则拆分（唯一解）' if sum_last else '拆分（只有一种拆法）'}",
        )
    if not out:
        return SplitOutcome(None, [], raw, split=True, note=f"连写数字「{raw}」无法按合计规则拆分")
    return SplitOutcome(None, out, raw, split=True, note=f"连写数字「{raw}」有{len(out)}种拆分，无法确定")


# ------------------------------------------------------------------------------ candidates of ambiguous rows
# An ambiguous row keeps every split on each of its cells as typed data (Fact.splits, Fact.split_pos,
# stored as JSON by rag.factstore), so a later step (the neighbouring year's report, ingest.crossyear)
# can still pick one. The note says the same for people (citations, the report browser):
# 「候选拆分：6,9,[3665]；6,93,[665]；…」 — each candidate is the whole row, the bracketed number is
# this cell's value in that candidate. Nothing reads it back (but rag.migrate, once, for stores of before).
CANDIDATES_PREFIX = "候选拆分："


def complete_splits(candidates: list[tuple[float, ...]]) -> list[tuple[float, ...]]:
    """A row's candidate splits as its cells keep them: all of them, or none when the search
    stopped early (more than MAX_CANDIDATES: an incomplete list must never decide a value)."""
    return [tuple(c) for c in candidates] if len(candidates) <= MAX_CANDIDATES else []


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))  # all digits (an amount in 元)


def candidates_note(candidates: list[tuple[float, ...]], pos: int | None) -> str:
    """The candidate splits of a row, with this cell (index `pos`) bracketed, for the note. Empty
    when there are none or the search stopped early."""
    if not candidates or pos is None or len(candidates) > MAX_CANDIDATES:
        return ""
    parts = [",".join(f"[{_num(v)}]" if i == pos else _num(v) for i, v in enumerate(c)) for c in candidates]
    return CANDIDATES_PREFIX + "；".join(parts)
