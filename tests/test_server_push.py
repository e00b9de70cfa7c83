"""Push: idempotency, per-event rejections, duplicate case numbers, reordered events, conflicts."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.sync import wire
from server import admin
from server.models import case_event, case_record, change_log, conflict
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    START,
    MutableClock,
    TestClient,
    Window,
    case_numbers,
    client_fixture,
    decided,
    enroll,
    follow_up,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
)


def count(app: FastAPI, table: Any) -> int:
    with app.state.db.read() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def body_of(window: Window, events: list[wire.WireEvent]) -> dict[str, Any]:
    return wire.PushRequest(wire.PROTOCOL, window.window_code, "2026-11-20T02:00:00Z", events).to_json()


def test_same_batch_three_times_is_stored_once(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    events = decided("SZX0103", range(1, 21))
    number = events[0].case_number
    events += [
        follow_up("document.printed", number, window="SZX0103", local_seq=21),
        follow_up("certificate.issued", number, window="SZX0103", local_seq=22),
    ]
    answers = [window.push(events) for _ in range(3)]
    for answer in answers:
        assert answer.acknowledged == [e.event_id for e in events]
        assert answer.rejected == []
    assert count(server_app, case_event) == 22
    assert count(server_app, case_record) == 20
    changes = window.pull_all()
    # one case.updated per event, one certificate.issued, the window's signing key registered once
    assert len(changes) == 22 + 1 + 1
    assert [c.kind for c in changes].count("signing_key") == 1
    assert [c.payload["updated_by"] for c in changes if c.kind == "case.updated"] == [
        e.event_id for e in events
    ]


def test_the_same_event_twice_in_one_batch_is_one_event(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    [event] = decided("SZX0103", [1])
    answer = window.push([event, event])
    assert answer.acknowledged == [event.event_id]
    assert count(server_app, case_event) == 1


def test_batch_is_processed_in_local_order(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    events = decided("SZX0103", range(1, 6))
    answer = window.push(list(reversed(events)))
    assert answer.acknowledged == [e.event_id for e in events]
    assert [c.key for c in window.pull_all()] == [e.case_number for e in events]


def test_events_keep_author_window_and_device_time(
    client: TestClient, server_app: FastAPI, server_clock: MutableClock
) -> None:
    window = enroll(client, server_app)
    server_clock.advance(days=3, hours=5)  # the window was offline; its clock says otherwise
    [event] = decided("SZX0103", [1], clerk="zhao.lei")
    window.push([event])
    with server_app.state.db.read() as connection:
        row = connection.execute(select(case_event)).one()
        case = connection.execute(select(case_record)).one()
    assert (row.clerk_login, row.window_code, row.device_time) == ("zhao.lei", "SZX0103", event.device_time)
    assert row.received_at == server_clock().replace(tzinfo=None)
    assert row.local_seq == event.local_seq
    assert case.clerk_login == "zhao.lei"
    assert case.device_created_at == event.payload["created_at"]
    assert case.snapshot == event.payload


def test_duplicate_case_number_from_a_second_pc_is_refused_loudly(
    client: TestClient, server_app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    """A PC restored from an old backup (or a second PC set to the same window code) makes numbers the
    server already has: the server keeps the first case, refuses the second, and says so everywhere."""
    first = enroll(client, server_app, window="SZX0103")
    original = decided("SZX0103", range(1, 4))
    assert not first.push(original).rejected
    second = enroll(client, server_app, window="SZX0103", replace=True, name="从备份恢复的电脑")
    clash = decided("SZX0103", [2, 4], first_local_seq=1, clerk="zhao.lei")  # serial 2 is taken
    with caplog.at_level(logging.ERROR, logger="clerk.server.sync"):
        answer = second.push(clash)
    assert answer.acknowledged == [clash[1].event_id]
    [rejection] = answer.rejected
    assert (rejection.event_id, rejection.code) == (clash[0].event_id, "duplicate_case_number")
    assert clash[0].case_number in rejection.message and "窗口编码" in rejection.message
    assert any("DUPLICATE CASE NUMBER" in r.message and r.levelno == logging.ERROR for r in caplog.records)

    # Never overwritten: the server still has the first PC's case.
    with server_app.state.db.read() as connection:
        kept = connection.execute(
            select(case_record).where(case_record.c.number == clash[0].case_number)
        ).one()
    assert kept.first_event_id == original[1].event_id
    assert kept.snapshot == original[1].payload
    assert count(server_app, case_event) == 4

    # The restored PC's chain does not follow the window's: a chain break, beside the duplicate number.
    [listed] = [c for c in admin.list_conflicts(server_app.state.db) if c["reason"] != "chain_break"]
    [broken] = [c for c in admin.list_conflicts(server_app.state.db) if c["reason"] == "chain_break"]
    assert (broken["event_id"], broken["device_id"]) == (clash[1].event_id, second.device_id)
    assert (listed["reason"], listed["case_number"]) == ("duplicate_case_number", clash[0].case_number)
    assert (listed["event_id"], listed["other_event_id"]) == (clash[0].event_id, original[1].event_id)
    assert listed["device_id"] == second.device_id
    [change] = [c for c in second.pull_all() if c.kind == "conflict" and c.payload["reason"] != "chain_break"]
    assert change.key == clash[0].case_number
    assert change.payload["reason"] == "duplicate_case_number"

    # A retry gets the same answer and records nothing twice.
    changes_before = count(server_app, change_log)
    again = second.push(clash)
    assert [r.code for r in again.rejected] == ["duplicate_case_number"]
    assert again.acknowledged == [clash[1].event_id]
    assert count(server_app, conflict) == 2  # the duplicate number and the chain break
    assert count(server_app, change_log) == changes_before

    # Later events of the refused case belong to it, not to the first PC's case.
    late = follow_up("certificate.handed_over", clash[0].case_number, window="SZX0103", local_seq=9)
    [tainted] = second.push([late]).rejected
    assert tainted.code == "duplicate_case_number"
    with server_app.state.db.read() as connection:
        status = connection.execute(
            select(case_record.c.status).where(case_record.c.number == clash[0].case_number)
        ).scalar_one()
    assert status == "accepted"


def test_duplicate_numbers_within_one_batch(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    twice = decided("SZX0103", [7, 7])
    printed = follow_up("document.printed", twice[1].case_number, window="SZX0103", local_seq=5)
    answer = window.push([*twice, printed])
    assert answer.acknowledged == [twice[0].event_id]
    assert [r.code for r in answer.rejected] == ["duplicate_case_number", "duplicate_case_number"]
    assert count(server_app, case_record) == 1
    assert count(server_app, conflict) == 1


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{", "不是有效的 JSON"),
        (b"\xff\xfe", "UTF-8"),
        (b"[]", "push: 缺少字段 protocol"),
        (
            b'{"protocol": "window-clerk-sync/0", "window_code": "SZX0103", "sent_at": "", "events": []}',
            "不支持的协议",
        ),
        (b'{"protocol": "window-clerk-sync/1", "window_code": "SZX0103", "events": []}', "缺少字段 sent_at"),
        (
            b'{"protocol": "window-clerk-sync/1", "window_code": "SZX0103", "sent_at": "x", "events": {}}',
            "events",
        ),
        (
            # NaN is read (a window's JSON library may write it) and refused where it stands.
            b'{"protocol": "window-clerk-sync/1", "window_code": "SZX0103", "sent_at": "x", "events": [NaN]}',
            "events[0]",
        ),
        (b"[" * 100_000 + b"]" * 100_000, "JSON"),
    ],
)
def test_malformed_push_is_refused_with_the_field_named(
    client: TestClient, server_app: FastAPI, body: bytes, fragment: str
) -> None:
    window = enroll(client, server_app)
    response = client.post(
        wire.PUSH_PATH, content=body, headers={**window.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert fragment in response.json()["message"]


def test_event_of_the_wrong_shape_is_named(client: TestClient, server_app: FastAPI) -> None:
    """An event of another shape is refused alone when it can be named by its event_id (the rest of its
    batch is stored); one that cannot be named refuses the batch."""
    window = enroll(client, server_app)
    events = [json.loads(json.dumps(e.__dict__)) for e in decided("SZX0103", [1, 2, 3])]
    del events[1]["kind"]
    events[2]["local_seq"] = "3"
    answer = wire.PushResponse.from_json(window.post_push({**body_of(window, []), "events": events}).json())
    assert answer.acknowledged == [events[0]["event_id"]]
    assert [(r.event_id, r.code, r.message) for r in answer.rejected] == [
        (events[1]["event_id"], "invalid", "events[1]: 缺少字段 kind"),
        (events[2]["event_id"], "invalid", "events[2]: 字段 local_seq 类型错误"),
    ]
    del events[1]["event_id"]
    response = window.post_push({**body_of(window, []), "events": events})
    assert response.status_code == 400
    assert response.json()["message"] == "events[1]: 缺少字段 event_id"
    assert count(server_app, case_event) == 1


def test_too_many_events(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    [event] = decided("SZX0103", [1])
    response = window.post_push(body_of(window, [event] * (wire.MAX_BATCH_EVENTS + 1)))
    assert response.status_code == 400
    assert str(wire.MAX_BATCH_EVENTS) in response.json()["message"]


def test_oversized_body_is_refused_before_parsing(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    big = b"x" * (wire.MAX_BODY_BYTES + 1)
    response = client.post(wire.PUSH_PATH, content=big, headers=window.headers)
    assert (response.status_code, response.json()["error"]) == (413, "too_large")

    def chunks() -> Any:  # no Content-Length: counted while reading
        for _ in range(17):
            yield b" " * (1024 * 1024)

    response = client.post(wire.PUSH_PATH, content=chunks(), headers=window.headers)
    assert (response.status_code, response.json()["error"]) == (413, "too_large")
    # Authentication comes first: a stranger's large body is not even read.
    response = client.post(wire.PUSH_PATH, content=big)
    assert response.status_code == 401


def test_bad_events_are_rejected_one_by_one(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    good = decided("SZX0103", range(1, 10))
    number = good[0].case_number

    def variant(index: int, **changes: Any) -> wire.WireEvent:
        return wire.WireEvent(**{**good[index].__dict__, **changes})

    typo = number[:-1] + ("0" if number[-1] != "0" else "1")
    payload_wrong_day = {**good[5].payload, "received_on": "2026-11-19"}
    payload_no_item = {k: v for k, v in good[6].payload.items() if k != "item_code"}
    bad = [
        variant(1, case_number=typo, payload={**good[1].payload, "number": typo}),
        variant(2, case_number=good[2].case_number.lower()),
        variant(3, event_id="not-a-uuid"),
        variant(4, payload={**good[4].payload, "clerk_name": "王\x00芳"}),
        variant(5, payload=payload_wrong_day),
        variant(6, payload=payload_no_item),
        variant(7, device_time="yesterday"),
        variant(8, payload={**good[8].payload, "applicant": {"name": "\ud800"}}),
    ]
    # ASCII-escaped JSON, so a lone surrogate can travel (as a client's JSON library may send it).
    raw = json.dumps(body_of(window, [good[0], *bad])).encode("ascii")
    response = client.post(wire.PUSH_PATH, content=raw, headers=window.headers)
    answer = wire.PushResponse.from_json(response.json())
    assert answer.acknowledged == [good[0].event_id]
    assert [r.code for r in answer.rejected] == ["invalid"] * len(bad)
    messages = [r.message for r in answer.rejected]
    assert "校验位" in messages[0]
    assert "规范形式" in messages[1]
    assert "UUID" in messages[2]
    assert "无法保存的字符" in messages[3] and "无法保存的字符" in messages[7]
    assert "received_on" in messages[4] or "受理日期" in messages[4]
    assert "item_code" in messages[5]
    assert "device_time" in messages[6]
    assert count(server_app, case_event) == 1


def test_event_before_its_case_is_kept_and_applied_when_the_case_arrives(
    client: TestClient, server_app: FastAPI
) -> None:
    """Two batches of one window on the wire at once: the later one (a hand-over, a print) commits before
    the one holding the case's decision."""
    window = enroll(client, server_app, window="SZX0103")
    [decision] = decided("SZX0103", [1])
    number = decision.case_number
    early = [
        follow_up("certificate.handed_over", number, window="SZX0103", local_seq=3),
        follow_up("document.printed", number, window="SZX0103", local_seq=4),
    ]
    assert window.push(early).acknowledged == [e.event_id for e in early]
    assert count(server_app, case_event) == 2 and count(server_app, case_record) == 0
    pending = window.pull_all()
    assert [c.payload["status"] for c in pending] == [None, None]

    issued = follow_up("certificate.issued", number, window="SZX0103", local_seq=2)
    assert not window.push([decision, issued]).rejected
    with server_app.state.db.read() as connection:
        status = connection.execute(select(case_record.c.status)).scalar_one()
    assert status == "delivered"  # the hand-over that came first counts
    latest = [c for c in window.pull_all() if c.kind == "case.updated"][-1]
    assert (latest.key, latest.payload["status"], latest.payload["decision"]) == (
        number,
        "delivered",
        "accepted",
    )
    assert admin.list_conflicts(server_app.state.db) == []


