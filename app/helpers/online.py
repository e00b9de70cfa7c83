"""The online hand-off (issue 15): what a PC sends the server each sync round so the windows of its hall
can read what it signs, and how a window gets a helper's draft from the server.

Each round (app.sync.client), before the push:
- `publish_keys`: this PC's own signing keys (the key directory's entries whose id names this window) that
  the server has not confirmed yet go to `KEYS_PUBLISH_PATH`; the ids it registered or held are remembered
  (`KEYS_PUBLISHED_STATE`) and not sent again, nor are those it refused for good. So a key reaches every
  window of the hall when it is made, when the PC is registered (again), and for keys made before this
  version, without a certificate.
After the push:
- `upload_drafts`: each draft this PC prepared and the server has not taken yet, with its signed reference
  code (`DRAFTS_PATH`); marked `uploaded_at` once the server answered.
A key or draft the server refuses is reported in the round's problems. A refusal whose reason is final
(app.sync.wire.HelperRefusal) is recorded once and the key or draft is not sent again
(app.helpers.upload_refusals: listed by `clerk sync status`); a transient one (a key not registered yet, an
account not synced) is tried again next round, except a draft signed with a key of this PC the server
refused for good: that key will never be registered, so the draft is refused for good too, naming the key.

At a window, on demand (off the GUI thread):
- `fetch_draft`: a draft by id (the reference QR scanned, or chosen from the list), checked here exactly as
  a scanned code is (app.helpers.handoff.read_handoff: key known and not revoked, signature, the draft's id
  and hash, made on the PC the key names, item handled here) before it is kept and filled in. A draft some
  case used already is loaded with a warning naming the case: the clerk decides (an applicant may come
  again with the same sheet).
- `open_drafts`: the hall's open drafts ("帮办草稿"), newest first.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from app.catalog import Hall
from app.catalog_store import CatalogRepository
from app.helpers.drafts import DraftError, draft_from_bytes, save_draft
from app.helpers.handoff import Handoff, HandoffStatus, read_handoff, read_reference, window_trust
from app.helpers.prepared_by import DRAFT_ID
from app.helpers.upload_refusals import Refused, UploadRefusal, record_refusals, refused_ids, upload_refusals
from app.seal import PayloadMalformed, public_entry_json, stored_entry
from app.sync import wire
from app.sync.certificate_event import key_window
from app.sync.state import SyncStates
from app.sync.transport import Credential, SyncError, Transport, utc_text
from db.models import HelperDraft
from db.models import OfficeKey as OfficeKeyRow
from db.store import Store

log = logging.getLogger("clerk.sync")

KEYS_PUBLISHED_STATE = "signing_keys_published"  # sync_state: ids of this PC's keys the server holds
OFFLINE_DRAFT_MESSAGE = "离线：无法从服务器取回帮办预审单"


@dataclass
class HelperRound:
    """What a round did for the online hand-off (part of the SyncReport)."""

    keys_published: int = 0
    drafts_uploaded: int = 0
    problems: list[str] = field(default_factory=list)  # Chinese, one line each


def _moment_text(now: datetime) -> str:
    return utc_text(now.astimezone(UTC).replace(tzinfo=None))


def _published(states: SyncStates) -> set[str]:
    text = states.get(KEYS_PUBLISHED_STATE)
    try:
        held = json.loads(text) if text else []
    except ValueError:
        held = []
    return {k for k in held if isinstance(k, str)} if isinstance(held, list) else set()


def publish_keys(
    *,
    store: Store,
    states: SyncStates,
    transport: Transport,
    credential: Credential,
    now: datetime,
    done: HelperRound,
) -> None:
    """This PC's keys the server has not confirmed, published (see the module docstring). A server that
    does not know the route (older) or refuses a key: reported in `done`; offline: SyncError."""
    published = _published(states) | refused_ids(states, Refused.KEY)
    with store.read() as session:
        rows = list(session.scalars(select(OfficeKeyRow).order_by(OfficeKeyRow.key_id)))
        entries = [
            stored_entry(row)
            for row in rows
            if key_window(row.key_id) == credential.window_code and row.key_id not in published
        ]
    if not entries:
        return
    body = {"keys": [public_entry_json(e) for e in entries[: wire.MAX_PUBLISHED_KEYS]]}
    try:
        answer = transport.request(
            "POST", credential.server_url, wire.KEYS_PUBLISH_PATH, credential=credential, json=body
        )
    except SyncError as error:
        if error.kind in ("offline", "server", "auth"):
            raise
        done.problems.append(f"本机签名密钥未能发布到服务器：{error.message}")
        log.warning("signing keys not published: %s", error.message)
        return
    taken = [k for k in (*answer.get("registered", ()), *answer.get("held", ())) if isinstance(k, str)]
    sent = {e.key_id for e in entries}
    final: list[UploadRefusal] = []
    for refused in answer.get("refused", ()):
        if not isinstance(refused, dict):
            continue
        key_id, reason, message = (str(refused.get(k, "")) for k in ("key_id", "reason", "message"))
        if key_id in sent and wire.helper_refusal_is_final(reason):
            final.append(UploadRefusal(Refused.KEY, key_id, reason, message, _moment_text(now)))
            done.problems.append(final[-1].line)
        else:
            done.problems.append(f"签名密钥 {key_id} 暂未被服务器登记，下次同步再试：{message}")
            log.warning("signing key %s not registered yet (%s): %s", key_id, reason, message)
    record_refusals(states, final)
    if taken:
        states.set(KEYS_PUBLISHED_STATE, json.dumps(sorted(_published(states) | set(taken))))
    done.keys_published += len(answer.get("registered", ()))


def upload_drafts(
    *,
    store: Store,
    states: SyncStates,
    transport: Transport,
    credential: Credential,
    now: datetime,
    done: HelperRound,
) -> None:
    """The drafts this PC prepared that the server has not taken nor refused for good, sent (see the module
    docstring)."""
    given_up = refused_ids(states, Refused.DRAFT)
    refused_keys = {r.item_id: r for r in upload_refusals(states) if r.what is Refused.KEY}
    confirmed = _published(states)  # this PC's keys the server said it holds
    with store.read() as session:
        waiting = [
            (row.draft_id, row.content, row.handoff_code)
            for row in session.scalars(
                select(HelperDraft)
                .where(
                    HelperDraft.device == credential.window_code,
                    HelperDraft.uploaded_at.is_(None),
                    HelperDraft.handoff_code.is_not(None),
                )
                .order_by(HelperDraft.created_at)
            )
        ]
    for draft_id, content, code in waiting:
        if draft_id in given_up:
            continue
        try:
            transport.request(
                "POST",
                credential.server_url,
                wire.DRAFTS_PATH,
                credential=credential,
                json={"draft": content, "code": code},
            )
        except SyncError as error:
            if error.kind in ("offline", "server", "auth"):
                raise
            signer = _signer(code)
            dead_key = (
                refused_keys.get(signer or "")
                if error.code == wire.HelperRefusal.KEY_NOT_REGISTERED
                else None
            )
            if dead_key is not None:  # never to be registered: its drafts cannot be taken either
                message = (
                    f"其签名密钥 {dead_key.item_id} 已被服务器拒收（{dead_key.message}），"
                    "该密钥签名的预审单无法上传；请重新打印预审单或联系大厅管理员"
                )
                refusal = UploadRefusal(Refused.DRAFT, draft_id, dead_key.reason, message, _moment_text(now))
                record_refusals(states, [refusal])
                done.problems.append(refusal.line)
            elif wire.helper_refusal_is_final(error.code) and signer in confirmed:
                # Judged final only once the server holds the draft's key: an older server answered even
                # "key not registered yet" with a bare "invalid", which must not make a dead letter.
                refusal = UploadRefusal(
                    Refused.DRAFT, draft_id, str(error.code), error.message, _moment_text(now)
                )
                record_refusals(states, [refusal])
                done.problems.append(refusal.line)
            else:
                done.problems.append(f"预审单 {draft_id} 暂未能上传，下次同步再试：{error.message}")
                log.warning("draft %s not uploaded (%s): %s", draft_id, error.code, error.message)
            continue
        with store.write() as session:
            row = session.get(HelperDraft, draft_id)
            if row is not None:
                row.uploaded_at = now.astimezone(UTC).replace(tzinfo=None)
        done.drafts_uploaded += 1


def _signer(code: str | None) -> str | None:
    """The id of the key a draft's reference code (written by this PC) is signed with; None if unreadable."""
    if code is None:
        return None
    try:
        return read_reference(code).key_id
    except (PayloadMalformed, ValueError):
        return None


