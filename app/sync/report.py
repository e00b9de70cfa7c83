"""What a sync round did (`SyncReport`), and one day of the window's reconciliation with the server."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.sync import wire

PushProgress = Callable[[int, int], None]  # (events answered so far, pending at the start)
PullProgress = Callable[[int], None]  # changes of this round applied and committed so far


@dataclass(frozen=True)
class DayDifference:
    """One day of one window: cases made here, how many the server acknowledged, how many it holds."""

    day: str
    local_cases: int
    acknowledged_cases: int
    server_cases: int

    @property
    def matches(self) -> bool:
        """The server holds every case it acknowledged (cases still pending are not a mismatch)."""
        return self.acknowledged_cases == self.server_cases


@dataclass
class SyncReport:
    pushed: int = 0
    acknowledged: int = 0
    rejected: list[wire.Rejection] = field(default_factory=list)
    pulled: int = 0
    applied: int = 0
    conflicts: int = 0
    catalog_versions: list[str] = field(default_factory=list)  # loaded by this round
    calendar_years: list[int] = field(default_factory=list)  # published or amended, stored by this round
    accounts_updated: bool = False  # a list of the hall's accounts was taken by this round
    account_problems: list[str] = field(default_factory=list)  # why a list pulled was refused (Chinese)
    pending: int = 0
    mismatches: list[DayDifference] = field(default_factory=list)
    pages_uploaded: int = 0  # page files the server holds whole now (app.sync.blobs)
    pages_owed: int = 0  # page files still to upload after this round
    page_problems: list[str] = field(default_factory=list)  # files not sent, or why uploading stopped
    seconds: float = 0.0
    push_seconds: float = 0.0
    upload_seconds: float = 0.0
    pull_seconds: float = 0.0
    keys_published: int = 0  # this PC's signing keys the server registered this round (app.helpers.online)
    drafts_uploaded: int = 0  # helpers' drafts of this PC the server took this round
    helper_problems: list[str] = field(default_factory=list)  # keys or drafts the server did not take

    def as_json(self) -> dict[str, Any]:
        return {
            "pushed": self.pushed,
            "acknowledged": self.acknowledged,
            "rejected": [r.__dict__ for r in self.rejected],
            "pulled": self.pulled,
            "applied": self.applied,
            "conflicts": self.conflicts,
            "catalog_versions": self.catalog_versions,
            "calendar_years": self.calendar_years,
            "accounts_updated": self.accounts_updated,
            "account_problems": self.account_problems,
            "pending": self.pending,
            "mismatches": [d.__dict__ for d in self.mismatches],
            "pages_uploaded": self.pages_uploaded,
            "pages_owed": self.pages_owed,
            "page_problems": self.page_problems,
            "seconds": round(self.seconds, 3),
            "push_seconds": round(self.push_seconds, 3),
            "upload_seconds": round(self.upload_seconds, 3),
            "pull_seconds": round(self.pull_seconds, 3),
            "keys_published": self.keys_published,
            "drafts_uploaded": self.drafts_uploaded,
            "helper_problems": self.helper_problems,
        }
