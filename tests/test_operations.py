"""The operation layer on a real workspace: what each operation returns, the role and status checks it makes
before acting, the one table of which documents a decision gets, and the JSON `clerk` makes from the views."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from app.acceptance import case_snapshot
from app.accounts.demo import DEMO_PASSWORD
from app.accounts.roles import Permission, PermissionDenied, Role
from app.accounts.signin import SignInRefused
from app.case_number import format_case_number
from app.cases.status import CaseAction, CaseStatus, TransitionError
from app.cases.views import VIEW_FORMAT
from app.cli import main
from app.completeness import Outcome, Verdict
from app.documents.content import DocumentError, require_decision
from app.documents.kinds import (
    DECISION_DOCUMENTS,
    DocumentKind,
    case_documents,
    decision_documents,
    issued_for,
    main_document,
)
from app.intake import parse_request
from app.operations.certificates import Approved, HandedOver, approve_case, hand_over_certificate
from app.operations.changes import REFUSALS, CaseChanged
from app.operations.counter import Accepted, accept_case
from app.operations.lookup import CaseNotHere, held_case, look_up_case
from app.operations.person import Actor
from app.operations.printing import needs_reason, render_document
from app.sync.wire import EventKind
from app.workspace import Workspace
from db.models import Case, CaseEvent, Certificate, Clerk, HallCase
from tests.helpers import AGENT, PASSPORT, PERSON, PLANNING, PLANNING_FIELDS, SEAL, request_json

NEIGHBOUR = "SZX0104"


def accept(ws: Workspace, person: Actor, *, code: str = PLANNING, **changes: object) -> Accepted:
    item = ws.catalog.item(code)
    assert item is not None
    return accept_case(ws, person=person, request=parse_request(request_json(item, **changes)))  # type: ignore[arg-type]


def hand_over_to_agent(ws: Workspace, person: Actor, number: str) -> HandedOver:
    """The case's certificate handed to the agent who applied for it."""
    return hand_over_certificate(
        ws, person=person, number=number, recipient_name=AGENT["name"], recipient_id_number=AGENT["id_number"]
    )


def set_role(ws: Workspace, login: str, role: str) -> None:
    """What a newer server may send: an account whose role this version has never heard of."""
    with ws.store.write() as session:
        session.execute(update(Clerk).where(Clerk.login == login).values(roles=role))


def count(ws: Workspace, table: type[Case] | type[Certificate]) -> int:
    with ws.store.read() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_each_decision_is_returned_typed_with_the_document_it_prints(workspace: Workspace) -> None:
    person = workspace.counter("demo")
    made = {
        Outcome.ACCEPTED: accept(workspace, person),
        Outcome.ACCEPTED_WITH_TOLERANCE: accept(workspace, person, skip=("M08",)),
        Outcome.SUPPLEMENT_REQUIRED: accept(workspace, person, skip=("M05",)),
        Outcome.REJECTED: accept(workspace, person, code=PASSPORT, applicant=PERSON, agent=None),
    }
    status = {
        Outcome.ACCEPTED: CaseStatus.ACCEPTED,
        Outcome.ACCEPTED_WITH_TOLERANCE: CaseStatus.ACCEPTED,
        Outcome.SUPPLEMENT_REQUIRED: CaseStatus.AWAITING_SUPPLEMENT,
        Outcome.REJECTED: CaseStatus.CLOSED,
    }
    for outcome, accepted in made.items():
        case = accepted.case
        assert case.decision is outcome and case.outcome is outcome
        assert accepted.changed == CaseChanged(case.number, status[outcome])
        assert accepted.print_next is main_document(outcome)
        assert workspace.documents.available(case) == list(case_documents(case))
    assert made[Outcome.ACCEPTED_WITH_TOLERANCE].case.materials_with(Verdict.TOLERATED) == ["M08"]
    supplement = made[Outcome.SUPPLEMENT_REQUIRED].case
    assert supplement.materials_with(Verdict.MISSING) == ["M05"]
    assert supplement.promised_date is None and supplement.supplement_deadline == date(2026, 11, 27)
    assert made[Outcome.ACCEPTED].case.promised_date == date(2026, 12, 4)
    assert "出入境" in (made[Outcome.REJECTED].case.referral_office or "")


