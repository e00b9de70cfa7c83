from __future__ import annotations

from pathlib import Path

import pytest

from app.settings import Settings, SettingsError
from app.workspace import Workspace, WorkspaceError, open_workspace


def test_demo_clerk_signs_in_with_the_readme_credentials(workspace: Workspace) -> None:
    counter = workspace.sign_in("demo", "demo1234")
    assert counter is not None and counter.clerk_name == "王晓梅" and counter.window_code == "SZX0103"
    assert workspace.sign_in("demo", "wrong") is None
    assert workspace.sign_in("nobody", "demo1234") is None


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
