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

from armstrace.federation.choices import InboxStatus, Kind, OutboxStatus
from armstrace.reference.models import Country
from armstrace.tracing.models import TraceRequest


class NodeIdentity(models.Model):
    """This node (one row): its id, its state, and the account that applies peers' messages."""

    node_id = models.CharField(_("node id"), max_length=16, unique=True)
    state = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    service_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
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
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("state")
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    endpoint = models.URLField(_("endpoint"), max_length=300)
    # [{"name", "email", "phone", "languages"}]
    contacts = models.JSONField(_("points of contact"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
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
