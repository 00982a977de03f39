"""PDF (pdfplumber): page text with page offsets, ruled tables as Grids.

- Page footers that are only a page number (`- 3 -`, `第 3 页`) are dropped from the text.
- Cells covered by a merged cell (pdfplumber gives None) get the spanning cell's text, as in HTML.
- Newlines inside a cell are removed: labels printed one character per line (`三\n、\n本\n年`) and
  wrapped labels are joined back together.
- Some reports frame whole pages of narrative with a border, which pdfplumber reports as a
  one-column "table". Rows that span the full width and read as prose are dropped from grids, and
  grids left with fewer than two columns are not tables of figures and are dropped.
- A table that continues across a page break comes back as separate grids, one per page, each
  with its `page`; the table parser merges them (it knows the template's rows).
- The same tables are also read by geometry (`ingest.geotable`: each number placed under its
  column by x-position) into `layout_grids`, so a table without rules, or one that leaves zeros
  blank, keeps its columns; the table parser lets the arithmetic choose between the readings.
- A page without a text layer (a scan) is read by OCR (`ingest.ocr`): its text lines join the
  document text and its words go to the same geometric reader, with their confidences.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from nianbao.types import Grid, LoadedDocument, RejectedFile

_FOOTER = re.compile(
    r"^\s*(?:[-—–_]\s*\d{1,4}\s*[-—–_]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4})\s*$"
)
_CJK = "\u3400-\u9fff\uff08\uff09\u3001\u3002\uff0c\uff1a\uff1b\u201c\u201d"
_CELL_BREAK_CJK = re.compile(rf"(?<=[{_CJK}])\s*\n\s*|\s*\n\s*(?=[{_CJK}])")
_CELL_BREAK = re.compile(r"\s*\n\s*")
_PROSE = re.compile(r"[，。；！？,;]")
_PROSE_MIN_CHARS = 30
_MIN_TEXT_CHARS = 10  # a page with less text than this, and an image, is a scan: OCR it

# pdfminer logs one warning per glyph for some Chromium-printed fonts (FontBBox): not our concern.
logging.getLogger("pdfminer").setLevel(logging.ERROR)


def _clean_cell(text: str | None) -> str | None:
    if text is None:
        return None
    text = _CELL_BREAK_CJK.sub("", text)
    return _CELL_BREAK.sub(" ", text).strip()


def _contains(bbox, x: float, y: float) -> bool:
    x0, top, x1, bottom = bbox
    return x0 - 0.5 <= x <= x1 + 0.5 and top - 0.5 <= y <= bottom + 0.5


def _expand(table) -> list[list[str]]:
    """Rows of cell text with merged positions filled from the cell that covers them."""
    raw = table.extract()
    rows = [[_clean_cell(c) for c in row] for row in raw]
    n_rows = len(rows)
    n_cols = max((len(r) for r in rows), default=0)
    text_of: dict[tuple, str] = {}
    for r, row in enumerate(table.rows):
        for c, bbox in enumerate(row.cells):
            if bbox is not None and c < len(rows[r]):
                text_of[tuple(bbox)] = rows[r][c] or ""
    x0_table, top_table, x1_table, bottom_table = table.bbox
    col_lefts = [col.bbox[0] for col in table.columns]
    row_tops = [row.bbox[1] for row in table.rows]
    out: list[list[str]] = []
    for r in range(n_rows):
        top = row_tops[r]
        bottom = row_tops[r + 1] if r + 1 < n_rows else bottom_table
        y = (top + bottom) / 2
        line = []
        for c in range(n_cols):
            value = rows[r][c] if c < len(rows[r]) else None
            if value is None and c < len(col_lefts):
                left = col_lefts[c]
                right = col_lefts[c + 1] if c + 1 < len(col_lefts) else x1_table
                x = (left + right) / 2
                for bbox, text in text_of.items():
                    if _contains(bbox, x, y):
                        value = text
                        break
            line.append(value or "")
        out.append(line)
    return out


def _is_prose_row(row: list[str]) -> bool:
    first = row[0]
    if len(row) > 1 and any(cell != first for cell in row):
        return False
    return len(first) >= _PROSE_MIN_CHARS or first.endswith("。") or bool(_PROSE.search(first))


def _page_grids(page, page_no: int) -> list[Grid]:
    grids = []
    for table in page.find_tables():
        # a row with every cell empty is kept when it is wide (table 四's one row of 15 numbers
        # printed blank where the report leaves zeros blank); the table parser decides
        rows = [row for row in _expand(table) if (any(row) and not _is_prose_row(row)) or len(row) >= 5]
        if not rows or max(len(set(r)) for r in rows) < 2:
            continue
        grids.append(Grid(rows=rows, page=page_no))
    return grids


def _is_scanned(page, text: str) -> bool:  # noqa: ANN001
    return len(text.strip()) < _MIN_TEXT_CHARS and bool(page.images)


def _ocr_text(words) -> str:  # noqa: ANN001
    """Text lines of an OCR'd page: boxes on one baseline, left to right."""
    from ingest.geotable import text_lines

    return "\n".join(text_lines(words))


