"""The helper a case names (`prepared_by` of `case.decided`, issue 15) checked by the server, on SQLite and
PostgreSQL: an active account of the pushing PC's hall whose roles allow preparing drafts; a malformed draft
id is refused by the schema. A decision without it (older windows) is taken as before."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from app.sync import wire
from server.models import case_record
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    OTHER_HALL,
    TestClient,
    add_people,
    client_fixture,
    decided,
    enroll,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
)


def with_helper(event: wire.WireEvent, login: str, *, draft_id: str | None = None) -> wire.WireEvent:
    prepared: dict[str, Any] = {"login": login, "name": "孙丽", "draft_id": draft_id or str(uuid.uuid4())}
    return wire.WireEvent(**{**event.__dict__, "payload": {**event.payload, "prepared_by": prepared}})


def test_the_helper_a_decision_names_is_checked(client: TestClient, server_app: FastAPI) -> None:
    add_people(server_app, {"bangban": ["helper"], "shenpi": ["approver"]})
    add_people(server_app, {"other.helper": ["helper"]}, hall=OTHER_HALL)
    window = enroll(client, server_app)
    events = decided("SZX0103", range(1, 6))
    sent = [
        with_helper(events[0], "bangban"),
        with_helper(events[1], "shenpi"),  # an account without the helper role
        with_helper(events[2], "other.helper"),  # another hall's helper
        with_helper(events[3], "bangban", draft_id="not-a-draft-id"),
        events[4],  # no helper: an older window's decision
    ]
    answer = window.push(sent)
    assert sorted(answer.acknowledged) == sorted([sent[0].event_id, sent[4].event_id])
    refused = {r.event_id: r for r in answer.rejected}
    assert refused[sent[1].event_id].code == wire.REJECTION_NOT_PERMITTED
    assert "帮办员" in refused[sent[1].event_id].message
    assert refused[sent[2].event_id].code == wire.REJECTION_NOT_PERMITTED
    assert "不是大厅" in refused[sent[2].event_id].message
    assert refused[sent[3].event_id].code == "invalid" and "预审单编号" in refused[sent[3].event_id].message
    with server_app.state.db.read() as connection:
        rows = dict(connection.execute(select(case_record.c.number, case_record.c.snapshot)).all())
    assert set(rows) == {sent[0].case_number, sent[4].case_number}
    assert rows[sent[0].case_number]["prepared_by"]["login"] == "bangban"
    assert "prepared_by" not in rows[sent[4].case_number]
