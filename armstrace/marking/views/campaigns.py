"""Pages of marking campaigns, found or seized weapons, collections and destructions.

They parse, authorise and call services. Each view declares its permission where it is
defined; writes also need the permission for the record's own agency (else 403).
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from armstrace.accounts.decorators import permission_required
from armstrace.accounts.models import Agency
from armstrace.accounts.permissions import Permission, has_permission
from armstrace.audit.services import record_event
from armstrace.core import clock
from armstrace.core.exceptions import DomainValidationError
from armstrace.intake.readers import ImportFileError, RowError, open_table
from armstrace.marking import pdf, selectors
from armstrace.marking.forms import (
    CampaignForm,
    CollectionForm,
    DestructionForm,
    FindForm,
    ResultForm,
    RouteForm,
    SelectionForm,
    UploadForm,
)
from armstrace.marking.models import Campaign, CollectionBatch, Destruction
from armstrace.marking.permissions import (
    CAMPAIGN_MANAGE,
    CAMPAIGN_VIEW,
    DESTRUCTION_RECORD,
    FOUND_RECORD,
    FOUND_VIEW,
)
from armstrace.marking.services import campaigns, found
from armstrace.registry.forms import add_domain_error
from armstrace.registry.models import Weapon
from armstrace.registry.services import WeaponInput

PAGE_SIZE = 100
INVALID = 422


def _in_scope(request: HttpRequest, perm: Permission, agency: Agency | None) -> None:
    if not selectors.may_act(request.user, perm, agency):
        raise HttpForbidden(perm.code)


def _own_agency(request: HttpRequest, perm: Permission) -> Agency:
    agency: Agency | None = getattr(request.user, "agency", None)
    if agency is None or not has_permission(request.user, perm, agency=agency):
        raise HttpForbidden(perm.code)
    return agency


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    invalid = any(isinstance(v, Form) and v.errors for v in context.values())
    return render(request, template, context, status=INVALID if invalid else 200)


@contextlib.contextmanager
def _saved(upload: UploadedFile) -> Iterator[Path]:
    """The upload as a file of its own type, for the readers; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="armstrace-") as folder:
        path = Path(folder) / f"upload{Path(upload.name or 'x.csv').suffix.lower()}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        yield path


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- campaigns -------------------------------------------------------------------------


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    return get_object_or_404(selectors.campaigns_for(request.user), pk=pk)


def _campaign_to_manage(request: HttpRequest, pk: int) -> Campaign:
    campaign = _campaign(request, pk)
    _in_scope(request, CAMPAIGN_MANAGE, campaign.agency)
    return campaign


@permission_required(CAMPAIGN_VIEW)
def campaign_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.campaigns_for(request.user)
    context = {
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "can_create": has_permission(request.user, CAMPAIGN_MANAGE),
    }
    return render(request, "marking/campaigns/list.html", context)


@permission_required(CAMPAIGN_MANAGE)
def campaign_create(request: HttpRequest) -> HttpResponse:
    agency = _own_agency(request, CAMPAIGN_MANAGE)
    form = CampaignForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            campaign = campaigns.create_campaign(agency=agency, **form.cleaned_data)
        except DomainValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Campaign %(code)s created.") % {"code": campaign.code})
            return redirect("marking:campaign-detail", pk=campaign.pk)
    return _page(request, "marking/campaigns/form.html", {"form": form, "agency": agency})


def _detail_context(request: HttpRequest, campaign: Campaign, **forms: Any) -> dict[str, Any]:
    items = selectors.items_of(campaign)
    return {
        "campaign": campaign,
        "progress": selectors.progress(campaign),
        "page": Paginator(items, PAGE_SIZE).get_page(request.GET.get("page")),
        "can_manage": selectors.may_act(request.user, CAMPAIGN_MANAGE, campaign.agency),
        "select_form": forms.get("select_form") or SelectionForm(),
        "log_form": forms.get("log_form") or UploadForm(),
        "result_form": ResultForm(),
        "report": forms.get("report"),
    }


