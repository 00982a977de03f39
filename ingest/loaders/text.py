"""Plain text: encoding detection (UTF-8, UTF-8 with BOM, GB18030/GBK) and line endings.

Tables in plain text stay inline (rows of ` | ` cells or run-together crawler text); the table
parser reads them from `text`, so `grids` is empty.
"""

from __future__ import annotations

import re
from pathlib import Path

from nianbao.types import LoadedDocument, RejectedFile

# Control characters other than tab/newline/CR, the replacement char and private-use code points
# are signs that bytes were decoded as something they are not.
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd\ue000-\uf8ff]")
_MAX_BAD_RATIO = 0.01


def _plausible(text: str) -> bool:
    if not text:
        return True
    sample = text[:20000]
    return len(_BAD_CHARS.findall(sample)) <= _MAX_BAD_RATIO * len(sample)


def decode_text(raw: bytes) -> tuple[str, str]:
    """Bytes -> (text with LF line endings, encoding name). Raises RejectedFile for binary data."""
    if b"\x00" in raw[:4096]:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            candidates = ["utf-16"]
        else:
            raise RejectedFile("文件内容是二进制数据，不是文本 / binary data, not a text document")
    else:
        candidates = ["utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8", "gb18030", "big5"]
    for enc in candidates:
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        if _plausible(text):
            return _unify_newlines(text), ("gb18030" if enc == "gb18030" else enc)
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(raw[:200000]).best()
    except Exception:  # noqa: BLE001 - detection failure means "not text"
        best = None
    if best is not None and best.encoding:
        text = raw.decode(best.encoding, errors="replace")
        if _plausible(text):
            return _unify_newlines(text), best.encoding
    raise RejectedFile(
        "无法识别文件编码，可能是二进制或已损坏 / unrecognised encoding: binary or corrupted data"
    )


def _unify_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def load_text(path: Path, text: str, encoding: str) -> LoadedDocument:
    return LoadedDocument(path=str(path), format="text", text=text, grids=[], encoding=encoding)
