"""An ASGI app (the central server's) served in the test process, as `clerk-server serve` serves it but
without a process: on an event loop of its own (a thread), answering

- on loopback through uvicorn (`url`), for whatever needs a socket: a proxy, the command line, another
  process, plain httpx calls;
- through `transport`, an httpx transport that hands each request to the app on that same loop and brings
  the answer back whole, with no socket: what a window's `SyncClient` is given in tests.

`stop()` takes it off the network at once (connections refused, the transport refusing too) and lets
uvicorn wind its connections down afterwards; `start()` listens again on the same port.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import httpx
import uvicorn


class EventLoopThread:
    """An asyncio event loop running in a thread of its own, as uvicorn's does in its process."""

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
        """Stop once the work already scheduled has run; the thread then closes the loop."""
        self.loop.call_soon_threadsafe(self.loop.stop)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServedApp:
    """`app` served in this process on 127.0.0.1:`port` (a free one by default) and through `transport`."""

    def __init__(self, app: Any, *, port: int = 0) -> None:
        self.app = app
        self.port = port or free_port()
        self.transport = InProcessTransport(self)
        self._lock = threading.Lock()
        self._loop: EventLoopThread | None = None
        self._asgi: httpx.ASGITransport | None = None
        self._uvicorn: uvicorn.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def running_on(self) -> tuple[EventLoopThread, httpx.ASGITransport] | None:
        with self._lock:
            if self._loop is None or self._asgi is None:
                return None
            return self._loop, self._asgi

    def start(self) -> str:
        """Listen on `url` (and answer through `transport`); returns once connections are accepted."""
        assert self._loop is None, "already started"
        loop = EventLoopThread(f"asgi-server:{self.port}")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", self.port))
            config = uvicorn.Config(
                self.app, log_config=None, log_level="warning", access_log=False, ws="none", lifespan="off"
            )
            server = uvicorn.Server(config)
            loop.run(self._listen(server, sock))
        except BaseException:
            sock.close()
            loop.stop()
            raise
        with self._lock:
            self._loop, self._uvicorn = loop, server
            self._asgi = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        return self.url

    @staticmethod
    async def _listen(server: uvicorn.Server, sock: socket.socket) -> None:
        """What uvicorn.Server.serve does before its main loop (no signal handlers: not the main thread)."""
        config = server.config
        if not config.loaded:
            config.load()
        server.lifespan = config.lifespan_class(config)
        await server.startup(sockets=[sock])
        if server.should_exit:
            raise RuntimeError("uvicorn did not start")

    def stop(self) -> None:
        """Off the network now: no new connection or transport request gets in. Connections open at this
        moment are wound down by uvicorn afterwards (as at a server's shutdown), then the loop ends."""
        with self._lock:
            loop, server = self._loop, self._uvicorn
            self._loop = self._asgi = self._uvicorn = None
        if loop is None or server is None:
            return
        loop.run(self._close_listeners(server))
        loop.submit(self._wind_down(server, loop))

    @staticmethod
    async def _close_listeners(server: uvicorn.Server) -> None:
        for listener in server.servers:
            listener.close()

    @staticmethod
    async def _wind_down(server: uvicorn.Server, loop: EventLoopThread) -> None:
        try:
            await server.shutdown()
        finally:
            loop.stop()


class Serving(Protocol):
    def running_on(self) -> tuple[EventLoopThread, httpx.ASGITransport] | None:
        """The loop and the app's ASGI transport while serving; None while stopped."""


class InProcessTransport(httpx.BaseTransport):
    """An httpx transport to a served app (a ServedApp, or a server made of one): the request goes to the
    app on the server's event loop (httpx.ASGITransport there) and the answer comes back whole. While the
    server is stopped a request is refused, as a connection to a stopped server is. The client's read
    timeout holds: an answer later than that raises httpx.ReadTimeout while the server goes on with the
    request, as over a network."""

    def __init__(self, served: Serving) -> None:
        self._served = served

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        running = self._served.running_on()
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


@contextmanager
def serve_on_loopback(app: Any) -> Iterator[str]:
    """`app` served on 127.0.0.1 (a free port) for the block; yields the base URL."""
    served = ServedApp(app)
    served.start()
    try:
        yield served.url
    finally:
        served.stop()
