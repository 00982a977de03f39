"""Tables by geometry: positioned words (a PDF's text layer, or OCR boxes) -> Grids whose cells sit
under their column headers.

Text extraction loses where a cell was: a report that leaves zeros blank prints `26 | | | | | | 26`,
and the text reads `26 26`, so every later number slides one column left. Here each number is
placed by its x-position instead:
- numbers that share a baseline form a table row; label words to their left (wrapped over two
  lines, or printed beside a group of rows) join the row whose band they fall in;
- consecutive rows of one table on one page form a block; the block's columns are the clusters
  of its numbers' x-centres, or — when a column holds no number at all — the stacks of header
  words above it (`商业` over `企业`), or the same table's columns on the previous page;
- each number goes to the nearest column; a column without a number stays an empty cell.
A row whose numbers cannot be placed (two in one column, one between columns) comes back in
print order, as text extraction gives it, so the table parser treats it as it always has
(and the arithmetic decides). The grids carry each cell's recogniser confidence for OCR'd pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median

from ingest import labels
from nianbao import template as T
from nianbao.text import normalize_line
from nianbao.types import Grid

_NUM = re.compile(r"^-?\d[\d,]*(?:\.\d+)?$")
# Where the tables are (as in ingest.textgrid.table_region): from 「二、主动公开」 to section 五/六.
_REGION_START = re.compile(r"二\s*、\s*主动公开政府信息|第二十条\s*第")
_REGION_END = re.compile(
    r"[五六]\s*[、.]\s*(?:政府信息公开工作)?(?:存在的?主要问题|主要问题|存在问题|其他需要报告)"
)
_CJK = re.compile(r"[\u3400-\u9fff]")
_TALL = 2.2  # a word this many line-heights tall is a label printed down a merged cell
EXPECTED_COLUMNS = {"三": 7}


@dataclass
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    conf: float = 1.0  # the recogniser's confidence (1.0 for a text layer)

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def yc(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def h(self) -> float:
        return self.bottom - self.top


def is_number(text: str) -> bool:
    return bool(_NUM.match(text.strip()))


@dataclass
class _Row:
    nums: list[Word]
    label: list[Word] = field(default_factory=list)

    @property
    def top(self) -> float:
        return min(w.top for w in self.nums)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.nums)

    @property
    def yc(self) -> float:
        return sum(w.yc for w in self.nums) / len(self.nums)


@dataclass
class _Text:
    words: list[Word]
    wrapped: bool = False  # one label wrapped over lines in a narrow cell: words in reading order

    @property
    def yc(self) -> float:
        return sum(w.yc for w in self.words) / len(self.words)

    def text(self) -> str:
        if self.wrapped:
            return "".join(w.text for w in self.words)
        return "".join(w.text for w in sorted(self.words, key=lambda w: w.x0))


@dataclass
class Block:
    """Consecutive table rows of one table on one page, and the x-centres of its columns."""

    table: str | None
    rows: list[_Row]
    headers: list[Word]
    anchors: list[float] | None = None
    pitch: float = 0.0


def _line_height(words: list[Word]) -> float:
    hs = [w.h for w in words if w.h > 0]
    return median(hs) if hs else 10.0


def _cluster_y(words: list[Word], tol: float) -> list[list[Word]]:
    groups: list[list[Word]] = []
    for w in sorted(words, key=lambda w: w.yc):
        if groups and abs(w.yc - sum(x.yc for x in groups[-1]) / len(groups[-1])) <= tol:
            groups[-1].append(w)
        else:
            groups.append([w])
    return groups


def _layout(words: list[Word]) -> tuple[list[_Row | _Text], float]:
    """Numeric rows (with their label words) and the remaining text lines, in reading order."""
    h = _line_height([w for w in words if is_number(w.text)] or words)
    tall = [w for w in words if w.h > _TALL * h and not is_number(w.text)]
    words = [w for w in words if w not in tall]
    nums = [w for w in words if is_number(w.text)]
    texts = [w for w in words if not is_number(w.text)]
    rows = [_Row(sorted(g, key=lambda w: w.x0)) for g in _cluster_y(nums, 0.45 * h)]
    # A line with words after its numbers, or whose text runs right up to its number, is
    # narrative (「共 95 件」, a sentence wrapping at 「共计 95」), not a table row.
    kept = []
    for r in rows:
        x_first = r.nums[0].x0
        same_line = [t for t in texts if r.top - 0.2 * h < t.yc < r.bottom + 0.2 * h]
        after = any(t.x0 > x_first and _CJK.search(t.text) for t in same_line)
        touching = len(r.nums) <= 2 and any(t.x1 <= x_first and x_first - t.x1 < 0.5 * h for t in same_line)
        if after or touching:
            texts.extend(r.nums)
            continue
        kept.append(r)
    rows = kept
    loose = _attach_labels(rows, texts, h)
    chains, loose = _wrapped_labels(loose, rows, h)
    lines = [_Text(sorted(g, key=lambda w: w.x0)) for g in _cluster_y(loose, 0.45 * h)]
    items: list[_Row | _Text] = [*rows, *lines, *chains]
    items.sort(key=lambda it: it.yc)
    return items, h


_ROW_START = re.compile(r"^\s*(?:[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+[、.]|\d+\s*[、.．])")


def _starts_label(w: Word) -> bool:
    """A word that begins a row label of its own (「（二）…」「3.…」, or a whole template label)
    never continues the label of the row above or below."""
    text = normalize_line(w.text)
    if _ROW_START.match(text):
        return True
    n = len(labels.compact(text))
    for t in ("二", "三", "四"):
        m = labels.match_row(text, t)
        if m is not None and (m.end - m.start) >= 0.9 * n:
            return True
    return False


def _attach_labels(rows: list[_Row], texts: list[Word], h: float) -> list[Word]:
    """Give each numeric row its label words; returns the words that belong to no row.

    A word on the row's own line (its band) joins the row. Other words join only as part of a
    label already joined (touching lines, overlapping in x: a label wrapped in its cell): a word
    that continues a label only below it, a word that starts a label (「（二）…」) only above it,
    as the first line of a label that has none yet — so neither the tail of the row above nor
    the label of a row printed all blank is ever glued onto a row's numbers."""
    loose: list[Word] = []
    for t in texts:
        best, dist = None, None
        for r in rows:
            if t.x1 > r.nums[0].x0 + 0.2 * h:
                continue
            if t.yc < r.top - 0.3 * h or t.yc > r.bottom + 0.3 * h:
                continue
            d = abs(t.yc - r.yc)
            if dist is None or d < dist:
                best, dist = r, d
        if best is None:
            loose.append(t)
        else:
            best.label.append(t)
    changed = True
    while changed and loose:
        changed = False
        for t in list(loose):
            starts = _starts_label(t)
            for r in rows:
                if t.x1 > r.nums[0].x0 + 0.2 * h:
                    continue
                if starts and any(_starts_label(a) for a in r.label):
                    continue  # the row has its label's first line: t begins another row's
                near = any(
                    min(a.x1, t.x1) > max(a.x0, t.x0)
                    and (0 <= a.top - t.bottom < 1.3 * h if starts else 0 <= t.top - a.bottom < 1.3 * h)
                    for a in r.label
                )
                if near:
                    r.label.append(t)
                    loose.remove(t)
                    changed = True
                    break
    return loose


