"""Keys and drafts of this PC the server refused for good (issue 15): the dead letters of the online
hand-off (app.helpers.online).

A refusal whose reason is final (app.sync.wire.helper_refusal_is_final: invalid, altered, a clash, a
revoked key, a disabled helper …) is recorded here once, in the window's `sync_state`
(`HELPER_REFUSALS_STATE`), and the key or draft is not sent again; `clerk sync status` lists them with their
reasons. A transient refusal (a key not registered yet, a helper's account not on the server yet) is never
recorded: the key or draft goes again with the next round.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from enum import StrEnum

from app.sync.state import SyncStates

log = logging.getLogger("clerk.sync")

HELPER_REFUSALS_STATE = "helper_refusals"  # sync_state: a JSON list of UploadRefusal


class Refused(StrEnum):
    KEY = "key"
    DRAFT = "draft"


REFUSED_LABEL = {Refused.KEY: "签名密钥", Refused.DRAFT: "预审单"}


@dataclass(frozen=True)
class UploadRefusal:
    """A key or draft of this PC the server refused for good, and why (its words)."""

    what: Refused
    item_id: str  # the key id or draft id
    reason: str  # the server's code (app.sync.wire.HelperRefusal)
    message: str  # the server's message (Chinese)
    refused_at: str  # ISO 8601 UTC, this PC's clock

    @property
    def line(self) -> str:
        """One line for the clerk (Chinese)."""
        return f"{REFUSED_LABEL[self.what]} {self.item_id} 被服务器拒收，不再上传：{self.message}"


def upload_refusals(states: SyncStates) -> list[UploadRefusal]:
    """Every refusal recorded, oldest first (an unreadable record is logged and read as none)."""
    text = states.get(HELPER_REFUSALS_STATE)
    if not text:
        return []
    try:
        return [
            UploadRefusal(
                what=Refused(item["what"]),
                item_id=str(item["item_id"]),
                reason=str(item["reason"]),
                message=str(item["message"]),
                refused_at=str(item["refused_at"]),
            )
            for item in json.loads(text)
        ]
    except (ValueError, TypeError, KeyError):
        log.warning("unreadable record of refused keys and drafts %r; ignored", text[:200])
        return []


def refused_ids(states: SyncStates, what: Refused) -> set[str]:
    """The ids of the keys (or drafts) recorded as refused for good: not sent again."""
    return {r.item_id for r in upload_refusals(states) if r.what is what}


def record_refusals(states: SyncStates, refusals: list[UploadRefusal]) -> None:
    """`refusals` recorded (once each: one already recorded keeps its first reason)."""
    held = upload_refusals(states)
    known = {(r.what, r.item_id) for r in held}
    new = [r for r in refusals if (r.what, r.item_id) not in known]
    if not new:
        return
    for refusal in new:
        log.error(
            "%s %s refused by the server for good (%s): %s; not sent again",
            refusal.what,
            refusal.item_id,
            refusal.reason,
            refusal.message,
        )
    states.set(HELPER_REFUSALS_STATE, json.dumps([asdict(r) for r in held + new], ensure_ascii=False))
