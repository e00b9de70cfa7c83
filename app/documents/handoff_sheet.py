"""The 帮办预审单: what a helper hands the applicant to take to the window (A4, the documents' fonts).

It is a working paper, not a document of a case: no document number, no seal, no case number, no print
record. It says so in a line of its own. It carries the item, the applicant (identity number masked as on
every document), the agent, the materials checklist with what was pre-checked for each, the list of what
the applicant still has to bring, the helper's name and PC, and the QR of the hand-off code
(app.helpers.handoff) that fills the window's intake form when scanned.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, SimpleDocTemplate, Spacer
from reportlab.platypus import Table as PdfTable

from app.catalog import FORM_LABEL, NECESSITY_LABEL, ServiceItem
from app.clock import hall_time_text
from app.completeness import CompletenessResult, Verdict
from app.documents.flowables import QrFlowable
from app.documents.fonts import FontChain, font_chain
from app.documents.kinsoku import CjkParagraph
from app.helpers.agency import Authorisation
from app.helpers.drafts import Prepared, applicable_to
from app.identity_documents import id_kind_label, mask_id_number

TITLE = "帮办预审单"
NOT_A_DECISION = (
    "本单仅为帮办预审，不是受理决定，没有办件编号；"
    "材料是否齐全、是否受理，以窗口工作人员核对原件后的决定为准。"
)
QR_SIDE = 60 * mm  # app.helpers.handoff: MAX_HANDOFF_CHARS read from a 200 dpi scan at this size
_MARGIN = 18 * mm
_WIDTH = A4[0] - 2 * _MARGIN

_VERDICT_LABEL = {
    Verdict.OK: "已备齐",
    Verdict.NOTE: "备注",
    Verdict.TOLERATED: "容缺，可后补",
    Verdict.MISSING: "缺少",
    Verdict.DEFECTIVE: "需补正",
    Verdict.REJECTED: "不予受理",
}


@dataclass(frozen=True)
class HandoffSheet:
    data: bytes  # the PDF
    warnings: tuple[str, ...]  # characters no shipped font can draw


def _style(chain: FontChain, size: float, *, bold: bool = False, name: str = "") -> ParagraphStyle:
    return ParagraphStyle(
        f"handoff-{name}-{size}",
        fontName=chain.primary,
        fontSize=size,
        leading=size * 1.4,
        wordWrap="CJK",
        textColor=colors.black,
    )


def handoff_sheet_pdf(
    prepared: Prepared, *, item: ServiceItem, code: str, hall_name: str, chain: FontChain | None = None
) -> HandoffSheet:
    """The sheet of a prepared draft with its hand-off `code` as QR."""
    chain = chain or font_chain()
    draft, result = prepared.draft, prepared.result
    request = draft.request
    applicant, agent = request.applicant, request.agent
    body = _style(chain, 10, name="body")
    small = _style(chain, 8.5, name="small")
    heading = _style(chain, 12, name="heading")

    def para(text: str, style: ParagraphStyle = body) -> CjkParagraph:
        return CjkParagraph(chain.markup(text), style)

    texts: list[str] = []

    def line(text: str, style: ParagraphStyle = body) -> CjkParagraph:
        texts.append(text)
        return para(text, style)

    applicant_id = mask_id_number(str(applicant.id_type), applicant.id_number)
    fields = [
        ("事项", f"{item.name}（{item.code}）"),
        ("实施机关", item.body_name),
        ("目录版本", draft.catalog_version),
        ("申请人", applicant.name),
        (id_kind_label(applicant.id_type), applicant_id),
        ("联系电话", _masked_phone(applicant.phone)),
    ]
    if agent is not None:
        fields += [
            ("代理人", agent.name),
            (f"代理人{id_kind_label(agent.id_type)}", mask_id_number(str(agent.id_type), agent.id_number)),
        ]
    authorisation = draft.authorisation
    fields += [
        ("办理方式", "全程代办（凭代办委托书）" if authorisation is not None else "帮办"),
        ("帮办员", f"{draft.helper_name}（{draft.helper_login}）"),
        ("预审设备", draft.device),
        ("预审时间", hall_time_text(draft.created_at)),
        ("预审单编号", draft.draft_id),
    ]
    field_rows = [[line(label), line(value)] for label, value in fields]
    fields_table = PdfTable(field_rows, colWidths=[26 * mm, _WIDTH - QR_SIDE - 30 * mm])
    fields_table.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP")])  # a label beside the first line of its value
    head = PdfTable(
        [[fields_table, QrFlowable(code, QR_SIDE)]],
        colWidths=[_WIDTH - QR_SIDE - 2 * mm, QR_SIDE + 2 * mm],
    )
    head.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP")])

    story: list[Flowable] = [
        line(TITLE, _style(chain, 18, name="title")),
        line(hall_name, small),
        Spacer(1, 3 * mm),
        head,
        Spacer(1, 2 * mm),
        line("窗口扫描右上角二维码即可调出本预审内容（由帮办设备签名，改动即失效）。", small),
        *_authorisation_part(authorisation, id_kind=str(applicant.id_type), line=line, heading=heading),
        Spacer(1, 3 * mm),
        # What the applicant must still bring comes first: it is what they read the sheet for.
        line("一、还需携带或补正的材料", heading),
    ]
    if prepared.to_bring:
        story += [line(f"{n}. {text}") for n, text in enumerate(prepared.to_bring, start=1)]
    else:
        story.append(line("预审未发现缺少的材料；请携带下列材料原件到窗口。"))
    story += [
        Spacer(1, 3 * mm),
        line("二、材料预审情况", heading),
        _checklist(prepared, item=item, result=result, line=line),
    ]
    story += [Spacer(1, 4 * mm), line(NOT_A_DECISION, heading)]

    missing = chain.missing("".join(texts))
    warnings = (f"以下字符没有可用字体，预审单上将显示为空白：{'、'.join(missing)}",) if missing else ()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN,
        title=f"{TITLE} {applicant.name}",
        creator="Window Clerk",
    )
    document.build(story)
    return HandoffSheet(buffer.getvalue(), warnings)


def _checklist(
    prepared: Prepared,
    *,
    item: ServiceItem,
    result: CompletenessResult,
    line: Callable[[str], CjkParagraph],
) -> PdfTable:
    draft = prepared.draft
    received: dict[str, list[str]] = {}
    for entry in draft.request.materials:
        received.setdefault(entry.material_code, []).append(
            f"{FORM_LABEL[entry.form]}{entry.copies}份" if entry.copies else FORM_LABEL[entry.form]
        )
    verdicts: dict[str, Verdict] = {}
    for finding in result.findings:
        if finding.material is not None:
            verdicts.setdefault(finding.material.code, finding.verdict)
    rows = [[line(h) for h in ("序号", "材料名称", "必要性", "预审所见", "预审结果")]]
    for n, material in enumerate(applicable_to(draft, item=item), start=1):
        verdict = verdicts.get(material.code)
        rows.append(
            [
                line(str(n)),
                line(material.name),
                line(NECESSITY_LABEL[material.necessity]),
                line("、".join(received.get(material.code, [])) or "未见"),
                line(_VERDICT_LABEL[verdict] if verdict else "—"),
            ]
        )
    table = PdfTable(rows, colWidths=[12 * mm, _WIDTH - 92 * mm, 18 * mm, 34 * mm, 28 * mm], repeatRows=1)
    table.setStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ]
    )
    return table


def _authorisation_part(
    authorisation: Authorisation | None,
    *,
    id_kind: str,  # the applicant's 证件类型: the principal is the applicant
    line: Callable[[str, ParagraphStyle], CjkParagraph],
    heading: ParagraphStyle,
) -> list[Flowable]:
    """代办: the 代办委托书 as the helper recorded it (the window checks it against the original)."""
    if authorisation is None:
        return []
    a = authorisation
    body = ParagraphStyle("handoff-authorisation", parent=heading, fontSize=10, leading=14)
    reference = f"；编号：{a.reference}" if a.reference else ""
    rows = [
        f"委托人：{a.principal}（{mask_id_number(id_kind, a.principal_id)}）；委托期限：{a.period_text()}",
        f"委托事项及权限：{a.scope}；委托书落款日期：{a.signed_on:%Y年%m月%d日}{reference}",
    ]
    return [Spacer(1, 3 * mm), line("代办委托书（请携带原件）", heading), *(line(r, body) for r in rows)]


def _masked_phone(phone: str) -> str:
    return phone if len(phone) < 7 else f"{phone[:3]}****{phone[-4:]}"
