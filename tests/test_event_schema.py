"""The event schemas (app.sync.events) at the counter: everything a window writes passes them, older shapes
still pass, and what would not pass is refused before anything is written, with the field named
(issue 9, finding 6 at the counter)."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.acceptance import AcceptanceError
from app.audit.record import record_audit
from app.certificates import CertificateError
from app.cli import main
from app.documents.content import DocumentError, DocumentKind
from app.intake import InputError, parse_request
from app.sync import events, wire
from app.workspace import Workspace
from db.models import Case, CaseEvent, CaseSerial, Certificate, PrintRecord
from tests.helpers import (
    AGENT,
    COMPANY,
    PASSPORT,
    PERSON,
    PLANNING,
    PLANNING_FIELDS,
    SEAL,
    open_demo_workspace,
    request_json,
)
from tests.page_fixtures import attach_pages
from tests.server_fixtures import decided, follow_up

pytestmark = pytest.mark.usefixtures("clerk_env")  # `clerk` acts as the demo clerk

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
PILOT = {**COMPANY, "id_number": "91350211M00013FA1N"}  # an early pilot credit code: needs a reason
HUGE_REASON = "核" * 3_000_000


def outbox(workspace: Workspace) -> list[wire.WireEvent]:
    """The window's outbox as it goes on the wire."""
    with workspace.store.read() as session:
        rows = session.scalars(select(CaseEvent).order_by(CaseEvent.id)).all()
        return [
            wire.WireEvent(
                r.event_id,
                r.case_number,
                r.kind,
                r.payload,
                r.clerk_login,
                r.window_code,
                r.device_time.isoformat() + "Z",
                r.id,
            )
            for r in rows
        ]


AUDIT_DETAILS: dict[wire.EventKind, dict[str, Any]] = {
    wire.EventKind.SIGNED_IN: {"shift_change": True},
    wire.EventKind.SIGNED_OUT: {"reason": "shift_change"},
    wire.EventKind.SIGN_IN_FAILED: {"reason": "wrong_password", "failures": 2},
    wire.EventKind.LOCKED: {"reason": "idle"},
    wire.EventKind.UNLOCKED: {},
    wire.EventKind.PASSWORD_CHANGED: {"reason": "temporary"},
    wire.EventKind.EXPORTED: {
        "what": "case_list",
        "rows": 12,
        "destination": "/tmp/x.csv",
        "sha256": "a" * 64,
    },
}


def stored(workspace: Workspace) -> tuple[int, int]:
    with workspace.store.read() as session:
        return (
            int(session.scalar(select(func.count()).select_from(Case)) or 0),
            int(session.scalar(select(func.count()).select_from(CaseEvent)) or 0),
        )


def test_every_kind_has_one_schema_no_deeper_than_the_limit() -> None:
    assert set(events.PAYLOAD_SCHEMA) == set(wire.EVENT_KIND_LABEL)
    assert all(schema.depth() <= wire.MAX_PAYLOAD_DEPTH for schema in events.PAYLOAD_SCHEMA.values())


