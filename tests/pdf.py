"""Reading a printed page back: the text of a PDF (pypdf) and a page drawn as an image
(pdfium, as a PDF viewer draws it), for tests/qr.py to find the QR code in."""

from __future__ import annotations

import io

import pypdfium2
from pypdf import PdfReader


def pdf_texts(pdf: bytes) -> list[str]:
    """Each page's text, its spaces and line breaks folded into single spaces."""
    return [
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages
    ]


def pdf_page_sizes(pdf: bytes) -> list[tuple[int, int]]:
    """Each page's width and height in whole millimetres (A4: 210 × 297)."""
    return [
        (
            round(float(page.mediabox.width) / 72 * 25.4),
            round(float(page.mediabox.height) / 72 * 25.4),
        )
        for page in PdfReader(io.BytesIO(pdf)).pages
    ]


def pdf_page_png(pdf: bytes, index: int = 0, scale: float = 3.0) -> bytes:
    """One page drawn at ``scale`` × 72 dpi, as PNG."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[index].render(scale=scale).to_pil()
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
