"""Pulled `certificate.revoked` changes, and the revocations of a fetched case: a certificate of the hall
revoked (撤销) by an approver (app.sync.wire.KIND_CERTIFICATE_REVOKED).

Checked against `REVOCATION` (what crosses is checked: STYLE 17), then stored in `certificate_revocation`
once per certificate: the verifier reads it offline (app.certificates.CertificateService.verify). The
window holding the case records the revocation itself when the revocation's step is applied to the case
(app.lifecycle.apply); this is how every other window learns of it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.lifecycle.events import EVENT_ID
from app.sync import wire
from app.sync.changes import Applying
from app.sync.event_parts import CLERK_TEXT, CODE, LOGIN
from app.sync.schema import Day, Problem, Record, Text, required
from db.models import CertificateRevocation

log = logging.getLogger("clerk.sync")

REVOCATION = Record(
    {
        "certificate_id": required(CODE),
        "case_number": required(Text(40)),
        "reason": required(CLERK_TEXT),
        "basis": required(CLERK_TEXT),
        "revoked_on": required(Day()),
        "revoked_by": required(LOGIN),
        "event_id": required(EVENT_ID),
    }
)


def revocation_problems(payload: Any) -> list[Problem]:
    problems: list[Problem] = []
    REVOCATION.check(payload, "revocation", problems)
    return problems


def store_revocation(session: Session, payload: Mapping[str, Any]) -> int:
    """A checked revocation stored: 1, or 0 when the certificate's revocation is held already."""
    certificate_id = str(payload["certificate_id"])
    session.flush()  # a revocation the case's own step added in this transaction is found
    if session.get(CertificateRevocation, certificate_id) is not None:
        return 0
    session.add(
        CertificateRevocation(
            certificate_id=certificate_id,
            case_number=payload["case_number"],
            reason=payload["reason"],
            basis=payload["basis"],
            revoked_on=date.fromisoformat(payload["revoked_on"]),
            revoked_by=payload["revoked_by"],
            event_id=payload["event_id"],
        )
    )
    log.info("certificate %s of case %s revoked: recorded here", certificate_id, payload["case_number"])
    return 1


def apply_revocation(applying: Applying, change: wire.Change) -> int:
    problems = revocation_problems(change.payload)
    if problems:
        log.error("revocation change %s refused, not stored: %s", change.seq, problems[0])
        return 0
    return store_revocation(applying.session, change.payload)
