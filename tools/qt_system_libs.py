"""The system libraries that the installed Qt plugins cannot find, and the Debian packages giving them.

Qt's own error ("Could not load the Qt platform plugin xcb") names the wrong library; `ldd` on the
plugins names the right ones.  `./dev` runs this after pip has installed PySide6:

    python tools/qt_system_libs.py missing    # soname: plugins needing it, one a line; exit 1 if any
    python tools/qt_system_libs.py packages   # the Debian packages giving the missing ones, one a line

A bare Debian has no `apt-file`, so a soname is mapped to its package by the Debian library packaging
rule (libfoo.so.3 -> libfoo3, libfoo2.so.3 -> libfoo2-3), with the few exceptions listed below; the tests
check the mapping against `dpkg -S` for every library the plugins load.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

# Plugin folder -> the plugins the window (or its tests) may load: the X11 and Wayland desktops,
# offscreen/minimal (tests, screenshots), the OpenGL integrations of xcb, CUPS printing, and Qt Multimedia's
# FFmpeg backend (the document camera; it loads libQt6Multimedia, which needs PulseAudio's client library).
QT_PLUGINS: dict[str, tuple[str, ...]] = {
    "platforms": ("libqxcb.so", "libqwayland.so", "libqoffscreen.so", "libqminimal.so"),
    "xcbglintegrations": ("*.so",),
    "wayland-shell-integration": ("*.so",),
    "wayland-decoration-client": ("*.so",),
    "wayland-graphics-integration-client": ("*.so",),
    "printsupport": ("*.so",),
    "multimedia": ("*.so",),
}

# Libraries whose package does not follow the naming rule.
PACKAGE_EXCEPTIONS: dict[str, str] = {
    "libz.so.1": "zlib1g",
    "libbz2.so.1": "libbz2-1.0",
    "libvorbis.so.0": "libvorbis0a",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libgio-2.0.so.0": "libglib2.0-0",
    "libgmodule-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libGLdispatch.so.0": "libglvnd0",
    "libbrotlicommon.so.1": "libbrotli1",
    "libbrotlidec.so.1": "libbrotli1",
    "libbrotlienc.so.1": "libbrotli1",
    "libharfbuzz.so.0": "libharfbuzz0b",
    **{f"lib{name}.so.{v}": "libc6" for name, v in [("c", 6), ("m", 6), ("dl", 2), ("pthread", 0)]},
    **{f"lib{name}.so.{v}": "libc6" for name, v in [("rt", 1), ("resolv", 2), ("util", 1)]},
}

_LDD_LINE = re.compile(r"^\s*(\S+)\s+=>\s+(.+?)(?:\s+\(0x[0-9a-f]+\))?\s*$")
_SONAME = re.compile(r"(lib.+?)\.so\.([0-9][0-9.]*)")


def qt_root() -> Path:
    """The Qt folder inside the installed PySide6 (found without importing it: its libraries may not load)."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("PySide6 is not installed in this Python")
    return Path(next(iter(spec.submodule_search_locations))) / "Qt"


def plugin_files(root: Path) -> list[Path]:
    files: list[Path] = []
    for folder, patterns in QT_PLUGINS.items():
        for pattern in patterns:
            files += sorted((root / "plugins" / folder).glob(pattern))
    return files


def _ldd(path: Path) -> list[tuple[str, str]]:
    """(soname, where it resolves or "not found") for every library `path` loads, directly or not."""
    result = subprocess.run(["ldd", str(path)], capture_output=True, text=True, check=False)
    pairs = []
    for line in result.stdout.splitlines():
        match = _LDD_LINE.match(line)
        if match:
            pairs.append((match.group(1), match.group(2)))
    return pairs


def missing_libraries(files: Iterable[Path]) -> dict[str, list[Path]]:
    """soname -> the plugins that cannot load because it is missing."""
    missing: dict[str, list[Path]] = {}
    for path in files:
        for soname, target in _ldd(path):
            if target == "not found" and path not in missing.setdefault(soname, []):
                missing[soname].append(path)
    return missing


def system_libraries(files: Iterable[Path]) -> dict[str, str]:
    """soname -> resolved path, for the libraries outside PySide6 that the plugins load."""
    found: dict[str, str] = {}
    for path in files:
        qt = path.resolve().parents[2]
        for soname, target in _ldd(path):
            if target.startswith("/") and not Path(target).resolve().is_relative_to(qt.parent):
                found.setdefault(soname, target)
    found.pop("ld-linux-x86-64.so.2", None)
    return {name: target for name, target in found.items() if _SONAME.fullmatch(name)}


def debian_package(soname: str) -> str:
    """The Debian package that ships `soname` (Debian Policy 8.1: library name + soversion)."""
    if soname in PACKAGE_EXCEPTIONS:
        return PACKAGE_EXCEPTIONS[soname]
    match = _SONAME.fullmatch(soname)
    if match is None:
        raise ValueError(f"not a library soname: {soname}")
    name, version = match.group(1).lower().replace("_", "-"), match.group(2)
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def package_candidates(soname: str) -> list[str]:
    """The package name, then its 64-bit-time_t rename (Debian 13, Ubuntu 24.04: libfoo3t64)."""
    name = debian_package(soname)
    return [name, f"{name}t64"]


def _apt_knows(package: str) -> bool:
    result = subprocess.run(
        ["apt-cache", "show", "--no-all-versions", package],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return result.returncode == 0


def packages_for(sonames: Iterable[str]) -> tuple[list[str], list[str]]:
    """(packages to install, sonames that no known package gives)."""
    packages: list[str] = []
    unknown: list[str] = []
    for soname in sorted(sonames):
        try:
            candidates = package_candidates(soname)
        except ValueError:
            unknown.append(soname)
            continue
        chosen = next((name for name in candidates if _apt_knows(name)), None)
        if chosen is None:
            unknown.append(soname)
        elif chosen not in packages:
            packages.append(chosen)
    return packages, unknown


def main(argv: Sequence[str]) -> int:
    command = argv[0] if argv else "missing"
    missing = missing_libraries(plugin_files(qt_root()))
    if command == "missing":
        for soname, paths in sorted(missing.items()):
            print(f"{soname}: {' '.join(path.name for path in paths)}")
        return 1 if missing else 0
    if command == "packages":
        packages, unknown = packages_for(missing)
        for soname in unknown:
            print(f"没有找到提供 {soname} 的软件包", file=sys.stderr)
        print("\n".join(packages))
        return 0
    print("usage: qt_system_libs.py missing | packages", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
