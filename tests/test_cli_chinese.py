"""Human output of every `clerk` and `clerk-server` command is Chinese: no English status words, no
Python `True`/`False`/`None`. `--json` keeps its stable English keys and values."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from app.catalog_store import demo_catalog_bytes
from app.cli import main
from app.workspace import Workspace
from db.models import CaseEvent
from tests.helpers import AGENT, PLANNING, PLANNING_FIELDS, request_json
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    Target,
    TestClient,
    client_fixture,
    decided,
    enroll,
    run_json,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
)
from tests.sync_harness import in_process_server

pytestmark = pytest.mark.usefixtures("clerk_env")  # `clerk` acts as the demo clerk

# The English words human output used to show: statuses, decisions, verification results, event kinds,
# rejection and conflict codes, material necessity and form, sync state keys, device states.
ENGLISH_WORDS = (  # noqa: SIM905 (a list of words reads best as words)
    "accepted accepted_with_tolerance supplement_required rejected awaiting_supplement closed approved "
    "delivered registered pending dead_letters last_success_at cursor server_url device_id replaced "
    "revoked valid forged expired unknown_key malformed key_not_valid required tolerable optional "
    "original copy electronic duplicate_case_number wrong_window wrong_hall invalid not_holder "
    "bad_signature event_id_reused certificate_issued_twice certificate_handed_over_twice case.decided "
    "document.printed "
    "document.reprinted certificate.issued certificate.handed_over"
).split() + ["hall IT"]
ENGLISH = re.compile(
    r"(?<![A-Za-z_.])(?:True|False|None|"
    + "|".join(re.escape(w) for w in sorted(ENGLISH_WORDS, key=len, reverse=True))
    + r")(?![A-Za-z_])"
)


def assert_chinese(text: str) -> None:
    found = ENGLISH.findall(text)
    assert not found, f"English in human output: {found}\n{text}"


class Clerk:
    """`clerk ARGS --home HOME` in-process; every human output is checked as it comes."""

    def __init__(self, capsys: pytest.CaptureFixture[str], home: Path) -> None:
        self.capsys = capsys
        self.home = home
        self.seen: list[str] = []

    def __call__(self, *args: str, expect: int | None = 0) -> str:
        code = main(["--home", str(self.home), *args])
        out, err = self.capsys.readouterr()
        assert expect is None or code == expect, (args, code, err)
        assert_chinese(out + err)
        self.seen.append(" ".join(args[:2]))
        return out

    def json(self, *args: str) -> dict:  # type: ignore[type-arg]
        code = main(["--home", str(self.home), *args, "--json"])
        out, err = self.capsys.readouterr()
        assert code == 0, err
        data: dict = json.loads(out)  # type: ignore[type-arg]
        return data


def test_clerk_human_output_is_chinese(
    capsys: pytest.CaptureFixture[str], workspace: Workspace, tmp_path: Path
) -> None:
    clerk = Clerk(capsys, workspace.home)
    planning = workspace.catalog.item(PLANNING)
    assert planning is not None

    clerk("id", "check", "11010519491231002X")
    clerk("id", "check", "440524188001010014")
    clerk("id", "check", "110105194912310021", expect=1)
    clerk("id", "check", "91350211M00013FA1N", expect=4)
    clerk("catalog", "search", "jsgcghxk")
    shown = clerk("catalog", "show", PLANNING)
    assert "必要" in shown and "容缺" in shown
    catalog = tmp_path / "catalog.json"
    catalog.write_bytes(demo_catalog_bytes())
    clerk("catalog", "load", str(catalog), "--clerk", "xinxi")

    def accept(data: object, name: str) -> str:
        path = tmp_path / name
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        out = clerk("accept", str(path))
        assert out.startswith("办件编号 ")
        return out.split()[1].rstrip("：").split("：")[0]

    accepted = accept(request_json(planning), "complete.json")
    assert "受理" in clerk("case", "show", accepted)
    supplement = accept(request_json(planning, skip=("M05",)), "gap.json")
    assert "补正告知" in clerk("case", "show", supplement)
    tolerance = accept(request_json(planning, skip=("M08",)), "tolerance.json")
    listed = clerk("case", "list")
    assert all(n in listed for n in (accepted, supplement, tolerance))
    assert "受理" in listed and "补正告知" in listed and "容缺受理" in listed
    clerk("print", "receipt", accepted, "-o", str(tmp_path / "receipt.pdf"))
    clerk("print", "supplement-notice", supplement, "-o", str(tmp_path / "notice.pdf"))
    clerk(
        "case",
        "approve",
        accepted,
        "--clerk",
        "shenpi",
        *[f"--field={k}={v}" for k, v in PLANNING_FIELDS.items()],
    )
    qr = clerk.json("case", "show", accepted)["certificate"]["qr_text"]
    assert "真实有效" in clerk("verify", qr)
    clerk("verify", "HTTPS://ZWFW.EXAMPLE.GOV.CN/V/AAAA", expect=1)
    clerk(
        "case",
        "handover",
        accepted,
        "--recipient",
        AGENT["name"],
        "--recipient-id",
        "11010519491231002X",
        "--capacity",
        "legal-rep",
    )
    clerk("print", "pickup-receipt", accepted, "-o", str(tmp_path / "pickup.pdf"))
    clerk("keys", "export", "-o", str(tmp_path / "keys.json"))

    status = clerk("sync", "status")
    assert "未登记" in status
    clerk("sync", expect=1)
    clerk("sync", "dead-letters")
    clerk("reconcile", expect=1)

    servers = in_process_server("sqlite", tmp_path / "server")
    server = next(servers)
    try:
        code = server.enrollment_code("SZX0103", hall="SZX01")
        clerk("register", "--server", server.url, "--code", code)
        clerk("sync")
        status = clerk("sync", "status")
        assert "已登记" in status and server.url in status
        assert clerk.json("sync", "status")["registered"] is True  # JSON keeps its keys and values
        clerk("reconcile")
        # The server refused an event for good (as it does a duplicate case number): a dead letter.
        later = accept(request_json(planning), "later.json")
        with workspace.store.write() as session:
            event = session.scalars(select(CaseEvent).where(CaseEvent.case_number == later)).one()
            session.execute(
                update(CaseEvent)
                .where(CaseEvent.id == event.id)
                .values(
                    rejected_at=datetime.now(UTC).replace(tzinfo=None),
                    rejected_code="duplicate_case_number",
                    rejected_message=f"办件编号 {event.case_number} 已被本窗口编码的另一台电脑使用",
                )
            )
        letters = clerk("sync", "dead-letters")
        assert "受理决定" in letters and "办件编号重复" in letters
        assert "服务器拒收：1 条" in clerk("sync", "status")
    finally:
        servers.close()
    assert clerk.json("case", "list")[0]["decision"] in {"accepted", "accepted_with_tolerance"}


def test_clerk_server_human_output_is_chinese(
    capsys: pytest.CaptureFixture[str], target: Target, client: TestClient, server_app: FastAPI
) -> None:
    def server(*args: str, expect: int = 0) -> str:
        from server.cli import main as server_main

        code = server_main([*args, "--database", target.url])
        out, err = capsys.readouterr()
        assert code == expect, (args, err)
        assert_chinese(out + err)
        return out

    server("init", "--demo")
    server("halls")
    server("catalog", "list")
    server("calendar", "list")
    server("enroll-code", "--hall", "SZX01", "--window", "SZX0103")
    first = enroll(client, server_app, window="SZX0103")
    assert not first.push(decided("SZX0103", [1, 2])).rejected
    # The PC is replaced; the new one pushes a number the old one used: a conflict.
    second = enroll(client, server_app, window="SZX0103", replace=True, name="新电脑")
    assert second.push(decided("SZX0103", [2], clerk="zhao.lei")).rejected
    devices = server("devices")
    assert first.device_id in devices and second.device_id in devices and "替换" in devices
    conflicts = server("conflicts")
    assert "办件编号重复" in conflicts
    [conflict] = run_json(capsys, target, "conflicts")
    assert conflict["reason"] == "duplicate_case_number"  # JSON keeps its stable codes
    server("resolve-conflict", str(conflict["id"]), "--resolution", "已核实，作废后一件", "--by", "陈建国")
    server("conflicts", "--all")
    server("revoke", second.device_id)
    devices = server("devices")
    assert "大厅信息技术人员注销" in devices
    server("devices", "--active")


ARGPARSE_ENGLISH = re.compile(
    r"usage:|error:|options:|positional arguments|show this help|the following arguments|invalid choice|"
    r"unrecognized arguments|expected one argument|invalid int value|show program"
)


@pytest.mark.parametrize(
    ("program", "args", "exit_code", "fragment"),
    [
        ("clerk", ["-h"], 0, "显示帮助并退出"),
        ("clerk", ["id", "check", "-h"], 0, "退出码"),
        ("clerk", [], 2, "缺少必需的参数：命令"),
        ("clerk", ["id", "check"], 2, "缺少必需的参数：value"),
        ("clerk", ["id", "check", "1", "--kind", "green_card"], 2, "参数 --kind 的值 'green_card' 无效"),
        ("clerk", ["catalog", "search", "x", "--limit", "many"], 2, "应为整数"),
        ("clerk", ["case", "list", "--day"], 2, "后面需要一个值"),
        ("clerk", ["case", "list", "--frobnicate"], 2, "无法识别的参数"),
        ("clerk-server", ["-h"], 0, "显示帮助并退出"),
        ("clerk-server", ["devices", "-h"], 0, "只列出未注销的设备"),
        ("clerk-server", ["frobnicate"], 1, "参数错误"),
        ("clerk-server", ["enroll-code", "--window", "SZX0103"], 1, "缺少必需的参数：--hall"),
    ],
)
def test_usage_help_and_command_line_errors_are_chinese(
    capsys: pytest.CaptureFixture[str], program: str, args: list[str], exit_code: int, fragment: str
) -> None:
    from server.cli import main as server_main

    with pytest.raises(SystemExit) as exited:
        (main if program == "clerk" else server_main)(args)
    out, err = capsys.readouterr()
    assert exited.value.code == exit_code
    assert fragment in out + err and "用法：" in out + err
    assert not ARGPARSE_ENGLISH.findall(out + err), out + err