def _ocr(page, page_no: int) -> list:  # noqa: ANN001
    """OCR words of a scanned page; a recogniser failure is the reason given, not 'broken PDF'."""
    from ingest.ocr import ocr_page

    try:
        return ocr_page(page)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - onnxruntime/OpenCV raise their own types
        raise RejectedFile(
            f"第{page_no}页为扫描图像，文字识别（OCR）失败 / OCR of scanned page {page_no} failed "
            f"({type(exc).__name__}: {str(exc)[:120]})"
        ) from exc


def load_pdf(path: Path) -> LoadedDocument:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    from ingest import geotable
    from nianbao.settings import get_settings

    max_ocr = get_settings().max_ocr_pages
    texts: list[str] = []
    grids: list[Grid] = []
    word_pages: list[tuple[int, list]] = []
    ocr_pages: list[int] = []
    try:
        with pdfplumber.open(path) as pdf:
            if not pdf.pages:
                raise RejectedFile("PDF 没有页面，文件可能已损坏 / PDF has no pages (broken file?)")
            for i, page in enumerate(pdf.pages, start=1):
                page_text = page.extract_text() or ""
                if _is_scanned(page, page_text):
                    if len(ocr_pages) >= max_ocr:
                        raise RejectedFile(
                            f"扫描页超过{max_ocr}页，未做文字识别（NIANBAO_MAX_OCR_PAGES） / more than {max_ocr} "
                            "scanned pages: not OCR'd (NIANBAO_MAX_OCR_PAGES)"
                        )
                    words = _ocr(page, i)
                    ocr_pages.append(i)
                    word_pages.append((i, words))
                    texts.append(_ocr_text(words))
                    continue
                lines = [ln for ln in page_text.split("\n") if not _FOOTER.match(ln)]
                texts.append("\n".join(lines).strip("\n"))
                grids.extend(_page_grids(page, i))
                word_pages.append((i, geotable.pdfplumber_words(page)))
    except RejectedFile:
        raise
    except (PDFEncryptionError, PDFPasswordIncorrect) as exc:
        raise RejectedFile("PDF 已加密，无法读取 / encrypted PDF cannot be read") from exc
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many types for broken files
        raise RejectedFile(
            f"PDF 文件已损坏或不完整 / broken or truncated PDF ({type(exc).__name__})"
        ) from exc
    page_starts = []
    parts = []
    offset = 0
    for t in texts:
        page_starts.append(offset)
        parts.append(t)
        offset += len(t) + 1
    ocr_set = set(ocr_pages)
    layout = geotable.page_grids(word_pages, ocr_pages=ocr_set)
    return LoadedDocument(
        path=str(path),
        format="pdf",
        text="\n".join(parts),
        grids=grids,
        page_starts=page_starts,
        layout_grids=layout,
        ocr_pages=ocr_pages,
    )