def _wrapped_labels(loose: list[Word], rows: list[_Row], h: float) -> tuple[list[_Text], list[Word]]:
    """Loose label-zone words stacked in one narrow cell (a group label printed beside its rows,
    `（六）其` over `他处理`) read as one label, top to bottom; the rest stay loose."""
    if not rows:
        return [], loose

    def in_label_zone(w: Word) -> bool:
        r = min(rows, key=lambda r: abs(r.yc - w.yc))
        return w.x1 <= r.nums[0].x0

    cand = sorted((w for w in loose if in_label_zone(w)), key=lambda w: w.top)
    chains: list[list[Word]] = []
    used: set[int] = set()
    for w in cand:
        if id(w) in used:
            continue
        chain = [w]
        used.add(id(w))
        while True:
            last = chain[-1]
            nxt = [
                b for b in cand
                if id(b) not in used
                and min(b.x1, last.x1) > max(b.x0, last.x0)
                and 0 <= b.top - last.bottom < 1.3 * h
                and not _starts_label(b)
            ]
            if not nxt:
                break
            b = min(nxt, key=lambda b: b.top)
            chain.append(b)
            used.add(id(b))
        if len(chain) > 1:
            chains.append(chain)
    in_chain = {id(w) for c in chains for w in c}
    return [_Text(c, wrapped=True) for c in chains], [w for w in loose if id(w) not in in_chain]


