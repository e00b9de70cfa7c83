"""The draft (帮办预审) a helper prepares for one item, before the applicant goes to the window.

A draft holds what the counter's intake holds — the item and the catalog version it was checked against,
the applicant, the agent, the materials as received (app.intake's shapes, checked by `validate_request`)
— plus who prepared it (helper login and name), on which registered PC (`device`: its window code), when,
and the pages captured (their SHA-256; the files follow by sync). It is pre-checked with the counter's
completeness engine against the same catalog version; its gaps, worded as the one-time notice words them,
are the list of what the applicant still has to bring. Nothing is decided or numbered here: the clerk
checks the originals and decides.

Drafts are kept in the local database (`helper_draft`), so a helper offline keeps them; a window keeps the
drafts that reached it the same way (the reference form of the hand-off code names one by id and hash).
The draft as data (`draft_json`) is the `clerk accept` request (app.intake.parse_request reads it back) in
an envelope; `canonical_bytes` is what the hand-off hashes and signs.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import select

from app.catalog import NECESSITY_LABEL, Hall, Material, ServiceItem
from app.completeness import (
    CompletenessResult,
    ReceivedMaterial,
    Submission,
    Verdict,
    applicable_materials,
    check_completeness,
)
from app.helpers.agency import (
    Authorisation,
    authorisation_from_json,
    authorisation_problems,
    draft_problems,
)
from app.helpers.prepared_by import DRAFT_ID, PreparedBy
from app.intake import (
    AcceptanceRequest,
    InputError,
    Problem,
    parse_request,
    validate_request,
)
from app.sync.wire import LOGIN_PATTERN
from db.models import HelperDraft
from db.store import Store

DRAFT_FORMAT = 1
_SHA256_HEX = frozenset("0123456789abcdef")
MAX_PAGE_HASHES = 200


class DraftError(ValueError):
    """A draft that cannot be used; the message (Chinese) says why."""


@dataclass(frozen=True)
class Draft:
    draft_id: str
    catalog_version: str
    checklist_sha256: str
    request: AcceptanceRequest  # normalized by validate_request; item_code is the item
    helper_login: str
    helper_name: str
    device: str  # the window code of the helper's registered PC
    created_at: datetime  # UTC
    page_hashes: tuple[str, ...] = ()
    authorisation: Authorisation | None = None  # 代办: the principal's 代办委托书 (app.helpers.agency)

    @property
    def item_code(self) -> str:
        return self.request.item_code

    @property
    def prepared_by(self) -> PreparedBy:
        return PreparedBy(
            login=self.helper_login,
            name=self.helper_name,
            draft_id=self.draft_id,
            authorisation=self.authorisation,
        )


@dataclass(frozen=True)
class Prepared:
    draft: Draft
    result: CompletenessResult  # the pre-check: what the window's check would find now
    to_bring: tuple[str, ...]  # what the applicant still has to bring, one line each


def what_to_bring(result: CompletenessResult) -> tuple[str, ...]:
    """The pre-check's gaps, as the one-time notice words them (the findings' own messages): missing,
    defective and tolerated (容缺: still to be brought) materials, in checklist order."""
    wanted = (Verdict.MISSING, Verdict.DEFECTIVE, Verdict.TOLERATED)
    return tuple(f.message for f in result.findings if f.verdict in wanted and f.material is not None)


def precheck(request: AcceptanceRequest, *, item: ServiceItem, hall: Hall) -> CompletenessResult:
    submission = Submission(
        applicant_kind=request.applicant.kind,
        has_agent=request.agent is not None,
        materials=request.materials,
        commitments=frozenset(request.commitments),
    )
    return check_completeness(item=item, hall=hall, submission=submission)


def prepare_draft(
    request: AcceptanceRequest,
    *,
    item: ServiceItem,
    hall: Hall,
    helper_login: str,
    helper_name: str,
    device: str,
    now: datetime,
    page_hashes: Sequence[str] = (),
    authorisation: Authorisation | None = None,
    draft_id: str | None = None,
) -> Prepared:
    """A draft of `request` for `item` (as the catalog holds it now), pre-checked: new, or under `draft_id`
    (a draft not yet printed, saved again). InputError (the intake's, every problem listed) when the request
    would not pass at the counter either, or the 代办委托书 is not sound or not in force today."""
    if request.item_code != item.code:
        raise InputError([Problem("item", f"申请事项 {request.item_code} 与所选事项 {item.code} 不符")])
    if authorisation is not None:
        refused = draft_problems(authorisation, on=now.date(), applicant_id=request.applicant.id_number)
        if refused:
            raise InputError([Problem(p.path, p.message) for p in refused])
    checked = validate_request(request, item=item, today=now.date())
    hashes = tuple(h.lower() for h in page_hashes)
    _check_page_hashes(hashes)
    draft = Draft(
        draft_id=draft_id or str(uuid.uuid4()),
        catalog_version=item.catalog_version,
        checklist_sha256=item.checklist_sha256,
        request=replace(checked.request, checklist_sha256=None, prepared_by=None),
        helper_login=helper_login,
        helper_name=helper_name,
        device=device,
        created_at=now.astimezone(UTC),
        page_hashes=hashes,
        authorisation=authorisation,
    )
    result = precheck(draft.request, item=item, hall=hall)
    return Prepared(draft, result, what_to_bring(result))


def _check_page_hashes(hashes: Sequence[str]) -> None:
    if len(hashes) > MAX_PAGE_HASHES:
        raise DraftError(f"预审单所附页面过多（{len(hashes)} 页，最多 {MAX_PAGE_HASHES} 页）")
    for value in hashes:
        if len(value) != 64 or not set(value) <= _SHA256_HEX:
            raise DraftError("预审单所附页面的校验值无效（应为 64 位十六进制 SHA-256）")


# -- the draft as data ---------------------------------------------------------------------------------
def request_json(request: AcceptanceRequest) -> dict[str, Any]:
    """The request as `clerk accept` reads it (app.intake.parse_request)."""
    applicant = request.applicant
    data: dict[str, Any] = {
        "item": request.item_code,
        "applicant": {
            "kind": str(applicant.kind),
            "name": applicant.name,
            "id_type": str(applicant.id_type),
            "id_number": applicant.id_number,
            "phone": applicant.phone,
            "id_override_reason": applicant.id_override_reason,
        },
        "agent": None,
        "materials": [_material_json(m) for m in request.materials],
        "commitments": list(request.commitments),
    }
    if request.agent is not None:
        agent = request.agent
        data["agent"] = {
            "name": agent.name,
            "id_type": str(agent.id_type),
            "id_number": agent.id_number,
            "phone": agent.phone,
        }
    return data


def _material_json(material: ReceivedMaterial) -> dict[str, Any]:
    data: dict[str, Any] = {
        "material": material.material_code,
        "form": str(material.form),
        "copies": material.copies,
        "pages": material.pages,
        "defect": material.defect,
    }
    if material.licence is not None:
        # An electronic licence travels as its signed QR text only: the window verifies it again and
        # finds the rest itself (app.helpers.draft_licences); nothing else of it is trusted from a draft.
        data["licence"] = {"qr_text": material.licence.qr_text}
    return data


def draft_json(draft: Draft) -> dict[str, Any]:
    data = {
        "format": DRAFT_FORMAT,
        "draft_id": draft.draft_id,
        "catalog_version": draft.catalog_version,
        "checklist_sha256": draft.checklist_sha256,
        "request": request_json(draft.request),
        "helper": {"login": draft.helper_login, "name": draft.helper_name},
        "device": draft.device,
        "created_at": draft.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "pages": list(draft.page_hashes),
    }
    if draft.authorisation is not None:  # absent otherwise: a 帮办 draft's bytes are as before 代办
        data["authorisation"] = draft.authorisation.as_json()
    return data


def canonical_bytes(draft: Draft) -> bytes:
    """The draft as canonical JSON (keys sorted, no spaces, UTF-8): what is hashed and compressed."""
    return orjson.dumps(draft_json(draft), option=orjson.OPT_SORT_KEYS)


def draft_sha256(draft: Draft) -> bytes:
    return hashlib.sha256(canonical_bytes(draft)).digest()


_FIELDS = frozenset(
    {
        "format",
        "draft_id",
        "catalog_version",
        "checklist_sha256",
        "request",
        "helper",
        "device",
        "created_at",
        "pages",
    }
)


def draft_from_json(data: Any) -> Draft:
    """The inverse of `draft_json`, strict: DraftError naming the problem. The request is read by the
    intake's own parser (its values are checked again against the item where the draft is used)."""
    if not isinstance(data, dict) or set(data) - {"authorisation"} != _FIELDS:
        raise DraftError("预审单内容结构不符")
    if data["format"] != DRAFT_FORMAT:
        raise DraftError(f"预审单格式版本 {data['format']!r} 不受支持，请升级本程序")
    draft_id, version, checklist = data["draft_id"], data["catalog_version"], data["checklist_sha256"]
    helper, device, created = data["helper"], data["device"], data["created_at"]
    if not isinstance(draft_id, str) or not DRAFT_ID.fullmatch(draft_id):
        raise DraftError("预审单编号无效")
    if not isinstance(version, str) or not 0 < len(version) <= 64:
        raise DraftError("预审单的事项目录版本无效")
    if not isinstance(checklist, str) or len(checklist) != 64 or not set(checklist) <= _SHA256_HEX:
        raise DraftError("预审单的材料清单校验值无效")
    if not isinstance(helper, dict) or set(helper) != {"login", "name"}:
        raise DraftError("预审单的帮办员信息无效")
    login, name = helper["login"], helper["name"]
    if not isinstance(login, str) or not re.fullmatch(LOGIN_PATTERN, login):
        raise DraftError("预审单的帮办员账号无效")
    if not isinstance(name, str) or not 0 < len(name) <= 100:
        raise DraftError("预审单的帮办员姓名无效")
    if not isinstance(device, str) or not re.fullmatch(r"[A-Z][A-Z0-9]{3,11}", device):
        raise DraftError("预审单的设备（窗口编码）无效")
    try:
        created_at = datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except (TypeError, ValueError):
        raise DraftError("预审单的制作时间无效") from None
    pages = data["pages"]
    if not isinstance(pages, list) or not all(isinstance(p, str) for p in pages):
        raise DraftError("预审单所附页面无效")
    _check_page_hashes(pages)
    try:
        request = parse_request(data["request"])
    except InputError as error:
        raise DraftError(f"预审单的申请内容无效：{error}") from None
    authorisation = None
    if "authorisation" in data:
        try:
            authorisation = authorisation_from_json(data["authorisation"])
        except ValueError as error:
            raise DraftError(f"预审单的{error}") from None
        refused = authorisation_problems(
            authorisation, on=created_at.date(), applicant_id=request.applicant.id_number
        )
        if refused:
            raise DraftError(f"预审单的{refused[0].message}")
    return Draft(
        draft_id=draft_id,
        catalog_version=version,
        checklist_sha256=checklist,
        request=request,
        helper_login=login,
        helper_name=name,
        device=device,
        created_at=created_at,
        page_hashes=tuple(pages),
        authorisation=authorisation,
    )


def draft_from_bytes(content: bytes) -> Draft:
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError:
        raise DraftError("预审单内容不是有效的 JSON") from None
    return draft_from_json(data)


# -- a draft under an older catalog version -------------------------------------------------------------
@dataclass(frozen=True)
class ChecklistChanges:
    """How the item's checklist changed between the draft's catalog version and the current one."""

    draft_version: str
    current_version: str
    added: tuple[Material, ...] = ()
    removed: tuple[Material, ...] = ()
    necessity_changed: tuple[tuple[Material, Material], ...] = ()  # (then, now)
    revised: tuple[Material, ...] = ()  # otherwise changed (forms, copies, standard …): now
    draft_version_held: bool = True  # False: this PC does not hold the draft's version to compare with

    @property
    def any(self) -> bool:
        return bool(
            self.added
            or self.removed
            or self.necessity_changed
            or self.revised
            or not self.draft_version_held
        )

    def lines(self) -> tuple[str, ...]:
        """What the clerk is shown, one line each (Chinese)."""
        out = [f"预审时事项目录为 {self.draft_version}，现为 {self.current_version}，已按现行清单重新核对："]
        if not self.draft_version_held:
            out.append("本窗口没有预审时的目录版本，无法列出变化：请按现行清单逐项核对材料")
        out += [f"新增材料：{m.name}（{NECESSITY_LABEL[m.necessity]}）" for m in self.added]
        out += [f"已取消材料：{m.name}（预审时所收不再计入）" for m in self.removed]
        out += [
            f"必要性变化：{now.name}：{NECESSITY_LABEL[then.necessity]} → {NECESSITY_LABEL[now.necessity]}"
            for then, now in self.necessity_changed
        ]
        out += [f"要求有修订：{m.name}（请按新要求核对）" for m in self.revised]
        return tuple(out)


def checklist_changes(*, then: ServiceItem | None, now: ServiceItem, draft_version: str) -> ChecklistChanges:
    if then is None:
        return ChecklistChanges(draft_version, now.catalog_version, draft_version_held=False)
    before = {m.code: m for m in then.materials}
    after = {m.code: m for m in now.materials}
    necessity = tuple(
        (before[c], after[c]) for c in after if c in before and before[c].necessity is not after[c].necessity
    )
    revised = tuple(
        after[c]
        for c in after
        if c in before and before[c].necessity is after[c].necessity and before[c] != after[c]
    )
    return ChecklistChanges(
        draft_version=draft_version,
        current_version=now.catalog_version,
        added=tuple(m for c, m in after.items() if c not in before),
        removed=tuple(m for c, m in before.items() if c not in after),
        necessity_changed=necessity,
        revised=revised,
    )


def for_current_checklist(draft: Draft, *, item: ServiceItem) -> AcceptanceRequest:
    """The draft's request as the window takes it in under the current catalog version: materials the
    current checklist no longer has are dropped, and it records who prepared it."""
    known = {m.code for m in item.materials}
    request = draft.request
    return replace(
        request,
        materials=tuple(m for m in request.materials if m.material_code in known),
        commitments=tuple(c for c in request.commitments if c in known),
        checklist_sha256=None,
        prepared_by=draft.prepared_by,
    )


def applicable_to(draft: Draft, *, item: ServiceItem) -> tuple[Material, ...]:
    request = draft.request
    return applicable_materials(
        item, applicant_kind=request.applicant.kind, has_agent=request.agent is not None
    )


# -- kept locally -----------------------------------------------------------------------------------------
def save_draft(store: Store, draft: Draft, *, handoff_code: str | None = None) -> None:
    """Keep a draft (the helper's own, or one that reached this window) with its signed reference code
    (`handoff_code`: app.helpers.handoff.reference_code); the same draft again is a no-op, another content
    under its id is refused."""
    content = canonical_bytes(draft)
    digest = hashlib.sha256(content).hexdigest()
    with store.write() as session:
        row = session.get(HelperDraft, draft.draft_id)
        if row is not None:
            if row.sha256 != digest:
                raise DraftError(f"预审单 {draft.draft_id} 已存在且内容不同，未保存")
            return
        session.add(
            HelperDraft(
                draft_id=draft.draft_id,
                item_code=draft.item_code,
                catalog_version=draft.catalog_version,
                helper_login=draft.helper_login,
                helper_name=draft.helper_name,
                device=draft.device,
                created_at=draft.created_at.astimezone(UTC).replace(tzinfo=None),
                applicant_name=draft.request.applicant.name,
                content=content.decode("utf-8"),
                sha256=digest,
                handoff_code=handoff_code,
            )
        )


def held_draft(store: Store, draft_id: str) -> tuple[Draft, bytes] | None:
    """A draft kept here and the SHA-256 of its content as stored, or None."""
    with store.read() as session:
        row = session.get(HelperDraft, draft_id)
        if row is None:
            return None
        content = row.content.encode("utf-8")
    return draft_from_bytes(content), hashlib.sha256(content).digest()


def drafts_of(store: Store, *, helper_login: str, day: date | None = None) -> list[Draft]:
    with store.read() as session:
        query = select(HelperDraft.content).where(HelperDraft.helper_login == helper_login)
        contents = list(session.scalars(query.order_by(HelperDraft.created_at)))
    drafts = [draft_from_bytes(c.encode("utf-8")) for c in contents]
    return [d for d in drafts if day is None or d.created_at.date() == day]
