"""What the documents of a case's later life say in law, built from the stored case's view
(app.lifecycle): the 补正材料接收凭证 of a return, the 挂起告知书 (行政许可法 Art. 45), the 延期告知书
(Art. 42), the 不予行政许可决定书 (Art. 38), the notices of withdrawal (撤回) and termination (终止),
the 送达回执 of a mailed certificate and the 撤销行政许可决定书 (Art. 69).

Like the notices of the decision (app.documents.notices), each speaks for the body that decides, is
addressed to the applicant, and is dated the day of its step (a reprint says the same). Which case gets
which document is the table in app.documents.kinds; each builder checks it before anything else.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Protocol

from app.cases.views import CaseView, CertificateView
from app.catalog import FORM_LABEL, Form, ServiceItem
from app.completeness import Outcome, Verdict
from app.documents.content import (
    BLANK_DATE,
    DocumentContent,
    DocumentError,
    DocumentKind,
    Field,
    Issuer,
    Office,
    Paragraph,
    Section,
    Table,
    _item_fields,
    _party_fields,
    case_document,
    cn_date,
    cn_time,
    require_decision,
)
from app.documents.notices import (
    INCLUSIVE,
    PERMIT_LAW,
    UNCERTAIN,
    accepted_day,
    addressee,
    applied,
    remedies,
    you,
)
from app.lifecycle.delivery import CARRIERS, Carrier
from app.lifecycle.suspensions import SUSPENSION_KINDS, SuspensionKind
from app.lifecycle.views import SuspensionView, VisitView
from app.workdays import WorkCalendar

Names = Mapping[str, str]  # login → name of the people a document names (who received, who mailed …)
TWO_COPIES = "一式两份，一份交申请人，一份存档。"


def _name(names: Names, login: str | None) -> str:
    return names.get(login or "", login or "")


def _ending(case: CaseView, kind: str) -> dict[str, Any]:
    ending = case.life.ending
    if ending is None or ending.get("kind") != kind:
        raise DocumentError(f"办件 {case.number} 没有相应的办结记录")
    return ending


def _day(text: Any) -> date:
    return date.fromisoformat(str(text))


def _staff(label: str, login: str | None, office: Office, names: Names) -> tuple[Field, ...]:
    """Who took the step, at which window, and the hall's phone (the footer of a step's document)."""
    return (
        Field(label, _name(names, login)),
        Field("经办窗口", f"{office.window_name}（{office.window_code}）"),
        Field("咨询电话", office.phone),
    )


def _accepted_text(case: CaseView, issuer: Issuer) -> str:
    """ "你于…提出的“…”申请，…于…受理": the start of a notice about a case under review."""
    day = case.life.accepted_on or accepted_day(case) or case.received_on
    return f"{applied(case)}，{issuer.body_name}已于{cn_date(day)}依法受理"


# -- 补正材料接收凭证 ---------------------------------------------------------------------------------
RECEIVED_COLUMNS = ("序号", "材料名称", "告知要求", "收取方式", "份数", "页数", "核验结果")
RECEIVED_WIDTHS = (0.6, 2.8, 1.4, 1.8, 0.6, 0.6, 2.4)
_ASKED_AS = {"supplement": "一次性告知书所列", "tolerated": "容缺材料"}


def _verdict(visit: VisitView, code: str) -> str:
    """What the check on the visit found of one material, in the applicant's words."""
    for finding in visit.findings:
        if finding.get("material") == code and finding.get("outcome") in (Verdict.MISSING, Verdict.DEFECTIVE):
            return "仍需补正：" + str(finding.get("message", "")).split("」", 1)[-1]
    return "符合要求"


