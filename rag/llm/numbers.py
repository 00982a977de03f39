"""Every number a text states, as values: Arabic digits, Chinese numerals, percentages, 万元 amounts.

The number guard compares these with the numbers of the sources, so the extraction errs on the side
of finding too many: a Chinese numeral counts when a measure word follows it (两件, 十二个) or when it
is a multi-character numeral (一百零五), and only list markers (一是, 第三, （二）) and table names
(表三) are taken as structure rather than figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "○": 0, "两": 2}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG = {"万": 10_000, "亿": 100_000_000}
_CN = "零〇○一二两三四五六七八九十百千万亿"
_MEASURE = "件个次项条名人家年月日天倍成份篇期场位类批户起部季度周届轮"

_MARKER = re.compile(r"\[\d{1,3}\]")
_ARABIC = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(%|％|万元|万|元)?")
_CHINESE = re.compile(
    rf"(百分之)?([{_CN}]+(?:点[零〇○一二三四五六七八九]+)?)(?=\s*(%|％|万元|元|[{_MEASURE}])?)"
)
_ORDINAL_BEFORE = re.compile(r"(?:第|其|表|附件|（|\()\s*$")
_ORDINAL_AFTER = re.compile(r"^\s*(?:是|）|\)|、(?!\d)|\.(?!\d))")


@dataclass(frozen=True)
class Num:
    value: float
    text: str
    start: int
    percent: bool = False  # 45.5% / 百分之十
    year: bool = False  # 2023年, 2023 alone
    ordinal: bool = False  # 第三, 一是, （二）, 1、
    decimals: int = 0  # digits shown after the point (for rounding tolerance)
    wan: bool = False  # 3万 (not 万元): may mean 3 or 30,000


def cn_value(s: str) -> float | None:
    """一百零五 -> 105, 十二 -> 12, 两 -> 2, 三点五 -> 3.5, 二〇二三 -> 2023; None if not a numeral."""
    if "点" in s:
        whole, _, frac = s.partition("点")
        w = cn_value(whole) if whole else 0
        if w is None or not frac or any(c not in _DIGITS for c in frac):
            return None
        return float(f"{int(w)}.{''.join(str(_DIGITS[c]) for c in frac)}")
    if not s:
        return None
    if all(c in _DIGITS for c in s):  # digit by digit: 二〇二三
        return float("".join(str(_DIGITS[c]) for c in s))
    total = section = 0
    num: int | None = None
    for c in s:
        if c in _DIGITS:
            if num is not None and num != 0 and _DIGITS[c] != 0:
                return None  # 三四 inside a numeral with units: not one number
            num = _DIGITS[c]
        elif c in _UNITS:
            section += (num if num else 1) * _UNITS[c]
            num = None
        elif c in _BIG:
            section += num or 0
            if section == 0:
                return None
            total += section * _BIG[c]
            section, num = 0, None
    return float(total + section + (num or 0))


def _structural(text: str, start: int, end: int) -> bool:
    return bool(
        _ORDINAL_BEFORE.search(text[max(0, start - 3) : start]) or _ORDINAL_AFTER.match(text[end : end + 2])
    )


def numbers(text: str) -> list[Num]:
    """The numbers in `text` (citation markers [n] excluded), in order."""
    text = _MARKER.sub(lambda m: " " * len(m.group(0)), text or "")
    out: list[Num] = []
    taken: list[tuple[int, int]] = []
    for m in _ARABIC.finditer(text):
        whole, frac, unit = m.group(1), m.group(2) or "", m.group(3) or ""
        value = float(whole.replace(",", "") + frac)
        after = text[m.end() : m.end() + 1]
        # 2023年, or a bare 2023 — but 2023件 is a count that only looks like a year
        is_year = (
            not frac
            and not unit
            and 1900 <= value <= 2100
            and (after == "年" or (len(whole) == 4 and (not after or after not in _MEASURE)))
        )
        out.append(
            Num(
                value,
                m.group(0).strip(),
                m.start(),
                percent=unit in ("%", "％"),
                year=is_year,
                ordinal=not unit and _structural(text, m.start(), m.start() + len(whole) + len(frac)),
                decimals=max(0, len(frac) - 1),
                wan=unit == "万",
            )
        )
        taken.append((m.start(), m.end()))
    for m in _CHINESE.finditer(text):
        pct, run, unit = m.group(1), m.group(2), m.group(3) or ""
        if any(s <= m.start() < e for s, e in taken):
            continue
        value = cn_value(run)
        if value is None:
            continue
        multi = len(run) >= 2 and any(c in _UNITS or c in _BIG for c in run)
        if not (pct or unit or multi):
            continue  # 统一, 进一步, 三安全一稳定: characters, not a count
        start = m.start(2)
        end = m.end(2)
        if run in ("万", "亿", "千", "百") or (run[0] in _BIG and not pct):
            continue  # 万余, 百姓, 千方百计
        before = text[max(0, start - 1) : start]
        if not pct and before and before in "上下同每这那某单统唯逐进":
            continue  # 上一年, 每一次, 同一件
        out.append(
            Num(
                value,
                m.group(0),
                m.start(),
                percent=bool(pct) or unit in ("%", "％"),
                year=len(run) == 4 and all(c in _DIGITS for c in run) and text[end : end + 1] == "年",
                ordinal=not pct and _structural(text, start, end),
                decimals=len(run.partition("点")[2]),
            )
        )
    return sorted(out, key=lambda n: n.start)
