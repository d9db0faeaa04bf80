"""Fonts for every printed form: a Unicode body font, fallbacks for the scripts it lacks
(Chinese), and text shaping (harfbuzz) so Arabic letters join and lines run right to left.

DejaVu Sans covers Latin, Cyrillic and Arabic; a CJK font (WenQuanYi Micro Hei, Noto Sans
CJK or Droid Sans Fallback, as Debian packages them) covers Chinese. Settings name others:
ARMSTRACE_PDF_FONT (the body) and ARMSTRACE_PDF_FALLBACK_FONTS (paths, in order).
"""

from __future__ import annotations

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


def use_unicode_fonts(pdf: FPDF, family: str) -> bool:
    """Register `family` (regular and bold) with its fallbacks and shaping; False when no
    Unicode font is installed (the caller then prints Latin-1 with a core font)."""
    body = body_font()
    if body is None:
        return False
    pdf.add_font(family, fname=body)
    bold = body.with_name(body.stem + "-Bold.ttf")
    pdf.add_font(family, style="B", fname=bold if bold.is_file() else body)
    names = []
    for number, path in enumerate(fallback_fonts()):
        name = f"{family}-fallback{number}"
        pdf.add_font(name, fname=path)
        pdf.add_font(name, style="B", fname=path)
        names.append(name)
    pdf.set_fallback_fonts(names)
    pdf.set_text_shaping(True)
    return True
