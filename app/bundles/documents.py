"""A bundle's combined documents, made from the stored bundle and its stored cases (never the screen):

- the 一件事一次办受理回执: each item's case number and decision, the materials received once (a shared
  material named once, with the items it counts for), where to follow progress;
- the 一件事一次性告知书: every gap of the bundle at once (Art. 32 (4)), grouped by item, a shared material
  named once with the items that need it, the deadline of each item, and what was decided for the others.

Both carry the bundle number (Code128 and the page foot) and a QR ``{verify_base}/BUNDLE/{number}`` that the
window's scan router opens as the bundle (app.scanning.routing). Which of them a bundle gets is the table
`app.documents.kinds.BUNDLE_DOCUMENTS`. Each is numbered once, when first printed, from the window's block
(机关简称 + 联受/联告 + 〔年份〕 + 顺序号), and the number is kept with the bundle for every reprint.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select

from app.acceptance import Counter as CounterContext
from app.bundles.views import BundleView
from app.cases.views import CaseView
from app.catalog import FORM_LABEL, ApplicantKind, Form, Material, ServiceItem
from app.catalog_store import CatalogRepository
from app.clock import CHINA, Clock, hall_time_text
from app.completeness import Outcome, Rule, Verdict
from app.documents.content import (
    BLANK_DATE,
    DocumentContent,
    DocumentError,
    Field,
    Office,
    Paragraph,
    Section,
    Table,
    cn_date,
    cn_time,
    id_field,
)
from app.documents.kinds import (
    BUNDLE_KINDS,
    NOT_FOR_BUNDLE,
    TITLE,
    DocumentKind,
    bundle_documents,
)
from app.documents.layout import Layout
from app.documents.notices import INCLUSIVE, PERMIT_LAW, YOU, addressee
from app.documents.service import DocumentService, RenderedDocument, ReprintReasonRequired, glyph_warnings
from app.licence_library.evidence import LICENCE_EXEMPT, licence_named
from app.sync.events import DocumentPrinted
from app.sync.outbox import UnsendableEvent, record_event
from app.sync.wire import MAX_CLERK_TEXT_CHARS
from db.models import CaseBundle, PrintRecord
from db.store import Store

log = logging.getLogger("clerk.bundles")

# Whether a stored case says something of its material `code` (handed over as a licence, committed …).
_Found = Callable[[CaseView, str], bool]

DECISION_TEXT: dict[str, str] = {
    Outcome.ACCEPTED: "予以受理",
    Outcome.ACCEPTED_WITH_TOLERANCE: "容缺受理",
    Outcome.SUPPLEMENT_REQUIRED: "需补正材料",
    Outcome.REJECTED: "不予受理",
}


def bundle_url(office: Office, number: str) -> str:
    return f"{office.verify_base}/BUNDLE/{number}"


def _parties(case: CaseView) -> list[Field]:
    fields = [
        Field("申请人", case.applicant.name),
        id_field("证件", case.applicant),
        Field("联系电话", case.applicant.phone),
    ]
    if case.agent:
        fields += [
            Field("代理人", case.agent.name),
            id_field("代理人证件", case.agent),
            Field("代理人电话", case.agent.phone),
        ]
    return [f for f in fields if f.value]


def _head(bundle: BundleView) -> list[Field]:
    first = bundle.cases[0]
    return [
        Field("一件事编号", bundle.number),
        Field("一件事名称", bundle.name),
        *_parties(first),
        Field("申请时间", cn_time(first.created_at)),
        Field("事项版本", bundle.catalog_version),
    ]


def _footer(bundle: BundleView, office: Office) -> tuple[Field, ...]:
    return (
        Field("受理人员", bundle.clerk_name),
        Field("受理窗口", f"{office.window_name}（{office.window_code}）"),
        Field("咨询电话", office.phone),
    )


def _when(case: CaseView) -> str:
    if case.decision == Outcome.SUPPLEMENT_REQUIRED and case.supplement_deadline:
        return f"补正期限 {cn_date(case.supplement_deadline)}"
    if case.promised_date:
        return f"承诺办结 {cn_date(case.promised_date)}"
    if case.referral_office:
        return f"请到{case.referral_office}"
    return "—"


def _decisions(bundle: BundleView) -> Table:
    rows = tuple(
        (str(i + 1), c.item_name, c.number, DECISION_TEXT.get(str(c.decision), c.decision_label), _when(c))
        for i, c in enumerate(bundle.cases)
    )
    return Table(
        "各事项办件编号及决定", ("序号", "事项", "办件编号", "决定", "期限"), rows, (0.6, 3.2, 3.0, 1.5, 2.6)
    )


def _item_names(bundle: BundleView) -> dict[str, str]:
    names = bundle.definition.get("item_names") or {}
    return {str(k): str(v) for k, v in names.items()} if isinstance(names, dict) else {}


def _shared_items(bundle: BundleView, key: str) -> list[str]:
    names = _item_names(bundle)
    for entry in bundle.definition.get("shared") or ():
        if entry.get("key") == key:
            return [names.get(t["item"], t["item"]) for t in entry.get("materials") or ()]
    return []


def _counted_for(
    bundle: BundleView, shared: str | None, item: str | None, code: str, found: _Found
) -> list[str]:
    """The names of the items whose stored case says `found` of a row's material (its code in that item)."""
    names: list[str] = []
    for case in bundle.cases:
        own = code if case.item_code == item else None
        target = _target(bundle, shared, case.item_code) if shared else own
        if target is not None and found(case, target):
            names.append(case.item_name)
    return names


