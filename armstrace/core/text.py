"""Normalisation of identifiers as marked on weapons.

Serials are written by hand, read off worn metal, typed on foreign keyboards: fold what does
not change the identity (case, spacing, separators, look-alike letters of other scripts).
"""

from __future__ import annotations

import unicodedata

# Cyrillic and Greek capitals that look exactly like Latin ones on a stamped serial.
LOOKALIKES = str.maketrans(
    {
        "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "К": "K", "М": "M", "О": "O",
        "Р": "P", "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S",
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
        "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    }
)  # fmt: skip
SEPARATORS = frozenset(" \t-_/\\.,:;·–—")


def has_control_characters(value: str) -> bool:
    if value.isprintable():  # fast path, in C: printable text holds none of them
        return False
    return any(unicodedata.category(ch) in {"Cc", "Cf", "Co", "Cs"} for ch in value)


def normalise_serial(value: str) -> str:
    """Upper case, Latin look-alikes, no separators: 'ab-12 345' -> 'AB12345'."""
    folded = unicodedata.normalize("NFKC", value).upper().translate(LOOKALIKES)
    kept = "".join(ch for ch in folded if ch not in SEPARATORS)
    # Upper case and dropped separators can leave a letter and a mark that compose ("ΐ"
    # gives Ϊ and an acute): compose them now, so that normalising twice changes nothing.
    return kept if kept.isascii() else unicodedata.normalize("NFKC", kept)


def normalise_name(value: str) -> str:
    """Case-, accent- and punctuation-insensitive key for names of parties and places."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    kept = (ch for ch in decomposed if not unicodedata.combining(ch))
    words = "".join(ch if ch.isalnum() else " " for ch in kept).split()
    return " ".join(words)