def test_every_event_a_window_writes_passes(workspace: Workspace) -> None:
    counter = workspace.counter("demo")
    planning, passport = workspace.catalog.item(PLANNING), workspace.catalog.item(PASSPORT)
    assert planning is not None and passport is not None

    def accept(data: dict[str, Any]) -> str:
        return workspace.acceptance.accept(parse_request(data), counter=counter)

    accepted = accept(request_json(planning))
    attach_pages(workspace, accepted, counter, planning.materials[0].code, "申请表第 1 页", "申请表第 2 页")
    accept(request_json(planning, skip=("M08",)))  # 容缺受理
    supplement = request_json(planning, skip=("M05",))
    supplement["materials"][0]["defect"] = "申请表未加盖单位公章\n第二页缺签字"
    accept(supplement)
    # 不予受理 before the applicant's number and phone were entered.
    accept(request_json(passport, applicant={**PERSON, "id_number": "", "phone": ""}, agent=None))
    pilot = {**PILOT, "id_override_reason": "早期试点代码，已核对营业执照原件"}
    accept(request_json(workspace.catalog.item(SEAL), applicant=pilot, agent=None))  # type: ignore[arg-type]
    workspace.certificates.approve(accepted, approver=counter, fields=PLANNING_FIELDS)
    workspace.certificates.hand_over(
        accepted, clerk=counter, recipient_name=AGENT["name"], recipient_id_number=AGENT["id_number"]
    )
    take_every_step(workspace)
    document = workspace.documents.prepare(DocumentKind.RECEIPT, accepted, counter=counter)
    workspace.documents.record_print(document, destination="counter-printer", copies=2, counter=counter)
    again = workspace.documents.prepare(
        DocumentKind.RECEIPT, accepted, counter=counter, reprint_reason="打印机卡纸"
    )
    workspace.documents.record_print(again, destination="counter-printer", copies=1, counter=counter)
    for kind, details in AUDIT_DETAILS.items():  # the records about no case (app.audit)
        record_audit(
            workspace.store,
            kind,
            login=counter.clerk_login,
            window_code=counter.window_code,
            now=NOW,
            details=details,
        )

    written = outbox(workspace)
    assert {e.kind for e in written} == set(events.PAYLOAD_SCHEMA)
    for event in written:
        assert events.check_event(event, now=NOW) is None, (event.kind, event.payload)


def take_every_step(workspace: Workspace) -> None:
    """Each step after the decision once (app.lifecycle), as the operations record them."""
    from datetime import date

    from app.accounts.demo import DEMO_PASSWORD
    from app.catalog import Form
    from app.completeness import ReceivedMaterial
    from app.operations import lifecycle as ops
    from app.operations.certificates import approve_case
    from app.operations.ratings import follow_up_rating, rate_service

    clerk, approver, head = (
        workspace.counter("demo"),
        workspace.counter("shenpi"),
        workspace.counter("zhuren"),
    )
    planning = workspace.catalog.item(PLANNING)
    assert planning is not None
    today = date(2026, 11, 20)

    def new(skip: tuple[str, ...] = ()) -> str:
        return workspace.acceptance.accept(parse_request(request_json(planning, skip=skip)), counter=clerk)

    waiting = new(("M02", "M08"))
    came = [ReceivedMaterial("M02", Form.COPY, 1, 2)]
    supplemented = ops.record_supplement(workspace, person=clerk, number=waiting, brought=came)
    ops.record_supplement(
        workspace, person=clerk, number=waiting, brought=[ReceivedMaterial("M08", Form.ELECTRONIC, 0, 1)]
    )
    ops.start_review(workspace, person=approver, number=waiting)
    ops.suspend(
        workspace,
        person=approver,
        number=waiting,
        kind="expert_review",
        reason="专家评审",
        start=today,
        expected_end=date(2026, 12, 4),
    )
    ops.resume(workspace, person=approver, number=waiting, actual_end=today)
    ops.extend(
        workspace, person=approver, number=waiting, reason="情况复杂", approved_by="张局长", approved_on=today
    )
    ops.refuse(
        workspace,
        person=approver,
        number=waiting,
        reasons="不符合规划条件",
        basis="城乡规划法第四十条",
        password=DEMO_PASSWORD,
    )
    ops.withdraw(workspace, person=clerk, number=new(), reason="申请人不再办理", request_day=today)
    ops.terminate(
        workspace, person=approver, number=new(), reason="申请人提供虚假承诺", basis="行政许可法第三十一条"
    )
    mailed, revoked = new(), new()
    for number in (mailed, revoked):
        approve_case(
            workspace, person=approver, number=number, fields=PLANNING_FIELDS, password=DEMO_PASSWORD
        )
    ops.mail(
        workspace,
        person=clerk,
        number=mailed,
        recipient="示例公司",
        phone="13800138000",
        address="四川省示例市锦华区锦城大道1号",
        carrier="ems",
        tracking_number="EA123456785CN",
    )
    ops.revoke(
        workspace,
        person=approver,
        number=revoked,
        reason="以欺骗手段取得",
        basis="行政许可法第六十九条",
        password=DEMO_PASSWORD,
    )
    ops.correct(
        workspace,
        person=head,
        number=mailed,
        reason="电话录入错误",
        values={"applicant_phone": "13900000000"},
    )
    # 好差评: the supplement visit rated unfavourably, and the supervisor's follow-up.
    rated = rate_service(
        workspace,
        person=clerk,
        number=waiting,
        service_event_id=supplemented.event_id,
        level=4,
        reason="等候太久",
    )
    follow_up_rating(workspace, person=head, rating_event_id=rated.rating.event_id, note="电话回访，已致歉")


