"""The electronic licences the server's tests share (tests.test_server_licences,
tests.test_server_licence_lookup, tests.test_server_licence_migration): the hall's people, a certificate a
window issued to a company (a planning permit sealed by the window's key), a case decided and its
certificate issued by push, and a decision naming the licence in place of paper."""

from __future__ import annotations

import contextlib
import copy
from datetime import UTC, datetime
from typing import Any

from app.identifiers import mask_resident_id
from app.seal import CertificateClaims, certificate_identifier, sign_certificate
from app.sync import wire
from server import accounts
from server.admin import AdminError
from tests.server_fixtures import (
    DAY,
    FIXTURE_PEOPLE,
    OFFICE_CODE,
    OFFICE_NAME,
    VERIFY_BASE,
    Window,
    decided,
    follow_up,
    key_entry,
    window_key,
)
from tests.test_server_validation import Served

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


def people(server: Served, hall: str) -> None:
    """The fixture's people in `hall` (once per server: a module's tests share it)."""
    for login, roles in FIXTURE_PEOPLE.items():
        with contextlib.suppress(AdminError):  # held already: another test of the module's server added it
            accounts.add_account(
                server.db,
                hall_code=hall,
                login=login,
                name=login,
                roles=roles,
                password="own-pass-1",
                now=datetime.now(UTC),
                valid_days=None,
            )


def issued_case(window: Window, serial: int, *, local_seq: int) -> tuple[str, dict[str, Any]]:
    """A case of COMPANY decided and its certificate issued at `window`: (case number, certificate)."""
    [case] = decided(window.window_code, [serial], first_local_seq=local_seq, hall=window.hall_code)
    certificate = issued_payload(window.window_code, case.case_number, serial)
    issued = follow_up(
        "certificate.issued",
        case.case_number,
        window=window.window_code,
        local_seq=local_seq + 1,
        payload=certificate,
    )
    answer = window.push([case, issued])
    assert answer.rejected == [], answer.rejected
    return case.case_number, certificate
