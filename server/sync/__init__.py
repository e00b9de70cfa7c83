"""Push, pull and reconcile: the server side of the sync guarantees (shared/DESIGN.md §4).

Push (one transaction per request; the answer is sent only after COMMIT), step by step in `push.py`:

1. Every event is checked on its own, in the window's order (`local_seq`). A bad event is rejected
   alone (it goes to the window's dead-letter list); the rest of the batch goes on. Besides its form:
   who may record it (app.sync.authority: a decision from the window holding the case, the rest from any
   window of the case's hall; the person it names must be an account of the hall on the server with the
   role its step needs, 四分离 kept: `permits.py`), the hall of its case, the certificate a revocation
   names (`certificates.py`), and for a `certificate.issued` the seal of the recording window's registered
   key (server.signing_keys, `bad_signature` otherwise; new keys are registered here, sorted by id).
   (`checks.py`)
2. Events are inserted with one multi-row `INSERT … ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
   with the hash of their content (server.event_ids). An event id that is already stored with the same
   content is acknowledged and nothing else happens: retries are idempotent even when two retries of one
   batch race, because the primary key, not a prior SELECT, decides (the second inserter waits for the
   first's row and then does nothing). The same id with other content (also inside one batch, and for an
   event rejected now whose id is stored) is refused as `event_id_reused`, logged at ERROR and recorded
   as a conflict; it is never acknowledged.
3. Cases are inserted from the new `case.decided` events the same way (`ON CONFLICT (number) DO NOTHING`).
   A number the server already holds from a different event is never overwritten: that event is removed
   again, rejected as `duplicate_case_number`, logged at ERROR and recorded as a conflict. (`cases.py`)
4. The change log is appended last, under its lock (`change_log.py`: why the lock makes the pull cursor
   safe): the projections of the touched cases (`projection.py`) and of their page sets (`page_sets.py`),
   the conflicts (`conflicts.py`), the change rows; then COMMIT.

Rows are always inserted sorted by key (signing keys, event ids, then case numbers), and the change-log lock
comes after all of them, so two concurrent pushes take their locks in one global order and cannot deadlock.

Pull (`pull.py`) reads the device's hall's changes by cursor; reconcile (`reconcile.py`) counts a window's
cases and events per day. `SyncService` (`service.py`) is what the API calls: a push in one transaction,
retried whole on a deadlock.
"""

from __future__ import annotations

from server.sync.change_log import CHANGE_LOG_LOCK_KEY, lock_change_log
from server.sync.checks import check_event
from server.sync.conflicts import CONFLICT_REASON, DUPLICATE_CASE_NUMBER
from server.sync.device import Device
from server.sync.pull import CursorError, parse_cursor
from server.sync.reconcile import MAX_RECONCILE_DAYS, RangeError, parse_range
from server.sync.service import BusyError, SyncService

__all__ = [
    "CHANGE_LOG_LOCK_KEY",
    "CONFLICT_REASON",
    "DUPLICATE_CASE_NUMBER",
    "MAX_RECONCILE_DAYS",
    "BusyError",
    "CursorError",
    "Device",
    "RangeError",
    "SyncService",
    "check_event",
    "lock_change_log",
    "parse_cursor",
    "parse_range",
]
