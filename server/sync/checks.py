"""Checks on the events of a push, before anything of them is stored, and the refusals they answer.

First what needs nothing but the event, the device and the server's clock (`check_event`), then what needs
the database (`check_against_stored`: who may record it, the hall of its case, a case refused earlier).
Nothing of a refused event is stored; it is refused alone and the rest of the batch goes on.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, select

from app.bundles.numbers import parse_bundle_number
from app.case_number import parse_case_number
from app.clock import CHINA
from app.sync import events
from app.sync.authority import refusal
from app.sync.schema import parse_utc, shown
from app.sync.wire import AUDIT_KINDS, CONFLICT_DUPLICATE_CASE_NUMBER, EventKind, Rejection, WireEvent
from server import dialect, event_ids
from server.bulk import dumps
from server.models import case_record, conflict, device, enrollment
from server.store import ServerDB
from server.sync.device import Device

log = logging.getLogger("clerk.server.sync")


@dataclass
class Candidate:
    """An event that passed the checks on its own, with what they found out."""

    event: WireEvent
    order: int  # position in the batch after sorting by local_seq
    case_day: date
    case_window: str
    payload_json: str  # serialized once: checked, stored as the event payload and the case snapshot


def reject(event: WireEvent, code: str, message: str) -> Rejection:
    return Rejection(event_id=event.event_id, code=code, message=message)


def one_per_id(batch: Sequence[WireEvent]) -> tuple[list[WireEvent], list[WireEvent]]:
    """The batch in the window's order, one event per id (a retry inside one batch is one event), and the
    events whose id came again with other content (a reuse: the id is refused whole)."""
    first: dict[str, WireEvent] = {}
    ordered: list[WireEvent] = []
    reused: dict[str, WireEvent] = {}
    for event in sorted(batch, key=lambda e: e.local_seq):
        seen = first.get(event.event_id)
        if seen is None:
            first[event.event_id] = event
            ordered.append(event)
        elif (
            event.event_id not in reused
            and events.is_event_id(event.event_id)
            and event_ids.content_sha256(event) != event_ids.content_sha256(seen)
        ):
            reused[event.event_id] = event
    return ordered, list(reused.values())


# -- on its own ---------------------------------------------------------------------------------------
def check_event(event: WireEvent, order: int, device_: Device, now: datetime) -> Candidate | Rejection:
    """Checks that need nothing but the event, the device and the server's clock: the event's kind's
    schema (`app.sync.events`, the same the window checks before writing it), then what the device may
    send. Nothing of a refused event is stored."""
    where = f"事件 {shown(event.event_id)}"
    refused = events.check_content(event, now=now)
    if refused is not None:
        return reject(event, refused.code, f"{where}：{refused.message}")
    payload_json = dumps(event.payload)  # safe now: checked types, depth and numbers
    refused = events.check_size(event, payload_json)
    if refused is not None:
        return reject(event, refused.code, f"{where}：{refused.message}")
    if event.window_code != device_.window_code:
        return reject(
            event,
            "wrong_window",
            f"{where} 标明的窗口 {event.window_code} 与本设备登记的窗口 {device_.window_code} 不一致",
        )
    if event.kind in AUDIT_KINDS:  # about no case: dated by the device's clock, in the hall's time zone
        moment = parse_utc(event.device_time)  # checked above
        assert moment is not None
        return Candidate(event, order, moment.astimezone(CHINA).date(), device_.window_code, payload_json)
    number = parse_case_number(event.case_number)  # checked above
    if event.kind == EventKind.CASE_DECIDED:
        problem = _check_decided(event, number.window_code, number.day, device_)
        if problem is not None:
            return problem
    return Candidate(event, order, number.day, number.window_code, payload_json)


def _check_decided(event: WireEvent, number_window: str, day: date, device_: Device) -> Rejection | None:
    where = f"办件 {event.case_number} 的受理记录"
    if number_window != device_.window_code:
        return reject(
            event,
            "wrong_window",
            f"{where}：编号属于窗口 {number_window}，本设备登记的窗口是 {device_.window_code}，"
            "受理记录只能由编号所属窗口上传",
        )
    payload = event.payload  # its fields' types and values checked by its schema already
    if payload["number"] != event.case_number:
        return reject(
            event, "invalid", f"{where}：payload.number 为 {payload['number']}，与事件的办件编号不一致"
        )
    if payload["window_code"] != device_.window_code:
        return reject(
            event, "wrong_window", f"{where}：payload.window_code 为 {payload['window_code']}，不是本窗口"
        )
    hall_code = payload["hall_code"]
    if hall_code != device_.hall_code:
        return reject(
            event, "wrong_hall", f"{where}：所属大厅 {hall_code} 不是本设备登记的大厅 {device_.hall_code}"
        )
    received_on = date.fromisoformat(payload["received_on"])
    if received_on != day:
        return reject(event, "invalid", f"{where}：受理日期 {received_on} 与编号中的日期 {day} 不一致")
    return _check_bundle(event, payload.get("bundle_number"), number_window, day, where)


def _check_bundle(
    event: WireEvent, text: str | None, number_window: str, day: date, where: str
) -> Rejection | None:
    """A bundle number (its form and check character passed the schema) names the case's own window and
    day: a bundle is decided at one counter in one intake, so its cases can only be that window's that day."""
    if text is None:
        return None
    bundle = parse_bundle_number(text)
    if bundle.window_code != number_window:
        return reject(
            event,
            "wrong_window",
            f"{where}：一件事编号 {text} 属于窗口 {bundle.window_code}，办件属于窗口 {number_window}",
        )
    if bundle.day != day:
        return reject(
            event, "invalid", f"{where}：一件事编号 {text} 的日期 {bundle.day} 与办件受理日期 {day} 不一致"
        )
    return None


