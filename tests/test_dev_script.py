"""`./dev` says what it is doing and installs what Qt's plugins miss, run against a stand-in system.

The script runs for real on a copy of the checkout; the system around it is replaced by small stand-ins on
PATH that record their calls: dpkg-query, apt-get, apt-cache, ldd (which reports libxcb-icccm.so.4 missing
until apt-get has installed libxcb-icccm4), and a venv whose `python -m pip` only records its arguments.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="./dev is a bash script")

FAKES = {
    "dpkg-query": """#!/bin/sh
for pkg; do :; done
case " $FAKE_ABSENT " in *" $pkg "*) [ -e "$FAKE_STATE/installed-$pkg" ] || exit 1;; esac
printf 'install ok installed'
""",
    "apt-get": """#!/bin/sh
echo "apt-get $*" >> "$FAKE_STATE/log"
if [ "$1" = install ]; then for pkg; do touch "$FAKE_STATE/installed-$pkg"; done; fi
""",
    "apt-cache": """#!/bin/sh
echo "apt-cache $*" >> "$FAKE_STATE/log"
for pkg; do :; done
case " $FAKE_APT_KNOWS " in *" $pkg "*) exit 0;; esac
exit 100
""",
    "ldd": """#!/bin/sh
if [ -e "$FAKE_STATE/installed-libxcb-icccm4" ]; then
  printf '\\tlibxcb-icccm.so.4 => /usr/lib/x86_64-linux-gnu/libxcb-icccm.so.4 (0x00007f0000000000)\\n'
else
  printf '\\tlibxcb-icccm.so.4 => not found\\n'
fi
printf '\\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0000000000)\\n'
""",
    "sudo": '#!/bin/sh\nexec "$@"\n',
}

VENV_PYTHON = """#!/bin/sh
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then echo "pip $*" >> "$FAKE_STATE/log"; exit 0; fi
exec {python} "$@"
"""


def write_script(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of what `./dev` reads, with a venv already made (its pip and window-clerk stand-ins)."""
    repo = tmp_path / "repo"
    (repo / "tools").mkdir(parents=True)
    for name in ("dev", "pyproject.toml", "tools/qt_system_libs.py"):
        shutil.copy2(ROOT / name, repo / name)
    write_script(repo / ".venv/bin/python", VENV_PYTHON.format(python=sys.executable))
    write_script(repo / ".venv/bin/window-clerk", '#!/bin/sh\necho "window-clerk $*" >> "$FAKE_STATE/log"\n')
    for name, text in FAKES.items():
        write_script(tmp_path / "bin" / name, text)
    (tmp_path / "state").mkdir()
    return repo


def stamp(repo: Path) -> Path:
    digest = hashlib.sha256((repo / "pyproject.toml").read_bytes()).hexdigest()[:16]
    return repo / ".venv" / f".installed-{digest}"


def run_dev(repo: Path, *args: str, knows: str = "libxcb-icccm4") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{repo.parent / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "FAKE_STATE": str(repo.parent / "state"),
        "FAKE_APT_KNOWS": knows,
        "FAKE_ABSENT": "poppler-utils",
    }
    env.pop("CLERK_HOME", None)
    return subprocess.run(
        ["./dev", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def calls(repo: Path) -> list[str]:
    log = repo.parent / "state" / "log"
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def steps(output: str) -> list[str]:
    return [line.removeprefix("==> ") for line in output.splitlines() if line.startswith("==> ")]


def test_demo_names_each_step_and_installs_the_library_qt_misses(checkout: Path) -> None:
    stamp(checkout).touch()
    result = run_dev(checkout, "demo")
    assert result.returncode == 0, result.stderr
    assert steps(result.stdout) == [
        "检查系统软件包：libsane-dev",  # python-sane is built against it (present here: nothing installed)
        "依赖已安装（pyproject.toml 未变），跳过 pip",
        "检查 Qt 插件所需的系统库…",
        "更新软件包索引（apt-get update）…",
        "安装系统软件包：libxcb-icccm4",
        "启动演示窗口（数据目录 .demo-home）…",
    ]
    log = calls(checkout)
    assert not [line for line in log if line.startswith("pip")]  # the stamp spares pip
    apt = [line for line in log if line.startswith("apt")]
    assert apt == [
        "apt-get update -q",
        "apt-cache show --no-all-versions libxcb-icccm4",
        "apt-get install -y -q libxcb-icccm4",
    ]
    assert log[-1] == "window-clerk --demo --home .demo-home"


def test_first_set_up_shows_pip_at_work_then_is_skipped(checkout: Path) -> None:
    (checkout.parent / "state" / "installed-libxcb-icccm4").touch()  # the system lacks nothing
    result = run_dev(checkout, "setup")
    assert result.returncode == 0, result.stderr
    assert steps(result.stdout) == [
        "检查系统软件包：libsane-dev",
        "安装依赖（首次约需几分钟）…",
        "依赖安装完成",
        "检查 Qt 插件所需的系统库…",
        "就绪",
    ]
    pip = [line for line in calls(checkout) if line.startswith("pip")]
    assert pip == [
        "pip -m pip install --disable-pip-version-check --upgrade pip",
        "pip -m pip install --disable-pip-version-check -e .[test]",
    ]
    assert not any(line.startswith("apt") for line in calls(checkout))  # apt-get only when missing
    assert stamp(checkout).exists()

    again = run_dev(checkout, "setup")
    assert "依赖已安装（pyproject.toml 未变），跳过 pip" in steps(again.stdout)
    assert len([line for line in calls(checkout) if line.startswith("pip")]) == 2


def test_test_set_up_installs_the_missing_named_packages(checkout: Path) -> None:
    """`./dev test` checks its own packages with dpkg; run only as far as the set-up (ruff is absent)."""
    stamp(checkout).touch()
    (checkout.parent / "state" / "installed-libxcb-icccm4").touch()
    result = run_dev(checkout, "test")
    assert steps(result.stdout)[:2] == [
        "检查系统软件包：libsane-dev poppler-utils cups printer-driver-cups-pdf libcups2 xvfb sqlite3",
        "更新软件包索引（apt-get update）…",
    ]
    assert "安装系统软件包：poppler-utils" in steps(result.stdout)
    assert "apt-get install -y -q poppler-utils" in calls(checkout)


def test_a_library_no_package_gives_is_named(checkout: Path) -> None:
    stamp(checkout).touch()
    result = run_dev(checkout, "demo", knows="")
    assert result.returncode == 1
    assert "没有找到提供 libxcb-icccm.so.4 的软件包" in result.stderr
    assert "Qt 插件缺少以下系统库" in result.stderr and "libxcb-icccm.so.4: libqxcb.so" in result.stderr
    assert not any(line.startswith("window-clerk") for line in calls(checkout))
