"""A helper's client list (issue 15, 我的代办/帮办件) on SQLite and PostgreSQL: the cases of the device's hall
whose decision names the helper, from any window of the hall, for the helper signed in on the asking device
(its pushed sign-ins say who); never another helper's, never another hall's. A 代办委托书 a decision carries
is checked by the server: dates in order and sane, a principal, lengths, the principal the applicant."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from fastapi import FastAPI

from app.sync import wire
from server.bench import device_time
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    FIXTURE_PEOPLE,
    OTHER_HALL,
    START,
    TestClient,
    Window,
    add_people,
    client_fixture,
    decided,
    enroll,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
)


def authorisation_for(event: wire.WireEvent, **changes: Any) -> dict[str, Any]:
    applicant = event.payload["applicant"]
    data = {
        "principal": applicant["name"],
        "principal_id": applicant["id_number"],
        "scope": "代为申请、递交材料、领取证照",
        "valid_from": "2026-11-01",
        "valid_until": "2027-10-31",
        "signed_on": "2026-10-30",
        "reference": "WT-2026-017",
    }
    data.update(changes)
    return data


def prepared(
    event: wire.WireEvent, login: str, authorisation: dict[str, Any] | None = None
) -> wire.WireEvent:
    helper: dict[str, Any] = {"login": login, "name": login, "draft_id": str(uuid.uuid4())}
    if authorisation is not None:
        helper["authorisation"] = authorisation
    return replace(event, payload={**event.payload, "prepared_by": helper})


def session_event(window: Window, kind: wire.EventKind, login: str, seq: int) -> wire.WireEvent:
    return wire.WireEvent(
        event_id=str(uuid.uuid4()),
        case_number="",
        kind=kind,
        payload={},
        clerk_login=login,
        window_code=window.window_code,
        device_time=device_time(START),
        local_seq=seq,
    )


def client_list(window: Window, login: str) -> Any:
    return window.http.get(wire.HELPER_CASES_PATH.format(login=login), headers=window.headers)


def test_a_helper_gets_their_own_cases_of_the_hall_only(client: TestClient, server_app: FastAPI) -> None:
    add_people(server_app, {**FIXTURE_PEOPLE, "bangban": ["helper"], "liu.bang": ["helper"]})
    add_people(server_app, {"wang.fang": ["clerk"], "bangban": ["helper"]}, hall=OTHER_HALL)
    counter = enroll(client, server_app, window="SZX0103")
    second = enroll(client, server_app, window="SZX0104")
    elsewhere = enroll(client, server_app, hall=OTHER_HALL, window="SZX0201")
    laptop = enroll(client, server_app, window="SZX0109")  # the help desk's laptop

    mine, theirs, plain = decided("SZX0103", [1, 2, 3])
    mine = prepared(mine, "bangban", authorisation_for(mine))
    answer = counter.push([mine, prepared(theirs, "liu.bang"), plain])
    assert answer.rejected == []
    [at_second] = decided("SZX0104", [1])
    assert second.push([prepared(at_second, "bangban")]).rejected == []
    [other_hall] = decided("SZX0201", [1], hall=OTHER_HALL)  # the other hall's own "bangban"
    assert elsewhere.push([prepared(other_hall, "bangban")]).rejected == []

    refused = client_list(laptop, "bangban")  # nobody signed in on the laptop yet, as far as the server knows
    assert refused.status_code == 403 and refused.json()["error"] == "not_signed_in"

    assert laptop.push([session_event(laptop, wire.EventKind.SIGNED_IN, "bangban", 1)]).rejected == []
    answer_json = client_list(laptop, "bangban").json()
    assert answer_json["login"] == "bangban" and answer_json["hall_code"] == "SZX01"
    numbers = {c["number"]: c for c in answer_json["cases"]}
    assert set(numbers) == {mine.case_number, at_second.case_number}
    assert numbers[mine.case_number]["agency"] is True and numbers[at_second.case_number]["agency"] is False
    assert numbers[mine.case_number]["status"] == mine.payload["status"]
    assert numbers[mine.case_number]["promised_date"] == mine.payload["promised_date"]

    # Another helper of the hall, not signed in on the laptop: refused, whoever asks for them.
    assert client_list(laptop, "liu.bang").json()["error"] == "not_signed_in"
    assert client_list(counter, "bangban").json()["error"] == "not_signed_in"
    # The clerk's account prepares drafts too, but a login that may not prepare drafts has no list.
    add_people(server_app, {"shenpi": ["approver"]})
    assert laptop.push([session_event(laptop, wire.EventKind.SIGNED_IN, "shenpi", 2)]).rejected == []
    assert client_list(laptop, "shenpi").json()["error"] == "role_missing"
    # Signed out: nobody's list.
    assert laptop.push([session_event(laptop, wire.EventKind.SIGNED_OUT, "shenpi", 3)]).rejected == []
    assert client_list(laptop, "bangban").status_code == 403
    assert client_list(laptop, "Robert'); DROP").status_code in (400, 404)


def test_an_unsound_authorisation_is_refused(client: TestClient, server_app: FastAPI) -> None:
    add_people(server_app, {**FIXTURE_PEOPLE, "bangban": ["helper"]})
    window = enroll(client, server_app)
    events = decided("SZX0103", range(1, 7))
    sent = [
        prepared(
            events[0], "bangban", authorisation_for(events[0], valid_until="2026-10-01")
        ),  # until < from
        prepared(events[1], "bangban", authorisation_for(events[1], principal="")),
        prepared(events[2], "bangban", authorisation_for(events[2], scope="权" * 501)),
        prepared(events[3], "bangban", authorisation_for(events[3], principal_id="91350100M000100Y43")),
        prepared(events[4], "bangban", authorisation_for(events[4], signed_on="2026-12-24")),  # after receipt
        prepared(events[5], "bangban", authorisation_for(events[5])),
    ]
    answer = window.push(sent)
    assert answer.acknowledged == [sent[5].event_id]
    messages = {r.event_id: r.message for r in answer.rejected}
    assert all(r.code == "invalid" for r in answer.rejected)
    assert "早于委托期限起" in messages[sent[0].event_id]
    assert "principal" in messages[sent[1].event_id] and "不能为空" in messages[sent[1].event_id]
    assert "过长" in messages[sent[2].event_id]
    assert "与申请人的不一致" in messages[sent[3].event_id]
    assert "晚于办理当日" in messages[sent[4].event_id]
