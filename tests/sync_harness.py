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
(tests.templates); a PostgreSQL schema is made and initialised per server and dropped afterwards.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import io
import json
import logging
import socket
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
import uvicorn

from app.sync.embedded import EmbeddedServer
from tests import postgres, templates

ROOT = Path(__file__).resolve().parent.parent
SERVER_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # as `clerk-server serve` logs


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

    def admin(self, *args: str) -> Any: ...

    def enrollment_code(
        self, window: str, *, hall: str, replace: bool = False, window_name: str = ""
    ) -> str: ...

    def start(self) -> str: ...

    def stop(self) -> None: ...


def run_admin(database_url: str, *args: str) -> Any:
    """`clerk-server ARGS --json --database URL` in this process: its JSON answer (RuntimeError on failure,
    with the message hall IT would read, as EmbeddedServer.admin raises)."""
    from server.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([*args, "--json", "--database", database_url])
        except SystemExit as exit_:  # argparse refusing the arguments
            code = exit_.code if isinstance(exit_.code, int) else 1
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

    def admin(self, *args: str) -> Any:
        return run_admin(self.database_url or f"sqlite:///{self.home / 'server.sqlite3'}", *args)

    def enrollment_code(self, window: str, *, hall: str, replace: bool = False, window_name: str = "") -> str:
        return _enrollment_code(self, window, hall=hall, replace=replace, window_name=window_name)


