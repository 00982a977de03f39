"""Two ingest workers storing reports of one body at the same moment both mark its cross-year pass
as owed; the second mark must not fail the second report's store (seen as a UniqueViolation that
rejected a file in the 2-app/2-ingest test)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine

from ingest import pending


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_concurrent_marks_of_one_body_both_succeed(backend, tmp_path, request):
    if backend == "postgresql":
        url = request.getfixturevalue("pg_server").create_database()
    else:
        url = f"sqlite:///{tmp_path / 'p.sqlite3'}"
    engine = create_engine(url)
    pending.ensure(engine)
    errors: list[str] = []
    barrier = threading.Barrier(2, timeout=30)

    def work() -> None:
        try:
            with engine.begin() as conn:
                barrier.wait()
                pending.mark(conn, {"平潭综合实验区", "洪泽区人民政府"})
                time.sleep(0.3)  # hold the transaction open while the other marks too
        except Exception as exc:  # noqa: BLE001 - the failure under test
            errors.append(repr(exc))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    if backend == "sqlite":  # SQLite serializes writers: the second may wait, never fail on the key
        errors = [e for e in errors if "database is locked" not in e]
    assert errors == []
    assert pending.owed(engine) == {"平潭综合实验区", "洪泽区人民政府"}
    engine.dispose()


def test_each_new_database_gets_its_table_even_when_engine_ids_are_reused(tmp_path):
    """The table-exists cache once keyed engines by id(); a collected engine's id is reused by the
    next one, so a fresh database skipped its CREATE and the first store failed (seen in CI as
    'relation "crossyear_pending" does not exist'). Engines come and go here as stores do in tests
    and in a long-running app that reopens its database."""
    import gc

    for i in range(30):
        engine = create_engine(f"sqlite:///{tmp_path / f'p{i}.sqlite3'}")
        pending.ensure(engine)
        with engine.begin() as conn:
            pending.mark(conn, {f"body{i}"})
        assert pending.owed(engine) == {f"body{i}"}
        engine.dispose()
        del engine, conn
        gc.collect()
