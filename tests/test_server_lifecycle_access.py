"""Issue 13 on the server: who may record a case's later life (a stolen PC signs any login: the server's
accounts are the line) and fetching a case's whole record from another PC of the hall."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.case_number import format_case_number
from app.sync import wire
from app.sync.wire import EventKind as K
from server.models import case_event
from tests.lifecycle_events import People, change
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    DAY,
    OTHER_HALL,
    MutableClock,
    TestClient,
    Window,
    client_fixture,
    decided,
    enroll,
    follow_up,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
    window_key,
)

ORIGIN, OFFICE = "SZX0103", "SZX0150"
P = People()


@pytest.fixture(name="hall")
def hall_fixture(client: TestClient, server_app: FastAPI) -> tuple[Window, Window]:
    P.add(server_app)
    return enroll(client, server_app, window=ORIGIN), enroll(client, server_app, window=OFFICE)


def events_of(app: FastAPI, number: str) -> int:
    with app.state.db.read() as connection:
        query = select(func.count()).select_from(case_event).where(case_event.c.case_number == number)
        return int(connection.execute(query).scalar_one())


def approval(number: str, *, window: str, clerk: str, seq: int = 1) -> wire.WireEvent:
    return change(K.CERTIFICATE_ISSUED, number, step=1, source="accepted", target="approved", window=window,
                  clerk=clerk, local_seq=seq)  # fmt: skip


def refused_alone(window: Window, event: wire.WireEvent, code: str, *fragments: str) -> None:
    answer = window.push([event])
    assert answer.acknowledged == []
    [rejection] = answer.rejected
    assert rejection.code == code, rejection.message
    for fragment in fragments:
        assert fragment in rejection.message, rejection.message


def test_the_server_account_list_is_the_line(
    hall: tuple[Window, Window], client: TestClient, server_app: FastAPI
) -> None:
    origin, office = hall
    [decision] = decided(ORIGIN, [1], clerk=P.both)  # accepted by one who is also an approver
    number = decision.case_number
    assert not origin.push([decision]).rejected

    # A stolen PC of another hall, whatever login it signs with.
    stolen = enroll(client, server_app, hall=OTHER_HALL, window="SZX0261")
    refused_alone(
        stolen, approval(number, window="SZX0261", clerk=P.approver), "wrong_hall", number, OTHER_HALL
    )
    # A PC of the hall signing a login the server does not know, or a disabled account's.
    refused_alone(
        office, approval(number, window=OFFICE, clerk="mr.nobody"), "not_permitted", "mr.nobody", "审批发证"
    )
    refused_alone(
        office, approval(number, window=OFFICE, clerk=P.disabled), "not_permitted", P.disabled, "停用"
    )
    # A clerk approving: the role is missing.
    refused_alone(
        office, approval(number, window=OFFICE, clerk=P.clerk), "not_permitted", P.clerk, "审批员", "审批发证"
    )
    # The accepting clerk refusing (四分离), though an approver too; and approving.
    refusal = change(K.CASE_REFUSED, number, step=1, source="accepted", target="refused", window=OFFICE,
                     clerk=P.both, local_seq=5)  # fmt: skip
    refused_alone(office, refusal, "not_permitted", P.both, "受理了本件")
    refused_alone(office, approval(number, window=OFFICE, clerk=P.both, seq=6), "not_permitted", "受理了本件")
    # An older window's shape (no step) from a PC not holding the case: only the holder sends that.
    legacy = follow_up("certificate.issued", number, window=OFFICE, local_seq=7, clerk=P.approver)
    refused_alone(office, legacy, "not_holder", ORIGIN, OFFICE)
    assert events_of(server_app, number) == 1  # nothing but the decision

    # The approver may, at the back office's PC.
    allowed = approval(number, window=OFFICE, clerk=P.approver, seq=8)
    assert office.push([allowed]).acknowledged == [allowed.event_id]


def test_a_case_accepted_and_approved_in_one_push_is_kept_apart(hall: tuple[Window, Window]) -> None:
    """The acceptor comes from the decision earlier in the same push when the server has no case yet."""
    origin, _ = hall
    [decision] = decided(ORIGIN, [2], clerk=P.both)
    own = approval(decision.case_number, window=ORIGIN, clerk=P.both, seq=2)
    answer = origin.push([decision, own])
    assert answer.acknowledged == [decision.event_id]
    assert [r.code for r in answer.rejected] == ["not_permitted"]


def test_a_rating_needs_a_person_of_the_hall(hall: tuple[Window, Window], server_app: FastAPI) -> None:
    origin, _ = hall
    [decision] = decided(ORIGIN, [3], clerk=P.clerk)
    assert not origin.push([decision]).rejected
    payload = {"service_event_id": decision.event_id, "level": 1, "reason": None}
    unknown = follow_up(
        "service.rated", decision.case_number, window=ORIGIN, local_seq=2, clerk="mr.nobody", payload=payload
    )
    refused_alone(origin, unknown, "not_permitted", "mr.nobody", "记录服务评价")
    known = follow_up(
        "service.rated", decision.case_number, window=ORIGIN, local_seq=3, clerk=P.clerk, payload=payload
    )
    assert origin.push([known]).acknowledged == [known.event_id]


# -- fetching a case ----------------------------------------------------------------------------------
def test_another_pc_of_the_hall_fetches_the_whole_case(
    hall: tuple[Window, Window], client: TestClient, server_app: FastAPI, server_clock: MutableClock
) -> None:
    origin, office = hall
    [decision] = decided(ORIGIN, [1], clerk=P.clerk)
    number = decision.case_number
    assert not origin.push([decision]).rejected
    issued = approval(number, window=OFFICE, clerk=P.approver)
    revoked = change(
        K.CERTIFICATE_REVOKED, number, step=2, source="approved", target="revoked", window=OFFICE,
        clerk=P.approver, local_seq=2, certificate_id=issued.payload["certificate_id"],
    )  # fmt: skip
    server_clock.advance(seconds=1)
    assert not office.push([issued, revoked]).rejected

    response = client.get(wire.CASE_FETCH_PATH.format(number=number), headers=office.headers)
    assert response.status_code == 200, response.text
    case = response.json()
    parts = {"number", "status", "step", "snapshot", "events", "certificates", "revocations", "page_sets"}
    assert set(case) == parts
    assert case["page_sets"] == []
    assert (case["number"], case["status"], case["step"]) == (number, "revoked", 2)
    assert case["snapshot"] == decision.payload
    assert [e["event_id"] for e in case["events"]] == [
        decision.event_id,
        *sorted([issued.event_id, revoked.event_id]),
    ]
    first = case["events"][0]
    assert first["received_at"].endswith("Z")
    assert (
        wire.WireEvent.from_json({k: v for k, v in first.items() if k != "received_at"}).payload
        == decision.payload
    )
    [certificate] = case["certificates"]
    assert certificate["certificate_id"] == issued.payload["certificate_id"]
    assert certificate["key"]["public_key"] == window_key(OFFICE).public_bytes().hex()
    assert (certificate["window_code"], certificate["event_id"]) == (OFFICE, issued.event_id)
    [revocation] = case["revocations"]
    assert (revocation["certificate_id"], revocation["revoked_by"]) == (
        issued.payload["certificate_id"],
        P.approver,
    )


def test_a_fetch_is_refused_clearly(
    hall: tuple[Window, Window], client: TestClient, server_app: FastAPI
) -> None:
    origin, office = hall
    [decision] = decided(ORIGIN, [1], clerk=P.clerk)
    assert not origin.push([decision]).rejected
    number = decision.case_number
    unknown = format_case_number(window_code=ORIGIN, day=DAY, serial=99)
    answer = client.get(wire.CASE_FETCH_PATH.format(number=unknown), headers=office.headers)
    assert (answer.status_code, answer.json()["error"]) == (404, "not_found")
    assert unknown in answer.json()["message"]

    mistyped = number[:-1] + ("A" if number[-1] != "A" else "B")
    answer = client.get(wire.CASE_FETCH_PATH.format(number=mistyped), headers=office.headers)
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid")
    assert "校验" in answer.json()["message"]

    other = enroll(client, server_app, hall=OTHER_HALL, window="SZX0261")
    answer = client.get(wire.CASE_FETCH_PATH.format(number=number), headers=other.headers)
    assert (answer.status_code, answer.json()["error"]) == (403, "forbidden")
    assert number in answer.json()["message"]

    answer = client.get(wire.CASE_FETCH_PATH.format(number=number))
    assert (answer.status_code, answer.json()["error"]) == (401, "unauthorized")
