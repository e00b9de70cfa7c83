"""A helper's draft (帮办预审) and its hand-off code: prepared offline on a helper's PC, read at a window of
the same hall that holds the helper PC's key as sync delivers it; every bad code refused with a message and
nothing filled in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pypdfium2
import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.accounts.demo import DEMO_PASSWORD
from app.catalog import ApplicantKind, Material, Necessity
from app.catalog_store import demo_catalog_bytes, load_catalog
from app.clock import Clock
from app.completeness import applicable_materials
from app.helpers.drafts import DraftError, canonical_bytes, draft_from_bytes, held_draft, save_draft
from app.helpers.handoff import (
    MAX_HANDOFF_CHARS,
    NOT_SYNCED_MESSAGE,
    HandoffStatus,
    read_at_window,
    reference_code,
)
from app.helpers.revocations import revoke_key
from app.helpers.service import HelperService, PreparedSheet
from app.intake import parse_request
from app.scanning.image_codes import codes_in_image
from app.scanning.keystrokes import ScanTiming
from app.scanning.routing import LoadDraft
from app.seal import OfficeKey, base32_decode, base32_encode, stored_entry
from app.sync.pulled_keys import join_directory
from app.workspace import Workspace, secret_store
from db.models import Case, CaseEvent
from db.models import OfficeKey as OfficeKeyRow
from tests.helpers import PASSPORT, PERSON, PLANNING, open_demo_workspace, request_json
from tests.test_scan_window import focus_name, scan
from ui.main_window import MainWindow

HELPER_WINDOW = "SZX0109"
PLANNING_BODY = "11510100MB1C5E420M"


def open_helper_workspace(home: Path, *, clock: Clock) -> Workspace:
    """A second PC of the demo hall, registered as window SZX0109: the help desk's laptop."""
    return open_demo_workspace(home, clock=clock, secrets_in_file=True, window_code=HELPER_WINDOW)


@pytest.fixture(name="helper_ws")
def helper_ws_fixture(tmp_path: Path, clock: Clock) -> Iterator[Workspace]:
    """A helper's laptop: a demo folder of the helper PC's window, its secrets in its own file."""
    home = tmp_path / "helper"
    home.mkdir()
    ws = open_helper_workspace(home, clock=clock)
    yield ws
    ws.close()


def helper_service(ws: Workspace) -> HelperService:
    return HelperService(
        store=ws.store, catalog=ws.catalog, secrets=secret_store(ws.home, ws.settings), clock=ws.clock
    )


def prepare(ws: Workspace, code: str = PLANNING, *, skip: tuple[str, ...] = ()) -> PreparedSheet:
    item = ws.catalog.item(code)
    assert item is not None
    data = request_json(item, applicant=PERSON, agent=None, skip=skip)
    signed = ws.sign_in("bangban", DEMO_PASSWORD)
    return helper_service(ws).prepare(parse_request(data), helper=ws.counter(signed.login))


def first_required(ws: Workspace) -> Material:
    item = ws.catalog.item(PLANNING)
    assert item is not None
    applicable = applicable_materials(item, applicant_kind=ApplicantKind.PERSON, has_agent=False)
    return next(m for m in applicable if m.necessity is Necessity.REQUIRED)


def deliver_keys(helper: Workspace, window: Workspace) -> None:
    """The helper PC's keys into the window's key directory, the way sync brings a registered key."""
    with helper.store.read() as session:
        entries = [stored_entry(row) for row in session.query(OfficeKeyRow).all()]
    with window.store.write() as session:
        for entry in entries:
            join_directory(session, entry, where="test", refuse=pytest.fail)


def long_scans(window: MainWindow) -> None:
    """The window's scan timing as calibrated for a scanner typing a long code: the test types about 1,000
    keys one by one, and on a busy machine a gap between two of them can pass the default 35 ms (a split
    code is refused as damaged, which is right, but not what these tests are about)."""
    window.scan_input.set_timing(ScanTiming(max_interval_ms=300, end_pause_ms=600))


def read(window: Workspace, text: str):  # type: ignore[no-untyped-def]
    hall, _code = window.check_window()
    return read_at_window(text, store=window.store, catalog=window.catalog, hall=hall)


def test_a_draft_read_at_another_window_of_the_hall(helper_ws: Workspace, workspace: Workspace) -> None:
    skipped = first_required(helper_ws)
    sheet = prepare(helper_ws, skip=(skipped.code,))
    draft = sheet.prepared.draft
    assert sheet.code.startswith("WCH1:") and len(sheet.code) <= MAX_HANDOFF_CHARS
    assert draft.device == HELPER_WINDOW and draft.helper_login == "bangban"
    assert any(skipped.name in line for line in sheet.prepared.to_bring)  # the gap is listed
    assert held_draft(helper_ws.store, draft.draft_id) is not None  # kept on the helper's PC
    deliver_keys(helper_ws, workspace)
    loaded = read(workspace, sheet.code)
    assert loaded.status is HandoffStatus.LOADED, loaded.message
    assert loaded.draft == draft and loaded.changes is None
    assert "孙丽" in loaded.message


