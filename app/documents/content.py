"""What each document says, built from the stored case's view (never from the screen).

A `DocumentContent` is layout-free: the PDF renderer lays it out for A4 or an 80 mm receipt, and the
glyph check reads every text in it before anything is printed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from app.cases.views import AgentView, ApplicantView, CaseView, MaterialView
from app.catalog import FORM_LABEL, Arrangement, Form, Hall, Party, ServiceItem
from app.clock import CHINA, hall_time_text
from app.completeness import Verdict
from app.documents.kinds import DEFAULT_COPIES as DEFAULT_COPIES
from app.documents.kinds import NOT_FOR_DECISION, issued_for
from app.documents.kinds import NUMBER_WORD as NUMBER_WORD
from app.documents.kinds import TITLE as TITLE
from app.documents.kinds import DocumentKind as DocumentKind
from app.identity_documents import id_kind_label, mask_id_number


class DocumentError(Exception):
    """The case lacks what this document needs; the message says what."""


@dataclass(frozen=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]  # relative column widths


@dataclass(frozen=True)
class Paragraph:
    text: str
    emphasis: bool = False


Section = Table | Paragraph


@dataclass(frozen=True)
class Office:
    """The hall and window a document is printed at, with the hall's settings from its catalog entry."""

    name: str
    short_name: str
    window_name: str
    window_code: str
    phone: str
    address: str
    region_name: str
    verify_base: str
    arrangement: Arrangement = Arrangement.DELEGATED
    review_body: Party | None = None  # 行政复议机关 (the hall's setting; an item's body may have its own)
    court: Party | None = None  # where 行政诉讼 is brought

    @classmethod
    def of_hall(
        cls,
        hall: Hall,
        *,
        name: str,
        short_name: str,
        window_name: str,
        window_code: str,
        region_name: str,
        verify_base: str,
    ) -> Office:
        return cls(
            name=name or hall.name,
            short_name=short_name,
            window_name=window_name,
            window_code=window_code,
            phone=hall.phone,
            address=hall.address,
            region_name=region_name,
            verify_base=verify_base,
            arrangement=hall.arrangement,
            review_body=hall.review_body,
            court=hall.court,
        )


@dataclass(frozen=True)
class Issuer:
    """Who a case's document speaks for: the implementing body that decides (the catalog's 实施机关), named
    as the hall's arrangement says, and its seal. A hall window receives on the body's behalf."""

    body_name: str  # 示例市市场监督管理局
    body_code: str
    hall_name: str  # 示例市政务服务中心
    arrangement: Arrangement
    permit: bool  # a 行政许可 item: the body's 行政许可专用章; otherwise its 受理专用章

    @classmethod
    def of(cls, item: ServiceItem, office: Office) -> Issuer:
        return cls(
            body_name=item.body_name,
            body_code=item.body_code,
            hall_name=office.name,
            arrangement=office.arrangement,
            permit=item.item_type == "行政许可",
        )

    @property
    def name(self) -> str:
        """As printed at the head of a document and where it says who decided."""
        if self.arrangement is Arrangement.DELEGATED and self.hall_name != self.body_name:
            return f"{self.hall_name}（受{self.body_name}委托受理）"
        return self.body_name

    @property
    def seal_name(self) -> str:
        return f"{self.body_name}{'行政许可专用章' if self.permit else '受理专用章'}"


