"""The bundle intake and the bundle dialog fit the counter PC's screen (1366×768 and 1280×720 at 100 %,
1920×1080 at 150 %): every control on screen, none clipped or overlapping, enough checklist rows
whole. Each size runs tests/bundle_layout_probe.py in its own process, as tests/test_layout.py does
for the main window; with CLERK_SCREENSHOTS set it also writes what the clerk sees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.test_layout import SCREENS

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = os.environ.get("CLERK_SCREENSHOTS")
MIN_ROWS = {"1366x768": 10, "1280x720": 8, "1920x1080-150": 8}


def probe(tmp_path: Path, *, width: int, height: int, dpi: int, tag: str) -> dict[str, Any]:
    config = tmp_path / "screen.json"
    screen = {"name": tag, "x": 0, "y": 0, "width": width, "height": height}
    screen |= {"logicalDpi": dpi, "logicalBaseDpi": 96}
    config.write_text(json.dumps({"screens": [screen]}), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QT_")}
    env["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "tests.bundle_layout_probe", "--home", str(tmp_path / "home")]
    command += ["--report", str(report), "--tag", tag]
    if SCREENSHOTS:
        command += ["--screenshots", SCREENSHOTS]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return result


@pytest.mark.slow
@pytest.mark.parametrize(("tag", "width", "height", "dpi", "logical"), SCREENS, ids=[s[0] for s in SCREENS])
def test_the_bundle_intake_and_dialog_fit_the_screen(
    tmp_path: Path, tag: str, width: int, height: int, dpi: int, logical: tuple[int, int]
) -> None:
    report = probe(tmp_path, width=width, height=height, dpi=dpi, tag=tag)
    assert report["qt_warnings"] == []
    for name in ("intake", "intake_saved", "bundle_dialog"):
        assert report[name]["problems"] == [], name
        assert report[name]["controls"] > 0, name
    assert report["checklist"]["rows"] >= 20
    assert report["checklist"]["full_rows"] >= MIN_ROWS[tag], report["checklist"]
    assert any(line.endswith("公共场所卫生许可：补正告知") for line in report["decisions"])
    assert report["bundle_rows"] == 4
