"""Throwaway servers on loopback for tests and benchmarks: a PostgreSQL cluster and a Chroma server.

Why here: the test suite, the multi-process test and `python -m eval bench` all need a real
PostgreSQL (Debian `postgresql`, installed by scripts/system-deps.sh) and a real `chroma run`,
started in a temp dir on a free port and stopped afterwards. PostgreSQL refuses to run as root,
so as root the cluster is owned and run by the `postgres` system user (runuser).
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx


class ServerUnavailable(RuntimeError):
    """The server's binaries are not installed here."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bindir() -> Path | None:
    """The newest PostgreSQL server binaries: Debian's /usr/lib/postgresql/N/bin, else PATH."""
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(Path(d).parent.name or 0))
    for d in reversed(dirs):
        if (Path(d) / "initdb").exists() and (Path(d) / "pg_ctl").exists():
            return Path(d)
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_ctl") else None


class PostgresServer:
    """A private PostgreSQL cluster: `initdb` into a temp dir, `pg_ctl start` on 127.0.0.1:port,
    trust auth for the superuser `nianbao`. `url(db)` gives a SQLAlchemy URL; `create_database()`
    makes a fresh empty database (cheap: one per test)."""

    USER = "nianbao"

    def __init__(self, root: Path | None = None):
        self.bindir = pg_bindir()
        if self.bindir is None:
            raise ServerUnavailable(
                "PostgreSQL binaries (initdb, pg_ctl) not found: run scripts/system-deps.sh"
            )
        self._tmp = None
        if root is None:
            # not under pytest's 0700 tmp dirs: the postgres user must be able to enter it
            self._tmp = tempfile.mkdtemp(prefix="nianbao-pg-")
            root = Path(self._tmp)
        self.root = Path(root)
        self.data = self.root / "data"
        self.port = free_port()
        self.as_user = "postgres" if os.geteuid() == 0 else None
        self.started = False

    def _cmd(self, *args: str) -> list[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        return ["runuser", "-u", self.as_user, "--", *cmd] if self.as_user else cmd

    def start(self) -> PostgresServer:
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o755)
        if self.as_user:
            shutil.chown(self.root, user=self.as_user)
        if not (self.data / "PG_VERSION").exists():
            subprocess.run(
                self._cmd("initdb", "-D", str(self.data), "-U", self.USER, "--auth=trust", "-E", "UTF8",
                          "--locale=C.UTF-8", "--no-sync"),
                check=True, capture_output=True, text=True,
            )  # fmt: skip
        opts = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.data} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
            "-c shared_buffers=64MB"
        )
        r = subprocess.run(
            self._cmd("pg_ctl", "-D", str(self.data), "-l", str(self.data / "server.log"), "-o", opts, "-w",
                      "-t", "60", "start"),
            capture_output=True, text=True,
        )  # fmt: skip
        if r.returncode != 0:
            log = (self.data / "server.log").read_text(errors="replace")[-2000:] if self.data.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {r.stderr or r.stdout}\n{log}")
        self.started = True
        atexit.register(self.stop)  # an interrupted run does not leave the server behind
        return self

    def url(self, db: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.USER}@127.0.0.1:{self.port}/{db}"

    def create_database(self, name: str | None = None) -> str:
        """A fresh database; returns its URL."""
        import psycopg

        name = name or f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={self.USER} dbname=postgres",
                             autocommit=True) as c:  # fmt: skip
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={self.USER} dbname=postgres",
                             autocommit=True) as c:  # fmt: skip
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self.started:
            subprocess.run(self._cmd("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop"),
                           capture_output=True)  # fmt: skip
            self.started = False
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self if self.started else self.start()

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        self.stop()


class ChromaServer:
    """`chroma run --path <dir>` on a free loopback port (the CLI chromadb ships)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self._registered = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> ChromaServer:
        chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
        if not Path(chroma).exists():
            raise ServerUnavailable("the chroma CLI is not installed")
        self.proc = subprocess.Popen(
            [chroma, "run", "--path", str(self.path), "--port", str(self.port), "--host", "127.0.0.1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.time() + timeout
        while True:
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.proc.poll() is None and not self._registered:
                atexit.register(self.stop)
                self._registered = True
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError("chroma server did not start")
            time.sleep(0.3)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None

    def __enter__(self) -> ChromaServer:
        return self if self.proc is not None and self.proc.poll() is None else self.start()

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        self.stop()
