"""Device authentication, and a device reading and writing only its own hall and window."""

from __future__ import annotations

import uuid

import pytest
from fastapi import FastAPI

from app.sync import wire
from server import admin
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    OTHER_HALL,
    TestClient,
    case_numbers,
    client_fixture,
    decided,
    enroll,
    follow_up,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
)


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Basic abc", "Bearer", "Bearer nodot", "Bearer .secret", "Bearer device."],
)
def test_missing_or_malformed_credentials(client: TestClient, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    for method, path in (("GET", wire.PULL_PATH), ("POST", wire.PUSH_PATH), ("GET", wire.RECONCILE_PATH)):
        response = client.request(method, path, headers=headers)
        assert response.status_code == 401, (method, path)
        assert response.json()["error"] == "unauthorized"
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_wrong_secret_and_unknown_device(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    for token in (f"{window.device_id}.{window.secret}x", f"{window.device_id}.{window.secret[:-1]}", "0.x"):
        response = client.get(wire.PULL_PATH, headers={"Authorization": f"Bearer {token}"})
        assert (response.status_code, response.json()["error"]) == (401, "unauthorized")
    assert client.get(wire.PULL_PATH, headers=window.headers).status_code == 200


def test_revoked_device_is_told_to_register_again(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    admin.revoke_device(server_app.state.db, window.device_id, now=server_app.state.clock())
    for response in (
        client.get(wire.PULL_PATH, headers=window.headers),
        window.post_push(wire.PushRequest(wire.PROTOCOL, window.window_code, "x", []).to_json()),
    ):
        assert response.status_code == 401
        body = response.json()
        assert body["error"] == "revoked"
        assert "重新登记" in body["message"]
    # A wrong secret for a revoked device says nothing about the device.
    response = client.get(wire.PULL_PATH, headers={"Authorization": f"Bearer {window.device_id}.nope"})
    assert response.json()["error"] == "unauthorized"


def test_a_device_sees_only_its_own_halls_changes(client: TestClient, server_app: FastAPI) -> None:
    first = enroll(client, server_app, window="SZX0103")
    neighbour = enroll(client, server_app, window="SZX0105")
    other_hall = enroll(client, server_app, hall=OTHER_HALL, window="SZX0201")
    assert not first.push(decided("SZX0103", range(1, 4))).rejected
    assert not other_hall.push(decided("SZX0201", range(1, 3), hall=OTHER_HALL)).rejected
    mine = {c.key for c in first.pull_all()}
    assert mine == set(case_numbers("SZX0103", range(1, 4)))
    assert {c.key for c in neighbour.pull_all()} == mine  # same hall: a pickup window sees the cases
    assert {c.key for c in other_hall.pull_all()} == set(case_numbers("SZX0201", range(1, 3)))


def test_body_claiming_another_window_is_forbidden(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app, window="SZX0103")
    enroll(client, server_app, window="SZX0104")
    for claimed in ("SZX0104", "SZX0201"):
        body = wire.PushRequest(
            wire.PROTOCOL, claimed, "2026-11-20T02:00:00Z", decided(claimed, [1])
        ).to_json()
        response = window.post_push(body)
        assert response.status_code == 403
        assert response.json()["error"] == "forbidden"
        assert claimed in response.json()["message"]
    assert window.pull_all() == []


def test_events_naming_another_window_are_rejected(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app, window="SZX0103")
    borrowed = decided("SZX0104", [1])[0]  # another window's case number and window
    relabelled = wire.WireEvent(  # its number, our window (an event of its own: same id is a reuse)
        **{**borrowed.__dict__, "window_code": "SZX0103", "event_id": str(uuid.uuid4())}
    )
    mislabelled = follow_up(
        "document.printed", case_numbers("SZX0103", [9])[0], window="SZX0104", local_seq=3
    )
    answer = window.push([borrowed, relabelled, mislabelled], chain=False)  # refused whatever the chain
    assert answer.acknowledged == []
    codes = {r.event_id: r.code for r in answer.rejected}
    assert codes == {
        borrowed.event_id: "wrong_window",
        relabelled.event_id: "wrong_window",
        mislabelled.event_id: "wrong_window",
    }
    assert window.pull_all() == []


def test_events_about_another_halls_case_are_rejected(client: TestClient, server_app: FastAPI) -> None:
    ours = enroll(client, server_app, window="SZX0103")
    theirs = enroll(client, server_app, hall=OTHER_HALL, window="SZX0201")
    their_case = case_numbers("SZX0201", [1])[0]
    assert not theirs.push(decided("SZX0201", [1], hall=OTHER_HALL)).rejected
    unknown_case_of_their_window = case_numbers("SZX0201", [2])[0]
    events = [
        follow_up("certificate.handed_over", their_case, window="SZX0103", local_seq=1),
        follow_up("document.printed", unknown_case_of_their_window, window="SZX0103", local_seq=2),
    ]
    answer = ours.push(events)
    # Any window of the case's hall may record (app.sync.authority): one of another hall is the wrong hall.
    assert [r.code for r in answer.rejected] == ["wrong_hall", "wrong_hall"]
    assert "SZX0201" in answer.rejected[0].message and "SZX02" in answer.rejected[0].message
    assert "SZX01" in answer.rejected[0].message
    [change] = theirs.pull_all()
    assert change.payload["status"] == "accepted"


def test_decision_from_another_hall_in_the_payload_is_rejected(
    client: TestClient, server_app: FastAPI
) -> None:
    window = enroll(client, server_app, window="SZX0103")
    [event] = decided("SZX0103", [1], hall=OTHER_HALL)
    [rejection] = window.push([event]).rejected
    assert rejection.code == "wrong_hall"
