"""Marking checks and import marking under /api/v1/marking.

Reading a weapon's checks needs the permission to read that weapon, for its agency; the
import is recorded by a registrar of the weapon's agency.
"""

# No `from __future__ import annotations`: see armstrace/accounts/api.py.

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from armstrace.accounts.api import caller, check_scope, requires
from armstrace.core.exceptions import DomainValidationError
from armstrace.marking import findings, profiles
from armstrace.marking.permissions import IMPORT_RECORD
from armstrace.marking.services import importmarks
from armstrace.registry.models import Party, Weapon
from armstrace.registry.permissions import WEAPON_VIEW
from armstrace.registry.selectors import parties_for, weapons_for

router = Router(tags=["marking"])


class FindingOut(Schema):
    code: str
    severity: str
    legal_basis: str
    message: str
    mark_id: int | None


class ChecksOut(Schema):
    weapon_id: uuid.UUID
    profiles: list[str]
    findings: list[FindingOut]


class ChecksQuery(Schema):
    profile: str | None = None  # comma-separated codes; default: the profiles in force


class ImportIn(Schema):
    occurred_on: dt.date
    country: str
    importer_id: int
    reason: str
    year: int | None = None
    exporting_country: str | None = None
    document_ref: str = ""
    licence_number: str = ""
    mark_applied_by_manufacturer: str | None = None
    component_type: str = ""


class ImportOut(Schema):
    event_id: int
    mark_id: int
    mark_text: str
    generated: bool


def _readable(request: HttpRequest, weapon_id: uuid.UUID) -> Weapon:
    weapon = get_object_or_404(weapons_for(caller(request)), pk=weapon_id)
    check_scope(request, WEAPON_VIEW, weapon.agency)
    return weapon


@router.get("/weapons/{weapon_id}/checks", response=ChecksOut)
@requires(WEAPON_VIEW)
def weapon_checks(
    request: HttpRequest, weapon_id: uuid.UUID, query: Query[ChecksQuery]
) -> dict[str, Any]:
    """The findings of the marking profiles (default: those in force) on one weapon."""
    weapon = _readable(request, weapon_id)
    codes = [c for c in query.profile.split(",") if c.strip()] if query.profile else None
    chosen = profiles.profiles_named(codes) if codes else profiles.enabled_profiles()
    found = profiles.check_weapon(weapon, [p.code for p in chosen])
    return {
        "weapon_id": weapon.pk,
        "profiles": [p.code for p in chosen],
        "findings": findings.visible_findings(caller(request), weapon, found),
    }


def _importer(party_id: int, request: HttpRequest) -> Party:
    party = parties_for(caller(request)).filter(pk=party_id).first()
    if party is None:
        message = _("no party with id %(id)d") % {"id": party_id}
        raise DomainValidationError("importer_id", message, code="unknown_party")
    return party


@router.post("/weapons/{weapon_id}/import", response={201: ImportOut})
@requires(IMPORT_RECORD)
def record_import(
    request: HttpRequest, weapon_id: uuid.UUID, payload: ImportIn
) -> Status[dict[str, Any]]:
    """Record the import (an IMPORTED event) with the national import mark, generated, or
    the mark the manufacturer applied before export."""
    weapon = get_object_or_404(Weapon.objects.select_related("agency"), pk=weapon_id)
    check_scope(request, IMPORT_RECORD, weapon.agency)
    done = importmarks.record_import(
        weapon,
        occurred_on=payload.occurred_on,
        country=payload.country,
        importer=_importer(payload.importer_id, request),
        reason=payload.reason,
        year=payload.year,
        exporting_country=payload.exporting_country,
        document_ref=payload.document_ref,
        licence_number=payload.licence_number,
        mark_applied_by_manufacturer=payload.mark_applied_by_manufacturer,
        component_type=payload.component_type,
    )
    body = {
        "event_id": done.event.pk,
        "mark_id": done.mark.pk,
        "mark_text": done.mark.text,
        "generated": done.generated,
    }
    return Status(201, body)
