"""The documents a case can have, and the one table of which documents a decision gets (shared/STYLE.md
habit 16): the window prints the decision's main document right after saving and offers every document of
the case in its dialog; `clerk print` refuses a document the case does not get; the builders check the
same table before a number is spent.

A 容缺 case has one decision and one document, its 容缺受理通知书 (never a 受理通知书, which would claim the
materials complete). A case where a material was replaced by a 告知承诺 also gets the 告知承诺书 the
applicant signs.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from app.accounts.roles import Permission
from app.completeness import Outcome, Rule
from app.sync.wire import EventKind

if TYPE_CHECKING:
    from app.cases.views import CaseView


class DocumentKind(StrEnum):
    RECEIPT = "receipt"
    TOLERANCE_NOTICE = "tolerance-notice"
    SUPPLEMENT_NOTICE = "supplement-notice"
    REJECTION_NOTICE = "rejection-notice"
    COMMITMENT_LETTER = "commitment-letter"
    CERTIFICATE = "certificate"
    PICKUP_RECEIPT = "pickup-receipt"
    # After the decision (app.lifecycle): one per step that the applicant must be told of in writing.
    SUPPLEMENT_RECEIPT = "supplement-receipt"
    SUSPENSION_NOTICE = "suspension-notice"
    EXTENSION_NOTICE = "extension-notice"
    REFUSAL_DECISION = "refusal-decision"
    WITHDRAWAL_NOTICE = "withdrawal-notice"
    TERMINATION_NOTICE = "termination-notice"
    DELIVERY_RECEIPT = "delivery-receipt"
    REVOCATION_DECISION = "revocation-decision"
    # A 一件事 bundle's (app.bundles): one for all its cases, printed by the bundle number.
    BUNDLE_RECEIPT = "bundle-receipt"
    BUNDLE_NOTICE = "bundle-notice"


TITLE = {
    DocumentKind.RECEIPT: "受理通知书",
    DocumentKind.TOLERANCE_NOTICE: "容缺受理通知书",
    DocumentKind.SUPPLEMENT_NOTICE: "一次性告知书（补正材料通知书）",
    DocumentKind.REJECTION_NOTICE: "不予受理通知书",
    DocumentKind.COMMITMENT_LETTER: "证明事项告知承诺书",
    DocumentKind.CERTIFICATE: "证照",
    DocumentKind.PICKUP_RECEIPT: "领证回执",
    DocumentKind.SUPPLEMENT_RECEIPT: "补正材料接收凭证",
    DocumentKind.SUSPENSION_NOTICE: "行政许可中止（挂起）告知书",
    DocumentKind.EXTENSION_NOTICE: "延长行政许可期限告知书",
    DocumentKind.REFUSAL_DECISION: "不予行政许可决定书",
    DocumentKind.WITHDRAWAL_NOTICE: "准予撤回行政许可申请通知书",
    DocumentKind.TERMINATION_NOTICE: "终止行政许可办理通知书",
    DocumentKind.DELIVERY_RECEIPT: "送达回执",
    DocumentKind.REVOCATION_DECISION: "撤销行政许可决定书",
    DocumentKind.BUNDLE_RECEIPT: "一件事一次办受理回执",
    DocumentKind.BUNDLE_NOTICE: "一件事一次性告知书",
}
# 性质 in the document number: 机关简称 + 性质 + 〔年份〕 + 顺序号.
NUMBER_WORD = {
    DocumentKind.RECEIPT: "受",
    DocumentKind.TOLERANCE_NOTICE: "容受",
    DocumentKind.SUPPLEMENT_NOTICE: "补告",
    DocumentKind.REJECTION_NOTICE: "不受",
    DocumentKind.COMMITMENT_LETTER: "承",
    DocumentKind.PICKUP_RECEIPT: "领",
    DocumentKind.SUPPLEMENT_RECEIPT: "补收",
    DocumentKind.SUSPENSION_NOTICE: "中告",
    DocumentKind.EXTENSION_NOTICE: "延告",
    DocumentKind.REFUSAL_DECISION: "不许",
    DocumentKind.WITHDRAWAL_NOTICE: "撤回",
    DocumentKind.TERMINATION_NOTICE: "终告",
    DocumentKind.DELIVERY_RECEIPT: "送",
    DocumentKind.REVOCATION_DECISION: "撤销",
    DocumentKind.BUNDLE_RECEIPT: "联受",
    DocumentKind.BUNDLE_NOTICE: "联告",
}
DEFAULT_COPIES = {
    DocumentKind.RECEIPT: 1,
    DocumentKind.TOLERANCE_NOTICE: 2,  # applicant and file
    DocumentKind.SUPPLEMENT_NOTICE: 2,
    DocumentKind.REJECTION_NOTICE: 2,
    DocumentKind.COMMITMENT_LETTER: 2,  # signed by the applicant: one for them, one for the file
    DocumentKind.CERTIFICATE: 1,
    DocumentKind.PICKUP_RECEIPT: 2,
    DocumentKind.SUPPLEMENT_RECEIPT: 2,
    DocumentKind.SUSPENSION_NOTICE: 2,
    DocumentKind.EXTENSION_NOTICE: 2,
    DocumentKind.REFUSAL_DECISION: 2,
    DocumentKind.WITHDRAWAL_NOTICE: 2,
    DocumentKind.TERMINATION_NOTICE: 2,
    DocumentKind.DELIVERY_RECEIPT: 2,
    DocumentKind.REVOCATION_DECISION: 2,
    DocumentKind.BUNDLE_RECEIPT: 1,
    DocumentKind.BUNDLE_NOTICE: 2,  # applicant and file
}


class Needs(StrEnum):
    """What a case must hold, beyond its decision, to get a document."""

    NOTHING = "nothing"
    COMMITMENT = "commitment"  # at least one material replaced by a 告知承诺 (a finding of rule `commitment`)


@dataclass(frozen=True)
class DecisionDocument:
    outcome: Outcome
    kind: DocumentKind
    on_saving: bool  # printed right after the decision is saved (the decision's main document)
    needs: Needs = Needs.NOTHING


# Which documents each decision gets, in the order a clerk prints them.
DECISION_DOCUMENTS: tuple[DecisionDocument, ...] = (
    DecisionDocument(Outcome.ACCEPTED, DocumentKind.RECEIPT, on_saving=True),
    DecisionDocument(
        Outcome.ACCEPTED, DocumentKind.COMMITMENT_LETTER, on_saving=False, needs=Needs.COMMITMENT
    ),
    DecisionDocument(Outcome.ACCEPTED_WITH_TOLERANCE, DocumentKind.TOLERANCE_NOTICE, on_saving=True),
    DecisionDocument(
        Outcome.ACCEPTED_WITH_TOLERANCE,
        DocumentKind.COMMITMENT_LETTER,
        on_saving=False,
        needs=Needs.COMMITMENT,
    ),
    DecisionDocument(Outcome.SUPPLEMENT_REQUIRED, DocumentKind.SUPPLEMENT_NOTICE, on_saving=True),
    DecisionDocument(Outcome.REJECTED, DocumentKind.REJECTION_NOTICE, on_saving=True),
)


# Which documents a 一件事 bundle gets, by its cases' decisions (the same table for the window, `clerk` and
# the tests): the combined receipt always (each case's number and decision); the combined one-time notice
# when any case has a gap to make good (补正, or tolerated materials to supply), every gap of the bundle
# in it at once. Each case still gets its own decision's documents (DECISION_DOCUMENTS above).
@dataclass(frozen=True)
class BundleDocument:
    kind: DocumentKind
    when_any: frozenset[Outcome]  # printed when at least one case of the bundle was decided so
    on_saving: bool = True


BUNDLE_DOCUMENTS: tuple[BundleDocument, ...] = (
    BundleDocument(DocumentKind.BUNDLE_RECEIPT, frozenset(Outcome)),
    BundleDocument(
        DocumentKind.BUNDLE_NOTICE,
        frozenset({Outcome.SUPPLEMENT_REQUIRED, Outcome.ACCEPTED_WITH_TOLERANCE}),
    ),
)
BUNDLE_KINDS: frozenset[DocumentKind] = frozenset(row.kind for row in BUNDLE_DOCUMENTS)
NOT_FOR_BUNDLE: dict[DocumentKind, str] = {
    DocumentKind.BUNDLE_NOTICE: "一件事 {number} 各事项均无需补正或补交材料，不出具一次性告知书",
}


def bundle_documents(decisions: Collection[str]) -> tuple[DocumentKind, ...]:
    """The documents of a bundle whose cases were decided `decisions`, in print order."""
    return tuple(row.kind for row in BUNDLE_DOCUMENTS if any(d in row.when_any for d in decisions))


# What the clerk is told when a document is asked for a decision that does not get it.
NOT_FOR_DECISION: dict[DocumentKind, str] = {
    DocumentKind.RECEIPT: "未受理（{decision}），不能出具受理通知书",
    DocumentKind.TOLERANCE_NOTICE: "不是容缺受理，不能出具容缺受理通知书",
    DocumentKind.SUPPLEMENT_NOTICE: "不需补正，不能出具一次性告知书",
    DocumentKind.REJECTION_NOTICE: "未作不予受理决定，不能出具不予受理通知书",
    DocumentKind.COMMITMENT_LETTER: "未受理（{decision}），不能出具告知承诺书",
    DocumentKind.BUNDLE_RECEIPT: "一件事一次办受理回执按一件事编号出具，不按单个办件出具",
    DocumentKind.BUNDLE_NOTICE: "一件事一次性告知书按一件事编号出具，不按单个办件出具",
}
# Where a decision does get documents, but not this one, the message says why (and what it gets instead).
NOT_FOR_THIS_DECISION: dict[tuple[Outcome, DocumentKind], str] = {
    (Outcome.ACCEPTED_WITH_TOLERANCE, DocumentKind.RECEIPT): (
        "为容缺受理：容缺材料尚未补齐，只出具容缺受理通知书（一个决定、一个文号），不能出具受理通知书"
    ),
}
# What the clerk is told when the decision gets the document but the case lacks what it needs.
NEEDED: dict[Needs, str] = {
    Needs.COMMITMENT: "没有以告知承诺替代的材料，不能出具告知承诺书",
}


# Which documents each step after the decision prints, in print order (app.lifecycle): by the step's event
# and, for a supplement, the new check's outcome (the receipt of the materials first).
STEP_DOCUMENTS: dict[tuple[str, Outcome | None], tuple[DocumentKind, ...]] = {
    (EventKind.CASE_SUPPLEMENTED, Outcome.ACCEPTED): (DocumentKind.SUPPLEMENT_RECEIPT, DocumentKind.RECEIPT),
    (EventKind.CASE_SUPPLEMENTED, Outcome.ACCEPTED_WITH_TOLERANCE): (
        DocumentKind.SUPPLEMENT_RECEIPT,
        DocumentKind.TOLERANCE_NOTICE,
    ),
    (EventKind.CASE_SUPPLEMENTED, Outcome.SUPPLEMENT_REQUIRED): (
        DocumentKind.SUPPLEMENT_RECEIPT,
        DocumentKind.SUPPLEMENT_NOTICE,
    ),
    (EventKind.TOLERATED_SUPPLIED, None): (DocumentKind.SUPPLEMENT_RECEIPT,),
    (EventKind.CASE_SUSPENDED, None): (DocumentKind.SUSPENSION_NOTICE,),
    (EventKind.CASE_EXTENDED, None): (DocumentKind.EXTENSION_NOTICE,),
    (EventKind.CASE_REFUSED, None): (DocumentKind.REFUSAL_DECISION,),
    (EventKind.CASE_WITHDRAWN, None): (DocumentKind.WITHDRAWAL_NOTICE,),
    (EventKind.CASE_TERMINATED, None): (DocumentKind.TERMINATION_NOTICE,),
    (EventKind.CASE_MAILED, None): (DocumentKind.DELIVERY_RECEIPT,),
    (EventKind.CERTIFICATE_HANDED_OVER, None): (DocumentKind.PICKUP_RECEIPT,),
    (EventKind.CERTIFICATE_REVOKED, None): (DocumentKind.REVOCATION_DECISION,),
}


# Whether a case took a step, read on its stored view (the steps after the decision, app.lifecycle).
def _visited(kind: str) -> Callable[[CaseView], bool]:
    return lambda case: any(v.kind == kind for v in case.life.visits)


def _ended(kind: str) -> Callable[[CaseView], bool]:
    return lambda case: case.life.ending is not None and case.life.ending.get("kind") == kind


STEP_TAKEN: dict[str, Callable[[CaseView], bool]] = {
    EventKind.CASE_SUPPLEMENTED: _visited("supplement"),
    EventKind.TOLERATED_SUPPLIED: _visited("tolerated"),
    EventKind.CASE_SUSPENDED: lambda case: bool(case.life.suspensions),
    EventKind.CASE_EXTENDED: lambda case: case.life.extension is not None,
    EventKind.CASE_REFUSED: _ended("refused"),
    EventKind.CASE_WITHDRAWN: _ended("withdrawn"),
    EventKind.CASE_TERMINATED: _ended("terminated"),
    # A revocation after mailing ends the case again: the mailing stays on the certificate.
    EventKind.CASE_MAILED: lambda case: case.certificate is not None and case.certificate.mailing is not None,
    EventKind.CERTIFICATE_REVOKED: _ended("revoked"),
}
# The documents a case gets only by taking a step, and what the clerk is told when it did not take it
# ({status}: the case's status as shown). The decision's documents a step also prints (受理通知书 …) are
# the decision table's.
NOT_TAKEN: dict[DocumentKind, str] = {
    DocumentKind.SUPPLEMENT_RECEIPT: (
        "没有补正或容缺补交材料的记录（状态：{status}），不能出具补正材料接收凭证"
    ),
    DocumentKind.SUSPENSION_NOTICE: "未曾挂起（状态：{status}），不能出具挂起告知书",
    DocumentKind.EXTENSION_NOTICE: "未延长办理期限（状态：{status}），不能出具延期告知书",
    DocumentKind.REFUSAL_DECISION: "未作出不予行政许可决定（状态：{status}），不能出具不予行政许可决定书",
    DocumentKind.WITHDRAWAL_NOTICE: "申请人未撤回申请（状态：{status}），不能出具准予撤回申请通知书",
    DocumentKind.TERMINATION_NOTICE: "未终止办理（状态：{status}），不能出具终止办理通知书",
    DocumentKind.DELIVERY_RECEIPT: "证照未邮寄（状态：{status}），不能出具送达回执",
    DocumentKind.REVOCATION_DECISION: "行政许可未被撤销（状态：{status}），不能出具撤销行政许可决定书",
}
# Decisions and notices with legal effect are A4 only (like the certificate); the receipts may also be
# printed on the 80 mm receipt printer, as the 受理通知书 may.
A4_ONLY: frozenset[DocumentKind] = frozenset(
    {
        DocumentKind.CERTIFICATE,
        DocumentKind.SUSPENSION_NOTICE,
        DocumentKind.EXTENSION_NOTICE,
        DocumentKind.REFUSAL_DECISION,
        DocumentKind.WITHDRAWAL_NOTICE,
        DocumentKind.TERMINATION_NOTICE,
        DocumentKind.REVOCATION_DECISION,
        DocumentKind.BUNDLE_RECEIPT,  # a table of items and materials: too wide for a till slip
        DocumentKind.BUNDLE_NOTICE,
    }
)


def _steps_of(kind: DocumentKind) -> tuple[str, ...]:
    return tuple(dict.fromkeys(event for (event, _), kinds in STEP_DOCUMENTS.items() if kind in kinds))


def took_step_for(kind: DocumentKind, case: CaseView) -> bool:
    """Whether the case took a step that prints `kind` (a document of `NOT_TAKEN`)."""
    return any(STEP_TAKEN[event](case) for event in _steps_of(kind) if event in STEP_TAKEN)


def step_case_documents(case: CaseView) -> tuple[DocumentKind, ...]:
    """The documents of the steps this case took, in the order of the steps' table."""
    kinds = dict.fromkeys(k for row in STEP_DOCUMENTS.values() for k in row if k in NOT_TAKEN)
    return tuple(kind for kind in kinds if took_step_for(kind, case))


