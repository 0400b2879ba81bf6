"""Reading a PDF back as a viewer does: PDFium (Chrome's PDF engine) through pypdfium2."""

from __future__ import annotations

import pypdfium2 as pdfium


def pdf_pages(data: bytes) -> list[tuple[tuple[int, int], str]]:
    """Each page's size in points and its text."""
    document = pdfium.PdfDocument(data)
    try:
        pages = []
        for page in document:
            text_page = page.get_textpage()
            pages.append((tuple(round(x) for x in page.get_size()), text_page.get_text_range()))
            text_page.close()
            page.close()
        return pages
    finally:
        document.close()
