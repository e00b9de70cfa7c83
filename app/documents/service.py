"""Documents of a case: which apply, their numbers, rendering, the glyph check, and print records."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.acceptance import Counter as CounterContext
from app.atomic import write_atomic
from app.cases.queries import CaseQueries
from app.cases.views import CaseView
from app.catalog_store import CatalogRepository
from app.clock import CHINA, Clock, hall_time_text
from app.documents import certificate as certificate_builders
from app.documents import lifecycle_notices, notices, numbering
from app.documents.content import DocumentContent, DocumentError, Office, require_decision
from app.documents.kinds import (
    A4_ONLY,
    DEFAULT_COPIES,
    NUMBER_WORD,
    TITLE,
    DocumentKind,
    case_documents,
    document_visit,
    step_case_documents,
)
from app.documents.layout import Layout
from app.settings import Settings
from app.sync.events import DocumentPrinted
from app.sync.outbox import UnsendableEvent, record_event
from app.sync.wire import MAX_CLERK_TEXT_CHARS
from app.workdays import WorkCalendar
from db.models import Clerk, Document, PrintRecord
from db.models import Counter as SerialCounter
from db.store import Store

log = logging.getLogger("clerk.documents")


class ReprintReasonRequired(DocumentError):
    """The document was printed before: a reprint (补打) needs a reason."""


@dataclass(frozen=True)
class GlyphWarning:
    where: str
    char: str

    @property
    def message(self) -> str:
        return f"「{self.where}」中的字符「{self.char}」（U+{ord(self.char):04X}）没有可用字体，打印后将缺字"


@dataclass(frozen=True)
class RenderedDocument:
    kind: DocumentKind
    case_number: str
    number: str
    layout: Layout
    pdf: bytes
    pages: int
    reprint_reason: str | None
    warnings: tuple[GlyphWarning, ...]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()

    @property
    def default_copies(self) -> int:
        return DEFAULT_COPIES[self.kind]

    @property
    def title(self) -> str:
        return TITLE[self.kind]


def glyph_warnings(content: DocumentContent) -> tuple[GlyphWarning, ...]:
    from app.documents.fonts import font_chain  # reportlab: imported at the first document, not at start

    chain = font_chain()
    seen: set[str] = set()
    warnings = []
    for where, text in content.texts():
        for char in chain.missing(text):
            if char not in seen:
                seen.add(char)
                warnings.append(GlyphWarning(where, char))
    return tuple(warnings)


def warm_up() -> None:
    """Import the PDF machinery and register the fonts ahead of the first document (the window does this
    on its job thread once it is up, so starting is not slowed and the first print is not either)."""
    from app.documents.fonts import font_chain
    from app.documents.pdf import render_pdf  # noqa: F401

    font_chain()


class DocumentService:
    def __init__(
        self,
        *,
        store: Store,
        catalog: CatalogRepository,
        cases: CaseQueries,
        clock: Clock,
        settings: Settings,
        calendar: WorkCalendar | None = None,
    ) -> None:
        self._store, self._catalog, self._cases, self._clock, self._settings = (
            store,
            catalog,
            cases,
            clock,
            settings,
        )
        # The calendar the acceptance uses: a notice states the day the legal time limit ends.
        self._calendar = calendar or WorkCalendar()

    def office(self, counter: CounterContext) -> Office:
        return Office.of_hall(
            counter.hall,
            name=str(self._settings.get("office_name")),
            short_name=str(self._settings.get("office_short_name")),
            window_name=counter.window_name,
            window_code=counter.window_code,
            region_name=self._catalog.region_name,
            verify_base=str(self._settings.get("verify_base")).rstrip("/"),
        )

    def default_layout(self) -> Layout:
        try:
            return Layout(str(self._settings.get("paper")))
        except ValueError:
            return Layout.A4

    def available(self, case: CaseView | str) -> list[DocumentKind]:
        """The documents this case can have now, in the order a clerk would print them: its decision's
        (app.documents.kinds), the certificate once issued and its pickup receipt once handed over, then
        the documents of the steps it took (the latest 补正材料接收凭证 and 挂起告知书)."""
        if isinstance(case, str):
            case = self._case(case)
        kinds = list(case_documents(case))
        if case.certificate is not None:
            kinds.append(DocumentKind.CERTIFICATE)
            if case.certificate.handed_over:
                kinds.append(DocumentKind.PICKUP_RECEIPT)
        return kinds + list(step_case_documents(case))

    def printed_before(self, case_number: str, kind: DocumentKind) -> bool:
        """Whether the document of `kind` the case gets now (of its latest visit or suspension, where a case
        has several: app.documents.kinds.document_visit) was printed before."""
        case = self._cases.find(case_number)
        visit = 0 if case is None else document_visit(kind, case)
        with self._store.read() as session:
            number = session.scalars(
                select(Document.number).where(
                    Document.case_number == case_number, Document.kind == str(kind), Document.visit == visit
                )
            ).first()
            if number is None:
                return False
            return (
                session.scalars(
                    select(PrintRecord.id).where(
                        PrintRecord.case_number == case_number,
                        PrintRecord.kind == str(kind),
                        PrintRecord.document_number == number,
                    )
                ).first()
                is not None
            )

    def prepare(
        self,
        kind: DocumentKind,
        case_number: str,
        *,
        counter: CounterContext,
        layout: Layout | None = None,
        reprint_reason: str | None = None,
    ) -> RenderedDocument:
        """Render the document from the stored case. A document printed before is a reprint (补打) and
        needs a reason; it keeps its number and is marked as a reprint."""
        case = self._case(case_number)
        number = case.number
        reason = (reprint_reason or "").strip() or None
        reprint = self.printed_before(number, kind)
        if reprint and reason is None:
            raise ReprintReasonRequired(f"「{TITLE[kind]}」已打印过，补打须填写原因")
        if reprint and reason is not None and len(reason) > MAX_CLERK_TEXT_CHARS:
            raise DocumentError(f"补打原因过长：共 {len(reason)} 个字，最多 {MAX_CLERK_TEXT_CHARS} 个")
        content = self._content(kind, case, counter)
        if reprint:
            now = hall_time_text(self._clock.now(), style="document")
            content = replace(content, reprint=f"原因：{reason}　补打：{now}　{counter.clerk_name}")
        chosen = layout or self.default_layout()
        if kind in A4_ONLY:
            chosen = Layout.A4  # a certificate, a decision or a notice is never a till slip
        from app.documents.pdf import render_pdf  # reportlab: at the first document (see warm_up)

        pdf = render_pdf(content, layout=chosen)
        return RenderedDocument(
            kind,
            number,
            content.number,
            chosen,
            pdf.data,
            pdf.pages,
            reason if reprint else None,
            glyph_warnings(content),
        )

    def record_print(
        self, document: RenderedDocument, *, destination: str, copies: int, counter: CounterContext
    ) -> None:
        """Record a print the printer (or file) actually took, with its outbox event, in one transaction."""
        now = self._clock.now()
        with self._store.write() as session:
            record = PrintRecord(
                case_number=document.case_number,
                document_number=document.number,
                kind=str(document.kind),
                layout=str(document.layout),
                copies=copies,
                reprint=document.reprint_reason is not None,
                reason=document.reprint_reason,
                destination=destination,
                sha256=document.sha256,
                pages=document.pages,
                clerk_login=counter.clerk_login,
                printed_at=now.replace(tzinfo=None),
            )
            session.add(record)
            printed = DocumentPrinted(
                document=document.kind,
                number=document.number,
                copies=copies,
                destination=destination,
                sha256=document.sha256,
                layout=document.layout,
            )
            reason = document.reprint_reason
            event = printed if reason is None else printed.reprint(reason=reason)
            try:
                record_event(
                    session=session, event=event, case_number=document.case_number, by=counter, now=now
                )
            except UnsendableEvent as error:
                raise DocumentError(f"打印记录未保存：不符合上传格式（{error}）") from None
        log.info(
            "%s %s of %s printed to %s", document.kind, document.number, document.case_number, destination
        )

    def export(self, document: RenderedDocument, path: Path, *, counter: CounterContext) -> None:
        """Write the PDF atomically, then record it; a failed write records nothing."""
        write_atomic(path, document.pdf)
        self.record_print(document, destination=f"file:{path}", copies=1, counter=counter)

    def prints(self, case_number: str) -> list[dict[str, Any]]:
        with self._store.read() as session:
            rows = session.scalars(
                select(PrintRecord).where(PrintRecord.case_number == case_number).order_by(PrintRecord.id)
            ).all()
        return [
            {
                "kind": r.kind,
                "number": r.document_number,
                "copies": r.copies,
                "reprint": r.reprint,
                "reason": r.reason,
                "destination": r.destination,
                "printed_at": r.printed_at.isoformat() + "Z",
                "clerk": r.clerk_login,
                "sha256": r.sha256,
            }
            for r in rows
        ]

    # -- internals -------------------------------------------------------------------------------
    def _case(self, case_number: str) -> CaseView:
        case = self._cases.find(case_number)
        if case is None:
            raise DocumentError(f"本窗口数据库中没有办件 {case_number}")
        return case

    def _content(self, kind: DocumentKind, case: CaseView, counter: CounterContext) -> DocumentContent:
        office = self.office(counter)
        certificate = case.certificate
        if kind is DocumentKind.CERTIFICATE:
            if certificate is None:
                raise DocumentError(f"办件 {case.number} 尚未审批发证（状态：{case.status}），不能打印证照")
            self._number(kind, case, counter, fixed=certificate.certificate_id)
            return certificate_builders.certificate(case, certificate, office)
        if kind is DocumentKind.PICKUP_RECEIPT and certificate is None:
            raise DocumentError(f"办件 {case.number} 尚未发证，不能出具领证回执")
        item = self._catalog.item_at(case.item_code, case.catalog_version)
        if item is None:
            raise DocumentError(f"找不到事项 {case.item_code}（目录版本 {case.catalog_version}）")
        if kind is DocumentKind.PICKUP_RECEIPT:
            assert certificate is not None
            if not certificate.handed_over:
                raise DocumentError(f"办件 {case.number} 的证照尚未交付，不能出具领证回执")
            return certificate_builders.pickup_receipt(
                case, certificate, office, self._number(kind, case, counter)
            )
        later = lifecycle_notices.BUILDERS.get(kind)
        if later is not None:
            require_decision(kind, case)  # before a number is spent on it
            names = self._names()
            number = self._number(kind, case, counter)
            return later(case, item, office, number, calendar=self._calendar, names=names)
        require_decision(kind, case)  # before a number is spent on it (and a bundle's document is refused)
        build = {
            DocumentKind.RECEIPT: notices.acceptance_receipt,
            DocumentKind.TOLERANCE_NOTICE: notices.tolerance_notice,
            DocumentKind.SUPPLEMENT_NOTICE: notices.supplement_notice,
            DocumentKind.REJECTION_NOTICE: notices.rejection_notice,
            DocumentKind.COMMITMENT_LETTER: notices.commitment_letter,
        }[kind]
        return build(case, item, office, self._number(kind, case, counter), calendar=self._calendar)

    def _names(self) -> dict[str, str]:
        """login → name of the people a step's document names (who received, recorded, mailed)."""
        with self._store.read() as session:
            return {login: name for login, name in session.execute(select(Clerk.login, Clerk.name))}

    def _number(
        self, kind: DocumentKind, case: CaseView, counter: CounterContext, *, fixed: str | None = None
    ) -> str:
        """The document's number, given once per case, kind and visit (app.documents.numbering,
        app.documents.kinds.document_visit); a document numbered before keeps the number it was printed
        with."""
        case_number = case.number
        visit = document_visit(kind, case)
        with self._store.write() as session:
            existing = session.scalars(
                select(Document.number).where(
                    Document.case_number == case_number, Document.kind == str(kind), Document.visit == visit
                )
            ).first()
            if existing is not None:
                return existing
            now = self._clock.now()
            if fixed is None:
                fixed = self._next_number(session, kind, counter, year=now.astimezone(CHINA).year)
            session.add(
                Document(
                    case_number=case_number,
                    kind=str(kind),
                    number=fixed,
                    created_at=now.replace(tzinfo=None),
                    clerk_login=counter.clerk_login,
                    visit=visit,
                )
            )
            return fixed

    def allocate_number(self, session: Session, kind: DocumentKind, counter: CounterContext) -> str:
        """A new document number of `kind` from this window's block, in the caller's write transaction (a
        document not of one case: a 一件事 bundle's, app.bundles.documents)."""
        return self._next_number(session, kind, counter, year=self._clock.now().astimezone(CHINA).year)

    def _next_number(
        self, session: Session, kind: DocumentKind, counter: CounterContext, *, year: int
    ) -> str:
        """The next 顺序号 of this window's block for the kind and year (NumberingError when used up)."""
        short = str(self._settings.get("office_short_name"))
        setting = self._settings.get(numbering.SETTING)
        block = numbering.serial_block(
            setting=setting if isinstance(setting, int) else None,
            hall_code=counter.hall.code,
            window_code=counter.window_code,
        )
        name = numbering.counter_name(short_name=short, kind=str(kind), year=year, block=block)
        serial = session.get(SerialCounter, name)
        if serial is None:
            serial = SerialCounter(name=name, last=0)
            session.add(serial)
        number = numbering.block_serial(block, serial.last + 1, what=f"{year}年“{TITLE[kind]}”")
        serial.last += 1
        return numbering.document_number(short_name=short, word=NUMBER_WORD[kind], year=year, serial=number)
