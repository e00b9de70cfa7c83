"""What a certificate (证照) and its pickup receipt (领证回执) say, built from the stored case's view."""

from __future__ import annotations

from app.cases.views import CaseView, CertificateView
from app.clock import CHINA
from app.documents.content import (
    DocumentContent,
    DocumentError,
    DocumentKind,
    Field,
    Office,
    Paragraph,
    case_document,
    cn_date,
    cn_time,
    id_field,
    masked_id,
)
from app.identity_documents import id_kind_label
from app.licences import RESULT_ONLY, LicenceField, Source, Value, template_of
from app.pickup import capacity_label


def certificate(case: CaseView, cert: CertificateView, office: Office) -> DocumentContent:
    """The certificate as its template (app.licences) prints it: the statutory fields in order, 正本 and
    副本 where the type has both, the validity the catalog gave (长期 only where it says so), the QR."""
    template = template_of(cert.licence_type)
    stored = dict(cert.fields)
    rows = [_row(f, case, cert, stored) for f in template.fields]
    shown = {f.label for f in template.fields}
    # Entries of a template since changed stay printed, after the template's own.
    rows += [Field(label, value) for label, value in cert.fields if label not in shown]
    own_number = any(f.value is Value.NUMBER for f in template.fields)
    identifier = Field("电子证照标识" if own_number else "证照编号", cert.certificate_id)
    printed = tuple(r for r in rows if r.value)  # an optional entry left empty is not printed
    fields = (*printed, identifier) if own_number else (identifier, *printed)
    what = "审批结果" if template is RESULT_ONLY else "证照"
    return DocumentContent(
        kind=DocumentKind.CERTIFICATE,
        title=cert.type_name,
        office_name=cert.issuer_name,
        number=cert.certificate_id,
        case_number=case.number,
        qr_text=cert.qr_text,
        qr_caption="扫码核验：离线验签，联网查询状态",
        fields=(*fields, Field("办件编号", case.number)),
        sections=(
            Paragraph(f"本{what}依法核发，二维码内含发证机关电子签名，可离线核验真伪；涂改、伪造无效。"),
        ),
        signatures=(),
        footer=(),
        issued_on=cert.issued_on,
        seal_name=cert.issuer_name,
        counterparts=template.counterparts,
    )


def _row(field: LicenceField, case: CaseView, cert: CertificateView, stored: dict[str, str]) -> Field:
    if field.value is Value.HOLDER_ID and field.label == "证件":  # general: 统一社会信用代码 or 证件
        return id_field("证件", case.applicant)
    return Field(field.label, _value(field, case, cert, stored))


def _value(field: LicenceField, case: CaseView, cert: CertificateView, stored: dict[str, str]) -> str:
    if field.source is Source.ENTRY:
        return stored.get(field.label, "")
    match field.value:
        case Value.HOLDER:
            return cert.holder_name
        case Value.HOLDER_ID:
            # Credit codes are public register data and print whole; a person's number prints masked.
            return id_field("证件", case.applicant).value
        case Value.NUMBER:
            return stored.get(field.label, cert.certificate_id)
        case Value.ISSUER:
            return cert.issuer_name
        case Value.ISSUED_ON:
            return cn_date(cert.issued_on)
        case Value.VALID_UNTIL:
            return cn_date(cert.valid_until) if cert.valid_until else "长期"
        case Value.VALID_PERIOD:
            end = f"至{cn_date(cert.valid_until)}" if cert.valid_until else "起长期有效"
            return f"自{cn_date(cert.issued_on)}{end}"
        case Value.CONTENT:
            return cert.content
    return ""


def pickup_receipt(case: CaseView, cert: CertificateView, office: Office, number: str) -> DocumentContent:
    handed = cert.handed_over_at
    if handed is None:
        raise DocumentError(f"办件 {case.number} 的证照尚未交付，不能出具领证回执")
    return case_document(
        DocumentKind.PICKUP_RECEIPT,
        case,
        office,
        number,
        qr_caption="扫码查询办件",
        fields=(
            Field("办件编号", case.number),
            Field("申请事项", case.item_name),
            Field("证照名称", cert.type_name),
            Field("证照编号", cert.certificate_id),
            Field("持证人", cert.holder_name),
            Field("领取人", cert.recipient_name or ""),
            *_recipient_fields(cert),
            Field("领取方式", "窗口领取"),
            Field("领取时间", cn_time(handed)),
        ),
        sections=(Paragraph("上述证照已当面点交，领取人核对无误后签字确认。"),),
        signatures=("领取人（签字）：", "发件人员（签字）："),
        footer=(
            Field("发件人员", cert.handover_clerk_name or ""),
            Field("发件窗口", f"{office.window_name}（{office.window_code}）"),
        ),
        issued_on=handed.astimezone(CHINA).date(),
        copies_note="本回执一式两份，一份交领取人，一份存档。",
    )


def _recipient_fields(cert: CertificateView) -> tuple[Field, ...]:
    """Who collected, in what capacity and on what authority (a hand-over recorded before capacities were
    recorded shows its resident ID alone)."""
    kind = cert.recipient_id_type or "resident_id"
    number = masked_id(kind, cert.recipient_id_number or "")
    fields = [Field("领取人证件", f"{id_kind_label(kind)} {number}")]
    if cert.recipient_capacity:
        fields.append(Field("领取人身份", capacity_label(cert.recipient_capacity)))
    if cert.recipient_authorization:
        fields.append(Field("授权委托", cert.recipient_authorization))
    return tuple(fields)
