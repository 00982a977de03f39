"""`python -m eval load --users 50 --seconds 60`: a bounded load test of POST /api/ask on loopback.

Each simulated user keeps one keep-alive connection and asks the Q&A set's questions in turn,
as fast as answers come back, until the time or the request budget is spent. Before the load the
same questions are asked one at a time ("at rest"); under load every answer must equal its
at-rest answer (latency_ms aside). Reports p50/p95/p99 latency, requests/s, errors, mismatches.

The client is a minimal HTTP/1.1 client on asyncio streams (one process, one core at most), so on
a small machine it steals as little CPU from the server as possible. Only loopback URLs are
accepted. Without --url a server (`app.py`) is started on a free port over the sample reports.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_QA = ROOT / "eval" / "qa" / "sample.jsonl"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def questions_from(qa: Path, limit: int) -> list[str]:
    out: list[str] = []
    with qa.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line and not json.loads(line).get("history"):  # follow-ups need their conversation
                q = json.loads(line)["question"]
                if q not in out:
                    out.append(q)
            if len(out) >= limit:
                break
    return out


def comparable(body: bytes) -> dict:
    d = json.loads(body)
    d.pop("latency_ms", None)
    return d


class Conn:
    """One keep-alive HTTP/1.1 connection that POSTs JSON and reads Content-Length responses."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, payload: bytes, timeout: float) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\nConnection: keep-alive\r\n\r\n"
        ).encode()
        self.writer.write(head + payload)
        try:
            return await asyncio.wait_for(self._response(), timeout)
        except BaseException:
            self.close()
            raise

    async def _response(self) -> tuple[int, bytes]:
        assert self.reader is not None
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("server closed the connection")
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value.strip())
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        body = await self.reader.readexactly(length) if length else b""
        if close:
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def run_load(
    url: str, questions: list[str], users: int, seconds: float, max_requests: int, timeout: float, rest: dict
) -> dict:
    u = urlparse(url)
    host, port = u.hostname or "127.0.0.1", u.port or 80
    payloads = [json.dumps({"question": q}, ensure_ascii=False).encode() for q in questions]
    latencies: list[float] = []
    errors: dict[str, int] = {}
    mismatches: list[str] = []
    sent = 0
    deadline = time.monotonic() + seconds

    async def user(i: int) -> None:
        nonlocal sent
        conn = Conn(host, port)
        k = i
        while time.monotonic() < deadline and sent < max_requests:
            sent += 1
            qi = k % len(questions)
            k += 1
            t0 = time.perf_counter()
            try:
                status, body = await conn.post("/api/ask", payloads[qi], timeout)
            except Exception as exc:  # noqa: BLE001 - counted, the run goes on
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                await asyncio.sleep(0.05)
                continue
            latencies.append(time.perf_counter() - t0)
            if status != 200:
                errors[f"HTTP {status}"] = errors.get(f"HTTP {status}", 0) + 1
            elif comparable(body) != rest[questions[qi]]:
                mismatches.append(questions[qi])
        conn.close()

    t0 = time.monotonic()
    await asyncio.gather(*(user(i) for i in range(users)))
    wall = time.monotonic() - t0
    lat = sorted(latencies)

    def pct(p: float) -> float:
        return round(1000 * lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else 0.0

    return {
        "users": users,
        "seconds": round(wall, 1),
        "requests": len(lat) + sum(v for k, v in errors.items() if not k.startswith("HTTP")),
        "requests_per_s": round(len(lat) / wall, 1) if wall else 0.0,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(1000 * lat[-1], 1) if lat else 0.0,
        "mean_ms": round(1000 * statistics.fmean(lat), 1) if lat else 0.0,
        "errors": errors,
        "mismatches": len(mismatches),
        "mismatched_questions": sorted(set(mismatches))[:10],
    }


def at_rest(url: str, questions: list[str], timeout: float) -> dict:
    """Each question asked once, alone: the answers the load must reproduce."""
    out = {}
    with httpx.Client(base_url=url, timeout=timeout) as c:
        for q in questions:
            r = c.post("/api/ask", json={"question": q})
            r.raise_for_status()
            out[q] = comparable(r.content)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home: Path, reports: Path, start_timeout: float = 900) -> tuple[str, subprocess.Popen]:
    port = _free_port()
    env = dict(
        os.environ,
        NIANBAO_HOME=str(home),
        NIANBAO_SAMPLE_REPORTS=str(reports),
        HF_HUB_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
    )
    cmd = [sys.executable, str(ROOT / "app.py"), "--port", str(port), "--home", str(home)]
    home.mkdir(parents=True, exist_ok=True)
    log = (home.parent / "load-server.log").open("w")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + start_timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}; see {log.name}")
        try:
            if httpx.get(url + "/api/reports", timeout=2).status_code == 200:
                return url, proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise RuntimeError("server did not start in time")


def main(args) -> int:  # noqa: ANN001 - argparse namespace from eval.__main__
    if args.users < 1 or args.users > 1000 or args.seconds <= 0 or args.seconds > 900:
        print("users must be 1..1000 and seconds 0..900", file=sys.stderr)
        return 2
    questions = questions_from(Path(args.qa), args.questions)
    if not questions:
        print(f"no questions in {args.qa}", file=sys.stderr)
        return 2
    proc = None
    tmp = None
    url = args.url
    if url:
        if urlparse(url).hostname not in LOOPBACK:
            print("load tests target loopback only (127.0.0.1 / localhost)", file=sys.stderr)
            return 2
    else:
        tmp = Path(tempfile.mkdtemp(prefix="nianbao-load-"))
        home = Path(args.home) if args.home else tmp / "home"
        print(f"starting app.py over {args.reports} in {home} …", flush=True)
        url, proc = start_server(home, Path(args.reports))
    try:
        rest = at_rest(url, questions, args.timeout)
        print(f"{len(questions)} questions answered at rest; {args.users} users for {args.seconds:g} s …", flush=True)
        result = asyncio.run(
            run_load(url, questions, args.users, args.seconds, args.max_requests, args.timeout, rest)
        )
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        if tmp is not None and not args.home:
            shutil.rmtree(tmp, ignore_errors=True)
    result.update(url=url, questions=len(questions), cpus=os.cpu_count())
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    ok = not result["errors"] and not result["mismatches"]
    return 0 if ok else 1
