"""Campaign and find endpoints under /api/v1/marking: lists, detail, progress, and adding
weapons to a campaign. Handlers parse, authorise and call services."""

# No `from __future__ import annotations`: see armstrace/accounts/api.py.

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from armstrace.accounts.api import caller, refuse, requires
from armstrace.marking import selectors
from armstrace.marking.choices import CampaignPurpose, CampaignStatus, FindKind, FindOutcome
from armstrace.marking.models import Campaign
from armstrace.marking.permissions import CAMPAIGN_MANAGE, CAMPAIGN_VIEW, FOUND_VIEW
from armstrace.marking.services import campaigns

router = Router(tags=["marking"])


class PageQuery(Schema):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


class CampaignOut(Schema):
    id: int
    code: str
    name: str
    purpose: CampaignPurpose
    agency: str = Field(alias="agency.code")
    mark_template: str
    sequence_width: int
    component: str
    location: str
    method: str
    status: CampaignStatus
    created_at: dt.datetime


class CampaignPage(Schema):
    count: int
    items: list[CampaignOut]


class ProgressOut(Schema):
    selected: int
    allocated: int
    done: int
    failed: int
    redo: int
    total: int


class AddWeaponsIn(Schema):
    weapon_ids: list[uuid.UUID] = Field(..., min_length=1, max_length=10_000)
    reason: str = Field(..., min_length=1, max_length=300)


class AddedOut(Schema):
    added: int


class FindFilters(PageQuery):
    overdue: bool = False


class FindOut(Schema):
    id: int
    weapon_id: uuid.UUID
    serial_number: str = Field(alias="weapon.serial_number")
    kind: FindKind
    occurred_on: dt.date
    place: str
    case_number: str
    agency: str = Field(alias="agency.code")
    due_on: dt.date
    outcome: FindOutcome


class FindPage(Schema):
    count: int
    items: list[FindOut]


def _campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    return get_object_or_404(selectors.campaigns_for(caller(request)), pk=campaign_id)


@router.get("/campaigns", response=CampaignPage)
@requires(CAMPAIGN_VIEW)
def list_campaigns(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """Marking campaigns, newest first."""
    rows = selectors.campaigns_for(caller(request))
    return {"count": rows.count(), "items": list(rows[page.offset : page.offset + page.limit])}


@router.get("/campaigns/{campaign_id}", response=CampaignOut)
@requires(CAMPAIGN_VIEW)
def campaign_detail(request: HttpRequest, campaign_id: int) -> Campaign:
    return _campaign(request, campaign_id)


@router.get("/campaigns/{campaign_id}/progress", response=ProgressOut)
@requires(CAMPAIGN_VIEW)
def campaign_progress(request: HttpRequest, campaign_id: int) -> dict[str, int]:
    """Weapons per status: selected (no mark yet), allocated, done, failed, redo."""
    return selectors.progress(_campaign(request, campaign_id))


@router.post("/campaigns/{campaign_id}/weapons", response={201: AddedOut})
@requires(CAMPAIGN_MANAGE)
def add_weapons(request: HttpRequest, campaign_id: int, payload: AddWeaponsIn) -> Status[Any]:
    """Add weapons of the campaign's agency to an open campaign."""
    campaign = _campaign(request, campaign_id)
    if not selectors.may_act(caller(request), CAMPAIGN_MANAGE, campaign.agency):
        raise refuse(CAMPAIGN_MANAGE, campaign.agency)
    added = campaigns.add_to_campaign(campaign, payload.weapon_ids, reason=payload.reason)
    return Status(201, {"added": added})


@router.get("/finds", response=FindPage)
@requires(FOUND_VIEW)
def list_finds(request: HttpRequest, filters: Query[FindFilters]) -> dict[str, Any]:
    """Open finds (found, seized, surrendered), or only the overdue ones."""
    finds = selectors.finds_for(caller(request))
    rows = selectors.overdue(finds) if filters.overdue else finds.filter(outcome=FindOutcome.OPEN)
    return {
        "count": rows.count(),
        "items": list(rows[filters.offset : filters.offset + filters.limit]),
    }
