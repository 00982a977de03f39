"""Staff upload: token check, safe file names, size limit, copy under settings.uploads_path.

Ingesting is the backend's job; this module only decides what may be stored and where.
"""

from __future__ import annotations

import hmac
import re
import shutil
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from nianbao.settings import get_settings

ALLOWED_SUFFIXES = (".txt", ".html", ".htm", ".pdf", ".docx")
_UNSAFE = re.compile(r"[^\w.\-（）()]+", re.UNICODE)


@dataclass
class SavedUpload:
    name: str  # the name the staff member uploaded (sanitized)
    path: Path | None  # where it was stored, None when refused
    reason: str = ""  # why it was refused


def staff_enabled() -> bool:
    return bool(get_settings().staff_token)


def check_token(given: str | None) -> bool:
    """Constant-time comparison against NIANBAO_STAFF_TOKEN; always False when none is configured."""
    expected = get_settings().staff_token
    if not expected or not given:
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), expected.encode("utf-8"))


def sanitize_filename(name: str) -> str:
    """Basename only, no path tricks, word characters (incl. Chinese) and . - ( ) kept."""
    base = unicodedata.normalize("NFC", str(name)).replace("\\", "/").split("/")[-1]
    base = _UNSAFE.sub("_", base).strip("._") or "upload"
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = stem[:80] or "upload"
    return f"{stem}.{ext.lower()[:8]}" if ext else stem


def save_uploads(files: list[str | Path]) -> list[SavedUpload]:
    """Copy uploaded temp files under uploads_path (a timestamped folder), refusing oversize/unknown types."""
    settings = get_settings()
    limit = settings.max_upload_mb * 1024 * 1024
    dest_dir = settings.uploads_path / time.strftime("%Y%m%d-%H%M%S")
    out: list[SavedUpload] = []
    for f in files:
        src = Path(f)
        name = sanitize_filename(getattr(f, "orig_name", None) or src.name)
        if not src.is_file():
            out.append(SavedUpload(name, None, "文件不存在或上传失败"))
            continue
        if src.stat().st_size > limit:
            out.append(SavedUpload(name, None, f"文件超过 {settings.max_upload_mb} MB 上限"))
            continue
        if not name.lower().endswith(ALLOWED_SUFFIXES):
            out.append(SavedUpload(name, None, "不支持的文件类型（支持 txt、html、pdf、docx）"))
            continue
        dest_dir.mkdir(parents=True, exist_ok=True)
        dest = dest_dir / name
        n = 1
        while dest.exists():
            dest = dest_dir / f"{Path(name).stem}-{n}{Path(name).suffix}"
            n += 1
        shutil.copyfile(src, dest)
        out.append(SavedUpload(name, dest))
    return out
