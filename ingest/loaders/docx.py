"""DOCX (python-docx): paragraphs and tables in body order.

Tables become Grids; python-docx repeats a merged cell's text in every position it covers, which
is the rectangular shape the table parser wants. As for HTML, each table also leaves its rows
joined with " | " in `text` (one line per row) and `Grid.line` points at the first of them.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from nianbao.types import Grid, LoadedDocument, RejectedFile

_CELL_BREAK_CJK = re.compile(r"(?<=[\u3400-\u9fff])\s*\n\s*(?=[\u3400-\u9fff])")
_WS = re.compile(r"\s+")


def _cell_text(cell) -> str:
    return _WS.sub(" ", _CELL_BREAK_CJK.sub("", cell.text)).strip()


def _table_rows(table) -> list[list[str]]:
    rows = []
    for row in table.rows:
        rows.append([_cell_text(c) for c in row.cells])
    width = max((len(r) for r in rows), default=0)
    rows = [r + [""] * (width - len(r)) for r in rows]
    return [r for r in rows if any(r)]


def load_docx(path: Path) -> LoadedDocument:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise RejectedFile(
            f"DOCX 文件已损坏或不完整 / broken or truncated DOCX ({type(exc).__name__})"
        ) from exc
    except Exception as exc:  # noqa: BLE001 - lxml / opc errors on damaged packages
        raise RejectedFile(f"DOCX 文件无法解析 / DOCX cannot be parsed ({type(exc).__name__})") from exc
    lines: list[str] = []
    grids: list[Grid] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(child, document).text
            lines.extend(part.strip() for part in text.split("\n") if part.strip())
        elif tag == "tbl":
            rows = _table_rows(Table(child, document))
            if rows:
                grids.append(Grid(rows=rows, line=len(lines) + 1))
                lines.extend(" | ".join(r) for r in rows)
    return LoadedDocument(path=str(path), format="docx", text="\n".join(lines), grids=grids)
