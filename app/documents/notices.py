"""What the notices of a decision say in law (行政许可法 Art. 32; 行政复议法 2023; 行政诉讼法), built from the
stored case's view: the 受理通知书, 容缺受理通知书, 一次性告知书, 不予受理通知书, and the 证明事项告知承诺书 a
case with a commitment (告知承诺) gets.

Each speaks for the body that decides (`Issuer`), is addressed to the applicant (主送), calls a natural
person "你" and an organisation "你单位", and says what the applicant can rely on: time limits with the day
they end, how to ask about progress, what a missed deadline means, and the remedies against a refusal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from app.cases.views import CaseView, MaterialView
from app.catalog import FORM_LABEL, ApplicantKind, Form, Material, Party, ServiceItem, TimeLimit
from app.completeness import Outcome, Rule, Verdict
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
    _footer,
    _item_fields,
    _party_fields,
    case_document,
    cn_date,
    cn_time,
    require_decision,
)
from app.licence_library.evidence import LICENCE_EXEMPT, licence_named
from app.lifecycle.views import VisitView
from app.workdays import WorkCalendar

PERMIT_LAW = "《中华人民共和国行政许可法》"
INCLUSIVE = "（含当日）"  # the last day counts: no one argues whether it does
UNCERTAIN = "（节假日数据未覆盖，以实际工作日为准）"
HOTLINE = "12345政务服务便民热线"

# What follows when a tolerated (容缺) material is not supplied in time, by whether the item is a 行政许可:
# 不予许可 before the decision (Art. 38), 撤销 after it (Art. 69) — never 撤回 (Art. 8, changed law).
UNSUPPLIED: dict[bool, str] = {
    True: (
        "{body}将依照" + PERMIT_LAW + "第三十八条的规定作出不予行政许可的决定；"
        "已作出准予行政许可决定的，依照该法第六十九条的规定依法予以撤销"
    ),
    False: "{body}将终止办理；已作出决定的，依法予以撤销",
}
# The same consequence as the applicant accepts it in the commitment above the signature.
UNSUPPLIED_ACCEPTED: dict[bool, str] = {
    True: "依法作出不予行政许可决定，或者已作出的准予行政许可决定依法予以撤销",
    False: "终止办理，或者已作出的决定依法予以撤销",
}
# The liability for a false 告知承诺 (国办发〔2020〕42号), by whether the item is a 行政许可.
FALSE_COMMITMENT: dict[bool, str] = {
    True: (
        "尚未作出决定的，终止办理，依法作出不予行政许可的决定；已作出准予行政许可决定的，依照"
        + PERMIT_LAW
        + "第六十九条的规定依法予以撤销；并依法追究相应的法律责任，记入信用记录"
    ),
    False: "尚未作出决定的，终止办理；已作出决定的，依法予以撤销；并依法追究相应的法律责任，记入信用记录",
}
# How the applicant is addressed, and speaks of themselves in a commitment.
YOU: dict[ApplicantKind, str] = {ApplicantKind.PERSON: "你", ApplicantKind.ORGANIZATION: "你单位"}
SELF: dict[ApplicantKind, str] = {ApplicantKind.PERSON: "本人", ApplicantKind.ORGANIZATION: "本单位"}


def _kind(case: CaseView) -> ApplicantKind:
    try:
        return ApplicantKind(case.applicant.kind)
    except ValueError:
        return ApplicantKind.ORGANIZATION


def you(case: CaseView) -> str:
    return YOU[_kind(case)]


def addressee(case: CaseView) -> str:
    """The 主送 line: the applicant's name and a full-width colon."""
    return f"{case.applicant.name}："


def _day(day: date | None, case: CaseView, what: str) -> date:
    if day is None:
        raise DocumentError(f"办件 {case.number} 没有{what}")
    return day


def acceptance_visit(case: CaseView) -> VisitView | None:
    """The supplement visit on which the case was accepted (None: accepted at the counter's decision)."""
    accepted = (Outcome.ACCEPTED, Outcome.ACCEPTED_WITH_TOLERANCE)
    return next(
        (v for v in reversed(case.life.visits) if v.kind == "supplement" and v.outcome in accepted), None
    )


