"""Web pages of the registry: they parse, authorise and call services, nothing more."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.http import HttpResponseClientRedirect

from armstrace.accounts.decorators import permission_required
from armstrace.accounts.permissions import Permission, has_permission
from armstrace.core.exceptions import DomainValidationError
from armstrace.core.htmx import wants_fragment
from armstrace.core.paging import CappedPaginator
from armstrace.registry import images, personal, restoration, selectors, services
from armstrace.registry.forms import (
    ComponentForm,
    EventForm,
    ImageForm,
    MarkForm,
    RegistryForm,
    ReplaceComponentForm,
    RestorationForm,
    WeaponFilterForm,
    WeaponForm,
    add_domain_error,
    text_field,
)
from armstrace.registry.models import Component, Restoration, Weapon
from armstrace.registry.panels import render_panels
from armstrace.registry.permissions import (
    EVENT_RECORD,
    IMAGE_ADD,
    RESTORATION_RECORD,
    WEAPON_CREATE,
    WEAPON_EDIT,
    WEAPON_VIEW,
)
from armstrace.registry.personal import MAX_PURPOSE

PAGE_SIZE = 50
INVALID = 422  # a form with errors: the same code the API answers


def _weapon(request: HttpRequest, pk: uuid.UUID) -> Weapon:
    return get_object_or_404(selectors.weapons_for(request.user), pk=pk)


def _weapon_in_scope(request: HttpRequest, pk: uuid.UUID, perm: Permission) -> Weapon:
    """The weapon, if the user holds `perm` for the weapon's own agency; else 403."""
    weapon = _weapon(request, pk)
    if not has_permission(request.user, perm, agency=weapon.agency):
        raise HttpForbidden(perm.code)
    return weapon


def _form_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    form: Form = context["form"]
    return render(request, template, context, status=INVALID if form.errors else 200)


@permission_required(WEAPON_VIEW)
def weapon_list(request: HttpRequest) -> HttpResponse:
    filters = WeaponFilterForm(request.GET)
    weapons = filters.filter(selectors.weapons_for(request.user))
    page = CappedPaginator(weapons, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "page": page,
        "can_register": has_permission(request.user, WEAPON_CREATE),
        # The list never asks for a purpose: individual holders stay withheld here.
        "withheld_holders": {w.pk for w in page if personal.is_personal(w.holder)},
    }
    template = "registry/weapon_list.html"
    if wants_fragment(request):
        template = "registry/partials/weapon_results.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])  # a cache must not mix page and fragment
    return response


class PurposeForm(RegistryForm):
    purpose = text_field(
        gettext_lazy("Case number or purpose"),
        MAX_PURPOSE,
        required=True,
        help_text=gettext_lazy("Recorded with every showing of this record's personal data."),
        error_messages={
            "required": gettext_lazy("Give the case number or the purpose; it is recorded.")
        },
    )


