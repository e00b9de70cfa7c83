"""A bundle's statuses followed together, for the window's bundle dialog and `clerk`: from this window's own
store when it holds the bundle, else from the server (app.sync.bundle_fetch) when online; offline, a message
saying so. A bundle number, or the number of any of its cases, finds it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.bundles.numbers import looks_like_bundle_number, parse_bundle_number
from app.bundles.views import STATE_LABEL, BundleView, overall_state
from app.cases.status import CaseStatus
from app.cases.views import CaseView
from app.operations.changes import OperationRefused
from app.sync.bundle_fetch import ServerBundle, fetch_bundle, not_fetched_bundle
from app.sync.transport import SyncError

if TYPE_CHECKING:
    from app.workspace import Workspace


class BundleNotFollowed(OperationRefused):
    """The bundle is not held here and the server could not be asked (or does not know it)."""


@dataclass(frozen=True)
class BundleCaseLine:
    number: str
    item_name: str
    decision_label: str
    status_label: str
    promised: str  # the promised date (ISO), the supplement deadline of a case awaiting 补正, or "—"


@dataclass(frozen=True)
class BundleStatus:
    number: str
    name: str  # the bundle's name (held here), or "" (from the server, which keeps no name)
    held_here: bool
    state_label: str
    window_code: str
    received_on: str
    cases: tuple[BundleCaseLine, ...]

    @property
    def source_label(self) -> str:
        return "本窗口记录" if self.held_here else "服务器记录（本窗口未保存该一件事的办件）"


def from_view(view: BundleView) -> BundleStatus:
    return BundleStatus(
        number=view.number,
        name=view.name,
        held_here=True,
        state_label=view.state_label,
        window_code=view.window_code,
        received_on=view.received_on.isoformat(),
        cases=tuple(
            BundleCaseLine(
                c.number,
                c.item_name,
                c.decision_label,
                c.status_label,
                _when(c),
            )
            for c in view.cases
        ),
    )


def _when(case: CaseView) -> str:
    if case.promised_date is not None:
        return case.promised_date.isoformat()
    if case.status == CaseStatus.AWAITING_SUPPLEMENT and case.supplement_deadline is not None:
        return f"补正期限 {case.supplement_deadline.isoformat()}"
    return "—"


def from_server(ws: Workspace, bundle: ServerBundle) -> BundleStatus:
    def item_name(code: str) -> str:
        item = ws.catalog.item(code)
        return code if item is None else item.name

    number = parse_bundle_number(bundle.number)
    return BundleStatus(
        number=bundle.number,
        name="",
        held_here=False,
        state_label=STATE_LABEL[overall_state([c.status for c in bundle.cases])],
        window_code=bundle.window_code,
        received_on=number.day.isoformat(),
        cases=tuple(
            BundleCaseLine(c.number, item_name(c.item_code), c.decision_label, c.status_label, "—")
            for c in bundle.cases
        ),
    )


def held_bundle_status(ws: Workspace, *, text: str) -> BundleStatus | None:
    """The bundle `text` names as this window holds it; None for a bundle number not held here (the server
    may know it). A mistyped number raises its own error; BundleNotFollowed for a case number of a case not
    decided in a bundle here."""
    view = ws.bundles.find(text)
    if view is not None:
        return from_view(view)
    if not looks_like_bundle_number(text):
        raise BundleNotFollowed(f"本窗口没有办件 {text.strip()} 所属的一件事记录")
    return None


def server_bundle_status(ws: Workspace, *, number: str) -> BundleStatus:
    """The bundle as the server follows it (a network request); BundleNotFollowed saying why not (offline,
    unknown to the server, another hall's, an answer refused)."""
    number = str(parse_bundle_number(number))
    try:
        credential = ws.sync.transport.registered()
    except SyncError as error:
        raise BundleNotFollowed(str(not_fetched_bundle(number, error))) from None
    try:
        found = fetch_bundle(transport=ws.sync.transport, credential=credential, number=number)
    except SyncError as error:  # its message says why, for the clerk
        raise BundleNotFollowed(str(error)) from None
    return from_server(ws, found)


def bundle_status(ws: Workspace, *, text: str) -> BundleStatus:
    """The bundle `text` names (a bundle number, or the number of a case held here decided in one): held
    here, else from the server. A mistyped number raises its own error; BundleNotFollowed otherwise."""
    held = held_bundle_status(ws, text=text)
    return held if held is not None else server_bundle_status(ws, number=text)
