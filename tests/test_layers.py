"""app/, db/ and server/ never import Qt: everything a window does must work headless."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", ["app", "db", "server"])
def test_layer_does_not_import_qt(layer: str) -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / layer).rglob("*.py")
        if any(name.split(".")[0] in {"PySide6", "shiboken6", "ui"} for name in imported_modules(path))
    ]
    assert offenders == []


def test_layer_rule_sees_an_import() -> None:
    sample = ROOT / "ui" / "fonts.py"
    assert "PySide6.QtGui" in imported_modules(sample)
