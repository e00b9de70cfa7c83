"""A real central server for window tests: `clerk-server serve` in its own process, on loopback,
over a temporary SQLite file or a fresh PostgreSQL schema; enrolment codes from `clerk-server`."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_available() -> bool:
    try:
        import psycopg

        psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", connect_timeout=3).close()
    except Exception:
        return False
    return True


@dataclass
class ServerProcess:
    database_url: str
    home: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "CLERK_SERVER_HOME": str(self.home),
            "CLERK_SERVER_PORT": str(self.port),
            "CLERK_SERVER_HOST": "127.0.0.1",
        }

    def admin(self, *args: str) -> dict:  # type: ignore[type-arg]
        result = subprocess.run(
            [sys.executable, "-m", "server.cli", *args, "--json"],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)  # type: ignore[no-any-return]

    def start(self) -> None:
        log = (self.home / "server.log").open("ab")
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server.cli", "serve"],
                cwd=ROOT,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        finally:
            log.close()  # the child keeps its own descriptor
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError(
            f"server did not start: {(self.home / 'server.log').read_text(errors='replace')}"
        )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def enrollment_code(self, window: str, *, hall: str = "SZX01", replace: bool = False) -> str:
        args = ["enroll-code", "--hall", hall, "--window", window] + (["--replace"] if replace else [])
        return str(self.admin(*args)["code"])


def server_for(kind: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """A migrated server over SQLite or a fresh PostgreSQL schema, started; stopped and dropped after."""
    schema = None
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    else:
        if not postgres_available():
            pytest.skip("PostgreSQL at 127.0.0.1:5432 is not reachable")
        import psycopg

        schema = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=test", autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
    server = ServerProcess(url, tmp_path / "server-home", free_port())
    server.home.mkdir()
    server.admin("init", "--demo")
    server.start()
    try:
        yield server
    finally:
        server.stop()
        if schema is not None:
            import psycopg

            with psycopg.connect("host=127.0.0.1 user=postgres dbname=test", autocommit=True) as connection:
                connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