def test_older_shapes_stay_valid() -> None:
    [case] = decided("SZX0103", [1])
    agent = {k: v for k, v in case.payload["agent"].items() if k != "id_type"}  # before 证件类型
    assert events.check_event(replace(case, payload={**case.payload, "agent": agent}), now=NOW) is None
    # A certificate as windows sent it before the whole certificate travelled: five fields.
    issued = follow_up("certificate.issued", case.case_number, window="SZX0103", local_seq=2)
    five = ("certificate_id", "type_name", "valid_until", "key_id", "qr_text")
    old = replace(issued, payload={k: issued.payload[k] for k in five})
    assert events.check_event(old, now=NOW) is None
    assert events.check_event(issued, now=NOW) is None  # and as it travels now, with its key


def test_a_refusal_names_every_field_and_what_is_wrong() -> None:
    [case] = decided("SZX0103", [1])
    materials = [{**case.payload["materials"][0], "copies": float("inf"), "pages": 2**60, "form": "scan"}]
    payload = {**case.payload, "materials": materials, "status": "closed", "extra": [[[[[[[[[[1]]]]]]]]]]}
    bad = replace(case, payload=payload, clerk_login="Admin", device_time="1999-12-31T23:59:59Z")
    refusal = events.check_event(bad, now=NOW)
    assert refusal is not None and refusal.code == "invalid"
    found = {p.path: p.message for p in refusal.problems}
    assert "有限" in found["payload.materials[0].copies"]
    assert (
        "2^53" in found["payload.materials[0].pages"]
        or str(wire.MAX_SAFE_INTEGER) in found["payload.materials[0].pages"]
    )
    assert "scan" in found["payload.materials[0].form"] and "original" in found["payload.materials[0].form"]
    assert "嵌套超过" in found["payload.extra"]
    assert "账号" in found["clerk_login"]
    assert "时钟" in found["device_time"]
    assert refusal.message.count("；") >= 4  # several problems, each with its field


def test_decision_and_status_must_agree() -> None:
    [case] = decided("SZX0103", [1])
    refusal = events.check_event(replace(case, payload={**case.payload, "status": "closed"}), now=NOW)
    assert refusal is not None
    assert [p.path for p in refusal.problems] == ["payload.status"]


# -- finding 6 at the counter -------------------------------------------------------------------------
def test_a_three_million_character_reason_is_refused_with_its_field(workspace: Workspace) -> None:
    data = request_json(workspace.catalog.item(SEAL), applicant={**PILOT, "id_override_reason": HUGE_REASON})  # type: ignore[arg-type]
    with pytest.raises(InputError) as raised:
        workspace.acceptance.accept(parse_request(data), counter=workspace.counter("demo"))
    [problem] = raised.value.problems
    assert problem.field == "applicant.id_override_reason"
    assert "3000000" in problem.message and str(wire.MAX_CLERK_TEXT_CHARS) in problem.message
    assert stored(workspace) == (0, 0)
    # Within the limit it is recorded as typed.
    data["applicant"]["id_override_reason"] = "核" * wire.MAX_CLERK_TEXT_CHARS
    number = workspace.acceptance.accept(parse_request(data), counter=workspace.counter("demo"))
    [event] = outbox(workspace)
    assert event.case_number == number and events.check_event(event, now=NOW) is None


