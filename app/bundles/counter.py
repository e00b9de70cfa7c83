"""Taking a bundle in at the counter, as the signed-in person (app.operations.counter for one case)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.accounts.roles import Permission
from app.bundles.intake import BundleRequest, StoredBundle
from app.operations.person import Actor

if TYPE_CHECKING:
    from app.workspace import Workspace


def accept_bundle(ws: Workspace, *, person: Actor, request: BundleRequest) -> StoredBundle:
    """Decide every item of the bundle and store all its cases in one transaction (all or nothing)."""
    person.require(Permission.ACCEPT)
    return ws.bundles.accept(request, counter=person)
