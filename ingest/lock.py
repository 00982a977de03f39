"""One writer per home: ingests (CLI, web upload, another app worker) take an exclusive file lock.

Two ingests at once would interleave their cross-year passes and index rebuilds; with the lock the
second waits, and says for whom it waits. The lock is `flock` on NIANBAO_HOME/ingest.lock, so it
is released by the kernel when its holder dies (a SIGKILLed ingest never leaves a stale lock).
Questions never take it.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

from nianbao.settings import INGEST_LOCK, held_ingest_locks

log = logging.getLogger(__name__)

LOCK_NAME = INGEST_LOCK  # one name for writers (here) and readers (rag.vectorstore)


class IngestBusy(RuntimeError):
    """Another ingest held the home's lock for longer than we were willing to wait."""

    exit_code = 4


def _holder(fh) -> str:  # noqa: ANN001
    try:
        fh.seek(0)
        return fh.read().strip() or "?"
    except OSError:
        return "?"


@contextlib.contextmanager
def ingest_lock(home: Path, wait_s: float | None = None, on_wait=None) -> Iterator[None]:  # noqa: ANN001
    """Hold the home's ingest lock. Waits for another holder (up to `wait_s`, forever when None),
    calling `on_wait(message)` once (default: a log warning); raises IngestBusy on timeout."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / LOCK_NAME
    fh = path.open("a+", encoding="utf-8")
    try:
        told = False
        deadline = None if wait_s is None else time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                msg = (
                    f"另一个导入正在写入 {home}（进程 {_holder(fh)}），等待其完成… / "
                    f"another ingest (pid {_holder(fh)}) is writing {home}; waiting for it to finish"
                )
                if not told:
                    (on_wait or log.warning)(msg)
                    told = True
                if deadline is not None and time.monotonic() >= deadline:
                    raise IngestBusy(msg.replace("等待其完成…", "请稍后再试").replace("waiting for it to finish", "try again later")) from None
                time.sleep(0.2)
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        held_ingest_locks.add(home.resolve())
        try:
            yield
        finally:
            held_ingest_locks.discard(home.resolve())
            fh.seek(0)
            fh.truncate()
            fh.flush()
            fcntl.flock(fh, fcntl.LOCK_UN)
    finally:
        fh.close()