def _visit_rows(case: CaseView, item: ServiceItem, visit: VisitView) -> tuple[tuple[str, ...], ...]:
    """What came on the visit, one row a material, then what the notice asked that did not come."""
    brought: dict[str, list[Any]] = {}
    for entry in case.materials:
        if entry.visit == visit.visit:
            brought.setdefault(entry.material, []).append(entry)
    rows: list[tuple[str, ...]] = []
    for code, entries in brought.items():
        asked = _ASKED_AS[visit.kind] if code in visit.asked else "—"
        forms = "、".join(FORM_LABEL[Form(e.form)] for e in entries)
        copies, pages = sum(e.copies for e in entries), max(e.pages for e in entries)
        rows.append((entries[0].name, asked, forms, str(copies), str(pages), _verdict(visit, code)))
    for code in visit.asked:
        if code not in brought:
            material = item.material(code)
            name = material.name if material is not None else code
            rows.append((name, _ASKED_AS[visit.kind], "未提交", "—", "—", "尚未提交"))
    return tuple((str(i + 1), *row) for i, row in enumerate(rows))


def _visit_result(case: CaseView, item: ServiceItem, visit: VisitView) -> str:
    """The result of the visit: 齐全，予以受理 / 仍需补正，另行一次性告知 / 容缺材料已补齐 (or what is
    still owed)."""
    if visit.kind == "tolerated":
        if not case.life.tolerated_outstanding or visit.outcome == "supplied":
            return "容缺材料已全部补齐。"
        owed = "、".join(
            m.name for m in (item.material(c) for c in case.life.tolerated_outstanding) if m is not None
        )
        deadline = (
            f"请于{cn_date(case.supplement_deadline)}{INCLUSIVE}前补交。" if case.supplement_deadline else ""
        )
        return f"部分容缺材料已补交，尚欠：{owed}。{deadline}"
    if visit.outcome == Outcome.ACCEPTED:
        return f"经核验，申请材料已齐全、符合法定形式，于{cn_date(visit.day)}予以受理，另行出具受理通知书。"
    if visit.outcome == Outcome.ACCEPTED_WITH_TOLERANCE:
        return f"经核验，主要申请材料已齐全，于{cn_date(visit.day)}予以容缺受理，另行出具容缺受理通知书。"
    deadline = (
        f"，补正期限至{cn_date(visit.supplement_deadline)}{INCLUSIVE}" if visit.supplement_deadline else ""
    )
    return f"经核验，仍需补正，另行出具一次性告知书{deadline}。"


def supplement_receipt(
    case: CaseView, item: ServiceItem, office: Office, number: str, *, calendar: WorkCalendar, names: Names
) -> DocumentContent:
    require_decision(DocumentKind.SUPPLEMENT_RECEIPT, case)
    visit = case.life.last_visit
    if visit is None:
        raise DocumentError(f"办件 {case.number} 没有补交材料的记录")
    issuer = Issuer.of(item, office)
    what = "补正" if visit.kind == "supplement" else "容缺补交"
    return case_document(
        DocumentKind.SUPPLEMENT_RECEIPT,
        case,
        office,
        number,
        qr_caption="扫码查询办理进度",
        fields=(
            *_item_fields(case),
            *_party_fields(case),
            Field("收件类别", f"{what}（第{visit.visit}次补交）"),
            Field("收件日期", cn_date(visit.day)),
            Field("受理部门", issuer.name),
        ),
        sections=(
            Paragraph(
                f"{you(case)}于{cn_time(case.created_at)}提出的“{case.item_name}”申请，"
                f"本次（{cn_date(visit.day)}）{what}的材料已收到，清单如下："
            ),
            Table("本次收到的材料", RECEIVED_COLUMNS, _visit_rows(case, item, visit), RECEIVED_WIDTHS),
            Paragraph(_visit_result(case, item, visit), emphasis=True),
        ),
        signatures=("申请人（签字）：", "收件人员（签字）："),
        footer=_staff("收件人员", visit.clerk_login, office, names),
        issued_on=visit.day,
        copies_note="本凭证" + TWO_COPIES,
        issuer=issuer,
        addressee=addressee(case),
    )