def _target(bundle: BundleView, key: str, item_code: str) -> str | None:
    for entry in bundle.definition.get("shared") or ():
        if entry.get("key") == key:
            for target in entry.get("materials") or ():
                if target.get("item") == item_code:
                    return str(target.get("material"))
    return None


def _by_licence(case: CaseView, code: str) -> bool:
    return any(m.material == code and m.form == Form.LICENCE and m.visit == 0 for m in case.materials)


def _by_commitment(case: CaseView, code: str) -> bool:
    return any(f.material == code and f.rule == Rule.COMMITMENT for f in case.findings)


def _received(bundle: BundleView) -> Table:
    """Each material received once, with the items it counts for: paper for every item that needs it; an
    electronic licence (电子证照免提交, with its id) and a 告知承诺 for the items that accepted it."""
    names = _item_names(bundle)
    grouped: dict[tuple[str | None, str | None, str], list[Mapping[str, Any]]] = {}
    for row in bundle.handed_over:
        grouped.setdefault((row.get("shared"), row.get("item"), str(row.get("material"))), []).append(row)
    rows: list[tuple[str, ...]] = []
    for (shared, item, code), group in grouped.items():
        name = str(group[0]["name"]) + ("（共享）" if shared else "")
        licence = next((r for r in group if r.get("form") == Form.LICENCE), None)
        if licence is not None:
            counted = _counted_for(bundle, shared, item, code, _by_licence)
            named = licence_named(str(licence.get("licence_type") or ""), licence.get("licence_id"))
            rows.append(
                (
                    str(len(rows) + 1),
                    f"{name}\n{named}",
                    "、".join(counted) or "—",
                    LICENCE_EXEMPT,
                    "—",
                    "—",
                )
            )
            continue
        applies = "、".join(_shared_items(bundle, shared)) if shared else names.get(item or "", item or "")
        forms = "、".join(FORM_LABEL[Form(r["form"])] for r in group)
        rows.append(
            (
                str(len(rows) + 1),
                name,
                applies,
                forms,
                str(sum(int(r["copies"]) for r in group)),
                str(max(int(r["pages"]) for r in group)),
            )
        )
    committed: dict[tuple[str | None, str | None, str], str] = {}
    for case in bundle.cases:
        for finding in case.findings:
            if finding.rule != Rule.COMMITMENT or not finding.material:
                continue
            key = _shared_key(bundle, case.item_code, finding.material)
            where = (key, None, key) if key else (None, case.item_code, finding.material)
            committed.setdefault(where, finding.message.split("」", 1)[0].lstrip("「"))
    for (shared, item, code), name in committed.items():
        counted = _counted_for(bundle, shared, item, code, _by_commitment)
        shown = _shared_name(bundle, shared) + "（共享）" if shared else name
        rows.append((str(len(rows) + 1), shown, "、".join(counted), "以告知承诺替代", "—", "—"))
    return Table(
        "收到材料（共享材料只收一份，用于所列各事项）",
        ("序号", "材料名称", "用于事项", "收取方式", "份数", "页数"),
        tuple(rows),
        (0.6, 3.2, 3.4, 1.6, 0.7, 0.7),
    )


