"""The electronic licences a helper's draft records (电子证照免提交: a material received as a licence,
app.intake.licence_received), verified again at the window that loads the draft.

What the helper's PC found may no longer hold at the counter: the licence revoked or expired since, its seal
from a key this window does not hold, of another holder or type than the material now wants. So each is
verified here, offline, exactly as a licence scanned at the window is (app.licence_library: seal, revocation,
validity, type, holder); one that satisfies its material stands in for the paper, one that does not is left
out (its material not received) with the reason for the clerk.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.catalog import Form, ServiceItem
from app.intake import AcceptanceRequest
from app.licence_library.evidence import Licence
from app.licence_library.fitness import Holder
from app.licence_library.library import LicenceError, LicenceLibrary


@dataclass(frozen=True)
class DraftLicences:
    fit: tuple[tuple[str, Licence], ...]  # (material code, the licence as verified here)
    unfit: tuple[str, ...]  # why each other licence of the draft is not taken (Chinese, one line each)


def recheck_licences(
    request: AcceptanceRequest, *, item: ServiceItem, library: LicenceLibrary
) -> DraftLicences:
    """The licences `request` (a draft's, as the window takes it in) records, verified again here for the
    materials of `item` they stand in for."""
    holder = Holder(request.applicant.name, request.applicant.id_number)
    fit: list[tuple[str, Licence]] = []
    unfit: list[str] = []
    for entry in request.materials:
        material = item.material(entry.material_code)
        if entry.form is not Form.LICENCE or entry.licence is None or material is None:
            continue
        try:
            licence = library.recheck(
                entry.licence,
                accepted_types=material.licence_types,
                material_name=material.name,
                holder=holder,
            )
        except LicenceError as error:
            unfit.append(str(error))
            continue
        fit.append((material.code, licence))
    return DraftLicences(tuple(fit), tuple(unfit))