# -- 挂起告知书 (Art. 45) ----------------------------------------------------------------------------------
def _suspension(case: CaseView) -> SuspensionView:
    if not case.life.suspensions:
        raise DocumentError(f"办件 {case.number} 没有挂起记录")
    return case.life.suspensions[-1]


def suspension_notice(
    case: CaseView, item: ServiceItem, office: Office, number: str, *, calendar: WorkCalendar, names: Names
) -> DocumentContent:
    """The latest suspension: its kind, reason, start, expected end and duration, the time not counted."""
    require_decision(DocumentKind.SUSPENSION_NOTICE, case)
    issuer = Issuer.of(item, office)
    suspension = _suspension(case)
    try:
        rule = SUSPENSION_KINDS[SuspensionKind(suspension.kind)]
        label, basis = rule.label, rule.basis
    except ValueError:
        label, basis = suspension.label, "有关规定"
    days = (suspension.expected_end - suspension.start).days + 1
    limits = "法定办结期限和承诺办结期限"
    fields = [
        Field("挂起事由", label),
        Field("开始日期", cn_date(suspension.start)),
        Field("预计结束日期", f"{cn_date(suspension.expected_end)}（预计需要{days}日）"),
    ]
    if suspension.actual_end is not None:
        fields.append(Field("实际结束日期", cn_date(suspension.actual_end)))
    return case_document(
        DocumentKind.SUSPENSION_NOTICE,
        case,
        office,
        number,
        qr_caption="扫码查询办理进度",
        fields=(*_item_fields(case), *_party_fields(case), *fields, Field("办理机关", issuer.name)),
        sections=(
            Paragraph(
                f"{_accepted_text(case, issuer)}。因{suspension.reason}，需要进行{label}。"
                f"根据{basis}的规定，{label}所需时间不计算在行政许可期限内。现将有关事项告知如下："
            ),
            Paragraph(
                f"{label}自{cn_date(suspension.start)}开始，预计于{cn_date(suspension.expected_end)}结束，"
                f"预计需要{days}日。",
                emphasis=True,
            ),
            Paragraph(
                f"{label}期间，本件的{limits}暂停计算；{label}结束后恢复计算，办结日期相应顺延。"
                f"{label}不能按期结束的，{issuer.body_name}将另行书面告知。"
            ),
            Paragraph(f"如有疑问，请联系{issuer.name}，电话：{item.contact or office.phone}。"),
        ),
        signatures=("申请人（签字）：", f"签收时间：{BLANK_DATE}"),
        footer=_staff("经办人员", suspension.clerk_login, office, names),
        issued_on=suspension.start,
        copies_note="本告知书" + TWO_COPIES,
        issuer=issuer,
        addressee=addressee(case),
    )


# -- 延期告知书 (Art. 42) ----------------------------------------------------------------------------------
def extension_notice(
    case: CaseView, item: ServiceItem, office: Office, number: str, *, calendar: WorkCalendar, names: Names
) -> DocumentContent:
    require_decision(DocumentKind.EXTENSION_NOTICE, case)
    issuer = Issuer.of(item, office)
    extension = case.life.extension
    due = case.life.legal_due
    if extension is None or due is None:
        raise DocumentError(f"办件 {case.number} 没有延期记录")
    approved_on = _day(extension["approved_on"])
    days = int(extension["days"])
    mark = UNCERTAIN if case.life.legal_due_uncertain else ""
    limit = case.life.legal_limit or item.legal_limit
    return case_document(
        DocumentKind.EXTENSION_NOTICE,
        case,
        office,
        number,
        qr_caption="扫码查询办理进度",
        fields=(
            *_item_fields(case),
            *_party_fields(case),
            Field("延期理由", str(extension["reason"])),
            Field("批准人", f"{extension['approved_by']}（{cn_date(approved_on)}批准）"),
            Field("延长期限", f"{days}个工作日"),
            Field("法定办结期限", f"延长至{cn_date(due)}{INCLUSIVE}届满{mark}"),
            Field("办理机关", issuer.name),
        ),
        sections=(
            Paragraph(
                f"{_accepted_text(case, issuer)}。因{extension['reason']}，{issuer.body_name}不能在法定期限"
                f"（{limit.label}）内作出决定。经本机关负责人{extension['approved_by']}于{cn_date(approved_on)}批准，"
                f"根据{PERMIT_LAW}第四十二条第一款的规定，延长{days}个工作日。"
            ),
            Paragraph(
                f"延长后，本件的法定办结期限至{cn_date(due)}{INCLUSIVE}届满{mark}；"
                "依法挂起的时间不计算在内。特此告知。",
                emphasis=True,
            ),
        ),
        signatures=("申请人（签字）：", f"签收时间：{BLANK_DATE}"),
        footer=_staff("经办人员", str(extension.get("recorded_by", "")), office, names),
        issued_on=approved_on,
        copies_note="本告知书" + TWO_COPIES,
        issuer=issuer,
        addressee=addressee(case),
    )


