"""The six standard sections (一 … 六) of a report and their （一）（二） sub-sections.

Headings are found in a light matching form of the text (simplified, pinyin and spaces dropped,
full-width punctuation: the document's one matching form, `doc.normalized`) and mapped back to offsets in the original
`doc.text`. A top-level heading is a numeral 一…六 followed by 、 (or ．, ，、 …) and, within a few
characters, a keyword of one of the template's sections (nianbao.template.SECTIONS); sections
must appear in template order. Headings may be on their own line or inline in one long crawler
line. Table labels that look like headings (「一、本年新收…」「（一）予以公开」) fail the keyword
test or match a template row label; 「第二十条第（一）项」 and 「一是」 are never headings.

Returns a flat list in document order: each top-level section spans its whole range (including
its sub-sections, path "一"), followed by its sub-sections (path "一/（二）"). Text before the
first section is "前言".
"""

from __future__ import annotations

import re

from nianbao.template import SECTIONS, T3_ROWS
from nianbao.types import LoadedDocument, Section

__all__ = ["split_sections", "leaf_sections", "PREFACE"]

PREFACE = "前言"
_NUMERALS = "一二三四五六七八九十"
_CJK = re.compile(r"[\u3400-\u9fff]")
# 一、 / 二，、 / 三. / 四． / 五 (space dropped) — then up to 30 chars before a keyword.
_TOP_RE = re.compile(r"(?:第)?([一二三四五六])(?:部分)?[、．.，：]{0,3}")
_SUB_RE = re.compile(r"（([一二三四五六七八九十]{1,3})）")
_TITLE_TAIL = re.compile(r"[^\n。，；：（）0-9]{0,16}?(?:情况|事项|工作)")
_MAX_GAP = 30  # chars between numeral and keyword
_WINDOW_STOP = re.compile(r"[\n0-9。]")  # a heading's keyword comes before any figure or sentence end
_SUB_TITLE_STOP = re.compile(r"[。：；，\n]|(?<=方面|情况|工作|事项|措施|问题)")
_TITLE_STRIP = " \t,，、。:：;；"
_MAX_SUB_TITLE = 40
_TABLE_LINE = re.compile(r"\|")
_T3_LABELS = tuple(
    re.sub(r"^（[一二三四五六七]）", "", r.label)[:4] for r in T3_ROWS if r.label.startswith("（")
)


def _line_bounds(m: str, i: int) -> tuple[int, int]:
    start = m.rfind("\n", 0, i) + 1
    end = m.find("\n", i)
    return start, (len(m) if end < 0 else end)


def _in_table_line(m: str, i: int) -> bool:
    s, e = _line_bounds(m, i)
    return bool(_TABLE_LINE.search(m, s, e))


def _keyword_section(m: str, start: int) -> tuple[int, int] | None:
    """(index into SECTIONS, end of the matched keyword) for a heading whose text begins at start."""
    window = m[start : start + _MAX_GAP + 20]
    stop = _WINDOW_STOP.search(window)
    if stop:
        window = window[: stop.start()]
    best = None
    for k, sdef in enumerate(SECTIONS):
        for kw in sdef.keywords:
            j = window.find(kw)
            if 0 <= j <= _MAX_GAP and (best is None or j < best[2]):
                best = (k, start + j + len(kw), j)
    if best is None:
        return None
    return best[0], best[1]


def _title_end(m: str, kw_end: int) -> int:
    """Extend a heading title past its keyword to 「…情况」/「…事项」 on the same line."""
    t = _TITLE_TAIL.match(m, kw_end)
    return t.end() if t else kw_end


def _top_headings(m: str) -> list[tuple[int, int, int]]:
    """(SECTIONS index, start in m, title end in m) in document order, template order enforced."""
    found: list[tuple[int, int, int]] = []
    next_k = 0
    for hit in _TOP_RE.finditer(m):
        i = hit.start()
        if i > 0 and (_CJK.match(m[i - 1]) and m[i - 1] != "第"):
            continue  # 统一、 / 之一、 : a numeral inside a word
        if m[hit.end() - 1 : hit.end()] not in "、．.，：" and not (i == 0 or m[i - 1] == "\n"):
            continue  # a bare numeral without separator only at line start
        if m[hit.end() : hit.end() + 1] == "是":
            continue  # 一是 …
        ks = _keyword_section(m, hit.end())
        if ks is None:
            continue
        k, kw_end = ks
        if k < next_k or _in_table_line(m, i):
            continue
        # Numeral and keyword should agree, unless the report skipped a section.
        if SECTIONS[k].number != hit.group(1) and _NUMERALS.index(hit.group(1)) < k:
            continue
        found.append((k, i, _title_end(m, kw_end)))
        next_k = k + 1
    return found


