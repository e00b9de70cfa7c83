"""The case's life after the counter's first decision, on a real workspace: the supplement round trip under
Art. 32's rule for a second notice, tolerated materials before approval, review, suspensions that stop and
restart both clocks, one extension, refusal, withdrawal, termination after a missed deadline, mailing,
revocation and correction — and every bad input refused with nothing changed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from app.accounts.demo import DEMO_PASSWORD
from app.accounts.roles import PermissionDenied
from app.cases.status import CaseStatus, TransitionError
from app.catalog import Form
from app.clock import CHINA, Clock
from app.completeness import Outcome, ReceivedMaterial
from app.documents.kinds import DocumentKind
from app.intake import parse_request
from app.lifecycle.service import LifecycleError
from app.operations import lifecycle as ops
from app.operations.certificates import approve_case
from app.operations.counter import accept_case
from app.operations.person import Actor
from app.workspace import Workspace
from db.models import Case, CaseEvent, CaseMaterial
from tests.helpers import PLANNING, PLANNING_FIELDS, open_demo_workspace, request_json


class MovingClock(Clock):
    """The hall's clock, moved on by the test (days pass between the applicant's visits)."""

    def __init__(self, start: datetime) -> None:
        self.moment = start
        super().__init__(lambda: self.moment)

    def move_to(self, day: date) -> None:
        self.moment = datetime(day.year, day.month, day.day, 10, 0, tzinfo=CHINA)


@pytest.fixture
def moving() -> MovingClock:
    return MovingClock(datetime(2026, 11, 20, 10, 0, tzinfo=CHINA))  # a Friday


@pytest.fixture
def ws(home: Path, moving: MovingClock) -> Iterator[Workspace]:
    workspace = open_demo_workspace(home, clock=moving)
    yield workspace
    workspace.close()


def accept(ws: Workspace, *, skip: tuple[str, ...] = ()) -> str:
    item = ws.catalog.item(PLANNING)
    assert item is not None
    request = parse_request(request_json(item, skip=skip))  # type: ignore[arg-type]
    return accept_case(ws, person=ws.counter("demo"), request=request).changed.number


def brought(ws: Workspace, *codes: str, defect: str | None = None) -> list[ReceivedMaterial]:
    item = ws.catalog.item(PLANNING)
    assert item is not None
    out = []
    for code in codes:
        material = item.material(code)
        assert material is not None
        for form in material.forms:
            copies = 0 if form is Form.ELECTRONIC else max(material.copies, 1)
            out.append(ReceivedMaterial(code, form, copies, 3, defect))
    return out


def events(ws: Workspace, number: str) -> list[tuple[str, dict[str, object]]]:
    with ws.store.read() as session:
        rows = session.scalars(
            select(CaseEvent).where(CaseEvent.case_number == number).order_by(CaseEvent.id)
        )
        return [(row.kind, dict(row.payload)) for row in rows]


def case_row_count(ws: Workspace) -> tuple[int, int]:
    with ws.store.read() as session:
        return (
            session.scalar(select(func.count()).select_from(CaseEvent)) or 0,
            session.scalar(select(func.count()).select_from(CaseMaterial)) or 0,
        )


def test_the_supplement_round_trip_accepts_under_the_same_number_that_day(
    ws: Workspace, moving: MovingClock
) -> None:
    clerk = ws.counter("demo")
    number = accept(ws, skip=("M02", "M08"))  # a required and a tolerable material missing
    case = ws.cases.find(number)
    assert case is not None and case.status == CaseStatus.AWAITING_SUPPLEMENT
    first_deadline = case.supplement_deadline
    form = ops.supplement_form(ws, number=number)
    assert [a.code for a in form.asked] == ["M02", "M08"]  # exactly what the notice listed, nothing else
    assert form.visit == 1 and form.deadline == first_deadline and not form.overdue

    moving.move_to(date(2026, 11, 24))  # the applicant comes back on Tuesday with the required one only
    check = ops.check_supplement(ws, person=clerk, number=number, brought=brought(ws, "M02"))
    assert check.outcome is Outcome.ACCEPTED_WITH_TOLERANCE and check.tolerated == ("M08",)
    done = ops.record_supplement(ws, person=clerk, number=number, brought=brought(ws, "M02"))
    assert done.changed == type(done.changed)(number, CaseStatus.ACCEPTED)
    assert done.print_next == (DocumentKind.SUPPLEMENT_RECEIPT, DocumentKind.TOLERANCE_NOTICE)
    case = ws.cases.find(number)
    assert case is not None
    assert case.number == number and case.life.accepted_on == date(2026, 11, 24)
    assert case.decision == Outcome.ACCEPTED_WITH_TOLERANCE and case.life.tolerated_outstanding == ("M08",)
    # The limits run from the acceptance day, the start day not counted: 20 and 10 working days.
    assert case.life.legal_due == date(2026, 12, 22) and case.promised_date == date(2026, 12, 8)
    assert case.supplement_deadline == date(2026, 12, 1)  # 容缺: 5 working days, before the promise
    assert [v.kind for v in case.life.visits] == ["supplement"] and case.life.step == 1
    kind, payload = events(ws, number)[-1]
    assert kind == "case.supplemented" and payload["step"] == 1 and payload["asked"] == ["M02", "M08"]

    # A tolerated material outstanding: approval refused, naming it, until it is supplied.
    approver = ws.counter("shenpi")
    with pytest.raises(TransitionError, match="容缺材料未补齐"):
        approve_case(ws, person=approver, number=number, fields=PLANNING_FIELDS, password=DEMO_PASSWORD)
    form = ops.supplement_form(ws, number=number)
    assert form.kind == "tolerated" and [a.code for a in form.asked] == ["M08"]
    supplied = ops.record_supplement(ws, person=clerk, number=number, brought=brought(ws, "M08"))
    assert supplied.changed.status == CaseStatus.ACCEPTED and supplied.print_next == (
        DocumentKind.SUPPLEMENT_RECEIPT,
    )
    case = ws.cases.find(number)
    assert case is not None and case.life.tolerated_outstanding == () and case.life.step == 2
    approved = approve_case(
        ws, person=approver, number=number, fields=PLANNING_FIELDS, password=DEMO_PASSWORD
    )
    assert approved.changed.status == CaseStatus.APPROVED
    kind, payload = events(ws, number)[-1]
    assert kind == "certificate.issued" and payload["step"] == 3 and payload["from_status"] == "accepted"


def test_a_second_notice_names_only_what_the_first_did_or_a_defect_in_what_was_just_brought(
    ws: Workspace, moving: MovingClock
) -> None:
    clerk = ws.counter("demo")
    number = accept(ws, skip=("M02",))
    # The first notice missed a gap (as if its materials had been entered wrongly): M04 is gone now.
    with ws.store.write() as session:
        session.execute(delete(CaseMaterial).where(CaseMaterial.material_code == "M04"))
    moving.move_to(date(2026, 11, 23))
    defective = brought(ws, "M02", defect="复印件不清晰")
    check = ops.check_supplement(ws, person=clerk, number=number, brought=defective)
    assert check.outcome is Outcome.SUPPLEMENT_REQUIRED and check.gaps == ("M02",)  # a defect just brought
    assert len(check.warnings) == 1 and "第一次告知书" in check.warnings[0]  # M04: the office's failure
    again = ops.record_supplement(ws, person=clerk, number=number, brought=defective)
    assert again.changed.status == CaseStatus.AWAITING_SUPPLEMENT
    assert again.print_next == (DocumentKind.SUPPLEMENT_RECEIPT, DocumentKind.SUPPLEMENT_NOTICE)
    form = ops.supplement_form(ws, number=number)
    assert [a.code for a in form.asked] == ["M02"] and form.visit == 2  # M04 never asked
    assert form.deadline == date(2026, 11, 30)  # 5 working days after the second visit
    moving.move_to(date(2026, 11, 25))
    done = ops.record_supplement(ws, person=clerk, number=number, brought=brought(ws, "M02"))
    assert done.changed.status == CaseStatus.ACCEPTED  # M04 not asked again: accepted
    case = ws.cases.find(number)
    assert case is not None and case.life.accepted_on == date(2026, 11, 25)
    assert [v.visit for v in case.life.visits] == [1, 2]


def test_a_missed_supplement_deadline_follows_the_notice(ws: Workspace, moving: MovingClock) -> None:
    clerk = ws.counter("demo")
    number = accept(ws, skip=("M02",))
    deadline = ws.cases.find(number).supplement_deadline  # type: ignore[union-attr]
    assert deadline is not None
    with pytest.raises(LifecycleError, match="尚未届满"):
        ops.terminate(ws, person=clerk, number=number, reason="逾期未补正", basis="一次性告知书")
    moving.move_to(deadline + timedelta(days=1))
    before = case_row_count(ws)
    with pytest.raises(LifecycleError, match="补正期限已于"):
        ops.record_supplement(ws, person=clerk, number=number, brought=brought(ws, "M02"))
    assert case_row_count(ws) == before  # nothing half-written
    ended = ops.terminate(ws, person=clerk, number=number, reason="逾期未补正", basis="一次性告知书所述后果")
    assert ended.changed.status == CaseStatus.TERMINATED and ended.print_next == (
        DocumentKind.TERMINATION_NOTICE,
    )
    with pytest.raises(LifecycleError, match="已终止"):
        ops.supplement_form(ws, number=number)  # a supplement for an ended case


def review(ws: Workspace, number: str) -> Actor:
    approver = ws.counter("shenpi")
    ops.start_review(ws, person=approver, number=number)
    return approver


def test_a_suspension_stops_and_restarts_both_clocks(ws: Workspace, moving: MovingClock) -> None:
    number = accept(ws)
    case = ws.cases.find(number)
    assert (
        case is not None
        and case.life.legal_due == date(2026, 12, 18)
        and case.promised_date == date(2026, 12, 4)
    )
    approver = review(ws, number)
    moving.move_to(date(2026, 11, 24))
    with pytest.raises(LifecycleError, match="请填写挂起原因"):
        ops.suspend(
            ws,
            person=approver,
            number=number,
            kind="testing",
            reason=" ",
            start=date(2026, 11, 24),
            expected_end=date(2026, 11, 30),
        )
    with pytest.raises(LifecycleError, match="早于"):
        ops.suspend(
            ws,
            person=approver,
            number=number,
            kind="testing",
            reason="抽样检测",
            start=date(2026, 11, 1),
            expected_end=date(2026, 11, 30),
        )
    suspended = ops.suspend(
        ws,
        person=approver,
        number=number,
        kind="testing",
        reason="委托检测机构检测",
        start=date(2026, 11, 24),
        expected_end=date(2026, 11, 30),
    )
    assert suspended.changed.status == CaseStatus.SUSPENDED and suspended.print_next == (
        DocumentKind.SUSPENSION_NOTICE,
    )
    moving.move_to(date(2026, 11, 30))
    resumed = ops.resume(ws, person=approver, number=number, actual_end=date(2026, 11, 30))
    assert resumed.changed.status == CaseStatus.IN_REVIEW
    case = ws.cases.find(number)
    assert case is not None
    # 24–30 November stopped: five working days (24, 25, 26, 27, 30) not counted on either clock.
    assert case.life.legal_due == date(2026, 12, 25) and case.promised_date == date(2026, 12, 11)
    assert case.life.suspensions[0].actual_end == date(2026, 11, 30)
    # Overlapping an earlier suspension is refused, nothing recorded.
    before = case_row_count(ws)
    with pytest.raises(LifecycleError, match="重叠"):
        ops.suspend(
            ws,
            person=approver,
            number=number,
            kind="hearing",
            reason="听证",
            start=date(2026, 11, 30),
            expected_end=date(2026, 12, 10),
        )
    assert case_row_count(ws) == before


def test_one_extension_moves_the_legal_limit_only(ws: Workspace, moving: MovingClock) -> None:
    number = accept(ws)
    approver = review(ws, number)
    extended = ops.extend(
        ws,
        person=approver,
        number=number,
        reason="情况复杂",
        approved_by="张局长",
        approved_on=date(2026, 11, 20),
    )
    assert extended.print_next == (DocumentKind.EXTENSION_NOTICE,)
    case = ws.cases.find(number)
    # 18 December + 10 working days reaches 2027, which the calendar does not know yet: said, not trusted.
    assert case is not None and case.life.legal_due == date(2027, 1, 1) and case.life.legal_due_uncertain
    assert case.promised_date == date(2026, 12, 4)  # the promised limit does not move
    with pytest.raises(TransitionError, match="只允许延长一次"):
        ops.extend(
            ws,
            person=approver,
            number=number,
            reason="再延",
            approved_by="张局长",
            approved_on=date(2026, 11, 20),
        )


def test_refusal_needs_the_approver_and_not_the_accepting_clerk(ws: Workspace) -> None:
    number = accept(ws)
    with pytest.raises(PermissionDenied):
        ops.refuse(
            ws,
            person=ws.counter("demo"),
            number=number,
            reasons="不符合规划",
            basis="城乡规划法",
            password=DEMO_PASSWORD,
        )
    approver = review(ws, number)
    with pytest.raises(LifecycleError, match="理由"):
        ops.refuse(
            ws, person=approver, number=number, reasons="  ", basis="城乡规划法", password=DEMO_PASSWORD
        )
    refused = ops.refuse(
        ws,
        person=approver,
        number=number,
        reasons="建设项目不符合控制性详细规划",
        basis="《中华人民共和国城乡规划法》第四十条",
        password=DEMO_PASSWORD,
    )
    assert refused.changed.status == CaseStatus.REFUSED and refused.print_next == (
        DocumentKind.REFUSAL_DECISION,
    )
    case = ws.cases.find(number)
    assert case is not None and case.life.ending is not None and case.life.ending["kind"] == "refused"
    with pytest.raises(TransitionError, match="不予许可"):
        ops.withdraw(
            ws, person=ws.counter("demo"), number=number, reason="不办了", request_day=date(2026, 11, 20)
        )


def test_out_of_order_steps_are_refused_naming_the_status(ws: Workspace) -> None:
    number = accept(ws, skip=("M02",))
    approver = ws.counter("shenpi")
    with pytest.raises(TransitionError, match="待补正"):
        approve_case(ws, person=approver, number=number, fields=PLANNING_FIELDS, password=DEMO_PASSWORD)
    with pytest.raises(TransitionError, match="待补正"):
        ops.mail(
            ws,
            person=ws.counter("demo"),
            number=number,
            recipient="张三",
            phone="13800138000",
            address="示例市锦华区锦城大道1号",
            carrier="ems",
            tracking_number="EA123456785CN",
        )


def approved_case(ws: Workspace) -> str:
    number = accept(ws)
    approve_case(
        ws, person=ws.counter("shenpi"), number=number, fields=PLANNING_FIELDS, password=DEMO_PASSWORD
    )
    return number


def test_mailing_needs_an_address_and_a_tracking_number_of_the_carriers_form(ws: Workspace) -> None:
    number = approved_case(ws)
    clerk = ws.counter("demo")
    before = case_row_count(ws)
    bad = [
        ({"address": ""}, "缺少邮寄地址"),
        ({"address": "锦华区"}, "过短"),
        ({"tracking_number": "EA123456789CN"}, "不符合"),  # a wrong S10 check digit
        ({"carrier": "sf", "tracking_number": "12345"}, "顺丰"),
        ({"carrier": "pigeon"}, "未知的寄递企业"),
    ]
    good = {
        "recipient": "示例建设集团",
        "phone": "13800138000",
        "address": "四川省示例市锦华区锦城大道1号",
        "carrier": "ems",
        "tracking_number": "ea 1234 5678 5cn",
    }
    for change, message in bad:
        with pytest.raises(LifecycleError, match=message):
            ops.mail(ws, person=clerk, number=number, **{**good, **change})
    assert case_row_count(ws) == before
    mailed = ops.mail(ws, person=clerk, number=number, **good)
    assert mailed.changed.status == CaseStatus.MAILED and mailed.print_next == (
        DocumentKind.DELIVERY_RECEIPT,
    )
    case = ws.cases.find(number)
    assert case is not None and case.certificate is not None
    assert (
        case.certificate.mailing is not None
        and case.certificate.mailing["tracking_number"] == "EA123456785CN"
    )


def test_revocation_of_a_granted_certificate(ws: Workspace) -> None:
    number = approved_case(ws)
    with pytest.raises(PermissionDenied):
        ops.revoke(
            ws,
            person=ws.counter("demo"),
            number=number,
            reason="以欺骗手段取得",
            basis="行政许可法第六十九条",
            password=DEMO_PASSWORD,
        )
    revoked = ops.revoke(
        ws,
        person=ws.counter("shenpi"),
        number=number,
        reason="申请人以欺骗手段取得许可",
        basis="《中华人民共和国行政许可法》第六十九条第二款",
        password=DEMO_PASSWORD,
    )
    assert revoked.changed.status == CaseStatus.REVOKED


def test_a_supervisor_corrects_with_a_reason_and_the_old_value_stays(ws: Workspace) -> None:
    number = accept(ws)
    with pytest.raises(PermissionDenied):
        ops.correct(
            ws,
            person=ws.counter("demo"),
            number=number,
            reason="录入错误",
            values={"applicant_phone": "13900000000"},
        )
    supervisor = ws.counter("zhuren")
    with pytest.raises(LifecycleError, match="更正原因"):
        ops.correct(
            ws, person=supervisor, number=number, reason="", values={"applicant_phone": "13900000000"}
        )
    with pytest.raises(LifecycleError, match="不能更正"):
        ops.correct(ws, person=supervisor, number=number, reason="录入错误", values={"item_code": "X"})
    before = ws.cases.find(number)
    assert before is not None
    done = ops.correct(
        ws,
        person=supervisor,
        number=number,
        reason="申请人电话录入错误",
        values={"applicant_phone": "13900000000"},
    )
    assert done.changed.status == before.status
    after = ws.cases.find(number)
    assert after is not None and after.applicant.phone == "13900000000"
    assert after.life.corrections[0].old == before.applicant.phone


def test_withdrawal_before_the_decision(ws: Workspace) -> None:
    number = accept(ws)
    clerk = ws.counter("demo")
    with pytest.raises(LifecycleError, match="早于"):
        ops.withdraw(ws, person=clerk, number=number, reason="不再办理", request_day=date(2026, 1, 1))
    done = ops.withdraw(
        ws, person=clerk, number=number, reason="申请人决定不再建设", request_day=date(2026, 11, 20)
    )
    assert done.changed.status == CaseStatus.WITHDRAWN and done.print_next == (
        DocumentKind.WITHDRAWAL_NOTICE,
    )
    with ws.store.read() as session:
        row = session.scalars(select(Case).where(Case.number == number)).one()
        assert row.step == 1 and row.ending is not None and row.ending["request_day"] == "2026-11-20"