@permission_required(CAMPAIGN_VIEW)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    return render(request, "marking/campaigns/detail.html", _detail_context(request, campaign))


@require_POST
@permission_required(CAMPAIGN_MANAGE)
def campaign_select(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_to_manage(request, pk)
    form = SelectionForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            lines = form.lines() + _listed_in_file(form.cleaned_data.get("file"))
            report = campaigns.select_weapons(
                campaign,
                unit=form.cleaned_data["unit"],
                agency_code=form.cleaned_data["agency"].code if form.cleaned_data["agency"] else "",
                identifiers=lines,
                reason=form.cleaned_data["reason"],
            )
        except DomainValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("%(added)d weapon(s) added; %(already)d already in the campaign.")
                % {"added": report.added, "already": report.already},
            )
            for problem in [*report.not_found, *report.refused][:50]:
                messages.warning(request, _("Not added: %(what)s") % {"what": problem})
            return redirect("marking:campaign-detail", pk=campaign.pk)
    context = _detail_context(request, campaign, select_form=form)
    return _page(request, "marking/campaigns/detail.html", context)


def _listed_in_file(upload: UploadedFile | None) -> list[str]:
    """Weapon ids or serials from an uploaded list (column weapon_id or serial)."""
    if upload is None:
        return []
    with _saved(upload) as path:
        try:
            with open_table(path, fields=("weapon_id", "serial"), required=()) as table:
                return [
                    row.values.get("weapon_id") or row.values.get("serial", "")
                    for row in table.rows()
                    if not isinstance(row, RowError)
                ]
        except ImportFileError as exc:
            raise DomainValidationError("file", str(exc)) from exc


@require_POST
@permission_required(CAMPAIGN_MANAGE)
def campaign_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_to_manage(request, pk)
    try:
        count = campaigns.allocate(campaign)
    except DomainValidationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(n)d mark(s) allocated.") % {"n": count})
    return redirect("marking:campaign-detail", pk=campaign.pk)


@permission_required(CAMPAIGN_MANAGE)
def campaign_job(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_to_manage(request, pk)
    with tempfile.TemporaryDirectory(prefix="armstrace-") as folder:
        path = Path(folder) / "job.csv"
        campaigns.export_job(campaign, path)
        content = path.read_bytes()
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{campaign.code}-job.csv"'
    return response


@permission_required(CAMPAIGN_MANAGE)
def campaign_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_to_manage(request, pk)
    items = selectors.engraving_items(campaign)
    content = pdf.checklist(campaign, items, clock.now())
    record_event(
        "marking:campaign:printed",
        object_type="marking.campaign",
        object_id=str(campaign.pk),
        data={"rows": len(items), "sha256": hashlib.sha256(content).hexdigest()},
    )
    return _pdf(content, f"{campaign.code}-checklist.pdf")


@require_POST
@permission_required(CAMPAIGN_MANAGE)
def campaign_log(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_to_manage(request, pk)
    form = UploadForm(request.POST, request.FILES)
    report = None
    if form.is_valid():
        try:
            with _saved(form.cleaned_data["file"]) as path:
                report = campaigns.import_machine_log(campaign, path)
        except DomainValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Log read: %(done)d done, %(failed)d failed, %(redo)d to redo, "
                    "%(rejected)d rows refused."
                )
                % {**report.counts, "rejected": len(report.rejected)},
            )
            if not report.rejected:
                return redirect("marking:campaign-detail", pk=campaign.pk)
    campaign.refresh_from_db()
    context = _detail_context(request, campaign, log_form=form, report=report)
    return _page(request, "marking/campaigns/detail.html", context)


