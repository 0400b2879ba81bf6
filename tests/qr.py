"""Reading QR codes back as a scanner would: zxing-cpp on the rendered image."""

from __future__ import annotations

import io
import re

import PIL.Image
import zxingcpp

PIXELS_PER_MODULE = 4


def scan_png(png: bytes) -> list[str]:
    """The text of every QR code in a PNG."""
    return _texts(PIL.Image.open(io.BytesIO(png)))


def scan_svg(svg: str) -> list[str]:
    """The text of every QR code in one of segno's inline SVGs (a path of horizontal runs:
    `M`/`m` moves and `h` runs, one unit per module), drawn to pixels first."""
    view = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    if view:
        size = int(view.group(1))
    else:
        scale = float(re.search(r'transform="scale\(([\d.]+)\)"', svg).group(1))
        size = round(int(re.search(r'width="(\d+)"', svg).group(1)) / scale)
    path = re.search(r' d="([^"]+)"', svg).group(1)
    grid = [[False] * size for _ in range(size)]
    x = y = 0.0
    for op, args in re.findall(r"([MmHh])([^MmHh]*)", path):
        numbers = [float(n) for n in re.findall(r"-?[\d.]+", args)]
        if op == "M":
            x, y = numbers
        elif op == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:
            for dx in range(int(numbers[0])):
                grid[int(y)][int(x) + dx] = True
            x += numbers[0]
    image = PIL.Image.new("L", (size, size), 255)
    image.putdata([0 if dark else 255 for row in grid for dark in row])
    side = size * PIXELS_PER_MODULE
    return _texts(image.resize((side, side), PIL.Image.Resampling.NEAREST))


def _texts(image: PIL.Image.Image) -> list[str]:
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [barcode.text for barcode in found]