@pytest.mark.parametrize(
    ("reason", "named"),
    [
        (HUGE_REASON, ("过大", "256 KB")),  # the request file itself is over the size of one event
        ("理" * 5000, ("applicant.id_override_reason", "过长")),  # a small file, a field over its limit
    ],
    ids=["huge-file", "long-field"],
)
def test_clerk_accept_refuses_the_huge_reason_and_stores_nothing(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path, reason: str, named: tuple[str, str]
) -> None:
    workspace = open_demo_workspace(home)
    item = workspace.catalog.item(SEAL)
    assert item is not None
    workspace.close()
    request = tmp_path / "case.json"
    request.write_text(
        json.dumps(request_json(item, applicant={**PILOT, "id_override_reason": reason})),
        encoding="utf-8",
    )
    code = main(["--home", str(home), "accept", str(request)])
    out, err = capsys.readouterr()
    assert code == 1
    assert all(word in err + out for word in named), err + out
    assert main(["--home", str(home), "case", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_the_accept_flow_never_writes_an_event_its_schema_refuses(workspace: Workspace) -> None:
    """The last line: whatever slipped past the form (here a counter whose login no account could have),
    nothing lands in the outbox that the server must refuse, and the serial is not used up."""
    data = request_json(workspace.catalog.item(SEAL))  # type: ignore[arg-type]
    counter = replace(workspace.counter("demo"), clerk_login="Wang Fang")
    with pytest.raises(AcceptanceError) as raised:
        workspace.acceptance.accept(parse_request(data), counter=counter)
    assert "clerk_login" in str(raised.value) and "未保存" in str(raised.value)
    assert stored(workspace) == (0, 0)
    with workspace.store.read() as session:
        assert session.scalar(select(func.count()).select_from(CaseSerial)) == 0
    number = workspace.acceptance.accept(parse_request(data), counter=workspace.counter("demo"))
    assert number.endswith(number[-5:]) and stored(workspace) == (1, 1)


def test_unknown_kind_is_refused_with_its_name() -> None:
    [case] = decided("SZX0103", [1])
    refusal = events.check_event(replace(case, kind="case.erased", event_id=str(uuid.uuid4())), now=NOW)
    assert refusal is not None and "case.erased" in refusal.message and "升级服务器" in refusal.message


def test_approving_and_printing_never_write_an_event_the_server_would_refuse(workspace: Workspace) -> None:
    """Every writer of events has the same last line: a certificate text or a reprint reason over the
    limit is refused with the field named, and nothing of the step is kept."""
    counter = workspace.counter("demo")
    number = workspace.acceptance.accept(
        parse_request(request_json(workspace.catalog.item(SEAL))), counter=counter
    )  # type: ignore[arg-type]
    assert stored(workspace) == (1, 1)
    with pytest.raises(CertificateError) as raised:
        workspace.certificates.approve(number, approver=counter, content="准" * 5000)
    assert "payload.content" in str(raised.value) and "未保存" in str(raised.value)
    with workspace.store.read() as session:
        assert session.scalars(select(Case.status).where(Case.number == number)).one() == "accepted"
        assert session.scalar(select(func.count()).select_from(Certificate)) == 0
    assert stored(workspace) == (1, 1)

    first = workspace.documents.prepare(DocumentKind.RECEIPT, number, counter=counter)
    workspace.documents.record_print(first, destination="counter-printer", copies=1, counter=counter)
    assert stored(workspace) == (1, 2)
    with pytest.raises(DocumentError) as refused:  # the form's check, before anything is rendered
        workspace.documents.prepare(
            DocumentKind.RECEIPT, number, counter=counter, reprint_reason="卡纸" * 2000
        )
    assert "补打原因过长" in str(refused.value)
    again = workspace.documents.prepare(DocumentKind.RECEIPT, number, counter=counter, reprint_reason="卡纸")
    with pytest.raises(DocumentError) as refused:  # the last line, had a reason slipped past the form
        workspace.documents.record_print(
            replace(again, reprint_reason="卡纸" * 2000),
            destination="counter-printer",
            copies=1,
            counter=counter,
        )
    assert "payload.reason" in str(refused.value) and "未保存" in str(refused.value)
    with workspace.store.read() as session:
        assert session.scalar(select(func.count()).select_from(PrintRecord)) == 1
    assert stored(workspace) == (1, 2)
