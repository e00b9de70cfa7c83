"""The window's local schema: catalog versions, cases, their materials and findings, the outbox."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


# The lists of the approver's queue and the supervisor's watch (app.lifecycle.watch), each over `case` and
# `hall_case` alike: the day it is ordered by, and which rows it holds. Each has a partial index per table on
# (day, department, window_code, …) under exactly that condition, which a query repeats word for word (SQLite
# uses a partial index only when the query's WHERE contains its condition): the rows come in the list's
# order straight from the index, filters by department and window are read from it too, and no sort runs.
WATCH_LISTS: dict[str, tuple[str, str]] = {
    "legal": ("legal_due", "status IN ('accepted', 'in_review') AND legal_due IS NOT NULL"),
    "promised": ("promised_date", "status IN ('accepted', 'in_review') AND promised_date IS NOT NULL"),
    "suspended": ("suspended_since", "status = 'suspended' AND suspended_since IS NOT NULL"),
    "deadlines": (
        "supplement_deadline",
        "supplement_deadline IS NOT NULL AND (status = 'awaiting_supplement'"
        " OR (status IN ('accepted', 'in_review', 'suspended') AND tolerated_outstanding != ''))",
    ),
}


def watch_indexes(table: str) -> list[Index]:
    """The lists' partial indexes of `table`: after the day and the filters, every column the lists'
    conditions and the hall index's "held here?" test read, so a count never leaves the index."""
    return [
        Index(
            f"ix_{table}_watch_{name}",
            day,
            "department",
            "window_code",
            "status",
            *(("tolerated_outstanding",) if "tolerated_outstanding" in condition else ()),
            "number",
            sqlite_where=text(condition),
        )
        for name, (day, condition) in WATCH_LISTS.items()
    ]


class CatalogVersion(Base):
    """One published version of the region's catalog, as loaded at this window."""

    __tablename__ = "catalog_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    published: Mapped[date] = mapped_column(Date)
    region_code: Mapped[str] = mapped_column(String(12))
    region_name: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(DateTime)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    halls: Mapped[list[Any]] = mapped_column(JSON)
    # Since schema 14: its 一件事 bundles as published (app.bundles.definition); NULL/empty: none.
    bundles: Mapped[list[Any] | None] = mapped_column(JSON)

    items: Mapped[list[CatalogItem]] = relationship(back_populates="catalog_version")


class CatalogItem(Base):
    """A 业务办理项 in one catalog version. The six uniform elements are columns; the rest is `details`."""

    __tablename__ = "catalog_item"
    __table_args__ = (UniqueConstraint("catalog_version_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    catalog_version_id: Mapped[int] = mapped_column(ForeignKey("catalog_version.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(80))
    base_code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    item_type: Mapped[str] = mapped_column(String(20))
    department: Mapped[str] = mapped_column(String(100))
    body_name: Mapped[str] = mapped_column(String(100))
    body_code: Mapped[str] = mapped_column(String(18))
    basis: Mapped[str] = mapped_column(Text)
    # Search keys precomputed at load time so the window never needs pypinyin at start-up.
    pinyin_full: Mapped[str] = mapped_column(String(800))
    pinyin_initials: Mapped[str] = mapped_column(String(200))
    checklist_sha256: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)

    catalog_version: Mapped[CatalogVersion] = relationship(back_populates="items")