def applied(case: CaseView) -> str:
    """ "你于…提出的“…”申请", with the day the materials were completed for a case accepted on a
    supplement."""
    text = f"{you(case)}于{cn_time(case.created_at)}提出的“{case.item_name}”申请"
    visit = acceptance_visit(case)
    return text if visit is None else f"{text}（{cn_date(visit.day)}补正材料）"


def accepted_day(case: CaseView) -> date | None:
    """The day an accepted case was accepted when it differs from the day it was received (a supplement)."""
    visit = acceptance_visit(case)
    return None if visit is None else visit.day


def _basis_clause(item: ServiceItem, clause: str) -> str:
    if item.item_type == "行政许可":
        return f"根据{PERMIT_LAW}第三十二条第一款第（{clause}）项的规定"
    return "根据有关法律法规和本事项办事指南的规定"


def _material(item: ServiceItem, code: str, case: CaseView) -> Material:
    material = item.material(code)
    if material is None:
        raise DocumentError(f"办件 {case.number} 的材料 {code} 不在事项目录 {case.catalog_version} 的清单中")
    return material


def _found(case: CaseView, item: ServiceItem, rule: Rule) -> tuple[Material, ...]:
    """The materials of findings of `rule`, once each, in finding order."""
    codes = dict.fromkeys(f.material for f in case.findings if f.rule == rule and f.material)
    return tuple(_material(item, code, case) for code in codes if code)


def committed_materials(case: CaseView, item: ServiceItem) -> tuple[Material, ...]:
    """The materials the applicant replaced by a 告知承诺."""
    return _found(case, item, Rule.COMMITMENT)


def shared_materials(case: CaseView, item: ServiceItem) -> tuple[Material, ...]:
    """The materials of this case the hall obtains by data sharing (never asked of the applicant)."""
    codes = dict.fromkeys(f.material for f in case.findings if f.material)
    return tuple(m for m in (item.material(c) for c in codes if c) if m is not None and m.shared_by)


def shared_label(material: Material) -> str:
    return f"由{material.shared_by}共享，无需提交"


def checklist_version(case: CaseView) -> Field:
    """The checklist the case was checked against, for people (and the code that proves it, small)."""
    return Field("材料清单版本", f"{case.catalog_version}（{case.checklist_sha256[:12]}）")


# -- time limits ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TimeLimits:
    """The promised and the legal time limit of an accepted case and the days they end (start day not
    counted, the end day counted: "含当日"), computed with the calendar the acceptance uses."""

    promised: TimeLimit
    promised_on: date
    promised_uncertain: bool
    legal: TimeLimit
    legal_on: date
    legal_uncertain: bool

    @classmethod
    def of(cls, case: CaseView, item: ServiceItem, calendar: WorkCalendar) -> TimeLimits:
        promised_on = _day(case.promised_date, case, "承诺办结日期")
        start = case.life.accepted_on or case.received_on  # a supplement: the day it was accepted
        legal = calendar.add(start, days=item.legal_limit.days, unit=item.legal_limit.unit)
        return cls(
            item.promised_limit,
            promised_on,
            case.promised_date_uncertain,
            item.legal_limit,
            legal.day,
            legal.uncertain,
        )

    @property
    def promised_text(self) -> str:
        mark = UNCERTAIN if self.promised_uncertain else ""
        if self.promised.days == 0:
            return f"即办件，于{cn_date(self.promised_on)}当日办结{mark}"
        return f"{self.promised.label}，承诺于{cn_date(self.promised_on)}{INCLUSIVE}前办结{mark}"

    @property
    def legal_text(self) -> str:
        mark = UNCERTAIN if self.legal_uncertain else ""
        return f"{self.legal.label}，至{cn_date(self.legal_on)}{INCLUSIVE}届满{mark}"

    def fields(self) -> tuple[Field, ...]:
        return (Field("承诺办结时限", self.promised_text), Field("法定办结时限", self.legal_text))