# -- 不予行政许可决定书 (Art. 38) ---------------------------------------------------------------------------
def refusal_decision(
    case: CaseView, item: ServiceItem, office: Office, number: str, *, calendar: WorkCalendar, names: Names
) -> DocumentContent:
    """The reasons, the legal basis, and the rights to 行政复议 (60 days) and 行政诉讼 (6 months)."""
    require_decision(DocumentKind.REFUSAL_DECISION, case)
    issuer = Issuer.of(item, office)
    ending = _ending(case, "refused")
    day = _day(ending["day"])
    return case_document(
        DocumentKind.REFUSAL_DECISION,
        case,
        office,
        number,
        qr_caption="扫码查询办理结果",
        fields=(*_item_fields(case), *_party_fields(case), Field("决定日期", cn_date(day))),
        sections=(
            Paragraph(f"{_accepted_text(case, issuer)}。经审查，{ending['reason']}。"),
            Paragraph(
                f"根据{ending['basis']}和{PERMIT_LAW}第三十八条第二款的规定，{issuer.body_name}决定：不予行政许可。",
                emphasis=True,
            ),
            Paragraph(f"{you(case)}提交的申请材料，原件予以退还，复印件存档。"),
            remedies(case, item, office, document="本决定书"),
        ),
        signatures=("申请人（签字）：", f"签收时间：{BLANK_DATE}"),
        footer=_staff("承办人员", ending.get("recorded_by"), office, names),
        issued_on=day,
        copies_note="本决定书" + TWO_COPIES,
        issuer=issuer,
        addressee=addressee(case),
    )


# -- 撤回 and 终止 -----------------------------------------------------------------------------------------
def withdrawal_notice(
    case: CaseView, item: ServiceItem, office: Office, number: str, *, calendar: WorkCalendar, names: Names
) -> DocumentContent:
    """准予撤回申请: the applicant's written request of its date; the case ends, the materials go back."""
    require_decision(DocumentKind.WITHDRAWAL_NOTICE, case)
    issuer = Issuer.of(item, office)
    ending = _ending(case, "withdrawn")
    day, asked = _day(ending["day"]), _day(ending["request_day"] or ending["day"])
    whom = you(case)
    return case_document(
        DocumentKind.WITHDRAWAL_NOTICE,
        case,
        office,
        number,
        qr_caption="扫码查询办理结果",
        fields=(
            *_item_fields(case),
            *_party_fields(case),
            Field("撤回申请日期", cn_date(asked)),
            Field("撤回理由", str(ending["reason"])),
        ),
        sections=(
            Paragraph(
                f"{applied(case)}，{whom}于{cn_date(asked)}书面申请撤回该申请。"
                f"经审查，{issuer.body_name}尚未作出行政许可决定，准予撤回。本件办理终结。",
            ),
            Paragraph(f"{whom}提交的申请材料已全部退还，请当面核对。", emphasis=True),
            Paragraph(f"撤回申请不影响{whom}的权利，{whom}可以依法重新提出申请。"),
        ),
        signatures=("申请人（签字）：", f"材料退还签收时间：{BLANK_DATE}"),
        footer=_staff("承办人员", ending.get("recorded_by"), office, names),
        issued_on=day,
        copies_note="本通知书" + TWO_COPIES,
        issuer=issuer,
        addressee=addressee(case),
    )


