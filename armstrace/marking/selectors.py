"""Reads for campaigns, finds, collections and destructions, restricted to what the user
may see; and the scope checks that writes need (registrars of the record's agency act)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet

from armstrace.accounts.permissions import Permission, has_permission
from armstrace.core import clock
from armstrace.marking.choices import FindOutcome, ItemStatus
from armstrace.marking.models import (
    Campaign,
    CampaignItem,
    CollectionBatch,
    Destruction,
    Find,
)
from armstrace.marking.permissions import CAMPAIGN_VIEW, FOUND_VIEW
from armstrace.registry.choices import ComponentType

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from armstrace.accounts.models import Agency, User


def may_act(user: User | AnonymousUser, perm: Permission, agency: Agency | None) -> bool:
    """`perm` held for the record's agency; a record of no single agency needs national scope."""
    if agency is None:
        return has_permission(user, perm) and any(
            g.agency.national_scope
            for g in user.grants.select_related("agency")  # type: ignore[union-attr]
        )
    return has_permission(user, perm, agency=agency)


def campaigns_for(user: User | AnonymousUser) -> QuerySet[Campaign]:
    if not has_permission(user, CAMPAIGN_VIEW):
        return Campaign.objects.none()
    return Campaign.objects.select_related("agency")


def items_of(campaign: Campaign) -> QuerySet[CampaignItem]:
    return campaign.items.select_related("weapon").order_by("id")


def progress(campaign: Campaign) -> dict[str, int]:
    """Weapons per item status, every status listed, plus the total."""
    counts = {status.value: 0 for status in ItemStatus}
    for row in campaign.items.values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    counts["total"] = sum(counts.values())
    return counts


def job_rows(campaign: Campaign) -> Iterator[list[object]]:
    """The job file: weapons with an allocated mark still to engrave (or to redo)."""
    part = ComponentType(campaign.component).label if campaign.component else ""
    items = (
        campaign.items.filter(status__in=[ItemStatus.ALLOCATED, ItemStatus.REDO, ItemStatus.FAILED])
        .order_by("id")
        .values_list("weapon_id", "weapon__serial_number", "mark_text")
    )
    for weapon_id, serial, mark in items.iterator(chunk_size=2000):
        yield [campaign.code, weapon_id, serial, str(part), mark, campaign.location]


def engraving_items(campaign: Campaign) -> list[CampaignItem]:
    return list(
        items_of(campaign).filter(
            status__in=[ItemStatus.ALLOCATED, ItemStatus.REDO, ItemStatus.FAILED]
        )
    )


def finds_for(user: User | AnonymousUser) -> QuerySet[Find]:
    if not has_permission(user, FOUND_VIEW):
        return Find.objects.none()
    return Find.objects.select_related("weapon", "agency")


def overdue(finds: QuerySet[Find], today: dt.date | None = None) -> QuerySet[Find]:
    """Open finds past their due date: neither marked and recorded nor destroyed in time."""
    return finds.filter(outcome=FindOutcome.OPEN, due_on__lt=today or clock.today()).order_by(
        "due_on", "id"
    )


def batches_for(user: User | AnonymousUser) -> QuerySet[CollectionBatch]:
    if not has_permission(user, FOUND_VIEW):
        return CollectionBatch.objects.none()
    return (
        CollectionBatch.objects.select_related("agency")
        .annotate(count=Count("items"))
        .order_by("-created_at", "-id")  # Meta.ordering does not apply to a GROUP BY
    )


def destructions_for(user: User | AnonymousUser) -> QuerySet[Destruction]:
    if not has_permission(user, FOUND_VIEW):
        return Destruction.objects.none()
    return Destruction.objects.select_related("agency", "batch").defer("certificate")
