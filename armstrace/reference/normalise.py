"""Keys under which reference names are stored and looked up.

People write calibres as "7,62x39", "7.62 × 39 mm", "cal. .45", "12ga"; models as "AK-47",
"AK 47", "ak47". Each kind of name gets one key so that all spellings meet.
"""

from __future__ import annotations

import re
import unicodedata

from armstrace.core.text import normalise_name

_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
_CALIBRE_WORDS = re.compile(r"\b(calibre|caliber|cal|kal|kaliber|calibro|калибр)\b\.?")
_MM = re.compile(r"(?<=\d)\s*(mm|мм)\b|\b(mm|мм)\b")
_TIMES = re.compile(r"\s*[x×х*]\s*(?=\d)")
_GAUGE = re.compile(r"(?<=\d)\s*(ga|gauge|ga\.|bore|калибра)\b")
_DOT_NOT_DECIMAL = re.compile(r"(?<!\d)\.|\.(?!\d)")
_PUNCT = re.compile(r"[^\w.]+")


def calibre_key(text: str) -> str:
    """'7,62 × 39 mm' -> '7.62x39'; 'Cal. .45 ACP' -> '45 acp'; '12 Gauge' -> '12ga'."""
    value = unicodedata.normalize("NFKC", text).casefold()
    value = _DECIMAL_COMMA.sub(".", value)
    value = _CALIBRE_WORDS.sub(" ", value)
    value = _MM.sub(" ", value)
    value = _TIMES.sub("x", value)
    value = _GAUGE.sub("ga", value)
    value = _DOT_NOT_DECIMAL.sub(" ", value)
    value = _PUNCT.sub(" ", value).replace("_", " ")
    return " ".join(value.split())


def name_key(text: str) -> str:
    """Case-, accent- and punctuation-free words: 'Heckler & Koch' -> 'heckler koch'."""
    return normalise_name(text)


def compact_key(text: str) -> str:
    """Words run together: 'AK-47' and 'AK 47' -> 'ak47'; 'H&K' -> 'hk'."""
    return normalise_name(text).replace(" ", "")