@dataclass(frozen=True)
class DocumentContent:
    kind: DocumentKind
    title: str
    office_name: str
    number: str
    case_number: str
    qr_text: str
    qr_caption: str
    fields: tuple[Field, ...]
    sections: tuple[Section, ...]
    signatures: tuple[str, ...]
    footer: tuple[Field, ...]
    issued_on: date
    copies_note: str = ""
    seal_name: str = ""
    reprint: str | None = None  # 补打 mark: reason and date
    extra_texts: tuple[str, ...] = field(default=())
    addressee: str = ""  # 主送: the applicant, "张三：" / "示例市某某有限公司："; none on a certificate
    counterparts: tuple[str, ...] = ()  # ("正本", "副本"): the document once per mark, a page each

    def texts(self) -> Iterator[tuple[str, str]]:
        """Every printed text with the name of where it stands, for the glyph check."""
        yield "标题", self.title
        for mark in self.counterparts:
            yield "正副本", mark
        yield "机关", self.office_name
        if self.addressee:
            yield "主送", self.addressee
        if self.seal_name:
            yield "印章", self.seal_name
        yield "文书编号", self.number
        for f in (*self.fields, *self.footer):
            yield f.label, f.value
        for section in self.sections:
            if isinstance(section, Paragraph):
                yield "正文", section.text
            else:
                yield section.title, section.title
                for row in section.rows:
                    for column, cell in zip(section.columns, row, strict=True):
                        yield f"{section.title}·{column}", cell
        for line in self.signatures:
            yield "签字栏", line
        if self.reprint:
            yield "补打", self.reprint


BLANK_DATE = "________年____月____日"  # filled in by hand


def require_decision(kind: DocumentKind, case: CaseView) -> None:
    """Raise DocumentError unless the case's decision gets this document (app.documents.kinds)."""
    if case.decision not in issued_for(kind):
        raise DocumentError(f"办件 {case.number} " + NOT_FOR_DECISION[kind].format(decision=case.decision))


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def cn_time(moment: datetime) -> str:
    return hall_time_text(moment, style="document")


def masked_id(id_type: str, value: str) -> str:
    """A person's number is masked on paper; a credit code is public register data and stays whole."""
    return mask_id_number(id_type, value)


def id_field(label: str, party: ApplicantView | AgentView) -> Field:
    """A party's 证件 as printed: the kind with the (masked) number; an organisation's credit code alone."""
    kind = party.id_type or "resident_id"  # stored before 证件类型: a resident ID
    if kind == "uscc":
        return Field("统一社会信用代码", party.id_number)
    return Field(label, f"{id_kind_label(kind)} {masked_id(kind, party.id_number)}")


def _day(day: date | None, case: CaseView, what: str) -> date:
    if day is None:
        raise DocumentError(f"办件 {case.number} 没有{what}")
    return day


def _party_fields(case: CaseView) -> list[Field]:
    applicant = case.applicant
    fields = [
        Field("申请人", applicant.name),
        id_field("证件", applicant),
        Field("联系电话", applicant.phone),
    ]
    agent = case.agent
    if agent:
        fields += [
            Field("代理人", agent.name),
            id_field("代理人证件", agent),
            Field("代理人电话", agent.phone),
        ]
    return [f for f in fields if f.value]  # a 不予受理 may be recorded with the applicant's name alone


def _item_fields(case: CaseView) -> list[Field]:
    return [
        Field("办件编号", case.number),
        Field("申请事项", case.item_name),
        Field("实施编码", case.item_code),
        Field("事项版本", case.catalog_version),
    ]


def _footer(case: CaseView, office: Office, *, clerk_label: str = "受理人员") -> tuple[Field, ...]:
    return (
        Field(clerk_label, case.clerk_name),
        Field("受理窗口", f"{office.window_name}（{office.window_code}）"),
        Field("咨询电话", office.phone),
    )


def _basis_clause(item: ServiceItem, clause: str) -> str:
    if item.item_type == "行政许可":
        return f"根据《中华人民共和国行政许可法》第三十二条第一款第（{clause}）项的规定"
    return "根据有关法律法规和本事项办事指南的规定"


def _tracking(office: Office, case_number: str) -> str:
    return f"{office.verify_base}/CASE/{case_number}"


def case_document(
    kind: DocumentKind,
    case: CaseView,
    office: Office,
    number: str,
    *,
    qr_caption: str,
    fields: tuple[Field, ...],
    sections: tuple[Section, ...],
    signatures: tuple[str, ...] = (),
    copies_note: str = "",
    footer: tuple[Field, ...] | None = None,
    issued_on: date | None = None,
) -> DocumentContent:
    """The parts every document of a case shares: title, number, codes, footer, seal."""
    return DocumentContent(
        kind=kind,
        title=TITLE[kind],
        office_name=office.name,
        number=number,
        case_number=case.number,
        qr_text=_tracking(office, case.number),
        qr_caption=qr_caption,
        fields=fields,
        sections=sections,
        signatures=signatures,
        footer=footer if footer is not None else _footer(case, office),
        issued_on=issued_on or case.created_at.astimezone(CHINA).date(),
        copies_note=copies_note,
        seal_name=office.name,
    )


