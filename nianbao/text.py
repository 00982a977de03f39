"""Matching form of report text, computed once per document with offsets back to the original.

Reports arrive in traditional characters, with pinyin annotations from mirror sites (`據(jù)`),
doubled punctuation (`,、`), mixed full/half width, Kangxi radicals and compatibility ideographs
from PDF printing (`⾰` for `革`), zero-width and non-breaking spaces, markdown and HTML residue
(`# 标题`, `&nbsp;`, `<span>`) and web-page clutter. Everything that *matches* text (metadata,
section headings, table labels, retrieval) works on the matching form; quoting always uses the
original. `normalize_document(text)` builds that form once, as a `NormText` whose `pos` maps every
matching character back to its original character, so every reader of one document sees the same
normalized text (and `LoadedDocument.normalized` caches it). `normalize` / `normalize_line` are
the same steps for short strings. All regexes and the OpenCC converter are built once.
"""

from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_left
from functools import cached_property, lru_cache

__all__ = [
    "NormText",
    "normalize_document",
    "fold_compat",
    "strip_markup",
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


# ------------------------------------------------------------------ compatibility characters
# PDF printing and Word export write Kangxi radicals (U+2F00…, `⾰` for `革`), CJK compatibility
# ideographs, full-width forms, circled/parenthesised numerals and odd spaces: NFKC maps them to
# the ordinary characters. It is applied per character, only in these blocks, because NFKC would
# also turn the Chinese punctuation we keep (，：（）) into ASCII.
_COMPAT_BLOCKS = (
    (0x2E80, 0x2FDF),  # CJK radicals supplement, Kangxi radicals
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x2F800, 0x2FA1F),  # CJK compatibility ideographs supplement
    (0xFF01, 0xFFEF),  # full-width and half-width forms
    (0x2460, 0x24FF),  # ① ⑴ ⒈
    (0x3200, 0x32FF),  # ㈠ ㊀
    (0x2150, 0x218F),  # Ⅳ
    (0x2000, 0x200A),  # en/em/thin spaces
)
_KEEP_FW = set("！（），：；？")
# Radicals of the supplement block that stand for a whole simplified character (NFKC leaves them).
_RADICAL_SUPPLEMENT = dict(
    zip(
        "⺠⻄⻅⻆⻉⻋⻓⻔⻘⻚⻛⻜⻝⻢⻥⻦⻨⻩⻬⻮⻰⻳",
        "民西见角贝车长门青页风飞食马鱼鸟麦黄齐齿龙龟",
        strict=True,
    )
)
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\r"
_SPACES = "\u00a0\u3000\u202f\u205f"


@lru_cache(maxsize=1)
def _compat_maps() -> tuple[dict[int, str], re.Pattern]:
    """(1:1 translate table, pattern of characters that expand or vanish) for `fold_compat`."""
    one: dict[int, str] = {}
    multi: list[str] = []
    for lo, hi in _COMPAT_BLOCKS:
        for c in range(lo, hi + 1):
            ch = chr(c)
            if ch in _KEEP_FW:
                continue
            folded = _RADICAL_SUPPLEMENT.get(ch) or unicodedata.normalize("NFKC", ch)
            if folded == ch:
                continue
            if len(folded) == 1:
                one[c] = folded
            else:
                multi.append(ch)
    for ch in _SPACES:
        one[ord(ch)] = " "
    multi += list(_ZERO_WIDTH)
    return one, re.compile("[" + "".join(re.escape(ch) for ch in multi) + "]")


@lru_cache(maxsize=1)
def _compat_present() -> re.Pattern:
    """Any character `fold_compat` changes one for one (the common Chinese punctuation is not one)."""
    return re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_compat_maps()[0])) + "]")


def _compat_sub(m: re.Match) -> str:
    ch = m.group(0)
    return "" if ch in _ZERO_WIDTH else unicodedata.normalize("NFKC", ch)


def fold_compat(text: str) -> str:
    """Kangxi radicals, compatibility ideographs, full-width forms, circled numerals -> ordinary
    characters (NFKC, per character); zero-width characters removed; odd spaces -> space."""
    return _run(text, clutter=False, simplify=False, markup=False, width=False).s


