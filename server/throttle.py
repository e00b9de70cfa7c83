"""Throttling failed attempts per client address: enrolment codes, device credentials, people's passwords.

Guessing an 80-bit enrolment code or a 256-bit device secret is infeasible, but someone trying should be
noticed, and a person's password is guessable: after `failures` failed attempts of one kind from one
address within `seconds`, that address is refused every attempt of that kind for `seconds` (HTTP 429
`too_many_attempts` with `Retry-After`), without the attempt being checked; the block is logged at WARNING
once, with the address and what was tried, never the secret. Other addresses go on as before; a blocked
kind does not block the others (a supervisor mistyping a password does not stop the window's sync).

In memory, per server process: a restart forgets every count and block (said in server/README.md). An
IPv6 client is counted by its /64 network, which one machine usually holds whole. Behind a reverse proxy on
the same host, uvicorn takes the client address from `X-Forwarded-For` (FORWARDED_ALLOW_IPS), so the
proxy's clients are counted one by one; halls behind one NAT share an address, hence the generous device
limit.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.sync.wire import LOOKUP_SECONDS, LOOKUPS_PER_DEVICE
from server.clock import Clock, system_clock, utc_naive

log = logging.getLogger("clerk.server.throttle")

ENROLL = "enroll"
DEVICE = "device"
PERSON = "person"
LOOKUP = "lookup"  # every licence lookup counts, per device (not per address): server.sync.licence_lookup


@dataclass(frozen=True)
class Rule:
    what: str  # what is being tried, for the log and the message
    failures: int  # this many failures ...
    seconds: int  # ... within this many seconds block the address for as long
    refusal: str = ""  # the message of a block, when "验证失败次数过多" is not what happened


# One table: what is throttled, and how hard.
RULES = {
    ENROLL: Rule("窗口登记码", failures=10, seconds=600),
    DEVICE: Rule("设备凭据", failures=30, seconds=600),
    PERSON: Rule("工作人员密码", failures=5, seconds=900),
    LOOKUP: Rule(
        "电子证照查询",
        failures=LOOKUPS_PER_DEVICE,
        seconds=LOOKUP_SECONDS,
        refusal="本窗口查询电子证照过于频繁，已暂停查询",
    ),
}
MAX_TRACKED = 100_000  # addresses remembered per kind; the oldest are forgotten first beyond this


@dataclass
class _Track:
    failures: deque[datetime] = field(default_factory=deque)
    blocked_until: datetime | None = None


class TooManyAttempts(Exception):
    """The address is blocked for this kind of attempt; `retry_after` in whole seconds."""

    def __init__(self, kind: str, retry_after: int) -> None:
        rule = RULES[kind]
        minutes = max(1, math.ceil(retry_after / 60))
        what = rule.refusal or f"本地址{rule.what}验证失败次数过多，已暂停受理此类请求"
        super().__init__(f"{what}，请 {minutes} 分钟后再试；如非本人操作，请联系大厅信息技术人员")
        self.kind = kind
        self.retry_after = retry_after
        self.message = str(self)


def client_key(address: str | None) -> str:
    """What an address is counted as: itself (IPv4, names), or its /64 network (IPv6)."""
    if not address:
        return "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


class Throttle:
    """Counts failures per (kind, address) and blocks per `rules`; thread-safe (endpoints run in threads)."""

    def __init__(self, *, clock: Clock = system_clock, rules: dict[str, Rule] | None = None) -> None:
        self._clock = clock
        self.rules = rules or RULES
        self._lock = threading.Lock()
        self._tracks: dict[str, dict[str, _Track]] = {kind: {} for kind in self.rules}

    def _now(self) -> datetime:
        return utc_naive(self._clock())

    def check(self, kind: str, address: str | None) -> None:
        """TooManyAttempts when `address` is blocked for `kind`; otherwise nothing."""
        key = client_key(address)
        now = self._now()
        with self._lock:
            track = self._tracks[kind].get(key)
            if track is None or track.blocked_until is None:
                return
            if now >= track.blocked_until:
                del self._tracks[kind][key]  # served its time: starts afresh
                return
            left = (track.blocked_until - now).total_seconds()
        raise TooManyAttempts(kind, max(1, math.ceil(left)))

    def failed(self, kind: str, address: str | None, *, tried: str) -> None:
        """Count a failed attempt; the one that reaches the limit blocks the address and is logged.
        `tried`: what was tried, for the log (a device id, a login), never the secret itself."""
        rule = self.rules[kind]
        key = client_key(address)
        now = self._now()
        window = timedelta(seconds=rule.seconds)
        with self._lock:
            tracks = self._tracks[kind]
            track = tracks.pop(key, None) or _Track()
            tracks[key] = track  # most recent last: the oldest are forgotten first
            if track.blocked_until is not None:
                return
            track.failures.append(now)
            while track.failures and track.failures[0] <= now - window:
                track.failures.popleft()
            blocked = len(track.failures) >= rule.failures
            if blocked:
                track.blocked_until = now + window
                track.failures.clear()
            while len(tracks) > MAX_TRACKED:
                del tracks[next(iter(tracks))]
        if blocked:
            log.warning(
                "%s: %d failed attempts (%s) within %d s; blocked for %d s (last tried: %s)",
                key,
                rule.failures,
                kind,
                rule.seconds,
                rule.seconds,
                tried,
            )
