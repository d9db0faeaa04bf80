"""The append-only, hash-chained audit log.

Two kinds of entry share one chain, so one total order covers every act:
- change records: a before/after snapshot of a registry row (`kind=change`);
- audit events: a typed, legally relevant act such as `registry:weapon:destroyed`.
The code has no update or delete path; the database refuses both (migration 0002).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EntryKind(models.TextChoices):
    CHANGE = "change", _("Change record")
    EVENT = "event", _("Audit event")


class AuditEntry(models.Model):
    seq = models.BigIntegerField(unique=True)
    kind = models.CharField(max_length=8, choices=EntryKind.choices)
    tag = models.CharField(max_length=80, db_index=True)
    created_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True)
    actor_name = models.CharField(max_length=150)
    channel = models.CharField(max_length=16)
    correlation_id = models.CharField(max_length=64, db_index=True)
    purpose = models.CharField(max_length=200, blank=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    before = models.JSONField(null=True)
    after = models.JSONField(null=True)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.tag}"


class ChainHead(models.Model):
    """One row: the last sequence number and hash, locked by every append.

    It serialises writers on PostgreSQL and anchors the tail, so removing the newest
    entries is detected too.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"head #{self.seq}"


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")


class Alert(models.Model):
    """A pattern of use one rule of the misuse scan found (armstrace.audit.alerts).

    An alert is about one actor over one stretch of time; a later scan that finds the same
    pattern continuing widens the open alert instead of raising another. Raising and
    acknowledging are audit events too, so an alert cannot vanish unnoticed.
    """

    rule = models.CharField(max_length=64)
    actor_id = models.BigIntegerField(null=True)
    actor_name = models.CharField(max_length=150)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    count = models.PositiveIntegerField()
    threshold = models.PositiveIntegerField()
    details = models.JSONField(default=dict)  # purposes seen, sample entry numbers
    raised_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default="open")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by_id = models.BigIntegerField(null=True, blank=True)
    acknowledged_by_name = models.CharField(max_length=150, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-last_at", "-id"]
        indexes = [models.Index(fields=["rule", "actor_name", "last_at"], name="alert_rule_actor")]

    def __str__(self) -> str:
        return f"{self.rule} {self.actor_name} {self.first_at:%Y-%m-%d %H:%M}"
