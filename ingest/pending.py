"""Bodies whose cross-year pass is still owed, kept in SQL beside the reports.

A body is marked in the same transaction that stores its report, and unmarked in the transaction
that writes its cross-year results. An ingest killed between the two leaves the mark, and the next
ingest (even one where every file is unchanged) finishes the pass.
"""

from __future__ import annotations

import weakref

from sqlalchemy import Column, MetaData, String, Table, delete, insert, select
from sqlalchemy.engine import Connection, Engine

_meta = MetaData()
pending = Table("crossyear_pending", _meta, Column("body", String(200), primary_key=True))
# Engines whose table is known to exist. Weak keys: an id() of a collected engine is reused by the
# next one, which on a new database would skip the CREATE and fail on first insert.
_created: weakref.WeakSet[Engine] = weakref.WeakSet()


def ensure(engine: Engine) -> None:
    if engine not in _created:
        _meta.create_all(engine, checkfirst=True)
        _created.add(engine)


def mark(conn: Connection, bodies: set[str]) -> None:
    """Mark bodies as owed. Race-safe: two ingest workers storing reports of one body at once both
    mark it, so the insert ignores a row another transaction already holds (ON CONFLICT DO NOTHING)."""
    rows = [{"body": b} for b in sorted(b for b in bodies if b)]
    if not rows:
        return
    dialect = conn.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(pending).on_conflict_do_nothing(index_elements=["body"]), rows)
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        conn.execute(sqlite_insert(pending).on_conflict_do_nothing(index_elements=["body"]), rows)
    else:
        have = {
            r[0]
            for r in conn.execute(select(pending.c.body).where(pending.c.body.in_([r["body"] for r in rows])))
        }
        new = [r for r in rows if r["body"] not in have]
        if new:
            conn.execute(insert(pending), new)


def owed(engine: Engine) -> set[str]:
    ensure(engine)
    with engine.connect() as c:
        return {r[0] for r in c.execute(select(pending.c.body))}


def clear(conn: Connection, bodies: set[str]) -> None:
    if bodies:
        conn.execute(delete(pending).where(pending.c.body.in_(sorted(bodies))))
