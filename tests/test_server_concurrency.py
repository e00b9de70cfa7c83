"""Concurrency against a real server: racing retries, and the change log read while it is written.

The pull guarantee (shared/DESIGN.md §4.3, §9): a reader that follows the cursor while other
transactions commit gets every change exactly once, in seq order, none skipped.
"""

from __future__ import annotations

import random
import threading
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, func, select

from app.sync import wire
from server import admin
from server.models import case_event, case_record, change_log
from server.store import ServerDB
from server.sync import Device, SyncService
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    HALL,
    MutableClock,
    Target,
    TestClient,
    Window,
    case_numbers,
    client_fixture,
    decided,
    enroll,
    follow_up,
    serve_in_thread,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
)


def _device(window: Window) -> Device:
    return Device(window.device_id, window.hall_code, window.window_code, "test")


def _all_seqs(app: FastAPI, hall: str = HALL) -> list[int]:
    with app.state.db.read() as connection:
        return list(
            connection.execute(
                select(change_log.c.seq).where(change_log.c.hall_code == hall).order_by(change_log.c.seq)
            ).scalars()
        )


def test_two_retries_of_one_batch_racing_store_it_once(client: TestClient, server_app: FastAPI) -> None:
    window = enroll(client, server_app)
    with serve_in_thread(server_app) as base:
        for round_ in range(5):
            events = decided(
                "SZX0103", range(1 + 40 * round_, 41 + 40 * round_), first_local_seq=1 + 40 * round_
            )
            events.append(
                follow_up("certificate.issued", events[0].case_number, window="SZX0103", local_seq=999)
            )
            body = wire.PushRequest(wire.PROTOCOL, "SZX0103", "2026-11-20T02:00:00Z", events).to_json()
            barrier = threading.Barrier(2)
            answers: list[httpx.Response] = []

            def send(
                body: dict[str, object] = body,
                barrier: threading.Barrier = barrier,
                answers: list[httpx.Response] = answers,
            ) -> None:
                with httpx.Client(base_url=base, headers=window.headers, timeout=60) as http:
                    barrier.wait()
                    answers.append(http.post(wire.PUSH_PATH, json=body))

            threads = [threading.Thread(target=send) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            for response in answers:
                assert response.status_code == 200, response.text
                answer = wire.PushResponse.from_json(response.json())
                assert answer.acknowledged == [e.event_id for e in events]  # both are told it is stored
                assert answer.rejected == []
    with server_app.state.db.read() as connection:
        assert connection.execute(select(func.count()).select_from(case_event)).scalar_one() == 5 * 41
        assert connection.execute(select(func.count()).select_from(case_record)).scalar_one() == 5 * 40
    # one change per event, one per certificate, and the window's signing key registered once
    assert len(_all_seqs(server_app)) == 5 * (41 + 1) + 1


def _paused_push_scenario(server_app: FastAPI, client: TestClient) -> tuple[list[int], list[int]]:
    """A's transaction has appended its changes but not committed; B pushes meanwhile; a reader pulls.
    Returns (seqs the reader got, in order, seqs in the log)."""
    first = enroll(client, server_app, window="SZX0103")
    second = enroll(client, server_app, window="SZX0104")
    reader = Device("reader", HALL, "SZX0105", "reader")
    service: SyncService = server_app.state.sync
    db: ServerDB = server_app.state.db
    appended, release, b_waits = threading.Event(), threading.Event(), threading.Event()

    def hook() -> None:
        if threading.current_thread().name == "A":
            appended.set()
            assert release.wait(30)

    def note_b_waiting(*args: Any) -> None:
        """B is about to ask for what A holds: PostgreSQL's change-log lock, or SQLite's one writer."""
        statement: str = args[2]
        if threading.current_thread().name == "B" and (
            "pg_advisory_xact_lock" in statement or statement.startswith("BEGIN")
        ):
            b_waits.set()

    service.after_changes_appended = hook
    event.listen(db.engine, "before_cursor_execute", note_b_waiting)
    push_a = wire.PushRequest.from_json(
        wire.PushRequest(wire.PROTOCOL, "SZX0103", "x", decided("SZX0103", range(1, 4))).to_json()
    )
    push_b = wire.PushRequest.from_json(
        wire.PushRequest(wire.PROTOCOL, "SZX0104", "x", decided("SZX0104", range(1, 4))).to_json()
    )
    thread_a = threading.Thread(target=service.push, args=(_device(first), push_a), name="A")
    thread_b = threading.Thread(target=service.push, args=(_device(second), push_b), name="B")
    got: list[int] = []
    cursor = "0"

    def pull() -> None:
        nonlocal cursor
        page = service.pull(reader, cursor, None)
        got.extend(c.seq for c in page.changes)
        cursor = page.cursor

    thread_a.start()
    assert appended.wait(30)
    thread_b.start()
    if db.is_postgresql and not service.serialize_change_log:
        thread_b.join(30)  # nothing holds B back: it commits
        assert not thread_b.is_alive()
    else:
        assert b_waits.wait(30)  # B would commit now if nothing held it back
    pull()
    release.set()
    thread_a.join(30)
    thread_b.join(30)
    pull()
    pull()
    service.after_changes_appended = None
    event.remove(db.engine, "before_cursor_execute", note_b_waiting)
    return got, _all_seqs(server_app)


def test_reader_never_skips_a_change_committed_late(client: TestClient, server_app: FastAPI) -> None:
    got, log = _paused_push_scenario(server_app, client)
    assert len(log) == 6
    assert got == log


def test_without_the_lock_a_reader_would_skip(
    target: Target, client: TestClient, server_app: FastAPI
) -> None:
    """The hazard the change-log lock prevents, shown on PostgreSQL with the lock left out: B commits seqs
    after A's uncommitted ones, the reader's cursor moves past A's, and A's changes are never read."""
    if not target.is_postgresql:
        pytest.skip("SQLite has a single writer: B cannot commit while A's transaction is open")
    server_app.state.sync.serialize_change_log = False
    got, log = _paused_push_scenario(server_app, client)
    assert len(log) == 6
    skipped = sorted(set(log) - set(got))
    assert len(skipped) == 3 and max(skipped) < min(got)


@pytest.mark.slow
def test_concurrent_pushers_and_a_puller(
    target: Target, client: TestClient, server_app: FastAPI, server_clock: MutableClock
) -> None:
    """4 windows push 50 batches of 20 events each through a real server at the same time, with follow-up
    events (certificates, prints) mixed in, while another window pulls in a loop: it ends up with every
    change exactly once, in seq order."""
    pushers, batches, size = 4, 50, 20
    server_clock.advance(days=batches)  # the batches' days run from 11-02; none may lie ahead of the server
    windows = [enroll(client, server_app, window=f"SZX01{11 + i}") for i in range(pushers)]
    reader = enroll(client, server_app, window="SZX0199")
    errors: list[BaseException] = []
    done = threading.Event()
    pulled: list[wire.Change] = []
    rounds = 0
    # One push in four (drawn from a seed), between appending its changes and COMMIT, waits until the
    # reader has pulled once more: a pull that begins while those changes are drawn but not committed, which
    # is when a reader would skip them (the window a slow disk or a pause widens). Without the change-log
    # lock this run makes the reader skip changes.
    pulls = threading.Condition()
    pulls_begun = pulls_done = 0
    paused = random.Random(7)

    def until_the_reader_pulled_again() -> None:
        with pulls:
            if paused.random() >= 0.25:
                return
            target = pulls_begun + 1  # the next pull to begin sees this push uncommitted
            assert pulls.wait_for(lambda: pulls_done >= target or bool(errors), timeout=60)

    server_app.state.sync.after_changes_appended = until_the_reader_pulled_again

    with serve_in_thread(server_app) as base:

        def push(window: Window) -> None:
            try:
                with httpx.Client(base_url=base, headers=window.headers, timeout=120) as http:
                    for batch in range(batches):
                        day = date(2026, 11, 2) + timedelta(days=batch)
                        events = decided(
                            window.window_code, range(1, size - 1), day=day, first_local_seq=batch * 100
                        )
                        number = events[0].case_number
                        events += [
                            follow_up(
                                "certificate.issued",
                                number,
                                window=window.window_code,
                                local_seq=batch * 100 + 98,
                            ),
                            follow_up(
                                "document.printed",
                                number,
                                window=window.window_code,
                                local_seq=batch * 100 + 99,
                            ),
                        ]
                        body = wire.PushRequest(wire.PROTOCOL, window.window_code, "x", events).to_json()
                        response = http.post(wire.PUSH_PATH, json=body)
                        assert response.status_code == 200, response.text
                        answer = wire.PushResponse.from_json(response.json())
                        assert len(answer.acknowledged) == size and not answer.rejected
            except BaseException as error:
                errors.append(error)

        def pull() -> None:
            nonlocal rounds, pulls_begun, pulls_done
            try:
                with httpx.Client(base_url=base, headers=reader.headers, timeout=120) as http:
                    cursor = "0"
                    while True:
                        finished = done.is_set()  # read before pulling: one more full pass after the end
                        with pulls:
                            pulls_begun += 1
                        response = http.get(wire.PULL_PATH, params={"cursor": cursor, "limit": 137})
                        with pulls:
                            pulls_done += 1
                            pulls.notify_all()
                        assert response.status_code == 200, response.text
                        page = wire.PullResponse.from_json(response.json())
                        pulled.extend(page.changes)
                        cursor = page.cursor
                        rounds += 1
                        if finished and not page.more:
                            return
            except BaseException as error:
                errors.append(error)
                with pulls:
                    pulls.notify_all()

        threads = [threading.Thread(target=push, args=(w,)) for w in windows]
        puller = threading.Thread(target=pull)
        puller.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        done.set()
        puller.join()

    assert errors == []
    log = _all_seqs(server_app)
    # a change per event, one per certificate, one per window's signing key registered
    expected = pushers * batches * (size + 1) + pushers
    assert len(log) == expected
    seqs = [c.seq for c in pulled]
    assert seqs == sorted(seqs), "out of order"
    assert len(seqs) == len(set(seqs)), "a change came twice"
    assert seqs == log, f"skipped: {sorted(set(log) - set(seqs))[:10]}"
    print(f"\n{target.kind}: {expected} changes pulled in {rounds} pulls while pushing")
    statuses = {c.key: c.payload["status"] for c in pulled if c.kind == "case.updated"}
    assert statuses[case_numbers("SZX0111", [1], day=date(2026, 11, 2))[0]] == "approved"
    assert rounds > 10  # the reader really ran alongside the writers


def test_simultaneous_hand_overs_are_detected(
    target: Target, client: TestClient, server_app: FastAPI
) -> None:
    """Two batches of the window holding a case, each handing over its certificate, commit at the same
    moment (two batches are on the wire at once): whichever commits second sees the first (the check runs
    under the change-log lock) and records the conflict."""
    origin = enroll(client, server_app, window="SZX0103")
    [decision] = decided("SZX0103", [1])
    number = decision.case_number
    origin.push(
        [decision, follow_up("certificate.issued", number, window="SZX0103", local_seq=2)], chain=False
    )
    service: SyncService = server_app.state.sync
    for attempt in range(3):
        handovers = [
            (origin, follow_up("certificate.handed_over", number, window="SZX0103", local_seq=10 + attempt)),
            (origin, follow_up("certificate.handed_over", number, window="SZX0103", local_seq=20 + attempt)),
        ]
        barrier = threading.Barrier(2)

        def hand_over(window: Window, event: wire.WireEvent, barrier: threading.Barrier = barrier) -> None:
            request = wire.PushRequest(wire.PROTOCOL, window.window_code, "x", [event])
            barrier.wait()
            service.push(_device(window), request)

        threads = [threading.Thread(target=hand_over, args=pair) for pair in handovers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    conflicts = admin.list_conflicts(server_app.state.db)
    assert len(conflicts) == 5  # six hand-overs of one certificate: every one after the first
    assert {c["reason"] for c in conflicts} == {"certificate_handed_over_twice"}
    with server_app.state.db.read() as connection:
        assert connection.execute(select(case_record.c.status)).scalar_one() == "delivered"
