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
)
from app.identifiers import mask_resident_id


def certificate(case: CaseView, cert: CertificateView, office: Office) -> DocumentContent:
    valid = cn_date(cert.valid_until) if cert.valid_until else "长期"
    return DocumentContent(
        kind=DocumentKind.CERTIFICATE,
        title=cert.type_name,
        office_name=cert.issuer_name,
        number=cert.certificate_id,
        case_number=case.number,
        qr_text=cert.qr_text,
        qr_caption="扫码核验：离线验签，联网查询状态",
        fields=(
            Field("证照编号", cert.certificate_id),
            Field("持证人", cert.holder_name),
            # Credit codes are public register data and print whole; a person's number prints masked.
            id_field("证件", case.applicant),
            Field("许可内容", cert.content),
            Field("发证机关", cert.issuer_name),
            Field("发证日期", cn_date(cert.issued_on)),
            Field("有效期至", valid),
            Field("办件编号", case.number),
        ),
        sections=(Paragraph("本证照依法核发，二维码内含发证机关电子签名，可离线核验真伪；涂改、伪造无效。"),),
        signatures=(),
        footer=(Field("签发密钥", cert.key_id),),
        issued_on=cert.issued_on,
        seal_name=cert.issuer_name,
    )


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
            Field("领取人身份证号码", mask_resident_id(cert.recipient_id_number or "")),
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