class Case(Base):
    """A case (办件) as decided at this window."""

    __tablename__ = "case"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    item_code: Mapped[str] = mapped_column(String(80))
    item_name: Mapped[str] = mapped_column(String(200))
    catalog_version: Mapped[str] = mapped_column(String(64))
    checklist_sha256: Mapped[str] = mapped_column(String(64))
    applicant_kind: Mapped[str] = mapped_column(String(20))
    applicant_name: Mapped[str] = mapped_column(String(400))
    applicant_id_type: Mapped[str] = mapped_column(String(20))
    applicant_id_number: Mapped[str] = mapped_column(String(40))
    applicant_phone: Mapped[str] = mapped_column(String(40))
    applicant_id_override: Mapped[str | None] = mapped_column(Text)
    agent_name: Mapped[str | None] = mapped_column(String(400))
    agent_id_type: Mapped[str | None] = mapped_column(String(20))  # None: before 证件类型, a resident ID
    agent_id_number: Mapped[str | None] = mapped_column(String(40))
    agent_phone: Mapped[str | None] = mapped_column(String(40))
    decision: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(40))
    referral_office: Mapped[str | None] = mapped_column(Text)
    received_on: Mapped[date] = mapped_column(Date)
    promised_date: Mapped[date | None] = mapped_column(Date)
    promised_date_uncertain: Mapped[bool] = mapped_column(Boolean, default=False)
    supplement_deadline: Mapped[date | None] = mapped_column(Date)
    hall_code: Mapped[str] = mapped_column(String(20))
    window_code: Mapped[str] = mapped_column(String(20))
    clerk_login: Mapped[str] = mapped_column(String(40))
    clerk_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)  # UTC, device clock
    # Since schema 9 (issue 13), the case's life after the decision (app.lifecycle): its last step
    # (app.cases.status), its department and time limits as the catalog gave them, the day they start
    # from, the legal due day (the promised one is `promised_date`), a running suspension, the extension,
    # tolerated materials still to come, and why and when it ended.
    step: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    department: Mapped[str] = mapped_column(String(100), default="", server_default="")
    accepted_on: Mapped[date | None] = mapped_column(Date)
    legal_limit_days: Mapped[int | None] = mapped_column(Integer)
    legal_limit_unit: Mapped[str | None] = mapped_column(String(10))
    promised_limit_days: Mapped[int | None] = mapped_column(Integer)
    promised_limit_unit: Mapped[str | None] = mapped_column(String(10))
    legal_due: Mapped[date | None] = mapped_column(Date)
    legal_due_uncertain: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    suspended_since: Mapped[date | None] = mapped_column(Date)
    extension_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    extension: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # reason, approved_by, approved_on
    tolerated_outstanding: Mapped[str] = mapped_column(Text, default="", server_default="")
    approve_before_supplied: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    ended_on: Mapped[date | None] = mapped_column(Date)
    ending: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # kind, day, reason, basis, request_day
    refresh_needed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Since schema 12 (issue 15): who prepared the case before the counter (app.helpers.prepared_by:
    # login, name, draft_id); None: taken in by the clerk alone.
    prepared_by: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Since schema 14: the 一件事 bundle it was decided in (app.bundles.numbers); None: decided alone.
    bundle_number: Mapped[str | None] = mapped_column(String(40), index=True)

    materials: Mapped[list[CaseMaterial]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseMaterial.position"
    )
    findings: Mapped[list[CaseFinding]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseFinding.position"
    )
    visits: Mapped[list[CaseVisit]] = relationship(
        cascade="all, delete-orphan", order_by="CaseVisit.visit", lazy="selectin"
    )
    suspensions: Mapped[list[CaseSuspension]] = relationship(
        cascade="all, delete-orphan", order_by="CaseSuspension.start", lazy="selectin"
    )
    corrections: Mapped[list[CaseCorrection]] = relationship(
        cascade="all, delete-orphan", order_by="CaseCorrection.id", lazy="selectin"
    )

    __table_args__ = (
        Index("ix_case_received_on", "received_on"),
        Index("ix_case_status_department_legal_due", "status", "department", "legal_due"),
        *watch_indexes("case"),
    )


class CaseMaterial(Base):
    """One material entry handed over at the counter."""

    __tablename__ = "case_material"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    material_code: Mapped[str] = mapped_column(String(20))
    material_name: Mapped[str] = mapped_column(String(200))
    form: Mapped[str] = mapped_column(String(20))
    copies: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    defect: Mapped[str | None] = mapped_column(Text)
    visit: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # 0: at the decision
    # Since schema 13: satisfied by a licence of the licence library instead of paper (form "licence",
    # app.licence_library): its id, type, source, how it was verified, its signed QR text and, for an
    # imported licence, its issuer's key entry (key directory format). NULL for paper.
    licence_id: Mapped[str | None] = mapped_column(String(120))
    licence_type: Mapped[str | None] = mapped_column(String(40))
    licence_source: Mapped[str | None] = mapped_column(String(20))
    licence_verified_by: Mapped[str | None] = mapped_column(String(20))
    licence_qr_text: Mapped[str | None] = mapped_column(Text)
    licence_issuer_key: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    case: Mapped[Case] = relationship(back_populates="materials")


class CaseFinding(Base):
    """One explainable finding of the completeness check: the rule, the material, the words."""

    __tablename__ = "case_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(20))
    material_code: Mapped[str | None] = mapped_column(String(20))
    material_name: Mapped[str | None] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="findings")


