"""The electronic licences a `case.decided` names in place of paper (issue 15, app.licence_library), checked
before anything of the event is stored: a window is not trusted to have checked them (STYLE 17).

For each material the decision says a licence satisfied: its form is `licence` (and only then does it carry
one, or 0 pages); the licence's signed QR text verifies — a certificate of this system with a key the server
registered for the device's hall (and the certificate was issued in the hall), a third-party licence with
the issuer key it carries — and names the licence id, type and holder the decision records (the case's
applicant); it was valid on the day of the decision and not revoked by then; and the material accepts a
licence of that type in the catalog version the decision names (the version as published on the server: a
window's own reading of its catalog is not trusted). The snapshot stored as the case (case_record.snapshot)
keeps the evidence: the server's record of it; server.sync.licence_projection lists it per material.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from app.catalog import CatalogDocument, CatalogError, Material, parse_catalog
from app.identifiers import mask_resident_id
from app.licence_library.evidence import licence_type_named, type_label
from app.seal import (
    KeyDirectory,
    KeyDirectoryError,
    VerificationStatus,
    public_entry_from_json,
    stored_entry,
    verify_payload,
)
from app.sync.wire import EventKind, Rejection
from server.models import case_event, catalog_publication, signing_key
from server.store import ServerDB
from server.sync.checks import Candidate, reject
from server.sync.device import Device


def check_licences(
    connection: Connection, db: ServerDB, device_: Device, candidates: Sequence[Candidate]
) -> list[Rejection]:
    """Refusals of the decisions among `candidates` whose licences do not hold."""
    decided = [
        c
        for c in candidates
        if c.event.kind == EventKind.CASE_DECIDED
        and any(_licensed(m) for m in c.event.payload.get("materials", []))
    ]
    if not decided:
        return []
    hall_keys = KeyDirectory(
        stored_entry(row)
        for row in connection.execute(select(signing_key).where(signing_key.c.hall_code == device_.hall_code))
    )
    issued, revoked = _hall_certificates(connection, device_.hall_code)
    # Certificates of this batch whose seals checked (server.signing_keys ran first, registering new keys).
    issued |= {
        str(c.event.payload.get("certificate_id"))
        for c in candidates
        if c.event.kind == EventKind.CERTIFICATE_ISSUED
    }
    rejections: list[Rejection] = []
    for candidate in decided:
        payload = candidate.event.payload
        catalog = _catalog(connection, payload["catalog_version"])
        for material in payload["materials"]:
            problem = None
            if _licensed(material):
                problem = _problem(material, payload, hall_keys, issued, revoked) or _catalog_problem(
                    catalog, material, payload
                )
            if problem is not None:
                where = f"办件 {candidate.event.case_number} 的受理记录，材料 {material['material']}"
                rejections.append(reject(candidate.event, "invalid", f"{where}：{problem}，本条未保存"))
                break
    return rejections


def _licensed(material: Any) -> bool:
    return isinstance(material, dict) and (
        material.get("form") == "licence" or "licence" in material or material.get("pages") == 0
    )


def _hall_certificates(connection: Connection, hall_code: str) -> tuple[set[str], dict[str, date]]:
    """The certificate ids issued in the hall, and the first day each revoked one was revoked."""
    issued: set[str] = set()
    revoked: dict[str, date] = {}
    rows = connection.execute(
        select(case_event.c.kind, case_event.c.payload).where(
            case_event.c.hall_code == hall_code,
            case_event.c.kind.in_([EventKind.CERTIFICATE_ISSUED, EventKind.CERTIFICATE_REVOKED]),
        )
    )
    for kind, payload in rows:
        certificate_id = payload.get("certificate_id") if isinstance(payload, dict) else None
        if not isinstance(certificate_id, str):
            continue
        if kind == EventKind.CERTIFICATE_ISSUED:
            issued.add(certificate_id)
        elif isinstance(payload.get("day"), str):
            day = date.fromisoformat(payload["day"])
            revoked[certificate_id] = min(day, revoked.get(certificate_id, day))
    return issued, revoked


def _problem(
    material: dict[str, Any],
    payload: dict[str, Any],
    hall_keys: KeyDirectory,
    issued: set[str],
    revoked: dict[str, date],
) -> str | None:
    licence = material.get("licence")
    if material.get("form") != "licence" or not isinstance(licence, dict):
        return "只有以电子证照（form 为 licence）提交的材料才附证照、页数才可为 0"
    if material.get("copies") != 0 or material.get("pages") != 0:
        return "以电子证照提交的材料没有份数和页数"
    if licence["source"] == "imported":
        if licence.get("issuer_key") is None:
            return "外部电子证照未附签发机关公钥"
        try:
            keys = KeyDirectory([public_entry_from_json(licence["issuer_key"], where="签发机关公钥")])
        except (KeyDirectoryError, ValueError) as error:
            return str(error)
        if keys.key_ids()[0] in hall_keys:
            return "外部电子证照所附公钥是本系统的签发密钥"
    else:
        keys = hall_keys
    decided_on = date.fromisoformat(payload["received_on"])
    result = verify_payload(licence["qr_text"], keys=keys, today=decided_on)
    claims = result.claims
    if result.status is VerificationStatus.EXPIRED:
        return f"电子证照 {licence['licence_id']} 在受理之日已过期"
    if result.status is not VerificationStatus.VALID or claims is None:
        return f"电子证照核验未通过：{result.message}"
    if claims.certificate_id != licence["licence_id"]:
        return f"电子证照编号 {licence['licence_id']} 与其二维码中的 {claims.certificate_id} 不符"
    if licence_type_named(claims.type_name) != licence["licence_type"]:
        return f"电子证照类型 {licence['licence_type']} 与其二维码中的证照名称「{claims.type_name}」不符"
    applicant = payload["applicant"]
    if "".join(claims.holder_name.split()) != "".join(applicant["name"].split()) or (
        claims.holder_id_masked != mask_resident_id(applicant["id_number"])
    ):
        return f"电子证照的持证人{claims.holder_name}不是本办件的申请人"
    if licence["source"] == "issued":
        if claims.certificate_id not in issued:
            return f"电子证照 {claims.certificate_id} 不是本大厅签发的证照"
        day = revoked.get(claims.certificate_id)
        if day is not None and day <= decided_on:
            return f"电子证照 {claims.certificate_id} 已于 {day} 撤销"
    return None


# Published catalog versions as read, by (version, sha256): a published version never changes, and
# reading one takes longer than a push should wait for each decision.
_catalogs: dict[tuple[str, str], CatalogDocument] = {}
_catalogs_lock = threading.Lock()
MAX_CATALOGS_HELD = 8


def _catalog(connection: Connection, version: str) -> CatalogDocument | None:
    """The catalog version `version` as published on this server; None when it is not (or unreadable)."""
    sha256 = connection.execute(
        select(catalog_publication.c.sha256).where(catalog_publication.c.version == version)
    ).scalar()
    if sha256 is None:
        return None
    with _catalogs_lock:
        held = _catalogs.get((version, sha256))
    if held is not None:
        return held
    content = connection.execute(
        select(catalog_publication.c.content).where(catalog_publication.c.version == version)
    ).scalar_one()
    try:
        document = parse_catalog(bytes(content))
    except CatalogError:
        return None
    with _catalogs_lock:
        if len(_catalogs) >= MAX_CATALOGS_HELD:
            _catalogs.clear()
        _catalogs[(version, sha256)] = document
    return document


def _catalog_problem(
    catalog: CatalogDocument | None, material: dict[str, Any], payload: dict[str, Any]
) -> str | None:
    """Why the catalog version the decision names does not let a licence of this type satisfy the material;
    None when it does."""
    version = payload["catalog_version"]
    if catalog is None:
        return f"事项目录 {version} 未在服务器发布，无法核对该材料可用的电子证照类型"
    item = next((i for i in catalog.items if i.code == payload["item_code"]), None)
    found: Material | None = item.material(material["material"]) if item is not None else None
    if found is None:
        return f"事项目录 {version} 中该事项没有材料 {material['material']}"
    licence_type = material["licence"]["licence_type"]
    if licence_type not in found.licence_types:
        wanted = "、".join(type_label(t) for t in found.licence_types) or "（不接受电子证照）"
        refused = type_label(licence_type)
        return f"事项目录 {version} 中「{found.name}」不接受{refused}，可用的电子证照为：{wanted}"
    return None
