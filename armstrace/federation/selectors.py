"""Reads of federation, for the pages and commands (who may read is checked at the route:
every row concerns the whole node, so there is no narrower scope)."""

from __future__ import annotations

from django.db.models import QuerySet

from armstrace.federation.choices import InboxStatus, OutboxStatus
from armstrace.federation.models import InboxMessage, OutboxMessage, Peer

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
