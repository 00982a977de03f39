"""Store health: is the SQL store intact, can this process write the home, and a clear error when not.

SQL is the source of truth and cannot be rebuilt from anything else, so a damaged SQLite file is
reported (with what to do) instead of being read or overwritten. A read-only or full home is
found before ingest starts writing, so the operator gets a message and an exit code rather than
a crash deep inside Chroma or SQLite (a read-only SQLite WAL can end a process with SIGBUS).
Chroma's persisted HNSW index is read first in a child process (`probe_chroma`): damaged index
files can crash the process that reads them, and that must not be the web app or the ingest.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from nianbao.settings import Settings, get_settings

log = logging.getLogger(__name__)

MIN_FREE_MB = 64  # an ingest needs room for SQLite's WAL, Chroma's segments and the BM25 swap


class StoreError(RuntimeError):
    """A store cannot be used as it is; the message says what is wrong and what to do."""

    exit_code = 3


def _sqlite_file(engine: Engine) -> Path | None:
    if engine.dialect.name != "sqlite":
        return None
    db = engine.url.database
    return Path(db) if db and db != ":memory:" else None


def check_sql(engine: Engine) -> None:
    """Raise StoreError when the SQL store is damaged. SQLite gets `PRAGMA quick_check`, run on a
    plain sqlite3 connection so that a damaged file cannot be touched by the engine's pragmas."""
    path = _sqlite_file(engine)
    if path is None:
        try:
            with engine.connect() as c:
                c.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001
            raise StoreError(f"数据库无法连接 / cannot reach the database: {type(exc).__name__}: {exc}") from exc
        return
    if not path.exists():
        return
    problem = ""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            rows = con.execute("PRAGMA quick_check").fetchall()
        finally:
            con.close()
        if [r[0] for r in rows] != ["ok"]:
            problem = "; ".join(str(r[0]) for r in rows[:3])
    except sqlite3.DatabaseError as exc:
        problem = str(exc)
    if problem:
        raise StoreError(
            f"事实库已损坏 / the fact store {path} is damaged ({problem}).\n"
            f"It is the source of truth and is not repaired automatically. To recover: stop the app, "
            f"move {path.name} (and any {path.name}-wal, -shm) aside, then run "
            f"`python -m ingest <report folders>` to rebuild every store from the report files "
            f"(or restore {path.name} from a backup)."
        )


def check_writable(settings: Settings | None = None) -> None:
    """Raise StoreError when the home (or its SQLite file) cannot be written, or the disk is full."""
    s = settings or get_settings()
    targets = [s.home]
    if not s.chroma_url:
        targets.append(s.chroma_path)
    for folder in targets:
        probe = folder / f".write-probe-{uuid.uuid4().hex[:8]}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with probe.open("wb") as fh:
                fh.write(b"x" * 4096)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise store_error_from(exc, folder) from exc
        finally:
            with contextlib.suppress(OSError):
                probe.unlink()
        free_mb = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize >> 20
        if free_mb < MIN_FREE_MB:  # mmap'd index writes on a full disk end in SIGBUS, not an error
            raise store_error_from(OSError(errno.ENOSPC, f"{free_mb} MB free, {MIN_FREE_MB} MB needed"), folder)
    db = s.sqlite_path if not s.database_url else None
    for f in (db, *(Path(f"{db}{x}") for x in ("-wal", "-shm"))) if db else ():
        if f.exists() and not os.access(f, os.W_OK):
            raise store_error_from(OSError(errno.EACCES, "permission denied"), f)


def store_error_from(exc: OSError, where: Path | str) -> StoreError:
    """The StoreError for a write that failed with `exc` (read-only, no space, no permission)."""
    if exc.errno == errno.ENOSPC:
        what = f"磁盘空间不足 / no space left on the device ({exc.strerror or exc})"
    elif exc.errno == errno.EROFS:
        what = "存储为只读 / the store is on a read-only file system"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        what = "没有写权限 / no permission to write"
    else:
        what = f"无法写入 / cannot write ({exc.strerror or exc})"
    return StoreError(f"{what}: {where}. Nothing was changed; fix this and run the command again.")


PROBE_SECONDS = 120  # opening and self-checking a small embedded store takes ~2 s; far beyond that it hangs
PROBE_SECONDS_PER_GIB = 120  # reading a persisted index grows with it (850,000 vectors, 1.9 GiB: ~15 s)


def probe_timeout(chroma_path: Path | str) -> float:
    """How long a probe may take before the index counts as hanging: PROBE_SECONDS plus room for
    the size of the folder's segment files, so a large healthy store is never judged by a small one's
    clock (a timed-out probe starts the folder afresh)."""
    size = 0
    with contextlib.suppress(OSError):
        for seg in Path(chroma_path).iterdir():
            if seg.is_dir():
                size += sum(f.stat().st_size for f in seg.iterdir() if f.is_file())
    return PROBE_SECONDS + PROBE_SECONDS_PER_GIB * size / 2**30


def probe_chroma(chroma_path: Path | str, collection: str, timeout: float | None = None) -> str:
    """Open the embedded Chroma folder in a child process and read the collection's vector index
    (rag.vectorstore.self_check). Returns '' when it reads back, else what is wrong: Chroma's
    error, wrong neighbours, the signal that killed the child (a damaged HNSW file can make the
    native reader fault), or no answer within `timeout`. When the child cannot even start (it
    fails before reading the store), '' with a log line: nothing says the store is damaged."""
    timeout = probe_timeout(chroma_path) if timeout is None else timeout
    cmd = [sys.executable, "-m", "rag.vectorstore", str(chroma_path), collection]
    env = dict(os.environ, PYTHONFAULTHANDLER="0")
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return f"reading the index took more than {timeout:g} s"
    except OSError as exc:
        log.warning("could not start the Chroma probe (%s); opening the store directly", exc)
        return ""
    if r.returncode < 0:
        try:
            name = signal.Signals(-r.returncode).name
        except ValueError:
            name = f"signal {-r.returncode}"
        return f"reading the index killed the process ({name})"
    verdict = None
    for line in reversed(r.stdout.splitlines()):
        with contextlib.suppress(ValueError):
            verdict = json.loads(line)
            break
    if r.returncode != 0 or not isinstance(verdict, dict):
        log.warning(
            "the Chroma probe failed before reading the store (exit %s): %s", r.returncode, r.stderr[-500:]
        )
        return ""
    return str(verdict.get("damaged") or "")
