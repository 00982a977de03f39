"""HTML: visible text of block elements one per line, leaf `<table>`s as Grids.

Page chrome (script/style/nav/header/footer, share and print widgets) is dropped. rowspan and
colspan are expanded by copying the spanning cell's text into every position it covers, so a grid
is a plain rectangle. Where a table was, `text` gets its rows joined with " | " (one line per
row) so sections and offsets still read naturally; `Grid.line` points at the first of them.
Tables that contain other tables are page layout, not data: their content is walked as blocks.
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
    return _WS.sub(" ", _CJK_BREAK.sub("", raw)).strip()


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
            for dr in range(rs):
                if r + dr >= len(trs):
                    break
                for dc in range(cs):
                    grid.setdefault((r + dr, c + dc), text)
            c += cs
    if not grid:
        return []
    n_rows = len(trs)
    n_cols = max(c for _, c in grid) + 1
    rows = [[grid.get((r, c), "") for c in range(n_cols)] for r in range(n_rows)]
    return [row for row in rows if any(cell for cell in row)]


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


def load_html(path: Path, text: str, encoding: str | None) -> LoadedDocument:
    soup = BeautifulSoup(text, "lxml")
    root = soup.body or soup
    walker = _Walker()
    walker.walk(root)
    walker.flush()
    title = _WS.sub(" ", soup.title.get_text()).strip() if soup.title else ""
    head = "\n".join(walker.lines[:5])
    if title and title not in head:
        # The <title> often carries the report title that the page body leaves to an image.
        walker.lines.insert(0, title)
        for grid in walker.grids:
            grid.line = (grid.line or 0) + 1
    return LoadedDocument(
        path=str(path), format="html", text="\n".join(walker.lines), grids=walker.grids, encoding=encoding
    )
