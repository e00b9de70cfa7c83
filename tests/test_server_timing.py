"""The server's timing projection (app.lifecycle.timing, server.sync.projection) on SQLite and PostgreSQL: a
case accepted, suspended, resumed and extended; each `case.updated` change carries the case's timing with
the due days its events moved; the back office's window stores it on its hall index by a pull, and its
approver's queue lists the case by its legal due day. A decision of an older window (no time limits)
carries none, and a window keeps nothing of a timing that fails its schema."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.lifecycle.timing import TIMING_FIELD
from app.lifecycle.watch import review_queue
from app.sync import wire
from app.sync.changes import Applying
from app.sync.report import SyncReport
from app.sync.wire import EventKind as K
from app.workspace import Workspace
from db.models import HallCase
from server.models import case_record
from tests.lifecycle_events import People, change
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    DAY,
    TestClient,
    Window,
    client_fixture,
    decided,
    enroll,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
)

ORIGIN, OFFICE = "SZX0104", "SZX0150"
DEPARTMENT = "示例市市场监督管理局"
P = People()

TIME_LIMITS = {
    "department": DEPARTMENT,
    "accepted_on": DAY.isoformat(),
    "legal_limit": {"days": 20, "unit": "working"},
    "promised_limit": {"days": 10, "unit": "working"},
    "legal_due": "2026-12-18",
    "legal_due_uncertain": False,
    "tolerated": ["M02"],
    "approve_before_supplied": False,
}


def with_time_limits(event: wire.WireEvent) -> wire.WireEvent:
    payload = dict(event.payload)
    payload.update(time_limits=TIME_LIMITS, promised_date="2026-12-04", supplement_deadline="2026-11-27")
    return replace(event, payload=payload)


def timings(window: Window, number: str) -> list[dict[str, Any] | None]:
    return [
        c.payload[TIMING_FIELD]
        for c in window.pull_all()
        if c.kind == wire.KIND_CASE_UPDATED and c.key == number
    ]


def stored(window: Window, *events: wire.WireEvent) -> None:
    answer = window.push(list(events))
    assert answer.rejected == [] and answer.acknowledged == [e.event_id for e in events]


def pulled_into(workspace: Workspace, changes: list[wire.Change]) -> None:
    """Apply every change, run after run (a run stops when its time is up, as on a busy machine)."""
    while changes:
        with workspace.store.write() as session:
            applying = Applying(
                session=session, now=datetime(2026, 11, 20, 2), today=DAY, report=SyncReport(), catalogs={}
            )
            taken = workspace.sync.inbox.apply_run(applying, changes)
        changes = changes[taken:]


def test_each_change_carries_the_timing_its_events_moved(
    client: TestClient, server_app: FastAPI, workspace: Workspace
) -> None:
    P.add(server_app)
    origin, office = enroll(client, server_app, window=ORIGIN), enroll(client, server_app, window=OFFICE)
    [decision] = decided(ORIGIN, [1], clerk=P.clerk)
    decision = with_time_limits(decision)
    number = decision.case_number
    stored(origin, decision)
    steps = [
        (K.REVIEW_STARTED, "accepted", "in_review", {}),
        (K.CASE_SUSPENDED, "in_review", "suspended", {"start": "2026-11-23"}),
        (
            K.CASE_RESUMED,
            "suspended",
            "in_review",
            {"actual_end": "2026-11-27", "legal_due": "2026-12-25", "promised_date": "2026-12-11"},
        ),
        (K.CASE_EXTENDED, "in_review", "in_review", {"legal_due": "2027-01-12", "legal_due_uncertain": True}),
        (K.TOLERATED_SUPPLIED, "in_review", "in_review", {"asked": ["M02"], "remaining": []}),
    ]
    for n, (kind, source, target, details) in enumerate(steps, start=1):
        role = "clerk" if kind == K.TOLERATED_SUPPLIED else "approver"
        event = change(
            kind, number, step=n, source=source, target=target, window=OFFICE, clerk=P.both,
            local_seq=n, role=role, **details,
        )  # fmt: skip
        stored(office, event)

    decided_timing = {
        "department": DEPARTMENT,
        "accepted_on": "2026-11-20",
        "legal_due": "2026-12-18",
        "legal_due_uncertain": False,
        "promised_date": "2026-12-04",
        "supplement_deadline": "2026-11-27",
        "suspended_since": None,
        "tolerated": ["M02"],
    }
    suspended = decided_timing | {"suspended_since": "2026-11-23"}
    resumed = decided_timing | {"legal_due": "2026-12-25", "promised_date": "2026-12-11"}
    extended = resumed | {"legal_due": "2027-01-12", "legal_due_uncertain": True}
    supplied = extended | {"tolerated": []}
    # Every PC of the hall hears of the decision and each step, each change with the timing it made (the
    # review's start moved none).
    carried = [decided_timing, decided_timing, suspended, resumed, extended, supplied]
    assert timings(office, number) == carried
    assert timings(origin, number) == carried
    with server_app.state.db.read() as connection:
        row = connection.execute(
            select(case_record.c.decided_timing, case_record.c.timing).where(case_record.c.number == number)
        ).one()
    assert (row.decided_timing, row.timing) == (decided_timing, supplied)

    # A third PC of the hall pulls everything: its hall index holds the case's last timing.
    pulled_into(workspace, origin.pull_all())
    with workspace.store.read() as session:
        entry = session.get(HallCase, number)
    assert entry is not None
    assert (entry.department, entry.legal_due, entry.legal_due_uncertain) == (
        DEPARTMENT,
        date(2027, 1, 12),
        True,
    )
    assert (entry.promised_date, entry.suspended_since, entry.tolerated_outstanding) == (
        date(2026, 12, 11),
        None,
        "",
    )
    page = review_queue(workspace.store, calendar=workspace.calendar, today=DAY, department=DEPARTMENT)
    [row_] = page.rows
    assert (row_.number, row_.window_code, row_.legal_due, row_.held_here) == (
        number,
        ORIGIN,
        date(2027, 1, 12),
        False,
    )


def test_a_decision_without_time_limits_carries_no_timing_and_a_bad_one_is_not_kept(
    client: TestClient, server_app: FastAPI, workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    P.add(server_app)
    origin, office = enroll(client, server_app, window=ORIGIN), enroll(client, server_app, window=OFFICE)
    [older] = decided(ORIGIN, [2], clerk=P.clerk)
    stored(origin, older)
    [update] = [c for c in office.pull_all() if c.kind == wire.KIND_CASE_UPDATED]
    assert update.payload[TIMING_FIELD] is None
    bad = replace(
        update,
        payload=update.payload | {TIMING_FIELD: {"department": DEPARTMENT, "legal_due": "2026-13-01"}},
    )
    pulled_into(workspace, [bad])
    with workspace.store.read() as session:
        entry = session.get(HallCase, older.case_number)
    assert entry is not None and entry.status == "accepted"  # the entry itself is kept
    assert (entry.department, entry.legal_due) == (None, None)
    assert "timing not kept" in caplog.text and "legal_due" in caplog.text