def test_one_table_gives_each_decision_its_documents() -> None:
    for outcome in Outcome:
        kinds = decision_documents(outcome)
        assert kinds, outcome
        assert [row.kind for row in DECISION_DOCUMENTS if row.outcome == outcome and row.on_saving] == [
            main_document(outcome)
        ]
        assert all(outcome in issued_for(kind) for kind in kinds)
    # The certificate and its pickup receipt come with approval and hand-over, not with a decision.
    assert issued_for(DocumentKind.CERTIFICATE) == issued_for(DocumentKind.PICKUP_RECEIPT) == ()
    assert decision_documents("decided_by_a_newer_version") == ()
    assert main_document("decided_by_a_newer_version") is None


def approve(ws: Workspace, person: Actor, number: str, password: str = DEMO_PASSWORD) -> Approved:
    return approve_case(ws, person=person, number=number, fields=PLANNING_FIELDS, password=password)


def test_approval_and_hand_over_follow_the_status_table(workspace: Workspace) -> None:
    person = workspace.counter("demo")
    approver = workspace.counter("shenpi")
    number = accept(workspace, person).case.number
    supplement = accept(workspace, person, skip=("M05",)).case.number
    with pytest.raises(TransitionError, match="待补正"):
        approve(workspace, approver, supplement)
    with pytest.raises(TransitionError, match=r"已受理.*不能交付证照"):
        hand_over_to_agent(workspace, person, number)
    assert count(workspace, Certificate) == 0

    approved = approve(workspace, approver, number)
    assert approved.changed == CaseChanged(number, CaseStatus.APPROVED)
    assert approved.certificate_id and workspace.certificates.verify(approved.qr_text).status == "valid"
    case = held_case(workspace, number=number)
    # Collected or mailed; revoked (撤销) or corrected by those whose role allows it (app.cases.status).
    assert case.allowed_actions == (
        CaseAction.HAND_OVER,
        CaseAction.MAIL,
        CaseAction.REVOKE,
        CaseAction.CORRECT,
    )
    assert case.certificate is not None and case.certificate.certificate_id == approved.certificate_id
    with pytest.raises(TransitionError):
        approve(workspace, approver, number)

    handed = hand_over_to_agent(workspace, person, number)
    assert handed.changed == CaseChanged(number, CaseStatus.DELIVERED)
    assert handed.print_next is DocumentKind.PICKUP_RECEIPT
    case = held_case(workspace, number=number)
    assert case.allowed_actions == (CaseAction.REVOKE, CaseAction.CORRECT)
    assert case.certificate is not None and case.certificate.handed_over
    assert workspace.documents.available(case)[-2:] == [DocumentKind.CERTIFICATE, DocumentKind.PICKUP_RECEIPT]


def test_the_acting_person_carries_the_roles_of_the_account(workspace: Workspace) -> None:
    assert workspace.counter("demo").roles == {Role.CLERK}
    supervisor = workspace.counter("zhuren")
    assert supervisor.roles == {Role.SUPERVISOR} and supervisor.unknown_roles == ()
    supervisor.require(Permission.RESOLVE_CONFLICT)
    with pytest.raises(PermissionDenied, match="王晓梅（demo） 没有值班主任角色，不能处理同步冲突"):
        workspace.counter("demo").require(Permission.RESOLVE_CONFLICT)
    with pytest.raises(PermissionDenied, match="陈建国（zhuren） 没有受理员角色，不能受理办件"):
        accept(workspace, supervisor)
    assert count(workspace, Case) == 0


def test_the_accepting_clerk_cannot_approve_and_a_helper_decides_nothing(workspace: Workspace) -> None:
    set_role(workspace, "demo", "clerk approver")  # one person may hold several roles ...
    both = workspace.counter("demo")
    number = accept(workspace, both).case.number
    with pytest.raises(
        PermissionDenied, match="王晓梅（demo） 受理了本件，按受理、审批、出证分离的要求不能再审批本件"
    ):
        approve(workspace, both, number)  # ... but not accept and approve one case
    helper = workspace.counter("bangban")
    with pytest.raises(PermissionDenied, match="孙丽（bangban） 没有受理员角色，不能受理办件"):
        accept(workspace, helper)
    with pytest.raises(PermissionDenied, match="孙丽（bangban） 没有审批员角色，不能审批发证"):
        approve(workspace, helper, number)
    with pytest.raises(PermissionDenied, match="没有出证员角色，不能打印证照"):
        render_document(workspace, person=helper, number=number, kind=DocumentKind.CERTIFICATE)
    assert count(workspace, Certificate) == 0


