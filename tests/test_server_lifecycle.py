"""Issue 13 on the server: every kind of a case's later life stored and projected by step, the step race
between two PCs (one conflict, the first stored wins), steps arriving out of order, the projection's
independence of arrival order, signing keys and revocations reaching every window of the hall."""

from __future__ import annotations

from dataclasses import replace
from itertools import permutations
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.sync import wire
from app.sync.wire import EventKind as K
from server import admin
from server.models import case_event, case_record, change_log, conflict
from tests.lifecycle_events import People, awaiting_supplement, change, rating
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    HALL,
    MutableClock,
    TestClient,
    Window,
    client_fixture,
    decided,
    enroll,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
    window_key,
)

ORIGIN, OFFICE, PICKUP = "SZX0103", "SZX0150", "SZX0109"
P = People()


@pytest.fixture(name="hall")
def hall_fixture(client: TestClient, server_app: FastAPI) -> tuple[Window, Window, Window]:
    """The accepting window, the back office's PC and a pickup window of the hall, and its people."""
    P.add(server_app)
    return (
        enroll(client, server_app, window=ORIGIN),
        enroll(client, server_app, window=OFFICE),
        enroll(client, server_app, window=PICKUP),
    )


def projected(app: FastAPI, number: str) -> tuple[str, int | None]:
    with app.state.db.read() as connection:
        row = connection.execute(
            select(case_record.c.status, case_record.c.step).where(case_record.c.number == number)
        ).one()
    return row.status, row.step


