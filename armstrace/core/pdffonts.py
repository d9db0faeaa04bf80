"""Fonts for every printed form: a Unicode body font, fallbacks for the scripts it lacks
(Chinese), and text shaping (harfbuzz) so Arabic letters join and lines run right to left.

DejaVu Sans covers Latin, Cyrillic and Arabic; a CJK font (WenQuanYi Micro Hei, Noto Sans
CJK or Droid Sans Fallback, as Debian packages them) covers Chinese. Settings name others:
ARMSTRACE_PDF_FONT (the body) and ARMSTRACE_PDF_FALLBACK_FONTS (paths, in order).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable
from pathlib import Path

from django.conf import settings
from fpdf import FPDF

BODY_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
)
FALLBACK_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)


def _first_file(*paths: str) -> Path | None:
    return next((Path(p) for p in paths if p and Path(p).is_file()), None)


def body_font() -> Path | None:
    return _first_file(settings.ARMSTRACE_PDF_FONT, *BODY_CANDIDATES)


def fallback_fonts() -> list[Path]:
    """The configured fallbacks that exist, else the first CJK font installed."""
    configured = [Path(p) for p in settings.ARMSTRACE_PDF_FALLBACK_FONTS if Path(p).is_file()]
    found = _first_file(*FALLBACK_CANDIDATES)
    return configured or ([found] if found else [])


# Code points written without shaping: Latin, Greek, Cyrillic and Armenian (below Hebrew),
# punctuation and symbols, CJK (ranges as (first, last)). Everything else may need it.
UNSHAPED = ((0x0000, 0x058F), (0x2000, 0x2BFF), (0x2E80, 0x9FFF), (0xAC00, 0xD7AF),
            (0xF900, 0xFAFF), (0xFF00, 0xFFEF))  # fmt: skip


def needs_shaping(texts: Iterable[str]) -> bool:
    """Some character needs text shaping (Arabic joining, right-to-left runs, Indic
    clusters, combining marks)."""
    return any(
        unicodedata.combining(char) or not any(a <= ord(char) <= b for a, b in UNSHAPED)
        for text in texts
        for char in text
    )


def use_unicode_fonts(pdf: FPDF, family: str, texts: Collection[str] | None = None) -> bool:
    """Register `family` (regular and bold) with its fallbacks and shaping; False when no
    Unicode font is installed (the caller then prints Latin-1 with a core font).

    `texts`: everything the document will print, when known before it is written. The
    fallback fonts (a CJK font takes a quarter of a second to load) are then registered
    only if the body font lacks a character, and shaping is turned on only if a text needs
    it. A fallback serves bold text too (fpdf2 takes the regular face when no bold one)."""
    body = body_font()
    if body is None:
        return False
    pdf.add_font(family, fname=body)
    bold = body.with_name(body.stem + "-Bold.ttf")
    pdf.add_font(family, style="B", fname=bold if bold.is_file() else body)
    covered = getattr(pdf.fonts[family.lower()], "cmap", {})  # a TTF font's characters
    if texts is None or any(ord(char) not in covered for text in texts for char in text):
        names = []
        for number, path in enumerate(fallback_fonts()):
            name = f"{family}-fallback{number}"
            pdf.add_font(name, fname=path)
            names.append(name)
        pdf.set_fallback_fonts(names, exact_match=False)
    if texts is None or needs_shaping(texts):
        pdf.set_text_shaping(True)
    return True