def test_approving_asks_for_the_approvers_password_again(workspace: Workspace) -> None:
    number = accept(workspace, workspace.counter("demo")).case.number
    approver = workspace.counter("shenpi")
    with pytest.raises(SignInRefused, match="账号或密码不正确") as refused:
        approve(workspace, approver, number, password="not-it")
    assert isinstance(refused.value, REFUSALS)
    assert count(workspace, Certificate) == 0
    assert approve(workspace, approver, number).changed.number == number


def test_a_role_this_version_does_not_know_grants_nothing(workspace: Workspace) -> None:
    number = accept(workspace, workspace.counter("demo")).case.number
    set_role(workspace, "demo", "auditor")
    person = workspace.counter("demo")
    assert person.roles == frozenset() and person.unknown_roles == ("auditor",)
    with pytest.raises(
        PermissionDenied, match="“auditor”本程序不认识，没有任何权限，不能受理办件"
    ) as refused:
        accept(workspace, person)
    assert isinstance(refused.value, REFUSALS)
    with pytest.raises(PermissionDenied, match="不能审批发证"):
        approve(workspace, person, number)
    with pytest.raises(PermissionDenied, match="不能打印文书"):
        render_document(workspace, person=person, number=number, kind=DocumentKind.RECEIPT)
    assert count(workspace, Case) == 1 and count(workspace, Certificate) == 0
    assert not needs_reason(workspace, number=number, kind=DocumentKind.RECEIPT)  # nothing numbered either


def neighbours_case(ws: Workspace) -> str:
    """A case of the next window, as sync records it in the hall's index."""
    number = format_case_number(window_code=NEIGHBOUR, day=date(2026, 11, 20), serial=7)
    with ws.store.write() as session:
        session.add(
            HallCase(
                number=number,
                window_code=NEIGHBOUR,
                status="approved",
                decision="accepted",
                item_code=SEAL,
                received_on=date(2026, 11, 20),
                updated_at=datetime(2026, 11, 20, 3, 4, 5),
                seq=42,
            )
        )
    return number


def test_a_case_of_another_window_is_described_never_acted_on(workspace: Workspace) -> None:
    person = workspace.counter("demo")
    number = neighbours_case(workspace)
    found = look_up_case(workspace, number=number)
    assert found.case is None and found.elsewhere is not None
    assert (
        found.elsewhere.status is CaseStatus.APPROVED and found.elsewhere.status_label == "准予许可，待领取"
    )
    seal = workspace.catalog.item(SEAL)
    assert seal is not None and found.elsewhere_item_name == seal.name
    details = found.elsewhere_details()
    assert f"由 {NEIGHBOUR} 窗口于 2026-11-20 受理，事项：{seal.name}" in details
    assert "服务器 11-20 11:04 的记录" in details and "可从服务器调取" in details  # hall time
    assert found.elsewhere_line().startswith(f"{number}  由 {NEIGHBOUR} 窗口受理（2026-11-20）")
    for act in (
        lambda: approve(workspace, workspace.counter("shenpi"), number),
        lambda: render_document(workspace, person=person, number=number, kind=DocumentKind.RECEIPT),
    ):
        with pytest.raises(CaseNotHere, match=f"由 {NEIGHBOUR} 窗口受理，不在本窗口：请先从服务器调取该办件"):
            act()
    unknown = format_case_number(window_code=NEIGHBOUR, day=date(2026, 11, 20), serial=8)
    assert (
        look_up_case(workspace, number=unknown).not_found
        == f"本窗口和本大厅已同步的记录中都没有办件 {unknown}"
    )
    with pytest.raises(CaseNotHere, match=f"本窗口数据库中没有办件 {unknown}"):
        held_case(workspace, number=unknown)


