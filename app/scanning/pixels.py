"""A page's pixels in the modes the checks, thumbnails and decoders read: one conversion for all of them.

Scanners and files deliver 1-bit, 8-bit and 16-bit grey, palettes, colour with or without alpha, CMYK.
Two conversions are easy to get wrong, and are made here once: 16-bit grey is scaled down to 8 bits (Pillow's
own convert("L") clips it, so every level above 255 turns white: a 16-bit scan would read as a blank page),
and transparency is laid on white paper (a transparent PNG read as black would be "too dark").
"""

from __future__ import annotations

from PIL import Image


def eight_bit(image: Image.Image) -> Image.Image:
    """A 16-bit or floating grey image as 8-bit grey, scaled; anything else as it is. An "I" image whose
    levels are all within 0–255 (a 1-byte scan stored wide) is kept at its levels."""
    if not (image.mode.startswith("I") or image.mode == "F"):
        return image
    wide = image if image.mode == "F" else image.convert("I")
    high = wide.getextrema()[1]
    scale = 255 / 65535 if isinstance(high, int | float) and high > 255 else 1.0
    return wide.point(lambda level: level * scale).convert("L")


def on_white(image: Image.Image, *, gray: bool) -> Image.Image:
    """The page as grey ("L") or colour ("RGB", or "L" when it is grey already) on white paper."""
    image = eight_bit(image)
    mode = image.mode
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(paper, rgba).convert("RGB")
    elif mode not in ("L", "RGB"):
        image = image.convert("L" if mode == "1" else "RGB")
    return image.convert("L") if gray and image.mode != "L" else image