def test_another_window_of_the_hall_records_nothing_for_a_case(
    client: TestClient, server_app: FastAPI
) -> None:
    """Only the window holding a case (the window code in its number) records its events in the shape of
    windows older than steps: a pickup window of the same hall is refused per event, before or after the
    case arrives, and nothing is stored. (A print from another window of the hall needs a person the
    server knows: `li.na` is none, so it is refused as not permitted.)"""
    origin = enroll(client, server_app, window="SZX0103")
    pickup = enroll(client, server_app, window="SZX0109")
    [decision] = decided("SZX0103", [1])
    number = decision.case_number
    kinds = ("certificate.handed_over", "document.printed", "certificate.issued")
    early = [follow_up(kind, number, window="SZX0109", local_seq=n) for n, kind in enumerate(kinds, 1)]
    answer = pickup.push(early)
    refused = ["not_holder", "not_permitted", "not_holder"]
    assert answer.acknowledged == [] and [r.code for r in answer.rejected] == refused
    assert "SZX0103" in answer.rejected[0].message and "SZX0109" in answer.rejected[0].message
    assert not origin.push([decision]).rejected
    late = [follow_up(kind, number, window="SZX0109", local_seq=n) for n, kind in enumerate(kinds, 5)]
    assert [r.code for r in pickup.push(late).rejected] == refused
    assert count(server_app, case_event) == 1
    with server_app.state.db.read() as connection:
        assert connection.execute(select(case_record.c.status)).scalar_one() == "accepted"