def _time_rule(item: ServiceItem) -> Paragraph:
    text = "办理时限自受理次日起计算，届满之日计入。"
    if item.item_type == "行政许可":
        text = (
            "办理时限自受理次日起计算，届满之日计入；依法需要听证、检验、检测、鉴定和专家评审等的，"
            f"所需时间不计算在内（{PERMIT_LAW}第四十五条），届时书面告知。"
        )
    return Paragraph(text)


def _inquiry(item: ServiceItem, office: Office) -> Paragraph:
    """How to ask about progress without the QR code: the hall's address, the item's phone and 12345."""
    place = f"{office.name}（{office.address}）" if office.address else office.name
    phones = "、".join(p for p in (item.contact, HOTLINE) if p)
    return Paragraph(f"查询办理进度：扫描本通知书上的二维码；或凭办件编号到{place}咨询；或拨打{phones}。")


# -- materials --------------------------------------------------------------------------------------------
RECEIVED_COLUMNS = ("序号", "材料名称", "收取方式", "份数", "页数")
RECEIVED_WIDTHS = (0.6, 4.6, 2.8, 0.7, 0.7)


def _received_rows(
    entries: tuple[MaterialView, ...], committed: Iterable[Material], shared: Iterable[Material]
) -> tuple[tuple[str, ...], ...]:
    """One row a material: an original and its copy handed in together are one line of the receipt; then
    the materials replaced by a 告知承诺 and those obtained by sharing, each said as such. A material brought
    again on a supplement counts as brought last."""
    latest: dict[str, int] = {}
    for entry in entries:
        latest[entry.material] = max(latest.get(entry.material, 0), entry.visit)
    grouped: dict[str, list[MaterialView]] = {}
    for entry in entries:
        if entry.visit != latest[entry.material]:
            continue
        grouped.setdefault(entry.material, []).append(entry)
    rows: list[tuple[str, str, str, str, str]] = []
    for group in (grouped[code] for code in latest):  # in the order first handed over
        licence = next((e.licence for e in group if e.licence is not None), None)
        if licence is not None:  # 电子证照免提交: the licence stood in for the paper, named by its id
            named = licence_named(str(licence.get("licence_type") or ""), licence.get("licence_id"))
            rows.append(("", f"{group[0].name}\n{named}", LICENCE_EXEMPT, "—", "—"))
            continue
        forms = "、".join(FORM_LABEL[Form(e.form)] for e in group)
        copies = sum(e.copies for e in group)
        pages = max(e.pages for e in group)
        rows.append(("", group[0].name, forms, str(copies), str(pages)))
    rows += [("", m.name, "以告知承诺替代", "—", "—") for m in committed if m.code not in grouped]
    rows += [("", m.name, shared_label(m), "—", "—") for m in shared if m.code not in grouped]
    return tuple((str(i + 1), *row[1:]) for i, row in enumerate(rows))


def _received_table(case: CaseView, item: ServiceItem) -> Table:
    rows = _received_rows(case.materials, committed_materials(case, item), shared_materials(case, item))
    return Table("收到材料", RECEIVED_COLUMNS, rows, RECEIVED_WIDTHS)


# -- the notices ------------------------------------------------------------------------------------------
def acceptance_receipt(
    case: CaseView, item: ServiceItem, office: Office, number: str, *, calendar: WorkCalendar
) -> DocumentContent:
    require_decision(DocumentKind.RECEIPT, case)
    issuer = Issuer.of(item, office)
    limits = TimeLimits.of(case, item, calendar)
    text = (
        f"{applied(case)}，经审查，申请材料齐全、符合法定形式，"
        f"{_basis_clause(item, '五')}，决定予以受理，由{issuer.body_name}依法审查并作出决定。"
        "请凭本通知书领取办理结果。"
    )
    return case_document(
        DocumentKind.RECEIPT,
        case,
        office,
        number,
        qr_caption="扫码查询办理进度",
        fields=(
            *_accepted_fields(case),
            *limits.fields(),
            Field("受理部门", issuer.name),
        ),
        sections=(
            Paragraph(text),
            _received_table(case, item),
            _time_rule(item),
            _inquiry(item, office),
        ),
        issuer=issuer,
        addressee=addressee(case),
        issued_on=accepted_day(case),
    )