def _label_text(r: _Row) -> str:
    """The row's label: label columns left to right (a group label printed beside its rows comes
    before the row's own label), each column's lines top to bottom (wrapped labels). Words that
    touch on one line are one piece first (a line pdfplumber split at a full-width comma)."""
    h = _line_height(r.label or r.nums)
    pieces: list[list[Word]] = []
    for w in sorted(r.label, key=lambda w: (w.yc, w.x0)):
        for p in pieces:
            last = p[-1]
            if abs(last.yc - w.yc) < 0.45 * h and 0 <= w.x0 - last.x1 < 0.6 * h:
                p.append(w)
                break
        else:
            pieces.append([w])
    cols: list[list[list[Word]]] = []
    for p in sorted(pieces, key=lambda p: p[0].x0):
        x0, x1 = p[0].x0, p[-1].x1
        for col in cols:
            if x0 < max(q[-1].x1 for q in col) and x1 > min(q[0].x0 for q in col):
                col.append(p)
                break
        else:
            cols.append([p])
    cols.sort(key=lambda col: min(q[0].x0 for q in col))
    return "".join(
        w.text for col in cols for p in sorted(col, key=lambda p: (p[0].yc, p[0].x0)) for w in p
    )


def _clusters(xs: list[float], gap: float) -> list[list[float]]:
    out: list[list[float]] = []
    for x in sorted(xs):
        if out and x - out[-1][-1] <= gap:
            out[-1].append(x)
        else:
            out.append([x])
    return out


def _stacks(headers: list[Word], left: float, right: float) -> list[float]:
    """x-centres of the header cells over the number columns: words stacked in one column
    (`社会`/`公益`/`组织`) are one cell; a header spanning several columns (`申请人情况`) is none."""
    cand = sorted((w for w in headers if left <= w.xc <= right), key=lambda w: w.x1 - w.x0)
    stacks: list[list[float]] = []  # [x0, x1]
    for w in cand:
        hits = [
            s for s in stacks if min(s[1], w.x1) - max(s[0], w.x0) > 0.3 * min(s[1] - s[0], w.x1 - w.x0)
        ]
        if not hits:
            stacks.append([w.x0, w.x1])
        elif len(hits) == 1:
            hits[0][0], hits[0][1] = min(hits[0][0], w.x0), max(hits[0][1], w.x1)
    return sorted((a + b) / 2 for a, b in stacks)


def _t2_header_parts(w: Word) -> list[Word]:
    """The column names inside one header word (a text layer may run `本年制发件数本年废止件数…`
    together): one part per column alias, its x-range in proportion to its characters
    (CJK glyphs are of one width)."""
    text = normalize_line(w.text)
    found = []
    for c in T.T2_COLUMNS.values():
        for a in c.aliases:
            i = text.find(a)
            while i >= 0:
                found.append((i, i + len(a)))
                i = text.find(a, i + 1)
    found.sort(key=lambda ij: (ij[0], -(ij[1] - ij[0])))
    parts: list[tuple[int, int]] = []
    for i, j in found:
        if not parts or i >= parts[-1][1]:
            parts.append((i, j))
    if len(parts) <= 1 or not text:
        return [w] if parts else []
    step = (w.x1 - w.x0) / len(text)
    return [Word(text[i:j], w.x0 + i * step, w.top, w.x0 + j * step, w.bottom, w.conf) for i, j in parts]


def _expected(block: Block) -> int | None:
    if block.table == "三":
        return EXPECTED_COLUMNS["三"]
    if block.table == "二":
        text = normalize_line("".join(w.text for w in sorted(block.headers, key=lambda w: (w.yc, w.x0))))
        cols = labels.t2_columns(text)
        return len(cols) or None
    if block.table == "四" and len(block.rows) == 1:
        return 15
    return None


