"""`python -m ingest` end to end, in a subprocess with a temporary NIANBAO_HOME."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "reports"
NEGATIVE = Path(__file__).parent / "data" / "negative"


def run_cli(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "NIANBAO_HOME": str(home),
        "HF_HUB_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    env.pop("NIANBAO_CHROMA_URL", None)
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "ingest", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def db_counts(home: Path) -> dict[str, int]:
    with sqlite3.connect(home / "facts.sqlite3") as c:
        return {
            t: c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("reports", "facts", "passages")
        }


def test_help_lists_environment(tmp_path):
    r = run_cli("--help", home=tmp_path)
    assert r.returncode == 0
    for word in (
        "NIANBAO_HOME",
        "DATABASE_URL",
        "NIANBAO_CHROMA_URL",
        "NIANBAO_EMBEDDING",
        "--no-progress",
        "facts FILE",
    ):
        assert word in r.stdout, word


def test_nothing_ingestible_exits_nonzero(tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_bytes(b"\x00\xff\x00 random bytes, not a report")
    r = run_cli(str(junk), "--no-progress", "--home", str(tmp_path / "h"), home=tmp_path / "ignored")
    assert r.returncode == 1
    assert "rejected files (1)" in r.stdout and "junk.txt" in r.stdout
    assert db_counts(tmp_path / "h")["reports"] == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run_cli(str(empty), "--no-progress", home=tmp_path / "h2")
    assert r.returncode == 1 and "no report files found" in r.stderr


def test_cli_one_sample_then_unchanged(tmp_path):
    home = tmp_path / "home"
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SAMPLES / "pingtan_2021.txt", src)
    junk = src / "notes.txt"
    junk.write_text("这只是一张便条，不是年度报告。", encoding="utf-8")
    r = run_cli(str(src), home=home)
    assert r.returncode == 0, r.stderr
    assert "ingest" in r.stderr  # the tqdm bar
    assert "平潭" in r.stdout and "2021" in r.stdout and "rejected files (1)" in r.stdout
    first = db_counts(home)
    assert first["reports"] == 1 and first["facts"] > 20
    assert first["passages"] > 0
    assert (home / "bm25" / "ids.json").exists() and (home / "chroma").is_dir()
    r2 = run_cli(str(src), "--no-progress", home=home)
    assert r2.returncode == 0 and "unchanged" in r2.stdout and "0 ingested" in r2.stdout
    assert db_counts(home) == first


def test_facts_command_prints_json_lines(tmp_path):
    import json

    r = run_cli("facts", str(SAMPLES / "pingtan_2022.txt"), home=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines() if line.strip().startswith("{")]
    assert len(rows) > 20 and not (tmp_path / "facts.sqlite3").exists()


@pytest.mark.slow
def test_cli_whole_sample_corpus_and_negatives(tmp_path):
    home = tmp_path / "home"
    args = [str(SAMPLES)]
    negatives = sorted(NEGATIVE.glob("*.pdf"))[:2]
    args += [str(p) for p in negatives]
    r = run_cli(*args, "--no-progress", home=home)
    assert r.returncode == 0, r.stderr
    counts = db_counts(home)
    n_samples = len([p for p in SAMPLES.iterdir() if p.suffix in (".txt", ".pdf", ".html", ".docx")])
    assert counts["reports"] == n_samples, r.stdout
    assert f"{n_samples} ingested" in r.stdout
    assert len(negatives) == 2
    assert f"rejected files ({len(negatives)})" in r.stdout
    r2 = run_cli(str(SAMPLES), "--no-progress", home=home)
    assert f"{n_samples} unchanged" in r2.stdout and db_counts(home) == counts
