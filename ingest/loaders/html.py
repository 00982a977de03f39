"""HTML: visible text of block elements one per line, leaf `<table>`s as Grids.

Page chrome (script/style/nav/header/footer, share and print widgets) is dropped. rowspan and
colspan are expanded by copying the spanning cell's text into every position it covers, so a grid
is a plain rectangle. Where a table was, `text` gets its rows joined with " | " (one line per
row) so sections and offsets still read naturally; `Grid.line` points at the first of them.
Tables that contain other tables are page layout, not data: their content is walked as blocks.

Real pages add three things handled here:
- a whole saved web page (site navigation, scripts, lists of other reports, footers around the
  report): the walk starts at the smallest element holding the report's section headings, with
  the report's title heading from just before it;
- a number split over several inline runs (Word export: `<span>1</span> <span>2</span>`) is one
  number: whitespace between digits inside one cell is removed;
- a number in a cell spanning two columns is one number: colspan copies are made for label
  cells only, never for a numeric or blank cell (else `13` under a merged header reads twice).
"""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from nianbao.types import Grid, LoadedDocument

_DROP_TAGS = {
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "iframe",
    "form",
    "button",
    "select",
    "input",
    "textarea",
    "svg",
    "canvas",
    "object",
    "embed",
    "head",
    "template",
}
_CLUTTER_ATTR = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|breadcrumb|crumb|footer|header|share|bdshare|"
    r"print|toolbar|fontsize|font-size|sidebar|topbar|position|location)(?:$|[\s_-])",
    re.I,
)
_BLOCK_TAGS = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "aside",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "address",
    "center",
    "figure",
    "figcaption",
    "caption",
    "body",
    "html",
    "tbody",
    "thead",
    "tfoot",
    "tr",
    "td",
    "th",
    "table",
}
_WS = re.compile(r"[ \t\r\n\f\v\u00a0\u3000]+")
_MAX_SPAN = 200