def _accepted_fields(case: CaseView) -> tuple[Field, ...]:
    """What a case accepted at the counter (受理 or 容缺受理) shows first: item, parties, when (accepted on a
    supplement: the day the materials were completed)."""
    received = cn_time(case.created_at)
    day = accepted_day(case)
    return (
        *_item_fields(case),
        *_party_fields(case),
        Field("申请时间", received),
        Field("受理时间", received if day is None else cn_date(day)),
    )


def tolerance_notice(
    case: CaseView, item: ServiceItem, office: Office, number: str, *, calendar: WorkCalendar
) -> DocumentContent:
    require_decision(DocumentKind.TOLERANCE_NOTICE, case)
    issuer = Issuer.of(item, office)
    deadline = _day(case.supplement_deadline, case, "补交期限")
    limits = TimeLimits.of(case, item, calendar)
    tolerated = [_material(item, code, case) for code in case.materials_with(Verdict.TOLERATED)]
    rows = tuple(
        (str(i + 1), m.name, m.forms_label, m.standard or "—") for i, m in enumerate(dict.fromkeys(tolerated))
    )
    basis = item.tolerance_basis or "本地容缺受理的有关规定"
    due = f"{cn_date(deadline)}{INCLUSIVE}"
    consequence = UNSUPPLIED[issuer.permit].format(body=issuer.body_name)
    sections: tuple[Section, ...] = (
        Paragraph(
            f"{applied(case)}，经审查，下列材料欠缺或者存在瑕疵，"
            f"其余申请材料符合法定形式。根据{basis}的规定，决定予以容缺受理，"
            f"由{issuer.body_name}依法审查并作出决定。"
        ),
        Table("容缺材料", ("序号", "材料名称", "补交形式", "补交要求"), rows, (0.6, 3.4, 1.6, 4)),
        Paragraph(
            f"请于{due}前将上述材料交回{office.name}{office.window_name}，或者通过政务服务网上传。"
            f"补交期限早于承诺办结日期（{cn_date(limits.promised_on)}）。",
            emphasis=True,
        ),
        Paragraph(f"逾期未补齐或者补交的材料不符合要求的，{consequence}。"),
        _received_table(case, item),
        _time_rule(item),
        _inquiry(item, office),
        Paragraph(
            f"申请人承诺：{SELF[_kind(case)]}已知悉上述容缺材料及其补交期限和要求，将于{due}前补齐；"
            f"对所提交材料的真实性负责；逾期未补齐或者补交的材料不符合要求的，"
            f"接受{UNSUPPLIED_ACCEPTED[issuer.permit]}的后果。",
            emphasis=True,
        ),
    )
    return case_document(
        DocumentKind.TOLERANCE_NOTICE,
        case,
        office,
        number,
        qr_caption="扫码查询办理进度",
        fields=(
            *_accepted_fields(case),
            Field("补交期限", due),
            *limits.fields(),
            Field("受理部门", issuer.name),
        ),
        sections=sections,
        signatures=("申请人（签字/盖章）：", f"签收时间：{BLANK_DATE}"),
        copies_note="本通知书一式两份，一份交申请人，一份存档。",
        issuer=issuer,
        addressee=addressee(case),
        issued_on=accepted_day(case),
    )


def _gap_rows(case: CaseView, item: ServiceItem) -> tuple[tuple[str, ...], ...]:
    """Every missing or defective material, once; never one the hall obtains by sharing."""
    rows: list[tuple[str, ...]] = []
    for finding in case.findings:
        if finding.outcome not in (Verdict.MISSING, Verdict.DEFECTIVE) or not finding.material:
            continue
        material = _material(item, finding.material, case)
        if material.shared_by:
            continue
        problem = (
            "缺少" if finding.outcome == Verdict.MISSING else finding.message.split("」", 1)[-1] or "存在瑕疵"
        )
        amount = f"{material.copies}份" if material.copies else ""
        requirement = f"{material.forms_label}{amount}；{material.standard}".rstrip("；")
        rows.append((str(len(rows) + 1), material.name, problem, requirement, material.basis or item.basis))
    return tuple(rows)