# ------------------------------------------------------------------ markdown / HTML residue
_ENTITY = re.compile(r"&(?:nbsp|ensp|emsp|thinsp|amp|lt|gt|quot|apos|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});")
_INLINE_TAG = re.compile(
    r"</?(?:span|font|b|i|u|em|strong|a|sup|sub|small|big|o:p|st1:[a-z]+)(?:\s[^<>\n]{0,300})?/?>", re.I
)
_BLOCK_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9:]{0,10}(?:\s[^<>\n]{0,300})?/?>|<!--[^\n]{0,300}?-->")
_MD_HEADING = re.compile(r"^[ \t]{0,3}(?:#{1,6}|>)[ \t]*", re.M)
_MD_RULE = re.compile(r"^[ \t]*\|?(?:[ \t]*:?-{3,}:?[ \t]*\|?)+[ \t]*$", re.M)
_MD_LIST = re.compile(r"^[ \t]*(?:[*+]|-(?=[ \t]+\D))[ \t]+", re.M)
_MD_EMPHASIS = re.compile(r"\*\*|__|`+|(?<=[\u3400-\u9fff])\*|\*(?=[\u3400-\u9fff])")
_MD_LINK_OPEN = re.compile(r"!?\[(?=[^\[\]\n]{1,200}\]\([^()\s]{1,400}\))")
_MD_LINK_CLOSE = re.compile(r"(?<=[^\[\]\n])\]\([^()\s]{1,400}\)")


def _entity(m: re.Match) -> str:
    out = html.unescape(m.group(0))
    return " " if out in ("\xa0", "\u2002", "\u2003", "\u2009") else out


def strip_markup(text: str) -> str:
    """Markdown and HTML left in text (`# 标题`, `**加粗**`, `&nbsp;`, `<span>`, `|---|`) removed;
    the words stay."""
    return _run(text, clutter=False, simplify=False, markup=True, width=False).s


# ------------------------------------------------------------------ one pipeline, with offsets
class _Mapped:
    """A string with, for each character, the index of the original character it came from."""

    __slots__ = ("s", "pos")

    def __init__(self, s: str) -> None:
        self.s = s
        self.pos = list(range(len(s)))

    def sub(self, rx: re.Pattern, repl) -> None:  # noqa: ANN001 - literal str or callable
        s, pos = self.s, self.pos
        out: list[str] = []
        spans: list[tuple[int, int, str]] = []
        last = 0
        fn = repl if callable(repl) else None
        for m in rx.finditer(s):
            a, b = m.span()
            r = fn(m) if fn else repl
            if r == s[a:b]:
                continue
            out.append(s[last:a])
            out.append(r)
            spans.append((a, b, r))
            last = b
        if not out:
            return
        out.append(s[last:])
        self.s = "".join(out)
        if all(len(r) == b - a for a, b, r in spans):
            return  # one character for one: the offsets stay
        opos: list[int] = []
        last = 0
        for a, b, r in spans:
            opos += pos[last:a]
            if len(r) == b - a:
                opos += pos[a:b]
            elif r:
                opos += [pos[a] if a < len(pos) else (pos[-1] + 1 if pos else 0)] * len(r)
            last = b
        opos += pos[last:]
        self.pos = opos

    def drop_spans(self, spans: list[tuple[int, int]]) -> None:
        """Drop characters whose original index falls in one of `spans` (only before any sub)."""
        if not spans:
            return
        keep = bytearray(b"\x01") * len(self.s)
        for a, b in spans:
            keep[a:b] = b"\x00" * (b - a)
        self.pos = [i for i in self.pos if keep[i]]
        self.s = "".join(self.s[i] for i in self.pos)

    def translate(self, table: dict[int, str], present: re.Pattern) -> None:  # 1:1 maps only
        if present.search(self.s):  # translate with a large table is slow: only when needed
            self.s = self.s.translate(table)


_WIDTH_ONE = str.maketrans({k: v for k, v in _FULL_ASCII.items() if len(v) == 1})
_WIDTH_PRESENT = re.compile("[" + "".join(re.escape(k) for k, v in _FULL_ASCII.items() if len(v) == 1) + "]")

_ASCII_TO_FW = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "?": "？", "!": "！"}


def _simplify(mt: _Mapped) -> None:
    simplified = to_simplified(mt.s)
    if len(simplified) == len(mt.s):
        mt.s = simplified
        return
    # A phrase conversion changed lengths somewhere: convert line by line, char by char there.
    lines = []
    for line in mt.s.split("\n"):
        conv = to_simplified(line)
        if len(conv) != len(line):
            conv = "".join(c if len(c) == 1 else ch for ch in line for c in [to_simplified(ch)])
        lines.append(conv)
    mt.s = "\n".join(lines)


