"""Trace requests (ITI paras 14-23), their append-only history, and drafted answers.

Schema: normative reference b2 (request) and b3 (acknowledgement and response). The
request's content is fixed once created; status and deadlines change only through the
services, and every change adds a TraceEvent, so the past is never overwritten.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from armstrace.accounts.models import Agency
from armstrace.reference.choices import WeaponType
from armstrace.reference.models import Country
from armstrace.registry.models import Party, Weapon
from armstrace.tracing.choices import (
    AnswerSource,
    BooksAnswer,
    Channel,
    Completeness,
    Confidentiality,
    Direction,
    EventKind,
    FoundContext,
    Priority,
    RoutingReason,
    Status,
)


class RequestSequence(models.Model):
    """The last number given to a request of one country and year (row-locked on use)."""

    country = models.CharField(max_length=2)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["country", "year"], name="trace_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.country}-{self.year}: {self.last}"


class TraceRequest(models.Model):
    request_id = models.CharField(_("request id"), max_length=32, unique=True)
    direction = models.CharField(_("direction"), max_length=16, choices=Direction.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    case_ref = models.CharField(_("case reference"), max_length=80, db_index=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("follow-up of"),
    )
    # Who asks, whom (one requested state per request; a case links several).
    requesting_state = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("requesting state")
    )
    requesting_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trace_requests_made",
        verbose_name=_("requesting agency"),
    )
    requesting_agency_name = models.CharField(_("requesting agency"), max_length=200)
    requested_state = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested state")
    )
    requested_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trace_requests_received",
        verbose_name=_("requested agency"),
    )
    routing_reason = models.CharField(
        _("why this state"), max_length=16, choices=RoutingReason.choices
    )
    external_ref = models.CharField(_("counterpart's reference"), max_length=80, blank=True)
    officer_name = models.CharField(_("officer"), max_length=150)
    officer_phone = models.CharField(_("officer's phone"), max_length=40, blank=True)
    officer_email = models.CharField(_("officer's e-mail"), max_length=200, blank=True)
    officer_badge = models.CharField(_("officer's badge or ID"), max_length=40, blank=True)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices)
    priority_justification = models.TextField(_("why urgent"), blank=True)
    # Para 17(b): the weapon as read.
    serial_as_read = models.CharField(
        _("serial as read"), max_length=64, blank=True, help_text=_("? for an unreadable character")
    )
    serial_obliterated = models.BooleanField(_("serial obliterated"), default=False)
    markings = models.TextField(_("all markings as read"))
    weapon_type = models.CharField(_("type"), max_length=32, choices=WeaponType.choices)
    calibre = models.CharField(_("calibre"), max_length=60)
    manufacturer = models.CharField(_("manufacturer"), max_length=200, blank=True)
    model = models.CharField(_("model"), max_length=120, blank=True)
    country_of_manufacture = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("country of manufacture"),
    )
    other_identifiers = models.TextField(
        _("other identifiers"), blank=True, help_text=_("Import, proof and assembly marks, ...")
    )
    # Para 17(a): why illicit, on what legal basis, where and how found.
    illicit_grounds = models.JSONField(_("illicit grounds (ITI para 5)"), default=list)
    legal_justification = models.TextField(_("legal justification"))
    found_on = models.DateField(_("date found"))
    found_place = models.CharField(_("place found"), max_length=200)
    found_context = models.CharField(_("found how"), max_length=16, choices=FoundContext.choices)
    offence = models.CharField(_("offence"), max_length=200, blank=True)
    # Para 17(c) and confidentiality (Firearms Protocol 12(5)).
    intended_use = models.TextField(_("intended use of the information"))
    confidentiality = models.CharField(
        _("confidentiality"), max_length=16, choices=Confidentiality.choices
    )
    use_restrictions = models.TextField(_("use restrictions"))
    ballistic_ref = models.CharField(_("ballistic record reference"), max_length=80, blank=True)
    # A follow-up carries what the earlier answers established (T12, multi-border traces).
    chain_so_far = models.TextField(_("chain so far"), blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    # Deadlines and milestones are data, set by the services.
    sent_at = models.DateTimeField(_("sent or received"), null=True, blank=True)
    ack_due_at = models.DateTimeField(_("acknowledgement due"), null=True, blank=True)
    answer_due_at = models.DateTimeField(_("answer due"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    last_reminder_at = models.DateTimeField(_("last reminder"), null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    weapon = models.ForeignKey(
        Weapon,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("weapon in our registry"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["direction", "status"], name="trace_direction_status"),
            models.Index(fields=["answer_due_at"], name="trace_answer_due"),
        ]

    def __str__(self) -> str:
        return self.request_id


class TraceEvent(models.Model):
    """One step in a request's history. Append-only."""

    request = models.ForeignKey(TraceRequest, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(_("event"), max_length=16, choices=EventKind.choices)
    rule = models.CharField(_("rule"), max_length=40, blank=True)
    status_before = models.CharField(max_length=20, choices=Status.choices, blank=True)
    status_after = models.CharField(max_length=20, choices=Status.choices)
    grounds = models.JSONField(_("grounds (ITI para 22)"), default=list)
    reasons = models.TextField(_("reasons (ITI para 23)"), blank=True)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("when"))
    actor_id = models.BigIntegerField(null=True)
    actor_name = models.CharField(_("who"), max_length=150)
    correlation_id = models.CharField(max_length=64)

    class Meta:
        ordering = ["request", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["request", "seq"], name="trace_event_unique_seq")
        ]

    def __str__(self) -> str:
        return f"{self.request_id} #{self.seq} {self.kind}"