def termination_notice(
    case: CaseView, item: ServiceItem, office: Office, number: str, *, calendar: WorkCalendar, names: Names
) -> DocumentContent:
    """终止办理: the reason and the basis; after a missed supplement deadline, as the notice stated, the
    applicant may apply again; otherwise the remedies against the termination."""
    require_decision(DocumentKind.TERMINATION_NOTICE, case)
    issuer = Issuer.of(item, office)
    ending = _ending(case, "terminated")
    day = _day(ending["day"])
    whom = you(case)
    sections: list[Section] = [
        Paragraph(
            f"{applied(case)}，因{ending['reason']}，根据{ending['basis']}的规定，{issuer.body_name}决定终止办理。",
            emphasis=True,
        ),
        Paragraph(f"{whom}提交的申请材料已全部退还，请当面核对。"),
    ]
    if case.decision == Outcome.SUPPLEMENT_REQUIRED and case.supplement_deadline is not None:
        sections.insert(
            1,
            Paragraph(
                f"{whom}未在一次性告知书规定的期限（{cn_date(case.supplement_deadline)}{INCLUSIVE}）内补正全部材料，"
                "依照该告知书所述处理。"
            ),
        )
        sections.append(Paragraph(f"{whom}不因此丧失任何权利，可以随时重新提出申请。"))
    else:
        sections.append(remedies(case, item, office))
    return case_document(
        DocumentKind.TERMINATION_NOTICE,
        case,
        office,
        number,
        qr_caption="扫码查询办理结果",
        fields=(
            *_item_fields(case),
            *_party_fields(case),
            Field("终止日期", cn_date(day)),
            Field("终止理由", str(ending["reason"])),
            Field("依据", str(ending["basis"])),
        ),
        sections=tuple(sections),
        signatures=("申请人（签字）：", f"签收时间：{BLANK_DATE}"),
        footer=_staff("承办人员", ending.get("recorded_by"), office, names),
        issued_on=day,
        copies_note="本通知书" + TWO_COPIES,
        issuer=issuer,
        addressee=addressee(case),
    )


# -- 送达回执 ---------------------------------------------------------------------------------------------
def _certificate(case: CaseView) -> CertificateView:
    if case.certificate is None:
        raise DocumentError(f"办件 {case.number} 在本机没有证照记录")
    return case.certificate


def _carrier_label(carrier: str) -> str:
    try:
        return CARRIERS[Carrier(carrier)].label
    except ValueError:
        return carrier


def delivery_receipt(
    case: CaseView, item: ServiceItem, office: Office, number: str, *, calendar: WorkCalendar, names: Names
) -> DocumentContent:
    """The mailing: recipient, address, carrier, tracking number, the certificate sent, date, clerk; one copy
    goes with the certificate for the recipient to sign and send back (回执寄回), one stays in the file."""
    require_decision(DocumentKind.DELIVERY_RECEIPT, case)
    certificate = _certificate(case)
    mailing = certificate.mailing
    if mailing is None:
        raise DocumentError(f"办件 {case.number} 的证照没有邮寄记录")
    day = _day(mailing["day"])
    return case_document(
        DocumentKind.DELIVERY_RECEIPT,
        case,
        office,
        number,
        qr_caption="扫码查询办件",
        fields=(
            Field("办件编号", case.number),
            Field("申请事项", case.item_name),
            Field("送达文书", f"{certificate.type_name}（证照编号：{certificate.certificate_id}）"),
            Field("受送达人", certificate.holder_name),
            Field("收件人", str(mailing["recipient"])),
            Field("收件人电话", str(mailing["phone"])),
            Field("邮寄地址", str(mailing["address"])),
            Field("寄递企业", _carrier_label(str(mailing["carrier"]))),
            Field("快递单号", str(mailing["tracking_number"])),
            Field("交寄日期", cn_date(day)),
        ),
        sections=(
            Paragraph(
                f"上述证照已于{cn_date(day)}交寄。请收件人当面拆验，核对无误后在本回执上签字、注明收件日期，"
                f"并将本回执寄回{office.name}{office.window_name}（{office.address or office.phone}）。"
            ),
        ),
        signatures=("收件人（签字）：", f"收件日期：{BLANK_DATE}", "寄件人员（签字）："),
        footer=_staff("寄件人员", mailing.get("clerk_login"), office, names),
        issued_on=day,
        copies_note="本回执一式两份，一份随证照寄出、由收件人签字后寄回，一份存档。",
        issuer=Issuer.of(item, office),
    )


