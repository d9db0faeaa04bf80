"""Pure functions over serial numbers: confusable-canonical forms and query patterns.

A misread character becomes an exact match once both sides are folded to one
representative per confusion class (0/O/D/Q -> 0, ...), so misreads are served by a plain
B-tree on the canonical column instead of a similarity scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from armstrace.core.text import normalise_serial

# Characters misread for each other on worn metal, photos and handwriting. The first
# character of each class represents it. Configurable via settings.ARMSTRACE_CONFUSABLES.
DEFAULT_CONFUSABLES = ("0ODQ", "1IL7", "5S", "8B3", "2Z", "6G", "UV")
ONE, ANY = "?", "*"
MAX_QUERY = 64


def canon_table(classes: tuple[str, ...] | list[str] = DEFAULT_CONFUSABLES) -> dict[int, str]:
    table: dict[int, str] = {}
    for group in classes:
        for ch in group[1:]:
            table[ord(ch)] = group[0]
    return table


_DEFAULT_TABLE = canon_table()


def canonical(norm: str, table: dict[int, str] = _DEFAULT_TABLE) -> str:
    """'B0O5' -> '8005': one character per confusion class."""
    return norm.translate(table)


def reverse(value: str) -> str:
    return value[::-1]


class PatternError(ValueError):
    """A query that cannot be searched; says why."""


@dataclass(frozen=True)
class Pattern:
    """A normalised serial query; `?` stands for one unknown character, `*` for any run."""

    text: str  # normalised, wildcards kept

    @property
    def has_wildcards(self) -> bool:
        return ONE in self.text or ANY in self.text

    @property
    def known(self) -> int:
        return sum(ch not in (ONE, ANY) for ch in self.text)

    def literal_prefix(self) -> str:
        return re.split(r"[?*]", self.text, maxsplit=1)[0]

    def literal_suffix(self) -> str:
        return re.split(r"[?*]", self.text)[-1]

    def canonical(self, table: dict[int, str] = _DEFAULT_TABLE) -> Pattern:
        return Pattern(self.text.translate(table))

    def like(self) -> str:
        """SQL LIKE syntax; the text holds no % or _ after normalisation."""
        return self.text.replace(ANY, "%").replace(ONE, "_")

    def regex(self) -> re.Pattern[str]:
        body = "".join(
            "." if ch == ONE else ".*" if ch == ANY else re.escape(ch) for ch in self.text
        )
        return re.compile(f"^{body}$")

    def reversed(self) -> Pattern:
        return Pattern(reverse(self.text))


def parse(query: str) -> Pattern:
    """Normalise a serial as typed; `…` and `...` also mean an unknown run."""
    raw = query.strip()
    if not raw:
        raise PatternError("empty serial")
    if len(raw) > MAX_QUERY:
        raise PatternError(f"serial longer than {MAX_QUERY} characters")
    raw = raw.replace("…", ANY).replace("...", ANY)
    parts = re.split(r"([?*])", raw)
    text = "".join(p if p in (ONE, ANY) else normalise_serial(p) for p in parts)
    text = re.sub(r"\*+", ANY, text)
    pattern = Pattern(text)
    if pattern.known == 0:
        raise PatternError("the serial has no known character")
    return pattern
