"""The parts the event schemas share (`app.sync.events` for the counter's kinds, `app.lifecycle.events` for
the case's later life): the texts, codes and records several kinds hold."""

from __future__ import annotations

import re

from app.case_number import is_valid_window_code
from app.catalog import ApplicantKind, Form
from app.completeness import Rule, Verdict
from app.identity_documents import IdKind
from app.seal import QR_MAX_CHARS
from app.sync.schema import Integer, Record, Text, choice, nullable, optional, required
from app.sync.wire import (
    LOGIN_PATTERN,
    MAX_CLERK_TEXT_CHARS,
    MAX_COPIES,
    MAX_MESSAGE_CHARS,
    MAX_NAME_CHARS,
    MAX_PAGES,
)

_LOGIN = re.compile(LOGIN_PATTERN)
_SHA256 = re.compile(r"[0-9a-f]{64}")

LOGIN = Text(40, rule=_LOGIN.fullmatch, form="账号（2–40 位小写字母、数字或 . _ -，以字母开头）")
WINDOW_CODE = Text(12, rule=is_valid_window_code, form="窗口编码（4–12 位大写字母或数字，以字母开头）")
SHA256 = Text(64, rule=_SHA256.fullmatch, form="64 位小写十六进制 SHA-256")
CODE = Text(80)  # a code from the catalog or made by the program: item, material, certificate, key
NAME = Text(MAX_NAME_CHARS)
CATALOG_TEXT = Text(200)  # a name from the catalog: item, material, office, certificate type
ID_NUMBER = Text(40, min_chars=0)  # empty when a 不予受理 notice was decided before it was entered
PHONE = Text(40, min_chars=0)
CLERK_TEXT = Text(MAX_CLERK_TEXT_CHARS)
MESSAGE = Text(MAX_MESSAGE_CHARS)

APPLICANT = Record(
    {
        "kind": required(choice(ApplicantKind)),
        "name": required(NAME),
        "id_type": required(choice(IdKind)),
        "id_number": required(ID_NUMBER),
        "phone": required(PHONE),
        "id_override_reason": nullable(CLERK_TEXT),
    }
)
AGENT = Record(
    {
        "name": required(NAME),
        "id_type": optional(choice(IdKind)),  # an agent without it (older windows) has a resident ID
        "id_number": required(ID_NUMBER),
        "phone": required(PHONE),
    }
)
# The public key entry of a third-party licence's issuer (app.seal.public_entry_json): checked whole by
# app.seal.public_entry_from_json where it is used (the server, app.licence_library).
ISSUER_KEY = Record(
    {
        "key_id": required(Text(32)),
        "algorithm": required(Text(16)),
        "public_key": required(Text(64)),
        "office_name": required(CATALOG_TEXT),
        "office_code": required(Text(18)),
        "valid_from": required(Text(10)),
        "valid_until": nullable(Text(10)),
    }
)
# A material satisfied by an electronic licence (issue 15, app.licence_library.evidence.LicenceEvidence):
# absent in paper entries and in every entry of windows before it.
LICENCE = Record(
    {
        "licence_id": required(CODE),
        "licence_type": required(Text(40)),
        "source": required(choice(("issued", "imported"))),
        "verified_by": required(choice(("qr_offline", "library", "server_lookup"))),
        "qr_text": required(Text(QR_MAX_CHARS)),
        "issuer_key": optional(ISSUER_KEY),
    }
)
MATERIAL = Record(
    {
        "material": required(CODE),
        "name": required(CATALOG_TEXT),
        "form": required(choice(Form)),
        "copies": required(Integer(0, MAX_COPIES)),
        "pages": required(Integer(0, MAX_PAGES)),  # 0 only for a licence (server.sync.licences checks)
        "defect": nullable(CLERK_TEXT),
        "licence": optional(LICENCE),
    }
)
FINDING = Record(
    {
        "rule": required(choice(Rule)),
        "outcome": required(choice(Verdict)),
        "material": nullable(CODE),
        "message": required(MESSAGE),
    }
)
