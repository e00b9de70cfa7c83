"""Who may record which event of a case: one table, read by the server before it stores an event and by the
window before it records one (the window refuses first, at the counter).

Today every kind may be recorded only by the window that holds the case: the window whose code is in the
case number (`app.case_number`). So a case number belongs to its window code's hall whether or not that
window has been enrolled yet: no device of another window, of this hall or another, can record anything
for it, and nothing planted before the window exists can change its cases later.

The place for more: issue 13 adds a back-office role of the case's hall (approving, issuing a certificate)
as a second `Recorder` in `RECORDED_BY`; `refusal` then needs the account that recorded the event, which
accounts on the server (issue 12) will vouch for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from app.sync.wire import EVENT_KIND_LABEL, REJECTION_NOT_HOLDER, EventKind


class Recorder(StrEnum):
    """Who may record an event of a case."""

    HOLDING_WINDOW = "holding_window"  # the window whose code is in the case number
    # BACK_OFFICE = "back_office"  # issue 13: a back-office role of the case's hall


_HOLDER_ONLY = frozenset({Recorder.HOLDING_WINDOW})

RECORDED_BY: Mapping[str, frozenset[Recorder]] = {
    EventKind.CASE_DECIDED: _HOLDER_ONLY,
    EventKind.DOCUMENT_PRINTED: _HOLDER_ONLY,
    EventKind.DOCUMENT_REPRINTED: _HOLDER_ONLY,
    EventKind.CERTIFICATE_ISSUED: _HOLDER_ONLY,
    EventKind.CERTIFICATE_HANDED_OVER: _HOLDER_ONLY,
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
    if Recorder.HOLDING_WINDOW in allowed and recorder_window == case_window:
        return None
    what = EVENT_KIND_LABEL.get(kind, "事项")
    return Refusal(
        REJECTION_NOT_HOLDER,
        f"办件 {case_number} 由窗口 {case_window} 受理，{what}只能由该窗口记录；"
        f"提交的电脑登记为窗口 {recorder_window}，本条未保存",
    )
