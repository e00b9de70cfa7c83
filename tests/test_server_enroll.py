"""Registering window PCs: one-time codes, expiry, replacement, races."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi import FastAPI

from app.sync import wire
from server import admin
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    HALL,
    OTHER_HALL,
    MutableClock,
    TestClient,
    client_fixture,
    decided,
    enroll,
    serve_in_thread,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
)


def _code(
    app: FastAPI, window: str = "SZX0103", *, hall: str = HALL, replace: bool = False, hours: int = 24
) -> str:
    return admin.issue_enrollment_code(
        app.state.db, hall_code=hall, window_code=window, replace=replace, hours=hours, now=app.state.clock()
    ).code


def _enroll(
    client: TestClient, code: str, window: str = "SZX0103", name: str = "一号窗口"
) -> tuple[int, dict[str, Any]]:
    response = client.post(wire.ENROLL_PATH, json={"code": code, "window_code": window, "device_name": name})
    return response.status_code, response.json()


def _headers(enrolled: wire.EnrollResponse) -> dict[str, str]:
    return {"Authorization": f"Bearer {enrolled.device_id}.{enrolled.secret}"}


def _confirm(client: TestClient, enrolled: wire.EnrollResponse) -> tuple[int, dict[str, Any]]:
    response = client.post(wire.CONFIRM_PATH, json={}, headers=_headers(enrolled))
    return response.status_code, response.json()


def _states(app: FastAPI) -> dict[str, str]:
    return {d["device_id"]: d["state"] for d in admin.list_devices(app.state.db)}


def test_enrol_returns_a_device_and_stores_only_hashes(client: TestClient, server_app: FastAPI) -> None:
    code = _code(server_app)
    status, body = _enroll(client, code)
    assert status == 200
    enrolled = wire.EnrollResponse.from_json(body)
    assert (enrolled.hall_code, enrolled.window_code) == (HALL, "SZX0103")
    assert len(enrolled.secret) >= 43  # 32 random bytes, urlsafe base64
    devices = admin.list_devices(server_app.state.db)
    assert [(d["device_id"], d["window_code"], d["state"], d["revoked_at"]) for d in devices] == [
        (enrolled.device_id, "SZX0103", "pending", None)
    ]
    assert _confirm(client, enrolled)[0] == 200
    assert _states(server_app) == {enrolled.device_id: "active"}
    with server_app.state.db.read() as connection:
        stored = " ".join(
            str(v) for row in connection.exec_driver_sql("SELECT * FROM device").all() for v in row
        )
        codes = " ".join(
            str(v) for row in connection.exec_driver_sql("SELECT * FROM enrollment").all() for v in row
        )
    assert enrolled.secret not in stored
    assert code.replace("-", "") not in codes.replace("-", "")
    # The credential works.
    response = client.get(
        wire.PULL_PATH, headers={"Authorization": f"Bearer {enrolled.device_id}.{enrolled.secret}"}
    )
    assert response.status_code == 200


def test_code_is_typed_leniently(client: TestClient, server_app: FastAPI) -> None:
    code = _code(server_app)
    status, _ = _enroll(client, " " + code.lower().replace("-", " ") + " ")
    assert status == 200


def test_a_code_works_once(client: TestClient, server_app: FastAPI) -> None:
    code = _code(server_app)
    assert _enroll(client, code)[0] == 200
    status, body = _enroll(client, code, name="另一台")
    assert status == 403
    assert body["error"] == "enroll_code_used"
    assert "只能用一次" in body["message"]


def test_unknown_and_expired_codes(
    client: TestClient, server_app: FastAPI, server_clock: MutableClock
) -> None:
    status, body = _enroll(client, "AAAA-BBBB-CCCC-DDDD")
    assert (status, body["error"]) == (403, "enroll_code_unknown")
    code = _code(server_app, hours=24)
    server_clock.advance(hours=24, seconds=1)
    status, body = _enroll(client, code)
    assert (status, body["error"]) == (403, "enroll_code_expired")
    assert "过期" in body["message"]


def test_code_is_for_one_window(client: TestClient, server_app: FastAPI) -> None:
    code = _code(server_app, "SZX0103")
    status, body = _enroll(client, code, window="SZX0104")
    assert (status, body["error"]) == (403, "forbidden")
    assert "SZX0103" in body["message"] and "SZX0104" in body["message"]
    assert _enroll(client, code, window="SZX0103")[0] == 200  # not used up by the refusal


def test_second_pc_for_a_window_needs_a_replace_code(client: TestClient, server_app: FastAPI) -> None:
    first = enroll(client, server_app, window="SZX0103")
    code = _code(server_app, "SZX0103")
    status, body = _enroll(client, code, name="第二台")
    assert (status, body["error"]) == (409, "window_taken")
    assert "--replace" in body["message"]
    # The refused code was not consumed: after the old PC is revoked it still works.
    admin.revoke_device(server_app.state.db, first.device_id, now=server_app.state.clock())
    assert _enroll(client, code)[0] == 200


def test_replace_code_revokes_the_old_device_once_the_new_one_confirms(
    client: TestClient, server_app: FastAPI
) -> None:
    old = enroll(client, server_app, window="SZX0103")
    assert old.push(decided("SZX0103", [1])).acknowledged
    new = enroll(client, server_app, window="SZX0103", replace=True, name="新电脑", confirm=False)
    assert client.get(wire.PULL_PATH, headers=old.headers).status_code == 200  # not yet
    refused = client.get(wire.PULL_PATH, headers=new.headers)
    assert (refused.status_code, refused.json()["error"]) == (403, "not_confirmed")
    push = wire.PushRequest(wire.PROTOCOL, "SZX0103", "x", decided("SZX0103", [2])).to_json()
    refused = new.post_push(push)
    assert (refused.status_code, refused.json()["error"]) == (403, "not_confirmed")
    confirmed = client.post(wire.CONFIRM_PATH, json={}, headers=new.headers)
    assert confirmed.status_code == 200
    assert confirmed.json()["replaced"] == [old.device_id]
    response = client.get(wire.PULL_PATH, headers=old.headers)
    assert response.status_code == 401
    assert response.json()["error"] == "revoked"
    assert len(new.pull_all()) == 1  # the new PC sees what the old one pushed
    devices = {d["device_id"]: d for d in admin.list_devices(server_app.state.db)}
    assert devices[old.device_id]["revoked_at"] is not None
    assert devices[old.device_id]["revoked_reason"] == f"replaced by {new.device_id}"
    assert devices[new.device_id]["revoked_at"] is None


def test_window_codes_are_unique_across_halls(client: TestClient, server_app: FastAPI) -> None:
    enroll(client, server_app, hall=HALL, window="SZX0103")
    with pytest.raises(admin.AdminError) as raised:
        _code(server_app, "SZX0103", hall=OTHER_HALL)
    assert raised.value.code == "window_taken"


@pytest.mark.parametrize(
    ("hall", "window", "hours", "fragment"),
    [("SZX99", "SZX0103", 24, "没有大厅"), (HALL, "sz-01", 24, "窗口编码"), (HALL, "SZX0103", 0, "有效时长")],
)
def test_issuing_refuses_bad_input(
    server_app: FastAPI, hall: str, window: str, hours: int, fragment: str
) -> None:
    with pytest.raises(admin.AdminError) as raised:
        _code(server_app, window, hall=hall, hours=hours)
    assert fragment in raised.value.message


def test_malformed_enrolment(client: TestClient, server_app: FastAPI) -> None:
    response = client.post(wire.ENROLL_PATH, json={"code": "X", "window_code": "SZX0103"})
    assert response.status_code == 400
    assert response.json() == {"error": "invalid", "message": "enroll: 缺少字段 device_name"}
    response = client.post(wire.ENROLL_PATH, content=b"not json")
    assert (response.status_code, response.json()["error"]) == (400, "invalid")
    code = _code(server_app)
    assert _enroll(client, code, name="")[0] == 400
    response = client.post(wire.ENROLL_PATH, content=b" " * (65 * 1024))
    assert (response.status_code, response.json()["error"]) == (413, "too_large")


def test_racing_enrolments_with_one_code(server_app: FastAPI) -> None:
    """Two PCs typing the same code at the same moment: exactly one device comes out of it."""
    code = _code(server_app)
    barrier = threading.Barrier(4)
    statuses: list[int] = []
    with serve_in_thread(server_app) as base:

        def attempt(index: int) -> None:
            import httpx

            body = {"code": code, "window_code": "SZX0103", "device_name": f"pc{index}"}
            barrier.wait()
            statuses.append(httpx.post(base + wire.ENROLL_PATH, json=body, timeout=30).status_code)

        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(statuses) == [200, 403, 403, 403]
    assert len(admin.list_devices(server_app.state.db)) == 1


def test_racing_replacements_leave_one_active_device(server_app: FastAPI) -> None:
    codes = [_code(server_app, replace=True) for _ in range(4)]
    barrier = threading.Barrier(4)
    statuses: list[int] = []
    with serve_in_thread(server_app) as base:

        def attempt(code: str) -> None:
            import httpx

            barrier.wait()
            body = {"code": code, "window_code": "SZX0103", "device_name": "pc"}
            response = httpx.post(base + wire.ENROLL_PATH, json=body, timeout=30)
            statuses.append(response.status_code)
            if response.status_code == 200:  # each PC confirms as soon as it stored its credential
                enrolled = wire.EnrollResponse.from_json(response.json())
                confirmed = httpx.post(base + wire.CONFIRM_PATH, headers=_headers(enrolled), timeout=30)
                confirms.append(confirmed.status_code)

        confirms: list[int] = []
        threads = [threading.Thread(target=attempt, args=(c,)) for c in codes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert set(statuses) <= {200, 409} and 200 in statuses
    assert set(confirms) <= {200, 401} and 200 in confirms  # 401: superseded before it confirmed
    states = list(_states(server_app).values())
    assert states.count("active") == 1 and "pending" not in states


def test_a_folder_that_is_no_window_yet_takes_the_codes_window_and_name(
    client: TestClient, server_app: FastAPI
) -> None:
    issued = admin.issue_enrollment_code(
        server_app.state.db,
        hall_code=HALL,
        window_code="SZX0107",
        replace=False,
        hours=24,
        now=server_app.state.clock(),
        window_name="7号综合受理窗口",
    )
    status, body = _enroll(client, issued.code, window="")
    assert status == 200
    enrolled = wire.EnrollResponse.from_json(body)
    assert (enrolled.hall_code, enrolled.window_code) == (HALL, "SZX0107")
    assert enrolled.window_name == "7号综合受理窗口"


def test_a_later_enrolment_supersedes_an_unconfirmed_one(client: TestClient, server_app: FastAPI) -> None:
    status, body = _enroll(client, _code(server_app))
    first = wire.EnrollResponse.from_json(body)
    status, body = _enroll(client, _code(server_app), name="再试一次")
    assert status == 200
    second = wire.EnrollResponse.from_json(body)
    assert _states(server_app) == {first.device_id: "revoked", second.device_id: "pending"}
    status, answer = _confirm(client, first)
    assert (status, answer["error"]) == (401, "revoked")
    assert _confirm(client, second)[0] == 200
    status, answer = _confirm(client, second)  # a retry after a lost answer: the same, nothing replaced
    assert (status, answer["replaced"]) == (200, [])
    assert _states(server_app) == {first.device_id: "revoked", second.device_id: "active"}


def test_an_unconfirmed_device_never_takes_a_window_its_code_may_not_replace(
    client: TestClient, server_app: FastAPI
) -> None:
    """A plain code enrolled while the window had no device; another PC became its device in between (a
    race a test can only stage in the database): confirming must not revoke that one."""
    from sqlalchemy import insert

    from server.models import device

    status, body = _enroll(client, _code(server_app))
    late = wire.EnrollResponse.from_json(body)
    now = server_app.state.clock().replace(tzinfo=None)
    with server_app.state.db.write() as connection:
        connection.execute(
            insert(device).values(
                device_id="winner",
                hall_code=HALL,
                window_code="SZX0103",
                secret_hash="0" * 64,
                name="先确认的电脑",
                enrolled_at=now,
                confirmed_at=now,
            )
        )
    status, answer = _confirm(client, late)
    assert (status, answer["error"]) == (409, "window_taken")
    assert _states(server_app) == {late.device_id: "pending", "winner": "active"}