def document_visit(kind: DocumentKind, case: CaseView) -> int:
    """Which occasion of the case a document is numbered for (`db.models.Document.visit`): a document of
    the decision, the number of the applicant's last supplement visit that made it (0: the counter's first
    decision), so a second 一次性告知书 has its own number; a 补正材料接收凭证, the visit it received;
    a 挂起告知书, which suspension (1, 2 …); every other document, 0 (once per case)."""
    if kind is DocumentKind.SUPPLEMENT_RECEIPT:
        last = case.life.last_visit
        return 0 if last is None else last.visit
    if kind is DocumentKind.SUSPENSION_NOTICE:
        return len(case.life.suspensions)
    if kind in {row.kind for row in DECISION_DOCUMENTS}:
        supplements = [v.visit for v in case.life.visits if v.kind == "supplement"]
        return supplements[-1] if supplements else 0
    return 0


def step_documents(event: str, outcome: Outcome | None = None) -> tuple[DocumentKind, ...]:
    """The documents a step prints (none for a step that tells the applicant nothing in writing)."""
    return STEP_DOCUMENTS.get((event, outcome), ())


# Who may print a document other than the counter's (Permission.PRINT): a certificate, who issues
# certificates (出证); a decision or notice of a later step, who may take that step (a 不予行政许可决定书 the
# approver who may refuse, a 送达回执 who may mail the certificate, a 撤回/终止 notice who may end a case).
PRINT_PERMISSION: dict[DocumentKind, Permission] = {
    DocumentKind.CERTIFICATE: Permission.PRINT_CERTIFICATE,
    DocumentKind.SUSPENSION_NOTICE: Permission.SUSPEND,
    DocumentKind.EXTENSION_NOTICE: Permission.EXTEND,
    DocumentKind.REFUSAL_DECISION: Permission.REFUSE,
    DocumentKind.WITHDRAWAL_NOTICE: Permission.WITHDRAW,
    DocumentKind.TERMINATION_NOTICE: Permission.WITHDRAW,
    DocumentKind.DELIVERY_RECEIPT: Permission.HAND_OVER,
    DocumentKind.REVOCATION_DECISION: Permission.REVOKE,
}