@permission_required(WEAPON_VIEW)
def weapon_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The record without personal data; with it once a purpose is stated (a POST here)."""
    weapons = selectors.weapons_for(request.user).select_related("manufacturer")
    weapon = get_object_or_404(weapons, pk=pk)
    form = PurposeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            personal.grant(request.session, weapon.pk, form.cleaned_data["purpose"])
        except DomainValidationError as exc:
            add_domain_error(form, exc)
        else:
            url = reverse("registry:weapon-detail", args=[weapon.pk])
            return HttpResponseClientRedirect(url) if wants_fragment(request) else redirect(url)
    components = list(weapon.components.select_related("replaces"))
    successors = {c.replaces_id: c for c in components if c.replaces_id is not None}
    user, agency = request.user, weapon.agency
    events = list(selectors.timeline(weapon))
    purpose, until = personal.granted(request.session, weapon.pk)
    disclosure = personal.WITHHELD
    if purpose:
        disclosure = personal.reveal_weapon(weapon=weapon, events=events, purpose=purpose)
    context = {
        "weapon": weapon,
        "components": [(c, successors.get(c.pk)) for c in components],
        "marks": selectors.marks_for(user, weapon),
        "events": events,
        "images": selectors.images_for(user, weapon),
        "restorations": [_restoration_row(r) for r in selectors.restorations_for(user, weapon)],
        "can_record_event": has_permission(user, EVENT_RECORD, agency=agency),
        "can_edit": has_permission(user, WEAPON_EDIT, agency=agency),
        "can_add_image": has_permission(user, IMAGE_ADD, agency=agency),
        "can_record_restoration": has_permission(user, RESTORATION_RECORD, agency=agency),
        "panels": render_panels(request, weapon),
        "withheld": personal.withheld_on_page(weapon, events, disclosure),
        "purpose": purpose,
        "purpose_until": until,
        "purpose_form": form,
    }
    # htmx swaps 2xx answers only: a refused purpose comes back as 200 and is picked out
    # of the page (hx-select); without htmx the page says 422 like any refused form.
    status = INVALID if form.errors and not wants_fragment(request) else 200
    response = render(request, "registry/weapon_detail.html", context, status=status)
    response["Cache-Control"] = "private, no-store"  # may hold personal data
    return response


def _restoration_row(found: Restoration) -> dict[str, Any]:
    """A restoration as the weapon page shows it, with its pattern and a link to search it."""
    pattern = restoration.search_pattern(found.characters)
    return {
        "restoration": found,
        "reading": restoration.reading_text(found.characters),
        "pattern": pattern,
        "unknown": restoration.unknown_positions(found.characters),
        "search_url": f"{reverse('search:weapons')}?{urlencode({'serial': pattern})}",
    }


@permission_required(WEAPON_CREATE)
def weapon_create(request: HttpRequest) -> HttpResponse:
    agency = getattr(request.user, "agency", None)
    if agency is None or not has_permission(request.user, WEAPON_CREATE, agency=agency):
        raise HttpForbidden(WEAPON_CREATE.code)  # weapons are registered in one's own agency
    form = WeaponForm(request.POST if request.method == "POST" else None, user=request.user)
    if form.is_bound and form.is_valid():
        try:
            weapon = services.register_weapon(
                agency=agency, data=form.weapon_input(), first_event=form.event_input()
            )
        except DomainValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request, _("Weapon %(serial)s registered.") % {"serial": weapon.serial_number}
            )
            return redirect("registry:weapon-detail", pk=weapon.pk)
    return _form_page(request, "registry/weapon_form.html", {"form": form, "agency": agency})


@permission_required(EVENT_RECORD)
def event_create(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    weapon = _weapon_in_scope(request, pk, EVENT_RECORD)
    form = EventForm(
        request.POST if request.method == "POST" else None, user=request.user, weapon=weapon
    )
    if form.is_bound and form.is_valid():
        try:
            event = services.record_life_event(weapon=weapon, data=form.event_input())
        except DomainValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Event recorded: %(event)s. Status is now: %(status)s.")
                % {"event": event.get_kind_display(), "status": weapon.get_status_display()},
            )
            return redirect("registry:weapon-detail", pk=weapon.pk)
    return _form_page(request, "registry/event_form.html", {"form": form, "weapon": weapon})


def _small_form(
    request: HttpRequest, weapon: Weapon, form: Form, title: str, submit: str
) -> HttpResponse:
    context = {"form": form, "weapon": weapon, "title": title, "submit": submit}
    return _form_page(request, "registry/small_form.html", context)


@permission_required(WEAPON_EDIT)
def component_create(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    weapon = _weapon_in_scope(request, pk, WEAPON_EDIT)
    form = ComponentForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.add_component(weapon=weapon, data=form.component_input())
        except DomainValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Component added."))
            return redirect("registry:weapon-detail", pk=weapon.pk)
    return _small_form(request, weapon, form, _("Add a component"), _("Add component"))


@permission_required(WEAPON_EDIT)
def component_replace(request: HttpRequest, pk: uuid.UUID, component_id: int) -> HttpResponse:
    weapon = _weapon_in_scope(request, pk, WEAPON_EDIT)
    component: Component = get_object_or_404(
        weapon.components, pk=component_id, removed_on__isnull=True
    )
    form = ReplaceComponentForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            services.replace_component(
                component=component,
                new_serial_number=data["new_serial_number"],
                replaced_on=data["replaced_on"],
                reason=data["reason"],
            )
        except DomainValidationError as exc:
            add_domain_error(form, exc, form.aliases)
        else:
            messages.success(request, _("Component replaced; the old part stays on record."))
            return redirect("registry:weapon-detail", pk=weapon.pk)
    title = _("Replace %(component)s") % {"component": component}
    return _small_form(request, weapon, form, title, _("Replace component"))


@permission_required(WEAPON_EDIT)
def mark_create(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    weapon = _weapon_in_scope(request, pk, WEAPON_EDIT)
    form = MarkForm(
        request.POST if request.method == "POST" else None,
        weapon=weapon,
        can_conceal=selectors.may_see_concealed(request.user, weapon),
    )
    if form.is_bound and form.is_valid():
        try:
            services.add_mark(weapon=weapon, data=form.mark_input())
        except DomainValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Mark added."))
            return redirect("registry:weapon-detail", pk=weapon.pk)
    return _small_form(request, weapon, form, _("Add a mark"), _("Add mark"))


@permission_required(IMAGE_ADD)
def image_create(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    weapon = _weapon_in_scope(request, pk, IMAGE_ADD)
    bound = request.method == "POST"
    form = ImageForm(
        request.POST if bound else None,
        request.FILES if bound else None,
        user=request.user,
        weapon=weapon,
    )
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            images.check_size(upload.size or 0)  # before the file is read into memory
            images.add_image(
                weapon=weapon,
                upload=images.ImageUpload(
                    content=upload.read(),
                    file_name=upload.name or "",
                    declared_type=upload.content_type or "",
                    caption=form.cleaned_data["caption"],
                    keep_location=form.cleaned_data["keep_location"],
                    **form.target(),
                ),
            )
        except DomainValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Photograph added."))
            return redirect("registry:weapon-detail", pk=weapon.pk)
    context = {"form": form, "weapon": weapon}
    return _form_page(request, "registry/image_form.html", context)


def _image_file(request: HttpRequest, image_id: int, *, thumbnail: bool) -> FileResponse:
    image = selectors.image_for(request.user, image_id)
    path = None
    if image is not None:
        path = images.thumbnail_path(image) if thumbnail else images.image_path(image)
    if image is None or path is None or not path.is_file():
        raise Http404
    response = FileResponse(
        path.open("rb"),
        content_type="image/jpeg" if thumbnail else image.content_type,
        filename=image.file_name,
        as_attachment=False,
    )
    response["Cache-Control"] = "private, no-store"  # permission-checked: no shared cache
    response["X-Content-Type-Options"] = "nosniff"
    return response


@permission_required(WEAPON_VIEW)
def image_file(request: HttpRequest, image_id: int) -> FileResponse:
    return _image_file(request, image_id, thumbnail=False)


@permission_required(WEAPON_VIEW)
def image_thumbnail(request: HttpRequest, image_id: int) -> FileResponse:
    return _image_file(request, image_id, thumbnail=True)


@permission_required(RESTORATION_RECORD)
def restoration_create(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    weapon = _weapon_in_scope(request, pk, RESTORATION_RECORD)
    form = RestorationForm(
        request.POST if request.method == "POST" else None, user=request.user, weapon=weapon
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            restoration.record_restoration(
                weapon=weapon,
                data=restoration.RestorationInput(
                    reading=data["reading"],
                    laboratory=data["laboratory"],
                    examiner=data["examiner"],
                    examined_on=data["examined_on"],
                    method=data["method"],
                    mark=form.mark,
                    notes=data["notes"],
                ),
            )
        except DomainValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Restoration recorded."))
            return redirect("registry:weapon-detail", pk=weapon.pk)
    title = _("Record a restoration")
    return _small_form(request, weapon, form, title, _("Record restoration"))
