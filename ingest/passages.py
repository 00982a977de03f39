"""Narrative passages for retrieval: ~150–400 characters, cut at sentence ends, never crossing a
section, table content left out (tables are facts; narrative sentences inside table sections are
kept). Each passage quotes the original text and carries `search_text`, its span of the
document's one matching form (`doc.normalized`).

Table content is recognised per piece (a sentence or a line): ` | ` rows, label-plus-figures
rows (`规章 0 0 0`), digit-heavy runs (crawler text with run-together cells), and in sections
二/三/四 anything that does not read as a sentence. Crawler headers (`标题：…`) and web/print
clutter are left out too.
"""

from __future__ import annotations

import re

from ingest.sections import PREFACE, leaf_sections
from nianbao.template import SECTIONS
from nianbao.text import clutter_spans
from nianbao.types import LoadedDocument, Passage, Section

__all__ = ["make_passages", "MIN_CHARS", "TARGET_CHARS", "MAX_CHARS"]

MIN_CHARS = 150  # close a passage at the first sentence end after this many characters
TARGET_CHARS = 150
MAX_CHARS = 400
_TAIL_MERGE = 60  # a last passage shorter than this joins the previous one
_MIN_KEEP = 10  # passages with fewer Chinese characters are headings or debris

_TABLE_SECTIONS = {s.number for s in SECTIONS if s.table}
_PIECE = re.compile(r"[^。！？；;\n]*(?:[。！？；;]+[”’」』）)]?|\n|$)")
_CJK = re.compile(r"[\u3400-\u9fff]")
_DIGIT = re.compile(r"\d")
_FIGURE_ROW_1 = re.compile(r"^[^\d。，]{0,40}?\s*[\d.,]+(?:\s+[\d.,]+)*\s*$")
_FIGURE_ROW_2 = re.compile(r"^[^\d。，]{0,40}?\s*[\d.,]+(?:\s+[\d.,]+)+\s*$")
_BARE_NUMBER = re.compile(
    r"(?<![\d.])\d+(?:\.\d+)?(?![\d.]|\s*(?:[年月日件条个次人家项期万元亿%％余多场批名份篇号届倍天时分秒岁户座所类款部门套本]|，|。|、|；|：|）|\)|-|—|~|至))"
)
_NUMBERS_ONLY = re.compile(r"^[\s\d.,%、()（）-]*$")
_CRAWLER_HEADER = re.compile(
    r"^\s*(?:[\u4e00-\u9fff]{2,6}|[A-Za-z ]{2,12})\s*[:：]\s*\S{0,200}$|^\s*={3,}.*={3,}\s*$"
)
_BODY_MARKER = re.compile(r"^\s*[=＝-]{3,}\s*正文\s*[=＝-]{3,}\s*$", re.M)
_SENTENCE_END = re.compile(r"[。！？；;][”’」』）)]?\s*$")
_SOFT_BREAK = re.compile(r"[，、,]")
_WS = re.compile(r"\s+")


def _size(text: str) -> int:
    return len(_WS.sub("", text))


def _is_table_piece(piece: str, table_section: bool) -> bool:
    s = piece.strip()
    if not s:
        return True
    if "|" in s or _NUMBERS_ONLY.match(s):
        return True
    figure_row = _FIGURE_ROW_1 if table_section else _FIGURE_ROW_2
    if figure_row.match(s):
        return True
    bare = len(_BARE_NUMBER.findall(s))  # figures without a unit: table cells, run together or not
    if bare >= (2 if table_section else 3):
        return True
    if table_section:
        if not bare and _SENTENCE_END.search(s):
            return False  # a whole sentence with counted figures (「较上年的87件减少了30件。」) is prose
        return len(_CJK.findall(s)) < 0.5 * len(_WS.sub("", s))
    return False


def _is_header_line(text: str, a: int, b: int) -> bool:
    """A crawler header field (`发布时间：…`) on a line of its own, not a sentence."""
    whole_line = (a == 0 or text[a - 1] == "\n") and (
        b == len(text) or text[b - 1] == "\n" or text[b] == "\n"
    )
    piece = text[a:b]
    return (
        whole_line
        and len(piece) < 120
        and not re.search("[。，]", piece)
        and bool(_CRAWLER_HEADER.match(piece))
    )


def _body_start(text: str, start: int, end: int) -> int:
    """Crawler dumps mark where the page body begins (`==== 正文 ====`); skip what precedes it."""
    m = _BODY_MARKER.search(text, start, end)
    return m.end() if m else start


