"""Several ingest processes on one PostgreSQL store: a file held by another worker is skipped, then
picked up when that worker finishes or dies; 2 app + 2 ingest processes on PostgreSQL + a Chroma
server ingest every file exactly once, and both apps answer about the new reports unrestarted."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from ingest import claims
from ingest.pipeline import Ingestor, file_sha256
from nianbao import settings as settings_mod
from nianbao.settings import PROJECT_ROOT
from rag.stores import open_stores

HOLDER = """
import sys, time, psycopg
c = psycopg.connect(sys.argv[1], autocommit=True)
c.execute("SELECT pg_advisory_lock(%s)", (int(sys.argv[2]),))
print("locked", flush=True)
time.sleep(600)
"""


@pytest.fixture
def pg_stores(tmp_path, pg_server):
    settings_mod.reset()
    url = pg_server.create_database()
    s = settings_mod.configure(home=tmp_path / "home", database_url=url)
    st = open_stores(s)
    yield st, url
    st.close()
    settings_mod.reset()


def test_a_crashed_workers_file_is_ingested_by_the_other(pg_stores, tmp_path):
    from test_pipeline import json_parse, write_report

    st, url = pg_stores
    a = write_report(tmp_path / "in" / "a.json", "甲县人民政府", 2023, 4, ["甲县行政复议一件。"])
    b = write_report(tmp_path / "in" / "b.json", "乙县人民政府", 2023, 5, ["乙县行政诉讼两件。"])
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, dsn, str(claims.lock_key(file_sha256(a)))],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"  # a worker is busy with a.json
        with claims.claim(st.facts.engine, file_sha256(a)) as mine:
            assert not mine
        out = {}
        t = threading.Thread(
            target=lambda: out.update(s=Ingestor(st, parse=json_parse).ingest_paths([a, b], False))
        )
        t.start()
        deadline = time.time() + 30
        while st.facts.counts()["reports"] < 1 and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)
        # b is stored; a waits for its holder
        assert t.is_alive() and [r.body for r in st.facts.reports()] == ["乙县人民政府"]
        holder.kill()  # the busy worker dies mid-file: the server drops its lock
        t.join(60)
        assert not t.is_alive()
    finally:
        holder.kill()
        holder.wait()
    s = out["s"]
    assert sorted(r.status for r in s.results) == ["ingested", "ingested"] and s.ok
    assert sorted(r.body for r in st.facts.reports()) == ["乙县人民政府", "甲县人民政府"]
    with claims.claim(st.facts.engine, file_sha256(a)) as mine:
        assert mine  # released after the batch


def _wait_http(url: str, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.time() + timeout
    while True:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            raise AssertionError(f"server at {url} did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.5)


@pytest.mark.slow
def test_two_apps_and_two_ingest_workers_share_one_postgres_and_chroma(pg_server, tmp_path):
    from eval.servers import ChromaServer, free_port

    url = pg_server.create_database()
    reports = tmp_path / "reports"
    reports.mkdir()
    names = ["hengshan_2023.txt", "pingtan_2021.txt", "pingtan_2022.txt"]  # text reports: parsing stays cheap
    for name in names:
        shutil.copy(PROJECT_ROOT / "data" / "reports" / name, reports / name)
    empty = tmp_path / "no-samples"
    empty.mkdir()
    procs: list[subprocess.Popen] = []
    with ChromaServer(tmp_path / "chroma") as chroma:
        base = dict(
            os.environ,
            DATABASE_URL=url,
            NIANBAO_CHROMA_URL=chroma.url,
            NIANBAO_SAMPLE_REPORTS=str(empty),
            HF_HUB_OFFLINE="1",
            GRADIO_ANALYTICS_ENABLED="False",
        )
        try:
            apps = []
            for i in range(2):
                port = free_port()
                log = tmp_path / f"app{i}.log"
                env = dict(base, NIANBAO_HOME=str(tmp_path / f"app{i}"), NIANBAO_PORT=str(port))
                p = subprocess.Popen(
                    [sys.executable, "app.py"],
                    cwd=PROJECT_ROOT,
                    env=env,
                    stdout=log.open("w"),
                    stderr=subprocess.STDOUT,
                )
                procs.append(p)
                apps.append((f"http://127.0.0.1:{port}", p, log))
            for u, p, log in apps:
                _wait_http(u + "/api/reports", p, 300, log)
            workers = []
            for i in range(2):
                env = dict(base, NIANBAO_HOME=str(tmp_path / f"ingest{i}"))
                workers.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "ingest", str(reports), "--no-progress"],
                        cwd=PROJECT_ROOT,
                        env=env,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT,
                        text=True,
                    )
                )
            outs = [w.communicate(timeout=600)[0] for w in workers]
            assert all(w.returncode == 0 for w in workers), outs
            ingested = []
            for out in outs:
                m = re.search(
                    r"(\d+) files: (\d+) ingested, (\d+) replaced, (\d+) unchanged, (\d+) rejected", out
                )
                assert m, out
                assert int(m.group(1)) == len(names) and int(m.group(5)) == 0, out
                ingested.append(int(m.group(2)))
            assert sum(ingested) == len(names), outs  # every file exactly once, between the two
            from rag.factstore import FactStore

            store = FactStore(url)
            assert len(store.reports()) == len(names)
            assert len({r.sha256 for r in store.reports()}) == len(names)
            store.engine.dispose()
            for u, _, _ in apps:  # both apps see the new reports without a restart
                r = httpx.post(u + "/api/ask", json={"question": "衡山县2023年收到多少申请？"}, timeout=120)
                assert r.status_code == 200, r.text
                ans = r.json()
                assert ans["kind"] == "figure" and any(f["value"] == 21 for f in ans["figures"]), ans
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()