def supplement_notice(
    case: CaseView, item: ServiceItem, office: Office, number: str, *, calendar: WorkCalendar
) -> DocumentContent:
    require_decision(DocumentKind.SUPPLEMENT_NOTICE, case)
    issuer = Issuer.of(item, office)
    deadline = _day(case.supplement_deadline, case, "补正期限")
    received = case.created_at
    whom = you(case)
    again = next((v for v in reversed(case.life.visits) if v.kind == "supplement"), None)
    found = "申请材料不齐全或者不符合法定形式"
    if again is not None:  # a notice after a supplement: only what the first named, or a defect just brought
        found = f"{whom}于{cn_date(again.day)}补正的材料经审查仍不齐全或者不符合法定形式"
    sections: list[Section] = [
        Paragraph(
            f"{whom}于{cn_time(received)}提出的“{case.item_name}”申请，经审查，{found}。"
            f"{_basis_clause(item, '四')}，现一次性告知{whom}需要补正的全部内容如下："
        ),
        Table(
            "需补正的材料",
            ("序号", "材料名称", "问题", "要求", "依据"),
            _gap_rows(case, item),
            (0.6, 2.6, 2.2, 3.2, 2.4),
        ),
    ]
    shared = shared_materials(case, item)
    if shared:
        names = "；".join(f"“{m.name}”{shared_label(m)}" for m in shared)
        sections.append(Paragraph(f"下列材料由窗口通过数据共享获取，{whom}无需提交：{names}。"))
    sections += [
        Paragraph(
            f"请于{cn_date(deadline)}{INCLUSIVE}前按上述要求补正全部材料后重新提交，补正齐全的即予受理。"
            "本告知书所列即为需补正的全部内容，不再要求提交其他材料。",
            emphasis=True,
        ),
        Paragraph(
            f"上述期限届满未补正的，{whom}不因此丧失任何权利：已提交的申请材料予以退还，{whom}可以随时重新提出申请。"
            "办理时限自申请材料齐全、予以受理之日起计算。"
        ),
    ]
    return case_document(
        DocumentKind.SUPPLEMENT_NOTICE,
        case,
        office,
        number,
        qr_caption="扫码查看需补正材料",
        fields=(
            *_item_fields(case),
            *_party_fields(case),
            Field("申请时间", cn_time(received)),
            Field("补正期限", f"{cn_date(deadline)}{INCLUSIVE}"),
            Field("承办人员", f"{case.clerk_name}（{office.phone}）"),
            Field("受理部门", issuer.name),
        ),
        sections=tuple(sections),
        signatures=("申请人（签字）：", f"签收时间：{BLANK_DATE}____时____分"),
        footer=(*_footer(case, office, clerk_label="承办人员"), checklist_version(case)),
        copies_note="本告知书一式两份，一份交申请人，一份存档。",
        issuer=issuer,
        addressee=addressee(case),
        issued_on=None if again is None else again.day,
    )


# -- remedies ---------------------------------------------------------------------------------------------
def review_body(item: ServiceItem | None, office: Office) -> Party | None:
    """The 行政复议机关: the item's body's own (垂直管理) or the hall's setting; None: not set (the people's
    government of the region is then named, without an address). `item` None: the hall decided itself."""
    if item is not None and item.review_body is not None:
        return item.review_body
    return office.review_body


def _at(party: Party) -> str:
    return f"{party.name}（地址：{party.address}）"


def remedies(
    case: CaseView, item: ServiceItem | None, office: Office, *, document: str = "本通知书"
) -> Paragraph:
    """行政复议 within 60 days (2023 行政复议法 Art. 20) and 行政诉讼 within 6 months (行政诉讼法 Art. 46),
    counted from receiving `document`."""
    whom = you(case)
    body = review_body(item, office)
    review = _at(body) if body else f"{office.region_name}人民政府"
    court = _at(office.court) if office.court else "有管辖权的人民法院"
    return Paragraph(
        f"{whom}如不服本决定，可以自收到{document}之日起六十日内，依照《中华人民共和国行政复议法》第二十条的规定"
        f"向{review}申请行政复议；也可以自收到{document}之日起六个月内，依照《中华人民共和国行政诉讼法》"
        f"第四十六条的规定向{court}提起行政诉讼。"
    )


