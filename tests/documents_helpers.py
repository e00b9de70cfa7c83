"""Reading a PDF back as a person would: its text, its pages as pictures, and the codes on them."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils (pdftotext, pdftoppm) missing: ./dev test installs it",
)


@dataclass
class ReadBack:
    text: str
    pages: list[Path]
    codes: list[tuple[str, str]]  # (format, text)

    def decoded(self, kind: str) -> list[str]:
        return [text for fmt, text in self.codes if kind in fmt.replace(" ", "")]


def read_back(pdf: bytes, folder: Path, *, dpi: int = 200) -> ReadBack:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "doc.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(path), str(folder / "page")], check=True)
    pages = sorted(folder.glob("page*.png"))
    codes: list[tuple[str, str]] = []
    for page in pages:
        with Image.open(page) as image:
            # One pass per symbology: an all-format pass may stop after the QR code.
            for symbology in (zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.Code128):
                for result in zxingcpp.read_barcodes(image, formats=symbology, try_downscale=False):
                    codes.append((str(result.format), result.text))
    return ReadBack(text, pages, codes)
