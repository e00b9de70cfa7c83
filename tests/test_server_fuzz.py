"""Fuzzing the push as an enrolled window would (issue 9): random and mutated events, sent to a real
`clerk-server serve` on SQLite and on PostgreSQL. Every answer is 2xx or 4xx, never 500; every event of
an accepted batch is either acknowledged or rejected; afterwards another window of the hall pulls
everything, and the server's log shows no traceback.

The events start from real ones (`server.bench`'s sample case, the follow-ups windows write) and are
mutated: values of other types, numbers JSON readers disagree on (1e400, NaN, 30 and 5,000 digits), deep
nesting, long and odd text (unpaired surrogates, NUL, control characters), missing and extra fields, a
broken envelope. `CLERK_FUZZ_EXAMPLES` sets how many batches per database (default 600); hypothesis prints
what to replay when one fails.
"""

from __future__ import annotations

import copy
import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.sync import wire
from server.bench import device_time
from tests.server_fixtures import Window, decided, follow_up
from tests.test_server_validation import Served, server_fixture  # noqa: F401 (fixture)

EXAMPLES = int(os.environ.get("CLERK_FUZZ_EXAMPLES", "600"))
FOLLOW_UPS = ("document.printed", "document.reprinted", "certificate.issued", "certificate.handed_over")
_serials = count(1)


@dataclass(frozen=True)
class Raw:
    """A JSON literal no JSON library writes, put into the body as it is."""

    literal: str


RAW_LITERALS = [
    "1e400",
    "-1e400",
    "NaN",
    "Infinity",
    "-Infinity",
    "123456789012345678901234567890",
    "-98765432109876543210987654321098765",
    "9" * 5000,
    "18446744073709551616",
    "9223372036854775808",
    "1.7976931348623157e308",
    "4.9e-324",
    "-0.0",
    "[" * 1000 + "]" * 1000,
    '{"a":' * 300 + "1" + "}" * 300,
    '"\\ud800"',
    '"\\udfff\\ud800"',
    '"\\u0000"',
]
odd_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " ", "\x00", "\x1b[31m", "\u202e", "𠮷䶮", "\ud800", "a\udc00b", "null", "0"]),
    st.integers(0, 300_000).map(lambda n: "长" * n),
)
raw = st.sampled_from(RAW_LITERALS).map(Raw)
leaves = st.one_of(
    raw,  # first and twice: what breaks readers is drawn often, not once in a hundred
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    odd_text,
    raw,
)
values = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
ENVELOPE = ("event_id", "case_number", "kind", "clerk_login", "window_code", "device_time", "local_seq")
ODD_IDS = ["\ud800", "", " ", "00000000-0000-0000-0000-000000000000", "X" * 5000, "\x00"]


