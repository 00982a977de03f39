"""Staff upload: token check, safe file names, size limit, copy under settings.uploads_path.

Ingesting is the backend's job; this module only decides what may be stored and where.

Token rule (README): the token typed must equal NIANBAO_STAFF_TOKEN exactly, compared in constant
time; surrounding whitespace is not removed. After MAX_FAILURES wrong tokens from one client
within FAILURE_WINDOW_S, that client is refused (even with the right token) until the window
passes. Accepted files are stored under a content-hash name; refused ones are deleted.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import hmac
import os
import re
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from nianbao.settings import get_settings

MAX_FAILURES = 5
FAILURE_WINDOW_S = 60.0
COOKIE = "nianbao_staff"  # the browser sends the typed token with Gradio's own file uploads
_failures: dict[str, collections.deque] = {}
_failures_lock = threading.Lock()

ALLOWED_SUFFIXES = (".txt", ".html", ".htm", ".pdf", ".docx")
_UNSAFE = re.compile(r"[^\w.\-（）()]+", re.UNICODE)


@dataclass
class SavedUpload:
    name: str  # the name the staff member uploaded (sanitized)
    path: Path | None  # where it was stored, None when refused
    reason: str = ""  # why it was refused


def staff_enabled() -> bool:
    return bool(get_settings().staff_token)


def locked_out(client: str) -> bool:
    """`client` failed MAX_FAILURES times within the window."""
    now = time.monotonic()
    with _failures_lock:
        q = _failures.get(client)
        while q and now - q[0] > FAILURE_WINDOW_S:
            q.popleft()
        return bool(q) and len(q) >= MAX_FAILURES


def check_token(given: str | None, client: str = "?") -> bool:
    """Exact, constant-time comparison against NIANBAO_STAFF_TOKEN; always False when none is
    configured or when `client` is locked out by too many wrong tokens."""
    expected = get_settings().staff_token
    if not expected or locked_out(client):
        return False
    ok = bool(given) and hmac.compare_digest(str(given).encode("utf-8"), expected.encode("utf-8"))
    if not ok:
        with _failures_lock:
            if len(_failures) > 10_000:  # bounded memory under a spray of client addresses
                _failures.clear()
            _failures.setdefault(client, collections.deque()).append(time.monotonic())
    return ok


def token_refusal(client: str = "?") -> str:
    if locked_out(client):
        return f"令牌错误次数过多，请 {FAILURE_WINDOW_S:.0f} 秒后再试。"
    return "令牌错误，未上传任何文件。"


def _ours(path: Path) -> bool:
    """Only files under Gradio's upload folder (its temp copies) or our own uploads folder may be
    deleted: a client can name any server path, e.g. a bundled sample report, as its 'upload'."""
    import tempfile

    gradio_tmp = os.environ.get("GRADIO_TEMP_DIR") or str(Path(tempfile.gettempdir()) / "gradio")
    roots = [Path(gradio_tmp), get_settings().uploads_path]  # not all of /tmp: a checkout may live there
    try:
        real = path.resolve()
    except (OSError, RuntimeError):
        return False
    return any(real.is_relative_to(r.resolve()) for r in roots)


def discard(paths: list[str | Path]) -> None:
    """Delete files we will not keep (Gradio's temp copies, refused uploads) — never anything else."""
    for p in paths:
        with contextlib.suppress(OSError, TypeError, ValueError):
            if _ours(Path(p)):
                Path(p).unlink()


def sanitize_filename(name: str) -> str:
    """Basename only, no path tricks, word characters (incl. Chinese) and . - ( ) kept."""
    base = unicodedata.normalize("NFC", str(name)).replace("\\", "/").split("/")[-1]
    base = _UNSAFE.sub("_", base).strip("._") or "upload"
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = stem[:80] or "upload"
    return f"{stem}.{ext.lower()[:8]}" if ext else stem


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def save_uploads(files: list[str | Path]) -> list[SavedUpload]:
    """Move uploaded temp files under uploads_path as `<sha256 prefix>.<ext>` (the same content
    is stored once), refusing oversize and unknown types; the temp files are removed either way."""
    settings = get_settings()
    limit = settings.max_upload_mb * 1024 * 1024
    dest_dir = settings.uploads_path
    out: list[SavedUpload] = []
    for f in files:
        src = Path(f)
        name = sanitize_filename(getattr(f, "orig_name", None) or src.name)
        if not src.is_file():
            out.append(SavedUpload(name, None, "文件不存在或上传失败"))
            continue
        if src.stat().st_size > limit:
            discard([src])
            out.append(SavedUpload(name, None, f"文件超过 {settings.max_upload_mb} MB 上限"))
            continue
        if not name.lower().endswith(ALLOWED_SUFFIXES):
            discard([src])
            out.append(SavedUpload(name, None, "不支持的文件类型（支持 txt、html、pdf、docx）"))
            continue
        dest_dir.mkdir(parents=True, exist_ok=True)
        dest = dest_dir / f"{_sha256(src)[:24]}{Path(name).suffix.lower()}"
        tmp = dest.with_name(dest.name + ".part")
        tmp.write_bytes(src.read_bytes())
        tmp.replace(dest)
        discard([src])
        out.append(SavedUpload(name, dest))
    return out