def print_permission(kind: DocumentKind) -> Permission:
    """The permission printing (or reprinting) `kind` needs: the table above, else the counter's."""
    return PRINT_PERMISSION.get(kind, Permission.PRINT)


def decision_documents(decision: str) -> tuple[DocumentKind, ...]:
    """The documents a case decided `decision` may get, in print order (none for a decision not known);
    `case_documents` says which of them a given case gets."""
    return tuple(row.kind for row in DECISION_DOCUMENTS if row.outcome == decision)


def main_document(decision: str) -> DocumentKind | None:
    """The document printed right after a case decided `decision` is saved."""
    return next((row.kind for row in DECISION_DOCUMENTS if row.outcome == decision and row.on_saving), None)


def issued_for(kind: DocumentKind) -> tuple[Outcome, ...]:
    """The decisions that get the document `kind` (none for the certificate and its pickup receipt)."""
    return tuple(row.outcome for row in DECISION_DOCUMENTS if row.kind == kind)


def _holds(needs: Needs, case: CaseView) -> bool:
    if needs is Needs.COMMITMENT:
        return any(f.rule == Rule.COMMITMENT for f in case.findings)
    return True


def case_documents(case: CaseView) -> tuple[DocumentKind, ...]:
    """The documents of its decision this case gets, in print order."""
    return tuple(
        row.kind for row in DECISION_DOCUMENTS if row.outcome == case.decision and _holds(row.needs, case)
    )


def refusal(kind: DocumentKind, case: CaseView) -> str | None:
    """Why the case does not get the document `kind` of its decision or of a step it took (None: it does).
    Not for the certificate and its pickup receipt, which come with approval and hand-over."""
    if kind in NOT_TAKEN:
        return None if took_step_for(kind, case) else NOT_TAKEN[kind].format(status=case.status_label)
    row = next((r for r in DECISION_DOCUMENTS if r.outcome == case.decision and r.kind == kind), None)
    if row is not None:
        return None if _holds(row.needs, case) else NEEDED[row.needs]
    if isinstance(case.decision, Outcome) and (case.decision, kind) in NOT_FOR_THIS_DECISION:
        return NOT_FOR_THIS_DECISION[(case.decision, kind)]
    return NOT_FOR_DECISION[kind].format(decision=case.decision)
