from __future__ import annotations

from pathlib import Path

import pytest

from app.accounts.signin import SignInRefused
from app.settings import Settings, SettingsError
from app.workspace import Workspace, WorkspaceError, open_workspace


def test_demo_clerk_signs_in_with_the_readme_credentials(workspace: Workspace) -> None:
    signed = workspace.sign_in("demo", "demo1234")
    assert signed.name == "王晓梅" and not signed.must_change and not signed.rehash
    assert workspace.counter("demo").window_code == "SZX0103"
    for login, password in (("demo", "wrong"), ("nobody", "demo1234")):
        with pytest.raises(SignInRefused, match="账号或密码不正确"):
            workspace.sign_in(login, password)


def test_bad_window_settings_are_named(workspace: Workspace) -> None:
    workspace.settings.set("window_code", "bad code")
    with pytest.raises(WorkspaceError, match="窗口编码"):
        workspace.counter("demo")
    workspace.settings.set("window_code", "SZX0103")
    workspace.settings.set("hall_code", "NOHALL")
    with pytest.raises(WorkspaceError, match="NOHALL"):
        workspace.counter("demo")


def test_settings_survive_reopen_and_reject_wrong_types(home: Path) -> None:
    ws = open_workspace(home)
    ws.settings.set("window_name", "5号综合窗口")
    with pytest.raises(SettingsError):
        ws.settings.set("window_name", 5)
    with pytest.raises(SettingsError):
        ws.settings.set("no_such_setting", "x")
    ws.close()
    assert Settings(home / "settings.json").get("window_name") == "5号综合窗口"


def test_unreadable_settings_file_is_named(home: Path) -> None:
    (home / "settings.json").write_text("{broken", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"settings\.json"):
        open_workspace(home)
