"""What a scanned text is and where it goes: one table, read top to bottom, the first rule that knows the
text decides.

- a QR of a document the project prints (receipt, notice: ``{verify_base}/CASE/{number}``) or a bare case
  number → open the case; a case number with a wrong check character or cut short is refused with its
  reason, never matched to another case;
- a 一件事 bundle's document QR (combined receipt or notice: ``{verify_base}/BUNDLE/{number}``) or a bare
  bundle number (``YJS-…``) → open the bundle; a wrong check character is refused with the reason;
- a certificate's QR (``…/V/{payload}``, or the bare payload) → verify it offline and show the result;
- a helper's hand-off QR (``WCH1:…``, app.helpers.handoff) → the draft read and the intake form filled;
- a separator sheet's code (app.scanning.separators) → refused with what it is for (a feeder run's);
- an 18-character number that passes an identity document's rule (resident ID, residence permit, credit
  code …) → fill the applicant; one that fails only on its check character is refused with the reason;
- anything else → "未能识别", with what was read (masked when it may be a person's number).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from app.bundles.numbers import BundleNumberError, looks_like_bundle_number, parse_bundle_number
from app.case_number import CaseNumberError, parse_case_number
from app.helpers.handoff import is_handoff_text
from app.identifiers import fold_id_text
from app.identity_documents import IdKind, guess_id_kind, mask_id_number
from app.scanning.keystrokes import MAX_SCAN_CHARS, TOO_LONG_MESSAGE
from app.scanning.separators import UnreadableSeparator, handheld_message, parse_separator
from app.seal import KeyDirectory, VerificationStatus, verify_payload

SHOWN_CHARS = 60  # of an unrecognised text, shown to the clerk


@dataclass(frozen=True)
class OpenCase:
    number: str


@dataclass(frozen=True)
class OpenBundle:
    number: str


@dataclass(frozen=True)
class VerifyCertificate:
    text: str


@dataclass(frozen=True)
class LoadDraft:
    """A helper's 帮办预审单 (app.helpers.handoff): read against the window's keys, fills the intake form."""

    text: str


@dataclass(frozen=True)
class FillApplicant:
    id_kind: IdKind
    id_number: str


@dataclass(frozen=True)
class Refused:
    """A code of a known kind that cannot be used as read (wrong check character, cut short)."""

    message: str


@dataclass(frozen=True)
class Unrecognised:
    shown: str  # what was read, masked or shortened

    @property
    def message(self) -> str:
        return f"未能识别扫描内容：{self.shown}"


Route = OpenCase | OpenBundle | VerifyCertificate | LoadDraft | FillApplicant | Refused | Unrecognised
Rule = Callable[[str, date], Route | None]

_CASE_QR = re.compile(r"HTTPS?://[^/]+(?:/[^/]*)*?/CASE/(?P<number>[^/]*)", re.IGNORECASE)
_BUNDLE_QR = re.compile(r"HTTPS?://[^/]+(?:/[^/]*)*?/BUNDLE/(?P<number>[^/]*)", re.IGNORECASE)
_CERTIFICATE_QR = re.compile(r"HTTPS?://[^/]+(?:/[^/]*)*?/V/[^/]*", re.IGNORECASE)
# A text that starts as a case number does (window code, hyphen, a digit): read as one, so a case number cut
# short or mistyped is refused with the reason rather than taken for anything else.
_CASE_NUMBER_START = re.compile(r"[A-Z][A-Z0-9]{3,11}-[0-9]")
_MAYBE_PERSON_NUMBER = re.compile(r"[0-9A-Z]{8,18}")


def _case(number_text: str) -> Route:
    try:
        return OpenCase(str(parse_case_number(number_text)))
    except CaseNumberError as error:
        return Refused(error.reason)


def _document_qr(text: str, _today: date) -> Route | None:
    match = _CASE_QR.fullmatch(text.strip())
    return None if match is None else _case(match["number"])


def _bundle(number_text: str) -> Route:
    try:
        return OpenBundle(str(parse_bundle_number(number_text)))
    except BundleNumberError as error:
        return Refused(str(error))


def _bundle_code(text: str, _today: date) -> Route | None:
    """A combined receipt's or notice's QR, or a bundle number typed or scanned bare."""
    match = _BUNDLE_QR.fullmatch(text.strip())
    if match is not None:
        return _bundle(match["number"])
    return _bundle(text) if looks_like_bundle_number(text) else None


def _certificate_qr(text: str, _today: date) -> Route | None:
    if _CERTIFICATE_QR.fullmatch(text.strip()):
        return VerifyCertificate(text)  # a damaged one is shown as such by the verification itself
    if "/" in text:
        return None
    # A bare payload: a certificate's when its envelope opens (an empty directory says so offline).
    opened = verify_payload(text, keys=KeyDirectory(), today=_today)
    return None if opened.status is VerificationStatus.MALFORMED else VerifyCertificate(text)


def _handoff(text: str, _today: date) -> Route | None:
    return LoadDraft(text) if is_handoff_text(text) else None


def _separator(text: str, _today: date) -> Route | None:
    """A separator sheet read by the handheld scanner: it belongs in a feeder run, said so (with its case)."""
    code = parse_separator(text)
    if code is None:
        return None
    if isinstance(code, UnreadableSeparator):
        return Refused(code.reason)
    return Refused(handheld_message(code))


def _case_number(text: str, _today: date) -> Route | None:
    folded = fold_id_text(text)
    return _case(folded) if _CASE_NUMBER_START.match(folded) else None


def _identity_number(text: str, today: date) -> Route | None:
    folded = fold_id_text(text)
    if len(folded) != 18:
        return None
    guess = guess_id_kind(folded, today=today)
    if guess.kind is None or guess.check is None:
        return None
    if guess.check.ok:
        return FillApplicant(guess.kind, guess.check.normalized)
    if guess.check.code in ("checksum", "birth_date", "division"):  # its shape is right, its content wrong
        shown = mask_id_number(guess.kind, folded)
        return Refused(f"扫到的证件号码 {shown} 无效：{guess.check.reason}")
    return None


# The table: rules in the order they are tried.
ROUTES: tuple[tuple[str, Rule], ...] = (
    ("document QR (receipt, notice) → its case", _document_qr),
    ("bundle QR or bundle number → the bundle", _bundle_code),
    ("certificate QR → offline verification", _certificate_qr),
    ("helper's hand-off QR (WCH1:) → the intake form filled", _handoff),
    ("separator sheet → said what it is for", _separator),
    ("case number → its case", _case_number),
    ("identity number → the applicant", _identity_number),
)


def shown_text(text: str) -> str:
    """What was read, for a message: a text that may be a person's number masked, a long one shortened."""
    folded = fold_id_text(text)
    if _MAYBE_PERSON_NUMBER.fullmatch(folded) and sum(ch.isdigit() for ch in folded) >= 6:
        return mask_id_number(IdKind.RESIDENT_ID, folded)
    printable = "".join(ch if ch.isprintable() else "�" for ch in text.strip())
    return (
        printable if len(printable) <= SHOWN_CHARS else f"{printable[:SHOWN_CHARS]}…（共 {len(text)} 个字符）"
    )


def route_scan(text: str, *, today: date) -> Route:
    """Where a scanned text goes (`today`: the day an identity number's birth date is checked against)."""
    if len(text) > MAX_SCAN_CHARS:
        return Refused(TOO_LONG_MESSAGE)
    if not text.strip():
        return Unrecognised("（空）")
    for _name, rule in ROUTES:
        route = rule(text, today)
        if route is not None:
            return route
    return Unrecognised(shown_text(text))