@require_POST
@permission_required(CAMPAIGN_MANAGE)
def campaign_result(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    campaign = _campaign_to_manage(request, pk)
    item = get_object_or_404(campaign.items, pk=item_id)
    form = ResultForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose done, failed or to redo."))
    else:
        try:
            campaigns.record_result(
                item, result=form.cleaned_data["result"], note=form.cleaned_data["note"]
            )
        except DomainValidationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Result recorded for %(mark)s.") % {"mark": item.mark_text})
    return redirect("marking:campaign-detail", pk=campaign.pk)


# --- found, seized and surrendered weapons ---------------------------------------------


@permission_required(FOUND_VIEW)
def find_list(request: HttpRequest) -> HttpResponse:
    finds = selectors.finds_for(request.user)
    late = request.GET.get("overdue") == "1"
    rows = selectors.overdue(finds) if late else finds.filter(outcome="open")
    context = {
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "overdue": late,
        "today": clock.today(),
        "deadline_days": found.deadline_days(),
        "can_record": has_permission(request.user, FOUND_RECORD),
    }
    return render(request, "marking/found/list.html", context)


@permission_required(FOUND_RECORD)
def find_create(request: HttpRequest) -> HttpResponse:
    agency = _own_agency(request, FOUND_RECORD)
    form = FindForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        weapon = None
        if data["weapon_id"]:
            weapon = get_object_or_404(
                Weapon.objects.select_related("agency"), pk=data["weapon_id"]
            )
            _in_scope(request, FOUND_RECORD, weapon.agency)
        try:
            find = found.register_find(
                agency=agency,
                circumstances=found.Circumstances(
                    kind=data["kind"],
                    occurred_on=data["occurred_on"],
                    place=data["place"],
                    found_by=data["found_by"],
                    case_number=data["case_number"],
                    context=data["context"],
                ),
                weapon=weapon,
                data=None if weapon else _new_weapon(data),
            )
        except DomainValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Registered. Mark and record it, or destroy it, by %(day)s.")
                % {"day": find.due_on.isoformat()},
            )
            return redirect("registry:weapon-detail", pk=find.weapon_id)
    return _page(request, "marking/found/form.html", {"form": form, "agency": agency})


def _new_weapon(data: dict[str, Any]) -> WeaponInput:
    return WeaponInput(
        serial_number=data["serial_number"],
        manufacturer_name=data["manufacturer_name"] or _("Unknown"),
        weapon_type=data["weapon_type"],
        model=data["model"],
        calibre=data["calibre"],
        source="found" if not data["weapon_type"] else "",  # a type may be unknown on a find
    )


# --- collections -----------------------------------------------------------------------


@permission_required(FOUND_VIEW)
def collection_list(request: HttpRequest) -> HttpResponse:
    context = {
        "page": Paginator(selectors.batches_for(request.user), PAGE_SIZE).get_page(
            request.GET.get("page")
        ),
        "can_record": has_permission(request.user, FOUND_RECORD),
    }
    return render(request, "marking/found/collections.html", context)


@permission_required(FOUND_RECORD)
def collection_create(request: HttpRequest) -> HttpResponse:
    agency = _own_agency(request, FOUND_RECORD)
    form = CollectionForm(request.POST or None, request.FILES or None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            with _saved(data["file"]) as path:
                report = found.import_collection(
                    agency=agency,
                    name=data["name"],
                    kind=data["kind"],
                    collected_on=data["collected_on"],
                    place=data["place"],
                    path=path,
                )
        except DomainValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "%(new)d weapon(s) registered, %(linked)d matched a registered weapon, "
                    "%(missing)d match a lost or stolen record, %(rejected)d row(s) refused."
                )
                % {
                    "new": report.registered,
                    "linked": report.linked,
                    "missing": report.lost_or_stolen,
                    "rejected": len(report.rejected),
                },
            )
            for row in report.rejected[:50]:
                messages.warning(
                    request, _("Row %(n)d: %(reason)s") % {"n": row.number, "reason": row.reason}
                )
            return redirect("marking:collection-detail", pk=report.batch.pk)
    return _page(request, "marking/found/collection_form.html", {"form": form, "agency": agency})


