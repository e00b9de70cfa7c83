"""Turns at the window database's write lock, so a long job writing in short transactions (sync applying
a pulled page) lets a waiting writer (the clerk saving a case) in between two of them.

Short transactions alone do not do it. SQLite's busy handler is no queue: a writer that finds the lock
taken sleeps and tries again (after 1, 2, 5 … ms, later every 100 ms), so a job committing transaction after
transaction takes the lock back each time, well before the sleeper wakes, and the clerk's save fails after
the busy timeout all the same. So every write transaction on the store says, while its BEGIN IMMEDIATE
waits for the lock, that it is waiting; between two of its transactions the long job gives way until
nobody else is waiting (the waiter has the lock, or gave up).
"""

from __future__ import annotations

import threading
import time
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, event

from db.store import Store

_turns_lock = threading.Lock()
_turns: WeakKeyDictionary[Engine, WriteTurns] = WeakKeyDictionary()


class WriteTurns:
    """The writers of one store's write engine waiting for the lock right now."""

    def __init__(self, engine: Engine) -> None:
        self._waiting: dict[int, float] = {}  # thread → when its BEGIN started waiting (time.monotonic)
        self._changed = threading.Condition()
        # Around the BEGIN IMMEDIATE with which db.store begins every write: where a writer waits.
        event.listen(engine, "before_cursor_execute", self._asking)
        event.listen(engine, "after_cursor_execute", self._answered)
        event.listen(engine, "handle_error", self._answered)

    @classmethod
    def of(cls, store: Store) -> WriteTurns:
        """The turns of `store`'s write engine (one per engine, however many jobs ask)."""
        with _turns_lock:
            turns = _turns.get(store.write_engine)
            if turns is None:
                turns = _turns[store.write_engine] = cls(store.write_engine)
            return turns

    def _asking(self, _connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("BEGIN"):
            with self._changed:
                self._waiting[threading.get_ident()] = time.monotonic()

    def _answered(self, *_: Any) -> None:
        me = threading.get_ident()
        if me not in self._waiting:  # every statement of every write ends here: the usual case, no lock
            return
        with self._changed:
            if self._waiting.pop(me, None) is not None:
                self._changed.notify_all()

    def waiting(self, *, patience: float) -> int:
        """Writers of other threads waiting for the lock, not for longer than `patience` seconds (one
        waiting longer has given up: the busy timeout)."""
        with self._changed:
            return self._count(patience)

    def give_way(self, *, patience: float) -> float:
        """Wait while another writer waits for the lock, at most `patience` seconds; how long it waited."""
        started = time.monotonic()
        deadline = started + patience
        with self._changed:
            while self._count(patience) and (left := deadline - time.monotonic()) > 0:
                self._changed.wait(left)
        return time.monotonic() - started

    def _count(self, patience: float) -> int:
        me, since = threading.get_ident(), time.monotonic() - patience
        return sum(1 for thread, asked in self._waiting.items() if thread != me and asked > since)
