"""Recipients and notices of diversion (T13), and the register of assistance needs and
offers with the matches recorded between them (A1, A2).

A notice is a snapshot: what it says is fixed when it is created, so every export of it
carries the same content. A recipient that is a peer node gets it as a signed diversion
alert through federation (reporting.services.send_notice); any other, as an exported file.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from armstrace.federation.models import Peer
from armstrace.reference.models import Country
from armstrace.reporting.choices import (
    AssistanceCategory,
    AssistanceKind,
    AssistanceStatus,
    NoticeState,
    RecipientLevel,
)
from armstrace.tracing.models import TraceAnswer


class NoticeRecipient(models.Model):
    """A national, regional or international body told of every diversion established."""

    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=16, choices=RecipientLevel.choices)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.TextField(_("postal address"), blank=True)
    # Codes of settings.LANGUAGES, space-separated; the notice prints in the first.
    languages = models.CharField(_("languages"), max_length=60, default="en")
    active = models.BooleanField(_("active"), default=True)
    peer = models.ForeignKey(
        Peer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("peer node"),
        help_text=_(
            "Notices to this recipient can be sent to this node through federation as signed "
            "diversion alerts."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["level", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def language(self) -> str:
        return (self.languages.split() or ["en"])[0]


class DiversionNotice(models.Model):
    answer = models.ForeignKey(TraceAnswer, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(NoticeRecipient, on_delete=models.PROTECT, related_name="notices")
    request_id = models.CharField(_("request id"), max_length=32)
    case_ref = models.CharField(_("case reference"), max_length=80)
    # The document as created (schema armstrace.diversion-notice/1): no personal data.
    document = models.JSONField(_("notice"))
    state = models.CharField(
        _("state"), max_length=16, choices=NoticeState.choices, default=NoticeState.TO_SEND
    )
    created_at = models.DateTimeField(_("created"))
    exported_at = models.DateTimeField(_("last exported"), null=True, blank=True)
    exported_by_name = models.CharField(max_length=150, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by_name = models.CharField(max_length=150, blank=True)
    acknowledgement_note = models.TextField(_("note"), blank=True)
    # Set when the notice was sent to the recipient's peer node as a diversion alert.
    alert_id = models.UUIDField(_("alert id"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One notice per answer and recipient, however often the outcome is recorded.
            models.UniqueConstraint(fields=["answer", "recipient"], name="notice_once_per_answer")
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="notice_state")]

    def __str__(self) -> str:
        return f"{self.request_id} → {self.recipient}"


class AssistanceEntry(models.Model):
    """A need for assistance, or an offer of it."""

    kind = models.CharField(_("need or offer"), max_length=8, choices=AssistanceKind.choices)
    category = models.CharField(_("category"), max_length=20, choices=AssistanceCategory.choices)
    description = models.TextField(_("description"))
    quantity = models.PositiveIntegerField(_("quantity"), null=True, blank=True)
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country")
    )
    contact = models.CharField(_("contact"), max_length=300)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=AssistanceStatus.choices,
        default=AssistanceStatus.OPEN,
    )
    created_at = models.DateTimeField(_("recorded"))
    created_by_name = models.CharField(max_length=150)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "assistance entries"
        indexes = [models.Index(fields=["kind", "status", "category"], name="assistance_open")]

    def __str__(self) -> str:
        return f"{self.kind} {self.category} ({self.country_id})"


class AssistanceMatch(models.Model):
    """A need paired with an offer by a person, with the reason shown when it was chosen."""

    need = models.ForeignKey(AssistanceEntry, on_delete=models.PROTECT, related_name="+")
    offer = models.ForeignKey(AssistanceEntry, on_delete=models.PROTECT, related_name="+")
    explanation = models.TextField(_("why"))
    note = models.TextField(_("note"), blank=True)
    matched_at = models.DateTimeField(_("matched"))
    matched_by_name = models.CharField(max_length=150)

    class Meta:
        ordering = ["-matched_at", "-id"]
        verbose_name_plural = "assistance matches"
        constraints = [
            models.UniqueConstraint(fields=["need", "offer"], name="assistance_match_once")
        ]

    def __str__(self) -> str:
        return f"{self.need_id} ↔ {self.offer_id}"