def _is_clutter(tag: Tag) -> bool:
    if tag.name in _DROP_TAGS:
        return True
    attrs = tag.attrs or {}
    ident = " ".join([attrs.get("id") or "", *(attrs.get("class") or [])])
    if ident and _CLUTTER_ATTR.search(ident):
        return True
    style = (attrs.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


_CJK_BREAK = re.compile(r"(?<=[\u3400-\u9fff])\s*\n\s*(?=[\u3400-\u9fff])")
_SPLIT_NUMBER = re.compile(r"^[\d\s.,]*\d[\d\s.,]*(?:万元|元|件|个|项|%)?$")
_NUMERIC_OR_BLANK = re.compile(r"^\s*(?:-?[\d.,]+\s*(?:万元|元|件|个|项|%)?|[-—–/－]*)\s*$")
_SPAN_COPY = object()  # a colspan position covered by a numeric cell: not a cell of its own


def _cell_text(cell: Tag) -> str:
    """Cell text on one line: labels printed one character per line are joined back together."""
    for br in cell.find_all("br"):
        br.replace_with("\n")
    parts = []
    for s in cell.find_all(string=True):
        if isinstance(s, Comment) or (s.parent is not None and s.parent.name in ("script", "style")):
            continue
        parts.append(str(s))
    raw = "".join(parts)
    text = _WS.sub(" ", _CJK_BREAK.sub("", raw)).strip()
    if " " in text and _SPLIT_NUMBER.match(text):
        text = text.replace(" ", "")  # one number printed in several runs
    return text


def _span(cell: Tag, name: str) -> int:
    try:
        return max(1, min(_MAX_SPAN, int(str(cell.get(name, "1")).strip() or "1")))
    except ValueError:
        return 1


def table_to_rows(table: Tag) -> list[list[str]]:
    """Expand rowspan/colspan into a rectangular list of rows ("" for blank cells)."""
    trs = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    grid: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(trs):
        c = 0
        for cell in tr.find_all(["td", "th"], recursive=False):
            while (r, c) in grid:
                c += 1
            text = _cell_text(cell)
            rs, cs = _span(cell, "rowspan"), _span(cell, "colspan")
            numeric = bool(_NUMERIC_OR_BLANK.match(text))
            for dr in range(rs):
                if r + dr >= len(trs):
                    break
                for dc in range(cs):
                    grid.setdefault((r + dr, c + dc), _SPAN_COPY if (dc and numeric) else text)
            c += cs
    if not grid:
        return []
    n_rows = len(trs)
    n_cols = max(c for _, c in grid) + 1
    rows = [
        [v for v in (grid.get((r, c), "") for c in range(n_cols)) if v is not _SPAN_COPY]
        for r in range(n_rows)
    ]
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    # a row printed all blank stays (a report that leaves zeros blank prints table 四 that way)
    return [row for row in rows if any(cell for cell in row) or len(row) >= 5]


class _Walker:
    """Depth-first walk that emits lines and grids in document order."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.grids: list[Grid] = []
        self._buf: list[str] = []

    def flush(self) -> None:
        line = _WS.sub(" ", "".join(self._buf)).strip()
        if line:
            self.lines.append(line)
        self._buf = []

    def walk(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                self._buf.append(str(child))
                continue
            if not isinstance(child, Tag) or _is_clutter(child):
                continue
            if child.name == "br":
                self.flush()
            elif child.name == "table" and child.find("table") is None:
                self.flush()
                rows = table_to_rows(child)
                if rows:
                    self.grids.append(Grid(rows=rows, line=len(self.lines) + 1))
                    self.lines.extend(" | ".join(row) for row in rows)
            elif child.name in _BLOCK_TAGS:
                self.flush()
                self.walk(child)
                self.flush()
            else:
                self.walk(child)


# Words of a report's own sections and tables (simplified and traditional). The report is the
# smallest element holding every occurrence; navigation, related-report lists and footers hold none.
_MARKERS = re.compile(
    "总体情况|總體情況|主动公开政府信息情况|主動公開政府信息情況|收到和处理政府信息公开申请|收到和處理政府信息公開申請|"
    "结转下年度继续办理|結轉下年度繼續辦理|尚未审结|尚未審結|存在的主要问题|存在的主要問題|其他需要报告的事项|其他需要報告的事項"
)
_TITLE_HINT = re.compile(r"(?:19|20)\d{2}\s*年.{0,40}[报報]告")


def _report_root(root: Tag) -> tuple[Tag, str]:
    """(element to walk, title heading found before it): the smallest element holding every
    section/table marker, so a whole saved page loses its navigation and footers."""
    hits = []
    for s in root.find_all(string=_MARKERS):
        if not isinstance(s, Comment) and s.parent is not None and s.parent.name not in ("script", "style"):
            hits.append(s.parent)
    if len(hits) < 3:
        return root, ""
    common = None
    for h in hits:
        ids = {id(a) for a in [h, *h.parents]}  # identity: Tag == compares content
        if common is None:
            common = [h, *h.parents]
        else:
            common = [a for a in common if id(a) in ids]
    top = common[0] if common else root
    if top is root or top.name in ("html", "body", "[document]"):
        return root, ""
    title = ""
    for el in top.find_all_previous(["h1", "h2", "h3", "h4", "p", "div", "td", "span", "strong"], limit=60):
        t = _WS.sub(" ", el.get_text()).strip()
        if len(t) <= 80 and _TITLE_HINT.search(t):
            title = t
            break
    return top, title


def load_html(path: Path, text: str, encoding: str | None) -> LoadedDocument:
    soup = BeautifulSoup(text, "lxml")
    body = soup.body or soup
    root, heading = _report_root(body)
    walker = _Walker()
    walker.walk(root)
    walker.flush()
    title = _WS.sub(" ", soup.title.get_text()).strip() if soup.title else ""
    head = "\n".join(walker.lines[:5])
    if heading and heading not in head:
        title = heading
    if title and title not in head:
        # The <title> often carries the report title that the page body leaves to an image.
        walker.lines.insert(0, title)
        for grid in walker.grids:
            grid.line = (grid.line or 0) + 1
    return LoadedDocument(
        path=str(path), format="html", text="\n".join(walker.lines), grids=walker.grids, encoding=encoding
    )
