"""The online lookup of licences by the holder's ID (app.sync.wire.LICENCE_LOOKUP_PATH).

The server answers with the signed QR texts of the certificates issued in this window's hall to the holder;
the window verifies each with the keys it holds, as if scanned (STYLE 17): the server's word counts for
nothing but a revocation, which only ever refuses. `holder_number` is the one rule of what a holder's ID
may be, read by the window, the CLI and the server alike.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from typing import Any

from app.identity_documents import guess_id_kind
from app.licence_library.evidence import Licence
from app.licence_library.library import LicenceError, LicenceLibrary
from app.seal import RevocationNote, VerificationStatus
from app.sync import wire
from app.sync.transport import SyncError, Transport

log = logging.getLogger("clerk.licences")

MAX_ANSWER_BYTES = wire.MAX_LOOKUP_LICENCES * 8 * 1024


class HolderIdError(ValueError):
    """Not a holder's ID a lookup takes; the message (Chinese) says why."""


def holder_number(text: str, *, today: date) -> str:
    """The holder's ID as cases store it (folded, upper case), when it is a number of a 证件类型 with a
    check rule that it passes (an early pilot credit code that fails only its check character counts too:
    cases are accepted with it); HolderIdError naming the problem otherwise. A passport, which has no rule,
    is not looked up: its licences are scanned."""
    if not isinstance(text, str) or not text.strip():
        raise HolderIdError("请填写持证人的证件号码或统一社会信用代码")
    if len(text) > wire.MAX_HOLDER_ID_CHARS:
        raise HolderIdError(f"持证人证件号码过长（最多 {wire.MAX_HOLDER_ID_CHARS} 个字符）")
    guess = guess_id_kind(text, today=today)
    check = guess.check
    if check is None:
        raise HolderIdError(f"{text.strip()!r} 不是可查询的证件号码或统一社会信用代码")
    if not check.ok and not check.overridable:
        raise HolderIdError(f"持证人证件号码无效：{check.reason}")
    return check.normalized


def look_up(
    *, library: LicenceLibrary, transport: Transport, holder_id: str, today: date
) -> tuple[list[Licence], int]:
    """The licences the server holds for the holder `holder_id`, each verified here; and how many the server
    sent that did not verify here (left out, logged). SyncError when the server cannot be asked (offline,
    not registered, refused) or answers out of shape; HolderIdError for an ID that cannot be looked up."""
    number = holder_number(holder_id, today=today)
    credential = transport.registered()
    data = transport.bounded_json(
        "POST", credential, wire.LICENCE_LOOKUP_PATH, max_bytes=MAX_ANSWER_BYTES, json={"holder_id": number}
    )
    entries = _entries(data)
    found: list[Licence] = []
    left_out = 0
    for entry in entries:
        try:
            licence = library.verify(entry["qr_text"])
        except LicenceError as error:
            left_out += 1
            log.warning("a licence the server sent does not verify here, left out: %s", error)
            continue
        found.append(_with_revocation(licence, entry.get("revocation")))
    return found, left_out


def _entries(data: Any) -> list[dict[str, Any]]:
    def refused(problem: str) -> SyncError:
        return SyncError("protocol", f"服务器的证照查询回应有误（{problem}），未采用")

    if not isinstance(data, dict) or not isinstance(data.get("licences"), list):
        raise refused("应为含 licences 数组的对象")
    entries: list[dict[str, Any]] = data["licences"]
    if len(entries) > wire.MAX_LOOKUP_LICENCES:
        raise refused(f"证照多于 {wire.MAX_LOOKUP_LICENCES} 个")
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("qr_text"), str):
            raise refused("每个证照应有 qr_text")
        if len(entry["qr_text"]) > wire.MAX_MESSAGE_CHARS:
            raise refused("qr_text 过长")
        revocation = entry.get("revocation")
        if revocation is not None and not (
            isinstance(revocation, dict)
            and all(isinstance(revocation.get(k), str) for k in ("day", "reason", "basis"))
        ):
            raise refused("revocation 应为含 day、reason、basis 的对象")
    return entries


def _with_revocation(licence: Licence, revocation: dict[str, str] | None) -> Licence:
    """A revocation the server knows of and this window not yet (its sync is behind) refuses the licence: a
    claim that can only make the window stricter is taken without a seal."""
    if revocation is None or licence.revocation is not None:
        return licence
    try:
        day = date.fromisoformat(revocation["day"])
    except ValueError:
        return licence
    note = RevocationNote(revoked_on=day, reason=revocation["reason"][:500], basis=revocation["basis"][:500])
    return replace(
        licence,
        status=VerificationStatus.REVOKED,
        status_message=f"证照 {licence.licence_id} 印章真实，但{note.sentence()}",
        revocation=note,
    )
