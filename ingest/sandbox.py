"""Parse one file in a separate worker process with memory and time limits.

A hostile upload (a PDF stream that inflates to gigabytes, a file that sends a parser into a long
loop) then kills only its worker: the server keeps its memory and answers questions meanwhile.
Workers are forked from a forkserver that has imported the parser once, so a file costs a fork,
not an interpreter start. Limits: address space (`RLIMIT_AS`, the worker's size at start plus
`parse_memory_mb`), CPU seconds (`RLIMIT_CPU`), and a wall-clock timeout enforced by the parent.
Used for uploads (web.backend) and by `python -m ingest --isolated` (NIANBAO_INGEST_ISOLATED=1).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import resource
import time
from pathlib import Path

from nianbao.settings import get_settings
from nianbao.types import ParsedReport, RejectedFile

log = logging.getLogger(__name__)

_ctx: mp.context.BaseContext | None = None


def _context() -> mp.context.BaseContext:
    global _ctx
    if _ctx is None:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["ingest.parse"])
        _ctx = ctx
    return _ctx


def _vm_bytes() -> int:
    """This process's current virtual size (what RLIMIT_AS counts)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * resource.getpagesize()


def _worker(path: str, memory_mb: int, seconds: int, settings_overrides: dict, kwargs: dict, conn) -> None:  # noqa: ANN001
    """Child: apply the limits, parse, send ("ok", ParsedReport) | ("rejected", reason) | ("error", text)."""
    limit = _vm_bytes() + (memory_mb << 20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    from nianbao import settings as nb_settings

    nb_settings.configure(**settings_overrides)
    try:
        from ingest.parse import parse_file

        out = ("ok", parse_file(path, **kwargs))
    except RejectedFile as exc:
        # a loader that turns any parser error into "broken file" also swallows our memory limit
        out = ("memory", "") if _caused_by_memory(exc) else ("rejected", str(exc))
    except MemoryError:
        out = ("memory", "")
    except Exception as exc:  # noqa: BLE001 - reported to the parent as the file's rejection
        out = ("error", f"{type(exc).__name__}: {str(exc)[:300]}")
    try:
        conn.send(out)
    except MemoryError:
        conn.send(("memory", ""))
    conn.close()


def _caused_by_memory(exc: BaseException) -> bool:
    """Whether a MemoryError is anywhere in the chain of causes of `exc` (a bounded walk)."""
    seen = 0
    cur: BaseException | None = exc
    while cur is not None and seen < 20:
        if isinstance(cur, MemoryError):
            return True
        cur = cur.__cause__ or cur.__context__ or next(
            (a for a in getattr(cur, "args", ()) if isinstance(a, BaseException)), None
        )
        seen += 1
    return False


MEMORY_REASON = (
    "解析该文件超出内存上限（{mb} MB），已中止；文件可能是恶意构造的（如压缩炸弹）"
    " / parsing exceeded the {mb} MB memory limit and was stopped (a decompression bomb?)"
)
TIME_REASON = "解析该文件超时（{s} 秒），已中止 / parsing took longer than {s} s and was stopped"


def parse_isolated(
    path: str | Path, memory_mb: int | None = None, seconds: int | None = None, **parse_kwargs
) -> ParsedReport:
    """`ingest.parse.parse_file(path, **parse_kwargs)` in a limited worker; raises RejectedFile for bad files,
    including files that make the worker run out of memory or time."""
    s = get_settings()
    memory_mb = memory_mb or s.parse_memory_mb
    seconds = seconds or s.parse_seconds
    overrides = {
        "home": s.home,
        "max_file_mb": s.max_file_mb,
        "max_unzipped_mb": s.max_unzipped_mb,
        "max_pdf_pages": s.max_pdf_pages,
        "max_ocr_pages": s.max_ocr_pages,
        "ocr_threads": s.ocr_threads,
    }
    ctx = _context()
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_worker, args=(str(path), memory_mb, seconds, overrides, parse_kwargs, send), daemon=True)
    t0 = time.monotonic()
    proc.start()
    send.close()
    try:
        result = None
        # Wall clock: the CPU limit does not cover a worker that sleeps or waits on I/O.
        if recv.poll(seconds + 5):
            try:
                result = recv.recv()
            except (EOFError, OSError):
                result = None  # the worker died (killed by a limit) before answering
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        recv.close()
    elapsed = time.monotonic() - t0
    if result is None:
        code = proc.exitcode
        log.warning("parse worker for %s ended without a result (exit %s, %.1f s)", Path(path).name, code, elapsed)
        if elapsed >= seconds or code == -24:  # killed by us at the deadline / SIGXCPU (CPU limit)
            raise RejectedFile(TIME_REASON.format(s=seconds))
        raise RejectedFile(MEMORY_REASON.format(mb=memory_mb))
    status, value = result
    if status == "ok":
        return value
    if status == "rejected":
        raise RejectedFile(value)
    if status == "memory":
        raise RejectedFile(MEMORY_REASON.format(mb=memory_mb))
    raise RejectedFile(f"解析出错 / parse error: {value}")
