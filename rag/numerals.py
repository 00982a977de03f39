"""Question text normalization: simplified script, half-width ASCII, Arabic numerals.

Questions are matched against simplified, half-width, lower-case lexicon words and catalog
aliases, and years/counts are parsed from Arabic digits, so every question goes through
`normalize_question` first. Chinese numerals are converted only where they count something
(followed by 年/件/个…) so that words like 第三方, 三安全一稳定, 表三 or 上一年 stay intact.
"""

from __future__ import annotations

import re

import cn2an

from nianbao import template as T
from nianbao.text import to_simplified  # questions and reports are matched alike

# Full-width ASCII (！ to ～) -> half-width; ideographic space -> space.
_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_WIDTH[0x3000] = 0x20
# Keep the Chinese question/comma marks full-width-insensitive for later regexes: map both to ASCII.
_WIDTH.update({ord("。"): ord("."), ord("，"): ord(","), ord("、"): ord(",")})

_DIGIT = {"〇": "0", "零": "0", "○": "0", "Ｏ": "0", "O": "0", "一": "1", "二": "2", "两": "2"}
_DIGIT.update({"三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"})

_CN = "零〇一二两三四五六七八九十百千万"
# Digit-by-digit years: 二〇二三, 二零二三年.
_YEAR_DIGITS = re.compile(r"[〇零○一二三四五六七八九]{4}(?=年|$|[^一二三四五六七八九十百千万〇零])")
# Numerals that count something. Not after 上/下/同/每/本/这/第/表 (上一年, 每一年, 第三方, 表三).
_COUNT = re.compile(rf"(?<![上下同每本第表])[{_CN}]+(?=个?年|件|个|家|项|次|名|位|倍|万元|元|%|成)")
_PERCENT = re.compile(rf"百分之([{_CN}点]+)")
_TOP = re.compile(r"(?<=前)([一二两三四五六七八九十]+)(?=名|位|个|强)")


def _cn_to_int(s: str) -> str:
    try:
        v = cn2an.cn2an(s, "smart")
    except (ValueError, KeyError, TypeError):
        return s
    return str(int(v)) if float(v).is_integer() else str(v)


def convert_numerals(text: str) -> str:
    """Chinese numerals for years, counts and percentages -> Arabic digits."""
    text = _YEAR_DIGITS.sub(lambda m: "".join(_DIGIT[c] for c in m.group(0)), text)
    text = _PERCENT.sub(lambda m: _cn_to_int(m.group(1)) + "%", text)
    text = _TOP.sub(lambda m: _cn_to_int(m.group(1)), text)
    # 「2025三年」: a converted count never runs into the digits before it (2025 3年, not 20253年)
    return _COUNT.sub(lambda m: (" " if m.start() and m.string[m.start() - 1].isdigit() else "") + _cn_to_int(m.group(0)), text)


def normalize_question(text: str) -> str:
    """The matching form of a question: simplified, half-width, lower case, numerals as digits."""
    t = to_simplified(text or "").translate(_WIDTH)
    t = re.sub(r"\s+", " ", t).strip().lower()
    t = re.sub(r"(?<=[a-z])['’](?=[a-z])", "", t)  # huai'an -> huaian (pinyin keys)
    return colloquial_to_official(convert_numerals(t))


_COLLOQUIAL = [(re.compile(p), rep) for p, rep in T.COLLOQUIAL]


def colloquial_to_official(text: str) -> str:
    """Spoken forms of the template's words -> the template's own (没给公开 -> 不予公开), so one
    lexicon serves both registers (rules: nianbao.template.COLLOQUIAL)."""
    for pat, rep in _COLLOQUIAL:
        text = pat.sub(rep, text)
    return text
