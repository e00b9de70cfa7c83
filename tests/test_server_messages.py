"""Messages to the applicant, queued on the server with the events that make them (server.messages), on
SQLite and PostgreSQL: one per event however often it is pushed, the text a person would read, no ID."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.sync import wire
from server.messages import DELIVERED, FAILED, QUEUED, TableGateway, dispatch
from server.models import message
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    DAY,
    FIXTURE_PEOPLE,
    MutableClock,
    Target,
    TestClient,
    add_people,
    client_fixture,
    decided,
    enroll,
    follow_up,
    run,
    run_json,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
)

WINDOW = "SZX0103"
HALL_NAME = "示例市政务服务中心"
ITEM_NAME = "建设用地规划许可证核发"
# The IDs in tests.server_fixtures.decided's cases: the company's credit code, the agent's resident ID.
IDS = ("91310110666007217T", "440524188001010014")
AGENT_MOBILE = "13912345678"


@pytest.fixture(autouse=True)
def hall_people(server_app: FastAPI) -> None:
    """The people the events name, as accounts of the hall on the server."""
    add_people(server_app, FIXTURE_PEOPLE)


def messages(app: FastAPI) -> list[dict[str, Any]]:
    with app.state.db.read() as connection:
        return [dict(r._mapping) for r in connection.execute(select(message).order_by(message.c.id))]


def change(
    event_kind: str,
    number: str,
    /,
    *,
    seq: int,
    step: int,
    source: str,
    target: str,
    role: str,
    **fields: Any,
) -> wire.WireEvent:
    """A later event of a case, its payload as app.lifecycle.events makes it."""
    payload = {"step": step, "from_status": source, "to_status": target, "role": role, **fields}
    return follow_up(event_kind, number, window=WINDOW, local_seq=seq, payload=payload)


def suspended(number: str, *, seq: int) -> wire.WireEvent:
    return change(
        "case.suspended",
        number,
        seq=seq,
        step=2,
        source="in_review",
        target="suspended",
        role="approver",
        kind="expert_review",
        reason="组织专家评审",
        start="2026-11-25",
        expected_end="2026-12-09",
    )


def awaiting_supplement(serial: int, *, seq: int) -> wire.WireEvent:
    [event] = decided(WINDOW, [serial], first_local_seq=seq)
    payload = {
        **event.payload,
        "decision": "supplement_required",
        "status": "awaiting_supplement",
        "promised_date": None,
        "supplement_deadline": "2026-11-27",
    }
    return wire.WireEvent(**{**event.__dict__, "payload": payload})


def supplemented(number: str, *, seq: int, to: str) -> wire.WireEvent:
    accepted = to == "accepted"
    return change(
        "case.supplemented",
        number,
        seq=seq,
        step=1,
        source="awaiting_supplement",
        target=to,
        role="clerk",
        visit=1,
        day="2026-11-23",
        asked=[],
        materials=[],
        outcome="accepted" if accepted else "supplement_required",
        findings=[],
        warnings=[],
        accepted_on="2026-11-23" if accepted else None,
        supplement_deadline=None if accepted else "2026-11-30",
        tolerated=[],
        legal_due=None,
        legal_due_uncertain=False,
        promised_date="2026-12-11" if accepted else None,
        promised_date_uncertain=False,
    )


def assert_no_id(row: dict[str, Any]) -> None:
    """No ID number, nor six digits of one in a row, anywhere in the message's row."""
    for value in row.values():
        text = str(value)
        for number in IDS:
            digits = re.sub(r"\D", "", number)
            runs = {digits[i : i + 6] for i in range(len(digits) - 5)}
            assert number not in text and not any(run in text for run in runs), (row, number)


