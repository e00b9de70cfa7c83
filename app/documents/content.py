"""What each document says, built from the stored case's view (never from the screen): the parts every
document shares (who issues it, its fields, sections, seal). The notices are built in
`app.documents.notices`, the certificate and its pickup receipt in `app.documents.certificate`.

A `DocumentContent` is layout-free: the PDF renderer lays it out for A4 or an 80 mm receipt, and the
glyph check reads every text in it before anything is printed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from app.cases.views import AgentView, ApplicantView, CaseView
from app.catalog import Arrangement, Hall, Party, ServiceItem
from app.clock import CHINA, hall_time_text
from app.documents.kinds import DEFAULT_COPIES as DEFAULT_COPIES
from app.documents.kinds import NUMBER_WORD as NUMBER_WORD
from app.documents.kinds import TITLE as TITLE
from app.documents.kinds import DocumentKind as DocumentKind
from app.documents.kinds import refusal
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
    small: bool = False  # a note in small print (e.g. the checklist version the case was checked against)


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

    @classmethod
    def hall_itself(cls, office: Office) -> Issuer:
        """The hall in its own name: it refuses an item outside its competence itself (行政许可法 Art. 32
        (2)); the item's body has delegated nothing to it."""
        return cls(
            body_name=office.name,
            body_code="",
            hall_name=office.name,
            arrangement=Arrangement.OWN_NAME,
            permit=False,
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
    number_label: str = "办件编号"  # what `case_number` is, on each page's foot (a bundle's: 一件事编号)

    def texts(self) -> Iterator[tuple[str, str]]:
        """Every printed text with the name of where it stands, for the glyph check."""
        yield "标题", self.title
        for mark in self.counterparts:
            yield "正副本", mark
        yield "机关", self.office_name
        if self.seal_name:
            yield "印章", self.seal_name
        yield "文书编号", self.number
        for f in self.fields:
            yield f.label, f.value
        if self.addressee:  # printed under the fields, above the text
            yield "主送", self.addressee
        for f in self.footer:
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
    """Raise DocumentError unless the case gets this document of its decision (app.documents.kinds)."""
    refused = refusal(kind, case)
    if refused is not None:
        raise DocumentError(f"办件 {case.number} {refused}")


def cn_date(day: date) -> str:
    """A date on paper, without leading zeros (GB/T 9704): 2026年12月2日."""
    return f"{day.year}年{day.month}月{day.day}日"


def cn_time(moment: datetime) -> str:
    """A moment on paper in hall time: 2026年12月2日 02:56."""
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
    issuer: Issuer | None = None,
    addressee: str = "",
) -> DocumentContent:
    """The parts every document of a case shares: title, number, codes, footer, seal. `issuer`: who the
    document speaks for, named at its head and on its seal (default: the hall); `addressee`: its 主送."""
    return DocumentContent(
        kind=kind,
        title=TITLE[kind],
        office_name=issuer.name if issuer else office.name,
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
        seal_name=issuer.seal_name if issuer else office.name,
        addressee=addressee,
    )
