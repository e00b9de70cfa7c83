"""Where a queued message goes: a `Gateway` sends one and says how it went (`Delivery`).

- `TableGateway` (the default): the message stays in the `message` table, marked delivered; the hall's
  supervisor reads it there (`clerk-server messages list`) and tells the applicant by whatever means the
  hall has.
- `HttpGateway`: POSTs the message as JSON to the URL of the server's settings (an SMS platform's adapter,
  a government messaging service), with an `Idempotency-Key` header (the message's id) so the receiver
  drops a message it has already taken, a bearer token when one is set (never logged), and a timeout.
  2xx: delivered. A timeout, a network error, 408, 425, 429 or 5xx: tried again later. Any other answer
  (400, 401, 403, 404, 422 …) will not get better by repeating: failed, with the receiver's answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import httpx

from server.clock import utc_text

log = logging.getLogger("clerk.server.messages")

IDEMPOTENCY_HEADER = "Idempotency-Key"
RETRIED_STATUSES = frozenset({408, 425, 429})
MAX_ERROR_CHARS = 300


@dataclass(frozen=True)
class OutgoingMessage:
    """A queued message as a gateway sends it."""

    id: int
    event_id: str
    purpose: str
    hall_code: str
    case_number: str
    phone: str
    text: str
    created_at: datetime

    def as_json(self) -> dict[str, object]:
        return {
            "message_id": self.id,
            "event_id": self.event_id,
            "purpose": self.purpose,
            "hall_code": self.hall_code,
            "case_number": self.case_number,
            "phone": self.phone,
            "text": self.text,
            "created_at": utc_text(self.created_at),
        }


@dataclass(frozen=True)
class Delivery:
    """How a send went: delivered; or not, and whether trying again may help (`retry`), and why."""

    delivered: bool
    retry: bool = False
    error: str | None = None

    @classmethod
    def done(cls) -> Delivery:
        return cls(True)

    @classmethod
    def later(cls, error: str) -> Delivery:
        return cls(False, retry=True, error=error[:MAX_ERROR_CHARS])

    @classmethod
    def refused(cls, error: str) -> Delivery:
        return cls(False, retry=False, error=error[:MAX_ERROR_CHARS])


class Gateway(Protocol):
    name: str

    def send(self, message: OutgoingMessage) -> Delivery: ...


class TableGateway:
    """The message stays in the table, delivered there: the supervisor reads it."""

    name = "table"

    def send(self, message: OutgoingMessage) -> Delivery:
        return Delivery.done()


class HttpGateway:
    """POSTs each message to `url` (http or https, validated by server.config)."""

    name = "http"

    def __init__(
        self,
        url: str,
        *,
        timeout: float,
        token: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self._token = token
        self._client = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)

    def close(self) -> None:
        self._client.close()

    def send(self, message: OutgoingMessage) -> Delivery:
        headers = {IDEMPOTENCY_HEADER: str(message.id)}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            response = self._client.post(self.url, json=message.as_json(), headers=headers)
        except httpx.TimeoutException:
            return Delivery.later("消息网关未在时限内应答")
        except httpx.HTTPError as error:
            return Delivery.later(f"无法连接消息网关：{type(error).__name__}")
        status = response.status_code
        if 200 <= status < 300:
            return Delivery.done()
        answer = f"消息网关应答 HTTP {status}：{response.text.strip()[:200]}"
        if status in RETRIED_STATUSES or status >= 500:
            return Delivery.later(answer)
        return Delivery.refused(answer)
