"""What the documents of a case's later life say in law, built from the stored case's view
(app.lifecycle): the 补正材料接收凭证 of a return, the 挂起告知书 (行政许可法 Art. 45), the 延期告知书
(Art. 42), the 不予行政许可决定书 (Art. 38), the notices of withdrawal (撤回) and termination (终止),
the 送达回执 of a mailed certificate and the 撤销行政许可决定书 (Art. 69).

Like the notices of the decision (app.documents.notices), each speaks for the body that decides, is
addressed to the applicant, and is dated the day of its step (a reprint says the same). Which case gets
which document is the table in app.documents.kinds; each builder checks it before anything else.
"""

from __future__ import annotations

from typing import Protocol

from app.cases.views import CaseView
from app.catalog import ServiceItem
from app.completeness import Outcome
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
    _item_fields,
    _party_fields,
    case_document,
    cn_date,
    require_decision,
)
from app.documents.notices import (
    INCLUSIVE,
    PERMIT_LAW,
    UNCERTAIN,
    addressee,
    applied,
    remedies,
    you,
)
from app.documents.step_parts import (
    TWO_COPIES,
    Names,
    accepted_text,
    certificate_of,
    day_of,
    ending_of,
    staff_fields,
)
from app.lifecycle.suspensions import SUSPENSION_KINDS, SuspensionKind
from app.lifecycle.views import SuspensionView
from app.workdays import WorkCalendar


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
                f"{accepted_text(case, issuer)}。因{suspension.reason}，需要进行{label}。"
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
        footer=staff_fields("经办人员", suspension.clerk_login, office, names),
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
    approved_on = day_of(extension["approved_on"])
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
                f"{accepted_text(case, issuer)}。因{extension['reason']}，{issuer.body_name}不能在法定期限"
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
        footer=staff_fields("经办人员", str(extension.get("recorded_by", "")), office, names),
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
    ending = ending_of(case, "refused")
    day = day_of(ending["day"])
    return case_document(
        DocumentKind.REFUSAL_DECISION,
        case,
        office,
        number,
        qr_caption="扫码查询办理结果",
        fields=(*_item_fields(case), *_party_fields(case), Field("决定日期", cn_date(day))),
        sections=(
            Paragraph(f"{accepted_text(case, issuer)}。经审查，{ending['reason']}。"),
            Paragraph(
                f"根据{ending['basis']}和{PERMIT_LAW}第三十八条第二款的规定，{issuer.body_name}决定：不予行政许可。",
                emphasis=True,
            ),
            Paragraph(f"{you(case)}提交的申请材料，原件予以退还，复印件存档。"),
            remedies(case, item, office, document="本决定书"),
        ),
        signatures=("申请人（签字）：", f"签收时间：{BLANK_DATE}"),
        footer=staff_fields("承办人员", ending.get("recorded_by"), office, names),
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
    ending = ending_of(case, "withdrawn")
    day, asked = day_of(ending["day"]), day_of(ending["request_day"] or ending["day"])
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
        footer=staff_fields("承办人员", ending.get("recorded_by"), office, names),
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
    ending = ending_of(case, "terminated")
    day = day_of(ending["day"])
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
        footer=staff_fields("承办人员", ending.get("recorded_by"), office, names),
        issued_on=day,
        copies_note="本通知书" + TWO_COPIES,
        issuer=issuer,
        addressee=addressee(case),
    )


# -- 送达回执 ---------------------------------------------------------------------------------------------
def revocation_decision(
    case: CaseView, item: ServiceItem, office: Office, number: str, *, calendar: WorkCalendar, names: Names
) -> DocumentContent:
    require_decision(DocumentKind.REVOCATION_DECISION, case)
    issuer = Issuer.of(item, office)
    certificate = certificate_of(case)
    ending = ending_of(case, "revoked")
    day = day_of(ending["day"])
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
        footer=staff_fields("承办人员", ending.get("recorded_by"), office, names),
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


from app.documents.step_receipts import delivery_receipt, supplement_receipt  # noqa: E402

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