def _received_rows(entries: tuple[MaterialView, ...]) -> tuple[tuple[str, ...], ...]:
    """One row a material: an original and its copy handed in together are one line of the receipt."""
    grouped: dict[str, list[MaterialView]] = {}
    for entry in entries:
        grouped.setdefault(entry.material, []).append(entry)
    rows = []
    for index, group in enumerate(grouped.values()):
        forms = "、".join(FORM_LABEL[Form(e.form)] for e in group)
        copies = sum(e.copies for e in group)
        pages = max(e.pages for e in group)
        rows.append((str(index + 1), group[0].name, forms, str(copies), str(pages)))
    return tuple(rows)


def acceptance_receipt(case: CaseView, item: ServiceItem, office: Office, number: str) -> DocumentContent:
    require_decision(DocumentKind.RECEIPT, case)
    promised = _day(case.promised_date, case, "承诺办结日期")
    uncertain = "（节假日数据未覆盖，以实际工作日为准）" if case.promised_date_uncertain else ""
    materials = _received_rows(case.materials)
    received = case.created_at
    text = (
        f"你（单位）于{cn_time(received)}提出的「{case.item_name}」申请，经审查，申请材料齐全、符合法定形式，"
        f"{_basis_clause(item, '五')}，决定予以受理。本事项承诺于{cn_date(promised)}前办结{uncertain}。"
        "请凭本通知书查询办理进度、领取办理结果。"
    )
    return case_document(
        DocumentKind.RECEIPT,
        case,
        office,
        number,
        qr_caption="扫码查询办理进度",
        fields=(
            *_item_fields(case),
            *_party_fields(case),
            Field("申请时间", cn_time(received)),
            Field("受理时间", cn_time(received)),
            Field("承诺办结时间", cn_date(promised) + uncertain),
            Field("受理部门", office.name),
        ),
        sections=(
            Paragraph(text),
            Table(
                "收到材料", ("序号", "材料名称", "形式", "份数", "页数"), materials, (0.6, 5.6, 1.8, 0.7, 0.7)
            ),
        ),
        signatures=(),
    )


def tolerance_notice(case: CaseView, item: ServiceItem, office: Office, number: str) -> DocumentContent:
    require_decision(DocumentKind.TOLERANCE_NOTICE, case)
    deadline = _day(case.supplement_deadline, case, "补交期限")
    promised = _day(case.promised_date, case, "承诺办结日期")
    rows = []
    for i, code in enumerate(case.materials_with(Verdict.TOLERATED)):
        material = item.material(code)
        assert material is not None
        rows.append((str(i + 1), material.name, material.forms_label, material.standard or "—"))
    received = case.created_at
    return case_document(
        DocumentKind.TOLERANCE_NOTICE,
        case,
        office,
        number,
        qr_caption="扫码查询办理进度",
        fields=(
            *_item_fields(case),
            *_party_fields(case),
            Field("受理时间", cn_time(received)),
            Field("补交期限", cn_date(deadline)),
            Field("承诺办结时间", cn_date(promised)),
        ),
        sections=(
            Paragraph(
                f"你（单位）提出的「{case.item_name}」申请，主要申请材料齐全、符合法定形式，下列次要材料欠缺或存在瑕疵，"
                "根据容缺受理制度，本机关予以容缺受理。"
            ),
            Table("容缺材料", ("序号", "材料名称", "补交形式", "补交要求"), tuple(rows), (0.6, 3.4, 1.6, 4)),
            Paragraph(
                f"请于{cn_date(deadline)}前（不超过承诺办结期限）将上述材料原件或复印件交回本窗口，或通过政务服务网上传。",
                emphasis=True,
            ),
            Paragraph(
                "逾期未补齐的，本机关将按照容缺受理承诺书的约定终止办理，已作出的相关决定依法予以撤回；"
                "申请人对所提交材料的真实性负责。"
            ),
        ),
        signatures=("申请人（签字/盖章）：", f"签收时间：{BLANK_DATE}"),
        copies_note="本通知书一式两份，一份交申请人，一份存档。",
    )


