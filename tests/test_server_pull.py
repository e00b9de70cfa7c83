"""Pull by cursor (paging, bad cursors, cost) and reconciliation counts."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from app.sync import wire
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    OTHER_HALL,
    MutableClock,
    Target,
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


def test_paging_by_cursor(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    window.push(decided("SZX0103", range(1, 26)))
    everything = window.pull("0")
    assert len(everything.changes) == 25 and not everything.more
    pages = []
    cursor = ""
    while True:
        page = window.pull(cursor, limit=10)
        pages.append(page)
        cursor = page.cursor
        if not page.more:
            break
    assert [len(p.changes) for p in pages] == [10, 10, 5]
    assert [p.more for p in pages] == [True, True, False]
    paged = [c for p in pages for c in p.changes]
    assert paged == everything.changes
    seqs = [c.seq for c in paged]
    assert seqs == sorted(set(seqs))
    assert pages[0].cursor == str(pages[0].changes[-1].seq)
    # At the end: nothing more, and the cursor stays where it is.
    tail = window.pull(cursor)
    assert (tail.changes, tail.cursor, tail.more) == ([], cursor, False)
    # New changes appear after the cursor.
    window.push(decided("SZX0103", [26], first_local_seq=26))
    [fresh] = window.pull(cursor).changes
    assert fresh.key == case_numbers("SZX0103", [26])[0]


def test_limit_is_capped(client: TestClient, server_app: FastAPI, server_clock: MutableClock) -> None:
    window = enroll(client, server_app)
    window.push(decided("SZX0103", range(1, wire.MAX_PULL_CHANGES + 1)))
    server_clock.advance(days=3)  # a device time days ahead of the server's clock is refused
    window.push(decided("SZX0103", range(1, 6), day=date(2026, 11, 23)))
    page = window.pull("0", limit=10 * wire.MAX_PULL_CHANGES)
    assert len(page.changes) == wire.MAX_PULL_CHANGES and page.more
    rest = window.pull(page.cursor)
    assert len(rest.changes) == 5 and not rest.more


@pytest.mark.parametrize("cursor", ["abc", "-1", "1.5", "9" * 30, "１２", " 1 x"])
def test_bad_cursor(client: TestClient, server_app: FastAPI, cursor: str) -> None:
    window = enroll(client, server_app)
    response = client.get(wire.PULL_PATH, params={"cursor": cursor}, headers=window.headers)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert "cursor" in response.json()["message"]


@pytest.mark.parametrize("limit", ["0", "-5", "ten"])
def test_bad_limit(client: TestClient, server_app: FastAPI, limit: str) -> None:
    window = enroll(client, server_app)
    response = client.get(wire.PULL_PATH, params={"limit": limit}, headers=window.headers)
    assert response.status_code == 400
    assert "limit" in response.json()["message"]


def test_halls_interleaved_in_the_log_page_separately(client: TestClient, server_app: FastAPI) -> None:
    ours = enroll(client, server_app, window="SZX0103")
    theirs = enroll(client, server_app, hall=OTHER_HALL, window="SZX0201")
    for serial in range(1, 6):
        ours.push(decided("SZX0103", [serial], first_local_seq=serial))
        theirs.push(decided("SZX0201", [serial], hall=OTHER_HALL, first_local_seq=serial))
    assert [c.key for c in ours.pull_all(limit=2)] == case_numbers("SZX0103", range(1, 6))
    assert [c.key for c in theirs.pull_all(limit=3)] == case_numbers("SZX0201", range(1, 6))


def test_pull_reads_through_the_hall_index(target: Target, client: TestClient, server_app: FastAPI) -> None:
    """Cost grows with what changed: the pull query is an index range scan on (hall_code, seq)."""
    window = enroll(client, server_app)
    window.push(decided("SZX0103", range(1, 30)))
    query = (
        "SELECT seq, kind, key, payload, committed_at FROM change_log "
        "WHERE hall_code = 'SZX01' AND seq > 10 ORDER BY seq LIMIT 1001"
    )
    with server_app.state.db.read() as connection:
        if target.is_postgresql:
            connection.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table would be scanned
            plan = " ".join(r[0] for r in connection.execute(text(f"EXPLAIN {query}")))
        else:
            plan = " ".join(str(r[-1]) for r in connection.execute(text(f"EXPLAIN QUERY PLAN {query}")))
    assert "ix_change_log_hall_code_seq" in plan, plan
    assert "sort" not in plan.lower(), plan


def test_reconcile_counts_cases_and_events_per_day(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app, window="SZX0103")
    neighbour = enroll(client, server_app, window="SZX0104")
    first, second = date(2026, 11, 19), date(2026, 11, 20)
    window.push(decided("SZX0103", range(1, 4), day=first))
    window.push(decided("SZX0103", range(1, 3), day=second, first_local_seq=4))
    [number] = case_numbers("SZX0103", [1], day=first)
    window.push([follow_up("document.printed", number, window="SZX0103", local_seq=6)])
    unknown = case_numbers("SZX0103", [9], day=second)[0]  # an event whose case is not here yet
    window.push([follow_up("document.printed", unknown, window="SZX0103", local_seq=7)])
    neighbour.push(decided("SZX0104", range(1, 5), day=first))

    response = client.get(
        wire.RECONCILE_PATH, params={"from": "2026-11-01", "to": "2026-11-30"}, headers=window.headers
    )
    assert response.status_code == 200
    answer = wire.ReconcileResponse.from_json(response.json())
    assert answer.window_code == "SZX0103"
    assert answer.days == [wire.DayCount("2026-11-19", 3, 4), wire.DayCount("2026-11-20", 2, 3)]
    only_first = client.get(
        wire.RECONCILE_PATH, params={"from": "2026-11-19", "to": "2026-11-19"}, headers=window.headers
    )
    assert wire.ReconcileResponse.from_json(only_first.json()).days == [wire.DayCount("2026-11-19", 3, 4)]
    empty = client.get(
        wire.RECONCILE_PATH, params={"from": "2026-10-01", "to": "2026-10-31"}, headers=window.headers
    )
    assert wire.ReconcileResponse.from_json(empty.json()).days == []


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-11-20", "to": "2026-11-01"},
        {"from": "2026/11/01", "to": "2026-11-30"},
        {"from": "20261101", "to": "20261130"},
        {"from": "2025-01-01", "to": "2026-11-30"},
        {"from": "2026-11-01"},
        {},
    ],
)
def test_reconcile_refuses_bad_ranges(
    client: TestClient, server_app: FastAPI, params: dict[str, str]
) -> None:
    window = enroll(client, server_app)
    response = client.get(wire.RECONCILE_PATH, params=params, headers=window.headers)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


def test_a_window_skips_its_own_changes_without_losing_anyone_elses(
    client: TestClient, server_app: FastAPI
) -> None:
    me = enroll(client, server_app)
    neighbour = enroll(client, server_app, window="SZX0104")
    me.push(decided("SZX0103", range(1, 26)))
    mine = me.pull("0", exclude_own=True)
    assert mine.changes == [] and not mine.more and int(mine.cursor) >= 25  # moved past its own changes
    neighbour.push(decided("SZX0104", range(1, 4)))
    me.push(decided("SZX0103", range(26, 31), first_local_seq=26))
    neighbour.push(decided("SZX0104", range(4, 8), first_local_seq=4))
    seen: list[wire.Change] = []
    cursor = mine.cursor
    while True:  # small pages: paging must not skip a neighbour's change sitting among mine
        page = me.pull(cursor, limit=2, exclude_own=True)
        seen += page.changes
        cursor = page.cursor
        if not page.more:
            break
    assert sorted(c.key for c in seen) == case_numbers("SZX0104", range(1, 8))
    assert me.pull(cursor, exclude_own=True).changes == []
    everything = me.pull("0")  # without the flag the log is whole
    assert len(everything.changes) == 37
