"""Conflicts a push finds: what does not commute is kept and shown to a supervisor, never dropped
(shared/DESIGN.md §4.4).

- Two events of one case's step, or one that no longer follows the case's status (two PCs acting on one
  case while apart; app.cases.status.replay): the first stored is the case's, both stay (`lifecycle`).
- A second `certificate.issued` or `certificate.handed_over` of one case sent by a window older than steps:
  both events stay (`non_commuting`).
- A case number the server already holds from another decision: the new one is refused (server.sync.cases).
- An event id reused with other content: refused (server.event_ids).

Each becomes a row of `conflict` (`record`, once per reason and pair of events however often it is sent
again) and a `conflict` change for the hall's windows (server.sync.change_log).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection

from app.cases.status import ACTION_LABEL, ACTION_OF_EVENT, Replayed, status_label
from app.sync.wire import (
    CONFLICT_DUPLICATE_CASE_NUMBER,
    CONFLICT_HANDED_OVER_TWICE,
    CONFLICT_ISSUED_TWICE,
    CONFLICT_LIFECYCLE,
    EVENT_KIND_LABEL,
    EventKind,
)
from server import dialect
from server.models import conflict
from server.store import ServerDB
from server.sync.checks import Candidate
from server.sync.device import Device

log = logging.getLogger("clerk.server.sync")

# Non-commuting kinds: a second one for the same case is kept and shown to a supervisor.
CONFLICT_REASON: dict[str, str] = {
    EventKind.CERTIFICATE_ISSUED: CONFLICT_ISSUED_TWICE,
    EventKind.CERTIFICATE_HANDED_OVER: CONFLICT_HANDED_OVER_TWICE,
}
REPEATED_ACTION: dict[str, str] = {  # what was done twice, in the supervisor's message
    EventKind.CERTIFICATE_ISSUED: "发证",
    EventKind.CERTIFICATE_HANDED_OVER: "证照交付（出件）",
}
DUPLICATE_CASE_NUMBER = CONFLICT_DUPLICATE_CASE_NUMBER

Marks = dict[tuple[str, str], list[str]]  # (case number, kind) → stored event ids, oldest first


def non_commuting(
    accepted: Sequence[Candidate], marks: Marks, device_: Device, now: datetime
) -> list[dict[str, Any]]:
    """A conflict for each new event of a non-commuting kind, as a window older than steps sends it (no
    `step`: one with a step is `lifecycle`'s), whose case already has one (stored before, or earlier in
    this batch): a second issue or hand-over of one case. Both records are kept."""
    found: list[dict[str, Any]] = []
    new_ids = {c.event.event_id for c in accepted}
    for c in accepted:
        event = c.event
        reason = CONFLICT_REASON.get(event.kind)
        if reason is None or "step" in event.payload:
            continue
        marked = marks.get((event.case_number, event.kind), [])
        earlier = [i for i in marked if i not in new_ids]
        earlier += [x.event.event_id for x in accepted if x.order < c.order and x.event.event_id in marked]
        if not earlier:
            continue
        what = REPEATED_ACTION[event.kind]
        message = f"办件 {event.case_number} 被重复{what}：两条记录都已保存，请值班主任核实处理"
        found.append(
            {
                "hall_code": device_.hall_code,
                "case_number": event.case_number,
                "reason": reason,
                "event_id": event.event_id,
                "other_event_id": earlier[0],
                "device_id": device_.device_id,
                "window_code": device_.window_code,
                "message": message,
                "detail": {"event": asdict(event)},
                "created_at": now,
            }
        )
        log.warning(
            "conflict on case %s: %s event %s after %s",
            event.case_number,
            event.kind,
            event.event_id,
            earlier[0],
        )
    return found


class Involved(Protocol):
    """A stored event of a case, as a lifecycle conflict names it (server.sync.projection.StoredChange)."""

    @property
    def event_id(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def step(self) -> int | None: ...

    @property
    def window_code(self) -> str: ...

    @property
    def device_id(self) -> str: ...

    @property
    def clerk_login(self) -> str: ...


def _action(kind: str) -> str:
    action = ACTION_OF_EVENT.get(kind)
    return ACTION_LABEL[action] if action is not None else EVENT_KIND_LABEL.get(kind, kind)


def lifecycle(
    *,
    hall_code: str,
    number: str,
    decision_event_id: str,
    replayed: Replayed,
    events: Sequence[Involved],
    now: datetime,
) -> list[dict[str, Any]]:
    """A conflict for each event of case `number` that `replayed` found conflicting: paired with the event
    that took its step (or, for one that no longer follows the case, the last step taken; the decision when
    none was). The pair is the same however often the case is projected again, so `record` keeps it once."""
    by_id = {e.event_id: e for e in events}
    found: list[dict[str, Any]] = []
    for event_id in replayed.conflicting:
        event = by_id[event_id]
        step = event.step or 0
        taken = replayed.applied[step - 1] if 0 < step <= len(replayed.applied) else None
        if taken is None:
            taken = replayed.applied[-1] if replayed.applied else decision_event_id
        other = by_id.get(taken)
        if other is not None:
            done = f"窗口 {other.window_code}（{other.clerk_login}）的“{_action(other.kind)}”已生效"
        else:
            done = "受理决定已生效"
        reason = CONFLICT_LIFECYCLE
        message = (
            f"办件 {number} 在两处被同时办理：{done}，窗口 {event.window_code}（{event.clerk_login}）"
            f"的“{_action(event.kind)}”（第 {step} 步）与之冲突，未生效，办件现为“"
            f"{status_label(str(replayed.status))}”；两条记录都已保存，请值班主任核实处理"
        )
        if other is not None and other.kind == event.kind and event.kind in CONFLICT_REASON:
            # The same action twice (two certificates, two hand-overs): said as such, with its guidance.
            reason = CONFLICT_REASON[event.kind]
            what = REPEATED_ACTION[event.kind]
            message = f"办件 {number} 被重复{what}：两条记录都已保存，请值班主任核实处理"
        found.append(
            {
                "hall_code": hall_code,
                "case_number": number,
                "reason": reason,
                "event_id": event_id,
                "other_event_id": taken,
                "device_id": event.device_id,
                "window_code": event.window_code,
                "message": message,
                "detail": {
                    "step": step,
                    "kind": event.kind,
                    "other_kind": other.kind if other is not None else str(EventKind.CASE_DECIDED),
                    "other_window_code": other.window_code if other is not None else None,
                    "status": str(replayed.status),
                },
                "created_at": now,
            }
        )
        log.warning("lifecycle conflict on case %s: event %s against %s", number, event_id, taken)
    return found


def record(connection: Connection, db: ServerDB, pending: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert the `pending` conflict rows; returns those new to the database, each with its `id` (a
    conflict already recorded, by an earlier push of the same events, is not recorded or announced
    again)."""
    if not pending:
        return []
    statement = (
        dialect.insert(db, conflict)
        .on_conflict_do_nothing(index_elements=["reason", "event_id", "other_event_id"])
        .returning(conflict.c.id, conflict.c.reason, conflict.c.event_id, conflict.c.other_event_id)
    )
    ids = {
        (row.reason, row.event_id, row.other_event_id): row.id
        for row in connection.execute(statement, pending)
    }
    recorded = []
    for item in pending:
        conflict_id = ids.get((item["reason"], item["event_id"], item["other_event_id"]))
        if conflict_id is not None:
            recorded.append({**item, "id": conflict_id})
    return recorded
