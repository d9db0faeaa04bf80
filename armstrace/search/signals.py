"""Registry writes re-index the weapon they touch."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from armstrace.registry.models import Component, Mark, Weapon
from armstrace.search.indexing import index_weapon, indexing_deferred

# Saves that change only the life-cycle state do not touch any identifier.
STATE_ONLY = frozenset({"status", "holder", "last_event_on", "updated_at"})


@receiver(post_save, sender=Weapon)
def weapon_saved(
    sender: Any, instance: Weapon, created: bool, update_fields: Any = None, **kwargs: Any
) -> None:
    if indexing_deferred() or (update_fields and set(update_fields) <= STATE_ONLY):
        return
    index_weapon(instance, new=created)


@receiver(post_save, sender=Component)
@receiver(post_save, sender=Mark)
def part_saved(sender: Any, instance: Component | Mark, **kwargs: Any) -> None:
    if not indexing_deferred():
        index_weapon(instance.weapon)
