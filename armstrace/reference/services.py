"""Edits of the reference data in the Django admin (docs/domain/reference-data.md).

An edit changes how names resolve in identification, search and imports, so each one is a
before/after entry in the hash-chained audit log, counts as a local edit of the loaded
version (so every process rebuilds its index, and a reload does not silently replace it),
and is seen by this process as soon as it commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db import models, router, transaction
from django.db.models import F
from django.db.models.deletion import Collector

from armstrace.audit.services import record_change, snapshot
from armstrace.reference.identify import reset_index
from armstrace.reference.models import ReferenceVersion


def record_edit(row: models.Model, *, action: str, before: dict[str, Any] | None) -> None:
    """One saved or deleted row, inside the caller's transaction; `action` is created,
    updated or deleted (record a deletion before the row is deleted)."""
    record_change(row, action=action, before=before)
    latest = ReferenceVersion.objects.values_list("pk", flat=True)[:1]
    ReferenceVersion.objects.filter(pk__in=latest).update(edits=F("edits") + 1)
    transaction.on_commit(reset_index)


def delete_rows(rows: Iterable[models.Model]) -> None:
    """Delete ROWS and what cascades from them, each deleted row an audited edit."""
    rows = list(rows)
    with transaction.atomic():
        for row in _cascade(rows):
            record_edit(row, action="deleted", before=snapshot(row))
        for row in rows:
            row.delete()


def _cascade(rows: list[models.Model]) -> Iterator[models.Model]:
    """ROWS and every row their deletion takes with it, as Django's deletion collects them
    (many-to-many links are left out: they are in their owner's snapshot)."""
    if not rows:
        return
    collector = Collector(using=router.db_for_write(type(rows[0])), origin=rows[0])
    collector.collect(rows)
    found = [*collector.data.values(), *collector.fast_deletes]
    seen: set[tuple[type[models.Model], Any]] = set()
    for row in (row for group in found for row in group):
        key = (type(row), row.pk)  # a row reached by two paths is collected twice
        if not row._meta.auto_created and key not in seen:
            seen.add(key)
            yield row
