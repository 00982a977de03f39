"""Matching form of report text.

Reports arrive in traditional characters, with pinyin annotations from mirror sites (`據(jù)`),
doubled punctuation (`,、`), mixed full/half width and web-page clutter. Everything that *matches*
text (section headings, metadata, table labels, retrieval) works on `normalize(text)`; quoting
always uses the original. Each step is exposed on its own so callers can pick what they need.
All regexes are compiled once and the OpenCC converter is built once (normalize runs on every
report and every passage).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "normalize",
    "normalize_line",
    "to_simplified",
    "strip_pinyin",
    "clean_original",
    "repair_punctuation",
    "unify_width",
    "strip_clutter",
    "is_clutter_line",
    "normalize_with_offsets",
    "clutter_spans",
]

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_FW_PUNCT = "，、。；：！？（）《》“”‘’【】〔〕—…·"


# ------------------------------------------------------------------ traditional -> simplified
@lru_cache(maxsize=1)
def _converter():
    from opencc_purepy import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional -> simplified (OpenCC t2s, characters only; punctuation untouched)."""
    if not text:
        return text
    return _converter().t2s(text)


# ------------------------------------------------------------------ pinyin annotations
# Tone-marked vowels, ü and combining diacritics: a parenthesised run containing one of these
# right after a Chinese character is a pinyin annotation (據(jù), 說(shuō)); plain toneless syllables
# are accepted only when they look like a pinyin syllable, so (一), (2024年), (PDF), (a) stay.
_TONE = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ\u0300-\u036f"
_PINYIN_RE = re.compile(rf"(?<=[{_CJK}])[ \t]?\(([a-z{_TONE}]{{1,8}})\)")
_TONELESS_SYLLABLE = re.compile(
    r"^(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|van|ai|ei|ao|ou|an|en|in|un|vn|ia|ie|iu|ua|uo|ui|ve|er|a|o|e|i|u|v)$"
)
_HAS_TONE = re.compile(f"[{_TONE}]")


def _pinyin_sub(m: re.Match) -> str:
    body = m.group(1)
    if _HAS_TONE.search(body):
        return ""
    if len(body) >= 2 and _TONELESS_SYLLABLE.match(body):
        return ""
    return m.group(0)


def strip_pinyin(text: str) -> str:
    """Remove pinyin annotations like `據(jù)` -> `據`; never real parenthesised content."""
    if "(" not in text:
        return text
    return _PINYIN_RE.sub(_pinyin_sub, text)


# ------------------------------------------------------------------ width
_FULL_ASCII = {chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)}  # ０-９
_FULL_ASCII.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FULL_ASCII.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_FULL_ASCII.update({"\u3000": " ", "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u200b": "", "\ufeff": ""})
_FULL_ASCII.update(
    {"．": ".", "％": "%", "＋": "+", "－": "-", "／": "/", "＝": "=", "～": "~", "＃": "#", "＠": "@"}
)
_WIDTH_TABLE = str.maketrans(_FULL_ASCII)

_CJK_OR_FW = f"[{_CJK}{_FW_PUNCT}]"
_SPACE_NEAR_CJK = re.compile(rf"(?<={_CJK_OR_FW})[ \t]+|[ \t]+(?={_CJK_OR_FW})")
_MULTI_SPACE = re.compile(r"[ \t]{2,}")
_COMMA = re.compile(r"(?<!\d),|,(?!\d)")
_SEMI = re.compile(r";")
_COLON = re.compile(r"(?<!\d):(?!//)|(?<=\d):(?!\d)(?!//)")
_QMARK = re.compile(rf"(?<=[{_CJK}])\?")
_EXCL = re.compile(rf"(?<=[{_CJK}])!")
_PARENS = re.compile(rf"\(([^()\n]{{0,80}}?[{_CJK}][^()\n]{{0,80}}?|\d{{1,2}})\)")
_FW_PARENS = re.compile(r"（([^（）\n]{0,80})\)|\(([^()（）\n]{0,80})）")


def unify_width(text: str) -> str:
    """Digits / ASCII letters half-width, Chinese punctuation full-width, spaces next to Chinese
    removed (PDF text prints `2023 年`, `邮 编 ：`)."""
    text = text.translate(_WIDTH_TABLE)
    text = _PARENS.sub(r"（\1）", text)
    text = _FW_PARENS.sub(lambda m: f"（{m.group(1) or m.group(2)}）", text)
    text = _COMMA.sub("，", text)
    text = _SEMI.sub("；", text)
    text = _COLON.sub("：", text)
    text = _QMARK.sub("？", text)
    text = _EXCL.sub("！", text)
    text = _SPACE_NEAR_CJK.sub("", text)
    return _MULTI_SPACE.sub(" ", text)


# ------------------------------------------------------------------ doubled punctuation
_PUNCT_RANK = {"，": 1, "、": 2, "：": 3, "；": 4, "。": 5, "！": 5, "？": 5}
_PUNCT_RUN = re.compile(r"[，、：；。！？]{2,}")


def _keep_strongest(m: re.Match) -> str:
    run = m.group(0)
    best = max(run, key=lambda ch: _PUNCT_RANK[ch])
    return best


def repair_punctuation(text: str) -> str:
    """Collapse runs like `，、` `，。` `，，` (crawler artefacts) to the strongest mark.
    Expects full-width punctuation (run `unify_width` first)."""
    return _PUNCT_RUN.sub(_keep_strongest, text)


