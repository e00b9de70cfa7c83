"""How a window talks to its server: the device credential in the OS keyring, HTTP over TLS, and the
errors a request can end in.

Every request is one JSON (or file) request on its own connection; any answer but 200 becomes a
`SyncError` saying what went wrong. A credential the server says is revoked is forgotten here, and that
it was revoked is remembered in the database (`REVOKED_STATE`) until a round succeeds with a new one.
"""

from __future__ import annotations

import json as json_text
import logging
import ssl
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, NoReturn, TypedDict, Unpack

import httpx

from app.clock import Clock
from app.secrets import SecretStore
from app.settings import Settings
from app.sync.state import SyncStates

log = logging.getLogger("clerk.sync")

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0
PERSON_REFUSED = ("account_refused", "role_missing")  # the server's codes for refusing a person (403)
REVOKED_STATE = "device_revoked"  # sync_state key: the Revocation (JSON) of the forgotten credential


class SyncError(Exception):
    """A round that could not finish, or a request refused.

    `kind`: offline | auth | server | protocol | not_registered | invalid | too_large (a request refused as
    too large, HTTP 413: the push splits its batch) | refused (the server refused the person acting: login,
    password or role) | temporary_expired (the person's temporary password is past its time: hall IT
    resets it). `code`: the server's error code (`ErrorBody.error`) when it sent one; `answer`: its whole
    error body (e.g. the offset a refused chunk of a page file should have had: app.sync.blobs)."""

    def __init__(
        self, kind: str, message: str, *, code: str | None = None, answer: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.code = code
        self.answer = answer


NOT_REGISTERED_MESSAGE = "本窗口尚未在服务器登记（clerk register）"


@dataclass(frozen=True)
class Credential:
    server_url: str
    device_id: str
    secret: str
    hall_code: str
    window_code: str

    @property
    def bearer(self) -> str:
        return f"Bearer {self.device_id}.{self.secret}"


@dataclass(frozen=True)
class Revocation:
    """The server refused this window's device as revoked and its credential was forgotten: what the window
    tells the clerk and hall IT until it is registered again."""

    server_url: str
    hall_code: str
    window_code: str
    device_id: str
    noticed_at: str  # ISO UTC, this window's clock
    message: str  # the server's own words


def credential_key(server_url: str, window_code: str) -> str:
    """The keyring entry of a window's device credential: per server and window code, so two data folders
    of one OS account (a training folder beside the real one) never use each other's credential."""
    return f"device:{server_url}#{window_code}"


def utc_text(moment: datetime) -> str:
    """A naive UTC moment as the wire writes it: ISO, ending in Z."""
    return moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


class RequestBody(TypedDict, total=False):
    """What a request carries besides its method, server, path and credential (each part optional)."""

    json: Any  # a body, sent as JSON
    content: bytes  # a body already written as JSON (a push batch), or bytes of `content_type`
    content_type: str  # of `content` when it is not JSON (a chunk of a page file)
    params: dict[str, str]  # the query


class Transport:
    """The window's credential and its requests to the server."""

    def __init__(
        self,
        *,
        states: SyncStates,
        settings: Settings,
        secrets: SecretStore,
        clock: Clock,
        transport: httpx.BaseTransport | None,
        read_timeout: float,
    ) -> None:
        self.states, self.settings, self.secrets, self.clock = states, settings, secrets, clock
        self.http_transport = transport
        self.read_timeout = read_timeout
        self._tls: dict[str, ssl.SSLContext] = {}
        self._tls_lock = threading.Lock()

    # -- the credential ---------------------------------------------------------------------------
    def server_url(self) -> str:
        """The server this window syncs with ("" before its first registration)."""
        return str(self.settings.get("server_url") or "")

    def credential(self) -> Credential | None:
        url = self.server_url()
        if not url:
            return None
        stored = self.secrets.get(credential_key(url, str(self.settings.get("window_code"))))
        if stored is None:
            return None
        data = json_text.loads(stored)
        return Credential(url, data["device_id"], data["secret"], data["hall_code"], data["window_code"])

    def registered(self) -> Credential:
        """The credential, or SyncError `not_registered`."""
        credential = self.credential()
        if credential is None:
            raise SyncError("not_registered", NOT_REGISTERED_MESSAGE)
        return credential

    def revocation(self) -> Revocation | None:
        """Why this window has no credential, when the server revoked it (None: registered, or never was)."""
        if self.credential() is not None:
            return None
        recorded = self.states.get(REVOKED_STATE)
        if recorded is None:
            return None
        try:
            return Revocation(**json_text.loads(recorded))
        except (ValueError, TypeError):
            log.warning("unreadable revocation record %r; ignored", recorded[:200])
            return None

    def _forget(self, credential: Credential, message: str) -> None:
        """A revoked device credential is useless; drop it so the window asks to be registered again. That
        it was revoked is written first, so a crash in between leaves the credential to be refused again.
        Only that credential: a superseded registration being refused leaves the window's own one alone."""
        key = credential_key(credential.server_url, credential.window_code)
        stored = self.secrets.get(key)
        if stored is None or json_text.loads(stored).get("device_id") != credential.device_id:
            return
        revocation = Revocation(
            server_url=credential.server_url,
            hall_code=credential.hall_code,
            window_code=credential.window_code,
            device_id=credential.device_id,
            noticed_at=utc_text(self.clock.now().replace(tzinfo=None)),
            message=message,
        )
        self.states.set(REVOKED_STATE, json_text.dumps(asdict(revocation), ensure_ascii=False))
        self.secrets.delete(key)
        log.warning(
            "device credential %s revoked by the server; forgotten: %s", credential.device_id, message
        )

    # -- requests ---------------------------------------------------------------------------------
    def request(
        self, method: str, base: str, path: str, *, credential: Credential | None, **body: Unpack[RequestBody]
    ) -> Any:
        """A JSON request; its decoded answer, or SyncError."""
        response = self.send(method, base, path, credential, **body)
        try:
            return response.json()
        except ValueError:
            raise SyncError("protocol", f"服务器回应不是 JSON（{path}）") from None

    def bounded_json(
        self, method: str, credential: Credential, path: str, *, max_bytes: int, **body: Unpack[RequestBody]
    ) -> Any:
        """A JSON request whose answer is read only up to `max_bytes` (a read a window checks before it
        shows or keeps anything: a case's record, a bundle, a helper's cases, a licence lookup): the
        decoded answer; SyncError as `send`, `too_large` for a longer answer, `protocol` for one not JSON."""
        response = self.send(method, credential.server_url, path, credential, **body)
        if len(response.content) > max_bytes:
            raise SyncError("too_large", f"服务器回应超过 {max_bytes} 字节，未采用")
        try:
            return json_text.loads(response.content)
        except ValueError:
            raise SyncError("protocol", f"服务器回应不是 JSON（{path}）") from None

    def request_bytes(self, credential: Credential, path: str) -> bytes:
        """GET a file (a catalog) as bytes, with the same errors as `request`."""
        return self.send("GET", credential.server_url, path, credential).content

    def send(
        self, method: str, base: str, path: str, credential: Credential | None, **body: Unpack[RequestBody]
    ) -> httpx.Response:
        """One request on its own connection; a 200 response, or SyncError saying what went wrong."""
        headers = {"Authorization": credential.bearer} if credential else {}
        parts: dict[str, Any] = {key: value for key, value in body.items() if key != "content_type"}
        if "content" in body:
            headers["Content-Type"] = body.get("content_type", "application/json")
        try:
            with httpx.Client(
                base_url=base,
                timeout=httpx.Timeout(self.read_timeout, connect=CONNECT_TIMEOUT),
                transport=self.http_transport,
                verify=self._verify(),
            ) as http:
                sent = self.clock.pc_now()
                response = http.request(method, path, headers=headers, **parts)
                self._observe_clock(response, sent)
        except httpx.TimeoutException as error:
            raise SyncError("offline", f"连接服务器超时（{base}）：{error}") from error
        except httpx.TransportError as error:
            raise SyncError("offline", f"无法连接服务器（{base}）：{error}") from error
        if response.status_code != 200:
            self._raise_for(response, credential, path)
        return response

    def _observe_clock(self, response: httpx.Response, sent: datetime) -> None:
        """The server's clock, from its answer's Date header (every HTTP server sends one)."""
        try:
            server_time = parsedate_to_datetime(response.headers["date"])
        except (KeyError, TypeError, ValueError):
            return
        if server_time.tzinfo is not None:
            self.clock.observe_server(server_time, sent=sent, received=self.clock.pc_now())

    def _verify(self) -> ssl.SSLContext:
        """The TLS context for the server, made once per CA setting: loading a CA bundle costs ~20 ms,
        which every request (and every batch of a push) would otherwise pay again."""
        ca_file = str(self.settings.get("server_ca") or "")
        with self._tls_lock:
            cached = self._tls.get(ca_file)
            if cached is not None:
                return cached
            try:
                if ca_file:
                    context = ssl.create_default_context(cafile=ca_file)
                else:
                    context = httpx.create_ssl_context()
            except (OSError, ssl.SSLError) as error:
                raise SyncError("protocol", f"无法读取服务器 CA 证书 {ca_file}：{error}") from error
            self._tls[ca_file] = context
            return context

    def _raise_for(self, response: httpx.Response, credential: Credential | None, path: str) -> NoReturn:
        """The SyncError for a response other than 200 (the server's message when it sent one)."""
        try:
            body = response.json()
        except ValueError:
            body = None
        answer = body if isinstance(body, dict) else None
        message = answer.get("message") if answer is not None else None
        code = answer.get("error") if answer is not None else None

        def said(kind: str, text: str) -> SyncError:
            return SyncError(kind, text, code=code if isinstance(code, str) else None, answer=answer)

        if response.status_code == 401:
            if code == "revoked" and credential is not None:
                self._forget(credential, message or "")
            raise said("auth", message or "服务器拒绝了本窗口的凭据，请重新登记")
        if response.status_code == 403 and code in PERSON_REFUSED:
            raise said("refused", message or "服务器拒绝了工作人员授权")
        if response.status_code == 403 and code == "temporary_expired":
            raise said("temporary_expired", message or "临时密码已过期，请信息技术人员重置")
        if response.status_code == 413:
            raise said("too_large", message or f"请求过大（HTTP 413，{path}）")
        if response.status_code in (400, 403, 404, 409):
            raise said("protocol", message or f"服务器拒绝请求（HTTP {response.status_code}，{path}）")
        raise said("server", message or f"服务器错误（HTTP {response.status_code}），稍后自动重试")
