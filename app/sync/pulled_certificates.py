"""Pulled `certificate.issued` changes: a certificate issued in this hall, with its key as the server
registered it.

Trusted only when the seal of the window holding the case vouches for it (app.sync.certificate_event, the
server's own check): then its key joins this window's key directory, so the certificate verifies here
offline, and for a case this window holds the certificate is stored and the case moves on by the status
table (accepted → approved). A key id this window holds with another key is never replaced. Anything not
vouched for is logged and not stored (at ERROR when it concerns a case held here). Our own issue coming
back, or a second one (a conflict the server lists), stores nothing but its key.
"""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import select

from app.case_number import CaseNumberError, parse_case_number
from app.cases.status import status_after
from app.certificates import key_row
from app.licences import licence_fields_json
from app.sync import wire
from app.sync.certificate_event import CertificateEventError, carried_key, check_sealed
from app.sync.changes import Applying
from app.sync.events import CERTIFICATE_FIELDS, LICENCE_FIELDS_SPEC
from app.sync.schema import Problem, Text
from app.sync.wire import EventKind
from db.models import Case, CaseEvent, Certificate
from db.models import OfficeKey as OfficeKeyRow

log = logging.getLogger("clerk.sync")


def apply_certificate(applying: Applying, change: wire.Change) -> int:
    session = applying.session
    payload = change.payload
    number = payload.get("case_number")
    try:
        case_window = parse_case_number(number).window_code if isinstance(number, str) else None
    except CaseNumberError:
        case_window = None
    if not isinstance(number, str) or case_window is None:
        log.error("certificate change %s names no valid case number; not stored", change.seq)
        return 0
    if session.scalars(select(CaseEvent.id).where(CaseEvent.event_id == payload.get("event_id"))).first():
        return 0  # our own issue coming back
    case = session.scalars(select(Case).where(Case.number == number)).first()
    refuse = log.error if case is not None else log.warning
    try:
        key = carried_key(payload)
    except CertificateEventError as error:
        refuse("certificate change %s for case %s refused: %s", change.seq, number, error)
        return 0
    problem = (
        f"办件 {number} 的证照没有附签发密钥，无法核验"
        if key is None
        else check_sealed(payload, case_number=number, window_code=case_window, key=key, today=applying.today)
    )
    if key is None or problem is not None:
        refuse("certificate change %s for case %s refused, not stored: %s", change.seq, number, problem)
        return 0
    applied = 0
    local = session.get(OfficeKeyRow, key.key_id)
    if local is None:
        session.add(key_row(key))
        applied = 1
        log.info("signing key %s of window %s added to the key directory", key.key_id, case_window)
    elif (local.algorithm, local.public_key, local.office_code) != (
        key.algorithm,
        key.public_key.hex(),
        key.office_code,
    ):
        refuse(
            "certificate change %s for case %s refused: its key id %s is held here with another key, "
            "which is kept",
            change.seq,
            number,
            key.key_id,
        )
        return 0
    if case is None:
        return applied
    if session.scalars(select(Certificate.id).where(Certificate.case_number == number)).first():
        return applied
    values = {k: payload.get(k) for k in CERTIFICATE_FIELDS}
    if not all(isinstance(v, str) and v for v in values.values()):
        log.error("certificate change %s for %s is incomplete; not stored", change.seq, number)
        return applied
    fields: dict[str, str] = {k: str(v) for k, v in values.items()}
    issued_on = date.fromisoformat(fields.pop("issued_on"))  # checked against the seal: a date
    raw_until = payload.get("valid_until")
    valid_until = date.fromisoformat(raw_until) if isinstance(raw_until, str) else None
    licence_type, licence_fields = _licence(payload, change.seq, number)
    session.add(
        Certificate(
            case_number=number,
            issued_on=issued_on,
            valid_until=valid_until,
            licence_type=licence_type,
            licence_fields=licence_fields,
            **fields,
        )
    )
    moved = status_after(case.status, EventKind.CERTIFICATE_ISSUED)
    if moved is not None:
        case.status = moved.value
    log.info(
        "certificate %s for case %s issued on another PC, verified and stored",
        fields["certificate_id"],
        number,
    )
    return 1


def _licence(payload: dict[str, object], seq: int, number: str) -> tuple[str | None, str | None]:
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
        log.error("certificate change %s for %s: licence fields not stored: %s", seq, number, problems[0])
        return None, None
    if not isinstance(entries, dict):
        return (licence_type if isinstance(licence_type, str) else None), None
    pairs = tuple((str(k), str(v)) for k, v in entries.items())
    return (licence_type if isinstance(licence_type, str) else None), licence_fields_json(pairs)
