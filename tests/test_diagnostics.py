"""The log file in the data folder (identifiers masked, rotated) and the crash report the CLI writes."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import app.cli
from app import __version__
from app.diagnostics import mask_identifiers, start_logging

RESIDENT = "11010519491231002X"
ORGANIZATION = "91310110666007217T"
MOBILE = "13812345678"


def test_log_file_masks_resident_ids_credit_codes_and_phones(home: Path) -> None:
    program_log = start_logging(home=home, program="window")
    try:
        logging.getLogger("clerk.test").info("申请人 %s，单位 %s，电话 %s", RESIDENT, ORGANIZATION, MOBILE)
        logging.getLogger("clerk.test").warning(f"代理人 {RESIDENT.lower()}（+86 {MOBILE}）座机 028-61881234")
        try:
            raise ValueError(f"身份证号码 {RESIDENT} 无效")
        except ValueError:
            logging.getLogger("clerk.test").exception("办件 SZX0103-20261120-0001Y 未保存")
    finally:
        program_log.close()
    text = (home / "logs" / "window.log").read_text(encoding="utf-8")
    assert len(text.splitlines()) >= 4
    for value in (RESIDENT, RESIDENT.lower(), ORGANIZATION, MOBILE, "61881234"):
        assert value not in text
    assert "110105********002X" in text and "913101********217T" in text and "138****5678" in text
    assert "ValueError: 身份证号码 110105********002X 无效" in text  # the traceback too
    assert "SZX0103-20261120-0001Y" in text  # case numbers stay readable


def test_masking_leaves_other_numbers_alone() -> None:
    digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    line = f"SZX0103-20261120-0001Y catalog 2026.11-demo.3 sha256 {digest} port 8765 at 20261120T101010"
    assert mask_identifiers(line) == line


def test_log_file_rotates_and_keeps_a_few(home: Path) -> None:
    program_log = start_logging(home=home, program="clerk", max_bytes=2_000, backups=2)
    try:
        for number in range(400):
            logging.getLogger("clerk.test").info("line %d", number)
    finally:
        program_log.close()
    assert sorted(path.name for path in (home / "logs").iterdir()) == [
        "clerk.log",
        "clerk.log.1",
        "clerk.log.2",
    ]
    assert "line 399" in (home / "logs" / "clerk.log").read_text(encoding="utf-8")


def test_logging_leaves_the_root_logger_as_it_found_it(home: Path) -> None:
    root = logging.getLogger()
    before = (root.level, list(root.handlers))
    start_logging(home=home, program="clerk").close()
    assert (root.level, list(root.handlers)) == before
    assert not (home / "logs").exists()  # nothing was logged: no folder made


def test_cli_bug_writes_a_crash_report_with_the_log_tail(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(args: object, out: object) -> int:
        logging.getLogger("clerk.cli").info("checking %s", RESIDENT)
        raise RuntimeError(f"a bug while checking {RESIDENT}")

    monkeypatch.setattr(app.cli, "_id_check", broken)
    assert app.cli.main(["--home", str(home), "id", "check", RESIDENT]) == app.cli.EXIT_BUG
    err = capsys.readouterr().err
    reports = list((home / "crash-reports").iterdir())
    assert len(reports) == 1 and str(reports[0]) in err
    report = reports[0].read_text(encoding="utf-8")
    assert f"clerk {__version__}" in report
    assert "RuntimeError: a bug while checking 110105********002X" in report
    assert "checking 110105********002X" in report.split("日志")[-1]  # the log's last lines
    assert RESIDENT not in report and RESIDENT not in err
    assert "RuntimeError" in (home / "logs" / "clerk.log").read_text(encoding="utf-8")
    assert "Traceback" not in err  # stderr says where the report is; the traceback is in the report


def test_a_data_folder_that_cannot_be_written_gets_no_log_and_no_noise(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_a_folder = tmp_path / "home"
    not_a_folder.write_text("a file where the data folder should be", encoding="utf-8")
    program_log = start_logging(home=not_a_folder, program="clerk")
    try:
        logging.getLogger("clerk.test").info("one")
        logging.getLogger("clerk.test").info("two")
    finally:
        program_log.close()
    assert capsys.readouterr().err == ""
