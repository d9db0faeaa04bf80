"""Appending to the audit log. The only write path; there is no update or delete."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.forms.models import model_to_dict

from armstrace.audit.chain import entry_hash
from armstrace.audit.models import AuditEntry, ChainHead, EntryKind
from armstrace.core import clock
from armstrace.core.context import current_context


def to_json(value: Any) -> Any:
    """Round-trip through JSON so the hashed value equals what the database returns."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def snapshot(instance: models.Model) -> dict[str, Any]:
    data = model_to_dict(instance)
    for field in instance._meta.many_to_many:  # the linked rows' ids, not the rows
        if field.name in data:
            data[field.name] = sorted(row.pk for row in data[field.name])
    data["id"] = instance.pk
    return dict(to_json(data))


def stored_snapshot(instance: models.Model) -> dict[str, Any] | None:
    """The row as the database holds it before INSTANCE's unsaved changes; None for a new row."""
    if instance._state.adding:
        return None
    return snapshot(type(instance)._default_manager.get(pk=instance.pk))


_pending: ContextVar[list[dict[str, Any]] | None] = ContextVar(
    "armstrace_audit_batch", default=None
)


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """Collect the entries written inside and chain them in one go at the end, inside the
    caller's transaction: one head lock and one insert instead of one per entry. Entries of
    a block that fails are dropped with its writes."""
    token = _pending.set([])
    try:
        yield
        entries = _pending.get() or []
    finally:
        _pending.reset(token)
    if entries:
        _chain(entries)


def _chain(payloads: list[dict[str, Any]]) -> list[AuditEntry]:
    with transaction.atomic(savepoint=False):
        head, _ = ChainHead.objects.select_for_update().get_or_create(id=1)
        seq, prev = head.seq, head.hash
        entries = []
        for payload in payloads:
            seq += 1
            payload["seq"] = seq
            digest = entry_hash(prev, {**payload, "created_at": payload["created_at"].isoformat()})
            entries.append(AuditEntry(prev_hash=prev, hash=digest, **payload))
            prev = digest
        AuditEntry.objects.bulk_create(entries)
        ChainHead.objects.filter(id=1).update(seq=seq, hash=prev)
    return entries


def _append(
    *,
    kind: str,
    tag: str,
    object_type: str = "",
    object_id: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry | None:
    """Chain one entry now, or add it to the open batch (then None is returned)."""
    ctx = current_context()
    payload: dict[str, Any] = {
        "kind": kind,
        "tag": tag,
        "created_at": clock.now(),
        "actor_id": ctx.actor_id,
        "actor_name": ctx.actor_name,
        "channel": ctx.channel,
        "correlation_id": ctx.correlation_id,
        "purpose": ctx.purpose,
        "object_type": object_type,
        "object_id": object_id,
        "before": to_json(before),
        "after": to_json(after),
        "data": to_json(data or {}),
    }
    pending = _pending.get()
    if pending is not None:
        pending.append(payload)
        return None
    return _chain([payload])[0]


def record_change(
    instance: models.Model, *, action: str, before: dict[str, Any] | None
) -> AuditEntry | None:
    """A before/after snapshot of one row; `action` is created, updated or deleted."""
    meta = instance._meta
    after = None if action == "deleted" else snapshot(instance)
    return _append(
        kind=EntryKind.CHANGE,
        tag=f"{meta.app_label}:{meta.model_name}:{action}",
        object_type=f"{meta.app_label}.{meta.model_name}",
        object_id=str(instance.pk),
        before=before,
        after=after,
    )


def record_event(
    tag: str,
    *,
    object_type: str = "",
    object_id: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry | None:
    """A typed, legally relevant act: `app:subject:action`."""
    if tag.count(":") != 2:
        raise ValueError(f"audit tags read app:subject:action, not {tag!r}")
    return _append(
        kind=EntryKind.EVENT, tag=tag, object_type=object_type, object_id=object_id, data=data
    )