def test_unknown_key_revoked_key_altered_and_truncated(helper_ws: Workspace, workspace: Workspace) -> None:
    sheet = prepare(helper_ws)
    unknown = read(workspace, sheet.code)
    assert unknown.status is HandoffStatus.UNKNOWN_KEY and "未知设备" in unknown.message
    deliver_keys(helper_ws, workspace)

    raw = bytearray(base32_decode(sheet.code[5:]))
    raw[len(raw) // 2] ^= 0x01  # one byte altered
    altered = read(workspace, "WCH1:" + base32_encode(bytes(raw)))
    assert altered.status is HandoffStatus.ALTERED and "签名不符" in altered.message and altered.draft is None

    for cut in (sheet.code[:-7], sheet.code[:40], "WCH1:"):
        truncated = read(workspace, cut)
        assert truncated.status in (HandoffStatus.MALFORMED, HandoffStatus.ALTERED), cut
        assert "未填入任何内容" in truncated.message and truncated.draft is None

    assert read(workspace, sheet.code.lower()).status is HandoffStatus.LOADED  # a scanner that lowercases
    key_id = read(workspace, sheet.code).key_id
    assert key_id is not None
    revoke_key(workspace.store, key_id=key_id, reason="帮办笔记本电脑遗失", now=workspace.clock.now())
    revoked = read(workspace, sheet.code)
    assert revoked.status is HandoffStatus.REVOKED and "帮办笔记本电脑遗失" in revoked.message


def test_a_certificate_signature_is_no_handoff_signature(helper_ws: Workspace, workspace: Workspace) -> None:
    """The same key, another purpose: a hand-off body signed without the hand-off prefix does not verify."""
    sheet = prepare(helper_ws)
    deliver_keys(helper_ws, workspace)
    raw = base32_decode(sheet.code[5:])
    secrets = secret_store(helper_ws.home, helper_ws.settings)
    key_id = read(workspace, sheet.code).key_id
    assert key_id is not None
    private = secrets.get(f"office-key:{key_id}")
    assert private is not None
    key = OfficeKey.from_private_bytes(
        bytes.fromhex(private), key_id=key_id, office_code="11510100MB1C5E420M"
    )
    message = raw[:-64]
    forged = "WCH1:" + base32_encode(message + key.private_key.sign(message))
    assert read(workspace, forged).status is HandoffStatus.ALTERED


def test_item_not_handled_by_this_hall(helper_ws: Workspace, workspace: Workspace) -> None:
    sheet = prepare(helper_ws, PASSPORT)
    deliver_keys(helper_ws, workspace)
    result = read(workspace, sheet.code)
    assert result.status is HandoffStatus.NOT_HANDLED and "不由本大厅受理" in result.message


def test_by_reference_needs_the_draft_synced(helper_ws: Workspace, workspace: Workspace) -> None:
    sheet = prepare(helper_ws)
    draft = sheet.prepared.draft
    secrets = secret_store(helper_ws.home, helper_ws.settings)
    deliver_keys(helper_ws, workspace)
    key_id = read(workspace, sheet.code).key_id
    assert key_id is not None
    private = secrets.get(f"office-key:{key_id}")
    assert private is not None
    key = OfficeKey.from_private_bytes(
        bytes.fromhex(private), key_id=key_id, office_code="11510100MB1C5E420M"
    )
    code = reference_code(draft, key=key)
    assert len(code) < 250  # id, hash and signature only
    waiting = read(workspace, code)
    assert waiting.status is HandoffStatus.NOT_SYNCED and NOT_SYNCED_MESSAGE in waiting.message
    save_draft(workspace.store, draft)  # what the draft's sync will do
    loaded = read(workspace, code)
    assert loaded.status is HandoffStatus.LOADED and loaded.by_reference and loaded.draft == draft


def test_a_draft_of_an_older_catalog_version_is_rechecked(helper_ws: Workspace, workspace: Workspace) -> None:
    sheet = prepare(helper_ws)
    deliver_keys(helper_ws, workspace)
    data = json.loads(demo_catalog_bytes())
    data["version"], data["published"] = "2026.12-demo.3", "2026-11-22"
    [item] = [i for i in data["items"] if i["code"] == PLANNING]
    first, removed = item["materials"][0], item["materials"][-1]
    item["materials"] = item["materials"][:-1]
    # A bundle that shares the removed material would no longer load: the newer catalog drops it from them.
    for bundle in data.get("bundles", []):
        for shared in bundle["shared"]:
            shared["materials"] = [
                m for m in shared["materials"] if (m["item"], m["material"]) != (PLANNING, removed["code"])
            ]
        bundle["shared"] = [shared for shared in bundle["shared"] if len(shared["materials"]) >= 2]
    extra = dict(first, code="M90", name="建设项目环境影响登记表", necessity="required", sort=99)
    item["materials"].append(extra)
    first["necessity"] = "tolerable" if first["necessity"] == "required" else "required"
    load_catalog(workspace.store, json.dumps(data, ensure_ascii=False).encode(), now=workspace.clock.now())
    workspace.refresh_reference_data()
    result = read(workspace, sheet.code)
    assert result.status is HandoffStatus.LOADED, result.message
    changes = result.changes
    assert changes is not None and changes.any
    assert [m.code for m in changes.added] == ["M90"]
    assert [m.code for m in changes.removed] == [removed["code"]]
    assert [now.code for _then, now in changes.necessity_changed] == [first["code"]]
    text = "\n".join(changes.lines())
    assert "新增材料：建设项目环境影响登记表" in text and "必要性变化" in text


def test_draft_content_is_checked_strictly() -> None:
    with pytest.raises(DraftError):
        draft_from_bytes(b'{"format": 1}')
    with pytest.raises(DraftError):
        draft_from_bytes(b"not json")


def test_canonical_bytes_round_trip(helper_ws: Workspace) -> None:
    draft = prepare(helper_ws).prepared.draft
    assert draft_from_bytes(canonical_bytes(draft)) == draft


# -- the Show item: the sheet printed, scanned at 200 dpi, typed into a real window, the case accepted -----
def test_sheet_scanned_into_a_window_accepts_the_case_with_the_helper(
    helper_ws: Workspace, workspace: Workspace, window: MainWindow, qtbot: QtBot
) -> None:
    sheet = prepare(helper_ws)  # offline: no server anywhere in this test
    assert not sheet.sheet.warnings
    pdf = pypdfium2.PdfDocument(sheet.sheet.data)
    page = pdf[0]
    text = page.get_textpage().get_text_range()
    assert "帮办预审单" in text and "不是受理决定" in text and "孙丽" in text
    assert PERSON["id_number"] not in text  # masked, as on every document
    image = page.render(scale=200 / 72).to_pil()
    found = [code.text for code in codes_in_image(image)]
    assert found == [sheet.code]

    deliver_keys(helper_ws, workspace)
    focus_name(qtbot, window)
    long_scans(window)
    route = scan(qtbot, window, found[0])
    assert isinstance(route, LoadDraft)
    assert window.last_handoff is not None and window.last_handoff.status is HandoffStatus.LOADED
    assert window.intake.name.text() == PERSON["name"]
    assert window.intake.id_number.text() == PERSON["id_number"]
    assert window.counter_flow.item is not None and window.counter_flow.item.code == PLANNING
    request = window.counter_flow.current_request()
    assert request is not None and request.prepared_by == sheet.prepared.draft.prepared_by
    assert request.materials == sheet.prepared.draft.request.materials
    evaluation = window.counter_flow.evaluation
    assert evaluation is not None and str(evaluation.result.outcome) == "accepted"  # nothing decided yet
    assert not window.counter_flow.case_saved

    with qtbot.waitSignal(window.counter_flow.saved, timeout=20_000):
        window.counter_flow.accept_case()
    number = window.counter_flow.last_case_number
    assert number is not None
    with workspace.store.read() as session:
        case = session.scalars(select(Case).where(Case.number == number)).one()
        assert case.prepared_by == {
            "login": "bangban",
            "name": "孙丽",
            "draft_id": sheet.prepared.draft.draft_id,
        }
        payload = session.scalars(select(CaseEvent.payload).where(CaseEvent.case_number == number)).first()
    assert payload is not None and payload["prepared_by"]["login"] == "bangban"


def test_a_bad_sheet_fills_nothing(helper_ws: Workspace, window: MainWindow, qtbot: QtBot) -> None:
    sheet = prepare(helper_ws)  # the window never received the helper PC's key
    focus_name(qtbot, window)
    long_scans(window)
    scan(qtbot, window, sheet.code)
    assert window.last_handoff is not None and window.last_handoff.status is HandoffStatus.UNKNOWN_KEY
    assert window.intake.name.text() == "" and window.counter_flow.item is None
    assert window.last_message is not None and "未知设备" in window.last_message.text()