class CaseEvent(Base):
    """Append-only record of what happened to a case; the sync outbox."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    case_number: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    clerk_login: Mapped[str] = mapped_column(String(40))
    window_code: Mapped[str] = mapped_column(String(20))
    device_time: Mapped[datetime] = mapped_column(DateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Dead letter: the server refused this event for good; kept and shown, never resent blindly.
    rejected_at: Mapped[datetime | None] = mapped_column(DateTime)
    rejected_code: Mapped[str | None] = mapped_column(String(40))
    rejected_message: Mapped[str | None] = mapped_column(Text)
    # The window's hash chain (app.audit.chain): the previous event's hash (by id) and this one's.
    prev_hash: Mapped[str] = mapped_column(String(64))
    event_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index(
            "ix_case_event_pending",
            "id",
            sqlite_where=text("acknowledged_at IS NULL AND rejected_at IS NULL"),
        ),
    )


class CaseSerial(Base):
    """The last serial used per window and day, so numbers never repeat even after deletes."""

    __tablename__ = "case_serial"

    window_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_serial: Mapped[int] = mapped_column(Integer)


class Clerk(Base):
    """A person who may sign in at this window."""

    __tablename__ = "clerk"

    login: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Role codes separated by spaces (app.accounts.roles.Role); one this version does not know grants nothing.
    roles: Mapped[str] = mapped_column(Text, default="clerk", server_default="clerk")
    # Set: a temporary password, to be changed at the first sign-in; past it (UTC) it signs in no more.
    temporary_until: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def role_list(self) -> list[str]:
        return self.roles.split()


class SignInFailure(Base):
    """Wrong passwords typed for a login at this window: five lock it here, each lock longer."""

    __tablename__ = "sign_in_failure"

    login: Mapped[str] = mapped_column(String(40), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    lockouts: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_failed_at: Mapped[datetime] = mapped_column(DateTime)


class Document(Base):
    """A document issued for a case, numbered once (机关简称 + kind + [year] + serial)."""

    __tablename__ = "document"
    __table_args__ = (
        UniqueConstraint("case_number", "kind", "visit", name="uq_document_case_number_kind_visit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(ForeignKey("case.number"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    number: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    clerk_login: Mapped[str] = mapped_column(String(40))
    # Since schema 9: the visit it was issued for (0: the first; a second supplement notice: 1 …).
    visit: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Counter(Base):
    """Named serial counters (document numbers per office, kind, year and window; certificate serials)."""

    __tablename__ = "counter"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class PrintRecord(Base):
    """One print (or reprint, 补打) of a document that the printer or file actually took."""

    __tablename__ = "print_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(ForeignKey("case.number"), index=True)
    document_number: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40))
    layout: Mapped[str] = mapped_column(String(20))
    copies: Mapped[int] = mapped_column(Integer)
    reprint: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    destination: Mapped[str] = mapped_column(String(400))  # printer name or file path
    sha256: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int] = mapped_column(Integer)
    clerk_login: Mapped[str] = mapped_column(String(40))
    printed_at: Mapped[datetime] = mapped_column(DateTime)


class Certificate(Base):
    """A certificate (证照) issued for an approved case; its QR carries the office's signature."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[str] = mapped_column(String(120), unique=True)
    case_number: Mapped[str] = mapped_column(ForeignKey("case.number"), unique=True)
    type_name: Mapped[str] = mapped_column(String(200))
    type_code: Mapped[str] = mapped_column(String(40))
    holder_name: Mapped[str] = mapped_column(String(400))
    holder_id_masked: Mapped[str] = mapped_column(String(40))
    issuer_name: Mapped[str] = mapped_column(String(200))
    issuer_code: Mapped[str] = mapped_column(String(18))
    content: Mapped[str] = mapped_column(Text)
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    key_id: Mapped[str] = mapped_column(String(80))
    qr_text: Mapped[str] = mapped_column(Text)
    approver_login: Mapped[str] = mapped_column(String(40))
    handed_over_at: Mapped[datetime | None] = mapped_column(DateTime)
    recipient_name: Mapped[str | None] = mapped_column(String(400))
    recipient_id_number: Mapped[str | None] = mapped_column(String(40))
    handover_clerk_login: Mapped[str | None] = mapped_column(String(40))
    # Since schema 6 (NULL in rows stored before): the template printed (app.licences), the approver's
    # entries and the licence's own number as a JSON object {label: value} in print order, and who collected.
    licence_type: Mapped[str | None] = mapped_column(String(40))
    licence_fields: Mapped[str | None] = mapped_column(Text)
    recipient_id_type: Mapped[str | None] = mapped_column(String(20))
    recipient_capacity: Mapped[str | None] = mapped_column(String(20))
    recipient_authorization: Mapped[str | None] = mapped_column(String(400))
    # Since schema 9: mailed instead of collected (address, recipient, phone, carrier, tracking number).
    mailing: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class OfficeKey(Base):
    """Public half of an office signing key (the private half lives in the OS keyring)."""

    __tablename__ = "office_key"

    key_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(20))
    public_key: Mapped[str] = mapped_column(String(200))  # hex
    office_name: Mapped[str] = mapped_column(String(200))
    office_code: Mapped[str] = mapped_column(String(18))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)


