"""The system libraries Qt's plugins load: none missing, and `./dev` knows which Debian package gives each."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.accounts.demo import DEMO_PASSWORD
from tests.helpers import run_program
from tools.qt_system_libs import debian_package, missing_libraries, plugin_files, qt_root, system_libraries

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("ldd") is None, reason="ldd is a Linux tool")


def test_plugin_list_covers_the_window_platforms() -> None:
    names = {path.name for path in plugin_files(qt_root())}
    assert {"libqxcb.so", "libqoffscreen.so", "libqminimal.so", "libqwayland.so"} <= names
    assert "libqxcb-glx-integration.so" in names  # what libqxcb.so loads for OpenGL
    assert "libcupsprintersupport.so" in names  # the print dialog's printers


def test_qt_plugins_find_every_system_library() -> None:
    missing = missing_libraries(plugin_files(qt_root()))
    described = {soname: sorted(path.name for path in paths) for soname, paths in missing.items()}
    assert described == {}, f"系统缺少 Qt 插件所需的库（./dev 应安装）：{described}"


@pytest.mark.parametrize(
    ("soname", "package"),
    [
        ("libxcb-icccm.so.4", "libxcb-icccm4"),
        ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
        ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
        ("libX11-xcb.so.1", "libx11-xcb1"),
        ("libwayland-cursor.so.0", "libwayland-cursor0"),
        ("libgssapi_krb5.so.2", "libgssapi-krb5-2"),
        ("libpng16.so.16", "libpng16-16"),
        ("libz.so.1", "zlib1g"),
        ("libglib-2.0.so.0", "libglib2.0-0"),
        ("libGLdispatch.so.0", "libglvnd0"),
        ("libm.so.6", "libc6"),
    ],
)
def test_soname_to_debian_package(soname: str, package: str) -> None:
    assert debian_package(soname) == package


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="a Debian system")
def test_package_names_agree_with_dpkg_for_every_library_present() -> None:
    """Every system library the plugins load here is owned by the package the mapping names."""
    libraries = system_libraries(plugin_files(qt_root()))
    assert len(libraries) > 20
    # /lib is /usr/lib on a merged-/usr Debian; dpkg knows each file by the path its package gives.
    paths = {
        soname: {path, str(Path(path).parent.resolve() / Path(path).name)}
        for soname, path in libraries.items()
    }
    answer = subprocess.run(
        ["dpkg", "-S", *sorted(set().union(*paths.values()))], capture_output=True, text=True, check=False
    )
    owners = {}
    for line in answer.stdout.splitlines():
        package, _, path = line.partition(": ")
        owners[path] = package.split(":")[0]
    found = {soname: {owners[p] for p in options if p in owners} for soname, options in paths.items()}
    assert {soname for soname, packages in found.items() if not packages} == set()
    wrong = {
        soname: (packages, debian_package(soname))
        for soname, packages in found.items()
        if packages != {debian_package(soname)}
    }
    assert wrong == {}


@pytest.fixture
def x_display() -> Iterator[str]:
    """A real X server (Xvfb) at the counter PC's 1366×768; its display name once it accepts clients."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (./dev test installs it)")
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as ready:
        number = ready.readline().strip()  # written by Xvfb when it is ready
    try:
        assert number, "Xvfb did not start"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
def test_window_starts_on_xcb_under_a_real_x_server(x_display: str, tmp_path: Path) -> None:
    shot = tmp_path / "xcb.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "DISPLAY": x_display}
    env.update(CLERK_LOGIN="demo", CLERK_PASSWORD=DEMO_PASSWORD)  # signed in headless, as scripts do
    env.pop("WAYLAND_DISPLAY", None)
    result = run_program(
        "ui.main",
        *("--demo", "--home", str(tmp_path / "home"), "--quit-when-ready", "--screenshot", str(shot)),
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Could not load the Qt platform plugin" not in result.stderr
    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    assert width > 400 and height > 300
