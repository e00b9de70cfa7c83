"""The licences of a holder, for a window of the hall (app.sync.wire.LICENCE_LOOKUP_PATH, issue 15).

Which: the certificates issued in the requesting device's hall (their `certificate.issued` events, stored
only after their seal checked against a key registered for a window of the hall: server.signing_keys) on
cases whose applicant has the ID asked (`case_holder`). Another hall's certificates are not told of, even
to a device that names their holder: a stolen PC of one hall learns nothing of another hall's applicants,
and a window could not verify them anyway (it holds its own hall's keys). Each comes with its signed QR
text, which the window verifies itself, and the revocation the server holds, if any (it can only refuse).

The ID is checked by the rule the window uses (app.licence_library.lookup.holder_number). Every lookup is
counted per device (server.throttle.LOOKUP): an applicant's licences are personal data, and a device that
asks faster than a counter can serve is stopped for a while and logged.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy import select

from app.licence_library.lookup import HolderIdError, holder_number
from app.sync.wire import MAX_LOOKUP_LICENCES, EventKind
from server import dialect
from server.models import case_event, case_holder
from server.store import ServerDB
from server.sync.device import Device

log = logging.getLogger("clerk.server.licences")


class LookupRefused(ValueError):
    """An ID that cannot be looked up; the message (Chinese) says why."""


def look_up_licences(db: ServerDB, device_: Device, holder_id: str, *, today: date) -> dict[str, Any]:
    """The answer to a lookup of `holder_id` by `device_` (shape: app.sync.wire, LICENCE_LOOKUP_PATH)."""
    try:
        number = holder_number(holder_id, today=today)
    except HolderIdError as error:
        raise LookupRefused(str(error)) from None
    with db.read() as connection:
        cases = list(
            connection.execute(
                select(case_holder.c.case_number).where(
                    case_holder.c.hall_code == device_.hall_code,
                    case_holder.c.holder_id_number == number,
                )
            ).scalars()
        )
        rows = (
            connection.execute(
                select(case_event.c.case_number, case_event.c.kind, case_event.c.payload).where(
                    dialect.among(db, case_event.c.case_number, cases),
                    case_event.c.hall_code == device_.hall_code,
                    case_event.c.kind.in_([EventKind.CERTIFICATE_ISSUED, EventKind.CERTIFICATE_REVOKED]),
                )
            ).all()
            if cases
            else []
        )
    issued: dict[str, dict[str, Any]] = {}
    revoked: dict[str, dict[str, str]] = {}
    for case_number, kind, payload in rows:
        certificate_id = payload.get("certificate_id") if isinstance(payload, dict) else None
        if not isinstance(certificate_id, str):
            continue
        if kind == EventKind.CERTIFICATE_ISSUED:
            issued[certificate_id] = {
                "certificate_id": certificate_id,
                "case_number": case_number,
                "licence_type": str(payload.get("licence_type") or "general"),
                "qr_text": str(payload.get("qr_text") or ""),
                "issued_on": str(payload.get("issued_on") or ""),
            }
        else:
            day = str(payload.get("day") or "")
            if certificate_id not in revoked or day < revoked[certificate_id]["day"]:
                revoked[certificate_id] = {
                    "day": day,
                    "reason": str(payload.get("reason") or ""),
                    "basis": str(payload.get("basis") or ""),
                }
    newest = sorted(issued.values(), key=lambda c: (c["issued_on"], c["certificate_id"]), reverse=True)
    licences = [
        {**{k: v for k, v in c.items() if k != "issued_on"}, "revocation": revoked.get(c["certificate_id"])}
        for c in newest[:MAX_LOOKUP_LICENCES]
    ]
    log.info(
        "licence lookup by device %s (window %s): %d cases, %d licences",
        device_.device_id,
        device_.window_code,
        len(cases),
        len(licences),
    )
    return {"licences": licences}