class SyncState(Base):
    """Small facts about sync: the pull cursor, the last successful round, the last error."""

    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SyncConflict(Base):
    """A conflict the server found (e.g. two hand-overs of one certificate): shown to a supervisor."""

    __tablename__ = "sync_conflict"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)  # the server's change seq
    case_number: Mapped[str] = mapped_column(String(40), index=True)
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(Text)


class CalendarYearRow(Base):
    """A year's holiday arrangement published by the region's server (app.workdays.CalendarYear)."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime)


class HallCase(Base):
    """A case of another window of the hall, as sync reports it: enough to answer an applicant who asks
    at this window (number, who accepted it, when, what, its status). The case itself stays at its window."""

    __tablename__ = "hall_case"

    number: Mapped[str] = mapped_column(String(40), primary_key=True)
    window_code: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(30))
    decision: Mapped[str | None] = mapped_column(String(30))
    item_code: Mapped[str | None] = mapped_column(String(80))
    received_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime)  # the server's commit time of the change
    seq: Mapped[int] = mapped_column(Integer)  # the change that said so
    # Since schema 10 (issue 13): the case's timing as the server projects it (`timing` of the change), so
    # any PC of the hall lists it in the approver's queue and the supervisor's watch (app.lifecycle.watch).
    # NULL for entries of older changes, which carried none.
    department: Mapped[str | None] = mapped_column(String(100))
    accepted_on: Mapped[date | None] = mapped_column(Date)
    legal_due: Mapped[date | None] = mapped_column(Date)
    legal_due_uncertain: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    promised_date: Mapped[date | None] = mapped_column(Date)
    supplement_deadline: Mapped[date | None] = mapped_column(Date)
    suspended_since: Mapped[date | None] = mapped_column(Date)
    tolerated_outstanding: Mapped[str] = mapped_column(Text, default="", server_default="")

    __table_args__ = tuple(watch_indexes("hall_case"))


class CaseVisit(Base):
    """A return of the applicant after the decision: a supplement (补正) or a tolerated material supplied
    (容缺补交): what was asked, what the new check found (the materials brought are `CaseMaterial` rows of
    this `visit`)."""

    __tablename__ = "case_visit"
    __table_args__ = (UniqueConstraint("case_number", "visit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(ForeignKey("case.number"), index=True)
    visit: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # "supplement" | "tolerated"
    day: Mapped[date] = mapped_column(Date)
    asked: Mapped[list[Any]] = mapped_column(JSON)  # material codes the notice (or 容缺 list) named
    outcome: Mapped[str] = mapped_column(String(40))
    findings: Mapped[list[Any]] = mapped_column(JSON)
    warnings: Mapped[list[Any]] = mapped_column(JSON)
    supplement_deadline: Mapped[date | None] = mapped_column(Date)
    clerk_login: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(String(36), unique=True)


class CaseSuspension(Base):
    """A suspension (挂起) of a case's time limits: Art. 45 kinds and the local ones."""

    __tablename__ = "case_suspension"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(ForeignKey("case.number"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    start: Mapped[date] = mapped_column(Date)
    expected_end: Mapped[date] = mapped_column(Date)
    actual_end: Mapped[date | None] = mapped_column(Date)
    clerk_login: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    resume_event_id: Mapped[str | None] = mapped_column(String(36))


class CaseCorrection(Base):
    """A field of a saved case a supervisor corrected (更正): the old value stays here."""

    __tablename__ = "case_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(ForeignKey("case.number"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    clerk_login: Mapped[str] = mapped_column(String(40))
    corrected_at: Mapped[datetime] = mapped_column(DateTime)
    event_id: Mapped[str] = mapped_column(String(36))


class CertificateRevocation(Base):
    """A certificate of the hall revoked (撤销): the verifier reports it as revoked, offline too."""

    __tablename__ = "certificate_revocation"

    certificate_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    case_number: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(Text)
    revoked_on: Mapped[date] = mapped_column(Date)
    revoked_by: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(String(36))


class LicenceIssuerKey(Base):
    """The public key of a third-party licence issuer, imported with its licences (app.licence_library)."""

    __tablename__ = "licence_issuer_key"

    key_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(20))
    public_key: Mapped[str] = mapped_column(String(200))  # hex
    office_name: Mapped[str] = mapped_column(String(200))
    office_code: Mapped[str] = mapped_column(String(18))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    imported_at: Mapped[datetime] = mapped_column(DateTime)


class ImportedLicence(Base):
    """A third-party e-licence imported into the licence library: its signed QR text and what it claims."""

    __tablename__ = "imported_licence"

    licence_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    licence_type: Mapped[str] = mapped_column(String(40))
    type_name: Mapped[str] = mapped_column(String(200))
    holder_name: Mapped[str] = mapped_column(String(400))
    holder_id_masked: Mapped[str] = mapped_column(String(40), index=True)
    issuer_name: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    key_id: Mapped[str] = mapped_column(ForeignKey("licence_issuer_key.key_id"))
    qr_text: Mapped[str] = mapped_column(Text)
    imported_by: Mapped[str] = mapped_column(String(40))
    imported_at: Mapped[datetime] = mapped_column(DateTime)


class ServiceRating(Base):
    """好差评: the applicant's rating of one service event (一次一评); an unfavourable one (level 4, 5) is
    followed up by a supervisor by `follow_up_due`."""

    __tablename__ = "service_rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    service_event_id: Mapped[str] = mapped_column(String(36), unique=True)
    case_number: Mapped[str] = mapped_column(String(40), index=True)
    level: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    window_code: Mapped[str] = mapped_column(String(20))
    clerk_login: Mapped[str] = mapped_column(String(40))
    rated_at: Mapped[datetime] = mapped_column(DateTime)
    follow_up_due: Mapped[date | None] = mapped_column(Date)
    followed_up_at: Mapped[datetime | None] = mapped_column(DateTime)
    follow_up_note: Mapped[str | None] = mapped_column(Text)


class PageSet(Base):
    """The captured pages of one material of a case at one visit (0: the first), as last attached: the
    record of `case.pages_attached` (app.scanning.events). Its pages are `CasePage` rows."""

    __tablename__ = "page_set"
    __table_args__ = (UniqueConstraint("case_number", "material_code", "visit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(40), index=True)
    material_code: Mapped[str] = mapped_column(String(80))
    visit: Mapped[int] = mapped_column(Integer)
    standard_pages: Mapped[int | None] = mapped_column(Integer)
    kept_short_by: Mapped[str | None] = mapped_column(String(40))  # the clerk who kept a short count
    attached_by: Mapped[str] = mapped_column(String(40))
    attached_at: Mapped[datetime] = mapped_column(DateTime)  # UTC

    pages: Mapped[list[CasePage]] = relationship(
        back_populates="page_set", order_by="CasePage.position", cascade="all, delete-orphan"
    )


class CasePage(Base):
    """One page of a material: its file in the page store (by content), how it is turned, what its check
    said and who kept it despite that."""

    __tablename__ = "case_page"
    __table_args__ = (UniqueConstraint("page_set_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_set_id: Mapped[int] = mapped_column(ForeignKey("page_set.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    byte_size: Mapped[int] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(String(8))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    dpi: Mapped[int | None] = mapped_column(Integer)
    rotation: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20))
    warnings: Mapped[list[Any]] = mapped_column(JSON)
    kept_by: Mapped[str | None] = mapped_column(String(40))  # the clerk who kept it despite its warnings

    page_set: Mapped[PageSet] = relationship(back_populates="pages")


class PageUpload(Base):
    """A page file this window owes the server (app.sync.blobs): how much of it the server holds, and when it
    confirmed it whole. One row per file, however many pages name it."""

    __tablename__ = "page_upload"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    byte_size: Mapped[int] = mapped_column(Integer)
    sent_bytes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    queued_at: Mapped[datetime] = mapped_column(DateTime)
    done_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_page_upload_pending", "queued_at", sqlite_where=text("done_at IS NULL")),)


class HelperDraft(Base):
    """A helper's draft (app.helpers.drafts): prepared here, or one that reached this window. `content` is the
    draft's canonical JSON, `sha256` its hash (what a hand-off code's reference form names)."""

    __tablename__ = "helper_draft"

    draft_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    item_code: Mapped[str] = mapped_column(String(80))
    catalog_version: Mapped[str] = mapped_column(String(64))
    helper_login: Mapped[str] = mapped_column(String(40), index=True)
    helper_name: Mapped[str] = mapped_column(String(100))
    device: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    applicant_name: Mapped[str] = mapped_column(String(400))
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    # The draft's hand-off code in the reference form, signed by the PC that made it (app.helpers.online
    # sends it with the draft; a window keeps the one it checked). None: a draft of an earlier version.
    handoff_code: Mapped[str | None] = mapped_column(Text, default=None)
    # When the server took the draft this PC prepared (None: not yet, or one that reached this window).
    uploaded_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    # Since schema 16 (issue 15, helper mode): when the helper first printed its 帮办预审单 (UTC; NULL: not
    # printed, so saving again replaces it), and the printed draft an edited copy stands in for.
    printed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    replaces_draft_id: Mapped[str | None] = mapped_column(String(36), default=None)


class HelperDraftPage(Base):
    """A page file a kept draft names (schema 17, issue 15): so the file is not swept from the page store
    while no case names it yet, and a file the helper's PC owes the server stays owed (app.sync.blobs)."""

    __tablename__ = "helper_draft_page"

    draft_id: Mapped[str] = mapped_column(
        ForeignKey("helper_draft.draft_id", ondelete="CASCADE"), primary_key=True
    )
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    byte_size: Mapped[int | None] = mapped_column(Integer)  # None: a format-1 draft's page (size unknown)


class RevokedSigningKey(Base):
    """A signing key this window no longer trusts for a helper's hand-off (app.helpers.revocations): the
    helper's PC was revoked, lost or stolen."""

    __tablename__ = "revoked_signing_key"

    key_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    revoked_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    reason: Mapped[str] = mapped_column(Text)


class CaseBundle(Base):
    """A 一件事 bundle decided at this window (app.bundles): its number, the bundle as the catalog defined it
    then (items and shared materials: the documents read this, never a later catalog), and the numbers of its
    combined documents once printed. Its cases carry `bundle_number`."""

    __tablename__ = "case_bundle"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    bundle_code: Mapped[str] = mapped_column(String(40))
    bundle_name: Mapped[str] = mapped_column(String(200))
    catalog_version: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    hall_code: Mapped[str] = mapped_column(String(20))
    window_code: Mapped[str] = mapped_column(String(20))
    received_on: Mapped[date] = mapped_column(Date)
    serial: Mapped[int] = mapped_column(Integer)
    clerk_login: Mapped[str] = mapped_column(String(40))
    clerk_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # The materials as handed over once (shared ones under their key), for the combined receipt.
    handed_over: Mapped[list[Any]] = mapped_column(JSON)
    documents: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # kind → document number

    __table_args__ = (UniqueConstraint("window_code", "received_on", "serial"),)


class HelperClientList(Base):
    """The cases a helper prepared, as the server last answered (app.helpers.client_cases): kept whole per
    helper so a helper offline sees what was last fetched, and when."""

    __tablename__ = "helper_client_list"

    helper_login: Mapped[str] = mapped_column(String(40), primary_key=True)
    fetched_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    content: Mapped[str] = mapped_column(Text)  # the server's answer as checked, JSON
