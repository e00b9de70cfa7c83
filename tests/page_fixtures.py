"""Pages for tests: real images (Pillow), stored in a workspace's page store and attached to a case."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageDraw

from app.acceptance import Counter
from app.scanning.attach import MaterialPages
from app.scanning.events import AttachedPage
from app.scanning.pages import CapturedPage, PageFormat, PageSource
from app.workspace import Workspace


def page_image(text: str = "第 1 页", *, size: tuple[int, int] = (827, 1169), fmt: str = "PNG") -> bytes:
    """A white A4 page at 100 dpi with a line of text and a frame: small, but a page."""
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 60, size[0] - 60, size[1] - 60), outline=0, width=3)
    tag = text.encode().hex()  # the default font has no Chinese: the text's bytes make each page its own
    for row in range(8):
        draw.text((90, 100 + row * 40), f"{tag} line {row} 0123456789", fill=0)
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def captured(text: str = "第 1 页", *, source: PageSource = PageSource.FILE) -> CapturedPage:
    data = page_image(text)
    return CapturedPage(data, PageFormat.PNG, 827, 1169, 100, source, origin=f"{text}.png")


def stored(workspace: Workspace, text: str = "第 1 页", *, rotation: int = 0) -> AttachedPage:
    data = page_image(text)
    sha = workspace.pages.pages.put(data)
    return AttachedPage(
        sha256=sha,
        byte_size=len(data),
        format=PageFormat.PNG,
        width=827,
        height=1169,
        dpi=100,
        rotation=rotation,
        source=PageSource.FILE,
    )


def attach_pages(
    workspace: Workspace, number: str, counter: Counter, material_code: str, *texts: str, visit: int = 0
) -> list[AttachedPage]:
    pages = [stored(workspace, text) for text in texts]
    workspace.pages.attach(number, [MaterialPages(material_code, tuple(pages), visit=visit)], by=counter)
    return pages


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims `width`×`height` (its pixels are never there): what a decompression bomb
    looks like before it is decoded."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )
