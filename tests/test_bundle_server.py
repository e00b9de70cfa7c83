"""The server and 一件事 bundle numbers (SQLite and PostgreSQL): a decision's bundle number is checked (form
and check character, the case's own window and day) and kept with the case, so the bundle is followed at the
server; a decision without one (an older window) is stored as before."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from app.bundles.numbers import format_bundle_number
from app.sync import wire
from server.models import case_record
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    DAY,
    OTHER_HALL,
    TestClient,
    Window,
    client_fixture,
    decided,
    enroll,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
)

BUNDLE = format_bundle_number(window_code="SZX0103", day=DAY, serial=1)


def with_bundle(event: wire.WireEvent, number: str) -> wire.WireEvent:
    return replace(event, payload={**event.payload, "bundle_number": number})


def bundle_numbers(app: FastAPI) -> dict[str, Any]:
    with app.state.db.read() as connection:
        return dict(connection.execute(select(case_record.c.number, case_record.c.bundle_number)).all())


def test_a_bundle_number_of_the_cases_window_and_day_is_kept_and_followed(
    client: TestClient, server_app: FastAPI
) -> None:
    window = enroll(client, server_app)
    first, second, alone = decided("SZX0103", [1, 2, 3])
    events = [with_bundle(first, BUNDLE), with_bundle(second, BUNDLE), alone]  # `alone`: an older window's
    answer = window.push(events)
    assert answer.rejected == [] and answer.acknowledged == [e.event_id for e in events]
    assert bundle_numbers(server_app) == {
        first.case_number: BUNDLE,
        second.case_number: BUNDLE,
        alone.case_number: None,
    }
    followed = client.get(wire.BUNDLE_PATH.format(number=BUNDLE.lower()), headers=window.headers)
    assert followed.status_code == 200, followed.text
    body = followed.json()
    assert body["number"] == BUNDLE and body["window_code"] == "SZX0103"
    assert [c["number"] for c in body["cases"]] == [first.case_number, second.case_number]
    assert {c["status"] for c in body["cases"]} == {first.payload["status"]}


def test_a_bundle_number_of_another_window_or_day_or_a_broken_one_is_refused(
    client: TestClient, server_app: FastAPI
) -> None:
    window = enroll(client, server_app)
    other_window = format_bundle_number(window_code="SZX0104", day=DAY, serial=1)
    other_day = format_bundle_number(window_code="SZX0103", day=date(2026, 11, 19), serial=1)
    broken = BUNDLE[:-1] + ("0" if BUNDLE[-1] != "0" else "1")  # the check character misread
    one, two, three, four = decided("SZX0103", [1, 2, 3, 4])
    answer = window.push(
        [
            with_bundle(one, other_window),
            with_bundle(two, other_day),
            with_bundle(three, broken),
            with_bundle(four, "YJS-SZX0103"),
        ]
    )
    refused = {r.event_id: r for r in answer.rejected}
    assert answer.acknowledged == []
    assert refused[one.event_id].code == "wrong_window" and "SZX0104" in refused[one.event_id].message
    assert refused[two.event_id].code == "invalid" and "2026-11-19" in refused[two.event_id].message
    for event in (three, four):
        assert refused[event.event_id].code == "invalid"
        assert "一件事编号" in refused[event.event_id].message
    assert bundle_numbers(server_app) == {}  # nothing of a refused decision is stored


def test_a_bundle_is_shown_only_to_its_hall_and_a_malformed_number_is_named(
    client: TestClient, server_app: FastAPI
) -> None:
    window = enroll(client, server_app)
    [event] = decided("SZX0103", [1])
    assert window.push([with_bundle(event, BUNDLE)]).rejected == []
    stranger = enroll(client, server_app, hall=OTHER_HALL, window="SZX0201")
    other_hall = client.get(wire.BUNDLE_PATH.format(number=BUNDLE), headers=stranger.headers)
    assert other_hall.status_code == 403 and "不属于" in other_hall.text
    unknown = format_bundle_number(window_code="SZX0103", day=DAY, serial=2)
    missing = client.get(wire.BUNDLE_PATH.format(number=unknown), headers=window.headers)
    assert missing.status_code == 404
    malformed = client.get(wire.BUNDLE_PATH.format(number=BUNDLE[:-1] + "Z"), headers=window.headers)
    assert malformed.status_code == 400 and "校验位" in malformed.text
