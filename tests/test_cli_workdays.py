"""`clerk workdays add` and `clerk workdays between` on a real window folder: the 2025–2026 holidays, bad
command lines (exit 2), no one signed in; past 2026 uncertain until a real server (in-process, over its
loopback address) publishes 2027 and `clerk sync` brings it, then certain and honouring the 2027 holidays."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.clock import Clock
from app.workspace import Workspace
from tests.helpers import calendar_json, open_demo_workspace
from tests.sync_harness import InProcessServer, in_process_server
from tests.test_reference_sync import publish, register

UNCERTAIN_2027 = "警告：本窗口没有 2027 年的节假日安排"


@pytest.fixture
def no_one_signed_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """No login in the environment and no terminal to ask at: a command that needed someone would fail."""
    monkeypatch.delenv("CLERK_LOGIN", raising=False)
    monkeypatch.delenv("CLERK_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)


def clerk(capsys: pytest.CaptureFixture[str], workspace: Workspace, *args: str) -> tuple[int, str, str]:
    code = main(["--home", str(workspace.home), *args])
    out, err = capsys.readouterr()
    return code, out, err


def clerk_json(capsys: pytest.CaptureFixture[str], workspace: Workspace, *args: str) -> tuple[Any, str]:
    code, out, err = clerk(capsys, workspace, "workdays", *args, "--json")
    assert code == 0, err
    return json.loads(out), err


@pytest.mark.usefixtures("no_one_signed_in")
def test_add_and_between_across_the_holidays_with_no_one_signed_in(
    capsys: pytest.CaptureFixture[str], workspace: Workspace
) -> None:
    # 2026 国庆 10-01..07; Saturday 10-10 a working day.
    code, out, err = clerk(capsys, workspace, "workdays", "add", "2026-09-30", "3")
    assert (code, err) == (0, "") and out.startswith("2026-10-10：") and "第 3 个工作日" in out
    data, err = clerk_json(capsys, workspace, "add", "2026-09-30", "3")
    assert err == ""
    assert data == {
        "start": "2026-09-30",
        "days": 3,
        "unit": "working",
        "date": "2026-10-10",
        "certain": True,
        "unknown_years": [],
    }
    # 2025 春节 01-28..02-04 with 除夕; Sunday 01-26 a working day.
    assert clerk_json(capsys, workspace, "add", "2025-01-24", "3")[0]["date"] == "2025-02-05"
    # Natural days ending on 春节 2026 (02-17) move to the first working day after it.
    data, _ = clerk_json(capsys, workspace, "add", "2026-02-10", "7", "--natural")
    assert (data["date"], data["unit"], data["certain"]) == ("2026-02-24", "natural", True)
    # Start day not counted, end day counted; B before A: minus the same count.
    code, out, err = clerk(capsys, workspace, "workdays", "between", "2026-09-30", "2026-10-10")
    assert (code, err) == (0, "") and out.startswith("3：")
    data, _ = clerk_json(capsys, workspace, "between", "2026-10-10", "2026-09-30")
    assert (data["working_days"], data["certain"]) == (-3, True)
    # All of 2026: 261 weekdays, less 19 on holidays, plus the six working weekend days.
    assert clerk_json(capsys, workspace, "between", "2025-12-31", "2026-12-31")[0]["working_days"] == 248
    assert clerk_json(capsys, workspace, "between", "2026-05-01", "2026-05-01")[0]["working_days"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "2026-13-01", "3"), "参数 起算日：'2026-13-01' 不是有效日期（应为 YYYY-MM-DD）"),
        (("add", "today", "3"), "参数 起算日：'today' 不是有效日期"),
        (("add", "1999-12-31", "3"), "参数 起算日：1999-12-31 超出可计算的范围（2000–2100 年）"),
        (("add", "2026-09-30", "-3"), "参数 天数：天数不能为负数：-3"),
        (("add", "2026-09-30", "3.5"), "参数 天数：'3.5' 不是整数（天数应为 0–3650 的整数）"),
        (("add", "2026-09-30", "3651"), "参数 天数：3651 超出范围（天数应为 0–3650 的整数）"),
        (("add", "2026-09-30"), "缺少必需的参数：天数"),
        (("between", "2026-09-30", "2026-02-30"), "参数 截止日：'2026-02-30' 不是有效日期"),
        (("between", "2026-09-30", "2101-01-01"), "参数 截止日：2101-01-01 超出可计算的范围"),
    ],
)
def test_a_wrong_command_line_is_refused_with_exit_2(
    capsys: pytest.CaptureFixture[str], workspace: Workspace, args: tuple[str, ...], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--home", str(workspace.home), "workdays", *args, "--json"])
    out, err = capsys.readouterr()
    assert exit_.value.code == 2 and out == ""
    assert f"clerk workdays {args[0]}：错误：{message}" in err


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessServer]:
    yield from in_process_server("sqlite", tmp_path)


@pytest.fixture
def window(server: InProcessServer, tmp_path: Path, clock: Clock) -> Iterator[Workspace]:
    """A window folder registered with the server (through its transport); `clerk sync` uses its address."""
    workspace = open_demo_workspace(tmp_path / "window", clock=clock, transport=server.transport)
    try:
        register(workspace, server)
        yield workspace
    finally:
        workspace.close()


@pytest.mark.slow
@pytest.mark.usefixtures("clerk_env")
def test_uncertain_past_2026_until_the_server_publishes_2027(
    capsys: pytest.CaptureFixture[str], window: Workspace, server: InProcessServer, tmp_path: Path
) -> None:
    workspace = window
    code, out, err = clerk(capsys, workspace, "workdays", "add", "2026-12-28", "10")
    assert code == 0 and out.startswith("2027-01-11（不确定）：") and UNCERTAIN_2027 in err
    data, err = clerk_json(capsys, workspace, "add", "2026-12-28", "10")
    assert (data["date"], data["certain"], data["unknown_years"]) == ("2027-01-11", False, [2027])
    assert UNCERTAIN_2027 in err
    data, err = clerk_json(capsys, workspace, "between", "2027-02-04", "2027-02-15")
    assert (data["working_days"], data["certain"]) == (7, False) and UNCERTAIN_2027 in err

    # The test arrangement (tests.helpers.calendar_json): 元旦 01-01..03, 春节 02-05..12, working Sunday
    # 02-14 and Saturday 02-20.
    assert publish(server, tmp_path, "calendar", calendar_json())["new"] is True
    code, out, err = clerk(capsys, workspace, "sync")
    assert code == 0 and "已收到节假日安排：2027 年" in out

    code, out, err = clerk(capsys, workspace, "workdays", "add", "2026-12-28", "10")
    assert (code, err) == (0, "") and out.startswith("2027-01-12：")  # 2027-01-01 a holiday now
    data, err = clerk_json(capsys, workspace, "add", "2026-12-28", "10")
    assert (data["date"], data["certain"], data["unknown_years"], err) == ("2027-01-12", True, [], "")
    # 春节 2027 off; Sunday 02-14 worked.
    data, err = clerk_json(capsys, workspace, "between", "2027-02-04", "2027-02-15")
    assert (data["working_days"], data["certain"], err) == (2, True, "")
    data, _ = clerk_json(capsys, workspace, "add", "2027-01-25", "20", "--natural")
    assert (data["date"], data["certain"]) == ("2027-02-14", True)  # a Sunday that is a working day
    # Past what was published: uncertain again, naming the year.
    code, _, err = clerk(capsys, workspace, "workdays", "add", "2027-12-20", "15")
    assert code == 0 and "警告：本窗口没有 2028 年的节假日安排" in err
