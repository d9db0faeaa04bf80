"""Pages of the marking checks: record an import, imports without an import mark, and the
unmarked or badly marked weapons with their routing. Views parse, authorise and call
services or selectors, nothing more."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from armstrace.accounts.decorators import permission_required
from armstrace.accounts.models import User
from armstrace.accounts.permissions import has_permission
from armstrace.core.exceptions import DomainValidationError
from armstrace.marking import findings
from armstrace.marking.permissions import BADLY_MARKED_ROUTE, IMPORT_RECORD
from armstrace.marking.services import importmarks
from armstrace.registry.choices import ComponentType, PartyKind, Status
from armstrace.registry.forms import (
    PartyChoiceField,
    RegistryForm,
    add_domain_error,
    country_choices,
    date_field,
    text_field,
)
from armstrace.registry.models import Party, Weapon
from armstrace.registry.permissions import WEAPON_VIEW
from armstrace.registry.selectors import parties_for, weapons_for

INVALID = 422
PAGE_SIZE = 50
BADLY_MARKED_SHOWN = 200  # rows the badly-marked page lists; narrow the filter for more
IMPORTERS = (
    PartyKind.IMPORTER,
    PartyKind.DEALER,
    PartyKind.STATE_UNIT,
    PartyKind.COMPANY,
    PartyKind.INDIVIDUAL,
)


class ImportForm(RegistryForm):
    occurred_on = date_field(gettext_lazy("Date of import"))
    country = forms.ChoiceField(label=gettext_lazy("Country of import"), choices=country_choices)
    importer = PartyChoiceField(label=gettext_lazy("Importer"), queryset=Party.objects.none())
    exporting_country = forms.ChoiceField(
        label=gettext_lazy("Country of export"), required=False, choices=country_choices
    )
    document_ref = text_field(gettext_lazy("Document reference"), 120)
    licence_number = text_field(gettext_lazy("Licence or authorisation"), 64)
    mark_applied_by_manufacturer = text_field(
        gettext_lazy("Import mark already applied by the manufacturer"),
        200,
        help_text=gettext_lazy(
            "Leave empty to generate the national import mark; fill in to record the mark "
            "the manufacturer applied before export, exactly as read."
        ),
    )
    component_type = forms.ChoiceField(
        label=gettext_lazy("Marked on"),
        required=False,
        choices=[("", gettext_lazy("Frame or receiver if recorded")), *ComponentType.choices],
    )
    reason = text_field(gettext_lazy("Reason or source document"), 500, required=True)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        importer = self.fields["importer"]
        assert isinstance(importer, PartyChoiceField)
        importer.queryset = parties_for(user).filter(kind__in=IMPORTERS)

    def record(self, weapon: Weapon) -> importmarks.ImportRecorded:
        data = self.cleaned_data
        occurred_on: dt.date = data["occurred_on"]
        return importmarks.record_import(
            weapon,
            occurred_on=occurred_on,
            country=data["country"],
            importer=data["importer"],
            reason=data["reason"],
            exporting_country=data["exporting_country"] or None,
            document_ref=data["document_ref"],
            licence_number=data["licence_number"],
            mark_applied_by_manufacturer=data["mark_applied_by_manufacturer"] or None,
            component_type=data["component_type"],
        )


def _weapon_in_scope(request: HttpRequest, pk: uuid.UUID, perm: Any) -> Weapon:
    weapon = get_object_or_404(weapons_for(request.user), pk=pk)
    if not has_permission(request.user, perm, agency=weapon.agency):
        raise HttpForbidden(perm.code)
    return weapon


@permission_required(IMPORT_RECORD)
def weapon_import(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    weapon = _weapon_in_scope(request, pk, IMPORT_RECORD)
    form = ImportForm(request.POST if request.method == "POST" else None, user=request.user)
    if form.is_bound and form.is_valid():
        try:
            done = form.record(weapon)
        except DomainValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Import recorded with the import mark %(mark)s.") % {"mark": done.mark.text},
            )
            return redirect("registry:weapon-detail", pk=weapon.pk)
    context = {"form": form, "weapon": weapon, "format": importmarks.import_mark_format()}
    status = INVALID if form.errors else 200
    return render(request, "marking/checks/import_form.html", context, status=status)


@permission_required(WEAPON_VIEW)
def missing_import_marks(request: HttpRequest) -> HttpResponse:
    weapons = findings.missing_import_marks(weapons_for(request.user))
    page = Paginator(weapons, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "marking/checks/missing_import_marks.html", {"page": page})


class BadlyMarkedFilter(RegistryForm):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any")), *Status.choices],
    )
    own_agency = forms.BooleanField(label=gettext_lazy("My agency only"), required=False)


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise HttpForbidden("anonymous")
    return user


@permission_required(WEAPON_VIEW)
def badly_marked(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    filters = BadlyMarkedFilter(request.GET)
    weapons = weapons_for(user).exclude(status=Status.DESTROYED)
    if filters.is_valid():
        if filters.cleaned_data["status"]:
            weapons = weapons.filter(status=filters.cleaned_data["status"])
        if filters.cleaned_data["own_agency"] and user.agency is not None:
            weapons = weapons.filter(agency=user.agency)
    found = list(itertools.islice(findings.badly_marked(weapons), BADLY_MARKED_SHOWN + 1))
    shown = found[:BADLY_MARKED_SHOWN]
    by_id = Weapon.objects.select_related("agency").in_bulk([pk for pk, _r in shown])
    rows = [(by_id[pk], reasons) for pk, reasons in shown if pk in by_id]
    # A weapon whose only reasons concern marks the user may not see is not listed to them.
    rows = [(weapon, reasons) for weapon, reasons in findings.visible_rows(user, rows) if reasons]
    context = {
        "filters": filters,
        "rows": rows,
        "more": len(found) > BADLY_MARKED_SHOWN,
        "limit": BADLY_MARKED_SHOWN,
        "can_route": has_permission(user, BADLY_MARKED_ROUTE),
        "campaigns": _open_campaigns(),
    }
    return render(request, "marking/checks/badly_marked.html", context)


def _open_campaigns() -> list[Any]:
    # Imported here: the campaigns live in another part of the app, built alongside.
    from armstrace.marking.models import Campaign
    from armstrace.marking.services.campaigns import OPEN

    return list(Campaign.objects.filter(status__in=OPEN).order_by("code"))


class RouteForm(forms.Form):
    action = forms.ChoiceField(choices=[("campaign", "campaign"), ("destruction", "destruction")])
    weapons = forms.TypedMultipleChoiceField(coerce=uuid.UUID, choices=[])
    campaign = forms.IntegerField(required=False)
    reason = forms.CharField(max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        posted = self.data.getlist("weapons") if hasattr(self.data, "getlist") else []
        weapons_field = self.fields["weapons"]
        assert isinstance(weapons_field, forms.TypedMultipleChoiceField)
        weapons_field.choices = [(value, value) for value in posted]


@permission_required(BADLY_MARKED_ROUTE)
@require_POST
def badly_marked_route(request: HttpRequest) -> HttpResponse:
    form = RouteForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(str(e) for e in errors)}")
        return redirect("marking:badly-marked")
    data = form.cleaned_data
    chosen = list(weapons_for(request.user).filter(pk__in=data["weapons"]))
    if len(chosen) != len(set(data["weapons"])) or not all(
        has_permission(request.user, BADLY_MARKED_ROUTE, agency=w.agency) for w in chosen
    ):
        raise HttpForbidden(BADLY_MARKED_ROUTE.code)
    try:
        count = _route(request, data["action"], [w.pk for w in chosen], data)
    except DomainValidationError as exc:
        messages.error(request, f"{exc.field}: {exc.message}")
    else:
        messages.success(request, _("%(n)d weapon(s) sent.") % {"n": count})
    return redirect("marking:badly-marked")


def _route(
    request: HttpRequest, action: str, weapon_ids: list[uuid.UUID], data: dict[str, Any]
) -> int:
    """Hand the weapons to the campaign or destruction services (another part of the app,
    imported here so that this module loads without it)."""
    if action == "destruction":
        from armstrace.marking.services.found import schedule_destruction

        schedule_destruction(weapon_ids, reason=data["reason"])
        return len(weapon_ids)
    from armstrace.marking.models import Campaign
    from armstrace.marking.permissions import CAMPAIGN_MANAGE
    from armstrace.marking.services.campaigns import add_to_campaign

    campaign = Campaign.objects.select_related("agency").filter(pk=data["campaign"]).first()
    if campaign is None:
        raise DomainValidationError("campaign", _("choose an open campaign"), code="required")
    if not has_permission(request.user, CAMPAIGN_MANAGE, agency=campaign.agency):
        raise HttpForbidden(CAMPAIGN_MANAGE.code)
    return add_to_campaign(campaign, weapon_ids, reason=data["reason"])