# -- 撤销行政许可决定书 (Art. 69) ---------------------------------------------------------------------------
def revocation_decision(
    case: CaseView, item: ServiceItem, office: Office, number: str, *, calendar: WorkCalendar, names: Names
) -> DocumentContent:
    require_decision(DocumentKind.REVOCATION_DECISION, case)
    issuer = Issuer.of(item, office)
    certificate = _certificate(case)
    ending = _ending(case, "revoked")
    day = _day(ending["day"])
    whom = you(case)
    return case_document(
        DocumentKind.REVOCATION_DECISION,
        case,
        office,
        number,
        qr_caption="扫码查询证照状态",
        fields=(
            *_item_fields(case),
            *_party_fields(case),
            Field("撤销的许可", f"{certificate.type_name}（证照编号：{certificate.certificate_id}）"),
            Field("发证日期", cn_date(certificate.issued_on)),
            Field("撤销日期", cn_date(day)),
        ),
        sections=(
            Paragraph(
                f"{issuer.body_name}于{cn_date(certificate.issued_on)}准予{whom}“{case.item_name}”的行政许可，"
                f"核发{certificate.type_name}（证照编号：{certificate.certificate_id}）。经查，{ending['reason']}。"
            ),
            Paragraph(
                f"根据{ending['basis']}和{PERMIT_LAW}第六十九条的规定，{issuer.body_name}决定：撤销上述行政许可。"
                "该证照自撤销之日起不得使用，扫码核验显示“已撤销”。",
                emphasis=True,
            ),
            Paragraph(f"请{whom}自收到本决定书之日起将证照原件交回{office.name}。"),
            remedies(case, item, office, document="本决定书"),
        ),
        signatures=("当事人（签字）：", f"签收时间：{BLANK_DATE}"),
        footer=_staff("承办人员", ending.get("recorded_by"), office, names),
        issued_on=day,
        copies_note="本决定书" + TWO_COPIES,
        issuer=issuer,
        addressee=addressee(case),
    )


class Builder(Protocol):
    def __call__(
        self,
        case: CaseView,
        item: ServiceItem,
        office: Office,
        number: str,
        /,
        *,
        calendar: WorkCalendar,
        names: Names,
    ) -> DocumentContent: ...


BUILDERS: dict[DocumentKind, Builder] = {
    DocumentKind.SUPPLEMENT_RECEIPT: supplement_receipt,
    DocumentKind.SUSPENSION_NOTICE: suspension_notice,
    DocumentKind.EXTENSION_NOTICE: extension_notice,
    DocumentKind.REFUSAL_DECISION: refusal_decision,
    DocumentKind.WITHDRAWAL_NOTICE: withdrawal_notice,
    DocumentKind.TERMINATION_NOTICE: termination_notice,
    DocumentKind.DELIVERY_RECEIPT: delivery_receipt,
    DocumentKind.REVOCATION_DECISION: revocation_decision,
}
