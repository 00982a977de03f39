"""`python -m ingest --isolated`: each file of a batch is parsed in the limited worker uploads use
(ingest.sandbox), so a hostile file kills only its worker; the summary names it with the reason,
and the rest of the batch is stored.

The hostile file is generated: a one-page PDF (4 objects, ~300 KB on disk) whose content stream
inflates to 300 MB. It passes the cheap pre-checks (ingest.limits: page and object counts); parsed
in-process it costs minutes and gigabytes.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_reliability_files import raw_pdf

from ingest.limits import check_pdf

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "reports" / "pingtan_2021.txt"
TIMEOUT = 300


def run_ingest(home: Path, *args: str, **env_extra: str) -> tuple[subprocess.CompletedProcess, float]:
    env = dict(os.environ, NIANBAO_HOME=str(home), HF_HUB_OFFLINE="1", **env_extra)
    t0 = time.monotonic()
    r = subprocess.run(
        [sys.executable, "-m", "ingest", "--no-progress", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT,
    )
    return r, time.monotonic() - t0


def stored(home: Path) -> list[tuple[str, int, int]]:
    con = sqlite3.connect(home / "facts.sqlite3")
    try:
        rows = con.execute("SELECT path, year, n_facts FROM reports ORDER BY path").fetchall()
    finally:
        con.close()
    return [(Path(p).name, y, n) for p, y, n in rows]


@pytest.fixture
def batch(tmp_path) -> Path:
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / SAMPLE.name)
    bomb = raw_pdf(folder / "stream_bomb.pdf", 1, b"0 0 m\n" * 50_000_000)
    assert bomb.stat().st_size < 1 << 20
    check_pdf(bomb)  # the cheap checks let it through: only the worker's limits stop it
    return folder


@pytest.mark.slow
@pytest.mark.parametrize(
    "how, limits, reason",
    [
        ("flag", {"NIANBAO_PARSE_MEMORY_MB": "256", "NIANBAO_PARSE_SECONDS": "30"}, "256 MB"),  # memory limit
        ("env", {"NIANBAO_PARSE_MEMORY_MB": "1536", "NIANBAO_PARSE_SECONDS": "3"}, "3 s"),  # CPU / wall clock
    ],
)
def test_a_hostile_file_kills_only_its_worker_and_the_batch_is_ingested(tmp_path, batch, how, limits, reason):
    home = tmp_path / "home"
    if how == "flag":
        r, seconds = run_ingest(home, "--isolated", str(batch), **limits)
    else:
        r, seconds = run_ingest(home, str(batch), NIANBAO_INGEST_ISOLATED="1", **limits)
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr[-3000:])
    assert "Traceback" not in r.stderr
    assert seconds < 150  # 30 s per file at most (CPU and wall clock), plus start-up and embedding
    # the summary names the hostile file and why; the sample report is stored
    assert "rejected files (1):" in r.stdout, r.stdout
    line = next(x for x in r.stdout.splitlines() if "stream_bomb.pdf" in x)
    assert ("内存上限" if "MB" in reason else "超时") in line and reason in line, line
    assert "1 ingested" in r.stdout and "1 rejected" in r.stdout, r.stdout
    assert stored(home) == [("pingtan_2021.txt", 2021, 228)]

    # the same sample, parsed in-process by the plain CLI, gives the same stored report
    plain = tmp_path / "plain"
    r2, _ = run_ingest(plain, str(batch / SAMPLE.name))
    assert r2.returncode == 0, r2.stderr[-2000:]
    assert stored(plain) == stored(home)
    # and a second isolated run over the batch: the report is unchanged, the bomb refused again
    r3, _ = run_ingest(home, "--isolated", str(batch), **limits)
    assert r3.returncode == 0 and "1 unchanged" in r3.stdout and "1 rejected" in r3.stdout, r3.stdout


def test_isolated_is_listed_in_help_and_a_batch_of_only_hostile_files_exits_1(tmp_path):
    r, _ = run_ingest(tmp_path / "home", "--help")
    assert r.returncode == 0 and "--isolated" in r.stdout and "NIANBAO_INGEST_ISOLATED" in r.stdout
    bad = tmp_path / "deep.html"  # refused by the cheap check inside the worker: the reason comes back
    bad.write_text("<html><body>" + "<div>" * 5000 + "政府信息公开" + "</div>" * 5000 + "</body></html>")
    r, _ = run_ingest(tmp_path / "home", "--isolated", str(bad))
    assert r.returncode == 1, (r.stdout, r.stderr[-2000:])
    assert "deep.html" in r.stdout and "嵌套过深" in r.stdout, r.stdout
