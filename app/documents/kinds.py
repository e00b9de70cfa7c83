"""The documents a case can have, and the one table of which documents a decision gets (shared/STYLE.md
habit 16): the window prints the decision's main document right after saving and offers every document of
the case in its dialog; `clerk print` refuses a document the decision does not get; the builders check
the same table before a number is spent.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.completeness import Outcome


class DocumentKind(StrEnum):
    RECEIPT = "receipt"
    TOLERANCE_NOTICE = "tolerance-notice"
    SUPPLEMENT_NOTICE = "supplement-notice"
    REJECTION_NOTICE = "rejection-notice"
    CERTIFICATE = "certificate"
    PICKUP_RECEIPT = "pickup-receipt"


TITLE = {
    DocumentKind.RECEIPT: "受理通知书",
    DocumentKind.TOLERANCE_NOTICE: "容缺受理通知书",
    DocumentKind.SUPPLEMENT_NOTICE: "一次性告知书（补正材料通知书）",
    DocumentKind.REJECTION_NOTICE: "不予受理通知书",
    DocumentKind.CERTIFICATE: "证照",
    DocumentKind.PICKUP_RECEIPT: "领证回执",
}
# 性质 in the document number: 机关简称 + 性质 + 〔年份〕 + 顺序号.
NUMBER_WORD = {
    DocumentKind.RECEIPT: "受",
    DocumentKind.TOLERANCE_NOTICE: "容受",
    DocumentKind.SUPPLEMENT_NOTICE: "补告",
    DocumentKind.REJECTION_NOTICE: "不受",
    DocumentKind.PICKUP_RECEIPT: "领",
}
DEFAULT_COPIES = {
    DocumentKind.RECEIPT: 1,
    DocumentKind.TOLERANCE_NOTICE: 2,  # applicant and file
    DocumentKind.SUPPLEMENT_NOTICE: 2,
    DocumentKind.REJECTION_NOTICE: 2,
    DocumentKind.CERTIFICATE: 1,
    DocumentKind.PICKUP_RECEIPT: 2,
}


@dataclass(frozen=True)
class DecisionDocument:
    outcome: Outcome
    kind: DocumentKind
    on_saving: bool  # printed right after the decision is saved (the decision's main document)


# Which documents each decision gets, in the order a clerk prints them.
DECISION_DOCUMENTS: tuple[DecisionDocument, ...] = (
    DecisionDocument(Outcome.ACCEPTED, DocumentKind.RECEIPT, on_saving=True),
    DecisionDocument(Outcome.ACCEPTED_WITH_TOLERANCE, DocumentKind.RECEIPT, on_saving=False),
    DecisionDocument(Outcome.ACCEPTED_WITH_TOLERANCE, DocumentKind.TOLERANCE_NOTICE, on_saving=True),
    DecisionDocument(Outcome.SUPPLEMENT_REQUIRED, DocumentKind.SUPPLEMENT_NOTICE, on_saving=True),
    DecisionDocument(Outcome.REJECTED, DocumentKind.REJECTION_NOTICE, on_saving=True),
)

# What the clerk is told when a document is asked for a decision that does not get it.
NOT_FOR_DECISION: dict[DocumentKind, str] = {
    DocumentKind.RECEIPT: "未受理（{decision}），不能出具受理通知书",
    DocumentKind.TOLERANCE_NOTICE: "不是容缺受理，不能出具容缺受理通知书",
    DocumentKind.SUPPLEMENT_NOTICE: "不需补正，不能出具一次性告知书",
    DocumentKind.REJECTION_NOTICE: "未作不予受理决定，不能出具不予受理通知书",
}


def decision_documents(decision: str) -> tuple[DocumentKind, ...]:
    """The documents a case decided `decision` gets, in print order (none for a decision not known)."""
    return tuple(row.kind for row in DECISION_DOCUMENTS if row.outcome == decision)


def main_document(decision: str) -> DocumentKind | None:
    """The document printed right after a case decided `decision` is saved."""
    return next((row.kind for row in DECISION_DOCUMENTS if row.outcome == decision and row.on_saving), None)


def issued_for(kind: DocumentKind) -> tuple[Outcome, ...]:
    """The decisions that get the document `kind` (none for the certificate and its pickup receipt)."""
    return tuple(row.outcome for row in DECISION_DOCUMENTS if row.kind == kind)
