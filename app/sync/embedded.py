"""The embedded central server of a demo hall: `clerk-server` on loopback, over SQLite in the data folder.

Started as its own process (the window never imports the server), enrolled automatically, stopped with
the window. Production windows talk to the region's real server instead.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from app.sync import wire

log = logging.getLogger("clerk.sync.embedded")

DEMO_PORT = 8765


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def server_command() -> list[str]:
    """How to start `clerk-server`: the bundled executable beside ours in an installed (frozen) build,
    the module under this interpreter otherwise."""
    if getattr(sys, "frozen", False):
        name = "clerk-server.exe" if sys.platform == "win32" else "clerk-server"
        return [str(Path(sys.executable).with_name(name))]
    return [sys.executable, "-m", "server.cli"]


CREATE_NO_WINDOW = 0x08000000  # subprocess.CREATE_NO_WINDOW, which exists only on Windows


def child_creation_flags(*, platform: str = sys.platform) -> int:
    """`creationflags` for `clerk-server`: on Windows a console program started from the windowed
    `window-clerk` would open a console window of its own; elsewhere nothing to ask."""
    return CREATE_NO_WINDOW if platform == "win32" else 0


def _any_free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedServer:
    """`clerk-server serve` as a child process on loopback: the demo hall's server, and the tests' server.

    Its database is SQLite in `home` unless `database_url` names another (the tests use PostgreSQL).
    """

    def __init__(self, home: Path, *, port: int = DEMO_PORT, database_url: str | None = None) -> None:
        self.home = home
        self.database_url = database_url
        self.port = port if port and _port_free(port) else _any_free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(
            CLERK_SERVER_HOME=str(self.home), CLERK_SERVER_HOST="127.0.0.1", CLERK_SERVER_PORT=str(self.port)
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    def admin(self, *args: str) -> Any:
        """Run a `clerk-server` command for this server; its JSON answer."""
        result = subprocess.run(
            [*server_command(), *args, "--json"],
            env=self._env(),
            capture_output=True,
            text=True,
            timeout=120,
            creationflags=child_creation_flags(),
        )
        if result.returncode != 0:
            raise RuntimeError(f"clerk-server {args[0]} 失败：{result.stderr.strip()}")
        return json.loads(result.stdout)

    def start(self, *, timeout: float = 30) -> str:
        """Create or migrate the database (idempotent), serve, and wait until it answers."""
        self.home.mkdir(parents=True, exist_ok=True)
        self.admin("init", "--demo")
        log_file = (self.home / "server.log").open("ab")
        try:
            self.process = subprocess.Popen(
                [*server_command(), "serve"],
                env=self._env(),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                creationflags=child_creation_flags(),
            )
        finally:
            log_file.close()  # the child keeps its own descriptor
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"服务器未能启动，见 {self.home / 'server.log'}")
            try:
                if httpx.get(f"{self.url}{wire.HEALTH_PATH}", timeout=1).status_code == 200:
                    log.info("embedded server on %s", self.url)
                    return self.url
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("服务器启动超时")

    def enrollment_code(self, window: str, *, hall: str, replace: bool = False, window_name: str = "") -> str:
        args = ["enroll-code", "--hall", hall, "--window", window]
        args += (["--replace"] if replace else []) + (["--window-name", window_name] if window_name else [])
        return str(self.admin(*args)["code"])

    def kill(self) -> None:
        """SIGKILL, as a power cut or a crash would stop it."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
