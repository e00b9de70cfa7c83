"""`clerk` acts as a signed-in person by the window's rules (issue 12): no change without a login and its
password, roles and 四分离 as in app/, five wrong passwords lock the login at this window, reading needs
no one. Each refusal names the problem and stores nothing; each attempt is in the window's record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cli import main
from app.sync.wire import EventKind
from app.workspace import Workspace
from db.models import Case, CaseEvent, Certificate
from tests.helpers import PLANNING, PLANNING_FIELDS, demo_item, request_json

FIELDS = [f"--field={label}={value}" for label, value in PLANNING_FIELDS.items()]


def clerk(capsys: pytest.CaptureFixture[str], workspace: Workspace, *args: str) -> tuple[int, str, str]:
    code = main(["--home", str(workspace.home), *args])
    out, err = capsys.readouterr()
    return code, out, err


def counts(ws: Workspace) -> tuple[int, int]:
    with ws.store.read() as session:
        cases = session.scalar(select(func.count()).select_from(Case)) or 0
        certificates = session.scalar(select(func.count()).select_from(Certificate)) or 0
    return cases, certificates


def audit(ws: Workspace) -> list[tuple[str, str, dict[str, object]]]:
    with ws.store.read() as session:
        rows = session.execute(
            select(CaseEvent.kind, CaseEvent.clerk_login, CaseEvent.payload)
            .where(CaseEvent.case_number == "")
            .order_by(CaseEvent.id)
        ).all()
    return [(kind, login, payload) for kind, login, payload in rows]


@pytest.fixture
def request_file(tmp_path: Path) -> Path:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(request_json(demo_item(PLANNING)), ensure_ascii=False), encoding="utf-8")
    return path


def test_nothing_changes_without_a_signed_in_person(
    workspace: Workspace,
    request_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CLERK_LOGIN", raising=False)
    monkeypatch.delenv("CLERK_PASSWORD", raising=False)
    code, _, err = clerk(capsys, workspace, "accept", str(request_file))
    assert code == 1 and "须以工作人员身份操作：--clerk 账号" in err
    code, _, err = clerk(capsys, workspace, "accept", str(request_file), "--clerk", "demo")  # no terminal
    assert code == 1 and "CLERK_PASSWORD" in err
    monkeypatch.setenv("CLERK_PASSWORD", "x" * 10_000_000)  # a 10 MB paste
    code, _, err = clerk(capsys, workspace, "accept", str(request_file), "--clerk", "demo")
    assert code == 1 and "密码过长" in err and "未予核对" in err
    assert counts(workspace) == (0, 0)
    # Reading needs no one.
    assert clerk(capsys, workspace, "catalog", "search", "规划")[0] == 0
    assert clerk(capsys, workspace, "case", "list")[0] == 0
    assert clerk(capsys, workspace, "id", "check", "11010519491231002X")[0] == 0


def test_five_wrong_passwords_lock_the_login_at_this_window(
    workspace: Workspace,
    request_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLERK_PASSWORD", "wrong-one")
    said = [clerk(capsys, workspace, "accept", str(request_file), "--clerk", "demo")[2] for _ in range(5)]
    assert "再错 4 次" in said[0] and "再错 1 次" in said[3]
    assert "连续 5 次错误，账号在本窗口锁定 5 分钟" in said[4]
    monkeypatch.setenv("CLERK_PASSWORD", "demo1234")  # the right one, too late
    code, _, err = clerk(capsys, workspace, "accept", str(request_file), "--clerk", "demo")
    assert code == 1 and "已锁定至" in err
    code, _, err = clerk(capsys, workspace, "accept", str(request_file), "--clerk", "nobody")
    assert code == 1 and "账号或密码不正确" in err  # an unknown login reads like a wrong password
    assert counts(workspace) == (0, 0)
    failed = [(login, p) for kind, login, p in audit(workspace) if kind == EventKind.SIGN_IN_FAILED]
    assert [p["reason"] for _, p in failed] == ["wrong_password"] * 5 + ["locked_out", "unknown_login"]
    assert failed[-1] == ("(unknown)", {"reason": "unknown_login", "typed_login": "nobody"})


def test_roles_and_separation_of_duties_hold_at_the_command_line(
    workspace: Workspace,
    request_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLERK_PASSWORD", "demo1234")
    code, _, err = clerk(capsys, workspace, "accept", str(request_file), "--clerk", "bangban")
    assert code == 1 and "孙丽（bangban） 没有受理员角色，不能受理办件" in err
    code, out, err = clerk(capsys, workspace, "--json", "accept", str(request_file), "--clerk", "demo")
    assert code == 0, err
    number = json.loads(out)["case_number"]
    for helper_act in (
        ("case", "approve", number, *FIELDS, "--clerk", "bangban"),
        ("print", "certificate", number, "-o", "c.pdf", "--clerk", "bangban"),
    ):
        code, _, err = clerk(capsys, workspace, *helper_act)
        assert code == 1 and "孙丽（bangban） 没有" in err, err
    with workspace.store.write() as session:  # one person, both roles: still not both duties on one case
        from db.models import Clerk

        row = session.get(Clerk, "demo")
        assert row is not None
        row.roles = "clerk approver"
    code, _, err = clerk(capsys, workspace, "case", "approve", number, *FIELDS, "--clerk", "demo")
    assert code == 1 and "受理了本件，按受理、审批、出证分离的要求不能再审批本件" in err
    monkeypatch.setenv("CLERK_PASSWORD", "wrong-one")
    code, _, err = clerk(capsys, workspace, "case", "approve", number, *FIELDS, "--clerk", "shenpi")
    assert code == 1 and "账号或密码不正确" in err
    assert counts(workspace) == (1, 0)
    monkeypatch.setenv("CLERK_PASSWORD", "demo1234")
    code, _, err = clerk(capsys, workspace, "case", "approve", number, *FIELDS, "--clerk", "shenpi")
    assert code == 0, err
    assert counts(workspace) == (1, 1)
    signed_in = [login for kind, login, _ in audit(workspace) if kind == EventKind.SIGNED_IN]
    assert signed_in[-1] == "shenpi" and "bangban" in signed_in