def real_event(window: Window, kind: str, local_seq: int) -> dict[str, Any]:
    """An event as the window writes it, of a new case of this window (on a day of its own)."""
    serial = next(_serials)
    day = date(2026, 1, 1) + timedelta(days=serial // 9000)
    [case] = decided(window.window_code, [serial % 9000 + 1], day=day, first_local_seq=local_seq)
    if kind == "case.decided":
        return case.to_json()
    return follow_up(kind, case.case_number, window=window.window_code, local_seq=local_seq).to_json()


def mutate(data: st.DataObject, event: Any) -> Any:
    """One mutation of the event (a copy)."""
    if not isinstance(event, dict) or not isinstance(event.get("payload"), dict | list):
        return data.draw(values)
    event = copy.deepcopy(event)
    # Mostly inside the payload, where a window's data is; now and then the envelope or the whole event.
    how = data.draw(
        st.sampled_from(["leaf"] * 8 + ["delete", "extra", "extra", "envelope", "payload", "whole"])
    )
    if how == "whole":
        return data.draw(values)
    if how == "envelope":
        name = data.draw(st.sampled_from(ENVELOPE))
        event[name] = data.draw(st.sampled_from(ODD_IDS) | values if name == "event_id" else values)
        return event
    if how == "payload":
        event["payload"] = data.draw(values)
        return event
    # Walk down the payload to a random place inside it.
    parent: Any = event["payload"]
    if not parent:
        return event | {"payload": data.draw(values)}
    key: Any = data.draw(st.sampled_from(list(parent) if isinstance(parent, dict) else range(len(parent))))
    while isinstance(parent[key], dict | list) and parent[key] and data.draw(st.booleans()):
        parent = parent[key]
        key = data.draw(st.sampled_from(list(parent) if isinstance(parent, dict) else range(len(parent))))
    if how == "delete" and isinstance(parent, dict):
        del parent[key]
    elif how == "extra" and isinstance(parent, dict):
        parent[data.draw(st.text(max_size=12))] = data.draw(values)
    else:
        parent[key] = data.draw(values)
    return event


def body_bytes(window: Window, events: list[Any], changes: dict[str, Any] | None = None) -> bytes:
    """The push body; `Raw` values go in as their literal, text as escaped JSON (so unpaired
    surrogates travel, as some JSON libraries send them)."""
    raws: dict[str, str] = {}

    def encode(value: Any) -> Any:
        if isinstance(value, Raw):
            token = f"raw-{uuid.uuid4().hex}"
            raws[json.dumps(token)] = value.literal
            return token
        if isinstance(value, dict):
            return {k: encode(v) for k, v in value.items()}
        if isinstance(value, list):
            return [encode(v) for v in value]
        return value

    body = {
        "protocol": wire.PROTOCOL,
        "window_code": window.window_code,
        "sent_at": device_time(datetime.now(UTC)),
        "events": encode(events),
    } | encode(changes or {})
    text = json.dumps(body, ensure_ascii=True)
    for token, literal in raws.items():
        text = text.replace(token, literal)
    return text.encode("ascii")


@dataclass(frozen=True)
class Hall:
    pusher: Window  # sends the fuzzed batches
    other: Window  # another window of the hall, which must keep syncing
    log_start: int


@pytest.fixture(name="hall", scope="module")
def hall_fixture(server: Served) -> Hall:
    return Hall(server.enroll(), server.enroll(), server.log_size())


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
@given(data=st.data())
def test_no_push_gets_a_500(hall: Hall, data: st.DataObject) -> None:
    pusher = hall.pusher
    size = data.draw(st.integers(1, 4))
    events: list[Any] = []
    for position in range(size):
        kind = data.draw(st.sampled_from(["case.decided", *FOLLOW_UPS]))
        event = real_event(pusher, kind, local_seq=position + 1)
        for _ in range(data.draw(st.integers(0, 3))):
            event = mutate(data, event)
        events.append(event)
    changes: dict[str, Any] = {}
    if data.draw(st.integers(0, 9)) == 0:  # now and then the body around the events
        name = data.draw(st.sampled_from(["protocol", "window_code", "sent_at", "events"]))
        changes[name] = data.draw(values)
    response = pusher.http.post(
        wire.PUSH_PATH,
        content=body_bytes(pusher, events, changes),
        headers={**pusher.headers, "Content-Type": "application/json"},
    )
    assert response.status_code < 500, response.text
    body = response.json()
    if response.status_code != 200:
        assert set(body) == {"error", "message"} and body["message"]
        return
    answer = wire.PushResponse.from_json(body)
    sent = {e["event_id"] for e in events if isinstance(e, dict) and isinstance(e.get("event_id"), str)}
    if "events" in changes:
        return  # whatever a 200 answered, the events sent were not these
    answered = set(answer.acknowledged) | {r.event_id for r in answer.rejected}
    assert answered == sent
    for rejection in answer.rejected:
        assert rejection.code in wire.REJECTION_LABEL and rejection.message


def test_after_the_fuzzing_the_hall_still_syncs(server: Served, hall: Hall) -> None:
    """Runs after the fuzzing (module order): the other window pulls everything, the log is clean."""
    changes = hall.other.pull_all()
    assert any(c.kind == "case.updated" for c in changes)  # the fuzzed pushes stored what passed
    newcomer = server.enroll()
    assert len(newcomer.pull_all()) == len(changes)
    assert "Traceback" not in server.log_text(hall.log_start)