def rejection_notice(
    case: CaseView, item: ServiceItem, office: Office, number: str, *, calendar: WorkCalendar
) -> DocumentContent:
    """Art. 32 (2): the item is outside the hall's competence. The hall refuses in its own name: the item's
    body has delegated nothing to it, and the remedies are against the hall's decision."""
    require_decision(DocumentKind.REJECTION_NOTICE, case)
    issuer = Issuer.hall_itself(office)
    received = case.created_at
    referral = case.referral_office or "有权机关"
    whom = you(case)
    return case_document(
        DocumentKind.REJECTION_NOTICE,
        case,
        office,
        number,
        qr_caption="扫码查看办理指引",
        fields=(*_item_fields(case), *_party_fields(case), Field("申请时间", cn_time(received))),
        sections=(
            Paragraph(
                f"{whom}于{cn_time(received)}提出的“{case.item_name}”申请，经审查，该事项由{item.body_name}实施，"
                f"不属于{office.name}受理范围。{_basis_clause(item, '二')}，{office.name}决定不予受理。"
            ),
            Paragraph(f"请向{referral}提出申请。{whom}提交的申请材料已全部退还。", emphasis=True),
            remedies(case, None, office),
        ),
        signatures=("申请人（签字）：", f"签收时间：{BLANK_DATE}"),
        copies_note="本通知书一式两份，一份交申请人，一份存档。",
        issuer=issuer,
        addressee=addressee(case),
    )


# -- the 告知承诺书 ---------------------------------------------------------------------------------------
def commitment_letter(
    case: CaseView, item: ServiceItem, office: Office, number: str, *, calendar: WorkCalendar
) -> DocumentContent:
    """证明事项告知承诺书: what must be proved and the standard, the liability for a false commitment, the
    local rule, and the applicant's commitment with signature and date lines."""
    require_decision(DocumentKind.COMMITMENT_LETTER, case)
    issuer = Issuer.of(item, office)
    committed = committed_materials(case, item)
    rows = tuple(
        (
            str(i + 1),
            m.name,
            m.standard or "符合本事项办事指南对该材料的要求",
            m.basis or item.basis or "—",
        )
        for i, m in enumerate(committed)
    )
    basis = item.commitment_basis or "证明事项告知承诺制的有关规定"
    whom = you(case)
    me = SELF[_kind(case)]
    signatures = ["申请人（签字/盖章）：", f"日期：{BLANK_DATE}"]
    if case.agent is not None:
        signatures.insert(1, "代理人（签字）：")
    return case_document(
        DocumentKind.COMMITMENT_LETTER,
        case,
        office,
        number,
        qr_caption="扫码查询办理进度",
        fields=(*_item_fields(case), *_party_fields(case), Field("受理部门", issuer.name)),
        sections=(
            Paragraph(
                f"{whom}申请办理“{case.item_name}”。根据{basis}的规定，下列证明材料可以由{whom}以书面承诺代替，"
                f"{issuer.body_name}不再索要。现将须证明的事项及要求告知如下："
            ),
            Table(
                "以承诺代替的证明材料",
                ("序号", "证明材料", "须证明的事项及要求", "设定依据"),
                rows,
                (0.6, 2.6, 4.4, 2.4),
            ),
            Paragraph(
                f"{issuer.body_name}将依法对承诺内容进行核查。申请人作出不实承诺的，"
                f"{FALSE_COMMITMENT[issuer.permit]}。"
            ),
            Paragraph(
                f"申请人承诺：{me}已知悉上述告知的全部内容，所承诺的事项真实、准确，符合告知的条件和要求；"
                f"愿意承担不实承诺的法律责任。以上承诺是{me}的真实意思表示。",
                emphasis=True,
            ),
        ),
        signatures=tuple(signatures),
        copies_note="本承诺书一式两份，一份交申请人，一份存档。",
        issuer=issuer,
        addressee=addressee(case),
    )
