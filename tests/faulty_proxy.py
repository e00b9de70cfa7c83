"""A real TCP proxy on loopback that injects network faults between a window and the server.

Each client connection (the sync client opens one per request) gets one fate:
- "pass": forwarded both ways;
- "drop": closed before anything reaches the server (the request is lost);
- "cut": the request reaches the server, the response is read, the client's connection is closed
  before it sees a byte (the server committed, the window does not know);
- "duplicate": the request is sent to the server twice; the client gets the second answer;
- "slow": the response is held back `slow_seconds`, or until the client gives up waiting and hangs up,
  whichever comes first (a client more patient than `slow_seconds` gets it late);
- "late": the client's connection is closed at once (it sees a lost request and moves on), and the request
  reaches the server after a newer one has (or `slow_seconds` later, or at `settle()`, whichever comes
  first): delivery out of order, a stale retry landing last.

`settle()` waits until every request so far is over: answered, dropped, or delivered late.
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

FATES = ("pass", "drop", "cut", "duplicate", "slow", "late")


def _read_http_message(sock: socket.socket) -> bytes:
    """One HTTP/1.1 message with a Content-Length body (what httpx and uvicorn send here)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


@dataclass
class FaultyProxy:
    target_port: int
    choose: Callable[[], str] = field(default=lambda: "pass")
    slow_seconds: float = 2.0
    port: int = 0
    fates: list[str] = field(default_factory=list)
    late: list[threading.Thread] = field(default_factory=list)
    handlers: list[threading.Thread] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(64)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._forwarded = threading.Condition()  # notified whenever a request reaches the server
        self._forwarded_count = 0
        self._settling = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def random(
        cls, target_port: int, *, seed: int, weights: dict[str, float], **kwargs: float
    ) -> FaultyProxy:
        rng = random.Random(seed)
        names, values = zip(*weights.items(), strict=True)
        return cls(target_port, choose=lambda: rng.choices(names, values)[0], **kwargs)  # type: ignore[arg-type]

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):  # wakes the accept() waiting in _serve (close alone does not)
            self._server.shutdown(socket.SHUT_RDWR)
        self._server.close()
        self._thread.join(timeout=10)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            handler = threading.Thread(target=self._handle, args=(client,), daemon=True)
            self.handlers.append(handler)
            handler.start()

    def _exchange(self, request: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", self.target_port), timeout=120) as upstream:
            upstream.sendall(request)
            with self._forwarded:
                self._forwarded_count += 1
                self._forwarded.notify_all()
            return _read_http_message(upstream)

    def _deliver_late(self, request: bytes) -> None:
        with self._forwarded:
            before = self._forwarded_count
            self._forwarded.wait_for(
                lambda: self._forwarded_count > before or self._settling, timeout=self.slow_seconds
            )
        try:
            self._exchange(request)
        except OSError:
            return

    @staticmethod
    def _hold(client: socket.socket, seconds: float) -> None:
        """Wait `seconds`, or until the client hangs up (it gave up waiting), whichever comes first."""
        client.settimeout(seconds)
        with contextlib.suppress(TimeoutError):
            while client.recv(65536):
                pass

    def settle(self) -> None:
        """Wait until every request so far is over: answered, dropped, or (a late one) delivered now."""
        with self._forwarded:
            self._settling = True
            self._forwarded.notify_all()
        for thread in [*self.handlers, *self.late]:
            thread.join(timeout=60)
        with self._forwarded:
            self._settling = False

    def _handle(self, client: socket.socket) -> None:
        fate = self.choose()
        self.fates.append(fate)
        try:
            with client:
                request = _read_http_message(client)
                if not request or fate == "drop":
                    return
                if fate == "late":
                    delivery = threading.Thread(target=self._deliver_late, args=(request,), daemon=True)
                    self.late.append(delivery)
                    delivery.start()
                    return
                response = self._exchange(request)
                if fate == "duplicate":
                    response = self._exchange(request)
                if fate == "cut":
                    client.shutdown(socket.SHUT_RDWR)
                    return
                if fate == "slow":
                    self._hold(client, self.slow_seconds)
                client.sendall(response)
        except OSError:
            return