# -- against what is stored ---------------------------------------------------------------------------
def check_against_stored(
    connection: Connection, db: ServerDB, device_: Device, candidates: Sequence[Candidate]
) -> list[Rejection]:
    """Who may record each event (app.sync.authority: the holding window for a decision, any window of
    the case's hall for the rest; the person: server.sync.permits), the hall of the case (a case number
    belongs to its window code's hall, enrolled or not: a window the server has never bound to a hall is
    no hall's), and events of a case refused earlier."""
    # An event about no case is the device's own (its window checked by `check_event`): nothing to ask.
    rejections, allowed = _check_authority(
        device_, [c for c in candidates if c.event.kind not in AUDIT_KINDS]
    )
    others = [c for c in allowed if c.event.kind != EventKind.CASE_DECIDED]
    if others:
        rejections += _check_halls(connection, db, device_, others)
    return rejections


def _check_authority(
    device_: Device, candidates: Sequence[Candidate]
) -> tuple[list[Rejection], list[Candidate]]:
    rejections: list[Rejection] = []
    allowed: list[Candidate] = []
    for candidate in candidates:
        event = candidate.event
        refused = refusal(
            kind=event.kind,
            case_number=event.case_number,
            case_window=candidate.case_window,
            recorder_window=device_.window_code,
        )
        if refused is None:
            allowed.append(candidate)
            continue
        log.warning(
            "device %s (hall %s, window %s) may not record %s of case %s: refused",
            device_.device_id,
            device_.hall_code,
            device_.window_code,
            event.kind,
            event.case_number,
        )
        rejections.append(reject(event, refused.code, refused.message))
    return rejections, allowed


def _check_halls(
    connection: Connection, db: ServerDB, device_: Device, others: Sequence[Candidate]
) -> list[Rejection]:
    """The events of cases decided before (not in this event): the case's hall must be the device's, and
    its decision must not have been refused from this device as a duplicate number."""
    numbers = sorted({c.event.case_number for c in others})
    case_halls = dict(
        connection.execute(
            select(case_record.c.number, case_record.c.hall_code).where(
                dialect.among(db, case_record.c.number, numbers)
            )
        ).all()
    )
    unknown_windows = {c.case_window for c in others if c.event.case_number not in case_halls}
    window_halls = _window_halls(connection, db, device_, unknown_windows)
    refused = _refused_numbers(connection, db, device_, numbers)
    rejections: list[Rejection] = []
    for candidate in others:
        event = candidate.event
        hall = case_halls.get(event.case_number)
        halls = {hall} if hall is not None else window_halls.get(candidate.case_window, set())
        if device_.hall_code not in halls:  # fails closed: a window bound to no hall is not ours
            where = (
                f"属于大厅 {'、'.join(sorted(halls))}"
                if halls
                else f"的窗口 {candidate.case_window} 未在服务器登记"
            )
            rejections.append(
                reject(
                    event,
                    "wrong_hall",
                    f"办件 {event.case_number} {where}，本设备登记在大厅 {device_.hall_code}，"
                    "不能记录该办件的事项",
                )
            )
        elif event.case_number in refused:
            rejections.append(tainted(event))
    return rejections


def _window_halls(
    connection: Connection, db: ServerDB, device_: Device, windows: set[str]
) -> dict[str, set[str]]:
    """The halls each of `windows` is bound to by a device or an enrolment code (the device's own: its
    hall)."""
    window_halls: dict[str, set[str]] = defaultdict(set)
    window_halls[device_.window_code].add(device_.hall_code)
    unknown = sorted(windows - {device_.window_code})
    if unknown:
        for table in (device, enrollment):
            for window_code, hall_code in connection.execute(
                select(table.c.window_code, table.c.hall_code)
                .where(dialect.among(db, table.c.window_code, unknown))
                .distinct()
            ):
                window_halls[window_code].add(hall_code)
    return window_halls


def _refused_numbers(connection: Connection, db: ServerDB, device_: Device, numbers: list[str]) -> set[str]:
    """The numbers among `numbers` whose decision from this device was refused as a duplicate number."""
    return set(
        connection.execute(
            select(conflict.c.case_number).where(
                conflict.c.reason == CONFLICT_DUPLICATE_CASE_NUMBER,
                conflict.c.device_id == device_.device_id,
                dialect.among(db, conflict.c.case_number, numbers),
            )
        ).scalars()
    )


# -- refusals of a duplicate case number --------------------------------------------------------------
def duplicate_message(event: WireEvent) -> str:
    return (
        f"办件编号 {event.case_number} 在服务器上已被另一条受理记录占用，本条未保存。"
        "可能有两台电脑使用了同一个窗口编码，或本机从旧备份恢复；请立即停止在本窗口受理新办件，"
        "并联系大厅信息技术人员核对"
    )


def duplicate_rejection(event: WireEvent) -> Rejection:
    return reject(event, CONFLICT_DUPLICATE_CASE_NUMBER, duplicate_message(event))


def tainted(event: WireEvent) -> Rejection:
    """The refusal of an event of a case whose decision was refused as a duplicate number."""
    return reject(
        event,
        CONFLICT_DUPLICATE_CASE_NUMBER,
        f"办件 {event.case_number} 在本窗口的受理记录因编号重复被服务器拒绝，"
        "本条事项属于该被拒绝的办件，未保存；请联系大厅信息技术人员核对",
    )
