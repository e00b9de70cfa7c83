"""Checking the window's own record (`clerk audit verify`): read-only.

1. The hash chain of the outbox (app.audit.chain), walked in the outbox's order from the first event: each
   event's hash computed again from its stored columns must be the one it carries (else its content was
   changed after it was recorded), and the previous hash it carries must be the previous event's (else an
   event before it was removed, or events were put in another order, or the chain was started again).
2. Each case row against the snapshot its `case.decided` event recorded (`app.acceptance.case_snapshot`):
   a case row edited by hand, its event left alone, is found too. The status is left out (approval and
   hand-over move it on after the decision), and only the fields the event recorded are compared, so a
   case decided by an older version (fewer fields) is not a finding.

What it cannot see: the newest events removed together (nothing after them points back at them). The
server, which keeps the last hash it received from this window, finds that at the next push.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.acceptance import case_snapshot
from app.audit import chain
from app.clock import hall_time_text
from app.sync.outbox import EVENT_COLUMNS
from app.sync.wire import EVENT_KIND_LABEL, EventKind
from db.models import Case, CaseEvent
from db.store import Store

_STEP = 5000  # rows read at a time: a million events never sit in memory at once
_NOT_COMPARED = frozenset({"status"})  # moved on after the decision


class Broken(StrEnum):
    CONTENT_CHANGED = "content_changed"  # the event's own hash does not match its columns
    CHAIN_BROKEN = "chain_broken"  # its previous hash is not the previous event's
    CASE_CHANGED = "case_changed"  # the case row differs from its decision's snapshot


WHAT_BROKE = {
    Broken.CONTENT_CHANGED: "内容在记录后被改动（哈希不符）",
    Broken.CHAIN_BROKEN: "与前一条事件衔接不上：其前的事件被删除、顺序被改动或哈希链被重新开始",
    Broken.CASE_CHANGED: "办件表中的内容与受理时记录的不一致，办件被改动过",
}


@dataclass(frozen=True)
class Finding:
    problem: Broken
    local_seq: int | None  # the outbox row (None for a case row)
    event_id: str | None
    case_number: str
    kind: str
    device_time: datetime | None  # naive UTC
    detail: str  # which fields differ, for a case

    @property
    def message(self) -> str:
        where = f"第 {self.local_seq} 条事件" if self.local_seq is not None else "办件"
        case = f"办件 {self.case_number}" if self.case_number else "不属于办件"
        label = EVENT_KIND_LABEL.get(self.kind, self.kind)
        when = f"，{hall_time_text(self.device_time)}" if self.device_time else ""
        detail = f"（{self.detail}）" if self.detail else ""
        return f"{where}（{case}，{label}{when}）：{WHAT_BROKE[self.problem]}{detail}"

    def to_json(self) -> dict[str, Any]:
        return {
            "problem": str(self.problem),
            "local_seq": self.local_seq,
            "event_id": self.event_id,
            "case_number": self.case_number,
            "kind": self.kind,
            "device_time": chain.utc_text(self.device_time) if self.device_time else None,
            "detail": self.detail,
            "message": self.message,
        }


@dataclass(frozen=True)
class Verification:
    events: int
    cases: int
    findings: list[Finding]

    @property
    def intact(self) -> bool:
        return not self.findings


def verify(store: Store) -> Verification:
    """The chain of every event, then every case row against its decision (see above)."""
    findings: list[Finding] = []
    count = 0
    for finding in _walk_chain(store):
        if isinstance(finding, Finding):
            findings.append(finding)
        else:
            count = finding
    cases = 0
    for finding_or_count in _check_cases(store):
        if isinstance(finding_or_count, Finding):
            findings.append(finding_or_count)
        else:
            cases = finding_or_count
    return Verification(count, cases, findings)


def _walk_chain(store: Store) -> Iterator[Finding | int]:
    expected = chain.GENESIS
    after, count = 0, 0
    with store.read() as session:
        while True:
            rows = session.execute(
                select(*EVENT_COLUMNS).where(CaseEvent.id > after).order_by(CaseEvent.id).limit(_STEP)
            ).all()
            if not rows:
                break
            for local_seq, event_id, number, kind, payload, clerk, window, moment, prev, own in rows:
                count += 1
                after = local_seq
                if prev != expected:
                    yield Finding(Broken.CHAIN_BROKEN, local_seq, event_id, number, kind, moment, "")
                if _hash_of(event_id, number, kind, payload, clerk, window, moment, prev) != own:
                    yield Finding(Broken.CONTENT_CHANGED, local_seq, event_id, number, kind, moment, "")
                expected = own  # go on from the hash it carries: one edit is one finding
    yield count


def _hash_of(
    event_id: str,
    number: str,
    kind: str,
    payload: str,
    clerk: str,
    window: str,
    moment: datetime,
    prev: str,
) -> str | None:
    try:
        return chain.event_hash(
            prev_hash=prev,
            event_id=event_id,
            case_number=number,
            kind=kind,
            payload=json.loads(payload),
            clerk_login=clerk,
            window_code=window,
            device_time=chain.utc_text(moment),
        )
    except (ValueError, TypeError, AttributeError):  # a payload edited into something that is not JSON
        return None


def _check_cases(store: Store) -> Iterator[Finding | int]:
    after, count = 0, 0
    with store.read() as session:
        while True:
            cases = session.scalars(
                select(Case)
                .where(Case.id > after)
                .order_by(Case.id)
                .limit(_STEP // 10)
                .options(selectinload(Case.materials), selectinload(Case.findings))
            ).all()
            if not cases:
                break
            recorded = {
                number: (payload, device_time)
                for number, payload, device_time in session.execute(
                    select(CaseEvent.case_number, CaseEvent.payload, CaseEvent.device_time).where(
                        CaseEvent.kind == EventKind.CASE_DECIDED,
                        CaseEvent.case_number.in_([c.number for c in cases]),
                    )
                )
            }
            for case in cases:
                after = case.id
                count += 1
                decided = recorded.get(case.number)
                if decided is None:
                    continue  # no decision of it here (a case restored from the server)
                differ = _differences(decided[0], case_snapshot(case), "")
                if differ:
                    shown = "、".join(differ[:5]) + (" 等" if len(differ) > 5 else "")
                    yield Finding(
                        Broken.CASE_CHANGED,
                        None,
                        None,
                        case.number,
                        EventKind.CASE_DECIDED,
                        decided[1],
                        f"不一致的字段：{shown}",
                    )
            session.expunge_all()
    yield count


def _differences(recorded: Any, current: Any, path: str) -> list[str]:
    """The paths where `current` differs from `recorded`, on the fields `recorded` has."""
    if isinstance(recorded, dict) and isinstance(current, dict):
        found: list[str] = []
        for key, value in recorded.items():
            if not path and key in _NOT_COMPARED:
                continue
            found += _differences(value, current.get(key), f"{path}.{key}" if path else key)
        return found
    if isinstance(recorded, list) and isinstance(current, list):
        if len(recorded) != len(current):
            return [path]
        found = []
        for i, (a, b) in enumerate(zip(recorded, current, strict=True)):
            found += _differences(a, b, f"{path}[{i}]")
        return found
    return [] if recorded == current else [path]
