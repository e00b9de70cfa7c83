"""Typed events (app.sync.events): one payload type per `EventKind`, each making the payload its kind's schema
passes and the wire has always carried (the server and older windows read the same fields), the one list
of a certificate's fields, and the one writer of the outbox (app.sync.outbox.record_event)."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from app.documents.content import DocumentKind
from app.documents.layout import Layout
from app.intake import parse_request
from app.lifecycle.events import SCHEMAS as LIFECYCLE_SCHEMAS
from app.lifecycle.events import CaseChange
from app.scanning.events import AttachedPage, PagesAttached
from app.scanning.pages import PageFormat, PageSource
from app.seal import CertificateClaims, OfficeKey, certificate_identifier, sign_certificate
from app.sync import events, wire
from app.sync.events import (
    CERTIFICATE_FIELDS,
    PAYLOAD_SCHEMA,
    PAYLOAD_TYPES,
    AuditRecord,
    CaseDecided,
    CertificateHandedOver,
    CertificateIssued,
    DocumentPrinted,
    DocumentReprinted,
    EventPayload,
)
from app.sync.outbox import UnsendableEvent, record_event
from app.sync.wire import AUDIT_KINDS, EventKind
from app.workspace import Workspace
from db.models import CaseEvent, Certificate
from tests.helpers import AGENT, PLANNING, PLANNING_FIELDS, request_json
from tests.server_fixtures import OFFICE_CODE, OFFICE_NAME, decided, key_entry, window_key

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
NUMBER = decided("SZX0103", [1])[0].case_number
SHA = "ab" * 32


def certificate(key: OfficeKey, *, valid_until: date | None = date(2031, 11, 19)) -> CertificateIssued:
    claims = CertificateClaims(
        certificate_id=certificate_identifier(
            type_code=f"{OFFICE_CODE}001", issuer_code=OFFICE_CODE, serial="20260000001"
        ),
        type_name="建设工程规划许可证",
        holder_name="示例市锦华建设发展有限公司",
        holder_id_masked="913101**********7T",
        issuer_name=OFFICE_NAME,
        issuer_code=OFFICE_CODE,
        issued_on=date(2026, 11, 20),
        valid_until=valid_until,
        case_number=NUMBER,
    )
    return CertificateIssued.sealed(
        claims,
        type_code=f"{OFFICE_CODE}001",
        content="准予建设工程规划许可",
        key=key.public_entry(office_name=OFFICE_NAME, valid_from=date(2026, 1, 1), valid_until=None),
        qr_text=sign_certificate(claims, key=key, verify_base="https://zwfw.example.gov.cn/V/"),
        approver_login="li.na",
    )


def printed() -> DocumentPrinted:
    return DocumentPrinted(
        document=DocumentKind.RECEIPT,
        number="示政受〔2026〕SZX0103-0001号",
        copies=2,
        destination="counter-printer",
        sha256=SHA,
        layout=Layout.A4,
    )


def samples() -> list[EventPayload]:
    return [
        CaseDecided(decided("SZX0103", [1])[0].payload),
        printed(),
        printed().reprint(reason="打印机卡纸"),
        certificate(window_key("SZX0103")),
        CertificateHandedOver(
            certificate_id="1.2.156.3005.2.X", recipient_name="李𠮷䶮", recipient_id_number=AGENT["id_number"]
        ),
        PagesAttached(
            material_code="M01",
            visit=0,
            pages=(
                AttachedPage(
                    sha256="ab" * 32,
                    byte_size=123_456,
                    format=PageFormat.PNG,
                    width=1654,
                    height=2339,
                    dpi=200,
                    rotation=90,
                    source=PageSource.SCANNER,
                    warnings=("blank",),
                    kept_despite_warnings=True,
                ),
            ),
            standard_pages=2,
            kept_short=True,
        ),
    ]


def wired(event: EventPayload) -> wire.WireEvent:
    return wire.WireEvent(
        "5b0c3f0e-7d4e-4a51-9d4c-2f1e0a6b9c11",
        NUMBER,
        event.KIND,
        event.payload(),
        "li.na",
        "SZX0103",
        "2026-11-20T02:00:00Z",
        1,
    )


def test_one_type_and_one_schema_for_each_kind() -> None:
    # The audit records are one type for their kinds (app.audit); the steps after the decision one type
    # (`CaseChange`, app.lifecycle.events) for theirs, each with its own schema.
    case_types = [t for t in PAYLOAD_TYPES if t not in (AuditRecord, CaseChange)]
    kinds = [t.KIND for t in case_types]
    changes = set(LIFECYCLE_SCHEMAS) - {EventKind.SERVICE_RATED, EventKind.SERVICE_FOLLOWED_UP}
    assert sorted(kinds + sorted(changes)) == sorted(set(EventKind) - AUDIT_KINDS)
    assert set(PAYLOAD_SCHEMA) == set(EventKind)
    ratings = {EventKind.SERVICE_RATED, EventKind.SERVICE_FOLLOWED_UP}
    assert sorted(type(e).KIND for e in samples()) == sorted(k for k in kinds if k not in ratings)


def test_the_payload_of_each_type_passes_its_kinds_schema() -> None:
    for event in samples():
        assert events.check_event(wired(event), now=NOW) is None, event


def test_the_payloads_are_what_the_wire_has_carried() -> None:
    """The wire format does not change: the same fields with the same values as the services wrote them."""
    document = {
        "kind": "receipt",
        "number": "示政受〔2026〕SZX0103-0001号",
        "copies": 2,
        "reason": None,
        "destination": "counter-printer",
        "sha256": SHA,
        "layout": "a4",
    }
    assert printed().payload() == document
    again = printed().reprint(reason="打印机卡纸")
    assert isinstance(again, DocumentReprinted) and again.KIND == "document.reprinted"
    assert again.payload() == {**document, "reason": "打印机卡纸"}
    assert all(type(v) in (str, int, type(None)) for v in printed().payload().values())  # no enums

    key = window_key("SZX0103")
    issued = certificate(key)
    assert issued.payload() == {
        "certificate_id": issued.certificate_id,
        "type_name": "建设工程规划许可证",
        "type_code": f"{OFFICE_CODE}001",
        "holder_name": "示例市锦华建设发展有限公司",
        "holder_id_masked": "913101**********7T",
        "issuer_name": OFFICE_NAME,
        "issuer_code": OFFICE_CODE,
        "content": "准予建设工程规划许可",
        "issued_on": "2026-11-20",
        "valid_until": "2031-11-19",
        "key_id": key.key_id,
        "qr_text": issued.qr_text,
        "approver_login": "li.na",
        "key": key_entry(key),
        # Since issue 11: the licence's template and entries (optional on the wire: older windows send none).
        "licence_type": "general",
        "fields": {},
    }
    assert certificate(key, valid_until=None).payload()["valid_until"] is None
    handed = CertificateHandedOver(certificate_id="C-1", recipient_name="张三", recipient_id_number="X1")
    assert handed.payload() == {
        "certificate_id": "C-1",
        "recipient_name": "张三",
        "recipient_id_number": "X1",
    }
    case = decided("SZX0103", [2])[0].payload
    assert CaseDecided(case).payload() == case


def test_a_certificate_has_one_list_of_fields() -> None:
    """The stored certificate, the event's payload, its schema and what sync stores of a certificate
    issued elsewhere (`CERTIFICATE_FIELDS`) all come from `CertificateIssued`."""
    hand_over = {
        "id",
        "case_number",
        "handed_over_at",
        "recipient_name",
        "recipient_id_number",
        "recipient_id_type",
        "recipient_capacity",
        "recipient_authorization",
    }
    columns = (
        {c.name for c in Certificate.__table__.columns} - hand_over - {"handover_clerk_login", "mailing"}
    )
    issued = certificate(window_key("SZX0103"))
    assert set(issued.columns()) == columns
    # The licence's type and fields are optional on the wire (windows before issue 11 send none).
    assert set(CERTIFICATE_FIELDS) == columns - {"valid_until", "licence_type", "licence_fields"}
    # The step it makes (issue 13) travels beside the certificate: optional, older windows send none.
    steps = {"step", "from_status", "to_status", "role"}
    assert set(issued.payload()) == set(events.CERTIFICATE_ISSUED.fields) - steps
    assert {f.name for f in fields(CertificateIssued)} == columns - {"key_id", "licence_fields"} | {
        "key",
        "fields",
        "change",
    }


def test_what_approval_stores_is_what_its_event_carries(workspace: Workspace) -> None:
    counter = workspace.counter("demo")
    planning = workspace.catalog.item(PLANNING)
    assert planning is not None
    number = workspace.acceptance.accept(parse_request(request_json(planning)), counter=counter)
    workspace.certificates.approve(number, approver=counter, fields=PLANNING_FIELDS)
    with workspace.store.read() as session:
        row = session.scalars(select(Certificate).where(Certificate.case_number == number)).one()
        event = session.scalars(select(CaseEvent).where(CaseEvent.kind == EventKind.CERTIFICATE_ISSUED)).one()
    stored: dict[str, Any] = {name: getattr(row, name) for name in (*CERTIFICATE_FIELDS, "valid_until")}
    stored["issued_on"], stored["valid_until"] = row.issued_on.isoformat(), None  # 长期 by the catalog
    assert {name: event.payload[name] for name in stored} == stored
    assert event.payload["key"]["key_id"] == row.key_id
    assert row.licence_type == event.payload["licence_type"] == "planning_permit"
    assert row.licence_fields is not None and json.loads(row.licence_fields) == event.payload["fields"]


def count_events(workspace: Workspace) -> int:
    with workspace.store.read() as session:
        return int(session.scalar(select(func.count()).select_from(CaseEvent)) or 0)


def test_record_event_writes_in_the_callers_transaction(workspace: Workspace) -> None:
    counter = workspace.counter("demo")
    with pytest.raises(RuntimeError), workspace.store.write() as session:
        record_event(session=session, event=printed(), case_number=NUMBER, by=counter, now=NOW)
        raise RuntimeError("the step fails after its event was written")
    assert count_events(workspace) == 0  # rolled back with the step

    with workspace.store.write() as session:
        row = record_event(session=session, event=printed(), case_number=NUMBER, by=counter, now=NOW)
    with workspace.store.read() as session:
        [stored] = session.scalars(select(CaseEvent)).all()
    assert (stored.event_id, stored.kind, stored.payload) == (
        row.event_id,
        "document.printed",
        printed().payload(),
    )
    assert (stored.clerk_login, stored.window_code) == (counter.clerk_login, counter.window_code)
    assert stored.device_time == datetime(2026, 11, 20, 2, 0)  # UTC, as stored


def test_an_event_the_server_would_refuse_is_not_written(workspace: Workspace) -> None:
    counter = workspace.counter("demo")
    bad = DocumentPrinted(
        document=DocumentKind.RECEIPT, number="N", copies=0, destination="p", sha256="x", layout=Layout.A4
    )
    with workspace.store.write() as session:
        with pytest.raises(UnsendableEvent) as raised:
            record_event(session=session, event=bad, case_number=NUMBER, by=counter, now=NOW)
        assert not session.new
    assert "payload.copies" in str(raised.value) and "payload.sha256" in str(raised.value)
    assert count_events(workspace) == 0
