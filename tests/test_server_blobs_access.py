"""Issue 14, who may have a page file on the server, on SQLite and PostgreSQL: the same bytes kept once for
two windows of a hall; another hall never told a file exists, uploading it whole and then held without a
second copy; a stolen PC of another hall that names a file in its own case's event still gets nothing; an
unknown, pending or revoked device gets nothing; two PCs of a hall sending one file at once end with one
whole file. And the page sets the server projects from `case.pages_attached`: the last of each material and
visit, carried whole to the hall's PCs and sent with a fetched case; a window that never sends files still
syncs its events."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import func, insert, select

from app.sync import wire
from app.sync.wire import EventKind
from server import admin
from server.models import blob, blob_upload, case_page_set
from tests.blob_helpers import (
    download,
    file_bytes,
    pages_payload,
    partial_files,
    sha256_of,
    start,
    stored_files,
    upload,
)
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    FIXTURE_PEOPLE,
    OTHER_HALL,
    Target,
    TestClient,
    add_people,
    client_fixture,
    decided,
    enroll,
    follow_up,
    serve_in_thread,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
)

MIB = 1024 * 1024


def root(app: FastAPI) -> Path:
    return Path(app.state.blobs.files.root)


def count(app: FastAPI, table: object) -> int:
    with app.state.db.read() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_two_windows_of_a_hall_share_one_copy(client: TestClient, server_app: FastAPI) -> None:
    first, second = enroll(client, server_app), enroll(client, server_app, window="SZX0104")
    data, sha = file_bytes(MIB + 5)
    assert upload(client, first.headers, data).complete
    assert start(client, second.headers, sha, len(data)).json()["complete"] is True  # the hall holds it
    assert download(client, second.headers, sha).content == data
    assert [p.name for p in stored_files(root(server_app))] == [sha]
    assert count(server_app, blob_upload) == 1


def test_another_hall_is_never_told_and_sends_the_file_whole_for_no_second_copy(
    client: TestClient, server_app: FastAPI
) -> None:
    ours = enroll(client, server_app)
    theirs = enroll(client, server_app, hall=OTHER_HALL, window="SZX0201")
    data, sha = file_bytes(2 * MIB + 3)
    assert upload(client, ours.headers, data).complete
    [stored] = stored_files(root(server_app))
    before = stored.stat()

    _never, unknown_sha = file_bytes(10, seed=99)
    nowhere = download(client, theirs.headers, unknown_sha)
    elsewhere = download(client, theirs.headers, sha)
    assert (elsewhere.status_code, elsewhere.json()) == (
        404,
        nowhere.json(),
    )  # the same answer as for nothing
    assert elsewhere.json()["error"] == "not_found"
    asked = start(client, theirs.headers, sha, len(data)).json()
    assert (asked["received"], asked["complete"]) == (0, False)  # not told that the server holds it

    status = upload(client, theirs.headers, data)  # whole, and hashed like any other
    assert status.complete
    assert download(client, theirs.headers, sha).content[:100] == data[:100]
    [again] = stored_files(root(server_app))
    after = again.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (
        before.st_ino,
        before.st_mtime_ns,
        before.st_size,
    )
    assert sha256_of(again) == sha and partial_files(root(server_app)) == []
    assert count(server_app, blob) == 1 and count(server_app, blob_upload) == 2

    # Half sent by the other hall is theirs alone: ours still holds the file whole, and theirs a part.
    more, more_sha = file_bytes(2 * MIB, seed=7)
    assert upload(client, ours.headers, more).complete
    assert start(client, theirs.headers, more_sha, len(more)).json()["received"] == 0


def test_a_stolen_pc_of_another_hall_gets_nothing_by_naming_a_file(
    client: TestClient, server_app: FastAPI
) -> None:
    add_people(server_app, FIXTURE_PEOPLE)
    add_people(server_app, FIXTURE_PEOPLE, hall=OTHER_HALL)
    ours = enroll(client, server_app)
    data, sha = file_bytes(MIB // 2)
    assert upload(client, ours.headers, data).complete

    stolen = enroll(client, server_app, hall=OTHER_HALL, window="SZX0201")
    [decision] = decided("SZX0201", [1], hall=OTHER_HALL)
    named = follow_up(
        EventKind.PAGES_ATTACHED,
        decision.case_number,
        window="SZX0201",
        local_seq=2,
        clerk="wang.fang",
        payload=pages_payload("M01", [(sha, len(data))]),
    )
    answer = stolen.push([decision, named])
    assert not answer.rejected  # its own case, its own event: stored
    refused = download(client, stolen.headers, sha)
    assert (refused.status_code, refused.json()["error"]) == (404, "not_found")
    assert start(client, stolen.headers, sha, len(data)).json()["received"] == 0

    # Its own case's page set is projected all the same (the event is stored), and fetched with the case.
    fetched = client.get(
        wire.CASE_FETCH_PATH.format(number=decision.case_number), headers=stolen.headers
    ).json()
    assert [e["event_id"] for e in fetched["page_sets"]] == [named.event_id]
    # A PC of our hall cannot fetch that case either.
    other = client.get(wire.CASE_FETCH_PATH.format(number=decision.case_number), headers=ours.headers)
    assert other.status_code == 403


def test_unknown_pending_and_revoked_devices_get_nothing(client: TestClient, server_app: FastAPI) -> None:
    ours = enroll(client, server_app)
    data, sha = file_bytes(1000)
    assert upload(client, ours.headers, data).complete
    pending = enroll(client, server_app, window="SZX0104", confirm=False)
    revoked = enroll(client, server_app, window="SZX0105")
    admin.revoke_device(server_app.state.db, revoked.device_id, now=server_app.state.clock())
    _other, other_sha = file_bytes(1000, seed=5)
    cases = {
        "none": ({}, 401, "unauthorized"),
        "unknown device": (
            {"Authorization": f"Bearer 00000000-0000-0000-0000-000000000000.{'a' * 64}"},
            401,
            "unauthorized",
        ),
        "wrong secret": ({"Authorization": f"Bearer {ours.device_id}.{'b' * 64}"}, 401, "unauthorized"),
        "pending": (pending.headers, 403, "not_confirmed"),
        "revoked": (revoked.headers, 401, "revoked"),
    }
    for name, (headers, status, code) in cases.items():
        for answer in (
            download(client, headers, sha),
            start(client, headers, other_sha, 1000),
            client.put(
                wire.BLOB_UPLOAD_PATH.format(sha256=sha), params={"offset": 0}, content=b"x", headers=headers
            ),
        ):
            assert (answer.status_code, answer.json()["error"]) == (status, code), name
    assert count(server_app, blob_upload) == 1


def test_two_pcs_of_a_hall_sending_one_file_at_once_end_with_one_whole_file(server_app: FastAPI) -> None:
    data, sha = file_bytes(4 * MIB + 1)
    with serve_in_thread(server_app) as base, httpx.Client(base_url=base, timeout=60) as http:
        windows = [enroll(http, server_app, window=w) for w in ("SZX0103", "SZX0104", "SZX0105")]
        errors: list[BaseException] = []

        def send(headers: dict[str, str]) -> None:
            try:
                with httpx.Client(base_url=base, timeout=60) as own:
                    assert upload(own, headers, data).complete
            except BaseException as error:  # reported below
                errors.append(error)

        threads = [threading.Thread(target=send, args=(w.headers,)) for w in windows]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert not errors, errors
        assert download(http, windows[2].headers, sha).content[:10] == data[:10]
    [stored] = stored_files(root(server_app))
    assert sha256_of(stored) == sha and partial_files(root(server_app)) == []
    assert count(server_app, blob_upload) == 1 and count(server_app, blob) == 1


def test_page_sets_are_projected_carried_and_fetched(client: TestClient, server_app: FastAPI) -> None:
    """And a window that never sends a file: its events are stored and its hall syncs as ever."""
    add_people(server_app, FIXTURE_PEOPLE)
    origin, office = enroll(client, server_app), enroll(client, server_app, window="SZX0104")
    [decision] = decided("SZX0103", [1])
    number = decision.case_number
    shas = [file_bytes(100, seed=s)[1] for s in range(4)]

    def attached(material: str, picked: list[str], seq: int, visit: int = 0) -> wire.WireEvent:
        payload = pages_payload(material, [(s, 100) for s in picked], visit=visit)
        return follow_up(EventKind.PAGES_ATTACHED, number, window="SZX0103", local_seq=seq, payload=payload)

    first = attached("M01", shas[:2], 2)
    turned = attached("M01", [shas[1], shas[0], shas[2]], 3)  # reordered and one more: the list again
    other = attached("M02", shas[3:], 4)
    later_visit = attached("M01", shas[3:], 5, visit=1)
    answer = origin.push([decision, first, turned, other, later_visit])
    assert not answer.rejected and len(answer.acknowledged) == 5
    with server_app.state.db.read() as connection:
        projected = {
            (r.material_code, r.visit): (r.event_id, r.page_count)
            for r in connection.execute(select(case_page_set).where(case_page_set.c.case_number == number))
        }
    assert projected == {
        ("M01", 0): (turned.event_id, 3),
        ("M02", 0): (other.event_id, 1),
        ("M01", 1): (later_visit.event_id, 1),
    }

    # A PC holding a copy of the case gets each page set whole, in the order the server took them.
    updates = [c for c in office.pull_all() if c.kind == wire.KIND_CASE_UPDATED and c.key == number]
    carried = [c.payload.get(wire.CASE_EVENT_FIELD) for c in updates]
    assert [e["event_id"] for e in carried if e is not None] == [
        first.event_id,
        turned.event_id,
        other.event_id,
        later_visit.event_id,
    ]
    assert carried[-1]["payload"] == later_visit.payload and carried[-1]["clerk_login"] == "li.na"

    fetched = client.get(wire.CASE_FETCH_PATH.format(number=number), headers=office.headers).json()
    assert sorted(e["event_id"] for e in fetched["page_sets"]) == sorted(e for e, _ in projected.values())
    assert all(e["kind"] == EventKind.PAGES_ATTACHED for e in fetched["page_sets"])

    # Nothing was ever uploaded: the hall's PCs simply cannot download the files yet.
    assert download(client, office.headers, shas[0]).status_code == 404
    assert count(server_app, blob_upload) == 0
    reconciled = client.get(
        wire.RECONCILE_PATH, params={"from": "2026-11-20", "to": "2026-11-20"}, headers=origin.headers
    )
    assert reconciled.status_code == 200 and reconciled.json()["days"][0]["cases"] == 1


def test_page_sets_of_events_stored_before_the_upgrade_are_projected(target: Target) -> None:
    """A server of schema 0010 held `case.pages_attached` events (accepted since issue 14's first step): the
    upgrade makes their page sets, the last to arrive of each material and visit."""
    from alembic import command
    from alembic.config import Config

    from server.models import case_event, device, hall
    from server.store import MIGRATIONS, open_server_db

    number = decided("SZX0103", [1])[0].case_number
    at = datetime(2026, 11, 20, 2, 0)
    events = [
        ("e1", "M01", [file_bytes(10, seed=1)[1]], at),
        ("e3", "M02", [file_bytes(10, seed=3)[1]], at + timedelta(minutes=1)),
        ("e2", "M01", [file_bytes(10, seed=2)[1], file_bytes(10, seed=1)[1]], at + timedelta(minutes=2)),
    ]
    engine = target.engine()
    try:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0010")
            connection.execute(insert(hall).values(code="SZX01", name="示例", created_at=at))
            connection.execute(
                insert(device).values(
                    device_id="d1",
                    hall_code="SZX01",
                    window_code="SZX0103",
                    secret_hash="0" * 64,
                    name="窗口电脑",
                    enrolled_at=at,
                    confirmed_at=at,
                )
            )
            for event_id, material, shas, received in events:
                connection.execute(
                    insert(case_event).values(
                        event_id=event_id,
                        device_id="d1",
                        hall_code="SZX01",
                        window_code="SZX0103",
                        case_number=number,
                        case_day=date(2026, 11, 20),
                        kind=EventKind.PAGES_ATTACHED,
                        payload=pages_payload(material, [(s, 10) for s in shas]),
                        clerk_login="wang.fang",
                        device_time="2026-11-20T02:00:00Z",
                        local_seq=1,
                        received_at=received,
                    )
                )
        db = open_server_db(engine=engine)
        try:
            with db.read() as connection:
                projected = {
                    r.material_code: (r.event_id, r.page_count, r.hall_code)
                    for r in connection.execute(select(case_page_set))
                }
        finally:
            db.close()
    finally:
        engine.dispose()
    assert projected == {"M01": ("e2", 2, "SZX01"), "M02": ("e3", 1, "SZX01")}


def test_pages_of_a_case_from_another_hall_an_account_that_may_not_capture_or_a_buggy_window_are_refused(
    client: TestClient, server_app: FastAPI
) -> None:
    """`case.pages_attached` crossing the boundary: a stolen PC of another hall naming our case, an approver's
    account (no 采集 permission), and an old window's malformed list are each refused and store nothing."""
    add_people(server_app, FIXTURE_PEOPLE)
    add_people(server_app, {"zhao.shen": ["approver"]})
    add_people(server_app, FIXTURE_PEOPLE, hall=OTHER_HALL)
    ours = enroll(client, server_app)
    [decision] = decided("SZX0103", [1])
    assert not ours.push([decision]).rejected
    data, sha = file_bytes(MIB // 4)
    payload = pages_payload("M01", [(sha, len(data))])

    def pages(window: str, clerk: str, seq: int, body: dict[str, object]) -> object:
        return follow_up(
            EventKind.PAGES_ATTACHED,
            decision.case_number,
            window=window,
            local_seq=seq,
            clerk=clerk,
            payload=body,
        )

    stolen = enroll(client, server_app, hall=OTHER_HALL, window="SZX0201")
    answer = stolen.push([pages("SZX0201", "wang.fang", 1, payload)])
    assert [r.code for r in answer.rejected] == ["wrong_hall"]
    answer = ours.push([pages("SZX0103", "zhao.shen", 2, payload)])
    assert [r.code for r in answer.rejected] == ["not_permitted"]
    turned = {**payload, "pages": [{**payload["pages"][0], "rotation": 45}]}  # type: ignore[dict-item]
    tricked = {**payload, "pages": [{**payload["pages"][0], "sha256": "../" + sha[3:]}]}  # type: ignore[dict-item]
    answer = ours.push([pages("SZX0103", "wang.fang", 3, turned), pages("SZX0103", "wang.fang", 4, tricked)])
    assert [r.code for r in answer.rejected] == ["invalid", "invalid"]
    assert "旋转角度 45" in answer.rejected[0].message
    assert count(server_app, case_page_set) == 0
