"""Pulled `certificate.issued` changes: a certificate issued in this hall, with its key as the server
registered it.

Trusted only when the seal of the window that recorded it — a key of a window of this hall that the server
registered, carried with the change — vouches for it (app.sync.certificate_event, the server's own check;
the back office approves at its own PC and seals with its own key): then its key joins this window's key
directory, so the certificate verifies here offline, and for a case this window holds (accepted here or
fetched) the certificate is stored and the case moves on by the issue's step (app.lifecycle.apply), or by
the status table for an older window's event. A key id this window holds with another key is never
replaced. Anything not vouched for is logged and not stored (at ERROR when it concerns a case held here).
Our own issue coming back, or a second one (a conflict the server lists), stores nothing but its key.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.case_number import CaseNumberError, parse_case_number
from app.cases.status import status_after
from app.licences import licence_fields_json
from app.lifecycle.apply import Recorded, applies, apply_change
from app.sync import wire
from app.sync.certificate_event import CertificateEventError, carried_key, check_sealed
from app.sync.changes import Applying
from app.sync.events import CERTIFICATE_FIELDS, LICENCE_FIELDS_SPEC
from app.sync.pulled_keys import join_directory
from app.sync.schema import Problem, Text
from app.sync.wire import EventKind
from db.models import Case, CaseEvent, Certificate

log = logging.getLogger("clerk.sync")


def apply_certificate(applying: Applying, change: wire.Change) -> int:
    session = applying.session
    payload = change.payload
    number = payload.get("case_number")
    try:
        valid_number = isinstance(number, str) and parse_case_number(number) is not None
    except CaseNumberError:
        valid_number = False
    if not isinstance(number, str) or not valid_number:
        log.error("certificate change %s names no valid case number; not stored", change.seq)
        return 0
    if session.scalars(select(CaseEvent.id).where(CaseEvent.event_id == payload.get("event_id"))).first():
        return 0  # our own issue coming back
    case = session.scalars(select(Case).where(Case.number == number)).first()
    where = f"certificate change {change.seq} for case {number}"
    joined = vouched_key(session, payload, where=where, today=applying.today, held=case is not None)
    if joined is None:
        return 0
    if case is None:
        return joined
    row = certificate_row(payload, where=where)
    if (
        row is None
        or session.scalars(select(Certificate.id).where(Certificate.case_number == number)).first()
    ):
        return joined
    session.add(row)
    _step(applying, case, payload)
    log.info(
        "certificate %s for case %s issued on another PC, verified and stored", row.certificate_id, number
    )
    return 1


def vouched_key(
    session: Session, payload: dict[str, Any], *, where: str, today: date, held: bool
) -> int | None:
    """Whether the certificate in `payload` (a `certificate.issued` change's, or a fetched case's) is
    vouched for by the key it carries, a key the server registered for the window that recorded it: None
    when not (logged: at ERROR for a case `held` here); else the key joins the directory (1 added, 0 held)."""
    refuse = log.error if held else log.warning
    number = str(payload.get("case_number"))
    try:
        key = carried_key(payload)
    except CertificateEventError as error:
        refuse("%s refused: %s", where, error)
        return None
    recorder = payload.get("window_code")
    if key is None:
        problem: str | None = f"办件 {number} 的证照没有附签发密钥，无法核验"
    elif not isinstance(recorder, str):
        problem = f"办件 {number} 的证照没有注明签发窗口"
    else:
        problem = check_sealed(payload, case_number=number, window_code=recorder, key=key, today=today)
    if key is None or problem is not None:
        refuse("%s refused, not stored: %s", where, problem)
        return None
    return join_directory(session, key, where=where, refuse=refuse)


def certificate_row(payload: dict[str, Any], *, where: str) -> Certificate | None:
    """The certificate row of a vouched-for `payload`; None (logged) when its fields are incomplete."""
    values = {k: payload.get(k) for k in CERTIFICATE_FIELDS}
    if not all(isinstance(v, str) and v for v in values.values()):
        log.error("%s: the certificate is incomplete; not stored", where)
        return None
    fields: dict[str, str] = {k: str(v) for k, v in values.items()}
    issued_on = date.fromisoformat(fields.pop("issued_on"))  # checked against the seal: a date
    raw_until = payload.get("valid_until")
    valid_until = date.fromisoformat(raw_until) if isinstance(raw_until, str) else None
    licence_type, licence_fields = _licence(payload, where)
    return Certificate(
        case_number=str(payload["case_number"]),
        issued_on=issued_on,
        valid_until=valid_until,
        licence_type=licence_type,
        licence_fields=licence_fields,
        **fields,
    )


def _step(applying: Applying, case: Case, payload: dict[str, Any]) -> None:
    """The case moves on by the issue: its step when the event carries one and it follows the case here
    (else the case is fetched again after the round: app.sync.client), by the status table otherwise (an
    older window's event)."""
    kind = EventKind.CERTIFICATE_ISSUED
    if "step" not in payload:
        moved = status_after(case.status, kind)
        if moved is not None:
            case.status = moved.value
        return
    if applies(case, kind, payload):
        by = Recorded(
            event_id=str(payload.get("event_id")),
            clerk_login=str(payload.get("approver_login")),
            window_code=str(payload.get("window_code")),
            at=applying.now,
        )
        apply_change(applying.session, case, kind, payload, by)
    elif payload["step"] != case.step:
        case.refresh_needed = True
        log.warning(
            "case %s: certificate issued at step %s does not follow the case here (step %s, %s); "
            "the case is fetched again",
            case.number,
            payload["step"],
            case.step,
            case.status,
        )


def _licence(payload: dict[str, Any], where: str) -> tuple[str | None, str | None]:
    """The licence type and fields a pulled certificate carries, checked again by the wire's schema (the
    seal does not cover them; the server checked them, and so does this window); none from a window before
    templates, or when they fail (logged: the certificate then prints with the general template)."""
    problems: list[Problem] = []
    licence_type, entries = payload.get("licence_type"), payload.get("fields")
    if licence_type is not None:
        Text(40).check(licence_type, "licence_type", problems)
    if entries is not None:
        LICENCE_FIELDS_SPEC.check(entries, "fields", problems)
    if problems:
        log.error("%s: licence fields not stored: %s", where, problems[0])
        return None, None
    if not isinstance(entries, dict):
        return (licence_type if isinstance(licence_type, str) else None), None
    pairs = tuple((str(k), str(v)) for k, v in entries.items())
    return (licence_type if isinstance(licence_type, str) else None), licence_fields_json(pairs)
