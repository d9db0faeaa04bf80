"""Enumerations of federation: message kinds and the states of inbox and outbox rows."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Kind(models.TextChoices):
    REQUEST = "trace.request", "trace.request"
    ACKNOWLEDGEMENT = "trace.acknowledgement", "trace.acknowledgement"
    STATUS = "trace.status", "trace.status"
    ANSWER = "trace.answer", "trace.answer"
    REMINDER = "trace.reminder", "trace.reminder"
    FOLLOW_UP = "trace.follow_up", "trace.follow_up"
    KEY_ROTATED = "key.rotated", "key.rotated"
    ALERT = "alert.published", "alert.published"
    EXISTENCE_QUERY = "existence.query", "existence.query"
    EXISTENCE_ANSWER = "existence.answer", "existence.answer"
    EXISTENCE_BUCKET_REQUEST = "existence.bucket_request", "existence.bucket_request"
    EXISTENCE_BUCKETS = "existence.buckets", "existence.buckets"


class AlertKind(models.TextChoices):
    LOST = "lost", _("Lost")
    STOLEN = "stolen", _("Stolen")
    DIVERTED = "diverted", _("Traced and found diverted")


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", pgettext_lazy("an outgoing message the peer refused for good", "Failed")


class InboxStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    STALE = "stale", _("Stale")
    REJECTED = "rejected", pgettext_lazy("an incoming message this node refused", "Rejected")


class ConsistencyStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", pgettext_lazy("a consistency check that could not finish", "Failed")


class FindingKind(models.TextChoices):
    IDENTITY = "identity", _("Identity conflict")
    STATUS = "status", _("Status conflict")
