"""好差评 on the server (server.ratings), on SQLite and PostgreSQL: one rating per service event, whichever
window sends the second; a rating of no service event refused; a 差评 and its follow-up reaching the hall's
other windows as `rating` changes; `clerk-server ratings list`."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.sync import wire
from server.models import case_event, rating
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    FIXTURE_PEOPLE,
    Target,
    TestClient,
    Window,
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


@pytest.fixture(autouse=True)
def hall_people(server_app: FastAPI) -> None:
    """The people the events name, as accounts of the hall on the server."""
    add_people(server_app, FIXTURE_PEOPLE)


def count(app: FastAPI, table: Any) -> int:
    with app.state.db.read() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def rated(
    number: str,
    service_event_id: str,
    *,
    window: str,
    local_seq: int,
    level: int = 5,
    clerk: str = "wang.fang",
) -> wire.WireEvent:
    reason = "等候太久" if level >= 4 else None
    payload = {"service_event_id": service_event_id, "level": level, "reason": reason}
    return follow_up(
        "service.rated", number, window=window, local_seq=local_seq, clerk=clerk, payload=payload
    )


def followed(number: str, rating_event_id: str, *, window: str, local_seq: int) -> wire.WireEvent:
    payload = {"rating_event_id": rating_event_id, "note": "电话回访，已致歉"}
    return follow_up("service.followed_up", number, window=window, local_seq=local_seq, payload=payload)


def rating_changes(window: Window) -> list[wire.Change]:
    return [c for c in window.pull_all() if c.kind == wire.KIND_RATING]


def test_one_rating_per_service_event_whichever_window_sends_the_second(
    client: TestClient, server_app: FastAPI
) -> None:
    a, b = enroll(client, server_app), enroll(client, server_app, window="SZX0104")
    decision = decided("SZX0103", [1])[0]
    number = decision.case_number
    first = rated(number, decision.event_id, window="SZX0103", local_seq=2)
    answer = a.push([decision, first])
    assert answer.rejected == [] and count(server_app, rating) == 1
    assert a.push([decision, first]).acknowledged == [decision.event_id, first.event_id]  # a retry: once
    assert count(server_app, rating) == 1

    again = rated(number, decision.event_id, window="SZX0104", local_seq=1, level=1)
    answer = b.push([again])
    assert answer.acknowledged == []
    [refused] = answer.rejected
    assert refused.code == wire.REJECTION_RATED_TWICE and refused.event_id == again.event_id
    assert "已于 2026-11-20 10:00 在窗口 SZX0103 评价为“非常不满意”" in refused.message
    assert "一次服务只评一次" in refused.message
    assert count(server_app, rating) == 1 and count(server_app, case_event) == 2  # nothing of it stored
    assert wire.REJECTION_LABEL[refused.code] == "同一次服务重复评价"

    twice_here = rated(number, decision.event_id, window="SZX0103", local_seq=3)
    assert [r.code for r in a.push([twice_here]).rejected] == [wire.REJECTION_RATED_TWICE]


def test_a_rating_of_no_service_event_of_its_case_is_refused(client: TestClient, server_app: FastAPI) -> None:
    a = enroll(client, server_app)
    one, two = decided("SZX0103", [1, 2])
    printed = follow_up("document.printed", one.case_number, window="SZX0103", local_seq=3)
    assert a.push([one, two, printed]).rejected == []
    wrong = [
        rated(one.case_number, str(uuid.uuid4()), window="SZX0103", local_seq=4),  # no such event
        rated(one.case_number, printed.event_id, window="SZX0103", local_seq=5),  # a print is no visit
        rated(one.case_number, two.event_id, window="SZX0103", local_seq=6),  # another case's visit
    ]
    answer = a.push(wrong)
    assert [r.code for r in answer.rejected] == [wire.REJECTION_RATING_REFUSED] * 3
    assert all("不是该办件已上传的窗口服务记录" in r.message for r in answer.rejected)
    assert count(server_app, rating) == 0 and count(server_app, case_event) == 3
    # The case's own decision, sent in the same batch as its rating, is a visit that can be rated.
    three = decided("SZX0103", [3], first_local_seq=7)[0]
    assert (
        a.push([three, rated(three.case_number, three.event_id, window="SZX0103", local_seq=8)]).rejected
        == []
    )


def test_a_complaint_and_its_follow_up_reach_the_other_windows(
    client: TestClient, server_app: FastAPI, target: Target, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = enroll(client, server_app), enroll(client, server_app, window="SZX0104")
    other_hall = enroll(client, server_app, hall="SZX02", window="SZX0201")
    one, two = decided("SZX0103", [1, 2])
    complaint = rated(one.case_number, one.event_id, window="SZX0103", local_seq=3)
    praise = rated(two.case_number, two.event_id, window="SZX0103", local_seq=4, level=1)
    assert a.push([one, two, complaint, praise]).rejected == []

    [change] = rating_changes(b)  # the 差评 only; the praise stays on the server
    assert change.key == one.event_id
    assert change.payload["event_id"] == complaint.event_id and change.payload["level"] == 5
    assert change.payload["reason"] == "等候太久" and change.payload["followed_up_at"] is None
    assert rating_changes(other_hall) == []
    assert [c for c in a.pull(exclude_own=True).changes if c.kind == wire.KIND_RATING] == []

    follow = followed(one.case_number, complaint.event_id, window="SZX0104", local_seq=1)
    assert b.push([follow]).rejected == []
    latest = rating_changes(a)[-1]
    assert latest.payload["followed_up_at"] == follow.device_time
    assert (
        latest.payload["follow_up_note"] == "电话回访，已致歉" and latest.payload["followed_up_by"] == "li.na"
    )

    again = followed(one.case_number, complaint.event_id, window="SZX0103", local_seq=5)
    of_praise = followed(two.case_number, praise.event_id, window="SZX0103", local_seq=6)
    answer = a.push([again, of_praise])
    assert [r.code for r in answer.rejected] == [wire.REJECTION_RATING_REFUSED] * 2
    assert "已于 2026-11-20 10:00 由 li.na 回访" in answer.rejected[0].message
    assert "不是差评" in answer.rejected[1].message

    listed = run_json(capsys, target, "ratings", "list", "--unfavourable")
    assert [(r["case_number"], r["level_label"], r["follow_up_due"]) for r in listed] == [
        (one.case_number, "非常不满意", "2026-11-25")
    ]
    assert len(run_json(capsys, target, "ratings", "list")) == 2
    code, out, _ = run(capsys, target, "ratings", "list", "--unfavourable")
    assert code == 0 and "非常不满意  原因：等候太久" in out and "已回访" in out and "电话回访，已致歉" in out
    code, out, _ = run(capsys, target, "ratings", "list", "--hall", "szx02")
    assert code == 0 and out.strip() == "没有服务评价"
