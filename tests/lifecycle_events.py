"""Events of a case's later life as app.lifecycle.events shapes them, for the server tests: `change` makes
one of a step (its kind's own fields filled with plausible values unless given), `rating` a 好差评, and
`People` puts the hall's accounts on the server."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from fastapi import FastAPI

from app.sync import wire
from app.sync.wire import EventKind
from server import account_changes, accounts
from tests.server_fixtures import DAY, HALL, START, certificate_payload, decided, follow_up, window_key

DUES = {
    "legal_due": None,
    "legal_due_uncertain": False,
    "promised_date": None,
    "promised_date_uncertain": False,
}
_DAY = DAY.isoformat()

# Each kind's own fields (besides step, from_status, to_status, role), as a window would fill them.
DETAILS: dict[str, dict[str, Any]] = {
    EventKind.CASE_SUPPLEMENTED: {
        "visit": 1,
        "day": _DAY,
        "asked": ["M01"],
        "materials": [],
        "outcome": "accepted",
        "findings": [],
        "warnings": [],
        "accepted_on": _DAY,
        "supplement_deadline": None,
        "tolerated": [],
        **DUES,
    },
    EventKind.TOLERATED_SUPPLIED: {
        "visit": 1,
        "day": _DAY,
        "asked": ["M02"],
        "materials": [],
        "findings": [],
        "remaining": [],
    },
    EventKind.REVIEW_STARTED: {"day": _DAY},
    EventKind.CASE_SUSPENDED: {
        "kind": "expert_review",
        "reason": "组织专家评审",
        "start": _DAY,
        "expected_end": "2026-11-30",
    },
    EventKind.CASE_RESUMED: {"actual_end": "2026-11-27", **DUES},
    EventKind.CASE_EXTENDED: {
        "days": 10,
        "reason": "情况复杂",
        "approved_by": "陈局长",
        "approved_on": _DAY,
        "legal_due": "2027-01-15",
        "legal_due_uncertain": False,
    },
    EventKind.CASE_REFUSED: {"day": _DAY, "reasons": "不符合规划条件", "basis": "《城乡规划法》第四十条"},
    EventKind.CASE_MAILED: {
        "day": _DAY,
        "recipient": "李明",
        "phone": "13912345678",
        "address": "四川省示例市锦江区红星路三段1号",
        "carrier": "ems",
        "tracking_number": "1234567890123",
    },
    EventKind.CASE_WITHDRAWN: {"day": _DAY, "reason": "申请人书面撤回", "request_day": _DAY},
    EventKind.CASE_TERMINATED: {"day": _DAY, "reason": "逾期未补正", "basis": "一次性告知书载明的后果"},
    EventKind.CASE_CORRECTED: {
        "reason": "电话录入有误",
        "changes": [{"field": "applicant_phone", "old": "028-61881234", "new": "028-61881235"}],
    },
    EventKind.CERTIFICATE_REVOKED: {
        "day": _DAY,
        "reason": "以欺骗手段取得",
        "basis": "《行政许可法》第六十九条",
    },
}


def change(
    kind: str,
    number: str,
    *,
    step: int,
    source: str,
    target: str,
    window: str,
    clerk: str,
    local_seq: int,
    role: str = "approver",
    at: datetime = START,
    **details: Any,
) -> wire.WireEvent:
    """An event of `kind` that makes step `step` of case `number` (from `source` to `target`)."""
    if kind == EventKind.CERTIFICATE_ISSUED:
        own = certificate_payload(number, key=window_key(window), approver=clerk)
    else:
        own = dict(DETAILS.get(kind, {}))
    own.update(details)
    payload = {"step": step, "from_status": source, "to_status": target, "role": role, **own}
    return _event(kind, number, payload, window=window, clerk=clerk, local_seq=local_seq, at=at)


def rating(
    number: str,
    service_event_id: str,
    *,
    level: int,
    window: str,
    clerk: str,
    local_seq: int,
    reason: str | None = None,
) -> wire.WireEvent:
    payload = {"service_event_id": service_event_id, "level": level, "reason": reason}
    return _event(EventKind.SERVICE_RATED, number, payload, window=window, clerk=clerk, local_seq=local_seq)


def _event(
    kind: str,
    number: str,
    payload: dict[str, Any],
    *,
    window: str,
    clerk: str,
    local_seq: int,
    at: datetime = START,
) -> wire.WireEvent:
    return follow_up(kind, number, window=window, local_seq=local_seq, clerk=clerk, at=at, payload=payload)


def awaiting_supplement(window: str, serial: int, *, clerk: str, day: date = DAY) -> wire.WireEvent:
    """The decision of a case told to come back with a supplement (补正告知)."""
    [event] = decided(window, [serial], clerk=clerk, day=day)
    payload = {
        **event.payload,
        "decision": "supplement_required",
        "status": "awaiting_supplement",
        "promised_date": None,
        "supplement_deadline": "2026-11-27",
    }
    return replace(event, payload=payload)


@dataclass(frozen=True)
class People:
    """The hall's accounts the tests name: a clerk, an approver, one who is both, a supervisor, and an
    approver whose account is disabled."""

    clerk: str = "wang.fang"
    approver: str = "li.wen"
    both: str = "chen.both"
    supervisor: str = "zhu.ren"
    disabled: str = "gone.away"

    def add(self, app: FastAPI) -> None:
        db, now = app.state.db, app.state.clock()
        for login, name, roles in (
            (self.clerk, "王芳", ["clerk"]),
            (self.approver, "李文", ["approver"]),
            (self.both, "陈两全", ["clerk", "approver"]),
            (self.supervisor, "朱任", ["supervisor"]),
            (self.disabled, "高离", ["approver"]),
        ):
            accounts.add_account(
                db,
                hall_code=HALL,
                login=login,
                name=name,
                roles=roles,
                password="own-pass-1",
                now=now,
                valid_days=None,
            )
        account_changes.disable(db, hall_code=HALL, login=self.disabled, now=now)
