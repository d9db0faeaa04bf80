"""Test helpers: records set up directly where the services have no way to write them
(values an import would leave unresolved, or many records at once)."""

from __future__ import annotations

from typing import Any

from armstrace.core.text import normalise_serial
from armstrace.registry.models import Weapon


def update(weapon: Weapon, **fields: Any) -> Weapon:
    Weapon.objects.filter(pk=weapon.pk).update(**fields)
    weapon.refresh_from_db()
    return weapon


def bulk_weapons(agency: Any, serials: list[str], **fields: Any) -> list[Weapon]:
    """Many complete records at once (status 'unknown', no events), like a bulk import."""
    defaults: dict[str, Any] = {
        "manufacturer_name": "Zastava Arms",
        "country_of_manufacture_id": "RS",
        "model": "M70",
        "calibre": "7.62x39",
        "weapon_type": "assault-rifle",
        "year_of_manufacture": 1990,
        "status": "unknown",
    }
    defaults.update(fields)
    return Weapon.objects.bulk_create(
        Weapon(serial_number=s, serial_norm=normalise_serial(s), agency=agency, **defaults)
        for s in serials
    )
