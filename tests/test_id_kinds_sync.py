"""The sync payload of a case carries the parties' 证件类型; payloads of windows from before it stay valid.
Over SQLite and PostgreSQL, through the real server app."""

from __future__ import annotations

import copy

from fastapi import FastAPI
from sqlalchemy import select

from app.intake import parse_request
from app.sync import wire
from app.workspace import Workspace
from db.models import CaseEvent
from server.models import case_event
from tests.helpers import PLANNING, request_json
from tests.id_numbers import FOREIGN_2023
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    TestClient,
    client_fixture,
    enroll,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
)

FOREIGN_PERSON = {
    "kind": "person",
    "name": "JOHNSON·EMILY ANNE",
    "id_type": "foreign_permanent",
    "id_number": FOREIGN_2023,
    "phone": "13800138000",
}
TAIWAN_AGENT = {"name": "林志明", "id_type": "taiwan_permit", "id_number": "12345678", "phone": "13912345678"}


def test_old_and_new_case_payloads_are_both_stored(
    workspace: Workspace, client: TestClient, server_app: FastAPI
) -> None:
    planning = workspace.catalog.item(PLANNING)
    assert planning is not None
    counter = workspace.counter("demo")
    for _ in range(2):
        data = request_json(planning, applicant=FOREIGN_PERSON, agent=TAIWAN_AGENT)
        workspace.acceptance.accept(parse_request(data), counter=counter)
    with workspace.store.read() as session:
        rows = session.scalars(select(CaseEvent).order_by(CaseEvent.id)).all()
        events = [
            wire.WireEvent(
                r.event_id,
                r.case_number,
                r.kind,
                copy.deepcopy(r.payload),
                r.clerk_login,
                r.window_code,
                r.device_time.isoformat() + "Z",
                index,
            )
            for index, r in enumerate(rows, start=1)
        ]
    new, old = events
    assert new.payload["applicant"]["id_type"] == "foreign_permanent"
    assert new.payload["agent"]["id_type"] == "taiwan_permit"
    # As a window from before 证件类型 sends it: no kind for the agent, the applicant's as it was then.
    del old.payload["agent"]["id_type"]
    old.payload["applicant"]["id_type"] = "resident_id"
    window = enroll(client, server_app, window=counter.window_code)
    answer = window.push(events)
    assert answer.rejected == [] and answer.acknowledged == [new.event_id, old.event_id]
    with server_app.state.db.read() as connection:
        stored = dict(connection.execute(select(case_event.c.event_id, case_event.c.payload)).all())
    assert stored[new.event_id]["agent"]["id_type"] == "taiwan_permit"
    assert "id_type" not in stored[old.event_id]["agent"]
