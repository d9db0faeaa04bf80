"""The national registry: weapons, their components and marks, parties and life-cycle events.

Status and holder on `Weapon` are derived from the events by `rules.apply_event` and
stored only to serve queries; events are append-only and are the record.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from armstrace.accounts.models import Agency
from armstrace.reference.choices import WeaponType
from armstrace.reference.models import Calibre, Country, Manufacturer
from armstrace.registry.choices import (
    ComponentType,
    EventKind,
    MarkMethod,
    MarkRole,
    PartyKind,
    RestorationMethod,
    Status,
)


class Party(models.Model):
    """Anyone who makes, trades, holds or receives weapons."""

    kind = models.CharField(_("kind"), max_length=16, choices=PartyKind.choices)
    name = models.CharField(_("name"), max_length=200)
    name_norm = models.CharField(max_length=200, db_index=True, editable=False)
    licence_number = models.CharField(_("licence number"), max_length=64, blank=True, db_index=True)
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("country")
    )
    address = models.TextField(_("address"), blank=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True)
    manufacturer_ref = models.ForeignKey(
        Manufacturer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("canonical manufacturer"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "parties"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Weapon(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    serial_number = models.CharField(_("serial number as marked"), max_length=64)
    serial_norm = models.CharField(max_length=64, editable=False)
    manufacturer = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("manufacturer"),
        db_index=False,  # weapon_mfr_serial leads with it
    )
    manufacturer_name = models.CharField(_("manufacturer as written"), max_length=200)
    country_of_manufacture = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("country of manufacture"),
    )
    model = models.CharField(_("model"), max_length=120, blank=True)
    calibre = models.CharField(_("calibre as written"), max_length=60, blank=True)
    # No index: nothing looks weapons up by calibre row, and each index slows a bulk load.
    calibre_ref = models.ForeignKey(
        Calibre, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    # Blank only when the source named a type the reference data does not know (see unresolved).
    weapon_type = models.CharField(_("type"), max_length=32, choices=WeaponType.choices, blank=True)
    year_of_manufacture = models.PositiveSmallIntegerField(
        _("year of manufacture"), null=True, blank=True
    )
    import_country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("country of import"),
        db_index=False,  # read with the weapon, never searched alone
    )
    import_year = models.PositiveSmallIntegerField(_("year of import"), null=True, blank=True)
    # Where the record came from: '' for direct entry, else the source system or ledger.
    source = models.CharField(_("source"), max_length=120, blank=True)
    record_ref = models.CharField(_("source record reference"), max_length=120, blank=True)
    # Values the source gave that did not resolve to reference data, kept as written
    # ({field: text}) and listed for review; never dropped.
    unresolved = models.JSONField(_("unresolved values"), default=dict, blank=True)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="weapons", verbose_name=_("agency")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    holder = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="held_weapons",
        verbose_name=_("holder"),
    )
    last_event_on = models.DateField(null=True, blank=True)
    registered_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["serial_norm"]
        indexes = [
            models.Index(fields=["serial_norm"], name="weapon_serial_norm"),
            models.Index(fields=["manufacturer", "serial_norm"], name="weapon_mfr_serial"),
            # By status; with the day of registration, the national report counts both
            # from the index alone, without reading millions of weapon rows.
            models.Index(fields=["status", "registered_at"], name="weapon_status_registered"),
            models.Index(fields=["record_ref"], name="weapon_record_ref"),
        ]
        constraints = [
            # Re-running an import finds the records it already landed (idempotence).
            models.UniqueConstraint(
                fields=["source", "record_ref"],
                condition=~models.Q(source="") & ~models.Q(record_ref=""),
                name="weapon_unique_source_record",
            )
        ]

    def __str__(self) -> str:
        return f"{self.manufacturer_name} {self.model} {self.serial_number}".strip()


class Component(models.Model):
    """An essential part with its own serial; replaced parts keep their history."""

    weapon = models.ForeignKey(Weapon, on_delete=models.CASCADE, related_name="components")
    component_type = models.CharField(_("component"), max_length=16, choices=ComponentType.choices)
    serial_number = models.CharField(_("serial number"), max_length=64, blank=True)
    serial_norm = models.CharField(max_length=64, editable=False, db_index=True)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    removal_reason = models.CharField(_("removal reason"), max_length=200, blank=True)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )

    class Meta:
        ordering = ["component_type", "id"]

    def __str__(self) -> str:
        return f"{self.get_component_type_display()} {self.serial_number}"


class Mark(models.Model):
    weapon = models.ForeignKey(Weapon, on_delete=models.CASCADE, related_name="marks")
    component = models.ForeignKey(
        Component, on_delete=models.PROTECT, null=True, blank=True, related_name="marks"
    )
    role = models.CharField(_("role"), max_length=20, choices=MarkRole.choices)
    text = models.CharField(_("text as read"), max_length=200)
    text_norm = models.CharField(max_length=200, editable=False, db_index=True)
    method = models.CharField(_("method"), max_length=16, choices=MarkMethod.choices, blank=True)
    location = models.CharField(_("location on the weapon"), max_length=120, blank=True)
    date_applied = models.DateField(_("date applied"), null=True, blank=True)
    applied_by = models.ForeignKey(Party, on_delete=models.PROTECT, null=True, blank=True)
    # A mark hidden on purpose (ITI 8: security marks); only holders of
    # registry:mark:concealed for the weapon's agency see it, its images and restorations.
    concealed = models.BooleanField(_("concealed"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.role}: {self.text}"


class Event(models.Model):
    """One act in a weapon's life. Append-only: corrections are new events."""

    # No index of its own: the unique (weapon, seq) constraint leads with it.
    weapon = models.ForeignKey(
        Weapon, on_delete=models.PROTECT, related_name="events", db_index=False
    )
    seq = models.PositiveIntegerField()
    kind = models.CharField(_("event"), max_length=24, choices=EventKind.choices)
    occurred_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    # The two countries are read with the event, never searched alone: no index of their
    # own (analytics group by them over whole periods, which an index would not serve).
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("country where it happened"),
        db_index=False,
    )
    counterpart_country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("country of export or destination"),
        db_index=False,
    )
    from_party = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from"),
    )
    to_party = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to"),
    )
    document_ref = models.CharField(_("document reference"), max_length=120, blank=True)
    licence_number = models.CharField(_("licence or authorisation"), max_length=64, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    status_before = models.CharField(max_length=16, choices=Status.choices, blank=True)
    status_after = models.CharField(max_length=16, choices=Status.choices)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by_id = models.BigIntegerField(null=True)
    recorded_by_name = models.CharField(max_length=150)
    correlation_id = models.CharField(max_length=64)
    # Events taken from a file: the source and a key of the row, so a re-run adds nothing twice.
    source = models.CharField(max_length=120, blank=True)
    source_key = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["weapon", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["weapon", "seq"], name="event_unique_seq_per_weapon"),
            models.UniqueConstraint(
                fields=["source", "source_key"],
                condition=~models.Q(source=""),
                name="event_unique_source_key",
            ),
        ]
        indexes = [models.Index(fields=["kind", "occurred_on"], name="event_kind_date")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.occurred_on}"


