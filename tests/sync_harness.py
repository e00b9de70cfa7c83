"""A real central server for window tests, over a SQLite file or a fresh PostgreSQL schema, with the demo
halls, catalog and accounts (`clerk-server init --demo`).

- `in_process_server(kind, path)`: the server app (`server.api.create_app`) in this process. A window's
  `SyncClient` reaches it through `server.transport`, an httpx transport that hands each request to the
  app on the server's own event loop, as uvicorn would, with no socket; the same app also listens on
  `server.url` (uvicorn on loopback, same loop) for what needs a socket: the `clerk` command line run
  in-process, a proxy, another process. `stop()` / `start()` take it off the network and back.
- `server_for(kind, path)`: `clerk-server serve` in a process of its own, for what the process matters to:
  killing the server mid-batch, network faults through a proxy, benchmarks.

Both answer `admin(...)` (a `clerk-server` command, run in this process on the server's database, its JSON
answer) and `enrollment_code(...)`. A SQLite database starts as a copy of one made once per run
(tests.templates); a PostgreSQL schema comes from a pool of schemas in that state (tests.postgres).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest

from app.sync import wire
from app.sync.embedded import EmbeddedServer
from tests import postgres, templates
from tests.asgi_server import EventLoopThread, InProcessTransport, ServedApp, free_port

ROOT = Path(__file__).resolve().parent.parent
SERVER_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # as `clerk-server serve` logs
SERVER_LOGGERS = ("clerk.server", "uvicorn.error")


def postgres_available() -> bool:
    return postgres.unreachable_reason() is None


class CentralServer(Protocol):
    """What window tests use of a server, in-process or in a process of its own."""

    home: Path
    database_url: str | None

    @property
    def url(self) -> str: ...

    @property
    def port(self) -> int: ...

    @property
    def blob_folder(self) -> Path: ...

    def admin(self, *args: str, password: str | None = None) -> Any: ...

    def enrollment_code(
        self, window: str, *, hall: str, replace: bool = False, window_name: str = ""
    ) -> str: ...

    def start(self) -> str: ...

    def stop(self) -> None: ...


def run_admin(database_url: str, *args: str, password: str | None = None) -> Any:
    """`clerk-server ARGS --json --database URL` in this process: its JSON answer (RuntimeError on failure,
    with the message hall IT would read, as EmbeddedServer.admin raises). `password`: CLERK_PASSWORD for
    the command (`account add`), as hall IT scripts it."""
    from server.cli import PASSWORD_ENV, main

    out, err = io.StringIO(), io.StringIO()
    before = os.environ.get(PASSWORD_ENV)
    if password is not None:
        os.environ[PASSWORD_ENV] = password
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([*args, "--json", "--database", database_url])
            except SystemExit as exit_:  # argparse refusing the arguments
                code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        if password is not None:
            if before is None:
                del os.environ[PASSWORD_ENV]
            else:
                os.environ[PASSWORD_ENV] = before
    if code != 0:
        raise RuntimeError(f"clerk-server {args[0]} 失败：{err.getvalue().strip()}")
    return json.loads(out.getvalue())


def _enrollment_code(
    server: CentralServer, window: str, *, hall: str, replace: bool = False, window_name: str = ""
) -> str:
    args = ["enroll-code", "--hall", hall, "--window", window]
    args += (["--replace"] if replace else []) + (["--window-name", window_name] if window_name else [])
    return str(server.admin(*args)["code"])


# -- a server process ---------------------------------------------------------------------------------
class ServerProcess(EmbeddedServer):
    """`clerk-server serve` as a child process (the demo hall's server); its admin commands run in this
    process, on the same database, as hall IT's `clerk-server` would."""

    def admin(self, *args: str, password: str | None = None) -> Any:
        database_url = self.database_url or f"sqlite:///{self.home / 'server.sqlite3'}"
        return run_admin(database_url, *args, password=password)

    @property
    def blob_folder(self) -> Path:
        """Where `serve` keeps page files: its default for the database (server.config)."""
        from server.config import blob_folder_for

        return blob_folder_for(self.database_url or f"sqlite:///{self.home / 'server.sqlite3'}", self.home)

    def enrollment_code(self, window: str, *, hall: str, replace: bool = False, window_name: str = "") -> str:
        return _enrollment_code(self, window, hall=hall, replace=replace, window_name=window_name)


# -- the server in this process -----------------------------------------------------------------------
class InProcessServer:
    """The central server in this process on `database_url`: `transport` for a window's SyncClient (no
    socket), `url` on loopback for everything else (tests.asgi_server). It logs to `home/server.log` as
    the process does. `stop()` closes the app's database too; `start()` opens it again, as a restart."""

    def __init__(self, home: Path, *, database_url: str) -> None:
        self.home = home
        self.database_url: str | None = database_url
        self.port = free_port()
        self.app: Any = None
        self._served: ServedApp | None = None
        self._log: logging.Handler | None = None
        self.transport = InProcessTransport(self)  # stays valid across stop() and start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def blob_folder(self) -> Path:
        """Where the server keeps page files (server.blobs)."""
        return self.home / "blobs"

    def running_on(self) -> tuple[EventLoopThread, httpx.ASGITransport] | None:
        served = self._served
        return None if served is None else served.running_on()

    def admin(self, *args: str, password: str | None = None) -> Any:
        assert self.database_url is not None
        return run_admin(self.database_url, *args, password=password)

    def enrollment_code(self, window: str, *, hall: str, replace: bool = False, window_name: str = "") -> str:
        return _enrollment_code(self, window, hall=hall, replace=replace, window_name=window_name)

    def enrolled_headers(self, http: httpx.Client, window: str, *, hall: str) -> dict[str, str]:
        """A PC of `window` (of `hall`) enrolled and confirmed through `http`: its request headers, as a
        stolen or foreign PC would send them."""
        code = self.enrollment_code(window, hall=hall)
        enrolled = http.post(wire.ENROLL_PATH, json={"code": code, "window_code": window, "device_name": "x"})
        assert enrolled.status_code == 200, enrolled.text
        answer = enrolled.json()
        headers = {"Authorization": f"Bearer {answer['device_id']}.{answer['secret']}"}
        assert http.post(wire.CONFIRM_PATH, json={}, headers=headers).status_code == 200
        return headers

    def start(self) -> str:
        """Open the app on the database (migrated by create_app, as `serve` does) and listen on `url`."""
        from server.api import create_app

        assert self.database_url is not None and self._served is None, "already started"
        self.home.mkdir(parents=True, exist_ok=True)
        self._start_log()
        try:
            app = create_app(database_url=self.database_url, blob_folder=self.blob_folder)
            served = ServedApp(app, port=self.port)
            try:
                served.start()
            except BaseException:
                app.state.db.close()
                raise
        except BaseException:
            self._stop_log()
            raise
        self.app, self._served = app, served
        return self.url

    def stop(self) -> None:
        served, app = self._served, self.app
        self._served = self.app = None
        if served is None:
            return
        served.stop()
        app.state.db.close()
        self._stop_log()

    def _start_log(self) -> None:
        handler = logging.FileHandler(self.home / "server.log", encoding="utf-8")
        handler.setFormatter(logging.Formatter(SERVER_LOG_FORMAT))
        handler.setLevel(logging.INFO)
        for name in SERVER_LOGGERS:
            logger = logging.getLogger(name)
            logger.addHandler(handler)
            if logger.getEffectiveLevel() > logging.INFO:
                logger.setLevel(logging.INFO)
        self._log = handler

    def _stop_log(self) -> None:
        if self._log is not None:
            for name in SERVER_LOGGERS:
                logging.getLogger(name).removeHandler(self._log)
            self._log.close()
            self._log = None


# -- databases ----------------------------------------------------------------------------------------
# PostgreSQL schemas as `clerk-server init --demo` leaves them, reused from test to test (tests.postgres).
DEMO_SCHEMAS = postgres.SchemaPool("demo", prepare=lambda url: run_admin(url, "init", "--demo"))


@contextlib.contextmanager
def _database(kind: str, path: Path) -> Iterator[str]:
    """The URL of a server database as `clerk-server init --demo` leaves it: a copy of the run's template
    (SQLite), or a schema of the run's pool in that state (PostgreSQL)."""
    if kind == "sqlite":
        database = path / "server.sqlite3"
        templates.server_database(database, demo=True)
        yield f"sqlite:///{database}"
        return
    reason = postgres.unreachable_reason()
    if reason is not None:
        pytest.skip(reason)
    schema = DEMO_SCHEMAS.take()
    try:
        yield postgres.schema_url(schema)
    finally:
        DEMO_SCHEMAS.give_back(schema)


def in_process_server(kind: str, path: Path) -> Iterator[InProcessServer]:
    """A started in-process server over SQLite or PostgreSQL (`kind`); stopped and dropped after."""
    with _database(kind, path) as url:
        server = InProcessServer(path / "server-home", database_url=url)
        server.start()
        try:
            yield server
        finally:
            server.stop()


def server_for(kind: str, path: Path) -> Iterator[ServerProcess]:
    """A started server process over SQLite or PostgreSQL (`kind`); stopped and dropped after."""
    with _database(kind, path) as url:
        server = ServerProcess(path / "server-home", port=0, database_url=url)
        server.start()
        try:
            yield server
        finally:
            server.stop()
