"""Why a licence does not satisfy a material: the one table (`UNFIT`), read by the window, the CLI and the
server alike. A licence satisfies a material only when its seal is genuine, it is not revoked, it is still
valid on the day of the decision, it is of a type the material accepts, and its holder is the applicant."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from app.identifiers import mask_resident_id
from app.licence_library.evidence import Licence, type_label
from app.seal import VerificationStatus


class Unfit(StrEnum):
    REVOKED = "revoked"
    EXPIRED = "expired"
    WRONG_TYPE = "wrong_type"
    OTHER_HOLDER = "other_holder"


# The order the checks are made in, and what each is called for the clerk.
UNFIT_LABEL: dict[Unfit, str] = {
    Unfit.REVOKED: "已撤销",
    Unfit.EXPIRED: "已过期",
    Unfit.WRONG_TYPE: "证照类型不符",
    Unfit.OTHER_HOLDER: "持证人不是申请人",
}


@dataclass(frozen=True)
class Holder:
    """Who must hold the licence: the case's applicant."""

    name: str
    id_number: str


@dataclass(frozen=True)
class Refusal:
    reason: Unfit
    message: str  # Chinese, naming the licence and the reason


def same_holder(licence: Licence, holder: Holder) -> bool:
    """The licence's holder is `holder`: the same name and the same masked number (the seal carries only
    the masked number, GB/T 36904 practice: never a whole ID in a QR)."""
    name = "".join(licence.holder_name.split())
    return name == "".join(holder.name.split()) and licence.holder_id_masked == mask_resident_id(
        holder.id_number
    )


def refusal(
    licence: Licence, *, accepted_types: Sequence[str], material_name: str, holder: Holder, today: date
) -> Refusal | None:
    """Why `licence` does not satisfy the material `material_name` (accepting `accepted_types`) of a case of
    `holder` decided `today`; None when it does."""
    named = f"电子证照「{licence.type_name}」（{licence.number}）不能用于「{material_name}」"

    def refused(reason: Unfit, detail: str) -> Refusal:
        return Refusal(reason, f"{named}：{UNFIT_LABEL[reason]}，{detail}")

    if licence.status is VerificationStatus.REVOKED or licence.revocation is not None:
        note = licence.revocation
        detail = note.sentence() if note is not None else licence.status_message
        return refused(Unfit.REVOKED, detail)
    if licence.valid_until is not None and today > licence.valid_until:
        return refused(
            Unfit.EXPIRED,
            f"有效期至 {licence.valid_until}，已于 {licence.valid_until + timedelta(days=1)} 过期",
        )
    if licence.licence_type not in accepted_types:
        wanted = "、".join(type_label(t) for t in accepted_types) or "（本材料不接受电子证照）"
        return refused(Unfit.WRONG_TYPE, f"本材料须为{wanted}")
    if not same_holder(licence, holder):
        return refused(
            Unfit.OTHER_HOLDER,
            f"持证人为{licence.holder_name}（{licence.holder_id_masked}），申请人为{holder.name}"
            f"（{mask_resident_id(holder.id_number)}）",
        )
    return None
