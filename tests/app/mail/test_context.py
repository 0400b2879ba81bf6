"""The pieces `app.mail.context` draws itself."""

from __future__ import annotations

import io

import pytest
import segno
from PIL import Image

from app.core.tokens import checkin_payload, checkin_qr
from app.mail.context import png_of
from tests.qr import scan_png

SECRET = "s" * 32


def pixels(png: bytes) -> tuple[tuple[int, int], list[int]]:
    image = Image.open(io.BytesIO(png)).convert("L")
    return image.size, list(image.tobytes())


@pytest.mark.parametrize("code", ["ABCD2345", "ZVXQ2RS4"])
def test_the_qr_png_is_pixel_for_pixel_segnos_own(code):
    qr = checkin_qr(SECRET, code)
    own = io.BytesIO()
    qr.save(own, kind="png", scale=4, border=2)
    drawn = png_of(qr, scale=4, border=2)
    assert drawn.startswith(b"\x89PNG")
    assert pixels(drawn) == pixels(own.getvalue())
    assert scan_png(drawn) == [checkin_payload(SECRET, code)]


def test_scale_and_border_size_the_image():
    qr = segno.make("MADANG", error="m", micro=False)
    (width, height), _ = pixels(png_of(qr, scale=3, border=4))
    assert width == height == (len(qr.matrix) + 8) * 3
