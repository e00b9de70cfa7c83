"""The draft (帮办预审) a helper prepares for one item, before the applicant goes to the window.

A draft holds what the counter's intake holds — the item and the catalog version it was checked against,
the applicant, the agent, the materials as received (app.intake's shapes, checked by `validate_request`)
— plus who prepared it (helper login and name), on which registered PC (`device`: its window code), when,
and the pages captured, per material (each page's SHA-256, size, image and turn as the capture session
holds it; the files follow by sync: app.helpers.draft_pages). It is pre-checked with the counter's
completeness engine against the same catalog version; its gaps, worded as the one-time notice words them,
are the list of what the applicant still has to bring. Nothing is decided or numbered here: the clerk
checks the originals and decides.

Drafts are kept in the local database (`helper_draft`), so a helper offline keeps them; a window keeps the
drafts that reached it the same way (the reference form of the hand-off code names one by id and hash).
The draft as data (`draft_json`) is the `clerk accept` request (app.intake.parse_request reads it back) in
an envelope; `canonical_bytes` is what the hand-off hashes and signs.

Formats: 1 listed the pages as a flat list of SHA-256 (no material, no size); 2 lists them per material
(`material_pages`). A format-1 draft is still read (and written back as it was, so its hash and signature
hold); its pages are named but cannot be put on a material (`page_hashes`).
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
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

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
from app.intake import AcceptanceRequest, InputError, Problem, parse_request, validate_request
from app.scanning.events import MAX_PAGES_PER_MATERIAL, PAGE, ROTATIONS, AttachedPage
from app.sync.blobs import owe_files
from app.sync.event_parts import CODE
from app.sync.schema import Problem as WireProblem
from app.sync.wire import LOGIN_PATTERN
from db.models import HelperDraft, HelperDraftPage
from db.store import Store

DRAFT_FORMAT = 2
FLAT_PAGES_FORMAT = 1  # the pages as a flat list of SHA-256 (read, never written any more)
FORMATS = (FLAT_PAGES_FORMAT, DRAFT_FORMAT)
_SHA256_HEX = frozenset("0123456789abcdef")
MAX_PAGE_HASHES = 200  # pages of one draft, all materials together
MAX_PAGE_MATERIALS = 100


@dataclass(frozen=True)
class DraftPages:
    """The pages a helper captured for one material, in order, as the capture session held them."""

    material_code: str
    pages: tuple[AttachedPage, ...]
    kept_short: bool = False  # fewer pages than the material's standard, kept so by the helper

    def as_json(self) -> dict[str, Any]:
        return {
            "material": self.material_code,
            "kept_short": self.kept_short,
            "pages": [page.as_json() for page in self.pages],
        }


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
    material_pages: tuple[DraftPages, ...] = ()  # by material code
    authorisation: Authorisation | None = None  # 代办: the principal's 代办委托书 (app.helpers.agency)
    format: int = DRAFT_FORMAT
    flat_page_hashes: tuple[str, ...] = ()  # a format-1 draft's pages: on no material

    @property
    def page_hashes(self) -> tuple[str, ...]:
        """Every page the draft names, material by material (a format-1 draft's as it listed them)."""
        if self.format == FLAT_PAGES_FORMAT:
            return self.flat_page_hashes
        return tuple(page.sha256 for one in self.material_pages for page in one.pages)

    @property
    def page_files(self) -> dict[str, int]:
        """The files the draft's materials' pages need (SHA-256 → size); none for a format-1 draft."""
        return {page.sha256: page.byte_size for one in self.material_pages for page in one.pages}

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
    pages: Sequence[DraftPages] = (),
    authorisation: Authorisation | None = None,
    draft_id: str | None = None,
) -> Prepared:
    """A draft of `request` for `item` (as the catalog holds it now), pre-checked: new, or under `draft_id`
    (a draft not yet printed, saved again), with the `pages` captured for its materials. InputError (the
    intake's, every problem listed) when the request would not pass at the counter either, or the 代办委托书
    is not sound or not in force today; DraftError for pages it cannot carry."""
    if request.item_code != item.code:
        raise InputError([Problem("item", f"申请事项 {request.item_code} 与所选事项 {item.code} 不符")])
    if authorisation is not None:
        refused = draft_problems(authorisation, on=now.date(), applicant_id=request.applicant.id_number)
        if refused:
            raise InputError([Problem(p.path, p.message) for p in refused])
    checked = validate_request(request, item=item, today=now.date())
    material_pages = tuple(sorted((p for p in pages if p.pages), key=lambda p: p.material_code))
    _check_material_pages(material_pages, known={m.code for m in item.materials})
    draft = Draft(
        draft_id=draft_id or str(uuid.uuid4()),
        catalog_version=item.catalog_version,
        checklist_sha256=item.checklist_sha256,
        request=replace(checked.request, checklist_sha256=None, prepared_by=None),
        helper_login=helper_login,
        helper_name=helper_name,
        device=device,
        created_at=now.astimezone(UTC),
        material_pages=material_pages,
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


def _check_material_pages(material_pages: Sequence[DraftPages], *, known: set[str] | None = None) -> None:
    codes = [one.material_code for one in material_pages]
    if len(set(codes)) != len(codes):
        raise DraftError("预审单所附页面中同一材料出现多次")
    if len(codes) > MAX_PAGE_MATERIALS:
        raise DraftError(f"预审单所附页面的材料过多（{len(codes)} 项，最多 {MAX_PAGE_MATERIALS} 项）")
    if known is not None and not set(codes) <= known:
        unknown = "、".join(sorted(set(codes) - known))
        raise DraftError(f"预审单所附页面的材料 {unknown} 不在该事项的材料清单中")
    for one in material_pages:
        if len(one.pages) > MAX_PAGES_PER_MATERIAL:
            raise DraftError(f"材料 {one.material_code} 所附页面过多（{len(one.pages)} 页）")
        for page in one.pages:
            if page.rotation not in ROTATIONS:
                raise DraftError(f"材料 {one.material_code} 所附页面的旋转角度 {page.rotation} 无效")
    _check_page_hashes([page.sha256 for one in material_pages for page in one.pages])


def _material_pages_from_json(value: Any) -> tuple[DraftPages, ...]:
    """A format-2 draft's `pages`: [{"material", "kept_short", "pages": [page as in case.pages_attached]}]
    in material-code order. DraftError naming the first problem."""
    if not isinstance(value, list) or len(value) > MAX_PAGE_MATERIALS:
        raise DraftError("预审单所附页面无效")
    out: list[DraftPages] = []
    for index, entry in enumerate(value):
        if not isinstance(entry, dict) or set(entry) != {"material", "kept_short", "pages"}:
            raise DraftError(f"预审单所附页面第 {index + 1} 项结构不符")
        problems: list[WireProblem] = []
        CODE.check(entry["material"], "material", problems)
        if not isinstance(entry["kept_short"], bool):
            problems.append(WireProblem("kept_short", "应为 true 或 false"))
        pages = entry["pages"]
        if not isinstance(pages, list) or not 0 < len(pages) <= MAX_PAGES_PER_MATERIAL:
            problems.append(WireProblem("pages", "应为 1 至 500 页的列表"))
        else:
            for number, page in enumerate(pages):
                PAGE.check(page, f"pages[{number}]", problems)
        if problems:
            raise DraftError(f"预审单所附页面第 {index + 1} 项无效：{problems[0]}")
        out.append(
            DraftPages(
                material_code=entry["material"],
                pages=tuple(AttachedPage.from_json(page) for page in pages),
                kept_short=entry["kept_short"],
            )
        )
    codes = [one.material_code for one in out]
    if codes != sorted(codes):
        raise DraftError("预审单所附页面未按材料编码排列（不是规范形式）")
    _check_material_pages(out)
    return tuple(out)


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
    pages: list[Any] = (
        list(draft.flat_page_hashes)
        if draft.format == FLAT_PAGES_FORMAT
        else [one.as_json() for one in draft.material_pages]
    )
    data = {
        "format": draft.format,
        "draft_id": draft.draft_id,
        "catalog_version": draft.catalog_version,
        "checklist_sha256": draft.checklist_sha256,
        "request": request_json(draft.request),
        "helper": {"login": draft.helper_login, "name": draft.helper_name},
        "device": draft.device,
        "created_at": draft.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "pages": pages,
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
    draft_format = data["format"]
    if draft_format not in FORMATS or isinstance(draft_format, bool):
        raise DraftError(f"预审单格式版本 {draft_format!r} 不受支持，请升级本程序")
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
    flat: tuple[str, ...] = ()
    material_pages: tuple[DraftPages, ...] = ()
    if draft_format == FLAT_PAGES_FORMAT:
        if not isinstance(pages, list) or not all(isinstance(p, str) for p in pages):
            raise DraftError("预审单所附页面无效")
        _check_page_hashes(pages)
        flat = tuple(pages)
    else:
        material_pages = _material_pages_from_json(pages)
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
        material_pages=material_pages,
        authorisation=authorisation,
        format=draft_format,
        flat_page_hashes=flat,
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
def name_pages(session: Session, draft: Draft, *, owed_at: datetime | None = None) -> None:
    """The page files `draft` names, recorded with it (in the caller's write session, replacing what an
    earlier content of the draft named): kept from the page store's sweep. `owed_at`: the draft was made
    on this PC, so its files are owed to the server too (app.sync.blobs uploads them with the cases')."""
    session.execute(delete(HelperDraftPage).where(HelperDraftPage.draft_id == draft.draft_id))
    sizes: dict[str, int | None] = dict.fromkeys(draft.flat_page_hashes)
    sizes.update(draft.page_files)
    session.add_all(
        HelperDraftPage(draft_id=draft.draft_id, sha256=sha, byte_size=size) for sha, size in sizes.items()
    )
    if owed_at is not None:
        owe_files(session, draft.page_files, queued_at=owed_at.astimezone(UTC).replace(tzinfo=None))


def save_draft(
    store: Store, draft: Draft, *, handoff_code: str | None = None, owed_at: datetime | None = None
) -> None:
    """Keep a draft (the helper's own, or one that reached this window) with its signed reference code
    (`handoff_code`: app.helpers.handoff.reference_code) and the page files it names (`name_pages`); the
    same draft again is a no-op, another content under its id is refused."""
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
        session.flush()  # the draft's row before the rows naming its pages
        name_pages(session, draft, owed_at=owed_at)


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