def _sub_headings(m: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """(numeral, start in m, title end in m) of （一）（二）… headings inside [start, end)."""
    out: list[tuple[str, int, int]] = []
    expected = 0
    for hit in _SUB_RE.finditer(m, start, end):
        i = hit.start()
        numeral = hit.group(1)
        if numeral not in _NUMERALS or _NUMERALS.index(numeral) != expected:
            continue
        before = m[i - 1] if i > 0 else "\n"
        if before == "第" or (_CJK.match(before) and before not in "况况"):
            continue  # 第（一）项, 本条（一）
        if _in_table_line(m, i):
            continue
        label = m[hit.end() : hit.end() + 4]
        if any(label.startswith(t) for t in _T3_LABELS):
            continue  # （一）予以公开 … : table 三 row labels
        line_end = _line_bounds(m, i)[1]
        stop = min(end, line_end, i + _MAX_SUB_TITLE)
        cut = _SUB_TITLE_STOP.search(m, hit.end() + 2, stop)
        title_end = cut.start() if cut else stop
        if re.search(r"\d{1,}\s*$", m[hit.end() : title_end]) and line_end <= i + _MAX_SUB_TITLE:
            continue  # a table row: label then figures
        out.append((numeral, i, title_end))
        expected += 1
    return out


def split_sections(doc: LoadedDocument) -> list[Section]:
    text = doc.text
    norm = doc.normalized
    m, pos = norm.text, norm.pos
    if not m:
        return []

    def orig(i: int) -> int:
        return pos[i] if i < len(pos) else len(text)

    def orig_end(i: int) -> int:  # exclusive end in the original for m[:i]
        return pos[i - 1] + 1 if 0 < i <= len(pos) else (0 if i <= 0 else len(text))

    tops = _top_headings(m)
    sections: list[Section] = []
    if not tops:
        return [Section(PREFACE, PREFACE, 0, len(text))] if text.strip() else []
    first = orig(tops[0][1])
    if text[:first].strip():
        sections.append(Section(PREFACE, PREFACE, 0, first))
    for n, (k, s, title_end) in enumerate(tops):
        e_m = tops[n + 1][1] if n + 1 < len(tops) else len(m)
        start, end = orig(s), (orig(e_m) if n + 1 < len(tops) else len(text))
        number = SECTIONS[k].number
        title = text[start : orig_end(title_end)].strip(_TITLE_STRIP)
        sections.append(Section(number, title, start, end))
        subs = _sub_headings(m, title_end, e_m)
        for j, (numeral, ss, st_end) in enumerate(subs):
            sub_end_m = subs[j + 1][1] if j + 1 < len(subs) else e_m
            s_start = orig(ss)
            s_end = orig(sub_end_m) if j + 1 < len(subs) else end
            sub_title = text[s_start : orig_end(st_end)].strip(_TITLE_STRIP)
            sections.append(Section(f"{number}/（{numeral}）", sub_title, s_start, s_end))
    return sections


def leaf_sections(sections: list[Section]) -> list[Section]:
    """A partition of the text: sub-sections, plus each top section's text before its first
    sub-section (kept under the top path). Used to chunk passages without crossing sections."""
    out: list[Section] = []
    children: dict[str, list[Section]] = {}
    for s in sections:
        if "/" in s.path:
            children.setdefault(s.path.split("/")[0], []).append(s)
    for s in sections:
        if "/" in s.path:
            continue
        kids = children.get(s.path, [])
        if not kids:
            out.append(s)
            continue
        if kids[0].start > s.start:
            out.append(Section(s.path, s.title, s.start, kids[0].start))
        out.extend(kids)
    return out
