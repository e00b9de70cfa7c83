"""The window fits the counter PC's screen: 1366×768 and 1280×720 at 100 %, 1920×1080 at 150 %.

Qt picks its screen once per process, so each size runs tests/layout_probe.py in its own process on the
offscreen platform with that screen, and the assertions read its report. With CLERK_SCREENSHOTS set, the
probe also writes what the clerk would see there (main window with the biggest checklist, print preview).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = os.environ.get("CLERK_SCREENSHOTS")

# tag, physical width and height, logical DPI (144 = 150 % of 96), the logical size Qt then lays out in
SCREENS = (
    ("1366x768", 1366, 768, 96, (1366, 768)),
    ("1280x720", 1280, 720, 96, (1280, 720)),
    ("1920x1080-150", 1920, 1080, 144, (1280, 720)),
)
# Whole checklist rows the biggest demo item must show at each size with a taskbar and a title bar.
MIN_ROWS = {"1366x768": 8, "1280x720": 6, "1920x1080-150": 6}
BUNDLE_MIN_ROWS = {"1366x768": 10, "1280x720": 8, "1920x1080-150": 8}  # the bundle intake's checklist
CHECKED = (
    "main",
    "main_taskbar",
    "main_cases_folded",
    "locked",
    "preview_flow",
    "preview",
    "case_dialog",
    "message_box",
    "conflicts_dialog",
    "helper",  # a 帮办员 signed in: helper mode (issue 15)
    "authorisation_dialog",
    "licence_dialog",
    "licence_checklist",
)


def probe(tmp_path: Path, *, width: int, height: int, dpi: int, tag: str) -> dict[str, Any]:
    config = tmp_path / "screen.json"
    screen = {"name": tag, "x": 0, "y": 0, "width": width, "height": height}
    screen |= {"logicalDpi": dpi, "logicalBaseDpi": 96}
    config.write_text(json.dumps({"screens": [screen]}), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QT_")}
    env["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "tests.layout_probe", "--home", str(tmp_path / "home")]
    command += ["--report", str(report), "--tag", tag]
    if SCREENSHOTS:
        command += ["--screenshots", SCREENSHOTS]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return result


@pytest.mark.slow
@pytest.mark.parametrize(("tag", "width", "height", "dpi", "logical"), SCREENS, ids=[s[0] for s in SCREENS])
def test_every_control_is_on_screen(
    tmp_path: Path, tag: str, width: int, height: int, dpi: int, logical: tuple[int, int]
) -> None:
    report = probe(tmp_path, width=width, height=height, dpi=dpi, tag=tag)
    assert report["qt_warnings"] == []
    main = report["main"]
    assert main["screen"] == [0, 0, *logical] and main["device_pixel_ratio"] == dpi / 96
    assert main["maximized"], "the window opens maximized when nothing was remembered"
    for name in CHECKED:
        assert report[name]["problems"] == [], name
        assert report[name]["controls"] > 0, name
    # The printer's error is shown in the preview, next to 打印 and 取消 (checked on screen above).
    assert "找不到打印机「柜台打印机」" in report["preview"]["printer_state"]
    # The biggest checklist: enough whole rows, each name in at most two lines.
    for key in ("checklist", "checklist_taskbar"):
        rows = report[key]
        assert rows["rows"] >= 12, report["item"]
        assert rows["full_rows"] >= MIN_ROWS[tag], (key, rows)
        assert max(rows["row_heights"]) <= 2 * rows["line_spacing"] + 8, rows
    # Helper mode: 我的草稿 below the form leaves the checklist as many whole rows as 今日办件 does.
    assert report["helper_checklist"]["full_rows"] >= MIN_ROWS[tag], report["helper_checklist"]
    assert not report["main_cases_folded"]["cases_shown"]
    assert report["checklist_cases_folded"]["full_rows"] >= report["checklist"]["full_rows"]
    # 一件事 (tests/bundle_layout_probe.py): the intake, saved, and the bundle dialog.
    bundle = report["bundle"]
    for name in ("intake", "intake_saved", "bundle_dialog"):
        assert bundle[name]["problems"] == [], name
        assert bundle[name]["controls"] > 0, name
    assert bundle["checklist"]["rows"] >= 20
    assert bundle["checklist"]["full_rows"] >= BUNDLE_MIN_ROWS[tag], bundle["checklist"]
    assert any(line.endswith("公共场所卫生许可：补正告知") for line in bundle["decisions"])
    assert bundle["bundle_rows"] == 4
