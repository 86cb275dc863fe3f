"""Reading a QR code back, as a phone's camera would: from a PNG (a browser's screenshot), or
from the inline SVG the server sends (drawn into an image here), decoded with zxing-cpp."""

from __future__ import annotations

import io
import re

import zxingcpp
from PIL import Image, ImageDraw

_VIEWBOX = re.compile(r'viewBox="0 0 (\d+) (\d+)"')
_PATH = re.compile(r'<path class="qrline"[^>]* d="([^"]+)"')
_STEP = re.compile(r"([MmhHvV])\s*(-?[\d.]+)(?:\s+(-?[\d.]+))?")


def decode_png(png: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert found, "no QR code found in the image"
    return str(found[0].text)


def decode_svg(svg: str, scale: int = 8) -> str:
    """Draw segno's SVG path (rows of horizontal strokes, 1 unit thick) and decode it."""
    size = _VIEWBOX.search(svg)
    path = _PATH.search(svg)
    assert size and path, "not a QR code drawn by segno"
    width, height = int(size.group(1)), int(size.group(2))
    image = Image.new("L", (width * scale, height * scale), 255)
    draw = ImageDraw.Draw(image)
    x = y = 0.0
    for command, first, second in _STEP.findall(path.group(1)):
        a = float(first)
        b = float(second) if second else 0.0
        if command == "M":
            x, y = a, b
        elif command == "m":
            x, y = x + a, y + b
        elif command == "h":
            top = (y - 0.5) * scale
            draw.rectangle([x * scale, top, (x + a) * scale - 1, top + scale - 1], fill=0)
            x += a
        else:
            raise AssertionError(f"unexpected path command {command}")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return decode_png(buffer.getvalue())