def test_case_json_keeps_every_key_and_value_and_says_its_format(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    person = workspace.counter("demo")
    number = accept(workspace, person).case.number
    approve(workspace, workspace.counter("shenpi"), number)
    hand_over_to_agent(workspace, person, number)
    assert main(["--home", str(workspace.home), "--json", "case", "show", number]) == 0
    shown = json.loads(capsys.readouterr().out)
    view = workspace.cases.find(number)
    assert view is not None and shown == view.to_json()
    with workspace.store.read() as session:
        row = session.scalars(select(Case).where(Case.number == number)).one()
        snapshot = case_snapshot(row)
    certificate = shown.pop("certificate")
    assert shown.pop("format") == VIEW_FORMAT == 1
    life = shown.pop("lifecycle")  # the case after its decision (issue 13): a key added, none changed
    limits = snapshot.pop("time_limits")
    assert life["step"] == 2 and life["legal_due"] == limits["legal_due"]
    # The outbox payload's keys and values, as `clerk` always printed them; the status is the case's now.
    assert shown == {**snapshot, "status": "delivered"}
    # The certificate as `clerk` has printed it since certificates came: dates as ISO days, the hand-over
    # time as Python writes an aware UTC time, the hand-over clerk by name.
    assert certificate["issued_on"] == "2026-11-20" and certificate["valid_until"] is None
    assert certificate["handed_over_at"] == str(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))
    assert certificate["handover_clerk_name"] == "王晓梅" and certificate["approver_login"] == "shenpi"
    assert certificate["recipient_name"] == AGENT["name"]
    assert set(certificate) == {
        "certificate_id",
        "type_name",
        "holder_name",
        "holder_id_masked",
        "issuer_name",
        "issuer_code",
        "content",
        "issued_on",
        "valid_until",
        "key_id",
        "qr_text",
        "approver_login",
        "handed_over_at",
        "recipient_name",
        "recipient_id_number",
        "handover_clerk_name",
        # Since issue 11: the licence's template and entries, and who collected in what capacity.
        "licence_type",
        "fields",
        "recipient_id_type",
        "recipient_capacity",
        "recipient_authorization",
        # Since issue 13: mailed instead of collected.
        "mailing",
    }
    assert certificate["fields"]["建设项目名称"] == PLANNING_FIELDS["建设项目名称"]
    assert certificate["recipient_capacity"] == "agent"


def test_a_decision_travels_as_the_case_json_without_certificate_and_format(workspace: Workspace) -> None:
    case = accept(workspace, workspace.counter("demo")).case
    with workspace.store.read() as session:
        event = session.scalars(
            select(CaseEvent).where(
                CaseEvent.case_number == case.number, CaseEvent.kind == EventKind.CASE_DECIDED
            )
        ).one()
        payload = event.payload
    printed = case.to_json()
    assert printed.pop("certificate") is None and printed.pop("format") == VIEW_FORMAT
    printed.pop("lifecycle")  # the case's life after the decision, which the decision's event carries
    payload = dict(payload)
    limits = payload.pop("time_limits")  # as its time limits (issue 13)
    assert limits["department"] == case.life.department and limits["accepted_on"] == "2026-11-20"
    assert list(payload) == list(printed)  # the same keys in the same order
    assert payload == printed == case.snapshot()


def test_case_json_of_another_window_keeps_its_keys(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    number = neighbours_case(workspace)
    assert main(["--home", str(workspace.home), "--json", "case", "show", number]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "number": number,
        "window_code": NEIGHBOUR,
        "status": "approved",
        "status_label": "准予许可，待领取",
        "decision": "accepted",
        "item_code": SEAL,
        "received_on": "2026-11-20",
        "updated_at": "2026-11-20T03:04:05Z",
        "elsewhere": True,
        "format": VIEW_FORMAT,
    }


def test_the_cli_refuses_what_the_operations_refuse(
    workspace: Workspace, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLERK_PASSWORD", DEMO_PASSWORD)
    home = ["--home", str(workspace.home)]
    number = accept(workspace, workspace.counter("demo"), skip=("M05",)).case.number
    assert main([*home, "case", "approve", number, "--clerk", "shenpi"]) == 1
    assert "状态为“待补正”，不能审批发证" in capsys.readouterr().err
    set_role(workspace, "demo", "auditor")
    notice = ["print", "supplement-notice", number, "-o", str(tmp_path / "n.pdf"), "--clerk", "demo"]
    assert main([*home, *notice]) == 1
    assert "“auditor”本程序不认识" in capsys.readouterr().err and not (tmp_path / "n.pdf").exists()


def test_a_document_the_decision_does_not_get_is_refused_before_a_number(workspace: Workspace) -> None:
    case = accept(workspace, workspace.counter("demo"), skip=("M05",)).case
    with pytest.raises(DocumentError, match="未受理（supplement_required），不能出具受理通知书"):
        require_decision(DocumentKind.RECEIPT, case)
    require_decision(DocumentKind.SUPPLEMENT_NOTICE, case)