class Image(models.Model):
    """A photograph of a mark, of the whole weapon, or taken at an event.

    The file lives under DATA_DIR by its content hash and is served only through a
    permission-checked view; an image of a concealed mark is concealed with it.
    """

    weapon = models.ForeignKey(Weapon, on_delete=models.CASCADE, related_name="images")
    mark = models.ForeignKey(
        Mark, on_delete=models.CASCADE, null=True, blank=True, related_name="images"
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="images"
    )
    sha256 = models.CharField(_("content hash (SHA-256)"), max_length=64, db_index=True)
    # The upload as received, before its location metadata was stripped.
    original_sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=32)
    file_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    location_kept = models.BooleanField(_("location metadata kept"), default=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by_id = models.BigIntegerField(null=True)
    uploaded_by_name = models.CharField(max_length=150)

    class Meta:
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(mark__isnull=True) | models.Q(event__isnull=True),
                name="image_of_a_mark_or_an_event",
            )
        ]

    def __str__(self) -> str:
        return self.file_name


class Restoration(models.Model):
    """A laboratory's reading of an erased serial (mark empty) or mark, one entry per position:
    "A" known, "8B" one of these, "" unknown, "*" an unknown run of characters."""

    weapon = models.ForeignKey(Weapon, on_delete=models.CASCADE, related_name="restorations")
    mark = models.ForeignKey(
        Mark, on_delete=models.CASCADE, null=True, blank=True, related_name="restorations"
    )
    characters = models.JSONField(_("characters read"))
    laboratory = models.CharField(_("laboratory"), max_length=200)
    examiner = models.CharField(_("examiner"), max_length=150)
    examined_on = models.DateField(_("examined on"))
    method = models.CharField(_("method"), max_length=24, choices=RestorationMethod.choices)
    notes = models.TextField(_("notes"), blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by_name = models.CharField(max_length=150)

    class Meta:
        ordering = ["examined_on", "id"]

    def __str__(self) -> str:
        return f"{self.laboratory} {self.examined_on}"
