"""The hash chain of a window's events: each event carries the hash of that window's previous one, so an
event edited, removed or put in another order after it was recorded is found (`clerk audit verify` on the
window, every push on the server). The one definition of an event's hash, for the window and the server.

event_hash = SHA-256 (hex) of the previous event's hash, a newline, and the event's canonical content: a
JSON array of its fields as they go on the wire (event_id, case_number, kind, payload, clerk_login,
window_code, device_time as the wire's UTC text), compact, UTF-8, object keys sorted. The first event of a
window follows `GENESIS`. Not in it: the outbox's own columns (its local number, acknowledged, rejected),
which change after the event is recorded, and `local_seq`, which is only the event's place in one file.

The chain shows tampering, it does not prevent it: someone who can write the file and knows this module can
compute the hashes again after an edit. What it guarantees is that events the server holds cannot be
changed or removed at the window unnoticed (the server keeps each window's last hash), and that an edit by
hand with a database tool, the common case, is found at once on the window too.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

GENESIS = "0" * 64  # the "previous hash" of a window's first event
HASH_PATTERN = r"[0-9a-f]{64}"
_HASH = re.compile(HASH_PATTERN)


def is_hash(value: object) -> bool:
    """64 lower-case hex digits: what a chained event's hashes are."""
    return isinstance(value, str) and _HASH.fullmatch(value) is not None


def canonical_content(
    *,
    event_id: str,
    case_number: str,
    kind: str,
    payload: Mapping[str, Any],
    clerk_login: str,
    window_code: str,
    device_time: str,
) -> bytes:
    """The event's fields as hashed (see above). Content no schema passes (an integer beyond 64 bits, a
    lone surrogate, found in a file an old version wrote) is encoded the slow way, to the same bytes
    wherever both can encode it, so every event has a hash."""
    content = [event_id, case_number, kind, payload, clerk_login, window_code, device_time]
    try:
        return orjson.dumps(content, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8", "surrogatepass")


def event_hash(
    *,
    prev_hash: str,
    event_id: str,
    case_number: str,
    kind: str,
    payload: Mapping[str, Any],
    clerk_login: str,
    window_code: str,
    device_time: str,
) -> str:
    """The hash an event with these fields, following `prev_hash`, carries."""
    content = canonical_content(
        event_id=event_id,
        case_number=case_number,
        kind=kind,
        payload=payload,
        clerk_login=clerk_login,
        window_code=window_code,
        device_time=device_time,
    )
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + content).hexdigest()


def wire_hash(event: Any, prev_hash: str) -> str:
    """The hash of a `wire.WireEvent` following `prev_hash`."""
    return event_hash(
        prev_hash=prev_hash,
        event_id=event.event_id,
        case_number=event.case_number,
        kind=event.kind,
        payload=event.payload,
        clerk_login=event.clerk_login,
        window_code=event.window_code,
        device_time=event.device_time,
    )


def utc_text(moment: datetime) -> str:
    """A naive UTC moment (as the outbox stores device times) as the wire's text."""
    return moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
