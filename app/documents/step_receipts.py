"""The receipts of a case's later life, built from the stored case's view (app.lifecycle): the
补正材料接收凭证 of a return (what came, against what was asked, and what follows) and the 送达回执 of a
mailed certificate.
Which case gets which is the table in app.documents.kinds; each builder checks it before anything else."""

from __future__ import annotations

from typing import Any

from app.cases.views import CaseView
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
    addressee,
    you,
)
from app.documents.step_parts import (
    TWO_COPIES,
    Names,
    certificate_of,
    day_of,
    staff_fields,
)
from app.lifecycle.delivery import CARRIERS, Carrier
from app.lifecycle.views import VisitView
from app.workdays import WorkCalendar

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
        footer=staff_fields("收件人员", visit.clerk_login, office, names),
        issued_on=visit.day,
        copies_note="本凭证" + TWO_COPIES,
        issuer=issuer,
        addressee=addressee(case),
    )


# -- 挂起告知书 (Art. 45) ----------------------------------------------------------------------------------


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
    certificate = certificate_of(case)
    mailing = certificate.mailing
    if mailing is None:
        raise DocumentError(f"办件 {case.number} 的证照没有邮寄记录")
    day = day_of(mailing["day"])
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
        footer=staff_fields("寄件人员", mailing.get("clerk_login"), office, names),
        issued_on=day,
        copies_note="本回执一式两份，一份随证照寄出、由收件人签字后寄回，一份存档。",
        issuer=Issuer.of(item, office),
    )


# -- 撤销行政许可决定书 (Art. 69) ---------------------------------------------------------------------------