@dataclass(frozen=True)
class OpenDraft:
    """One of the hall's open drafts as the server lists it."""

    draft_id: str
    item_code: str
    applicant_name: str
    helper_login: str
    helper_name: str
    window_code: str
    created_at: str  # ISO 8601 UTC


def open_drafts(*, transport: Transport, credential: Credential) -> list[OpenDraft]:
    """The hall's open drafts, newest first. SyncError with the clerk's message (offline …)."""
    try:
        answer = transport.request("GET", credential.server_url, wire.DRAFTS_PATH, credential=credential)
    except SyncError as error:
        raise not_fetched("帮办草稿列表", error) from None
    listed = answer.get("drafts") if isinstance(answer, dict) else None
    if not isinstance(listed, list) or len(listed) > wire.MAX_LISTED_DRAFTS:
        raise SyncError("invalid", "服务器发来的帮办草稿列表有误")
    drafts: list[OpenDraft] = []
    for item in listed:
        try:
            drafts.append(
                OpenDraft(
                    **{
                        name: wire.require_field(item, name, str, "帮办草稿")
                        for name in OpenDraft.__dataclass_fields__
                    }
                )
            )
        except wire.WireError as error:
            raise SyncError("invalid", f"服务器发来的帮办草稿列表有误：{error}") from None
    return [d for d in drafts if DRAFT_ID.fullmatch(d.draft_id)]


