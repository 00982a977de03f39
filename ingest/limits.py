"""Cheap checks that run before a file is fully parsed, so a hostile file is refused early.

- zip/DOCX: the declared uncompressed size of every member (zipfile enforces it while reading: a
  member that inflates past its declared size fails its CRC) and the compression ratio of large
  members; a 4 MB file that inflates to 1 GB is a zip bomb, not a report.
- PDF: the page count (pdfium reads only the page tree) and the number of indirect objects.
- HTML: decoded size, tag count and nesting depth (deep nesting costs parsers recursion and time).

What these cannot see (e.g. a PDF stream that inflates to gigabytes) is bounded by the parse
worker's memory and time limits (ingest.sandbox).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from nianbao.settings import get_settings
from nianbao.types import RejectedFile

MAX_ZIP_MEMBERS = 2000
MAX_ZIP_RATIO = 100  # uncompressed / compressed, for members above RATIO_MIN_BYTES
RATIO_MIN_BYTES = 4 << 20
MAX_PDF_OBJECTS = 500_000
MAX_HTML_CHARS = 10_000_000
MAX_HTML_TAGS = 500_000
MAX_HTML_DEPTH = 400

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>")
_VOID = frozenset(
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr", "p", "li", "td", "th", "tr", "option"]
)  # void elements, and those whose end tag is commonly omitted: they do not deepen the tree
_PDF_OBJ = re.compile(rb"\d+\s+\d+\s+obj\b")


def _reject(zh: str, en: str) -> RejectedFile:
    return RejectedFile(f"{zh} / {en}")


def check_zip(path: Path) -> None:
    """Refuse zip bombs: too many members, too much uncompressed data, or a too-high ratio."""
    limit = get_settings().max_unzipped_mb << 20
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise _reject("压缩文件已损坏或不完整", f"broken or truncated zip/DOCX file ({type(exc).__name__})") from exc
    if len(infos) > MAX_ZIP_MEMBERS:
        raise _reject(f"DOCX 内含文件过多（{len(infos)} 个）", f"DOCX holds too many parts ({len(infos)})")
    total = 0
    for info in infos:
        total += info.file_size
        if total > limit:
            raise _reject(
                f"DOCX 解压后过大（超过 {limit >> 20} MB），疑似压缩炸弹",
                f"DOCX inflates past {limit >> 20} MB: a zip bomb?",
            )
        if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise _reject(
                f"DOCX 压缩比异常（{info.file_size // max(info.compress_size, 1)} 倍），疑似压缩炸弹",
                f"DOCX part compressed {info.file_size // max(info.compress_size, 1)}:1: a zip bomb?",
            )


def check_pdf(path: Path) -> None:
    """Refuse PDFs with more pages or objects than any annual report has."""
    max_pages = get_settings().max_pdf_pages
    n_obj = len(_PDF_OBJ.findall(path.read_bytes()))
    if n_obj > MAX_PDF_OBJECTS:
        raise _reject(f"PDF 对象过多（{n_obj} 个）", f"PDF has too many objects ({n_obj})")
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise _reject("PDF 文件已损坏或已加密", f"broken or encrypted PDF ({exc})") from exc
    try:
        pages = len(doc)
    finally:
        doc.close()
    if pages > max_pages:
        raise _reject(f"PDF 页数过多（{pages} 页，上限 {max_pages} 页）", f"PDF has {pages} pages (> {max_pages})")


def check_html(text: str) -> None:
    """Refuse HTML that is too large, has too many tags or nests too deeply to be a report."""
    if len(text) > MAX_HTML_CHARS:
        raise _reject(f"HTML 过大（{len(text)} 字符）", f"HTML too large ({len(text)} characters)")
    depth = deepest = tags = 0
    for m in _TAG.finditer(text):
        tags += 1
        if tags > MAX_HTML_TAGS:
            raise _reject("HTML 标签过多", f"HTML has more than {MAX_HTML_TAGS} tags")
        closing, name, selfclosing = m.group(1), m.group(2).lower(), m.group(3)
        if name in _VOID or selfclosing:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        if depth > deepest:
            deepest = depth
            if deepest > MAX_HTML_DEPTH:
                raise _reject(
                    f"HTML 嵌套过深（超过 {MAX_HTML_DEPTH} 层）", f"HTML nests deeper than {MAX_HTML_DEPTH} levels"
                )
