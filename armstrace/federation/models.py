"""Federation: this node's identity and keys, peer nodes, and the messages between them.

Private keys are files under FEDERATION_KEY_DIR; the database holds public keys only.
The outbox holds each message as signed (the exact bytes delivered); the inbox holds each
message received, accepted or rejected with its reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from armstrace.federation.choices import (
    AlertKind,
    ConsistencyStatus,
    FindingKind,
    InboxStatus,
    Kind,
    OutboxStatus,
)
from armstrace.reference.models import Country
from armstrace.registry.models import Weapon
from armstrace.tracing.models import TraceRequest


class NodeIdentity(models.Model):
    """This node (one row): its id, its state, and the account that applies peers' messages."""

    node_id = models.CharField(_("node id"), max_length=16, unique=True)
    state = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    service_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # A regional hub relays each alert it receives to its other peers, once.
    hub = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.node_id


class NodeKey(models.Model):
    """One of our Ed25519 keys: current (not retired) or retired; the private half is the
    file `<key_id>.pem` in FEDERATION_KEY_DIR."""

    key_id = models.CharField(max_length=16, unique=True)
    public_key = models.TextField()
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.key_id


class Peer(models.Model):
    """Another state's node (N2: its points of contact are listed for people to call)."""

    node_id = models.CharField(_("node id"), max_length=16, unique=True)
    state = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=pgettext_lazy("a country", "state"),
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    endpoint = models.URLField(_("endpoint"), max_length=300)
    # [{"name", "email", "phone", "languages"}]
    contacts = models.JSONField(_("points of contact"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    hub = models.BooleanField(_("regional hub"), default=False)  # relays alerts onwards
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["node_id"]
        verbose_name = _("peer")

    def __str__(self) -> str:
        return self.node_id


class PeerKey(models.Model):
    """A peer's public key; a retired key verifies until `retired_at` plus the grace."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="keys")
    key_id = models.CharField(max_length=16)
    public_key = models.TextField()
    valid_from = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["peer", "key_id"], name="federation_peer_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.peer_id}:{self.key_id}"


class RequestLink(models.Model):
    """Our trace request and the peer it travels to or came from, with the requester's id
    (the id every message about the request carries)."""

    request = models.OneToOneField(
        TraceRequest, on_delete=models.PROTECT, related_name="federation_link"
    )
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="links")
    peer_request_id = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["peer", "peer_request_id"], name="federation_link_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.request_id} <-> {self.peer_id}:{self.peer_request_id}"


class OutboxMessage(models.Model):
    message_id = models.UUIDField(unique=True)
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="outbox")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    request = models.ForeignKey(
        TraceRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    body = models.BinaryField()  # the canonical envelope, exactly as signed and sent
    signature = models.CharField(max_length=200)  # the ArmsTrace-Signature header
    status = models.CharField(max_length=16, choices=OutboxStatus.choices)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="federation_due")]

    def __str__(self) -> str:
        return f"{self.kind} {self.message_id} -> {self.peer_id}"


class InboxMessage(models.Model):
    """A message received: accepted (applied), stale (accepted, a step already passed) or
    rejected with its reason. An id is accepted once (the idempotent inbox)."""

    message_id = models.UUIDField(null=True, blank=True)
    peer = models.ForeignKey(
        Peer, on_delete=models.PROTECT, null=True, blank=True, related_name="inbox"
    )
    sender = models.CharField(max_length=64, blank=True)
    kind = models.CharField(max_length=32, blank=True)
    request = models.ForeignKey(
        TraceRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=InboxStatus.choices)
    error = models.CharField(max_length=32, blank=True)
    reason = models.TextField(blank=True)
    http_status = models.PositiveSmallIntegerField()
    head = models.TextField(blank=True)  # the first bytes received, for the record
    received_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["message_id"],
                condition=~Q(status="rejected"),
                name="federation_inbox_accepted_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.message_id} {self.status}"


class ReceivedAlert(models.Model):
    """A lost, stolen or diverted weapon another state published (G2, T13), with the
    local registry's candidates as the search ranked them: leads, not facts. An alert id
    is stored once, however many hubs relay it."""

    alert_id = models.UUIDField(unique=True)
    origin = models.CharField(max_length=16)  # the publishing node
    via = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    manufacturer = models.CharField(max_length=200, blank=True)
    model = models.CharField(max_length=120, blank=True)
    calibre = models.CharField(max_length=60, blank=True)
    weapon_type = models.CharField(max_length=32, blank=True)
    serial = models.CharField(max_length=64)
    event_date = models.DateField(null=True, blank=True)
    event_country = models.CharField(max_length=2, blank=True)
    note = models.TextField(blank=True)
    confidentiality = models.CharField(max_length=16)
    use_restrictions = models.TextField(blank=True)
    published_at = models.DateTimeField()
    received_at = models.DateTimeField()
    # [{"weapon_id", "serial_number", "manufacturer", "model", "match", "score", "reasons"}]
    matches = models.JSONField(default=list, blank=True)
    matched = models.BooleanField(default=False)
    relayed_to = models.JSONField(default=list, blank=True)  # node ids, when we are a hub
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.serial} ({self.origin})"


class ExistenceToken(models.Model):
    """Our existence index: T(y) = H2(y, k·H1(y)) for each identifier y of a weapon (hex),
    bucketed by its first 2 bytes (`armstrace federation existence-index`)."""

    weapon = models.ForeignKey(Weapon, on_delete=models.CASCADE, related_name="+")
    prefix = models.CharField(max_length=4, db_index=True)
    token = models.CharField(max_length=64)
    indexed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["weapon", "token"], name="federation_token_unique")
        ]

    def __str__(self) -> str:
        return self.prefix


class ExistenceQuestion(models.Model):
    """An existence question: ours to a peer (outgoing: the identifier and our blinding
    secrets stay here) or a peer's to us (incoming: only its id and how far it went)."""

    query_id = models.UUIDField()
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(max_length=8)  # outgoing | incoming
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    manufacturer = models.CharField(max_length=200, blank=True)
    serial = models.CharField(max_length=64, blank=True)
    secrets = models.JSONField(default=dict, blank=True)  # outgoing: forms, r, then tokens
    points = models.PositiveSmallIntegerField(default=0)
    # outgoing: asked, buckets_asked, done; incoming: answered, buckets_sent
    status = models.CharField(max_length=16)
    held = models.BooleanField(null=True)
    weapon_ref = models.CharField(max_length=64, blank=True)
    matched_form = models.CharField(max_length=16, blank=True)  # serial | canonical
    created_at = models.DateTimeField()
    concluded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["peer", "query_id", "direction"], name="federation_question_unique"
            )
        ]
        indexes = [
            models.Index(fields=["peer", "direction", "created_at"], name="federation_asked")
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.query_id}"


class ConsistencyRun(models.Model):
    """One consistency check against a registry of this state: its identity rows walked
    page by page and compared with ours by (manufacturer, canonical serial)."""

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="consistency_runs")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=ConsistencyStatus.choices)
    error = models.TextField(blank=True)
    pages = models.PositiveIntegerField(default=0)
    peer_rows = models.PositiveIntegerField(default=0)  # identity rows the peer sent
    pairs = models.PositiveIntegerField(default=0)  # weapons found in both registries
    identity_conflicts = models.PositiveIntegerField(default=0)
    status_conflicts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.peer_id} {self.started_at:%Y-%m-%d %H:%M}"


class ConsistencyFinding(models.Model):
    """A weapon held by both registries with a conflicting identity or status."""

    run = models.ForeignKey(ConsistencyRun, on_delete=models.CASCADE, related_name="findings")
    weapon = models.ForeignKey(
        Weapon, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    peer_weapon_ref = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=FindingKind.choices)
    fields = models.JSONField(default=list)  # the fields that differ
    local = models.JSONField(default=dict)  # our values of those fields (and the serial)
    remote = models.JSONField(default=dict)  # the peer's

    class Meta:
        ordering = ["run", "kind", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.peer_weapon_ref}"
