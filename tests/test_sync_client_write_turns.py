"""A long job writing in short transactions lets a waiting writer in between two of them (real SQLite, two
threads of one window): the writer waits for one of the job's transactions, not for the job."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from app.sync.write_turns import WriteTurns
from app.workspace import Workspace
from db.models import SyncState

RUNS = 50


def wait_for(condition: Callable[[], bool], *, timeout: float = 30.0) -> None:
    """Until `condition` holds (checked every millisecond), or AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        threading.Event().wait(0.001)


def test_a_waiting_writer_gets_the_lock_after_one_transaction_of_a_long_job(workspace: Workspace) -> None:
    store = workspace.store
    turns = WriteTurns.of(store)
    assert WriteTurns.of(store) is turns  # one per database, however many jobs ask
    holding = threading.Event()
    runs_done = 0
    failure: list[BaseException] = []

    def long_job() -> None:
        nonlocal runs_done
        try:
            for run in range(RUNS):
                turns.give_way(patience=store.busy_timeout_ms / 1000)
                with store.write() as session:
                    session.merge(SyncState(key=f"job-{run}", value="applied"))
                    session.flush()  # the transaction holds the write lock from here
                    if run == 0:
                        holding.set()
                        wait_for(lambda: turns.waiting(patience=60) > 0)  # the clerk is waiting now
                runs_done += 1
        except BaseException as error:
            failure.append(error)

    job = threading.Thread(target=long_job)
    job.start()
    try:
        assert holding.wait(30)
        with store.write() as session:  # waits while the job's first transaction holds the lock
            session.merge(SyncState(key="clerk", value="saved"))
            session.flush()
            runs_when_saved = runs_done  # the job cannot commit again while this transaction holds the lock
    finally:
        job.join(60)
    assert not failure and runs_done == RUNS
    assert runs_when_saved == 1
    assert turns.waiting(patience=60) == 0
    assert workspace.sync.state()["clerk"] == "saved"