def _run(text: str, *, clutter: bool, simplify: bool, markup: bool = True, width: bool = True) -> _Mapped:
    """The normalization steps in their one order. Newlines are never added or removed, so line
    i of the result is line i of the input."""
    mt = _Mapped(text)
    if clutter:
        mt.drop_spans(clutter_spans(text))
    one, multi = _compat_maps()
    mt.translate(one, _compat_present())
    mt.sub(multi, _compat_sub)
    if markup:
        if "&" in mt.s:
            mt.sub(_ENTITY, _entity)
        if "<" in mt.s:
            mt.sub(_INLINE_TAG, "")
            mt.sub(_BLOCK_TAG, " ")
        for rx in (_MD_RULE, _MD_HEADING, _MD_LIST, _MD_LINK_OPEN, _MD_LINK_CLOSE, _MD_EMPHASIS):
            mt.sub(rx, "")
    if not width:
        return mt
    if "(" in mt.s:
        mt.sub(_PINYIN_RE, _pinyin_sub)
    if simplify:
        _simplify(mt)
    mt.translate(_WIDTH_ONE, _WIDTH_PRESENT)
    for rx, repl in (
        (_PARENS, lambda m: f"（{m.group(1)}）"),
        (_FW_PARENS, lambda m: f"（{m.group(1) or m.group(2)}）"),
        (_COMMA, "，"),
        (_SEMI, "；"),
        (_COLON, "："),
        (_QMARK, "？"),
        (_EXCL, "！"),
        (_SPACE_NEAR_CJK, ""),
        (_MULTI_SPACE, " "),
        (_PUNCT_RUN, _keep_strongest),
    ):
        mt.sub(rx, repl)
    return mt


class NormText:
    """The matching form of one document: `text`, and `pos[i]` = index in `original` of the
    character `text[i]` came from. Lines correspond one to one (`lines[i]` is original line i)."""

    def __init__(self, original: str, text: str, pos: list[int]) -> None:
        self.original = original
        self.text = text
        self.pos = pos

    @cached_property
    def lines(self) -> tuple[str, ...]:
        return tuple(self.text.split("\n"))

    def orig(self, i: int) -> int:
        """Original offset of matching offset i (len(original) at the end)."""
        return self.pos[i] if 0 <= i < len(self.pos) else len(self.original)

    def orig_end(self, i: int) -> int:
        """Exclusive original end of `text[:i]`."""
        if i <= 0:
            return 0
        return self.pos[i - 1] + 1 if i <= len(self.pos) else len(self.original)

    def index(self, orig_offset: int) -> int:
        """First matching offset at or after an original offset."""
        return bisect_left(self.pos, orig_offset)

    def of_span(self, start: int, end: int) -> str:
        """The matching form of original `original[start:end]`."""
        return self.text[self.index(start) : self.index(end)]


@lru_cache(maxsize=16)
def normalize_document(text: str) -> NormText:
    """The matching form of a whole document, with offsets (cached: every reader of one document
    gets the same object). Clutter is dropped inside lines; no line is added or removed."""
    text = text or ""
    mt = _run(text, clutter=True, simplify=True)
    return NormText(text, mt.s, mt.pos)


# ------------------------------------------------------------------ short strings
@lru_cache(maxsize=8192)
def normalize_line(text: str) -> str:
    """Matching form without clutter removal (for short strings: labels, headings, passages;
    cached, since table labels and cells repeat)."""
    return _run(text or "", clutter=False, simplify=True).s


def normalize(text: str) -> str:
    """The matching form: clutter lines removed, compatibility characters folded, markup residue
    dropped, pinyin stripped, simplified, width unified, doubled punctuation repaired. Line
    structure (newlines) is kept; CRLF becomes LF."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return normalize_line(strip_clutter(text))


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """(matching form, offsets) of a document: `text[pos[i]]` is the original of `m[i]`."""
    nt = normalize_document(text)
    return nt.text, nt.pos


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


@lru_cache(maxsize=8192)
def clean_original(text: str) -> str:
    """The report's own words for quoting and labels: original characters (a traditional-character
    report stays traditional, DESIGN.md), only rendering artifacts removed: compatibility
    characters, markup residue, pinyin after characters, mixed widths, doubled punctuation."""
    return _run(text or "", clutter=False, simplify=False).s