def count(app: FastAPI, table: Any, *where: Any) -> int:
    with app.state.db.read() as connection:
        return int(connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def stored(window: Window, event: wire.WireEvent) -> None:
    answer = window.push([event])
    assert answer.rejected == [] and answer.acknowledged == [event.event_id]


def test_every_kind_of_the_later_life_is_stored_and_projected(
    hall: tuple[Window, Window, Window], server_app: FastAPI
) -> None:
    origin, office, pickup = hall
    [decision] = decided(ORIGIN, [1], clerk=P.clerk)
    number = decision.case_number
    stored(origin, decision)
    seq = iter(range(2, 100))

    def step(
        window: Window,
        kind: str,
        n: int,
        source: str,
        target: str,
        clerk: str,
        role: str,
        **details: Any,
    ) -> wire.WireEvent:
        event = change(
            kind, number, step=n, source=source, target=target, window=window.window_code, clerk=clerk,
            local_seq=next(seq), role=role, **details,
        )  # fmt: skip
        stored(window, event)
        assert projected(server_app, number) == (target, n)
        return event

    step(office, K.REVIEW_STARTED, 1, "accepted", "in_review", P.approver, "approver")
    step(office, K.CASE_SUSPENDED, 2, "in_review", "suspended", P.approver, "approver")
    step(office, K.CASE_RESUMED, 3, "suspended", "in_review", P.approver, "approver")
    step(office, K.CASE_EXTENDED, 4, "in_review", "in_review", P.approver, "approver")
    step(origin, K.TOLERATED_SUPPLIED, 5, "in_review", "in_review", P.clerk, "clerk")
    step(origin, K.CASE_CORRECTED, 6, "in_review", "in_review", P.supervisor, "supervisor")
    issued = step(office, K.CERTIFICATE_ISSUED, 7, "in_review", "approved", P.approver, "approver")
    certificate_id = issued.payload["certificate_id"]
    mailed = change(
        K.CASE_MAILED, number, step=8, source="approved", target="mailed", window=PICKUP, clerk=P.clerk,
        local_seq=1, role="clerk", certificate_id=certificate_id,
    )  # fmt: skip
    stored(pickup, mailed)
    revoked = step(
        office,
        K.CERTIFICATE_REVOKED,
        9,
        "mailed",
        "revoked",
        P.approver,
        "approver",
        certificate_id=certificate_id,
    )
    # The applicant rates the visit at the counter (the decision; a mailing is no visit).
    stored(
        origin,
        rating(
            number,
            decision.event_id,
            level=4,
            window=ORIGIN,
            clerk=P.clerk,
            local_seq=next(seq),
            reason="等候太久",
        ),
    )
    assert projected(server_app, number) == ("revoked", 9)
    assert count(server_app, conflict) == 0

    # The holding window hears of every step, each event whole, and of the back office's key and the
    # revocation.
    changes = origin.pull_all()
    updates = [c for c in changes if c.kind == wire.KIND_CASE_UPDATED and c.key == number]
    carried = [c.payload.get(wire.CASE_EVENT_FIELD) for c in updates]
    assert [e["kind"] for e in carried if e is not None][:3] == [
        K.REVIEW_STARTED,
        K.CASE_SUSPENDED,
        K.CASE_RESUMED,
    ]
    assert carried[-1] is None  # the rating changes no status
    by_event = {
        e["event_id"]: (e, c.payload["step"]) for e, c in zip(carried, updates, strict=True) if e is not None
    }
    assert by_event[revoked.event_id][0]["payload"] == revoked.payload
    assert by_event[revoked.event_id][0]["clerk_login"] == P.approver
    assert by_event[revoked.event_id][1] == 9
    [key] = [c for c in changes if c.kind == wire.KIND_SIGNING_KEY]
    assert key.key == window_key(OFFICE).key_id
    assert (key.payload["window_code"], key.payload["hall_code"]) == (OFFICE, HALL)
    assert key.payload["public_key"] == window_key(OFFICE).public_bytes().hex()
    [revocation] = [c for c in changes if c.kind == wire.KIND_CERTIFICATE_REVOKED]
    assert revocation.key == certificate_id
    assert revocation.payload == {
        "certificate_id": certificate_id,
        "case_number": number,
        "reason": revoked.payload["reason"],
        "basis": revoked.payload["basis"],
        "revoked_on": revoked.payload["day"],
        "revoked_by": P.approver,
        "event_id": revoked.event_id,
    }


def test_a_supplement_a_refusal_a_withdrawal_and_a_termination(
    hall: tuple[Window, Window, Window], server_app: FastAPI
) -> None:
    origin, office, _ = hall
    returning, lapsing = (awaiting_supplement(ORIGIN, n, clerk=P.clerk) for n in (1, 3))
    [withdrawing] = decided(ORIGIN, [2], clerk=P.clerk)
    for n, event in enumerate((returning, withdrawing, lapsing), 1):
        stored(origin, replace(event, local_seq=n))

    def made(
        window: Window, kind: str, number: str, source: str, target: str, clerk: str, role: str, seq: int
    ) -> None:
        stored(
            window,
            change(kind, number, step=1 if kind != K.CASE_REFUSED else 2, source=source, target=target,
                   window=window.window_code, clerk=clerk, local_seq=seq, role=role),
        )  # fmt: skip

    made(
        origin,
        K.CASE_SUPPLEMENTED,
        returning.case_number,
        "awaiting_supplement",
        "accepted",
        P.clerk,
        "clerk",
        4,
    )
    made(office, K.CASE_REFUSED, returning.case_number, "accepted", "refused", P.approver, "approver", 1)
    made(origin, K.CASE_WITHDRAWN, withdrawing.case_number, "accepted", "withdrawn", P.clerk, "clerk", 5)
    made(
        origin,
        K.CASE_TERMINATED,
        lapsing.case_number,
        "awaiting_supplement",
        "terminated",
        P.clerk,
        "clerk",
        6,
    )
    assert projected(server_app, returning.case_number) == ("refused", 2)
    assert projected(server_app, withdrawing.case_number) == ("withdrawn", 1)
    assert projected(server_app, lapsing.case_number) == ("terminated", 1)


def test_two_pcs_taking_one_step_make_one_conflict_and_the_first_stored_wins(
    hall: tuple[Window, Window, Window], server_app: FastAPI, server_clock: MutableClock
) -> None:
    origin, office, pickup = hall
    [decision] = decided(ORIGIN, [1], clerk=P.clerk)
    number = decision.case_number
    stored(origin, decision)
    review = change(K.REVIEW_STARTED, number, step=1, source="accepted", target="in_review", window=OFFICE,
                    clerk=P.approver, local_seq=1)  # fmt: skip
    withdrawal = change(
        K.CASE_WITHDRAWN, number, step=1, source="accepted", target="withdrawn", window=ORIGIN, clerk=P.clerk,
        local_seq=2, role="clerk",
    )  # fmt: skip
    server_clock.advance(seconds=1)
    stored(office, review)
    server_clock.advance(seconds=1)
    for _ in range(3):  # retried: the conflict is recorded once
        stored(origin, withdrawal)
    assert projected(server_app, number) == ("in_review", 1)
    assert count(server_app, case_event, case_event.c.case_number == number) == 3  # both events kept
    [listed] = admin.list_conflicts(server_app.state.db)
    assert (listed["reason"], listed["event_id"], listed["other_event_id"]) == (
        wire.CONFLICT_LIFECYCLE, withdrawal.event_id, review.event_id,
    )  # fmt: skip
    message = listed["message"]
    assert number in message and "两处被同时办理" in message
    assert all(part in message for part in (ORIGIN, OFFICE, "开始审查", "撤回申请"))
    conflicts = [c for c in pickup.pull_all() if c.kind == wire.KIND_CONFLICT]
    assert [c.payload["reason"] for c in conflicts] == [wire.CONFLICT_LIFECYCLE]
    assert count(server_app, change_log, change_log.c.kind == wire.KIND_CONFLICT) == 1

    # The next step follows the winner; the loser stays a conflict, recorded once still.
    suspend = change(K.CASE_SUSPENDED, number, step=2, source="in_review", target="suspended", window=OFFICE,
                     clerk=P.approver, local_seq=3)  # fmt: skip
    stored(office, suspend)
    assert projected(server_app, number) == ("suspended", 2)
    assert count(server_app, conflict) == 1


def test_a_step_arriving_before_its_predecessor_waits_then_is_taken(
    hall: tuple[Window, Window, Window], server_app: FastAPI
) -> None:
    origin, office, _ = hall
    [decision] = decided(ORIGIN, [1], clerk=P.clerk)
    number = decision.case_number
    review = change(K.REVIEW_STARTED, number, step=1, source="accepted", target="in_review", window=OFFICE,
                    clerk=P.approver, local_seq=1)  # fmt: skip
    suspend = change(K.CASE_SUSPENDED, number, step=2, source="in_review", target="suspended", window=OFFICE,
                     clerk=P.approver, local_seq=2)  # fmt: skip
    stored(origin, decision)
    stored(office, suspend)
    assert projected(server_app, number) == ("accepted", 0)
    stored(office, review)
    assert projected(server_app, number) == ("suspended", 2)
    assert count(server_app, conflict) == 0


def test_the_status_does_not_depend_on_the_order_events_arrive_in(
    hall: tuple[Window, Window, Window], server_app: FastAPI
) -> None:
    origin, office, _ = hall
    finals = set()
    for serial, order in enumerate(permutations(range(3)), 1):
        [decision] = decided(ORIGIN, [serial], clerk=P.clerk, first_local_seq=serial)
        number = decision.case_number
        stored(origin, decision)
        steps = [
            change(K.REVIEW_STARTED, number, step=1, source="accepted", target="in_review", window=OFFICE,
                   clerk=P.approver, local_seq=serial * 10 + 1),
            change(K.CASE_SUSPENDED, number, step=2, source="in_review", target="suspended", window=OFFICE,
                   clerk=P.approver, local_seq=serial * 10 + 2),
            change(K.CASE_RESUMED, number, step=3, source="suspended", target="in_review", window=OFFICE,
                   clerk=P.approver, local_seq=serial * 10 + 3),
        ]  # fmt: skip
        for index in order:
            stored(office, steps[index])
        finals.add(projected(server_app, number))
    assert finals == {("in_review", 3)}
    assert count(server_app, conflict) == 0


def test_a_revocation_or_mailing_must_name_the_cases_own_certificate(
    hall: tuple[Window, Window, Window], server_app: FastAPI
) -> None:
    origin, office, _ = hall
    first, other = decided(ORIGIN, [1, 2], clerk=P.clerk)
    for event in (first, other):
        stored(origin, event)
    issued = change(K.CERTIFICATE_ISSUED, other.case_number, step=1, source="accepted", target="approved",
                    window=OFFICE, clerk=P.approver, local_seq=1)  # fmt: skip
    own = change(K.CERTIFICATE_ISSUED, first.case_number, step=1, source="accepted", target="approved",
                 window=OFFICE, clerk=P.approver, local_seq=2)  # fmt: skip
    stored(office, issued)
    stored(office, own)
    foreign = issued.payload["certificate_id"]
    revoke = change(K.CERTIFICATE_REVOKED, first.case_number, step=2, source="approved", target="revoked",
                    window=OFFICE, clerk=P.approver, local_seq=3, certificate_id=foreign)  # fmt: skip
    mail = change(K.CASE_MAILED, first.case_number, step=2, source="approved", target="mailed", window=ORIGIN,
                  clerk=P.clerk, local_seq=4, role="clerk", certificate_id="NO-SUCH-CERT")  # fmt: skip
    for window, event, named in ((office, revoke, foreign), (origin, mail, "NO-SUCH-CERT")):
        [refused] = window.push([event]).rejected
        assert refused.code == "invalid"
        assert named in refused.message and "不是为本办件签发的" in refused.message
        assert own.payload["certificate_id"] in refused.message  # the case's own is named
    assert projected(server_app, first.case_number) == ("approved", 1)
    assert count(server_app, change_log, change_log.c.kind == wire.KIND_CERTIFICATE_REVOKED) == 0