def _batch(request: HttpRequest, pk: int) -> CollectionBatch:
    return get_object_or_404(selectors.batches_for(request.user), pk=pk)


def _route_form(request: HttpRequest, batch: CollectionBatch, data: Any = None) -> RouteForm:
    return RouteForm(
        data,
        item_ids=list(batch.items.values_list("pk", flat=True)),
        campaigns=selectors.campaigns_for(request.user).filter(status__in=campaigns.OPEN),
    )


@permission_required(FOUND_VIEW)
def collection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    return _collection_page(request, batch, _route_form(request, batch))


def _collection_page(request: HttpRequest, batch: CollectionBatch, form: RouteForm) -> HttpResponse:
    context = {
        "batch": batch,
        "items": batch.items.select_related("weapon").order_by("row_number"),
        "form": form,
        "destructions": selectors.destructions_for(request.user).filter(batch=batch),
        "can_route": selectors.may_act(request.user, FOUND_RECORD, batch.agency),
    }
    return _page(request, "marking/found/collection_detail.html", context)


@require_POST
@permission_required(FOUND_RECORD)
def collection_route(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    _in_scope(request, FOUND_RECORD, batch.agency)
    form = _route_form(request, batch, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        chosen = batch.items.all()
        if data["items"]:
            chosen = chosen.filter(pk__in=data["items"])
        try:
            if data["action"] == "marking":
                _in_scope(request, CAMPAIGN_MANAGE, data["campaign"].agency)
                n = campaigns.send_to_marking(list(chosen), data["campaign"], reason=data["reason"])
                messages.success(request, _("%(n)d weapon(s) sent to marking.") % {"n": n})
            else:
                destruction = found.send_to_destruction(list(chosen), reason=data["reason"])
                messages.success(
                    request, _("Destruction list %(id)d scheduled.") % {"id": destruction.pk}
                )
                return redirect("marking:destruction-detail", pk=destruction.pk)
        except DomainValidationError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("marking:collection-detail", pk=batch.pk)
    return _collection_page(request, batch, form)


# --- destructions ----------------------------------------------------------------------


def _destruction(request: HttpRequest, pk: int) -> Destruction:
    return get_object_or_404(selectors.destructions_for(request.user), pk=pk)


@permission_required(FOUND_VIEW)
def destruction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _destruction_page(request, _destruction(request, pk), None)


def _destruction_page(
    request: HttpRequest, destruction: Destruction, form: DestructionForm | None
) -> HttpResponse:
    context = {
        "destruction": destruction,
        "items": destruction.items.select_related("weapon").order_by("id"),
        "form": form or DestructionForm(initial={"destroyed_on": clock.today()}),
        "can_record": selectors.may_act(request.user, DESTRUCTION_RECORD, destruction.agency),
    }
    return _page(request, "marking/found/destruction.html", context)


@require_POST
@permission_required(DESTRUCTION_RECORD)
def destruction_record(request: HttpRequest, pk: int) -> HttpResponse:
    destruction = _destruction(request, pk)
    _in_scope(request, DESTRUCTION_RECORD, destruction.agency)
    form = DestructionForm(request.POST)
    if form.is_valid():
        try:
            found.record_destruction(destruction, **form.cleaned_data)
        except DomainValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Destruction recorded; the certificate is ready."))
            return redirect("marking:destruction-detail", pk=destruction.pk)
    return _destruction_page(request, destruction, form)


@permission_required(FOUND_VIEW)
def destruction_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    visible = selectors.destructions_for(request.user).values("pk")
    destruction = get_object_or_404(Destruction.objects.filter(pk__in=visible), pk=pk)
    if not destruction.certificate:
        messages.error(request, _("The destruction is not recorded yet."))
        return redirect("marking:destruction-detail", pk=pk)
    return _pdf(bytes(destruction.certificate), f"destruction-{destruction.pk}.pdf")