def _shared_name(bundle: BundleView, key: str) -> str:
    for entry in bundle.definition.get("shared") or ():
        if entry.get("key") == key:
            return str(entry.get("name"))
    return key


def bundle_receipt(bundle: BundleView, office: Office, number: str) -> DocumentContent:
    first = bundle.cases[0]
    return DocumentContent(
        kind=DocumentKind.BUNDLE_RECEIPT,
        title=TITLE[DocumentKind.BUNDLE_RECEIPT],
        office_name=office.name,
        number=number,
        case_number=bundle.number,
        qr_text=bundle_url(office, bundle.number),
        qr_caption="扫码查询各事项办理进度",
        fields=tuple(_head(bundle)),
        sections=(
            Paragraph(
                f"{YOU[_kind(first)]}提出的“{bundle.name}”一件事申请（共{len(bundle.cases)}个事项）已收到，"
                "各事项分别依法审查决定如下。材料只需提交一次，共享材料用于所列各事项。"
            ),
            _decisions(bundle),
            _received(bundle),
            Paragraph(
                "各事项的受理通知书、一次性告知书或不予受理通知书另行出具，具有法律效力；本回执汇总列明各事项的办件编号。"
                f"查询办理进度：扫描本回执二维码，或凭一件事编号、办件编号到{office.name}咨询。"
            ),
        ),
        signatures=(),
        footer=_footer(bundle, office),
        issued_on=first.created_at.astimezone(CHINA).date(),
        seal_name=office.name,
        addressee=addressee(first),
        number_label="一件事编号",
    )


def _kind(case: CaseView) -> ApplicantKind:
    try:
        return ApplicantKind(case.applicant.kind)
    except ValueError:
        return ApplicantKind.ORGANIZATION


@dataclass(frozen=True)
class _Gap:
    material: Material
    problem: str
    case: CaseView
    item: ServiceItem


def _gaps(case: CaseView, item: ServiceItem, verdicts: tuple[str, ...]) -> list[_Gap]:
    gaps: list[_Gap] = []
    seen: set[str] = set()
    for finding in case.findings:
        if finding.outcome not in verdicts or not finding.material or finding.material in seen:
            continue
        material = item.material(finding.material)
        if material is None:
            raise DocumentError(
                f"办件 {case.number} 的材料 {finding.material} 不在事项目录 {case.catalog_version} 中"
            )
        if material.shared_by:
            continue  # the hall obtains it by data sharing: never asked
        seen.add(finding.material)
        if finding.outcome == Verdict.MISSING:
            problem = "缺少" + _why_not(case, finding.material)
        elif finding.outcome == Verdict.TOLERATED:
            problem = "容缺，须按期补交"
        else:
            problem = finding.message.split("」", 1)[-1] or "存在瑕疵"
        gaps.append(_Gap(material, problem, case, item))
    return gaps


def _why_not(case: CaseView, code: str) -> str:
    """Why a material handed over for the bundle as a licence or replaced by a 告知承诺 does not count for
    this item (its note among the case's findings), or nothing."""
    notes = (Rule.LICENCE, Rule.COMMITMENT_NOT_ALLOWED)
    for finding in case.findings:
        if finding.material == code and finding.outcome == Verdict.NOTE and finding.rule in notes:
            return "：" + finding.message.split("」", 1)[-1]
    return ""


