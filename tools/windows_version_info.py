"""The Windows version resource of an executable (file properties → 详细信息), from the one version.

`build_installer.spec` writes one per program into PyInstaller's work folder and passes it as `version=`.
The text is PyInstaller's version-file format: a Python expression over its `versioninfo` classes.
"""

from __future__ import annotations

import re

PRODUCT = "窗口受理 Window Clerk"
LANGUAGE, CODEPAGE = 0x0804, 1200  # Chinese (PRC), UTF-16


def version_numbers(version: str) -> tuple[int, int, int, int]:
    """ "0.1.0" → (0, 1, 0, 0); a suffix such as ".dev1" or "rc2" adds nothing."""
    parts = [int(part) for part in re.findall(r"\d+", version.split("+")[0])[:3]]
    major, minor, patch = (parts + [0, 0, 0])[:3]
    return (major, minor, patch, 0)


def version_info_text(*, version: str, program: str, description: str) -> str:
    numbers = version_numbers(version)
    strings = {
        "FileDescription": description,
        "FileVersion": version,
        "InternalName": program,
        "OriginalFilename": f"{program}.exe",
        "ProductName": PRODUCT,
        "ProductVersion": version,
    }
    table = ",\n          ".join(f"StringStruct({key!r}, {value!r})" for key, value in strings.items())
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={numbers},
    prodvers={numbers},
    mask=0x3F,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0),
  ),
  kids=[
    StringFileInfo([
      StringTable(
        '{LANGUAGE:04X}{CODEPAGE:04X}',
        [
          {table},
        ],
      )
    ]),
    VarFileInfo([VarStruct('Translation', [{LANGUAGE}, {CODEPAGE}])]),
  ],
)
"""
