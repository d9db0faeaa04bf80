"""Reads for the intake pages."""

from __future__ import annotations

from django.db.models import QuerySet

from armstrace.accounts.models import User
from armstrace.intake.models import Document, ImportBatch, LedgerEntry
from armstrace.registry.models import Weapon
from armstrace.registry.selectors import weapons_for


def runs_for(user: User) -> QuerySet[ImportBatch]:
    """Import runs into the agencies whose weapons the user may see."""
    agencies = weapons_for(user).values("agency_id")
    return ImportBatch.objects.filter(agency_id__in=agencies).order_by("-started_at")


def ledger_for(weapon: Weapon) -> QuerySet[LedgerEntry]:
    return weapon.ledger_entries.select_related("handover__party", "scan").order_by(
        "occurred_on", "file_name", "row_number"
    )


def document_for(user: User, pk: int) -> Document | None:
    """A scan, if it backs a line about a weapon the user may see."""
    visible = weapons_for(user)
    lines = LedgerEntry.objects.filter(scan_id=pk, weapon__in=visible)
    return Document.objects.filter(pk=pk).first() if lines.exists() else None
