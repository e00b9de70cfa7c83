"""The installed program: versions, what the bundle leaves out, icon and Windows version resource, and the
demo server started without a console window on Windows."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from app import __version__
from app.sync.embedded import CREATE_NO_WINDOW, child_creation_flags
from tools.windows_version_info import version_info_text

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "build_installer.spec"
TEST_TOOLS = {"pytest", "_pytest", "pytestqt", "pluggy", "hypothesis", "mypy", "ruff"}


@pytest.mark.parametrize(
    ("module", "program"), [("app.cli", "clerk"), ("server.cli", "clerk-server"), ("ui.main", "window-clerk")]
)
def test_programs_print_their_version(module: str, program: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", module, "--version"],
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (result.returncode, result.stdout.strip()) == (0, f"{program} {__version__}"), result.stderr


def test_the_package_version_is_the_one_constant() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "app.__version__"}
    assert "*.png" in project["tool"]["setuptools"]["package-data"]["*"]  # the icon travels with the package


def spec_tree() -> ast.Module:
    return ast.parse(SPEC.read_text(encoding="utf-8"))


def spec_constant(name: str) -> Any:
    for node in spec_tree().body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} is not assigned in the spec")


def names_in(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def test_spec_leaves_out_the_test_tools() -> None:
    assert set(spec_constant("TEST_TOOLS")) >= TEST_TOOLS
    tree = spec_tree()
    excludes = next(
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "excludes"
    )
    assert "TEST_TOOLS" in names_in(excludes)
    analyses = [
        n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "Analysis"
    ]
    assert len(analyses) == 3
    for call in analyses:  # every program's analysis leaves them out
        assert "excludes" in names_in(next(k.value for k in call.keywords if k.arg == "excludes"))


def test_every_program_has_the_icon_and_a_version_resource() -> None:
    exes = [
        node
        for node in ast.walk(spec_tree())
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "EXE"
    ]
    assert len(exes) == 3
    for call in exes:
        keywords = {k.arg for k in call.keywords}
        assert {"icon", "version", "name"} <= keywords
    assert spec_constant("ICON") == "resources/icons/window-clerk.ico"
    assert (ROOT / "resources/icons/window-clerk.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"


def test_windows_version_resource_carries_the_version() -> None:
    text = version_info_text(version="1.2.3", program="clerk", description="窗口受理命令行")
    calls: dict[str, list[Any]] = {}

    def recorder(name: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
            calls.setdefault(name, []).append((args, kwargs))
            return (name, args, kwargs)

        return record

    names = ["VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable", "StringStruct"]
    eval(text, {name: recorder(name) for name in [*names, "VarFileInfo", "VarStruct"]})  # as PyInstaller does
    fixed = calls["FixedFileInfo"][0][1]
    assert fixed["filevers"] == fixed["prodvers"] == (1, 2, 3, 0)
    strings = {args[0]: args[1] for args, _ in calls["StringStruct"]}
    assert strings["FileVersion"] == strings["ProductVersion"] == "1.2.3"
    assert strings["OriginalFilename"] == "clerk.exe" and strings["FileDescription"] == "窗口受理命令行"


def test_embedded_server_gets_no_console_window_on_windows() -> None:
    assert child_creation_flags(platform="win32") == CREATE_NO_WINDOW == 0x08000000
    assert child_creation_flags(platform="linux") == 0


def test_window_icon_loads(qapp) -> None:  # type: ignore[no-untyped-def]
    from ui.icons import app_icon

    icon = app_icon()
    assert not icon.isNull()
    assert icon.availableSizes()[0].width() == 256
