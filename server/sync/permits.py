"""Whether the person an event names may record it: the server's account list is the line.

Any active window PC of a case's hall may record the case's later life (app.sync.authority: the back office
at another PC, 窗口统一出件 at any window). A PC signs whatever login it is given — a stolen or misused PC
of the hall can name anyone — so the server checks the named person against its own accounts before it
stores an event that needs a person:
- every event of the case's later life (`app.lifecycle.events`: the new kinds, 好差评 included), the
  captured pages (`case.pages_attached`: the person who took and kept them; no older window sends it), every
  event carrying a step (`from_status`), and every event from a PC that does not hold the case;
- the account (hall, `clerk_login`) must exist on the server and not be disabled, and its roles grant the
  permission the event's row of the status table needs (`app.sync.authority.permission_of`; a rating:
  RECORD_RATING; a document: PRINT);
- 四分离 (`app.accounts.roles.SEPARATIONS`): the account that accepted the case (`case_record.clerk_login`,
  or the decision earlier in the same push) may not approve or refuse it.
Otherwise the event is refused alone (`not_permitted`), the message naming the person, the action and the
role missing. An event of a status kind without a step from a PC that does not hold the case is refused
`not_holder`: only the holding window of an older version sends that shape, and its events keep today's
behaviour (no account check: the holding window's PC and its own cases).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from app.accounts.roles import (
    GRANTS,
    SEPARATIONS,
    Duty,
    Permission,
    PermissionDenied,
    require,
    require_apart,
)
from app.cases.status import STATUS_EVENTS
from app.lifecycle.events import SCHEMAS as LIFECYCLE_SCHEMAS
from app.sync.authority import permission_needed
from app.sync.wire import (
    EVENT_KIND_LABEL,
    REJECTION_NOT_HOLDER,
    REJECTION_NOT_PERMITTED,
    EventKind,
    Rejection,
)
from server import dialect
from server.models import account, case_record
from server.store import ServerDB
from server.sync.checks import Candidate, reject
from server.sync.device import Device

log = logging.getLogger("clerk.server.sync")

# The kinds whose named person is always checked, whichever PC sends them.
PERSON_KINDS = frozenset({*LIFECYCLE_SCHEMAS, EventKind.PAGES_ATTACHED})
KEPT_APART = frozenset(s.permission for s in SEPARATIONS)


def _stepped(candidate: Candidate) -> bool:
    return isinstance(candidate.event.payload.get("from_status"), str)


def needs_person(candidate: Candidate, device_: Device) -> bool:
    return (
        candidate.event.kind in PERSON_KINDS
        or _stepped(candidate)
        or candidate.case_window != device_.window_code
    )


def check_recorders(
    connection: Connection,
    db: ServerDB,
    device_: Device,
    candidates: Sequence[Candidate],
    batch: Sequence[Candidate],
) -> list[Rejection]:
    """Refusals of the events among `candidates` (of cases of the device's hall) whose named person may not
    record them; `batch`: every candidate of the push (a decision earlier in it names the acceptor)."""
    rejections: list[Rejection] = []
    checked: list[Candidate] = []
    for candidate in candidates:
        event = candidate.event
        if (
            candidate.case_window != device_.window_code
            and event.kind in STATUS_EVENTS
            and not _stepped(candidate)
        ):
            rejections.append(_older_form(candidate, device_))
        elif needs_person(candidate, device_):
            checked.append(candidate)
    if not checked:
        return rejections
    logins = sorted({c.event.clerk_login for c in checked})
    people = {
        row.login: row
        for row in connection.execute(
            select(account.c.login, account.c.name, account.c.roles, account.c.disabled_at).where(
                account.c.hall_code == device_.hall_code, dialect.among(db, account.c.login, logins)
            )
        )
    }
    acceptors = _acceptors(connection, db, checked, batch)
    for candidate in checked:
        refused = _refusal(candidate, device_, people.get(candidate.event.clerk_login), acceptors)
        if refused is not None:
            log.warning(
                "device %s (hall %s, window %s): %s of case %s by %r refused: %s",
                device_.device_id,
                device_.hall_code,
                device_.window_code,
                candidate.event.kind,
                candidate.event.case_number,
                candidate.event.clerk_login,
                refused.message,
            )
            rejections.append(refused)
    return rejections


def _older_form(candidate: Candidate, device_: Device) -> Rejection:
    event = candidate.event
    what = EVENT_KIND_LABEL.get(event.kind, event.kind)
    return reject(
        event,
        REJECTION_NOT_HOLDER,
        f"办件 {event.case_number} 由窗口 {candidate.case_window} 受理；窗口 {device_.window_code} 提交的"
        f"“{what}”没有办理步骤（旧版本窗口的格式），这种记录只能由受理窗口提交，本条未保存",
    )


def _acceptors(
    connection: Connection, db: ServerDB, checked: Sequence[Candidate], batch: Sequence[Candidate]
) -> dict[str, str]:
    """The login that accepted each case whose events need 四分离 checked: stored, or decided in `batch`."""
    numbers = sorted({c.event.case_number for c in checked if _permission(c) in KEPT_APART})
    if not numbers:
        return {}
    acceptors = {
        number: login
        for number, login in connection.execute(
            select(case_record.c.number, case_record.c.clerk_login).where(
                dialect.among(db, case_record.c.number, numbers)
            )
        )
    }
    for c in batch:
        if c.event.kind == EventKind.CASE_DECIDED and c.event.case_number in numbers:
            accepted_by = c.event.payload.get("clerk_login") or c.event.clerk_login
            acceptors.setdefault(c.event.case_number, str(accepted_by))
    return acceptors


def _permission(candidate: Candidate) -> Permission | None:
    event = candidate.event
    return permission_needed(event.kind, event.payload)


def _refusal(
    candidate: Candidate, device_: Device, person: Any, acceptors: dict[str, str]
) -> Rejection | None:
    event = candidate.event
    login = event.clerk_login
    permission = _permission(candidate)
    what = EVENT_KIND_LABEL.get(event.kind, event.kind)
    where = f"办件 {event.case_number} 的“{what}”"
    if permission is None:  # the schema's check keeps this from happening; fail closed all the same
        return reject(event, REJECTION_NOT_PERMITTED, f"{where}：无法确定所需权限，本条未保存")
    grant = GRANTS[permission]
    if person is None or person.disabled_at is not None:
        return reject(
            event,
            REJECTION_NOT_PERMITTED,
            f"{where}：记录人账号 {login} 不是大厅 {device_.hall_code} 在服务器上的在用账号"
            f"（没有该账号或已停用），不能{grant.label}，本条未保存",
        )
    who = f"{person.name}（{login}）"
    try:
        require(person.roles.split(), permission, who=who)
        if permission in KEPT_APART:
            acceptor = acceptors.get(event.case_number)
            if acceptor is None:
                return reject(
                    event,
                    REJECTION_NOT_PERMITTED,
                    f"{where}：服务器上还没有本办件的受理记录，无法核对受理人与审批人是否分离，本条未保存；"
                    "请受理窗口先同步",
                )
            require_apart(permission, [Duty.ACCEPTED] if acceptor == login else [], who=who)
    except PermissionDenied as denied:
        return reject(event, REJECTION_NOT_PERMITTED, f"{where}：{denied}，本条未保存")
    return None


def check_preparers(
    connection: Connection, db: ServerDB, device_: Device, candidates: Sequence[Candidate]
) -> list[Rejection]:
    """Refusals of the decisions among `candidates` whose `prepared_by` (issue 15: the helper whose
    draft was taken in) is not an active account of the device's hall that may prepare drafts
    (Permission.PREPARE_DRAFT: the 帮办员 role). A decision without it is not checked (older windows)."""
    named = [
        c
        for c in candidates
        if c.event.kind == EventKind.CASE_DECIDED and isinstance(c.event.payload.get("prepared_by"), dict)
    ]
    if not named:
        return []
    logins = sorted({str(c.event.payload["prepared_by"].get("login")) for c in named})
    people = {
        row.login: row
        for row in connection.execute(
            select(account.c.login, account.c.name, account.c.roles, account.c.disabled_at).where(
                account.c.hall_code == device_.hall_code, dialect.among(db, account.c.login, logins)
            )
        )
    }
    rejections: list[Rejection] = []
    for candidate in named:
        event = candidate.event
        login = str(event.payload["prepared_by"].get("login"))
        person = people.get(login)
        where = f"办件 {event.case_number} 记载的帮办员 {login}"
        if person is None or person.disabled_at is not None:
            message = (
                f"{where}不是大厅 {device_.hall_code} 在服务器上的在用账号（没有该账号或已停用），本条未保存"
            )
        else:
            try:
                require(person.roles.split(), Permission.PREPARE_DRAFT, who=f"{person.name}（{login}）")
                continue
            except PermissionDenied as denied:
                message = f"{where}：{denied}，本条未保存"
        log.warning(
            "device %s: decision of case %s refused: %s", device_.device_id, event.case_number, message
        )
        rejections.append(reject(event, REJECTION_NOT_PERMITTED, message))
    return rejections
