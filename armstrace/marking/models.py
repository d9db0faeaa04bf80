"""Marking campaigns, found or seized weapons, collections and destructions (ITI 8, 9).

A mark a campaign allocates is unique in the whole registry, across campaigns: the
database refuses a second item with the same mark text, and allocation takes marks from a
per-stem counter row locked with SELECT ... FOR UPDATE (see campaigns.reserve_marks).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from armstrace.accounts.models import Agency
from armstrace.marking.choices import (
    CampaignPurpose,
    CampaignStatus,
    DestructionStatus,
    FindKind,
    FindOutcome,
    ItemStatus,
    Route,
)
from armstrace.registry.choices import ComponentType, MarkMethod
from armstrace.registry.models import Event, Mark, Weapon


class MarkCounter(models.Model):
    """The last sequence number used for one mark stem (the text before the number)."""

    stem = models.CharField(max_length=120, unique=True)
    last_value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.stem}{self.last_value}"


class Campaign(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    purpose = models.CharField(_("purpose"), max_length=24, choices=CampaignPurpose.choices)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    # The text before the sequence number; placeholders {country} {unit} {agency} {yy} {year}.
    mark_template = models.CharField(_("mark format"), max_length=80)
    sequence_width = models.PositiveSmallIntegerField(_("digits of the sequence"), default=6)
    component = models.CharField(
        _("component to mark"), max_length=16, choices=ComponentType.choices, blank=True
    )
    location = models.CharField(_("location on the weapon"), max_length=120, blank=True)
    method = models.CharField(_("method"), max_length=16, choices=MarkMethod.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_name = models.CharField(max_length=150)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CampaignItem(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="items")
    weapon = models.ForeignKey(Weapon, on_delete=models.PROTECT, related_name="+")
    mark_text = models.CharField(_("mark"), max_length=200, blank=True)
    mark_norm = models.CharField(max_length=200, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=ItemStatus.choices, default=ItemStatus.SELECTED
    )
    reason = models.CharField(_("why selected"), max_length=300, blank=True)
    result_at = models.DateTimeField(_("result recorded at"), null=True, blank=True)
    result_note = models.CharField(_("note"), max_length=300, blank=True)
    mark = models.ForeignKey(
        Mark, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["campaign", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "weapon"], name="campaign_item_weapon"),
            # A mark is allocated once in the whole registry, whichever campaign took it;
            # compared normalised, so 'KE-1' and 'KE 1' count as the same mark.
            models.UniqueConstraint(
                fields=["mark_norm"], condition=~models.Q(mark_norm=""), name="campaign_mark_unique"
            ),
        ]
        indexes = [models.Index(fields=["campaign", "status"], name="campaign_item_status")]

    def __str__(self) -> str:
        return f"{self.campaign.code}: {self.mark_text or '-'}"


class CollectionBatch(models.Model):
    """A collection list (disarmament programme, R8) captured offline and registered in bulk."""

    name = models.CharField(_("programme or collection"), max_length=200)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("how the weapons came in"), max_length=16, choices=FindKind.choices)
    collected_on = models.DateField(_("collected on"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_name = models.CharField(max_length=150)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "collection batches"

    def __str__(self) -> str:
        return self.name


class Find(models.Model):
    """A weapon found, seized or surrendered: to be marked and recorded, or destroyed (ITI 9)."""

    weapon = models.ForeignKey(Weapon, on_delete=models.PROTECT, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=FindKind.choices)
    occurred_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    found_by = models.CharField(_("found or seized by"), max_length=200, blank=True)
    case_number = models.CharField(_("case number"), max_length=64, blank=True)
    context = models.TextField(_("circumstances"), blank=True)
    due_on = models.DateField(_("mark or destroy by"))
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=FindOutcome.choices, default=FindOutcome.OPEN
    )
    closed_on = models.DateField(null=True, blank=True)
    batch = models.ForeignKey(
        CollectionBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="finds"
    )

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["outcome", "due_on"], name="find_open_due")]

    def __str__(self) -> str:
        return f"{self.kind} {self.occurred_on}"


class CollectionItem(models.Model):
    """One row of a collection list, with its best registry candidates."""

    batch = models.ForeignKey(CollectionBatch, on_delete=models.CASCADE, related_name="items")
    row_number = models.PositiveIntegerField()
    serial_number = models.CharField(max_length=64, blank=True)
    manufacturer = models.CharField(max_length=200, blank=True)
    model = models.CharField(max_length=120, blank=True)
    calibre = models.CharField(max_length=60, blank=True)
    weapon_type = models.CharField(max_length=32, blank=True)
    country = models.CharField(max_length=2, blank=True)
    candidates = models.JSONField(default=list)
    lost_or_stolen = models.BooleanField(default=False)
    weapon = models.ForeignKey(
        Weapon, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    find = models.ForeignKey(Find, on_delete=models.PROTECT, null=True, blank=True)
    route = models.CharField(max_length=16, choices=Route.choices, default=Route.PENDING)
    message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["batch", "row_number"]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.row_number}"


class Destruction(models.Model):
    """Weapons scheduled for destruction together, and the record of the destruction."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    batch = models.ForeignKey(
        CollectionBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(
        max_length=16, choices=DestructionStatus.choices, default=DestructionStatus.SCHEDULED
    )
    destroyed_on = models.DateField(_("destroyed on"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=200, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    witnesses = models.TextField(_("witnesses"), blank=True)
    # The certificate as issued, kept byte for byte: its SHA-256 is in the audit log.
    certificate = models.BinaryField(blank=True, editable=False)
    certificate_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_name = models.CharField(max_length=150)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"destruction {self.pk}"


class DestructionItem(models.Model):
    destruction = models.ForeignKey(Destruction, on_delete=models.CASCADE, related_name="items")
    weapon = models.ForeignKey(Weapon, on_delete=models.PROTECT, related_name="+")
    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["destruction", "id"]
        constraints = [
            models.UniqueConstraint(fields=["destruction", "weapon"], name="destruction_weapon")
        ]

    def __str__(self) -> str:
        return f"{self.destruction_id}: {self.weapon_id}"