class TraceAnswer(models.Model):
    """An answer drafted from our registry (b3). The draft stays as drafted; the release
    adds the text as disclosed (redacted where national law requires)."""

    request = models.ForeignKey(TraceRequest, on_delete=models.PROTECT, related_name="answers")
    weapon = models.ForeignKey(
        Weapon, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    draft = models.JSONField(_("draft"))
    drafted_at = models.DateTimeField()
    drafted_by_name = models.CharField(max_length=150)
    released = models.JSONField(_("as released"), null=True, blank=True)
    completeness = models.CharField(max_length=8, choices=Completeness.choices, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by_name = models.CharField(max_length=150, blank=True)
    # Drafted here, or received from the state we asked (entered or imported, T12).
    source = models.CharField(
        max_length=16, choices=AnswerSource.choices, default=AnswerSource.DRAFTED
    )
    responder_ref = models.CharField(_("responder's reference"), max_length=80, blank=True)
    # The answer's own confidentiality and use restrictions (FP 12(5)), set at release.
    confidentiality = models.CharField(
        _("confidentiality"), max_length=16, choices=Confidentiality.choices, blank=True
    )
    use_restrictions = models.TextField(_("use restrictions"), blank=True)
    # The outcome as columns, written with the release (or receipt) from the answer's
    # content, so that analytics aggregate it in SQL (docs/domain/analytics.md).
    diversion_established = models.BooleanField(_("point of diversion established"), default=False)
    diversion_event = models.CharField(_("diverted by"), max_length=16, blank=True)
    diversion_on = models.DateField(_("diverted on"), null=True, blank=True)
    last_legal_event = models.CharField(_("last legal event"), max_length=24, blank=True)
    last_legal_on = models.DateField(_("last legal record on"), null=True, blank=True)
    last_legal_country = models.CharField(_("last legal country"), max_length=2, blank=True)
    last_legal_holder = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last legal holder"),
    )
    time_to_crime_days = models.IntegerField(_("time to crime (days)"), null=True, blank=True)

    class Meta:
        ordering = ["request", "-drafted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.request_id} answer {self.pk}"


class PortalQuestion(models.Model):
    """A question about one weapon to a manufacturer or dealer about its own books (T11).

    The party answers through a one-time link: a signed token naming this row and its
    `nonce`. Answering, revoking or expiry ends the link; the token itself is never stored.
    """

    request = models.ForeignKey(TraceRequest, on_delete=models.PROTECT, related_name="questions")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    party_name = models.CharField(_("asked"), max_length=200)
    serial = models.CharField(_("serial"), max_length=64)
    make = models.CharField(_("make"), max_length=200, blank=True)
    model = models.CharField(_("model"), max_length=120, blank=True)
    question = models.TextField(_("question"), blank=True)
    confidentiality = models.CharField(
        _("confidentiality"), max_length=16, choices=Confidentiality.choices
    )
    use_restrictions = models.TextField(_("use restrictions"))
    nonce = models.CharField(max_length=32)
    asked_at = models.DateTimeField(_("asked"))
    asked_by_name = models.CharField(max_length=150)
    expires_at = models.DateTimeField(_("link expires"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    found = models.CharField(
        _("in the books"), max_length=16, choices=BooksAnswer.choices, blank=True
    )
    sold_to = models.CharField(_("sold to"), max_length=200, blank=True)
    sold_on = models.DateField(_("sold on"), null=True, blank=True)
    document_ref = models.CharField(_("document reference"), max_length=80, blank=True)
    answer_note = models.TextField(_("note"), blank=True)
    answered_by_name = models.CharField(_("answered by"), max_length=150, blank=True)

    class Meta:
        ordering = ["request", "asked_at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} question {self.pk}"
