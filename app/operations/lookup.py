"""Looking a case up by number: held at this window, held at another window of the hall (as sync last
reported it), or unknown here. What each answer says is written here once, for the window and `clerk`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.cases.views import CaseView, HallCaseView
from app.clock import hall_time_text
from app.operations.changes import OperationRefused
from app.sync.transport import SyncError

if TYPE_CHECKING:
    from app.workspace import Workspace


class CaseNotHere(OperationRefused):
    """An action on a case this window does not hold; the message says where it is held, if known."""

    def __init__(self, number: str, *, elsewhere: HallCaseView | None) -> None:
        super().__init__(not_held_here(number, elsewhere))
        self.number = number
        self.elsewhere = elsewhere


@dataclass(frozen=True)
class Lookup:
    text: str  # the number as asked
    case: CaseView | None  # held here
    elsewhere: HallCaseView | None  # held at another window of the hall
    elsewhere_item_name: str | None  # the item of a case elsewhere, from this window's catalog

    @property
    def not_found(self) -> str:
        """What is said when the case is neither here nor known in the hall."""
        return f"本窗口和本大厅已同步的记录中都没有办件 {self.text}"

    def elsewhere_line(self) -> str:
        """A case of another window in one line (`clerk case show`)."""
        view = self.elsewhere
        assert view is not None
        return (
            f"{view.number}  由 {view.window_code} 窗口受理（{_day_text(view)}）"
            f"  状态 {view.status_label}；可从服务器调取完整记录"
        )

    def elsewhere_details(self) -> str:
        """A case of another window as the window's message tells it: who, when, what, the status and how
        recent that is, and that only its status can be read here."""
        view = self.elsewhere
        assert view is not None
        what = f"，事项：{self.elsewhere_item_name}" if self.elsewhere_item_name else ""
        when = f"于 {view.received_on.isoformat()} " if view.received_on else ""
        updated = hall_time_text(view.updated_at, style="short")
        return (
            f"办件 {view.number} 由 {view.window_code} 窗口{when}受理{what}。\n"
            f"当前状态：{view.status_label}（服务器 {updated} 的记录）。\n"
            "本窗口只能查询状态；联网时可从服务器调取该办件的完整记录，在本机办理。"
        )


def look_up_case(ws: Workspace, *, number: str) -> Lookup:
    """The case `number` names. A number with a wrong check character raises CaseNumberError."""
    case = ws.cases.find(number)
    elsewhere = None if case is not None else ws.cases.find_in_hall(number)
    item = ws.catalog.item(elsewhere.item_code) if elsewhere is not None and elsewhere.item_code else None
    return Lookup(number, case, elsewhere, None if item is None else item.name)


def held_case(ws: Workspace, *, number: str) -> CaseView:
    """The case held at this window; CaseNotHere (saying where it is held, if known) otherwise."""
    case = ws.cases.find(number)
    if case is None:
        raise CaseNotHere(number, elsewhere=ws.cases.find_in_hall(number))
    return case


class CaseNotFetched(OperationRefused):
    """The case's record could not be fetched from the server; the message says why (offline …)."""


def fetch_case(ws: Workspace, *, number: str) -> CaseView:
    """Fetch case `number`'s whole record from the server (a case of another window of the hall, for the
    back office or a hand-over here), or rebuild it if held here; its view as held now. CaseNotFetched,
    nothing stored, when offline, unknown to the server, another hall's, or refused."""
    try:
        ws.sync.fetch_case(number)
    except SyncError as error:
        raise CaseNotFetched(error.message) from None
    case = ws.cases.find(number)
    assert case is not None  # stored by the fetch
    return case


def not_held_here(number: str, elsewhere: HallCaseView | None) -> str:
    """Why a case cannot be printed, approved or handed over here: not held, or held at another window."""
    if elsewhere is None:
        return f"本窗口数据库中没有办件 {number}"
    return (
        f"办件 {number} 由 {elsewhere.window_code} 窗口受理，不在本窗口：请先从服务器调取该办件（联网时），"
        "或在受理窗口办理"
    )


def _day_text(view: HallCaseView) -> str:
    return view.received_on.isoformat() if view.received_on else "None"