def test_an_accepted_case_tells_its_applicant_once_however_often_pushed(
    client: TestClient, server_app: FastAPI
) -> None:
    window = enroll(client, server_app)
    events = decided(WINDOW, [1, 2])
    window.push(events)
    window.push(events)  # a retry: the same events, stored once, queued once
    rows = messages(server_app)
    assert sorted((r["event_id"], r["purpose"]) for r in rows) == sorted(
        (e.event_id, "accepted") for e in events
    )
    by_event = {r["event_id"]: r for r in rows}
    for event in events:
        row = by_event[event.event_id]
        assert row["case_number"] == event.case_number and row["hall_code"] == "SZX01"
        assert row["state"] == QUEUED and row["attempts"] == 0
        # The company gave a landline: the message goes to the agent's mobile.
        assert row["phone"] == AGENT_MOBILE
        assert row["text"] == (
            f"【{HALL_NAME}】示例市锦华建设发展有限公司您好：您申请的“{ITEM_NAME}”已受理，办件编号 "
            f"{event.case_number}，承诺于 2026年12月4日前办结。可凭办件编号查询办理进度。"
        )
        assert_no_id(row)


def test_every_step_the_applicant_hears_of(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    first, second, third = (decided(WINDOW, [n], first_local_seq=n)[0] for n in (1, 2, 3))
    approve = follow_up("certificate.issued", first.case_number, window=WINDOW, local_seq=10)
    mailed = change(
        "case.mailed",
        first.case_number,
        seq=11,
        step=3,
        source="approved",
        target="mailed",
        role="clerk",
        day="2026-11-24",
        certificate_id=approve.payload["certificate_id"],
        recipient="李𠮷䶮",
        phone=AGENT_MOBILE,
        address="示例市锦华区锦城大道366号2栋",
        carrier="ems",
        tracking_number="EA123456785CN",
    )
    refused = change(
        "case.refused",
        second.case_number,
        seq=12,
        step=2,
        source="in_review",
        target="refused",
        role="approver",
        day="2026-11-24",
        reasons="用地性质不符合控制性详细规划",
        basis="《城乡规划法》第三十八条",
    )
    not_told = [  # a print and a review tell the applicant nothing
        follow_up("document.printed", third.case_number, window=WINDOW, local_seq=13),
        change(
            "case.review_started",
            third.case_number,
            seq=14,
            step=1,
            source="accepted",
            target="in_review",
            role="approver",
            day="2026-11-21",
        ),
    ]
    answer = window.push(
        [first, second, third, approve, suspended(third.case_number, seq=15), mailed, refused, *not_told]
    )
    assert answer.rejected == []
    texts = {(r["case_number"], r["purpose"]): r["text"] for r in messages(server_app)}
    assert len(texts) == 7  # 3 accepted, approved, mailed, suspended, refused
    approved = texts[(first.case_number, "approved")]
    assert "已准予许可" in approved and f"{HALL_NAME}出件窗口领取" in approved and "邮寄" in approved
    assert "中国邮政速递物流（EMS）" in texts[(first.case_number, "mailed")]
    assert "运单号 EA123456785CN" in texts[(first.case_number, "mailed")]
    assert "因专家评审暂停计时，预计 2026年12月9日 结束" in texts[(third.case_number, "suspended")]
    assert (
        "不予许可" in texts[(second.case_number, "refused")]
        and "行政复议" in texts[(second.case_number, "refused")]
    )
    for (number, _purpose), text in texts.items():
        assert number in text and ITEM_NAME in text and text.startswith(f"【{HALL_NAME}】")
    for row in messages(server_app):
        assert_no_id(row)


def test_the_supplement_round_trip_is_told_each_time(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    notice = awaiting_supplement(1, seq=1)
    number = notice.case_number
    again = supplemented(number, seq=2, to="awaiting_supplement")
    accepted = supplemented(number, seq=3, to="accepted")
    accepted = wire.WireEvent(**{**accepted.__dict__, "payload": {**accepted.payload, "step": 2}})
    assert window.push([notice, again, accepted]).rejected == []
    rows = messages(server_app)
    assert [r["purpose"] for r in rows] == ["supplement", "supplement", "accepted"]
    assert (
        "请按一次性告知书所列内容于 2026年11月27日前携带告知书和补正材料到示例市政务服务中心补正"
        in rows[0]["text"]
    )
    assert "2026年11月30日前" in rows[1]["text"]
    assert "承诺于 2026年12月11日前办结" in rows[2]["text"]


def test_an_event_before_its_case_is_told_when_the_case_arrives(
    client: TestClient, server_app: FastAPI
) -> None:
    """A suspension from the back office reaches the server before the counter's decision (another PC's
    push came first): it waits, and the decision's push queues both, each once."""
    window = enroll(client, server_app)
    [case] = decided(WINDOW, [1], first_local_seq=2)
    early = suspended(case.case_number, seq=1)
    assert window.push([early]).rejected == []
    assert messages(server_app) == []
    window.push([case])
    window.push([early, case])  # and again: nothing more
    rows = messages(server_app)
    assert sorted((r["event_id"], r["purpose"]) for r in rows) == sorted(
        [(early.event_id, "suspended"), (case.event_id, "accepted")]
    )


def test_a_case_without_a_phone_is_shown_failed_not_sent(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    [event] = decided(WINDOW, [1])
    payload = {**event.payload, "applicant": {**event.payload["applicant"], "phone": ""}, "agent": None}
    window.push([wire.WireEvent(**{**event.__dict__, "payload": payload})])
    [row] = messages(server_app)
    assert row["state"] == FAILED and row["phone"] == "" and "未留" in row["last_error"]
    assert (
        dispatch(
            server_app.state.db, TableGateway(), now=server_app.state.clock(), lease=timedelta(seconds=30)
        ).delivered
        == 0
    )


def test_the_table_gateway_delivers_into_the_table_and_the_supervisor_lists_it(
    client: TestClient,
    server_app: FastAPI,
    target: Target,
    server_clock: MutableClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    window = enroll(client, server_app)
    events = decided(WINDOW, [1, 2, 3])
    window.push(events)
    listed = run_json(capsys, target, "messages", "list", "--hall", "SZX01", "--state", "queued")
    assert len(listed) == 3
    report = run_json(capsys, target, "messages", "dispatch")
    assert report == {"delivered": 3, "retried": 0, "failed": 0}
    assert run_json(capsys, target, "messages", "dispatch") == {"delivered": 0, "retried": 0, "failed": 0}
    rows = messages(server_app)
    assert {r["state"] for r in rows} == {DELIVERED} and {r["gateway"] for r in rows} == {"table"}
    assert {r["attempts"] for r in rows} == {1}
    code, out, err = run(capsys, target, "messages", "list", "--since", DAY.isoformat())
    assert code == 0, err
    assert out.count("受理通知  已送达") == 3 and "139****5678" in out and AGENT_MOBILE not in out
    for event in events:
        assert event.case_number in out
    listed = run_json(capsys, target, "messages", "list", "--since", (DAY + timedelta(days=1)).isoformat())
    assert listed == []
    assert run_json(capsys, target, "messages", "list", "--hall", "SZX02") == []
    assert {r["phone"] for r in run_json(capsys, target, "messages", "list")} == {"139****5678"}


def test_bad_list_options_are_refused(
    target: Target, server_app: FastAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, target, "messages", "list", "--since", "2026-13-01")
    assert code == 1 and "--since 应为日期 YYYY-MM-DD" in err
    with pytest.raises(SystemExit) as raised:
        run(capsys, target, "messages", "list", "--state", "sent")
    assert raised.value.code == 1 and "--state 的值 'sent' 无效" in capsys.readouterr().err


def test_day_start_is_the_halls_midnight() -> None:
    from server.messages.listing import day_start

    assert day_start(date(2026, 11, 20)).isoformat() == "2026-11-19T16:00:00"