def _fit(block: Block, h: float, previous: dict[str, list[float]]) -> None:
    """Choose the block's column anchors (see module docstring); None when they cannot be told."""
    xs = [w.xc for r in block.rows for w in r.nums]
    if not xs:
        return
    clusters = _clusters(xs, max(0.9 * h, 4.0))
    centres = [sum(c) / len(c) for c in clusters]
    k = _expected(block)
    if k is None or len(centres) == k:
        block.anchors = centres
    elif len(centres) < k:
        left = min(w.x0 for r in block.rows for w in r.nums) - 3 * h
        right = max(w.x1 for r in block.rows for w in r.nums) + 3 * h
        headers = block.headers
        if block.table == "二":  # only the words that name a column (not 信息内容, not the item)
            headers = [p for w in headers for p in _t2_header_parts(w)]
        heads = _stacks(headers, left, right)
        if len(heads) != k:  # sparse numbers (one row of table 四): the whole header's width
            heads = _stacks(headers, float("-inf"), float("inf"))
        prev = previous.get(block.table or "")
        if len(heads) == k and _covers(heads, centres):
            block.anchors = heads
        elif prev and len(prev) == k and _covers(prev, centres):
            block.anchors = prev
    if block.anchors and len(block.anchors) > 1:
        block.pitch = min(b - a for a, b in zip(block.anchors, block.anchors[1:], strict=False))
    elif block.anchors:
        block.pitch = 4 * h
    if block.anchors and block.table and k and len(block.anchors) == k:
        previous[block.table] = block.anchors


def _covers(anchors: list[float], centres: list[float]) -> bool:
    """Every column of numbers lies near one anchor (and no two share one)."""
    if len(anchors) < 2:
        return False
    pitch = min(b - a for a, b in zip(anchors, anchors[1:], strict=False))
    used = set()
    for c in centres:
        i = min(range(len(anchors)), key=lambda j: abs(anchors[j] - c))
        if abs(anchors[i] - c) > 0.45 * pitch or i in used:
            return False
        used.add(i)
    return True


def _blocks(
    items: list[_Row | _Text], h: float, table: str | None, carried: list[Word] | None = None
) -> tuple[list[Block], str | None, list[Word]]:
    """Consecutive rows of one table, split where header text crosses the number columns; each
    block gets the header words printed above it (those left over at the bottom of the previous
    page when a table's header and its rows fall on different pages). Returns the blocks, the
    table in force at the end, and the header words left over for the next page."""
    blocks: list[Block] = []
    headers: list[Word] = list(carried or [])
    current: Block | None = None
    for it in items:
        text = normalize_line(it.text() if isinstance(it, _Text) else _label_text(it))
        marker = labels.table_marker(text)
        if marker == "end":
            table = None
        elif marker in ("二", "三", "四"):
            if marker != table and isinstance(it, _Text):
                headers = []  # a new table: the previous table's headers say nothing about it
            table = marker
        if isinstance(it, _Text):
            x_left = current.rows[0].nums[0].x0 if current else None
            in_zone = x_left is not None and any(w.x1 > x_left - 0.5 * h for w in it.words)
            if current is not None and (in_zone or (marker and marker != current.table)):
                current = None
            if current is None:
                headers.extend(it.words)
            continue
        if current is None or current.table != table:
            current = Block(table, [], headers)
            blocks.append(current)
            headers = []
        current.rows.append(it)
    return blocks, table, (headers if current is None else [])


@dataclass
class PageLayout:
    items: list[_Row | _Text]
    blocks: list[Block]
    h: float


def analyse(words: list[Word], table: str | None = None, previous: dict | None = None) -> tuple[PageLayout, str | None]:
    """A page's rows, blocks and column anchors; `table`/`previous` carry the table in force and
    its columns over from the previous page."""
    items, h = _layout(words)
    previous = {} if previous is None else previous
    blocks, table, left_over = _blocks(items, h, table, previous.pop("_headers", None))
    previous["_headers"] = left_over
    for b in blocks:
        _fit(b, h, previous)
    return PageLayout(items, blocks, h), table


def _place(row: _Row, block: Block) -> list[Word | None] | None:
    """The row's numbers by column, or None when they cannot be placed unambiguously."""
    anchors = block.anchors
    if not anchors:
        return None
    out: list[Word | None] = [None] * len(anchors)
    for w in row.nums:
        i = min(range(len(anchors)), key=lambda j: abs(anchors[j] - w.xc))
        if abs(anchors[i] - w.xc) > 0.45 * block.pitch or out[i] is not None:
            return None
        out[i] = w
    return out