def test_projection_follows_certificate_events(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    [decision] = decided("SZX0103", [1])
    number = decision.case_number
    statuses = []
    for event in (
        decision,
        follow_up("document.printed", number, window="SZX0103", local_seq=2),
        follow_up("certificate.issued", number, window="SZX0103", local_seq=3),
        follow_up("certificate.handed_over", number, window="SZX0103", local_seq=4),
    ):
        window.push([event])
        updates = [c for c in window.pull_all() if c.kind == "case.updated"]
        statuses.append(updates[-1].payload["status"])
    assert statuses == ["accepted", "accepted", "approved", "delivered"]
    issued = [c for c in window.pull_all() if c.kind == "certificate.issued"]
    assert [c.payload["case_number"] for c in issued] == [number]


def test_conflicting_hand_overs_are_kept_and_reported(client: TestClient, server_app: FastAPI) -> None:
    """The window hands the certificate over, and so does its replacement PC restored from a backup that
    did not have the first hand-over: both records are kept, and the second is a conflict."""
    origin = enroll(client, server_app, window="SZX0103")
    [decision] = decided("SZX0103", [1])
    number = decision.case_number
    origin.push([decision, follow_up("certificate.issued", number, window="SZX0103", local_seq=2)])
    first = follow_up("certificate.handed_over", number, window="SZX0103", local_seq=3, clerk="li.na")
    prints = [
        follow_up("document.printed", number, window="SZX0103", local_seq=4),
        follow_up("document.reprinted", number, window="SZX0103", local_seq=3),
    ]
    assert not origin.push([first, prints[0]]).rejected
    restored = enroll(client, server_app, window="SZX0103", replace=True, name="从备份恢复的电脑")
    second = follow_up("certificate.handed_over", number, window="SZX0103", local_seq=4, clerk="wang.fang")
    assert not restored.push([second, prints[1]]).rejected
    assert count(server_app, case_event) == 6  # both hand-overs kept, prints just stored

    # The restored PC's chain does not follow the window's either: a chain break, kept apart.
    [listed] = [c for c in admin.list_conflicts(server_app.state.db) if c["reason"] != "chain_break"]
    assert listed["reason"] == "certificate_handed_over_twice"
    assert (listed["event_id"], listed["other_event_id"]) == (second.event_id, first.event_id)
    assert (listed["window_code"], listed["device_id"]) == ("SZX0103", restored.device_id)
    conflicts = [c for c in restored.pull_all() if c.kind == "conflict"]
    assert [(c.key, c.payload["reason"]) for c in conflicts] == [
        (number, "chain_break"),
        (number, "certificate_handed_over_twice"),
    ]
    # Retrying either batch changes nothing.
    restored.push([second, prints[1]])
    restored.push([first, prints[0]])
    assert count(server_app, conflict) == 2


def test_two_issues_in_one_batch_are_one_conflict(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    [decision] = decided("SZX0103", [1])
    number = decision.case_number
    issues = [follow_up("certificate.issued", number, window="SZX0103", local_seq=n) for n in (2, 3)]
    assert not window.push([decision, *issues]).rejected
    [listed] = admin.list_conflicts(server_app.state.db)
    assert listed["reason"] == "certificate_issued_twice"
    assert (listed["event_id"], listed["other_event_id"]) == (issues[1].event_id, issues[0].event_id)


def test_nothing_is_acknowledged_unless_committed(client: TestClient, server_app: FastAPI) -> None:
    """A failure after the rows were written (here: just before COMMIT) loses the whole batch and answers
    500 with no detail; the retry stores it."""
    window = enroll(client, server_app)
    events = decided("SZX0103", range(1, 4))
    service = server_app.state.sync

    def fail() -> None:
        raise RuntimeError("disk on fire: /var/lib/secret")

    service.after_changes_appended = fail
    response = window.post_push(body_of(window, events))
    assert response.status_code == 500
    assert response.json()["error"] == "internal"
    assert "secret" not in response.text and "Traceback" not in response.text
    assert count(server_app, case_event) == 0 and count(server_app, change_log) == 0
    service.after_changes_appended = None
    assert window.push(events).acknowledged == [e.event_id for e in events]
    assert count(server_app, case_event) == 3


def test_unexpected_error_is_logged_not_shown(
    client: TestClient, server_app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    window = enroll(client, server_app)

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise ValueError("internal detail 42")

    server_app.state.sync.pull = broken
    with caplog.at_level(logging.ERROR, logger="clerk.server.api"):
        response = client.get(wire.PULL_PATH, headers=window.headers)
    assert response.status_code == 500
    assert response.json() == {"error": "internal", "message": response.json()["message"]}
    assert "42" not in response.text
    [record] = [r for r in caplog.records if r.name == "clerk.server.api"]
    assert record.exc_info is not None and "internal detail 42" in str(record.exc_info[1])


def test_device_time_is_not_the_server_time(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    answer = window.push(decided("SZX0103", [1]))
    assert answer.server_time.startswith(START.strftime("%Y-%m-%dT%H:%M"))
    assert case_numbers("SZX0103", [1])[0] == window.pull_all()[0].key
