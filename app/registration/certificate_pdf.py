"""The certificate of attendance as a PDF: A4, Korean and English on one page, the Korean font
embedded (subset) so it prints the same everywhere. Built with fpdf2."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Where Debian/Ubuntu (fonts-noto-cjk), Fedora and Alpine put Noto Sans CJK.
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto/NotoSansCJK-Regular.ttc",
)


class FontMissing(RuntimeError):
    """No font with Korean glyphs: set CERTIFICATE_FONT or install fonts-noto-cjk."""


@dataclass(frozen=True)
class CertificateText:
    name: str
    forum_ko: str
    forum_en: str
    dates: str  # "2026-05-14 – 2026-05-15"
    wording_ko: str
    wording_en: str
    signatory_ko: str
    signatory_en: str
    signatory_title_ko: str
    signatory_title_en: str
    code: str  # ABCD-EFGH-JKMN
    verify_url: str


def find_font(configured: str | None = None) -> str:
    for path in (configured, *FONT_CANDIDATES):
        if path and Path(path).is_file():
            return path
    raise FontMissing(
        "No Korean font for certificates: install fonts-noto-cjk or set CERTIFICATE_FONT "
        "to a TTF/OTF/TTC file with Hangul."
    )


def render_certificate(text: CertificateText, *, font: str) -> bytes:
    from fpdf import FPDF  # on first use: most processes never make a PDF

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(f"Certificate of attendance / 참석 확인서: {text.forum_en or text.forum_ko}")
    pdf.set_creator("Madang")
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.add_font("cjk", fname=font)
    width = pdf.w - 40

    def line(value: str, size: float, *, gap: float = 2, colour: int = 20) -> None:
        if not value:
            return
        pdf.set_font("cjk", size=size)
        pdf.set_text_color(colour)
        pdf.set_x(20)
        pdf.multi_cell(width, size * 0.5, value, align="C")
        pdf.ln(gap)

    pdf.set_draw_color(11, 61, 145)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_y(34)
    line("참석 확인서", 28, gap=1)
    line("Certificate of Attendance", 16, gap=18, colour=70)
    line(text.name, 26, gap=14)
    line(text.wording_ko, 13, gap=4)
    line(text.wording_en, 12, gap=12, colour=60)
    line(text.forum_ko, 15, gap=1)
    line(text.forum_en, 13, gap=2, colour=60)
    line(text.dates, 12, gap=24, colour=60)
    line(" · ".join(filter(None, (text.signatory_title_ko, text.signatory_ko))), 13, gap=1)
    line(" · ".join(filter(None, (text.signatory_title_en, text.signatory_en))), 12, colour=60)
    pdf.set_y(pdf.h - 40)
    line(f"확인 코드 Verification code: {text.code}", 10, gap=1, colour=80)
    line(text.verify_url, 9, colour=80)
    return bytes(pdf.output())
