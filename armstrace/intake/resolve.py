"""Resolving what a source wrote (manufacturer, country, calibre, type) to reference data.

Only confident answers resolve: an exact name, code or alias (in any of the reference
languages), or a single identification well above the fuzzy range. Anything else stays as
written and is flagged for review; a guess written into a record would be worse than a flag.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from armstrace.reference.choices import WeaponType
from armstrace.reference.identify import Index, get_index, identify_in
from armstrace.reference.models import Calibre, Country
from armstrace.reference.normalise import compact_key, name_key
from armstrace.registry.models import Weapon

# identify() gives an exact alias of a curated maker 1.2 / 1.7 = 0.71; fuzzy matches less.
CONFIDENT = 0.7


@dataclass
class Resolver:
    """Caches every distinct value: a million rows carry a few thousand distinct names."""

    index: Index = field(default_factory=get_index)
    _memo: dict[str, dict[str, Any]] = field(default_factory=dict)
    _countries: set[str] = field(default_factory=set)
    _calibres: dict[str, int] = field(default_factory=dict)
    # The two most frequent lookups (a maker and up to two countries a row) skip _cached.
    _makers: dict[str, int | None] = field(default_factory=dict)
    _country_of: dict[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._countries = set(Country.objects.values_list("code", flat=True))
        self._calibres = dict(Calibre.objects.values_list("key", "id"))

    def _cached(self, kind: str, text: str, compute: Callable[[str], Any]) -> Any:
        memo = self._memo.setdefault(kind, {})
        if text not in memo:
            memo[text] = compute(text)
        return memo[text]

    def manufacturer(self, text: str) -> int | None:
        try:
            return self._makers[text]
        except KeyError:
            self._makers[text] = found = self._manufacturer(text)
            return found

    def country(self, text: str) -> str | None:
        try:
            return self._country_of[text]
        except KeyError:
            self._country_of[text] = found = self._country(text)
            return found

    def calibre(self, text: str) -> int | None:
        return self._cached("calibre", text, self._calibre)  # type: ignore[no-any-return]

    def weapon_type(self, text: str) -> str | None:
        return self._cached("type", text, self._type)  # type: ignore[no-any-return]

    def _manufacturer(self, text: str) -> int | None:
        exact = (
            self.index.maker_names.get(name_key(text))
            or self.index.maker_names.get(compact_key(text))
            or self.index.maker_codes.get(name_key(text))
        )
        if exact:
            return next(iter(exact)) if len(exact) == 1 else None
        candidates = [
            c
            for c in identify_in(self.index, {"manufacturer": text}).candidates
            if c.manufacturer_key
        ]
        if not candidates or candidates[0].confidence < CONFIDENT:
            return None
        tied = {c.manufacturer_key for c in candidates if c.score == candidates[0].score}
        return (
            self.index.maker_ids.get(candidates[0].manufacturer_key or "")
            if len(tied) == 1
            else None
        )

    def _country(self, text: str) -> str | None:
        if text.upper() in self._countries:
            return text.upper()
        codes = self.index.countries.get(name_key(text))
        if codes:
            return next(iter(codes)) if len(codes) == 1 else None
        candidates = identify_in(self.index, {"country": text}).candidates
        return candidates[0].country if len(candidates) == 1 else None

    def _calibre(self, text: str) -> int | None:
        ids = self.index.calibres.get(name_key(text)) or self.index.calibres.get(compact_key(text))
        if ids:
            return next(iter(ids)) if len(ids) == 1 else None
        candidates = identify_in(self.index, {"calibre": text}).candidates
        if len(candidates) == 1 and candidates[0].design_key is None and candidates[0].calibre_key:
            return self._calibres.get(candidates[0].calibre_key)
        return None

    def _type(self, text: str) -> str | None:
        lowered = text.strip().lower()
        for choice in WeaponType:
            if lowered in (choice.value, str(choice.label).lower()):
                return choice.value
        types = self.index.types.get(name_key(text))
        if types:
            return next(iter(types)) if len(types) == 1 else None
        candidates = identify_in(self.index, {"type": text}).candidates
        if len(candidates) == 1 and candidates[0].design_key is None:
            return candidates[0].weapon_type
        return None

    def weapons(self, serial_norm: str, maker_text: str) -> QuerySet[Weapon]:
        """The registered weapons a row naming this serial and manufacturer may mean: the
        maker as resolved, or as written."""
        found = Weapon.objects.filter(serial_norm=serial_norm)
        if not maker_text:
            return found
        by_name = found.filter(manufacturer_name__iexact=maker_text)
        maker_id = self.manufacturer(maker_text)
        if maker_id is None:
            return by_name
        return found.filter(manufacturer__manufacturer_ref_id=maker_id) | by_name
