"""What the documents of a case's later life share: who is named, the day of a step's ending, the staff
fields (app.documents.lifecycle_notices, app.documents.step_receipts)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from app.cases.views import CaseView, CertificateView
from app.documents.content import (
    DocumentError,
    Field,
    Issuer,
    Office,
    cn_date,
)
from app.documents.notices import (
    accepted_day,
    applied,
)

Names = Mapping[str, str]  # login → name of the people a document names (who received, who mailed …)
TWO_COPIES = "一式两份，一份交申请人，一份存档。"


def person_name(names: Names, login: str | None) -> str:
    return names.get(login or "", login or "")


def ending_of(case: CaseView, kind: str) -> dict[str, Any]:
    ending = case.life.ending
    if ending is None or ending.get("kind") != kind:
        raise DocumentError(f"办件 {case.number} 没有相应的办结记录")
    return ending


def day_of(text: Any) -> date:
    return date.fromisoformat(str(text))


def staff_fields(label: str, login: str | None, office: Office, names: Names) -> tuple[Field, ...]:
    """Who took the step, at which window, and the hall's phone (the footer of a step's document)."""
    return (
        Field(label, person_name(names, login)),
        Field("经办窗口", f"{office.window_name}（{office.window_code}）"),
        Field("咨询电话", office.phone),
    )


def accepted_text(case: CaseView, issuer: Issuer) -> str:
    """ "你于…提出的“…”申请，…于…受理": the start of a notice about a case under review."""
    day = case.life.accepted_on or accepted_day(case) or case.received_on
    return f"{applied(case)}，{issuer.body_name}已于{cn_date(day)}依法受理"


# -- 补正材料接收凭证 ---------------------------------------------------------------------------------


def certificate_of(case: CaseView) -> CertificateView:
    if case.certificate is None:
        raise DocumentError(f"办件 {case.number} 在本机没有证照记录")
    return case.certificate
