"""The serial index: one row per identifier marked on a weapon (its primary serial, each
component's serial, each recorded mark), in the forms the search engines need.

`canon` folds confusable characters (serials.canonical); `canon_rev` is `canon` reversed so
that a B-tree serves suffixes; `maker` is the canonical manufacturer when it is known.
"""

from __future__ import annotations

from django.db import models

from armstrace.reference.models import Manufacturer
from armstrace.registry.models import Weapon


class EntrySource(models.TextChoices):
    PRIMARY = "primary", "primary serial"
    COMPONENT = "component", "component serial"
    MARK = "mark", "mark"


class SerialEntry(models.Model):
    weapon = models.ForeignKey(Weapon, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=10, choices=EntrySource.choices)
    source_id = models.BigIntegerField(null=True)
    value = models.CharField(max_length=200)
    norm = models.CharField(max_length=200)
    canon = models.CharField(max_length=200)
    canon_rev = models.CharField(max_length=200)
    length = models.PositiveSmallIntegerField()
    # No index of its own: serial_maker_canon (migration 0002) leads with it.
    maker = models.ForeignKey(
        Manufacturer, on_delete=models.SET_NULL, null=True, related_name="+", db_index=False
    )

    class Meta:
        indexes = [
            models.Index(fields=["norm"], name="serial_norm"),
        ]
        # canon and canon_rev get engine-specific indexes in migration 0002.

    def __str__(self) -> str:
        return f"{self.source}:{self.value}"


class SearchLog(models.Model):
    """Who searched for what, why, and what came back (R8)."""

    created_at = models.DateTimeField(auto_now_add=True)
    actor_id = models.BigIntegerField(null=True)
    actor_name = models.CharField(max_length=150)
    channel = models.CharField(max_length=16)
    purpose = models.CharField(max_length=200, blank=True)
    query = models.JSONField()
    result_count = models.PositiveIntegerField()
    results = models.JSONField(default=list)  # [[weapon_id, match, score], ...]

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.created_at:%Y-%m-%d %H:%M}"
