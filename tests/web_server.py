"""One real Nianbao server per test session, shared by the web test files.

Starts `python app.py` in a subprocess on a free port with a tmp NIANBAO_HOME whose sample folder holds
two reports (ingested at start-up, as `app.py` does when the store is empty), and a staff token.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "reports"
WEB_SAMPLES = ("hengshan_2023.txt", "hongze_2023.pdf")
STAFF_TOKEN = "test-staff-token-123"
START_TIMEOUT_S = 600


@dataclass
class Server:
    url: str
    home: Path
    log: Path
    token: str


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@functools.cache
def shared_server() -> Server:
    base = Path(tempfile.mkdtemp(prefix="nianbao-web-"))
    home, samples = base / "home", base / "samples"
    samples.mkdir(parents=True)
    for name in WEB_SAMPLES:
        shutil.copy(SAMPLES / name, samples / name)
    port = free_port()
    env = dict(
        os.environ,
        NIANBAO_HOME=str(home),
        NIANBAO_SAMPLE_REPORTS=str(samples),
        NIANBAO_STAFF_TOKEN=STAFF_TOKEN,
        HF_HUB_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
    )
    log = base / "server.log"
    fh = log.open("w")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "--port", str(port), "--home", str(home)],
        cwd=ROOT,
        env=env,
        stdout=fh,
        stderr=subprocess.STDOUT,
    )

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(base, ignore_errors=True)

    atexit.register(stop)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + START_TIMEOUT_S
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(url + "/api/reports", timeout=2).status_code == 200:
                return Server(url, home, log, STAFF_TOKEN)
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"server did not start: {log.read_text()[-3000:]}")