def _pieces(text: str, start: int, end: int, skip: list[tuple[int, int]], table_section: bool, preface: bool):
    """(start, end, keep) pieces of text[start:end]; consecutive kept pieces may join. Clutter
    inside a piece is cut out first and breaks the passage there."""
    out: list[tuple[int, int, bool]] = []
    for m in _PIECE.finditer(text, start, end):
        a, b = m.start(), m.end()
        if not text[a:b].strip():
            continue  # blank lines neither join nor break passages
        cuts = sorted((max(s, a), min(e, b)) for s, e in skip if s < b and a < e)
        stretches, cur = [], a
        for s, e in cuts:
            stretches.append((cur, s))
            cur = max(cur, e)
        stretches.append((cur, b))
        for s, e in stretches:
            if not text[s:e].strip():
                continue
            keep = not _is_table_piece(text[s:e], table_section)
            if keep and preface and _is_header_line(text, s, e):
                keep = False
            out.append((s, e, keep))
        if cuts:
            out.append((b, b, False))
    if table_section:
        out = _complete_sentences_only(text, out)
    return out


def _complete_sentences_only(text: str, pieces: list[tuple[int, int, bool]]) -> list[tuple[int, int, bool]]:
    """In table sections, a run of kept lines counts only if it ends a sentence (a wrapped table
    label like 「（二）部分公开（区分处理的，只计这一情形，不」 does not)."""
    out = list(pieces)
    i = 0
    while i < len(out):
        if not out[i][2]:
            i += 1
            continue
        j = i
        while j + 1 < len(out) and out[j + 1][2]:
            j += 1
        if not _SENTENCE_END.search(text[out[i][0] : out[j][1]]):
            for k in range(i, j + 1):
                out[k] = (out[k][0], out[k][1], False)
        i = j + 1
    return out


def _split_long(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Split one over-long sentence at commas so no passage exceeds MAX_CHARS."""
    spans = []
    while _size(text[a:b]) > MAX_CHARS:
        cut = None
        for m in _SOFT_BREAK.finditer(text, a, b):
            if _size(text[a : m.end()]) > MAX_CHARS:
                break
            cut = m.end()
        if cut is None or cut <= a:
            cut = a + MAX_CHARS
        spans.append((a, cut))
        a = cut
    spans.append((a, b))
    return spans


def _chunks(text: str, pieces: list[tuple[int, int, bool]]) -> list[tuple[int, int]]:
    chunks: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None

    def close():
        nonlocal cur
        if cur is not None:
            chunks.append(cur)
        cur = None

    for a, b, keep in pieces:
        if not keep:
            close()
            continue
        for pa, pb in _split_long(text, a, b):
            if cur is not None and _size(text[cur[0] : pb]) > MAX_CHARS:
                close()
            cur = (cur[0], pb) if cur is not None else (pa, pb)
            if _size(text[cur[0] : cur[1]]) >= MIN_CHARS and _SENTENCE_END.search(text[cur[0] : cur[1]]):
                close()
    close()
    # A short tail joins its neighbour when they are contiguous and the result stays in bounds.
    merged: list[tuple[int, int]] = []
    for a, b in chunks:
        if (
            merged
            and _size(text[a:b]) < _TAIL_MERGE
            and not text[merged[-1][1] : a].strip()
            and _size(text[merged[-1][0] : b]) <= MAX_CHARS + _TAIL_MERGE
        ):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _search_text(norm: str) -> str:
    """A chunk's matching form (already normalized) on one line: line breaks inside Chinese text joined."""
    norm = re.sub(
        r"(?<=[\u3400-\u9fff，。、；：“”（）《》])\n|\n(?=[\u3400-\u9fff，。、；：“”（）《》])", "", norm
    )
    return _WS.sub(" ", norm).strip()


def make_passages(doc: LoadedDocument, sections: list[Section]) -> list[Passage]:
    text = doc.text
    skip = clutter_spans(text)
    passages: list[Passage] = []
    for leaf in leaf_sections(sections):
        top = leaf.path.split("/")[0]
        start = _body_start(text, leaf.start, leaf.end) if leaf.path == PREFACE else leaf.start
        pieces = _pieces(text, start, leaf.end, skip, top in _TABLE_SECTIONS, leaf.path == PREFACE)
        for a, b in _chunks(text, pieces):
            raw = text[a:b]
            lead = len(raw) - len(raw.lstrip())
            a, b = a + lead, b - (len(raw) - len(raw.rstrip()))
            chunk = text[a:b]
            if len(_CJK.findall(chunk)) < _MIN_KEEP or chunk == leaf.title:
                continue
            passages.append(
                Passage(
                    text=chunk,
                    section=leaf.path,
                    section_title=leaf.title,
                    start=a,
                    end=b,
                    page=doc.page_at(a),
                    search_text=_search_text(doc.normalized.of_span(a, b)),
                )
            )
    return passages
