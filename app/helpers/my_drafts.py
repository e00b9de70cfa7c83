"""我的草稿: a helper's own drafts on their PC — saved, saved again, printed, reopened — and the week's count.

A draft not yet printed is the helper's working copy: saving it again replaces it under the same id. Once
its 帮办预审单 is printed, the sheet's QR signs that content, so the draft is frozen: editing a printed
draft and saving makes a new draft (a new id, a new sheet to print) that names the printed one it stands in
for (`replaces_draft_id`); the old sheet still reads at a window as what it was.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.catalog_store import CatalogRepository
from app.clock import CHINA
from app.completeness import Outcome
from app.helpers.drafts import (
    Draft,
    DraftError,
    canonical_bytes,
    draft_from_bytes,
    name_pages,
    precheck,
    save_draft,
)
from app.operations.person import Actor
from db.models import HelperDraft
from db.store import Store

PRECHECK_LABEL = {  # what a pre-check found, said as a helper says it (nothing is decided here)
    Outcome.ACCEPTED: "材料齐全",
    Outcome.ACCEPTED_WITH_TOLERANCE: "可容缺，需后补",
    Outcome.SUPPLEMENT_REQUIRED: "缺材料，需补齐",
    Outcome.REJECTED: "本大厅不受理",
}


@dataclass(frozen=True)
class DraftEntry:
    """One row of 我的草稿."""

    draft: Draft
    item_name: str
    precheck: str  # PRECHECK_LABEL of the pre-check against the catalog version it was made under
    printed_at: datetime | None  # UTC
    replaces_draft_id: str | None

    @property
    def printed(self) -> bool:
        return self.printed_at is not None


def keep_draft(
    store: Store, draft: Draft, *, replaces: str | None = None, now: datetime | None = None
) -> Draft:
    """Keep `draft`: a new one, or — under the id of a draft not yet printed — its new content. A printed
    draft is never changed (DraftError: the caller makes a new draft naming it in `replaces`). Its page
    files are owed to the server from `now` (app.helpers.drafts.name_pages; None: not owed)."""
    content = canonical_bytes(draft)
    digest = hashlib.sha256(content).hexdigest()
    with store.write() as session:
        row = session.get(HelperDraft, draft.draft_id)
        if row is None:
            pass
        elif row.printed_at is not None or row.uploaded_at is not None:
            if row.sha256 == digest:
                return draft
            raise DraftError(f"预审单 {draft.draft_id} 已打印或已上传，不能再修改；修改后将另存为新的预审单")
        elif row.helper_login != draft.helper_login:
            raise DraftError(f"预审单 {draft.draft_id} 不是 {draft.helper_login} 的草稿，未保存")
        else:
            if row.sha256 != digest:
                row.handoff_code = None  # signed for the old content: signed again with the next sheet
            row.content = content.decode("utf-8")
            row.sha256 = digest
            row.item_code = draft.item_code
            row.catalog_version = draft.catalog_version
            row.applicant_name = draft.request.applicant.name
            row.created_at = draft.created_at.astimezone(UTC).replace(tzinfo=None)
            name_pages(session, draft, owed_at=now)
            return draft
    save_draft(store, draft, owed_at=now)
    if replaces is not None:
        with store.write() as session:
            row = session.get(HelperDraft, draft.draft_id)
            assert row is not None
            row.replaces_draft_id = replaces
    return draft


def is_printed(store: Store, draft_id: str) -> bool:
    with store.read() as session:
        row = session.get(HelperDraft, draft_id)
        return row is not None and row.printed_at is not None


def is_frozen(store: Store, draft_id: str) -> bool:
    """The draft's sheet was printed, or the draft was sent to the server (app.helpers.online): its content
    is what a window will read, so an edit becomes a new draft."""
    with store.read() as session:
        row = session.get(HelperDraft, draft_id)
        return row is not None and (row.printed_at is not None or row.uploaded_at is not None)


def keep_reference(store: Store, draft: Draft, *, code: str) -> None:
    """Keep the signed reference code of a draft kept here (made with its sheet), which the next sync sends
    with the draft; nothing when the draft kept under its id has other content (edited since)."""
    digest = hashlib.sha256(canonical_bytes(draft)).hexdigest()
    with store.write() as session:
        row = session.get(HelperDraft, draft.draft_id)
        if row is not None and row.sha256 == digest and row.handoff_code is None:
            row.handoff_code = code


def mark_printed(store: Store, draft_id: str, *, now: datetime) -> None:
    """The draft's sheet went to the printer: from now on the draft is frozen (the first print is kept)."""
    with store.write() as session:
        row = session.get(HelperDraft, draft_id)
        if row is None:
            raise DraftError(f"本机没有预审单 {draft_id}")
        if row.printed_at is None:
            row.printed_at = now.astimezone(UTC).replace(tzinfo=None)


def my_drafts(store: Store, catalog: CatalogRepository, *, helper: Actor) -> list[DraftEntry]:
    """The helper's drafts on this PC, newest first, each with its pre-check state."""
    with store.read() as session:
        rows = [
            (r.content, r.printed_at, r.replaces_draft_id)
            for r in session.scalars(
                select(HelperDraft)
                .where(HelperDraft.helper_login == helper.clerk_login)
                .order_by(HelperDraft.created_at.desc())
            )
        ]
    entries = []
    for content, printed_at, replaces in rows:
        draft = draft_from_bytes(content.encode("utf-8"))
        item = catalog.item_at(draft.item_code, draft.catalog_version) or catalog.item(draft.item_code)
        if item is None:
            name, state = draft.item_code, "事项已不在目录中"
        else:
            result = precheck(draft.request, item=item, hall=helper.hall)
            name, state = item.name, PRECHECK_LABEL[result.outcome]
        entries.append(
            DraftEntry(
                draft=draft,
                item_name=name,
                precheck=state,
                printed_at=printed_at.replace(tzinfo=UTC) if printed_at else None,
                replaces_draft_id=replaces,
            )
        )
    return entries


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def drafts_this_week(entries: list[DraftEntry], *, today: date) -> int:
    """Drafts saved from this Monday on (hall time)."""
    start = week_start(today)
    return sum(1 for e in entries if e.draft.created_at.astimezone(CHINA).date() >= start)
