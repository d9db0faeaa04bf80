"""Appending to the audit log. The only write path; there is no update or delete."""

from __future__ import annotations

import json
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
    data["id"] = instance.pk
    return dict(to_json(data))


def _append(
    *,
    kind: str,
    tag: str,
    object_type: str = "",
    object_id: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    ctx = current_context()
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(id=1)
        created_at = clock.now()
        payload: dict[str, Any] = {
            "seq": head.seq + 1,
            "kind": kind,
            "tag": tag,
            "created_at": created_at.isoformat(),
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
        digest = entry_hash(head.hash, payload)
        entry = AuditEntry.objects.create(
            prev_hash=head.hash, hash=digest, **{**payload, "created_at": created_at}
        )
        ChainHead.objects.filter(id=1).update(seq=payload["seq"], hash=digest)
    return entry


def record_change(
    instance: models.Model, *, action: str, before: dict[str, Any] | None
) -> AuditEntry:
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
) -> AuditEntry:
    """A typed, legally relevant act: `app:subject:action`."""
    if tag.count(":") != 2:
        raise ValueError(f"audit tags read app:subject:action, not {tag!r}")
    return _append(
        kind=EntryKind.EVENT, tag=tag, object_type=object_type, object_id=object_id, data=data
    )
