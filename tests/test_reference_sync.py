"""Catalog versions, calendars and conflict resolutions flowing between a real server (in-process; SQLite and
PostgreSQL) and real windows: published on the server, pulled, applied, used; a corrupted download
refused and fetched again; a supervisor resolving a conflict at a window."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from app.catalog_store import demo_catalog_bytes
from app.clock import Clock
from app.intake import InputError, parse_request
from app.sync.client import SyncError
from app.workspace import Workspace
from tests.helpers import (
    SEAL,
    calendar_json,
    newer_catalog,
    open_demo_workspace,
    request_json,
)
from tests.sync_harness import InProcessServer, in_process_server

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("clerk_env")]

NEW_VERSION = "2026.12-demo.2"


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InProcessServer]:
    yield from in_process_server(request.param, tmp_path)


@pytest.fixture
def sync_transport(server: InProcessServer) -> httpx.BaseTransport:
    """The workspace reaches the server in this process without a socket."""
    return server.transport


def register(
    workspace: Workspace, server: InProcessServer, window: str = "SZX0103", replace: bool = False
) -> None:
    workspace.sync.register(
        server_url=server.url, code=server.enrollment_code(window, hall="SZX01", replace=replace)
    )


def publish(server: InProcessServer, tmp_path: Path, what: str, content: bytes) -> dict[str, object]:
    path = tmp_path / f"{what}-{len(list(tmp_path.iterdir()))}.json"
    path.write_bytes(content)
    answer: dict[str, object] = server.admin(what, "publish", str(path))
    return answer


def save_shot(widget, name: str) -> None:  # type: ignore[no-untyped-def]
    import os

    folder = os.environ.get("CLERK_SCREENSHOTS")
    if folder:
        from PySide6.QtWidgets import QApplication

        QApplication.processEvents()
        Path(folder).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(folder) / f"{name}.png"))


def accept(workspace: Workspace, code: str = SEAL) -> str:
    item = workspace.catalog.item(code)
    assert item is not None
    return workspace.acceptance.accept(parse_request(request_json(item)), counter=workspace.counter("demo"))


def test_catalog_and_calendar_reach_windows_and_are_used(
    workspace: Workspace, server: InProcessServer, tmp_path: Path, clock: Clock
) -> None:
    register(workspace, server)
    before = accept(workspace)
    old_item = workspace.catalog.item(SEAL)
    assert old_item is not None
    # 15 working days from Sunday 2026-12-20 run into 2027, which the package calendar does not know.
    guess = workspace.calendar.add_working_days(date(2026, 12, 20), 15)
    assert guess.uncertain and guess.day == date(2027, 1, 8)

    assert publish(server, tmp_path, "catalog", newer_catalog(NEW_VERSION, revise=SEAL))["new"] is True
    assert publish(server, tmp_path, "calendar", calendar_json())["new"] is True
    report = workspace.sync.sync()
    assert report.catalog_versions == [NEW_VERSION] and report.calendar_years == [2027]
    assert report.acknowledged == 1

    assert workspace.refresh_reference_data() is True
    assert workspace.catalog.version == NEW_VERSION
    new_item = workspace.catalog.item(SEAL)
    assert new_item is not None and new_item.checklist_sha256 != old_item.checklist_sha256
    known = workspace.calendar.add_working_days(date(2026, 12, 20), 15)
    assert not known.uncertain and known.day == date(2027, 1, 11)  # 元旦 2027-01-01 is a rest day
    assert workspace.calendar.is_workday(date(2027, 2, 14))  # a working Sunday
    assert not workspace.calendar.is_workday(date(2027, 2, 8))  # 春节

    # Cases keep the version they were decided under; new ones take the new one.
    assert workspace.cases.find(before).catalog_version == "2026.11-demo.3"  # type: ignore[union-attr]
    after = accept(workspace)
    assert workspace.cases.find(after).catalog_version == NEW_VERSION  # type: ignore[union-attr]
    # A request made against the old checklist is refused, not silently re-read.
    stale = parse_request(request_json(old_item))
    stale = dataclasses.replace(stale, checklist_sha256=old_item.checklist_sha256)
    with pytest.raises(InputError) as refused:
        workspace.acceptance.accept(stale, counter=workspace.counter("demo"))
    assert "材料清单有变化" in str(refused.value.problems[0].message)

    again = workspace.sync.sync()
    assert again.catalog_versions == [] and again.calendar_years == []
    # An amended year replaces the old one at the window.
    amended = calendar_json(workdays=[{"name": "春节", "date": "2027-02-14"}])
    publish(server, tmp_path, "calendar", amended)
    assert workspace.sync.sync().calendar_years == [2027]
    workspace.refresh_reference_data()
    assert not workspace.calendar.is_workday(date(2027, 2, 20))

    # A window enrolled later starts from the beginning of the hall's log and gets everything.
    late = open_demo_workspace(tmp_path / "late", clock=clock)
    try:
        late.settings.set("window_code", "SZX0104")
        register(late, server, window="SZX0104")
        report = late.sync.sync()
        assert report.catalog_versions == [NEW_VERSION] and report.calendar_years == [2027]
        late.refresh_reference_data()
        assert late.catalog.version == NEW_VERSION
        assert not late.calendar.is_workday(date(2027, 2, 20))
    finally:
        late.close()


def test_a_corrupted_catalog_download_is_refused_then_fetched_again(
    workspace: Workspace, server: InProcessServer, tmp_path: Path
) -> None:
    register(workspace, server)
    workspace.sync.sync()
    cursor = workspace.sync.state()["cursor"]
    content = newer_catalog(NEW_VERSION)
    publish(server, tmp_path, "catalog", content)
    engine = create_engine(server.database_url)
    try:
        with engine.begin() as connection:  # the bytes damaged on the way (or on the server's disk)
            connection.execute(
                text("UPDATE catalog_publication SET content = :c WHERE version = :v"),
                {"c": content.replace(b"2026.12-demo.2", b"2026.12-demo.X"), "v": NEW_VERSION},
            )
        with pytest.raises(SyncError) as raised:
            workspace.sync.sync()
        assert raised.value.kind == "protocol" and "校验值不符" in raised.value.message
        assert workspace.sync.state()["cursor"] == cursor  # nothing skipped
        workspace.refresh_reference_data()
        assert workspace.catalog.version == "2026.11-demo.3"
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE catalog_publication SET content = :c WHERE version = :v"),
                {"c": content, "v": NEW_VERSION},
            )
    finally:
        engine.dispose()
    assert workspace.sync.sync().catalog_versions == [NEW_VERSION]
    assert workspace.refresh_reference_data() and workspace.catalog.version == NEW_VERSION


def test_the_demo_catalog_published_by_the_server_is_not_loaded_twice(
    workspace: Workspace, server: InProcessServer
) -> None:
    """`init --demo` publishes the demo catalog every window already has: same bytes, nothing to do."""
    register(workspace, server)
    report = workspace.sync.sync()
    assert report.catalog_versions == [] and workspace.catalog.version == "2026.11-demo.3"
    import hashlib

    with workspace.store.read() as session:
        from db.models import CatalogVersion

        stored = session.query(CatalogVersion).one()
    assert stored.sha256 == hashlib.sha256(demo_catalog_bytes()).hexdigest()


def _make_conflict(
    workspace: Workspace, server: InProcessServer, twin: Workspace, neighbour: Workspace
) -> str:
    """A second PC wrongly set up as window SZX0103 (hall IT enrolled it as a replacement): its first case
    number is refused, a conflict for the hall. Then the real PC is enrolled again, and a neighbouring
    window of the hall has synced the conflict too."""
    register(workspace, server)
    number = accept(workspace)
    workspace.sync.sync()
    register(twin, server, replace=True)
    accept(twin)
    twin.sync.sync()
    register(workspace, server, replace=True)
    neighbour.settings.set("window_code", "SZX0104")
    register(neighbour, server, window="SZX0104")
    neighbour.sync.sync()
    return number


def test_a_supervisor_resolves_a_conflict_at_the_window(
    window,  # type: ignore[no-untyped-def]
    qtbot,
    workspace: Workspace,
    server: InProcessServer,
    tmp_path: Path,
    clock: Clock,
) -> None:
    twin = open_demo_workspace(tmp_path / "twin", clock=clock)
    neighbour = open_demo_workspace(tmp_path / "neighbour", clock=clock)
    try:
        number = _make_conflict(workspace, server, twin, neighbour)
        with qtbot.waitSignal(window.sync.synced, timeout=20_000):
            window.sync.sync_now()
        assert window.sync_status.conflicts_button.text() == "冲突 1 件"
        window.sync_status.conflicts_button.click()
        dialog = window.sync_status.conflicts_dialog
        assert dialog is not None and dialog.table.rowCount() == 1
        assert dialog.cell_text(0, 0) == number and dialog.cell_text(0, 4) == "未处理"
        assert dialog.resolve_button.isEnabled()

        def open_resolve():  # type: ignore[no-untyped-def]
            dialog.resolve_button.click()
            assert dialog.resolve_dialog is not None
            return dialog.resolve_dialog

        # A clerk's own password, or a wrong one, is not a supervisor's: nothing is sent.
        resolve = open_resolve()
        resolve.confirm()
        assert "请填写处理意见" in resolve.error.text()
        resolve.resolution.setPlainText("经核实：另一台电脑误设为 SZX0103，已改正窗口编码，其办件重新编号")
        resolve.login.setText("demo")
        resolve.password.setText("demo1234")
        with qtbot.waitSignal(resolve.checked):  # the password is checked on the database lane
            resolve.confirm()
        assert "不是值班主任" in resolve.error.text() and resolve.isVisible()
        resolve.login.setText("zhuren")
        resolve.password.setText("wrong")
        with qtbot.waitSignal(resolve.checked):
            resolve.confirm()
        save_shot(dialog, "conflicts")
        save_shot(resolve, "conflict-resolve-refused")
        assert "不是值班主任" in resolve.error.text() and resolve.password.text() == ""
        assert len(server.admin("conflicts")) == 1

        # Offline: the conflict lives on the server; nothing is marked here.
        server.stop()
        resolve.password.setText("demo1234")
        resolve.confirm()
        qtbot.waitUntil(lambda: "无法连接服务器" in dialog.message.text(), timeout=20_000)
        assert dialog.cell_text(0, 4) == "未处理"
        server.start()

        resolve = open_resolve()
        resolve.resolution.setPlainText("经核实：另一台电脑误设为 SZX0103，已改正窗口编码，其办件重新编号")
        resolve.login.setText("zhuren")
        resolve.password.setText("demo1234")
        resolve.confirm()
        qtbot.waitUntil(lambda: "已记录处理结果" in dialog.message.text(), timeout=20_000)
        save_shot(dialog, "conflict-resolved")
        assert dialog.cell_text(0, 4).startswith("已由陈建国（SZX0103 窗口）处理：经核实")
        assert not dialog.resolve_button.isEnabled()
        assert server.admin("conflicts") == []
        [resolved] = server.admin("conflicts", "--all")
        assert resolved["resolved_by"] == "陈建国（zhuren@SZX0103）" and resolved["resolution"].startswith(
            "经核实"
        )
        dialog.close()
        assert not window.sync_status.conflicts_button.isVisible()

        # The other windows of the hall learn the resolution by pull.
        assert len(neighbour.sync.conflicts()) == 1
        neighbour.sync.sync()
        assert neighbour.sync.conflicts() == []
        [theirs] = neighbour.sync.conflicts(unresolved_only=False)
        assert theirs["resolved_by"] == "陈建国（zhuren@SZX0103）" and theirs["resolution"].startswith(
            "经核实"
        )
    finally:
        twin.close()
        neighbour.close()


def test_the_window_takes_a_new_catalog_between_the_clerks_actions(
    window,  # type: ignore[no-untyped-def]
    qtbot,
    workspace: Workspace,
    server: InProcessServer,
    tmp_path: Path,
) -> None:
    from PySide6.QtCore import Qt

    from tests.helpers import COMPANY, PLANNING
    from tests.test_main_window import accept_by_keyboard, fill_company_with_agent, shot

    register(workspace, server)
    fill_company_with_agent(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F9)  # everything handed over
    assert window.decision.outcome.text() == "受理"
    ticked = {row.material.code: row.received for row in window.checklist.rows()}
    focused = window.focusWidget()

    # Meanwhile the region revises this item's checklist; the background round brings it in.
    publish(server, tmp_path, "catalog", newer_catalog(NEW_VERSION, revise=PLANNING))
    with qtbot.waitSignal(window.reference.applied, timeout=20_000):  # read on the database lane, used
        window.sync.sync_now()
    assert workspace.catalog.version == NEW_VERSION
    assert window.item is not None and window.item.catalog_version == NEW_VERSION
    assert "材料清单有变化" in window.catalog_notice.text() and window.catalog_notice.isVisible()
    assert "事项目录已更新为 2026.12-demo.2" in window.statusBar().currentMessage()
    assert window.intake.name.text() == COMPANY["name"]  # what the clerk typed stays
    assert window.focusWidget() is focused  # and so does the cursor
    assert window.decision.outcome.text() == "补正告知"  # the revised material is unticked, to check again
    rows = {row.material.code: row for row in window.checklist.rows()}
    revised = [row for row in rows.values() if "2026.12-demo.2 修订" in row.material.standard]
    assert len(revised) == 1 and not revised[0].received  # the revised one to check again
    assert all(
        row.received == ticked[code] for code, row in rows.items() if row not in revised
    )  # the rest stay
    shot(window, "catalog-updated")
    qtbot.keyClick(window, Qt.Key.Key_F9)
    assert window.decision.outcome.text() == "受理"
    number = accept_by_keyboard(qtbot, window)
    assert workspace.cases.find(number).catalog_version == NEW_VERSION  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: window.preview is not None)
    window.preview.reject()

    # A saved case on screen is not reopened by a later version. (The save asked for a round soon: once that
    # one is done, "sync now" starts the round that brings the new version.)
    qtbot.waitUntil(lambda: not window.sync.running, timeout=20_000)
    publish(server, tmp_path, "catalog", newer_catalog("2026.12-demo.3", "2026-11-22", revise=PLANNING))
    with qtbot.waitSignal(window.reference.applied, timeout=20_000):
        window.sync.sync_now()
    assert workspace.catalog.version == "2026.12-demo.3"
    assert not window.decision.accept_button.isEnabled() and number in window.decision.saved.text()


def test_a_certificate_issued_elsewhere_reaches_the_window_holding_the_case(
    workspace: Workspace, server: InProcessServer, tmp_path: Path, clock: Clock
) -> None:
    """Another PC of the window (a copy of its database, registered as the window while this PC was away)
    approves and issues; back on this PC, the window receives the certificate by pull, verified against the
    key it carries, and can hand it over (出件). Only the window holding a case records its events: a back
    office of its own waits for issue 13."""
    import sqlite3

    from app.workspace import DATABASE_NAME
    from db.models import Certificate

    register(workspace, server)
    number = accept(workspace)
    workspace.sync.sync()
    office_home = tmp_path / "backoffice"
    office_home.mkdir()
    source = sqlite3.connect(workspace.home / DATABASE_NAME)
    copy = sqlite3.connect(office_home / DATABASE_NAME)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    office = open_demo_workspace(office_home, clock=clock)
    try:
        register(office, server, replace=True)
        approval = office.certificates.approve(number, approver=office.counter("shenpi"))
        assert office.sync.sync().acknowledged == 1
    finally:
        office.close()

    register(workspace, server, replace=True)
    report = workspace.sync.sync()
    assert report.applied >= 1
    assert workspace.cases.find(number).status == "approved"  # type: ignore[union-attr]
    with workspace.store.read() as session:
        stored = session.query(Certificate).filter_by(case_number=number).one()
        assert (stored.certificate_id, stored.qr_text) == (approval.certificate_id, approval.qr_text)
        # 公章刻制备案 gives a 备案回执, no licence: no validity; its template travels and is stored.
        assert stored.valid_until is None and stored.holder_id_masked.count("*") >= 8
        assert stored.licence_type == "result" and json.loads(stored.licence_fields or "") == {}
    # Pulling again stores nothing twice.
    workspace.sync.sync()
    with workspace.store.read() as session:
        assert session.query(Certificate).filter_by(case_number=number).count() == 1
    workspace.certificates.hand_over(
        number,
        clerk=workspace.counter("demo"),
        recipient_name="李𠮷䶮",
        recipient_id_number="440524188001010014",
    )
    workspace.sync.sync()
    assert workspace.cases.find(number).status == "delivered"  # type: ignore[union-attr]
    # One issue, one hand-over: nothing to resolve about the case. The back office ran on a copy of this
    # window's database, so the window's hash chain forked: that, and only that, is listed.
    assert {c["reason"] for c in server.admin("conflicts", "--all")} == {"chain_break"}


def test_clerk_sync_reports_new_reference_data(
    workspace: Workspace, server: InProcessServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    register(workspace, server)
    publish(server, tmp_path, "catalog", newer_catalog(NEW_VERSION))
    publish(server, tmp_path, "calendar", calendar_json())
    assert main(["--home", str(workspace.home), "sync"]) == 0
    out = capsys.readouterr().out
    assert f"事项目录已更新：{NEW_VERSION}" in out and "已收到节假日安排：2027 年" in out
    assert main(["--home", str(workspace.home), "sync"]) == 0
    assert "事项目录已更新" not in capsys.readouterr().out


def test_cases_of_other_windows_are_known_to_the_hall(
    window,  # type: ignore[no-untyped-def]
    qtbot,
    workspace: Workspace,
    server: InProcessServer,
    tmp_path: Path,
    clock: Clock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An applicant who accepted at SZX0104 asks at SZX0103: the window answers from the hall's index
    (who, when, what, status), which follows decisions made later; the case itself stays at its window."""
    from app.case_number import CaseNumberError
    from app.cli import main

    register(workspace, server)
    neighbour = open_demo_workspace(tmp_path / "neighbour", clock=clock)
    try:
        neighbour.settings.set("window_code", "SZX0104")
        register(neighbour, server, window="SZX0104")
        number = accept(neighbour)
        neighbour.sync.sync()
        with qtbot.waitSignal(window.sync.synced, timeout=20_000):
            window.sync.sync_now()
        assert workspace.cases.find(number) is None
        known = workspace.cases.find_in_hall(number)
        assert known is not None
        assert (known.window_code, known.status, known.item_code, known.received_on) == (
            "SZX0104",
            "accepted",
            SEAL,
            date(2026, 11, 20),
        )
        neighbour.certificates.approve(number, approver=neighbour.counter("shenpi"))
        neighbour.sync.sync()
        workspace.sync.sync()
        assert workspace.cases.find_in_hall(number).status == "approved"  # type: ignore[union-attr]
        assert main(["--home", str(workspace.home), "--json", "case", "show", number]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert shown["elsewhere"] is True and shown["status_label"] == "准予许可，待领取"
        # Acting on it is for the window that holds it: refused, naming that window.
        handover = [
            "case",
            "handover",
            number,
            "--recipient",
            "李𠮷䶮",
            "--recipient-id",
            "440524188001010014",
        ]
        for action in (
            handover,
            ["case", "approve", number, "--clerk", "shenpi"],
            ["print", "receipt", number, "-o", "r.pdf"],
        ):
            assert main(["--home", str(workspace.home), *action]) == 1
            assert "由 SZX0104 窗口受理，不在本窗口" in capsys.readouterr().err
        # At the window, the case is fetched whole from the server when opened (窗口统一出件, the back
        # office): its dialog opens here with the status the neighbour's approval gave it.
        window.case_lookup.setText(number)
        window.lookup_case()
        qtbot.waitUntil(lambda: window.case_dialog is not None, timeout=20_000)
        assert window.case_dialog is not None and window.case_dialog.case.number == number
        assert window.case_dialog.case.status == "approved" and workspace.cases.find(number) is not None
        save_shot(window.case_dialog, "case-of-another-window-fetched")
        window.case_dialog.close()
        # A mistyped number is still refused as such, never taken for another case.
        with pytest.raises(CaseNumberError):
            workspace.cases.find_in_hall(number[:-1] + ("A" if number[-1] != "A" else "B"))
        # The neighbour's own echo is not mirrored back into its index.
        assert neighbour.cases.find_in_hall(number) is None
    finally:
        neighbour.close()
