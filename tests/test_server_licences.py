"""The server checks the electronic licences a decision names in place of paper (server.sync.licences), on
SQLite and PostgreSQL: a certificate of the hall satisfies; an altered one, one of another holder, one
revoked before the decision, and a licence on a paper form are refused, nothing stored."""

from __future__ import annotations

import contextlib
import copy
from datetime import UTC, date, datetime
from typing import Any

from app.identifiers import mask_resident_id
from app.seal import CertificateClaims, certificate_identifier, sign_certificate
from app.sync import wire
from server import accounts
from server.admin import AdminError
from tests.server_fixtures import (
    DAY,
    FIXTURE_PEOPLE,
    HALL,
    OFFICE_CODE,
    OFFICE_NAME,
    VERIFY_BASE,
    decided,
    follow_up,
    key_entry,
    window_key,
)
from tests.test_server_validation import Served, server_fixture  # noqa: F401 (fixtures)

COMPANY_ID = "91310110666007217T"
COMPANY_NAME = "示例市锦华建设发展有限公司"


def issued_payload(window: str, number: str, serial: int, *, holder: str = COMPANY_NAME) -> dict[str, Any]:
    key = window_key(window)
    certificate_id = certificate_identifier(
        type_code=f"{OFFICE_CODE}001", issuer_code=OFFICE_CODE, serial=f"{DAY.year}{serial:07d}"
    )
    claims = CertificateClaims(
        certificate_id=certificate_id,
        type_name="建设工程规划许可证",
        holder_name=holder,
        holder_id_masked=mask_resident_id(COMPANY_ID),
        issuer_name=OFFICE_NAME,
        issuer_code=OFFICE_CODE,
        issued_on=DAY,
        valid_until=None,
        case_number=number,
    )
    return {
        "certificate_id": certificate_id,
        "type_name": claims.type_name,
        "type_code": f"{OFFICE_CODE}001",
        "holder_name": holder,
        "holder_id_masked": claims.holder_id_masked,
        "issuer_name": OFFICE_NAME,
        "issuer_code": OFFICE_CODE,
        "content": "准予建设工程规划许可",
        "issued_on": DAY.isoformat(),
        "valid_until": None,
        "key_id": key.key_id,
        "qr_text": sign_certificate(claims, key=key, verify_base=VERIFY_BASE),
        "approver_login": "li.na",
        "key": key_entry(key),
    }


# 建筑工程施工许可证核发: its M04 (建设工程规划许可证) accepts a planning permit in the demo catalog.
CONSTRUCTION = "511A0201000000-510100000000-000-11510100009024674G-1-00"


def with_licence(
    event: wire.WireEvent, certificate: dict[str, Any], *, item: str = CONSTRUCTION, **changes: Any
) -> wire.WireEvent:
    """The decision with its first material satisfied by the licence of `certificate`: by default the
    planning permit of a construction permit's case (as the catalog the decision names allows)."""
    payload = copy.deepcopy(event.payload)
    material = payload["materials"][0]
    if item == CONSTRUCTION:
        payload["item_code"] = CONSTRUCTION
        payload["materials"] = [material, *(m for m in payload["materials"][1:] if m["material"] != "M04")]
        payload["findings"] = [f for f in payload["findings"] if f.get("material") in (None, "M04")]
        material["material"] = "M04"
    material.update(form="licence", copies=0, pages=0)
    material["licence"] = {
        "licence_id": certificate["certificate_id"],
        "licence_type": "planning_permit",
        "source": "issued",
        "verified_by": "qr_offline",
        "qr_text": certificate["qr_text"],
    }
    material.update(changes)
    return wire.WireEvent(**{**event.__dict__, "payload": payload})


def test_the_server_checks_a_decisions_licences(server: Served) -> None:
    window = server.enroll()
    code = window.window_code
    for login, roles in FIXTURE_PEOPLE.items():
        with contextlib.suppress(AdminError):  # held already: another test of the module's server added it
            accounts.add_account(
                server.db,
                hall_code=HALL,
                login=login,
                name=login,
                roles=roles,
                password="own-pass-1",
                now=datetime.now(UTC),
                valid_days=None,
            )
    first = decided(code, [1])[0]
    certificate = issued_payload(code, first.case_number, 1)
    issued = follow_up("certificate.issued", first.case_number, window=code, local_seq=2, payload=certificate)
    assert window.push([first, issued]).rejected == []

    later = decided(code, [2, 3, 4, 5], first_local_seq=3)
    good = with_licence(later[0], certificate)
    altered = with_licence(later[1], certificate)
    altered.payload["materials"][0]["licence"]["qr_text"] = certificate["qr_text"][:-4] + "AAAA"
    other_holder = with_licence(
        later[2], issued_payload(code, first.case_number, 2, holder="示例市锦江餐饮管理有限公司")
    )
    paper = with_licence(later[3], certificate, form="copy", copies=1)
    answer = window.push([good, altered, other_holder, paper])
    refused = {r.event_id: r.message for r in answer.rejected}
    assert good.event_id in answer.acknowledged
    assert "签名不符" in refused[altered.event_id]
    assert (
        "不是本办件的申请人" in refused[other_holder.event_id]
        or "不是本大厅签发" in refused[other_holder.event_id]
    )
    assert "只有以电子证照" in refused[paper.event_id]

    revocation = follow_up(
        "certificate.revoked",
        first.case_number,
        window=code,
        local_seq=10,
        payload={
            "certificate_id": certificate["certificate_id"],
            "reason": "以欺骗手段取得",
            "basis": "行政许可法第六十九条",
            "day": DAY.isoformat(),
            "step": 2,
            "from_status": "approved",
            "to_status": "revoked",
            "role": "approver",
        },
    )
    revoked = window.push([revocation])
    assert revoked.rejected == [], revoked.rejected
    after = with_licence(decided(code, [6], first_local_seq=11)[0], certificate)
    answer = window.push([after])
    assert [r.event_id for r in answer.rejected] == [after.event_id]
    assert f"已于 {date(DAY.year, DAY.month, DAY.day)} 撤销" in answer.rejected[0].message
