"""A status pulled from the server is read through the status table (app.cases.status): for a case held
here only a known status is taken, and a sealed one only with a verified certificate; the hall index keeps
what the server reported, logging a status this version does not know. Real window database; the changes
are shaped as the server's change log writes them."""

from __future__ import annotations

import logging
from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.case_number import format_case_number
from app.cases.status import CaseStatus
from app.intake import parse_request
from app.sync import wire
from app.sync.changes import Applying
from app.sync.pulled_cases import SEALED_STATUSES, statuses_reached_by
from app.sync.report import SyncReport
from app.sync.wire import EventKind
from app.workspace import Workspace
from db.models import Case
from tests.helpers import SEAL, request_json

OTHER_CASE = format_case_number(window_code="SZX0104", day=date(2026, 11, 20), serial=7)


def case_updated(seq: int, number: str, status: str | None, *, window: str = "SZX0104") -> wire.Change:
    """A `case.updated` change as server.sync writes it."""
    payload = {
        "number": number,
        "status": status,
        "decision": "accepted",
        "window_code": window,
        "item_code": SEAL,
        "received_on": "2026-11-20",
        "updated_by": f"event-{seq}",
    }
    return wire.Change(seq, wire.KIND_CASE_UPDATED, number, payload, "2026-11-20T02:00:00Z")


def apply(workspace: Workspace, changes: list[wire.Change]) -> SyncReport:
    """The changes applied as one run of a pulled page."""
    report = SyncReport()
    with workspace.store.write() as session:
        applying = Applying(
            session=session,
            now=datetime(2026, 11, 20, 2),
            today=date(2026, 11, 20),
            report=report,
            catalogs={},
        )
        taken = 0
        while taken < len(changes):  # a run stops when its time is up, as on a busy machine
            taken += workspace.sync.inbox.apply_run(applying, changes[taken:])
    return report


def status_here(workspace: Workspace, number: str) -> str:
    with workspace.store.read() as session:
        return str(session.scalars(select(Case.status).where(Case.number == number)).one())


@pytest.fixture
def held_case(workspace: Workspace) -> str:
    item = workspace.catalog.item(SEAL)
    assert item is not None
    return workspace.acceptance.accept(parse_request(request_json(item)), counter=workspace.counter("demo"))


def test_sealed_statuses_are_the_ones_a_certificate_leads_to_in_the_table() -> None:
    assert SEALED_STATUSES == (
        CaseStatus.APPROVED,
        CaseStatus.DELIVERED,
        CaseStatus.MAILED,
        CaseStatus.REVOKED,
    )
    assert statuses_reached_by(EventKind.CERTIFICATE_HANDED_OVER) == (
        CaseStatus.DELIVERED,
        CaseStatus.REVOKED,
    )
    assert statuses_reached_by(EventKind.DOCUMENT_PRINTED) == ()


def test_a_hall_case_keeps_a_status_this_version_does_not_know_and_says_so(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    apply(workspace, [case_updated(1, OTHER_CASE, "accepted")])
    with caplog.at_level(logging.WARNING, logger="clerk.sync"):
        report = apply(workspace, [case_updated(2, OTHER_CASE, "escalated")])
    assert report.applied == 1
    shown = workspace.cases.find_in_hall(OTHER_CASE)
    assert shown is not None and shown.status == shown.status_label == "escalated"
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert OTHER_CASE in warning.getMessage() and "'escalated'" in warning.getMessage()
    # A known status is taken as before, without a warning; an older change never moves it back.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="clerk.sync"):
        apply(workspace, [case_updated(3, OTHER_CASE, "approved")])
        apply(workspace, [case_updated(1, OTHER_CASE, "accepted")])
    shown = workspace.cases.find_in_hall(OTHER_CASE)
    assert shown is not None and shown.status == "approved" and shown.status_label == "准予许可，待领取"
    assert not caplog.records


def test_a_case_held_here_takes_only_a_status_the_table_knows(
    workspace: Workspace, held_case: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="clerk.sync"):
        report = apply(workspace, [case_updated(1, held_case, "escalated", window="SZX0103")])
    assert report.applied == 0 and status_here(workspace, held_case) == "accepted"
    assert any(held_case in r.getMessage() and "'escalated'" in r.getMessage() for r in caplog.records)
    # A status only a certificate gives: not without a certificate verified here.
    report = apply(workspace, [case_updated(2, held_case, "approved", window="SZX0103")])
    assert report.applied == 0 and status_here(workspace, held_case) == "accepted"
    # Another known status is taken, as before.
    report = apply(workspace, [case_updated(3, held_case, "awaiting_supplement", window="SZX0103")])
    assert report.applied == 1 and status_here(workspace, held_case) == "awaiting_supplement"
    assert workspace.cases.find_in_hall(held_case) is None  # a case held here is not in the hall index
