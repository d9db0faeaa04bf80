"""Keeps the serial index in step with the registry.

Registry writes reach it through model signals (the registry does not know the search
app exists); bulk loads call `rebuild_index` once at the end instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from functools import lru_cache

from django.conf import settings
from django.db import transaction

from armstrace.core.text import normalise_name, normalise_serial
from armstrace.reference.identify import Version, get_index
from armstrace.reference.models import ManufacturerAlias
from armstrace.registry.models import Component, Mark, Weapon
from armstrace.search import column
from armstrace.search.models import EntrySource, SerialEntry
from armstrace.search.serials import DEFAULT_CONFUSABLES, canon_table, canonical, reverse

_deferred: ContextVar[bool] = ContextVar("armstrace_index_deferred", default=False)


def indexing_deferred() -> bool:
    return _deferred.get()


@contextlib.contextmanager
def deferred_indexing() -> Iterator[None]:
    """For bulk loads: skip per-row indexing inside, rebuild the whole index once after."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)
    rebuild_index()


def confusables() -> dict[int, str]:
    classes = getattr(settings, "ARMSTRACE_CONFUSABLES", DEFAULT_CONFUSABLES)
    return canon_table(tuple(classes))


@lru_cache(maxsize=4096)
def _maker_for_name(name_norm: str, version: Version) -> int | None:
    """The canonical manufacturer a name denotes, if exactly one curated maker has it."""
    ids = set(
        ManufacturerAlias.objects.filter(alias_norm=name_norm)
        .exclude(manufacturer__kind="ncic")
        .values_list("manufacturer_id", flat=True)
    )
    if not ids:
        ids = set(
            ManufacturerAlias.objects.filter(alias_norm=name_norm).values_list(
                "manufacturer_id", flat=True
            )
        )
    return ids.pop() if len(ids) == 1 else None


def maker_id_for(weapon: Weapon) -> int | None:
    party = weapon.manufacturer if weapon.manufacturer_id is not None else None
    if party is not None and party.manufacturer_ref_id is not None:
        return party.manufacturer_ref_id
    return _maker_for_name(normalise_name(weapon.manufacturer_name), get_index().version)


def _entry(
    weapon: Weapon,
    source: str,
    source_id: int | None,
    value: str,
    maker: int | None,
    table: dict[int, str],
) -> SerialEntry | None:
    norm = normalise_serial(value)[:200]
    if not norm:
        return None
    canon = canonical(norm, table)
    return SerialEntry(
        weapon_id=weapon.pk,
        source=source,
        source_id=source_id,
        value=value[:200],
        norm=norm,
        canon=canon,
        canon_rev=reverse(canon),
        length=len(norm),
        maker_id=maker,
    )


def entries_for(
    weapon: Weapon, components: Iterable[Component], marks: Iterable[Mark], table: dict[int, str]
) -> Iterator[SerialEntry]:
    maker = maker_id_for(weapon)
    candidates = [_entry(weapon, EntrySource.PRIMARY, None, weapon.serial_number, maker, table)]
    candidates += [
        _entry(weapon, EntrySource.COMPONENT, c.pk, c.serial_number, maker, table)
        for c in components
        if c.serial_number
    ]
    candidates += [_entry(weapon, EntrySource.MARK, m.pk, m.text, maker, table) for m in marks]
    seen: set[str] = set()
    for entry in candidates:
        if entry is not None and entry.norm not in seen:
            seen.add(entry.norm)
            yield entry


def index_weapon(weapon: Weapon, *, new: bool = False) -> None:
    """(Re)write the weapon's index rows; a weapon just created has only its serial."""
    if new:
        SerialEntry.objects.bulk_create(entries_for(weapon, [], [], confusables()))
        return
    with transaction.atomic():
        old = SerialEntry.objects.filter(weapon_id=weapon.pk)
        column.note_removed(old.values_list("pk", flat=True))
        old.delete()
        SerialEntry.objects.bulk_create(
            entries_for(weapon, weapon.components.all(), weapon.marks.all(), confusables())
        )


def rebuild_index(batch: int = 5000) -> int:
    """Re-index every weapon (after a bulk load or a change of the confusable table)."""
    table = confusables()
    total = 0
    column.forget()
    with transaction.atomic():
        SerialEntry.objects.all().delete()
        last = None
        while True:
            page = Weapon.objects.select_related("manufacturer").order_by("pk")
            if last is not None:
                page = page.filter(pk__gt=last)
            weapons = list(page[:batch])
            if not weapons:
                break
            ids = [w.pk for w in weapons]
            components: dict[object, list[Component]] = {}
            for c in Component.objects.filter(weapon_id__in=ids):
                components.setdefault(c.weapon_id, []).append(c)
            marks: dict[object, list[Mark]] = {}
            for m in Mark.objects.filter(weapon_id__in=ids):
                marks.setdefault(m.weapon_id, []).append(m)
            rows = [
                e
                for w in weapons
                for e in entries_for(w, components.get(w.pk, []), marks.get(w.pk, []), table)
            ]
            SerialEntry.objects.bulk_create(rows, batch_size=2000)
            total += len(rows)
            last = weapons[-1].pk
    return total