def not_fetched(what: str, error: SyncError) -> SyncError:
    if error.kind in ("offline", "not_registered"):
        return SyncError(error.kind, f"{OFFLINE_DRAFT_MESSAGE}（{what}）：{error.message}")
    return SyncError(error.kind, f"无法从服务器取回{what}：{error.message}")


def fetch_draft(
    draft_id: str,
    *,
    store: Store,
    transport: Transport,
    credential: Credential,
    catalog: CatalogRepository,
    hall: Hall,
) -> Handoff:
    """Draft `draft_id` from the server, read as a scanned code is and kept here when it loads (see the
    module docstring). SyncError (offline, not found) when the server cannot give it; a Handoff that is not
    LOADED when what it gave does not check (nothing kept)."""
    if not DRAFT_ID.fullmatch(draft_id):
        raise SyncError("invalid", f"预审单编号 {draft_id} 格式不对")
    path = wire.DRAFT_PATH.format(draft_id=draft_id)
    try:
        answer = transport.request("GET", credential.server_url, path, credential=credential)
    except SyncError as error:
        raise not_fetched(f"预审单 {draft_id}", error) from None
    try:
        text = wire.require_field(answer, "draft", str, "预审单")
        code = wire.require_field(answer, "code", str, "预审单")
    except wire.WireError as error:
        raise SyncError("invalid", f"服务器发来的预审单有误：{error}") from None
    used_by = answer.get("used_by")
    content = text.encode("utf-8")
    if len(content) > wire.MAX_DRAFT_BYTES or len(code) > wire.MAX_DRAFT_CODE_CHARS:
        raise SyncError("invalid", f"服务器发来的预审单 {draft_id} 过大，未载入")
    try:
        fetched = draft_from_bytes(content)
    except DraftError as error:
        fetched, problem = None, str(error)
    else:
        problem = ""

    def held(wanted: str) -> tuple[Any, bytes] | None:
        if fetched is None or wanted != draft_id or fetched.draft_id != draft_id:
            return None
        return fetched, hashlib.sha256(content).digest()

    handoff = read_handoff(
        code, trust=window_trust(store), item_of=catalog.item, item_at=catalog.item_at, hall=hall, held=held
    )
    if handoff.status is HandoffStatus.NOT_SYNCED or (
        handoff.draft is not None and handoff.draft.draft_id != draft_id
    ):
        why = problem or "服务器所给内容与预审单编号不符"
        return Handoff(
            HandoffStatus.ALTERED, f"服务器发来的预审单 {draft_id} 无法核验（{why}），未填入任何内容"
        )
    if handoff.status is not HandoffStatus.LOADED or handoff.draft is None:
        return handoff
    save_draft(store, handoff.draft, handoff_code=code)
    log.info("draft %s fetched from the server and checked", draft_id)
    if isinstance(used_by, str) and used_by:
        return replace(
            handoff,
            message=f"{handoff.message}。注意：该预审单已用于办件 {used_by}，请核实是否重复受理",
        )
    return handoff
