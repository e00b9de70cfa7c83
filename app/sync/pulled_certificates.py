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
from app.sync import wire
from app.sync.certificate_event import CertificateEventError, carried_key, check_sealed
from app.sync.changes import Applying
from app.sync.events import CERTIFICATE_FIELDS
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
    session.add(Certificate(case_number=number, issued_on=issued_on, valid_until=valid_until, **fields))
    moved = status_after(case.status, EventKind.CERTIFICATE_ISSUED)
    if moved is not None:
        case.status = moved.value
    log.info(
        "certificate %s for case %s issued on another PC, verified and stored",
        fields["certificate_id"],
        number,
    )
    return 1
