"""Bodies whose cross-year pass is still owed, kept in SQL beside the reports.

A body is marked in the same transaction that stores its report, and unmarked in the transaction
that writes its cross-year results. An ingest killed between the two leaves the mark, and the next
ingest (even one where every file is unchanged) finishes the pass.
"""

from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table, delete, insert, select
from sqlalchemy.engine import Connection, Engine

_meta = MetaData()
pending = Table("crossyear_pending", _meta, Column("body", String(200), primary_key=True))
_created: set[int] = set()


def ensure(engine: Engine) -> None:
    if id(engine) not in _created:
        _meta.create_all(engine)
        _created.add(id(engine))


def mark(conn: Connection, bodies: set[str]) -> None:
    have = {r[0] for r in conn.execute(select(pending.c.body).where(pending.c.body.in_(sorted(bodies))))}
    new = sorted(b for b in bodies if b and b not in have)
    if new:
        conn.execute(insert(pending), [{"body": b} for b in new])


def owed(engine: Engine) -> set[str]:
    ensure(engine)
    with engine.connect() as c:
        return {r[0] for r in c.execute(select(pending.c.body))}


def clear(conn: Connection, bodies: set[str]) -> None:
    if bodies:
        conn.execute(delete(pending).where(pending.c.body.in_(sorted(bodies))))
