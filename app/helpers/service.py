"""A helper's desk, headless: prepare a draft, keep it, sign its hand-off code and make its sheet."""

from __future__ import annotations

from dataclasses import dataclass

from app.accounts.roles import Permission
from app.catalog_store import CatalogRepository
from app.clock import Clock
from app.documents.handoff_sheet import HandoffSheet, handoff_sheet_pdf
from app.helpers.drafts import Prepared, prepare_draft, save_draft
from app.helpers.handoff import handoff_code, reference_code
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

    def prepare(self, request: AcceptanceRequest, *, helper: Actor) -> PreparedSheet:
        """Pre-check `request`, keep the draft here and make its sheet, signed with this PC's key for the
        item's implementing body. PermissionDenied for an account that may not prepare drafts; InputError
        for a request that would not pass at the counter either. Works offline."""
        helper.require(Permission.PREPARE_DRAFT)
        item = self._catalog.item(request.item_code)
        if item is None:
            raise InputError(
                [Problem("item", f"事项目录（{self._catalog.version}）中没有事项编码 {request.item_code}")]
            )
        prepared = prepare_draft(
            request,
            item=item,
            hall=helper.hall,
            helper_login=helper.clerk_login,
            helper_name=helper.clerk_name,
            device=helper.window_code,
            now=self._clock.now(),
        )
        key, _entry = self._keys.current(
            office_code=item.body_code, office_name=item.body_name, window_code=helper.window_code
        )
        code = handoff_code(prepared.draft, key=key)
        sheet = handoff_sheet_pdf(prepared, item=item, code=code, hall_name=helper.hall.name)
        # Kept with its signed reference, which goes with it to the server (app.helpers.online).
        save_draft(self._store, prepared.draft, handoff_code=reference_code(prepared.draft, key=key))
        return PreparedSheet(prepared, code, sheet)
