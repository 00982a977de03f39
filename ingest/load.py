"""`load(path)`: one entry point that turns any supported file into a LoadedDocument.

The format is sniffed from the content first (PDF magic, a zip holding word/document.xml, HTML
tags) and the extension second, because uploaded and crawled files are often misnamed. Files
that cannot be read as a report are rejected with a reason a user can act on (Chinese + English).
The size limit is checked before a single byte is read; zip, PDF and HTML limits (ingest.limits)
before the format's parser runs.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

from ingest.limits import check_html, check_pdf, check_zip
from ingest.loaders import load_docx, load_html, load_pdf, load_text
from ingest.loaders.text import decode_text
from nianbao.settings import get_settings
from nianbao.types import LoadedDocument, RejectedFile

__all__ = ["load", "sniff_format"]

_SNIFF_BYTES = 8192
_HTML_RE = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|table|div|p|meta|title|tr|td)[\s>/]", re.I)
_OTHER_MAGIC = {
    b"\xd0\xcf\x11\xe0": "旧版 Office 文档（.doc/.xls）/ legacy Office file (.doc/.xls); please save as DOCX or PDF",
    b"\x89PNG": "图片文件 / image file (PNG)",
    b"\xff\xd8\xff": "图片文件 / image file (JPEG)",
    b"GIF8": "图片文件 / image file (GIF)",
    b"Rar!": "压缩包 / archive (RAR)",
    b"7z\xbc\xaf": "压缩包 / archive (7z)",
    b"\x1f\x8b": "压缩包 / archive (gzip)",
    b"{\\rtf": "RTF 文档 / RTF document; please save as DOCX or PDF",
}
_EXT_FORMAT = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".shtml": "html",
    ".xhtml": "html",
    ".txt": "text",
    ".text": "text",
    ".md": "text",
}


def _reject(zh: str, en: str) -> RejectedFile:
    return RejectedFile(f"{zh} / {en}")


def sniff_format(head: bytes, path: Path) -> str:
    """'pdf' | 'docx' | 'html' | 'text' from the first bytes, then the extension.
    Raises RejectedFile for formats we know we cannot read."""
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                if "word/document.xml" in zf.namelist():
                    return "docx"
        except (zipfile.BadZipFile, OSError) as exc:
            raise _reject("压缩文件已损坏或不完整", f"broken or truncated zip/DOCX file ({exc})") from exc
        raise _reject("不支持的压缩文件（不是 DOCX）", "unsupported format: a zip archive that is not DOCX")
    for magic, what in _OTHER_MAGIC.items():
        if head.startswith(magic):
            raise RejectedFile(f"不支持的文件格式：{what}")
    if _HTML_RE.search(head[:4096]):
        return "html"
    ext_format = _EXT_FORMAT.get(path.suffix.lower())
    if ext_format in ("pdf", "docx"):
        # Named like a PDF/DOCX but without its signature: a broken or mislabelled file.
        raise _reject(
            f"文件名为 {path.suffix}，但内容不是有效的 {ext_format.upper()}",
            f"file named {path.suffix} but its content is not a valid {ext_format.upper()}",
        )
    return ext_format or "text"


def load(path: str | os.PathLike) -> LoadedDocument:
    """Read one file into a LoadedDocument, or raise RejectedFile(reason)."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise _reject("无法读取文件", f"cannot read file ({exc.strerror or exc})") from exc
    if not p.is_file():
        raise _reject("不是文件", "not a regular file")
    limit_mb = get_settings().max_file_mb
    if size > limit_mb * 1024 * 1024:
        raise _reject(
            f"文件过大（{size / 1048576:.1f} MB，上限 {limit_mb} MB）",
            f"file too large ({size / 1048576:.1f} MB > {limit_mb} MB limit)",
        )
    if size == 0:
        raise _reject("文件为空", "empty file")
    with p.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    fmt = sniff_format(head, p)
    if fmt == "pdf":
        check_pdf(p)
        doc = load_pdf(p)
    elif fmt == "docx":
        check_zip(p)
        doc = load_docx(p)
    else:
        raw = p.read_bytes()
        text, encoding = decode_text(raw)
        if fmt == "html":
            check_html(text)
        doc = load_html(p, text, encoding) if fmt == "html" else load_text(p, text, encoding)
    if not doc.text.strip() and not doc.grids:
        raise _reject("文件没有可读取的文字（可能是扫描件）", "no readable text in file (a scanned image?)")
    return doc
