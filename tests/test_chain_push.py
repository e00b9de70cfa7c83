"""The server checks each window's hash chain on every push (server.sync.chain): breaks are findings for
the supervisor, events are stored all the same; replays are not checked again; a window older than the
chain is no finding, hashes dropped by a window that chained are one; a claimed hash of the wrong form is
refused by the schema; audit events are stored and projected onto no case."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import func, select

from app.audit import chain
from app.sync import wire
from server import admin, audit
from server.models import case_event, change_log, conflict
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    START,
    TestClient,
    client_fixture,
    decided,
    device_time,
    enroll,
    follow_up,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
)


def count(app: FastAPI, table: Any) -> int:
    with app.state.db.read() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def breaks(app: FastAPI) -> list[dict[str, Any]]:
    return [c for c in admin.list_conflicts(app.state.db) if c["reason"] == wire.CONFLICT_CHAIN_BREAK]


def test_a_chained_window_and_its_replays_make_no_finding(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    events = decided("SZX0103", range(1, 6))
    assert not window.push(events[:3]).rejected
    assert not window.push(events[3:]).rejected
    for _ in range(2):  # replays of chained batches, whole and in part
        assert window.push(events).acknowledged == [e.event_id for e in events]
        window.push(events[1:2])
    assert breaks(server_app) == [] and count(server_app, case_event) == 5
    with server_app.state.db.read() as connection:
        stored = dict(connection.execute(select(case_event.c.event_id, case_event.c.event_hash)).all())
    assert stored[events[4].event_id] == window.last_hash  # kept as sent


def test_an_edited_event_is_stored_and_found(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    events = window.chain(decided("SZX0103", range(1, 4)))
    payload = {**events[1].payload, "applicant": {**events[1].payload["applicant"], "name": "王五"}}
    edited = replace(events[1], payload=payload)  # changed after it was chained: hashes left as they were
    answer = window.push([events[0], edited, events[2]])
    assert answer.rejected == [] and count(server_app, case_event) == 3  # never lose a case
    [found] = breaks(server_app)
    assert found["event_id"] == edited.event_id and found["case_number"] == edited.case_number
    assert found["window_code"] == "SZX0103" and found["device_id"] == window.device_id
    assert "被改动过" in found["message"] and "第 2 条事件" in found["message"]
    assert "衔接不上" not in found["message"]
    # The hall's windows hear of it like any conflict.
    assert [c.payload["reason"] for c in window.pull_all() if c.kind == "conflict"] == ["chain_break"]
    # Sent again: a replay, not checked again.
    window.push([events[0], edited, events[2]])
    assert len(breaks(server_app)) == 1


def test_a_removed_or_reordered_event_breaks_the_chain(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    events = window.chain(decided("SZX0103", range(1, 6)))
    window.push(events[:2])
    window.push(events[3:])  # events[2] removed at the window
    [removed] = breaks(server_app)
    assert removed["event_id"] == events[3].event_id and removed["other_event_id"] == events[1].event_id
    assert "衔接不上" in removed["message"] and "被改动过" not in removed["message"]
    # The check went on from the received event: events[4] follows events[3], no second finding.
    assert count(server_app, case_event) == 4

    other = enroll(client, server_app, window="SZX0104")
    later = other.chain(decided("SZX0104", range(1, 4)))
    other.push([later[1]])  # the second first: the chain does not start at its beginning
    other.push([later[0], later[2]])
    found = [b for b in breaks(server_app) if b["window_code"] == "SZX0104"]
    # Each one out of the order: later[1] before its predecessor, later[0] after it, later[2] after later[0].
    assert {b["event_id"] for b in found} == {e.event_id for e in later}
    assert count(server_app, case_event) == 7


def test_an_older_window_is_no_finding_but_dropping_hashes_is_one(
    client: TestClient, server_app: FastAPI
) -> None:
    window = enroll(client, server_app)
    events = decided("SZX0103", range(1, 8))
    assert not window.push(events[:2], chain=False).rejected  # a version older than the chain
    assert not window.push(events[2:4], chain=False).rejected
    assert breaks(server_app) == []
    assert count(server_app, case_event) == 4
    # Upgraded, the window chained its whole history: it goes on from there, no finding.
    upgraded = window.chain(events[:5])
    assert not window.push(upgraded[4:5]).rejected
    assert breaks(server_app) == []
    # Once chained, events without hashes are a break (someone dropped them), one finding per device.
    assert not window.push(events[5:], chain=False).rejected
    [found] = breaks(server_app)
    assert "未带哈希链" in found["message"] and found["device_id"] == window.device_id
    assert count(server_app, case_event) == 7


def test_a_hash_not_of_the_form_is_refused_by_the_schema(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    [good, short, half] = decided("SZX0103", range(1, 4))
    short = replace(short, prev_hash=chain.GENESIS, event_hash="ABC123")
    half = replace(half, prev_hash=chain.GENESIS)  # its own hash missing
    answer = window.push([good, short, half], chain=False)
    refused = {r.event_id: r for r in answer.rejected}
    assert set(refused) == {short.event_id, half.event_id}
    assert refused[short.event_id].code == "invalid"
    assert (
        "event_hash" in refused[short.event_id].message
        and "64 位小写十六进制" in refused[short.event_id].message
    )
    assert "两个哈希应同时出现" in refused[half.event_id].message
    assert count(server_app, case_event) == 1


def test_audit_events_are_stored_chained_and_projected_onto_no_case(
    client: TestClient, server_app: FastAPI
) -> None:
    window = enroll(client, server_app)
    [decision] = decided("SZX0103", [1])
    signed_in = wire.WireEvent(
        event_id="5b0c1c9e-1d1b-4c55-9a57-2f7d3c1e0a01",
        case_number="",
        kind=wire.EventKind.SIGNED_IN,
        payload={},
        clerk_login="wang.fang",
        window_code="SZX0103",
        device_time=device_time(START),
        local_seq=0,
    )
    failed = replace(
        signed_in,
        event_id="5b0c1c9e-1d1b-4c55-9a57-2f7d3c1e0a02",
        kind=wire.EventKind.SIGN_IN_FAILED,
        payload={"reason": "unknown_login", "typed_login": "wangfang"},
        clerk_login=wire.UNKNOWN_LOGIN,
        local_seq=2,
    )
    answer = window.push([signed_in, decision, failed])
    assert answer.rejected == [] and len(answer.acknowledged) == 3 and breaks(server_app) == []
    changes = window.pull_all()
    assert [c.key for c in changes if c.kind == "case.updated"] == [decision.case_number]
    listed = audit.list_audit_events(server_app.state.db, hall_code="SZX01")
    assert [r["kind"] for r in listed] == ["audit.sign_in_failed", "audit.signed_in"]
    assert (
        listed[0]["clerk_login"] == wire.UNKNOWN_LOGIN and listed[0]["payload"]["typed_login"] == "wangfang"
    )
    # A case event without a case, an audit event with one, a made-up login: refused, each said so.
    bad = [
        replace(decision, event_id="5b0c1c9e-1d1b-4c55-9a57-2f7d3c1e0a03", case_number="", local_seq=3),
        replace(
            signed_in,
            event_id="5b0c1c9e-1d1b-4c55-9a57-2f7d3c1e0a04",
            case_number=decision.case_number,
            local_seq=4,
        ),
        replace(
            signed_in,
            event_id="5b0c1c9e-1d1b-4c55-9a57-2f7d3c1e0a05",
            clerk_login=wire.UNKNOWN_LOGIN,
            local_seq=5,
        ),
    ]
    messages = {r.event_id: r.message for r in window.push(bad).rejected}
    assert len(messages) == 3
    assert "缺少办件编号" in messages[bad[0].event_id] and "办件编号应为空" in messages[bad[1].event_id]
    assert "clerk_login" in messages[bad[2].event_id]
    with server_app.state.db.read() as connection:
        keys = connection.execute(select(change_log.c.kind, change_log.c.key)).all()
    assert keys == [("case.updated", decision.case_number)]  # and no chain break: refused events are in it


def test_a_chain_break_is_resolved_like_a_conflict(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    events = window.chain(decided("SZX0103", range(1, 3)))
    window.push([events[1]])
    [found] = breaks(server_app)
    admin.resolve_conflict(
        server_app.state.db,
        found["id"],
        resolution="核实：窗口电脑数据库文件被误删一条记录，已补录",
        resolved_by="陈建国",
        now=datetime(2026, 11, 20, 3, 0),
    )
    assert breaks(server_app) == [] and count(server_app, conflict) == 1