def empty_cells(words: list[Word]) -> list[tuple[float, float, float, float]]:
    """Boxes (x0, top, x1, bottom) where a table row crosses a column and no number was found:
    where OCR should look again."""
    layout, _ = analyse(words)
    out = []
    for b in layout.blocks:
        if not b.anchors or len(b.anchors) < 2:
            continue
        half = 0.45 * b.pitch
        for r in b.rows:
            placed = _place(r, b)
            if placed is None:
                continue
            for x, w in zip(b.anchors, placed, strict=True):
                if w is None:
                    out.append((x - half, r.top - 0.15 * layout.h, x + half, r.bottom + 0.15 * layout.h))
    return out


def _blank_t3_row(line: _Text, norm: str, rows: list[_Row], group: str | None) -> bool:
    """A label line of table 三 with no numbers beside it, left of the number columns."""
    m = labels.match_row(norm, "三", group) if rows else None
    if m is None or m.row.group or labels.table_marker(norm):
        return False  # a group label (（三）不予公开) is printed beside its rows, not as a row
    r = min(rows, key=lambda r: abs(r.yc - line.yc))
    return all(w.x1 <= r.nums[0].x0 for w in line.words)


def page_grids(pages: list[tuple[int, list[Word]]], ocr_pages: set[int] | None = None) -> list[Grid]:
    """One Grid per page, pages in order: [label, cell, cell, …] rows with empty strings where a
    column has no number; header and heading lines as one-cell rows so the table parser still
    sees them. Only the table region (「二、主动公开」 to section 五) is kept. Grids of pages in
    `ocr_pages` have source "ocr" and carry each cell's confidence."""
    ocr_pages = ocr_pages or set()
    grids: list[Grid] = []
    table: str | None = None
    previous: dict[str, list] = {}
    state = "before"  # before / in / after the table region
    group: str | None = None
    for page_no, words in pages:
        in_table = table
        layout, table = analyse(words, table, previous)
        rows: list[list[str]] = []
        confs: list[list[float | None]] = []
        block_of = {id(r): b for b in layout.blocks for r in b.rows}
        num_rows = [it for it in layout.items if isinstance(it, _Row)]
        for it in layout.items:
            text = it.text() if isinstance(it, _Text) else _label_text(it)
            norm = normalize_line(text)
            if state == "before" and _REGION_START.search(norm):
                state = "in"
            elif state == "in" and _REGION_END.search(norm):
                state = "after"
            marker = labels.table_marker(norm)
            if marker in ("二", "三", "四"):
                in_table = marker
            if state != "in":
                continue
            if isinstance(it, _Text):
                if in_table == "三" and _blank_t3_row(it, norm, num_rows, group):
                    # a row printed all blank (the report leaves zeros blank): its label, 7 empty cells
                    rows.append([text, *[""] * EXPECTED_COLUMNS["三"]])
                    confs.append([None] * (1 + EXPECTED_COLUMNS["三"]))
                else:
                    rows.append([text])
                    confs.append([None])
                group = labels.group_context(norm, group)
                continue
            group = labels.group_context(norm, group)
            placed = _place(it, block_of[id(it)]) if id(it) in block_of else None
            if placed is None:
                cells = [w.text for w in it.nums]
                cc = [w.conf for w in it.nums]
            else:
                cells = ["" if w is None else w.text for w in placed]
                cc = [None if w is None else w.conf for w in placed]
            if text:
                rows.append([text, *cells])
                confs.append([None, *cc])
            else:  # no label (table 四's one row): an empty label cell would read as a blank number
                rows.append(cells)
                confs.append(cc)
        if rows:
            ocr = page_no in ocr_pages
            grids.append(Grid(rows=rows, page=page_no, conf=confs if ocr else None, source="ocr" if ocr else ""))
    return grids


def text_lines(words: list[Word]) -> list[str]:
    """Words grouped into printed lines, top to bottom, each left to right (OCR'd page text)."""
    h = _line_height(words)
    out = []
    for g in _cluster_y(words, 0.45 * h):
        g.sort(key=lambda w: w.x0)
        line = ""
        for k, w in enumerate(g):
            if k and w.x0 - g[k - 1].x1 > 1.5 * h:
                line += " "
            line += w.text
        out.append(line)
    return out


def pdfplumber_words(page) -> list[Word]:  # noqa: ANN001
    """A text-layer page's words (pdfplumber) as `Word`s."""
    out = []
    for w in page.extract_words(keep_blank_chars=False, use_text_flow=False, x_tolerance=1.5):
        out.append(Word(w["text"], float(w["x0"]), float(w["top"]), float(w["x1"]), float(w["bottom"])))
    return out
