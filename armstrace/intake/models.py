"""Import runs, saved column layouts, and the books and scans of closed businesses."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from armstrace.accounts.models import Agency
from armstrace.registry.models import Party, Weapon


class ImportKind(models.TextChoices):
    WEAPONS = "weapons", _("Weapons")
    EVENTS = "events", _("Life-cycle events")
    HANDOVER = "handover", _("Business-closure handover")


class BatchState(models.TextChoices):
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    CHECKED = "checked", _("Checked (dry run, nothing written)")


class ImportBatch(models.Model):
    """One run of an import over one file. Rows land in chunks, each in its own transaction;
    a run that died leaves state RUNNING, and re-running the file completes it."""

    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    source = models.CharField(max_length=120)
    file_name = models.CharField(max_length=300)
    file_sha256 = models.CharField(max_length=64)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    actor_name = models.CharField(max_length=150)
    correlation_id = models.CharField(max_length=64, db_index=True)
    state = models.CharField(max_length=16, choices=BatchState.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)
    rows_read = models.PositiveIntegerField(default=0)
    rows_landed = models.PositiveIntegerField(default=0)
    rows_present = models.PositiveIntegerField(default=0)  # landed by an earlier run
    rows_rejected = models.PositiveIntegerField(default=0)
    layout = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} ({self.state})"


class ColumnMapping(models.Model):
    """A saved layout: which header of a source's files holds which field."""

    name = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    columns = models.JSONField()  # {field: header as written}
    options = models.JSONField(default=dict)  # encoding, delimiter, sheet
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Handover(models.Model):
    """A closing dealer's or maker's books taken over by the State (ITI para 13)."""

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="handovers")
    received_on = models.DateField()
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    notes = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.party} {self.received_on}"


class Document(models.Model):
    """A scanned page or a book file, stored by content hash under the data directory."""

    sha256 = models.CharField(max_length=64, unique=True)
    file_name = models.CharField(max_length=300)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    handover = models.ForeignKey(
        Handover, on_delete=models.PROTECT, null=True, related_name="documents"
    )
    stored_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.file_name


class LedgerDirection(models.TextChoices):
    ACQUISITION = "acquisition", _("Acquisition")
    DISPOSITION = "disposition", _("Disposition")


class LedgerEntry(models.Model):
    """One line of a closed business's acquisition and disposition book, as written."""

    handover = models.ForeignKey(Handover, on_delete=models.PROTECT, related_name="entries")
    weapon = models.ForeignKey(Weapon, on_delete=models.PROTECT, related_name="ledger_entries")
    row_number = models.PositiveIntegerField()
    file_name = models.CharField(max_length=300)
    direction = models.CharField(max_length=16, choices=LedgerDirection.choices)
    occurred_on = models.DateField(null=True)
    counterpart = models.CharField(max_length=200, blank=True)
    counterpart_licence = models.CharField(max_length=64, blank=True)
    counterpart_address = models.TextField(blank=True)
    document_ref = models.CharField(max_length=120, blank=True)
    scan = models.ForeignKey(Document, on_delete=models.PROTECT, null=True, related_name="lines")

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["handover", "file_name", "row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["handover", "file_name", "row_number"], name="ledger_unique_line"
            )
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.occurred_on}"
