"""Reads of federation, for the pages and commands (who may read is checked at the route:
every row concerns the whole node, so there is no narrower scope)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from armstrace.federation.choices import InboxStatus, OutboxStatus
from armstrace.federation.models import (
    ConsistencyFinding,
    ConsistencyRun,
    ExistenceQuestion,
    InboxMessage,
    NodeIdentity,
    OutboxMessage,
    Peer,
    ReceivedAlert,
)
from armstrace.registry.models import Weapon
from armstrace.registry.selectors import weapons_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from armstrace.accounts.models import User

PAGE = 200


def peers() -> QuerySet[Peer]:
    return Peer.objects.select_related("state").prefetch_related("keys").order_by("node_id")


def outbox(status: str = "") -> QuerySet[OutboxMessage]:
    rows = OutboxMessage.objects.select_related("peer", "request").defer("body")
    if status in OutboxStatus.values:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-id")


def inbox(status: str = "") -> QuerySet[InboxMessage]:
    rows = InboxMessage.objects.select_related("peer", "request")
    if status in InboxStatus.values:
        rows = rows.filter(status=status)
    return rows.order_by("-received_at", "-id")


def active_peers() -> QuerySet[Peer]:
    return Peer.objects.filter(active=True).order_by("node_id")


def received_alerts(matched: str = "") -> QuerySet[ReceivedAlert]:
    """Newest first; `matched` is "yes" (with local leads), "no" (none) or "" (all)."""
    rows = ReceivedAlert.objects.select_related("via", "acknowledged_by")
    if matched in ("yes", "no"):
        rows = rows.filter(matched=matched == "yes")
    return rows.order_by("-received_at", "-id")


def unacknowledged_alerts() -> int:
    """Alerts from peers no point of contact has acknowledged yet (the menu shows it)."""
    return ReceivedAlert.objects.filter(acknowledged_at__isnull=True).count()


def weapons_named(user: User | AnonymousUser, text: str) -> list[Weapon]:
    """The weapons the user may see whose id, or serial as marked, is `text` (at most two:
    enough to tell one from several)."""
    text = text.strip()
    if not text:
        return []
    try:
        by_id = Q(pk=uuid.UUID(text))
    except ValueError:
        by_id = Q(pk__in=[])
    return list(weapons_for(user).filter(by_id | Q(serial_number__iexact=text))[:2])


def existence_questions() -> QuerySet[ExistenceQuestion]:
    """Our questions to peers, newest first (a peer's questions to us are in the audit)."""
    rows = ExistenceQuestion.objects.filter(direction="outgoing")
    return rows.select_related("peer", "peer__state", "asked_by").order_by("-created_at", "-id")


def domestic_peers() -> QuerySet[Peer]:
    """The active peers of this node's own state: the other registries of this state."""
    node = NodeIdentity.objects.first()
    if node is None:
        return Peer.objects.none()
    return Peer.objects.filter(active=True, state=node.state_id).order_by("node_id")


def consistency_runs() -> QuerySet[ConsistencyRun]:
    return ConsistencyRun.objects.select_related("peer", "started_by").order_by(
        "-started_at", "-id"
    )


def findings(run: ConsistencyRun) -> QuerySet[ConsistencyFinding]:
    return run.findings.select_related("weapon").order_by("kind", "id")
