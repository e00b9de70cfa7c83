"""Issue 13, the window side of the case's later life, against a real server in this process (SQLite and
PostgreSQL): the back office fetches a case accepted at another window, its steps reach the accepting
window by sync, a step that does not follow makes the case be fetched again, a certificate sealed at the
back office verifies offline at a third window, and a revocation reaches it too; offline, or a record the
window cannot trust, stores nothing."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.case_number import format_case_number, parse_case_number
from app.clock import Clock
from app.intake import parse_request
from app.operations.lookup import CaseNotFetched, fetch_case, look_up_case
from app.seal import VerificationStatus
from app.sync import wire
from app.sync.fetch import checked_record
from app.sync.transport import SyncError
from app.workspace import Workspace
from db.models import Case, CaseEvent, CertificateRevocation, HallCase
from db.models import OfficeKey as OfficeKeyRow
from tests.helpers import PLANNING, PLANNING_FIELDS, open_demo_workspace, request_json
from tests.sync_harness import InProcessServer, in_process_server

pytestmark = pytest.mark.slow

HALL = "SZX01"
ORIGIN, OFFICE, THIRD = "SZX0103", "SZX0104", "SZX0105"


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InProcessServer]:
    yield from in_process_server(request.param, tmp_path)


def open_window(tmp_path: Path, server: InProcessServer, window: str, clock: Clock) -> Workspace:
    """A PC of the hall (its own folder and keyring) registered as `window`."""
    workspace = open_demo_workspace(
        tmp_path / window, clock=clock, secrets_in_file=True, transport=server.transport
    )
    workspace.settings.set("window_code", window)
    workspace.sync.register(server_url=server.url, code=server.enrollment_code(window, hall=HALL))
    return workspace


@pytest.fixture
def hall(tmp_path: Path, server: InProcessServer, clock: Clock) -> Iterator[dict[str, Workspace]]:
    windows = {w: open_window(tmp_path, server, w, clock) for w in (ORIGIN, OFFICE, THIRD)}
    yield windows
    for workspace in windows.values():
        workspace.close()


def accept(workspace: Workspace) -> str:
    item = workspace.catalog.item(PLANNING)
    assert item is not None
    return workspace.acceptance.accept(parse_request(request_json(item)), counter=workspace.counter("demo"))


def held(workspace: Workspace, number: str) -> Case | None:
    with workspace.store.read() as session:
        return session.scalars(select(Case).where(Case.number == number)).first()


def case_count(workspace: Workspace) -> int:
    with workspace.store.read() as session:
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)


def test_back_office_fetches_steps_and_the_accepting_window_follows(hall: dict[str, Workspace]) -> None:
    origin, office, third = hall[ORIGIN], hall[OFFICE], hall[THIRD]
    number = accept(origin)
    origin.sync.sync()
    office.sync.sync()  # the hall index only: the case is not held at the back office
    assert held(office, number) is None
    found = look_up_case(office, number=number)
    assert found.elsewhere is not None and "可从服务器调取" in found.elsewhere_details()

    view = fetch_case(office, number=number)
    assert view.number == number and str(view.status) == "accepted"
    assert view.applicant == origin.cases.find(number).applicant  # type: ignore[union-attr]
    assert [m.material for m in view.materials] == [
        m.material
        for m in origin.cases.find(number).materials  # type: ignore[union-attr]
    ]
    row = held(office, number)
    assert row is not None and row.legal_due is not None and row.department and row.step == 0
    with office.store.read() as session:  # held here now: not in the hall index
        assert session.get(HallCase, number) is None

    # The back office takes a step; the accepting window pulls and applies it.
    office.lifecycle.start_review(number, by=office.counter("shenpi"))
    office.sync.sync()
    origin.sync.sync()
    accepted_here = held(origin, number)
    assert accepted_here is not None and (accepted_here.status, accepted_here.step) == ("in_review", 1)

    # Approved at the back office with its own key: the accepting window verifies the certificate (the
    # key registered for the back office's window) and takes the step; a third window gets the key.
    approval = office.certificates.approve(number, approver=office.counter("shenpi"), fields=PLANNING_FIELDS)
    office.sync.sync()
    origin.sync.sync()
    third.sync.sync()
    accepted_here = held(origin, number)
    assert accepted_here is not None and (accepted_here.status, accepted_here.step) == ("approved", 2)
    assert origin.cases.find(number).certificate is not None  # type: ignore[union-attr]
    assert not accepted_here.refresh_needed
    key_id = office.certificates.verify(approval.qr_text).key_id
    with third.store.read() as session:
        assert session.get(OfficeKeyRow, key_id) is not None
    assert third.certificates.verify(approval.qr_text).status is VerificationStatus.VALID
    assert origin.certificates.verify(approval.qr_text).status is VerificationStatus.VALID

    # Revoked at the back office: the third window, offline afterwards, reports it revoked.
    office.lifecycle.revoke(
        number, by=office.counter("shenpi"), reason="以欺骗手段取得许可", basis="行政许可法第六十九条第二款"
    )
    office.sync.sync()
    third.sync.sync()
    origin.sync.sync()
    third.sync.transport.http_transport = _Unreachable()
    verified = third.certificates.verify(approval.qr_text)
    assert verified.status is VerificationStatus.REVOKED
    assert verified.revocation is not None and verified.revocation.reason == "以欺骗手段取得许可"
    assert "已撤销" in verified.message or "撤销" in verified.message
    assert "行政许可法第六十九条第二款" in verified.message
    assert origin.certificates.verify(approval.qr_text).status is VerificationStatus.REVOKED
    assert held(origin, number).status == "revoked"  # type: ignore[union-attr]


class _Unreachable(httpx.BaseTransport):
    """A network that reaches nothing: every request fails as a cut connection does."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("unreachable", request=request)