def _requirement(material: Material) -> str:
    amount = f"{material.copies}份" if material.copies else ""
    return f"{material.forms_label}{amount}；{material.standard}".rstrip("；")


def _shared_key(bundle: BundleView, item_code: str, material_code: str) -> str | None:
    for entry in bundle.definition.get("shared") or ():
        for target in entry.get("materials") or ():
            if target.get("item") == item_code and target.get("material") == material_code:
                return str(entry.get("key"))
    return None


def bundle_notice(
    bundle: BundleView, items: Mapping[str, ServiceItem], office: Office, number: str
) -> DocumentContent:
    """Every gap of the bundle at once: shared materials first (named once, with the items that need them),
    then each item's own, each item with its deadline; then what was decided for the other items."""
    decisions = [str(c.decision) for c in bundle.cases]
    if DocumentKind.BUNDLE_NOTICE not in bundle_documents(decisions):
        raise DocumentError(NOT_FOR_BUNDLE[DocumentKind.BUNDLE_NOTICE].format(number=bundle.number))
    first = bundle.cases[0]
    whom = YOU[_kind(first)]
    verdicts = (Verdict.MISSING, Verdict.DEFECTIVE)
    shared_rows: dict[str, tuple[_Gap, list[str]]] = {}
    sections: list[Section] = [
        Paragraph(
            f"{whom}于{cn_time(first.created_at)}提出的“{bundle.name}”一件事申请，经审查，下列事项的申请材料"
            f"不齐全或者不符合法定形式。根据{PERMIT_LAW}第三十二条第一款第（四）项的规定，"
            f"现一次性告知{whom}本次申请需要补正的全部内容如下："
        )
    ]
    own: list[tuple[CaseView, list[_Gap]]] = []
    for case in bundle.cases:
        if case.decision != Outcome.SUPPLEMENT_REQUIRED:
            continue
        item = items[case.item_code]
        mine: list[_Gap] = []
        for gap in _gaps(case, item, verdicts):
            key = _shared_key(bundle, case.item_code, gap.material.code)
            if key is None:
                mine.append(gap)
            elif key in shared_rows:
                shared_rows[key][1].append(case.item_name)
            else:
                shared_rows[key] = (gap, [case.item_name])
        own.append((case, mine))
    if shared_rows:
        rows = tuple(
            (str(i + 1), gap.material.name, gap.problem, _requirement(gap.material), "、".join(names))
            for i, (gap, names) in enumerate(shared_rows.values())
        )
        sections.append(
            Table(
                "共享材料（补正一份即用于所列各事项）",
                ("序号", "材料名称", "问题", "要求", "涉及事项"),
                rows,
                (0.6, 2.8, 1.8, 3.2, 2.6),
            )
        )
    for case, gaps in own:
        deadline = case.supplement_deadline
        title = f"{case.item_name}（办件编号 {case.number}）"
        if gaps:
            rows = tuple(
                (
                    str(i + 1),
                    g.material.name,
                    g.problem,
                    _requirement(g.material),
                    g.material.basis or g.item.basis,
                )
                for i, g in enumerate(gaps)
            )
            sections.append(
                Table(title, ("序号", "材料名称", "问题", "要求", "依据"), rows, (0.6, 2.8, 1.8, 3.2, 2.6))
            )
        else:
            sections.append(Paragraph(f"{title}：仅需补正上列共享材料。"))
        if deadline is not None:
            sections.append(
                Paragraph(f"“{case.item_name}”请于{cn_date(deadline)}{INCLUSIVE}前补正。", emphasis=True)
            )
    tolerated: list[tuple[CaseView, list[_Gap]]] = []
    for case in bundle.cases:
        if case.decision == Outcome.ACCEPTED_WITH_TOLERANCE:
            tolerated.append((case, _gaps(case, items[case.item_code], (Verdict.TOLERATED,))))
    for case, gaps in tolerated:
        due = (
            f"{cn_date(case.supplement_deadline)}{INCLUSIVE}"
            if case.supplement_deadline
            else "容缺受理通知书所载期限"
        )
        tolerated_rows = tuple(
            (str(i + 1), g.material.name, _requirement(g.material), due) for i, g in enumerate(gaps)
        )
        sections.append(
            Table(
                f"{case.item_name}（办件编号 {case.number}，已容缺受理）须补交的材料",
                ("序号", "材料名称", "要求", "补交期限"),
                tolerated_rows,
                (0.6, 3.6, 3.6, 2.4),
            )
        )
    others = [c for c in bundle.cases if c.decision in (Outcome.ACCEPTED, Outcome.REJECTED)]
    if others:
        said = "；".join(
            f"“{c.item_name}”（{c.number}）{DECISION_TEXT[str(c.decision)]}"
            + (
                f"，请到{c.referral_office}申请"
                if c.decision == Outcome.REJECTED and c.referral_office
                else ""
            )
            for c in others
        )
        sections.append(Paragraph(f"本一件事的其他事项：{said}。"))
    sections.append(
        Paragraph(
            "本告知书所列即为本次一件事申请需补正的全部内容，不再要求提交其他材料；共享材料补正一份，即用于所列各事项。"
            f"期限届满未补正的，{whom}不因此丧失任何权利，可以随时重新提出申请。",
            emphasis=True,
        )
    )
    return DocumentContent(
        kind=DocumentKind.BUNDLE_NOTICE,
        title=TITLE[DocumentKind.BUNDLE_NOTICE],
        office_name=office.name,
        number=number,
        case_number=bundle.number,
        qr_text=bundle_url(office, bundle.number),
        qr_caption="扫码查看各事项需补正材料",
        fields=(*_head(bundle), Field("承办人员", f"{bundle.clerk_name}（{office.phone}）")),
        sections=tuple(sections),
        signatures=("申请人（签字）：", f"签收时间：{BLANK_DATE}____时____分"),
        footer=_footer(bundle, office),
        issued_on=first.created_at.astimezone(CHINA).date(),
        copies_note="本告知书一式两份，一份交申请人，一份存档。",
        seal_name=office.name,
        addressee=addressee(first),
        number_label="一件事编号",
    )


