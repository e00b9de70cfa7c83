"""Pulled `signing_key` changes (app.sync.pulled_keys): a key the server registered for a window of this hall
joins the key directory; a key id held with another key, or one not naming its window or another hall's,
is refused and nothing is replaced. Real window database; changes shaped as the server writes them."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

import pytest

from app.seal import OfficeKey
from app.sync import wire
from app.sync.changes import Applying
from app.sync.report import SyncReport
from app.workspace import Workspace
from db.models import OfficeKey as OfficeKeyRow
from tests.server_fixtures import key_entry, window_key

FIRST, SECOND = window_key("SZX0104", suffix="K1"), window_key("SZX0104", suffix="K2")
KEY_ID = FIRST.key_id


def entry(key: OfficeKey, key_id: str | None = None) -> dict[str, Any]:
    """`key`'s public entry, under `key_id` if given (another key claiming the same id)."""
    return {**key_entry(key), "key_id": key_id or key.key_id}


def key_change(
    seq: int, item: dict[str, Any], *, window: str = "SZX0104", hall: str = "SZX01"
) -> wire.Change:
    payload = {**item, "window_code": window, "hall_code": hall}
    return wire.Change(seq, wire.KIND_SIGNING_KEY, str(item["key_id"]), payload, "2026-11-20T02:00:00Z")


def apply(workspace: Workspace, changes: list[wire.Change]) -> int:
    report = SyncReport()
    with workspace.store.write() as session:
        applying = Applying(
            session=session,
            now=datetime(2026, 11, 20, 2),
            today=date(2026, 11, 20),
            report=report,
            catalogs={},
            hall_code="SZX01",
        )
        taken = 0
        while taken < len(changes):  # a run stops when its time is up, as on a busy machine
            taken += workspace.sync.inbox.apply_run(applying, changes[taken:])
    return report.applied


def public_key(workspace: Workspace, key_id: str = KEY_ID) -> str | None:
    with workspace.store.read() as session:
        row = session.get(OfficeKeyRow, key_id)
        return None if row is None else row.public_key


def test_a_registered_key_joins_and_is_never_replaced(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    first = entry(FIRST)
    assert apply(workspace, [key_change(1, first)]) == 1
    assert public_key(workspace) == first["public_key"]
    assert apply(workspace, [key_change(2, first)]) == 0  # again: nothing new
    with caplog.at_level(logging.ERROR, logger="clerk.sync"):
        assert apply(workspace, [key_change(3, entry(SECOND, KEY_ID))]) == 0
    assert public_key(workspace) == first["public_key"]
    assert any("held here with another key" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (key_change(1, entry(FIRST), window="SZX0105"), "does not name its window"),
        (key_change(1, entry(FIRST), hall="SZX02"), "not this hall"),
        (key_change(1, {**entry(FIRST), "public_key": "zz"}), "公钥"),
    ],
)
def test_a_key_not_vouched_for_is_refused(
    workspace: Workspace, caplog: pytest.LogCaptureFixture, change: wire.Change, why: str
) -> None:
    with caplog.at_level(logging.ERROR, logger="clerk.sync"):
        assert apply(workspace, [change]) == 0
    assert public_key(workspace) is None
    assert any(why in r.getMessage() for r in caplog.records)
