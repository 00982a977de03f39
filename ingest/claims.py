"""Per-file work claims, so several ingest processes on one store never ingest a file twice.

Why advisory locks: on PostgreSQL a worker holds `pg_try_advisory_lock(file hash)` on its own
connection while it parses and stores that file. Another worker skips the file and comes back to
it at the end of its batch (then waiting for the lock); by then the report is stored and the
file is `unchanged`. A worker that crashes loses its connection, the server drops its locks, and
the waiting worker ingests the file itself: no lease to expire, no stale rows to clean. SQLite
stores are one machine's, and the home's ingest lock (ingest.lock) already serialises writers,
so there a claim always succeeds.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator

from sqlalchemy import text
from sqlalchemy.engine import Engine

CLAIMED = "claimed"  # FileResult status: another worker holds the file; retried at the batch's end


def lock_key(name: str) -> int:
    """A signed 64-bit advisory-lock key for a file hash (or any name)."""
    return int.from_bytes(
        hashlib.sha256(("nianbao-ingest:" + name).encode()).digest()[:8], "big", signed=True
    )


@contextlib.contextmanager
def claim(engine: Engine, sha256: str, wait: bool = False) -> Iterator[bool]:
    """Hold the claim on one file's content while the block runs. Yields False (at once) when
    another worker holds it and `wait` is off; with `wait` it blocks until the holder finishes
    or dies."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = lock_key(sha256)
    with engine.connect() as c:
        c = c.execution_options(isolation_level="AUTOCOMMIT")
        if wait:
            c.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            got = True
        else:
            got = bool(c.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        try:
            yield got
        finally:
            if got:
                c.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
