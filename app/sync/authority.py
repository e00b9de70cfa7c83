"""Who may record which event of a case: one table, read by the server before it stores an event and by the
window before it records one (the window refuses first, at the counter).

- `HOLDING_WINDOW`: the window whose code is in the case number (`app.case_number`). So a case number belongs
  to its window code's hall whether or not that window has been enrolled yet, and its decision can come from
  that window alone: nothing planted before the window exists can stand for its cases.
- `HALL_WINDOW`: any window of the case's hall (the server checks the hall: server.sync.checks) — the back
  office approving at another PC, a window of the hall handing over (窗口统一出件), a supplement brought
  to another window. What the person may do is their account's roles (app.accounts.roles); the server
  checks them against its own account list for every event that changes a case (`permission_of`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from app.accounts.roles import Permission
from app.cases.status import TRANSITIONS
from app.documents.kinds import DocumentKind, print_permission
from app.sync.wire import AUDIT_KINDS, EVENT_KIND_LABEL, REJECTION_NOT_HOLDER, EventKind


class Recorder(StrEnum):
    """Who may record an event of a case."""

    HOLDING_WINDOW = "holding_window"  # the window whose code is in the case number
    HALL_WINDOW = "hall_window"  # any window of the case's hall


_HOLDER_ONLY = frozenset({Recorder.HOLDING_WINDOW})
_HALL = frozenset({Recorder.HOLDING_WINDOW, Recorder.HALL_WINDOW})

RECORDED_BY: Mapping[str, frozenset[Recorder]] = {
    EventKind.CASE_DECIDED: _HOLDER_ONLY,
    **{kind: _HALL for kind in EventKind if kind != EventKind.CASE_DECIDED and kind not in AUDIT_KINDS},
}
# A kind the table does not name (a newer window's): the holder only, never anyone.
UNLISTED = _HOLDER_ONLY


@dataclass(frozen=True)
class Refusal:
    code: str  # a wire rejection code
    message: str  # Chinese, names the case, its window and the recorder's window


def refusal(*, kind: str, case_number: str, case_window: str, recorder_window: str) -> Refusal | None:
    """Why the window `recorder_window` may not record a `kind` event (an EventKind, or what a newer window
    sent) of case `case_number` (held by `case_window`), or None when it may."""
    allowed = RECORDED_BY.get(kind, UNLISTED)
    if Recorder.HALL_WINDOW in allowed or (
        Recorder.HOLDING_WINDOW in allowed and recorder_window == case_window
    ):
        return None
    what = EVENT_KIND_LABEL.get(kind, "事项")
    return Refusal(
        REJECTION_NOT_HOLDER,
        f"办件 {case_number} 由窗口 {case_window} 受理，{what}只能由该窗口记录；"
        f"提交的电脑登记为窗口 {recorder_window}，本条未保存",
    )


def hall_refusal(*, case_number: str, case_hall: str, recorder_hall: str) -> Refusal | None:
    """Why a PC of `recorder_hall` may not record anything for a case of `case_hall` (the server refuses it
    as `wrong_hall`), or None when the halls are one."""
    if case_hall == recorder_hall:
        return None
    return Refusal(
        "wrong_hall",
        f"办件 {case_number} 属于大厅 {case_hall}，本窗口登记在大厅 {recorder_hall}，不能办理该办件的事项",
    )


# The permission of the kinds that change no status (the status table's rows give the others'); a document
# printed needs what printing its kind needs (app.documents.kinds.print_permission).
KIND_PERMISSION: Mapping[str, Permission] = {
    EventKind.SERVICE_RATED: Permission.RECORD_RATING,
    EventKind.SERVICE_FOLLOWED_UP: Permission.FOLLOW_UP_RATING,
    EventKind.PAGES_ATTACHED: Permission.CAPTURE_PAGES,
}
DOCUMENT_KINDS = frozenset({EventKind.DOCUMENT_PRINTED, EventKind.DOCUMENT_REPRINTED})


def permission_needed(kind: str, payload: Mapping[str, object]) -> Permission | None:
    """The permission recording an event needs: its status table row's, else the kind's, else (a document)
    its document kind's; None for a kind this version does not know."""
    found = permission_of(kind, payload)
    if found is not None:
        return found
    if kind in DOCUMENT_KINDS:
        document = payload.get("kind")
        try:
            return print_permission(DocumentKind(str(document)))
        except ValueError:
            return Permission.PRINT
    return KIND_PERMISSION.get(kind)


def permission_of(kind: str, payload: Mapping[str, object]) -> Permission | None:
    """The permission an event that changes a case needs (the status table's row for its kind and the
    statuses it carries), or None for an event that changes no status, or an older window's without them."""
    source, target = payload.get("from_status"), payload.get("to_status")
    if not isinstance(source, str) or not isinstance(target, str):
        return None
    for row in TRANSITIONS:
        if row.event == kind and row.source == source and row.target == target:
            return row.permission
    return None