def test_a_step_that_does_not_follow_makes_the_case_be_fetched_again(
    hall: dict[str, Workspace], clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    origin, office = hall[ORIGIN], hall[OFFICE]
    number = accept(origin)
    origin.sync.sync()
    fetch_case(office, number=number)
    office.lifecycle.start_review(number, by=office.counter("shenpi"))
    office.lifecycle.suspend(
        number,
        by=office.counter("shenpi"),
        kind="expert_review",
        reason="组织专家评审",
        start=clock.today(),
        expected_end=clock.today(),
    )
    office.sync.sync()
    assert held(office, number).status == "suspended"  # type: ignore[union-attr]
    # The accepting window missed step 1 (as if its pull had lost it): its copy is at step 0, so step 2
    # comes as a gap; the case is marked and fetched again after the round.
    origin.sync.sync()  # normal: both steps arrive in order and apply
    row = held(origin, number)
    assert row is not None and row.step == 2 and row.status == "suspended"
    with origin.store.write() as session:  # back to step 0, as if the steps had been lost
        case = session.scalars(select(Case).where(Case.number == number)).one()
        case.step, case.status, case.suspended_since = 0, "accepted", None
        case.suspensions.clear()
    office.lifecycle.resume(number, by=office.counter("shenpi"), actual_end=clock.today())
    office.sync.sync()
    with caplog.at_level(logging.WARNING, logger="clerk.sync"):
        origin.sync.sync()
    assert any("does not follow" in r.getMessage() for r in caplog.records)
    row = held(origin, number)
    assert row is not None and (row.step, row.status, row.refresh_needed) == (3, "in_review", False)
    assert len(row.suspensions) == 1 and row.suspensions[0].actual_end is not None


def test_offline_unknown_and_other_halls_cases_store_nothing(hall: dict[str, Workspace]) -> None:
    origin, office = hall[ORIGIN], hall[OFFICE]
    number = accept(origin)
    origin.sync.sync()
    before = case_count(office)
    office.sync.transport.http_transport = _Unreachable()
    with pytest.raises(CaseNotFetched, match=f"离线：无法从服务器调取办件 {number}"):
        fetch_case(office, number=number)
    assert case_count(office) == before
    office.sync.transport.http_transport = origin.sync.transport.http_transport
    unknown = format_case_number(window_code=ORIGIN, day=parse_case_number(number).day, serial=999)
    with pytest.raises(CaseNotFetched, match="无法从服务器调取办件"):
        fetch_case(office, number=unknown)
    assert case_count(office) == before


def _record(origin: Workspace, office: Workspace, number: str) -> dict[str, Any]:
    credential = office.sync.transport.registered()
    data: dict[str, Any] = office.sync.transport.request(
        "GET", credential.server_url, wire.CASE_FETCH_PATH.format(number=number), credential=credential
    )
    return data


@pytest.mark.parametrize(
    ("spoil", "named"),
    [
        (lambda d: d["snapshot"]["applicant"].__setitem__("name", ""), "办件快照"),
        (lambda d: d["snapshot"].__setitem__("decision", "maybe"), "办件快照"),
        (lambda d: d["events"][0]["payload"].__setitem__("number", 7), "events[0]"),
        (lambda d: d["events"][0].__setitem__("event_id", "not-a-uuid"), "events[0]"),
        (lambda d: d.__setitem__("number", "SZX0103-20261120-0999"), "编号"),
        (lambda d: d["revocations"].append({"certificate_id": "X"}), "revocations[0]"),
    ],
)
def test_a_bad_record_from_the_server_is_refused_whole(
    hall: dict[str, Workspace], clock: Clock, spoil: Any, named: str
) -> None:
    origin, office = hall[ORIGIN], hall[OFFICE]
    number = accept(origin)
    origin.sync.sync()
    data = _record(origin, office, number)
    checked_record(data, number=number, now=clock.now())
    spoil(data)
    with pytest.raises(SyncError, match="服务器发来的办件记录有误，未保存") as refused:
        checked_record(data, number=number, now=clock.now())
    assert named in refused.value.message
    assert held(office, number) is None


def test_a_held_case_with_events_not_yet_sent_is_not_rebuilt(hall: dict[str, Workspace]) -> None:
    origin = hall[ORIGIN]
    number = accept(origin)
    origin.sync.sync()
    origin.lifecycle.start_review(number, by=origin.counter("shenpi"))  # not pushed yet
    with pytest.raises(CaseNotFetched, match="未上传的记录"):
        fetch_case(origin, number=number)
    row = held(origin, number)
    assert row is not None and row.step == 1
    origin.sync.sync()
    view = fetch_case(origin, number=number)  # rebuilt from the server: the same case
    assert (str(view.status), held(origin, number).step) == ("in_review", 1)  # type: ignore[union-attr]
    with origin.store.read() as session:
        assert (session.scalar(select(func.count()).select_from(CaseEvent)) or 0) >= 2
        assert session.scalar(select(func.count()).select_from(CertificateRevocation)) == 0


def test_the_certificate_is_collected_at_any_window_of_the_hall(hall: dict[str, Workspace]) -> None:
    """窗口统一出件: accepted at one window, approved at the back office, handed over at a third window that
    fetched the case; the other two follow, and the pickup receipt is the third window's to print."""
    from app.accounts.demo import DEMO_PASSWORD
    from app.documents.kinds import DocumentKind
    from app.operations.certificates import approve_case, hand_over_certificate
    from tests.helpers import AGENT

    origin, office, pickup = hall[ORIGIN], hall[OFFICE], hall[THIRD]
    number = accept(origin)
    origin.sync.sync()
    fetch_case(office, number=number)
    approve_case(
        office, person=office.counter("shenpi"), number=number, fields=PLANNING_FIELDS, password=DEMO_PASSWORD
    )
    office.sync.sync()
    pickup.sync.sync()
    view = fetch_case(pickup, number=number)
    assert str(view.status) == "approved" and view.certificate is not None
    handed = hand_over_certificate(
        pickup,
        person=pickup.counter("demo"),
        number=number,
        recipient_name=AGENT["name"],
        recipient_id_number=AGENT["id_number"],
    )
    assert handed.print_next is DocumentKind.PICKUP_RECEIPT
    document = pickup.documents.prepare(DocumentKind.PICKUP_RECEIPT, number, counter=pickup.counter("demo"))
    assert document.pages >= 1
    pickup.sync.sync()
    origin.sync.sync()
    office.sync.sync()
    for workspace in (origin, office):
        case = workspace.cases.find(number)
        assert case is not None and str(case.status) == "delivered" and case.life.step == 2
        assert case.certificate is not None and case.certificate.recipient_name == AGENT["name"]