class BundleDocuments:
    """Rendering a bundle's combined documents, numbered once per bundle and kind."""

    def __init__(
        self, *, store: Store, catalog: CatalogRepository, documents: DocumentService, clock: Clock
    ) -> None:
        self._store, self._catalog, self._documents, self._clock = store, catalog, documents, clock

    def available(self, bundle: BundleView) -> tuple[DocumentKind, ...]:
        return bundle_documents([str(c.decision) for c in bundle.cases])

    def prepare(
        self,
        kind: DocumentKind,
        bundle: BundleView,
        *,
        counter: CounterContext,
        reprint_reason: str | None = None,
    ) -> RenderedDocument:
        """Render the combined document from the stored bundle. One printed before is a reprint (补打): it
        needs a reason (ReprintReasonRequired), keeps its number and says it is a reprint."""
        reason = (reprint_reason or "").strip() or None
        reprint = self.printed_before(bundle, kind)
        if reprint and reason is None:
            raise ReprintReasonRequired(f"「{TITLE[kind]}」已打印过，补打须填写原因")
        if reprint and reason is not None and len(reason) > MAX_CLERK_TEXT_CHARS:
            raise DocumentError(f"补打原因过长：共 {len(reason)} 个字，最多 {MAX_CLERK_TEXT_CHARS} 个")
        if kind not in BUNDLE_KINDS:
            raise DocumentError(f"“{TITLE[kind]}”不是一件事的文书")
        if kind not in self.available(bundle):
            raise DocumentError(NOT_FOR_BUNDLE[kind].format(number=bundle.number))
        if not bundle.cases:
            raise DocumentError(f"一件事 {bundle.number} 没有办件")
        office = self._documents.office(counter)
        if kind is DocumentKind.BUNDLE_RECEIPT:
            content = bundle_receipt(bundle, office, self._number(kind, bundle, counter))
        else:
            items: dict[str, ServiceItem] = {}
            for case in bundle.cases:
                item = self._catalog.item_at(case.item_code, case.catalog_version)
                if item is None:
                    raise DocumentError(f"找不到事项 {case.item_code}（目录版本 {case.catalog_version}）")
                items[case.item_code] = item
            bundle_notice(bundle, items, office, "—")  # every gap readable before a number is spent
            content = bundle_notice(bundle, items, office, self._number(kind, bundle, counter))
        if reprint:
            now = hall_time_text(self._clock.now(), style="document")
            content = replace(content, reprint=f"原因：{reason}　补打：{now}　{counter.clerk_name}")
        from app.documents.pdf import render_pdf  # reportlab: at the first document

        pdf = render_pdf(content, layout=Layout.A4)
        return RenderedDocument(
            kind,
            bundle.number,
            content.number,
            Layout.A4,
            pdf.data,
            pdf.pages,
            reason if reprint else None,
            glyph_warnings(content),
        )

    def printed_before(self, bundle: BundleView, kind: DocumentKind) -> bool:
        """Whether the bundle's document of `kind` was printed (its number is on a print record of a case
        of the bundle)."""
        number = bundle.documents.get(str(kind))
        with self._store.read() as session:
            row = session.scalars(select(CaseBundle).where(CaseBundle.number == bundle.number)).first()
            if row is not None:
                number = (row.documents or {}).get(str(kind))
            if not isinstance(number, str):
                return False
            cases = [c.number for c in bundle.cases]
            found = session.scalars(
                select(PrintRecord.id).where(
                    PrintRecord.case_number.in_(cases),
                    PrintRecord.kind == str(kind),
                    PrintRecord.document_number == number,
                )
            ).first()
        return found is not None

    def record_print(
        self,
        document: RenderedDocument,
        bundle: BundleView,
        *,
        destination: str,
        copies: int,
        counter: CounterContext,
    ) -> None:
        """Record a print the printer (or file) took, as a case's document print is recorded: the combined
        document is a document of every case of the bundle, so each case gets its print record and its
        `document.printed` (or `document.reprinted`) event, all in one transaction."""
        if document.case_number != bundle.number or document.kind not in BUNDLE_KINDS:
            raise DocumentError(f"“{document.title}”不是一件事 {bundle.number} 的文书")
        if not bundle.cases:
            raise DocumentError(f"一件事 {bundle.number} 没有办件")
        now = self._clock.now()
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
        with self._store.write() as session:
            for case in bundle.cases:
                session.add(
                    PrintRecord(
                        case_number=case.number,
                        document_number=document.number,
                        kind=str(document.kind),
                        layout=str(document.layout),
                        copies=copies,
                        reprint=reason is not None,
                        reason=reason,
                        destination=destination,
                        sha256=document.sha256,
                        pages=document.pages,
                        clerk_login=counter.clerk_login,
                        printed_at=now.replace(tzinfo=None),
                    )
                )
                try:
                    record_event(session=session, event=event, case_number=case.number, by=counter, now=now)
                except UnsendableEvent as error:
                    raise DocumentError(f"打印记录未保存：不符合上传格式（{error}）") from None
        log.info(
            "%s %s of bundle %s printed to %s", document.kind, document.number, bundle.number, destination
        )

    def _number(self, kind: DocumentKind, bundle: BundleView, counter: CounterContext) -> str:
        with self._store.write() as session:
            row = session.scalars(select(CaseBundle).where(CaseBundle.number == bundle.number)).one()
            existing = (row.documents or {}).get(str(kind))
            if isinstance(existing, str):
                return existing
            number = self._documents.allocate_number(session, kind, counter)
            row.documents = {**(row.documents or {}), str(kind): number}
            return number
