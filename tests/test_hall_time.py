"""Every time a person reads is hall time (China Standard Time); stored and `--json` times stay UTC."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app.certificates import CertificateError
from app.cli import main
from app.clock import Clock, fixed_clock, hall_time, hall_time_text
from app.documents.content import DocumentKind
from app.intake import parse_request
from app.workspace import Workspace
from tests.documents_helpers import needs_poppler, read_back
from tests.helpers import AGENT, PLANNING, PLANNING_FIELDS, request_json
from tests.server_fixtures import Target, run, run_json, target_fixture  # noqa: F401 (fixtures)
from ui.main_window import MainWindow
from ui.models import CaseColumn

pytestmark = pytest.mark.usefixtures("clerk_env")  # `clerk` acts as the demo clerk

MOMENT = datetime(2026, 12, 1, 18, 56, tzinfo=UTC)  # 2026-12-02 02:56 at the hall


@pytest.fixture
def clock() -> Clock:
    return fixed_clock(MOMENT)


def accepted_and_printed(workspace: Workspace, tmp_path: Path) -> str:
    counter = workspace.counter("demo")
    planning = workspace.catalog.item(PLANNING)
    assert planning is not None
    number = workspace.acceptance.accept(parse_request(request_json(planning)), counter=counter)
    receipt = workspace.documents.prepare(DocumentKind.RECEIPT, number, counter=counter)
    workspace.documents.export(receipt, tmp_path / "receipt.pdf", counter=counter)
    return number


def test_hall_time_reads_every_stored_form() -> None:
    expected = datetime(2026, 12, 2, 2, 56, tzinfo=timezone(timedelta(hours=8)))
    for stored in (
        MOMENT,
        MOMENT.replace(tzinfo=None),  # naive UTC, as the databases keep it
        "2026-12-01T18:56:00Z",
        "2026-12-01T18:56:00.000Z",
        "2026-12-01T18:56:00+00:00",
        "2026-12-02T02:56:00+08:00",
        "2026-12-01T18:56:00",
    ):
        assert hall_time(stored) == expected, stored
        assert hall_time_text(stored) == "2026-12-02 02:56"
    assert hall_time_text(MOMENT, style="short") == "12-02 02:56"
    assert hall_time_text(MOMENT, style="clock") == "02:56"
    assert hall_time_text(MOMENT, style="document") == "2026年12月2日 02:56"
    with pytest.raises(ValueError):
        hall_time("yesterday")


def test_the_window_shows_hall_time(
    window: MainWindow, qtbot: QtBot, workspace: Workspace, tmp_path: Path
) -> None:
    number = accepted_and_printed(workspace, tmp_path)
    with qtbot.waitSignal(window.todays_cases.refreshed, timeout=20_000):
        window.refresh_cases()
    assert window.cases_model.index(0, CaseColumn.TIME).data() == "02:56"
    with qtbot.waitSignal(window.lookup.opened, timeout=20_000):
        window.show_case(number)
    assert window.case_dialog is not None
    history = window.case_dialog.findChild(QLabel, "printHistory")
    assert history is not None
    assert "2026-12-02 02:56" in history.text() and "18:56" not in history.text()


def test_the_cli_shows_hall_time_and_json_keeps_utc(
    workspace: Workspace, tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    number = accepted_and_printed(workspace, tmp_path)
    assert main(["--home", str(home), "case", "show", number]) == 0
    out = capsys.readouterr().out
    assert "受理时间 2026-12-02 02:56" in out
    assert "2026-12-02 02:56  受理通知书" in out and "18:56" not in out
    assert main(["--home", str(home), "case", "show", number, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["created_at"] == "2026-12-01T18:56:00Z"


@needs_poppler
def test_documents_print_hall_time(workspace: Workspace, tmp_path: Path) -> None:
    number = accepted_and_printed(workspace, tmp_path)
    counter = workspace.counter("demo")
    again = workspace.documents.prepare(
        DocumentKind.RECEIPT, number, counter=counter, reprint_reason="申请人遗失"
    )
    text = "".join(read_back(again.pdf, tmp_path / "again").text.split())
    assert "受理时间2026年12月2日02:56" in text
    assert "补打：2026年12月2日02:56" in text and "18:56" not in text
    workspace.certificates.approve(number, approver=counter, fields=PLANNING_FIELDS)
    workspace.certificates.hand_over(
        number, clerk=counter, recipient_name=AGENT["name"], recipient_id_number=AGENT["id_number"]
    )
    pickup = workspace.documents.prepare(DocumentKind.PICKUP_RECEIPT, number, counter=counter)
    text = "".join(read_back(pickup.pdf, tmp_path / "pickup").text.split())
    assert "领取时间" in text and "2026年12月2日02:56" in text  # read in columns: label and value apart
    with pytest.raises(CertificateError, match="已于 2026-12-02 02:56 交付"):
        workspace.certificates.hand_over(
            number, clerk=counter, recipient_name=AGENT["name"], recipient_id_number=AGENT["id_number"]
        )


def test_the_server_cli_shows_hall_time(capsys: pytest.CaptureFixture[str], target: Target) -> None:
    run_json(capsys, target, "init", "--demo")
    (catalog,) = run_json(capsys, target, "catalog", "list")
    assert catalog["published_at"].endswith("Z")  # --json keeps UTC ISO 8601
    code, out, _ = run(capsys, target, "catalog", "list")
    assert code == 0 and f"发布于 {hall_time_text(catalog['published_at'])}" in out
    issued = run_json(capsys, target, "enroll-code", "--hall", "SZX01", "--window", "SZX0103")
    assert issued["expires_at"].endswith("Z")
    code, out, _ = run(capsys, target, "enroll-code", "--hall", "SZX01", "--window", "SZX0104")
    expires = datetime.fromisoformat(issued["expires_at"])  # the second code expires within the same minute
    shown = {hall_time_text(expires + timedelta(minutes=m)) for m in (0, 1)}
    assert code == 0 and "UTC" not in out and any(f"有效期至 {t}" in out for t in shown)
