"""A helper's client list (issue 15, 我的代办/帮办件): the cases of the device's hall whose decision names the
helper as who prepared them (`case_preparer`), at any window of the hall, with status and deadlines.

Who may ask: the device authenticates as ever; the helper named is an enabled account of the device's hall
that may prepare drafts, and is the person signed in on that device now, as the device's own signed audit
chain says (the last `audit.signed_in` / `audit.unlocked` / `audit.signed_out` the device pushed names them
and is not a sign-out). The window pushes its outbox before asking, so a sign-in made offline is known. A
device never learns another helper's cases, nor another hall's.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from app.accounts.roles import GRANTS, Permission, may
from app.sync.wire import MAX_HELPER_CASES, EventKind
from server.admin import AdminError
from server.models import account, case_event, case_preparer, case_record
from server.store import ServerDB
from server.sync import Device

NOT_SIGNED_IN = "not_signed_in"
SESSION_KINDS = (str(EventKind.SIGNED_IN), str(EventKind.UNLOCKED), str(EventKind.SIGNED_OUT))


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def signed_in_login(db: ServerDB, device_: Device) -> str | None:
    """Who is signed in on the device now, as its pushed audit chain says; None: nobody (signed out)."""
    with db.read() as connection:
        row = connection.execute(
            select(case_event.c.kind, case_event.c.clerk_login)
            .where(case_event.c.device_id == device_.device_id, case_event.c.kind.in_(SESSION_KINDS))
            .order_by(case_event.c.local_seq.desc())
            .limit(1)
        ).first()
    if row is None or row.kind == EventKind.SIGNED_OUT:
        return None
    return str(row.clerk_login)


def helper_cases(db: ServerDB, device_: Device, *, login: str) -> dict[str, Any]:
    """The answer of HELPER_CASES_PATH; AdminError 403 (`not_signed_in`, `role_missing`) otherwise."""
    with db.read() as connection:
        person = connection.execute(
            select(account.c.name, account.c.roles, account.c.disabled_at).where(
                account.c.hall_code == device_.hall_code, account.c.login == login
            )
        ).first()
    if person is None or person.disabled_at is not None:
        raise AdminError(403, NOT_SIGNED_IN, f"{login} 不是本大厅的在用账号，不能查询其代办/帮办件")
    if not may(person.roles.split(), Permission.PREPARE_DRAFT):
        label = GRANTS[Permission.PREPARE_DRAFT].label
        raise AdminError(403, "role_missing", f"账号 {login}（{person.name}）不能{label}，没有代办/帮办件")
    if signed_in_login(db, device_) != login:
        raise AdminError(
            403,
            NOT_SIGNED_IN,
            f"{person.name}（{login}）没有登录在本设备上（以本设备已同步的登录记录为准）：请先同步再查询",
        )
    query = (
        select(
            case_record.c.number,
            case_record.c.window_code,
            case_record.c.item_code,
            case_record.c.decision,
            case_record.c.status,
            case_record.c.received_on,
            case_record.c.snapshot,
            case_record.c.timing,
            case_preparer.c.draft_id,
            case_preparer.c.agency,
        )
        .join(case_record, case_record.c.number == case_preparer.c.case_number)
        .where(case_preparer.c.hall_code == device_.hall_code, case_preparer.c.helper_login == login)
        .order_by(case_record.c.received_on.desc(), case_record.c.number.desc())
        .limit(MAX_HELPER_CASES + 1)
    )
    with db.read() as connection:
        rows = list(connection.execute(query))
    cases = [_entry(row) for row in rows[:MAX_HELPER_CASES]]
    return {
        "login": login,
        "hall_code": device_.hall_code,
        "cases": cases,
        "truncated": len(rows) > MAX_HELPER_CASES,
    }


def _entry(row: Any) -> dict[str, Any]:
    snapshot = _json(row.snapshot)
    timing = _json(row.timing) or {}
    return {
        "number": row.number,
        "window_code": row.window_code,
        "item_code": row.item_code,
        "item_name": snapshot.get("item_name", ""),
        "applicant_name": snapshot.get("applicant", {}).get("name", ""),
        "decision": row.decision,
        "status": row.status,
        "received_on": row.received_on.isoformat(),
        "promised_date": timing.get("promised_date", snapshot.get("promised_date")),
        "legal_due": timing.get("legal_due"),
        "supplement_deadline": timing.get("supplement_deadline", snapshot.get("supplement_deadline")),
        "draft_id": row.draft_id,
        "agency": bool(row.agency),
    }