# ------------------------------------------------------------------ clutter
_CLUTTER_LINE = re.compile(
    r"^\s*(?:"
    r"[-—–_]\s*\d{1,3}\s*[-—–_]"  # -3- / — 3 —
    r"|第\s*\d+\s*页\s*(?:[,，/]?\s*共\s*\d+\s*页)?"  # 第 3 页 共 9 页
    r"|\d+\s*/\s*\d+"  # 3/9
    r"|(?:当前位置|您所在的位置|您现在的位置|当前所在位置|所在位置)\s*[:：].{0,120}"
    r"|(?:首页\s*[>＞»/]\s*).{0,120}"
    r"|(?:【?\s*(?:字号|字体)\s*[:：]?\s*[大中小\s|｜]+】?)"
    r"|(?:打印本页|关闭窗口|打印|关闭|返回顶部|返回|收藏|附件下载|相关附件|扫一扫|分享到?[:：]?|"
    r"微信|微博|QQ空间|微信扫一扫|【?打印】?|【?关闭】?|\s|[|｜])+"
    r"|(?:上一篇|下一篇)\s*[:：].{0,80}"
    r"|(?:浏览次数|访问量|阅读次数|点击数)\s*[:：]\s*\d*"
    r")\s*$"
)
# Inline clutter inside one long crawler line (all text on one line).
_INLINE_CLUTTER = re.compile(
    r"(?:当前位置|您所在的位置|您现在的位置)\s*[:：][^。\n]{0,260}"
    r"(?:相关链接\s*[:：]\s*(?:-->)?|文件下载|文字版|全真版|QQ空间|微博|分享到?)(?:\s*-->)?"
    r"|【?\s*字号\s*[:：]?\s*大\s*中\s*小\s*】?"
    r"|(?:微信\s+微博\s+QQ空间|打印本页|关闭窗口)|\s*(?:附件下载|相关附件)\s*$"
)


def is_clutter_line(line: str) -> bool:
    """True for a whole line of web/print clutter: breadcrumbs, share buttons, page footers."""
    return bool(line.strip()) and bool(_CLUTTER_LINE.match(line))


def strip_clutter(text: str) -> str:
    """Remove clutter lines (breadcrumbs, share/print buttons, page footers like `-3-`,
    `第 3 页 共 9 页`, 字号 大 中 小) and the same clutter inlined in one-line crawler text."""
    lines = []
    for line in text.split("\n"):
        if is_clutter_line(line):
            continue
        lines.append(_INLINE_CLUTTER.sub("", line) if len(line) > 20 else line)
    return "\n".join(lines)


# ------------------------------------------------------------------ the whole thing
def normalize_line(text: str) -> str:
    """Matching form without clutter removal (for short strings: labels, headings, passages)."""
    text = unicodedata.normalize("NFC", text)
    text = strip_pinyin(text)
    text = to_simplified(text)
    text = unify_width(text)
    return repair_punctuation(text)


def normalize(text: str) -> str:
    """The matching form: clutter removed, pinyin stripped, simplified, width unified, doubled
    punctuation repaired. Line structure (newlines) is kept; CRLF becomes LF."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = strip_clutter(text)
    return normalize_line(text)


# ------------------------------------------------------------------ matching form with offsets
_ASCII_TO_FW = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "?": "？", "!": "！"}
_DROP_CHARS = frozenset(" \t\u3000\u00a0\u2002\u2003\u200b\ufeff\r")


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """A light matching form that keeps a map back to the original: returns (m, pos) with
    `text[pos[i]]` the original character of `m[i]`. Pinyin annotations and spaces are dropped,
    characters simplified, width unified, ASCII ,:;()?! made full-width. Newlines are kept; clutter
    and doubled punctuation are left alone (use it to *find* things, then quote `text`)."""
    if not text:
        return "", []
    dropped = bytearray(len(text))
    if "(" in text:
        for m in _PINYIN_RE.finditer(text):
            if not _pinyin_sub(m):
                dropped[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    simplified = to_simplified(text)
    if len(simplified) != len(text):  # phrase conversion changed lengths: go char by char
        simplified = "".join(to_simplified(ch) if len(to_simplified(ch)) == 1 else ch for ch in text)
    chars: list[str] = []
    pos: list[int] = []
    for i, ch in enumerate(simplified):
        if dropped[i] or ch in _DROP_CHARS:
            continue
        ch = _FULL_ASCII.get(ch, ch) or ""
        ch = _ASCII_TO_FW.get(ch, ch)
        if ch:
            chars.append(ch)
            pos.append(i)
    return "".join(chars), pos


def clutter_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of clutter in `text` (whole clutter lines and inline crawler clutter), so callers
    that keep original text (passages) can leave it out."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        end = offset + len(line)
        if is_clutter_line(line):
            spans.append((offset, end))
        elif len(line) > 20:
            spans.extend((offset + m.start(), offset + m.end()) for m in _INLINE_CLUTTER.finditer(line))
        offset = end + 1
    return spans


def clean_original(text: str) -> str:
    """The report's own words for quoting and labels: original characters (a traditional-character
    report stays traditional, DESIGN.md), only mirror artifacts removed: pinyin after characters,
    mixed widths, doubled punctuation."""
    text = unicodedata.normalize("NFC", text or "")
    return repair_punctuation(unify_width(strip_pinyin(text)))