# -- the server in this process -----------------------------------------------------------------------
class _EventLoop:
    """An asyncio event loop running in a thread of its own, as uvicorn's is."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            pending = asyncio.all_tasks(self.loop)
            for task in pending:
                task.cancel()
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.run_until_complete(self.loop.shutdown_default_executor())
            self.loop.close()

    def submit(self, work: Coroutine[Any, Any, Any]) -> concurrent.futures.Future[Any]:
        return asyncio.run_coroutine_threadsafe(work, self.loop)

    def run(self, work: Coroutine[Any, Any, Any], *, timeout: float = 30) -> Any:
        return self.submit(work).result(timeout)

    def stop(self) -> None:
        """Stop once the work already scheduled has run; the thread closes the loop."""
        self.loop.call_soon_threadsafe(self.loop.stop)

    def join(self, timeout: float = 30) -> None:
        self._thread.join(timeout)


class InProcessTransport(httpx.BaseTransport):
    """An httpx transport to an in-process server: each request goes to the server's app on the server's
    event loop (httpx.ASGITransport there) and its answer comes back whole. While the server is stopped,
    a request is refused as a connection to a stopped server is. The client's read timeout holds: an answer
    later than that raises httpx.ReadTimeout while the server goes on with the request, as over a network."""

    def __init__(self, server: InProcessServer) -> None:
        self._server = server

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        running = self._server.running_on()
        if running is None:
            raise httpx.ConnectError("[Errno 111] Connection refused (server stopped)", request=request)
        loop, asgi = running
        forwarded = httpx.Request(
            request.method, request.url, headers=request.headers, content=request.read()
        )
        answer = loop.submit(self._answer(asgi, forwarded))
        timeout = request.extensions.get("timeout", {}).get("read")
        try:
            status, headers, body = answer.result(timeout)
        except concurrent.futures.TimeoutError:
            raise httpx.ReadTimeout("timed out waiting for the server's answer", request=request) from None
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(body), request=request)

    @staticmethod
    async def _answer(asgi: httpx.ASGITransport, request: httpx.Request) -> tuple[int, httpx.Headers, bytes]:
        response = await asgi.handle_async_request(request)
        body = b"".join([part async for part in response.stream])  # type: ignore[union-attr]
        return response.status_code, response.headers, body


def _reserve_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class InProcessServer:
    """The central server in this process on `database_url`: `transport` for a window's SyncClient (no
    socket), `url` on loopback for everything else. It logs to `home/server.log` as the process does."""

    def __init__(self, home: Path, *, database_url: str) -> None:
        self.home = home
        self.database_url: str | None = database_url
        self.port = _reserve_port()
        self.transport = InProcessTransport(self)
        self.app: Any = None
        self._loop: _EventLoop | None = None
        self._asgi: httpx.ASGITransport | None = None
        self._uvicorn: uvicorn.Server | None = None
        self._log: logging.Handler | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def running_on(self) -> tuple[_EventLoop, httpx.ASGITransport] | None:
        with self._lock:
            if self._loop is None or self._asgi is None:
                return None
            return self._loop, self._asgi

    def admin(self, *args: str) -> Any:
        assert self.database_url is not None
        return run_admin(self.database_url, *args)

    def enrollment_code(self, window: str, *, hall: str, replace: bool = False, window_name: str = "") -> str:
        return _enrollment_code(self, window, hall=hall, replace=replace, window_name=window_name)

    def start(self) -> str:
        """Open the app on the database (migrated by create_app, as `serve` does) and listen on `url`."""
        from server.api import create_app

        assert self.database_url is not None and self._loop is None
        self.home.mkdir(parents=True, exist_ok=True)
        self._start_log()
        app = create_app(database_url=self.database_url)
        loop = _EventLoop(f"clerk-server:{self.port}")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", self.port))
            config = uvicorn.Config(
                app, log_config=None, log_level="warning", access_log=False, ws="none", lifespan="off"
            )
            server = uvicorn.Server(config)
            loop.run(self._listen(server, sock))
        except BaseException:
            sock.close()
            loop.stop()
            app.state.db.close()
            self._stop_log()
            raise
        with self._lock:
            self.app, self._loop, self._uvicorn = app, loop, server
            self._asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        return self.url

    @staticmethod
    async def _listen(server: uvicorn.Server, sock: socket.socket) -> None:
        config = server.config
        if not config.loaded:
            config.load()
        server.lifespan = config.lifespan_class(config)
        await server.startup(sockets=[sock])
        if server.should_exit:
            raise RuntimeError("uvicorn did not start")

    def stop(self) -> None:
        """Off the network at once (connections refused); uvicorn winds down its connections afterwards."""
        with self._lock:
            app, loop, server = self.app, self._loop, self._uvicorn
            self.app = self._loop = self._asgi = self._uvicorn = None
        if loop is None or server is None:
            return
        loop.run(self._close_listeners(server))
        loop.submit(self._wind_down(server, loop))
        app.state.db.close()
        self._stop_log()

    @staticmethod
    async def _close_listeners(server: uvicorn.Server) -> None:
        for listener in server.servers:
            listener.close()

    @staticmethod
    async def _wind_down(server: uvicorn.Server, loop: _EventLoop) -> None:
        try:
            await server.shutdown()
        finally:
            loop.stop()

    def _start_log(self) -> None:
        handler = logging.FileHandler(self.home / "server.log", encoding="utf-8")
        handler.setFormatter(logging.Formatter(SERVER_LOG_FORMAT))
        handler.setLevel(logging.INFO)
        for name in ("clerk.server", "uvicorn.error"):
            logger = logging.getLogger(name)
            logger.addHandler(handler)
            if logger.getEffectiveLevel() > logging.INFO:
                logger.setLevel(logging.INFO)
        self._log = handler

    def _stop_log(self) -> None:
        if self._log is not None:
            for name in ("clerk.server", "uvicorn.error"):
                logging.getLogger(name).removeHandler(self._log)
            self._log.close()
            self._log = None


# -- databases ----------------------------------------------------------------------------------------
@contextlib.contextmanager
def _database(kind: str, path: Path) -> Iterator[str]:
    """The URL of a server database initialised as `clerk-server init --demo` leaves it: a copy of the
    run's template (SQLite), or a new schema initialised here and dropped afterwards (PostgreSQL)."""
    if kind == "sqlite":
        database = path / "server.sqlite3"
        templates.server_database(database, demo=True)
        yield f"sqlite:///{database}"
        return
    reason = postgres.unreachable_reason()
    if reason is not None:
        pytest.skip(reason)
    schema = postgres.new_schema()
    try:
        url = postgres.schema_url(schema)
        run_admin(url, "init", "--demo")
        yield url
    finally:
        postgres.drop_schema(schema)


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
