"""A helper's desk, headless: prepare a draft, keep it, sign its hand-off code and make its sheet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.accounts.roles import Permission
from app.catalog import ServiceItem
from app.catalog_store import CatalogRepository
from app.clock import Clock
from app.documents.handoff_sheet import HandoffSheet, handoff_sheet_pdf
from app.helpers.agency import Authorisation
from app.helpers.drafts import (
    Draft,
    DraftError,
    DraftPages,
    Prepared,
    held_draft,
    precheck,
    prepare_draft,
    what_to_bring,
)
from app.helpers.handoff import handoff_code, reference_code
from app.helpers.my_drafts import is_frozen, keep_draft, keep_reference, mark_printed
from app.intake import AcceptanceRequest, InputError, Problem
from app.operations.person import Actor
from app.secrets import SecretStore
from app.signing_keys import SigningKeys
from db.store import Store


@dataclass(frozen=True)
class PreparedSheet:
    prepared: Prepared
    code: str  # the hand-off code (QR text)
    sheet: HandoffSheet


class HelperService:
    def __init__(
        self, *, store: Store, catalog: CatalogRepository, secrets: SecretStore, clock: Clock
    ) -> None:
        self._store, self._catalog, self._clock = store, catalog, clock
        self._keys = SigningKeys(store=store, secrets=secrets, clock=clock)

    def _item(self, code: str) -> ServiceItem:
        item = self._catalog.item(code)
        if item is None:
            raise InputError([Problem("item", f"事项目录（{self._catalog.version}）中没有事项编码 {code}")])
        return item

    def save(
        self,
        request: AcceptanceRequest,
        *,
        helper: Actor,
        authorisation: Authorisation | None = None,
        draft_id: str | None = None,
        pages: Sequence[DraftPages] = (),
    ) -> Prepared:
        """Pre-check `request` and keep it as a draft here (保存草稿): under `draft_id` when that draft is not
        printed or sent to the server yet, else as a new draft (naming the one it stands in for).
        PermissionDenied for an account that may not prepare drafts; InputError for a request that would
        not pass at the counter either or an unsound 代办委托书. `pages`: those captured for its materials,
        whose files are owed to the server from now (app.sync.blobs). Works offline."""
        helper.require(Permission.PREPARE_DRAFT)
        item = self._item(request.item_code)
        replaces = None
        if draft_id is not None and is_frozen(self._store, draft_id):
            draft_id, replaces = None, draft_id
        prepared = prepare_draft(
            request,
            item=item,
            hall=helper.hall,
            helper_login=helper.clerk_login,
            helper_name=helper.clerk_name,
            device=helper.window_code,
            now=self._clock.now(),
            authorisation=authorisation,
            draft_id=draft_id,
            pages=pages,
        )
        keep_draft(self._store, prepared.draft, replaces=replaces, now=self._clock.now())
        return prepared

    def sheet(self, draft_id: str, *, helper: Actor) -> PreparedSheet:
        """The 帮办预审单 of a draft kept here, signed with this PC's key for the item's implementing body
        (the pre-check against the catalog version the draft was made under)."""
        helper.require(Permission.PREPARE_DRAFT)
        found = held_draft(self._store, draft_id)
        if found is None:
            raise DraftError(f"本机没有预审单 {draft_id}")
        draft = found[0]
        item = self._catalog.item_at(draft.item_code, draft.catalog_version) or self._item(draft.item_code)
        result = precheck(draft.request, item=item, hall=helper.hall)
        return self._signed(Prepared(draft, result, what_to_bring(result)), item=item, helper=helper)

    def printed(self, draft: Draft) -> None:
        """The draft's sheet went to the printer (or a file): the draft is frozen from now on."""
        mark_printed(self._store, draft.draft_id, now=self._clock.now())

    def _signed(self, prepared: Prepared, *, item: ServiceItem, helper: Actor) -> PreparedSheet:
        key, _entry = self._keys.current(
            office_code=item.body_code, office_name=item.body_name, window_code=helper.window_code
        )
        code = handoff_code(prepared.draft, key=key)
        sheet = handoff_sheet_pdf(prepared, item=item, code=code, hall_name=helper.hall.name)
        # Kept with its signed reference, which goes with it to the server (app.helpers.online).
        keep_reference(self._store, prepared.draft, code=reference_code(prepared.draft, key=key))
        return PreparedSheet(prepared, code, sheet)

    def prepare(
        self, request: AcceptanceRequest, *, helper: Actor, authorisation: Authorisation | None = None
    ) -> PreparedSheet:
        """Pre-check `request`, keep the draft here and make its sheet, signed with this PC's key for the
        item's implementing body. PermissionDenied for an account that may not prepare drafts; InputError
        for a request that would not pass at the counter either. Works offline."""
        prepared = self.save(request, helper=helper, authorisation=authorisation)
        return self._signed(prepared, item=self._item(request.item_code), helper=helper)