def supplement_notice(case: CaseView, item: ServiceItem, office: Office, number: str) -> DocumentContent:
    require_decision(DocumentKind.SUPPLEMENT_NOTICE, case)
    rows: list[tuple[str, ...]] = []
    for finding in case.findings:
        if finding.outcome not in (Verdict.MISSING, Verdict.DEFECTIVE) or not finding.material:
            continue
        material = item.material(finding.material)
        assert material is not None
        problem = (
            "缺少" if finding.outcome == Verdict.MISSING else finding.message.split("」", 1)[-1] or "存在瑕疵"
        )
        amount = f"{material.copies}份" if material.copies else ""
        requirement = f"{material.forms_label}{amount}；{material.standard}".rstrip("；")
        rows.append((str(len(rows) + 1), material.name, problem, requirement, material.basis or item.basis))
    deadline = _day(case.supplement_deadline, case, "补正期限")
    received = case.created_at
    return case_document(
        DocumentKind.SUPPLEMENT_NOTICE,
        case,
        office,
        number,
        qr_caption="扫码查看需补正材料",
        fields=(
            *_item_fields(case),
            *_party_fields(case),
            Field("申请日期", cn_time(received)),
            Field("补正期限", cn_date(deadline)),
            Field("承办人员", f"{case.clerk_name}（{office.phone}）"),
        ),
        sections=(
            Paragraph(
                f"你（单位）提出的「{case.item_name}」申请，经审查，申请材料不齐全或者不符合法定形式。"
                f"{_basis_clause(item, '四')}，现一次性告知你（单位）需要补正的全部内容如下："
            ),
            Table(
                "需补正的材料",
                ("序号", "材料名称", "问题", "要求", "依据"),
                tuple(rows),
                (0.6, 2.6, 2.2, 3.2, 2.4),
            ),
            Paragraph(
                f"请于{cn_date(deadline)}前按上述要求补正全部材料后重新提交。补正齐全后本机关即予受理。"
                "本告知书所列即为需补正的全部内容，本机关不再要求提交其他材料。",
                emphasis=True,
            ),
            Paragraph(
                f"审查依据：事项目录 {case.catalog_version}，材料清单校验码 {case.checklist_sha256[:12]}。"
            ),
        ),
        signatures=("申请人（签字）：", f"签收时间：{BLANK_DATE}____时____分"),
        footer=_footer(case, office, clerk_label="承办人员"),
        copies_note="本告知书一式两份，一份交申请人，一份存档。",
    )


def rejection_notice(case: CaseView, item: ServiceItem, office: Office, number: str) -> DocumentContent:
    require_decision(DocumentKind.REJECTION_NOTICE, case)
    received = case.created_at
    referral = case.referral_office or "有权机关"
    reasons = [f"该事项由{item.body_name}实施，不属于{office.name}受理范围"]
    return case_document(
        DocumentKind.REJECTION_NOTICE,
        case,
        office,
        number,
        qr_caption="扫码查看办理指引",
        fields=(*_item_fields(case), *_party_fields(case), Field("申请时间", cn_time(received))),
        sections=(
            Paragraph(
                f"你（单位）于{cn_time(received)}提出的「{case.item_name}」申请，经审查，"
                f"{'；'.join(reasons)}。{_basis_clause(item, '二')}，本机关决定不予受理。"
            ),
            Paragraph(f"请向{referral}提出申请。", emphasis=True),
            Paragraph(
                f"如不服本决定，可以自收到本通知书之日起六十日内向{office.region_name}人民政府申请行政复议，"
                "或者自收到本通知书之日起六个月内依法向人民法院提起行政诉讼。"
            ),
        ),
        signatures=("申请人（签字）：", f"签收时间：{BLANK_DATE}"),
        copies_note="本通知书一式两份，一份交申请人，一份存档。",
    )
