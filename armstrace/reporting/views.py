"""Pages of reporting: the national report, diversion notices and their recipients, the
assistance register. Views parse, authorise (each declares its permission) and call
services or selectors, nothing more.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from armstrace.accounts.decorators import permission_required
from armstrace.accounts.models import User
from armstrace.accounts.permissions import has_permission
from armstrace.core.exceptions import DomainValidationError
from armstrace.registry.forms import add_domain_error
from armstrace.reporting import notices, rules, selectors, services
from armstrace.reporting.choices import AssistanceKind, NoticeFormat, NoticeState
from armstrace.reporting.forms import (
    AcknowledgeForm,
    EntryFilterForm,
    EntryForm,
    MatchForm,
    RecipientForm,
    ReportForm,
    StatusForm,
    last_two_years,
)
from armstrace.reporting.models import AssistanceEntry, NoticeRecipient
from armstrace.reporting.permissions import (
    ASSISTANCE_MANAGE,
    ASSISTANCE_VIEW,
    NOTICE_EXPORT,
    NOTICE_VIEW,
    RECIPIENT_MANAGE,
    REPORT_GENERATE,
)

INVALID = 422
PAGE_SIZE = 100


def _user(request: HttpRequest) -> User:
    """The signed-in user; permission_required has turned anonymous visitors away."""
    user = request.user
    if not isinstance(user, User):
        raise HttpForbidden("anonymous")
    return user


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    invalid = any(isinstance(v, Form) and v.errors for v in context.values())
    return render(request, template, context, status=INVALID if invalid else 200)


def attachment(content: bytes, content_type: str, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["Cache-Control"] = "no-store"
    return response


# --- the national report ------------------------------------------------------------------


@permission_required(REPORT_GENERATE)
def national_report(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        start, end = last_two_years()
        language = getattr(request, "LANGUAGE_CODE", "en")
        form = ReportForm(initial={"start": start, "end": end, "language": language})
        return _page(request, "reporting/national.html", {"form": form})
    form = ReportForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            period = services.check_period(data["start"], data["end"])
            report = services.generate_national_report(
                actor=_user(request), period=period, language=data["language"], fmt=data["format"]
            )
        except DomainValidationError as exc:
            add_domain_error(form, exc)
        else:
            return attachment(report.content, report.content_type, report.file_name)
    return _page(request, "reporting/national.html", {"form": form})


# --- diversion notices --------------------------------------------------------------------


@permission_required(NOTICE_VIEW)
def notice_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    notices = selectors.notices_for(request.user)
    if state in NoticeState.values:
        notices = notices.filter(state=state)
    page = Paginator(notices.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "state": state,
        "states": NoticeState.choices,
        "can_manage": has_permission(request.user, RECIPIENT_MANAGE),
        "recipients": selectors.recipients_for(request.user).filter(active=True).count(),
    }
    return render(request, "reporting/notice_list.html", context)


@permission_required(NOTICE_VIEW)
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(selectors.notices_for(request.user), pk=pk)
    context = {
        "notice": notice,
        "doc": notice.document,
        "labels": notices.labels(notice.document),
        "can_export": has_permission(request.user, NOTICE_EXPORT),
        "formats": NoticeFormat.choices,
        "form": AcknowledgeForm(),
    }
    return render(request, "reporting/notice_detail.html", context)


@permission_required(NOTICE_EXPORT)
def notice_export(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(selectors.notices_for(request.user), pk=pk)
    fmt = request.GET.get("format", NoticeFormat.PDF.value)
    try:
        content = services.export_notice(notice=notice, actor=_user(request), fmt=fmt)
    except DomainValidationError as exc:
        messages.error(request, exc.message)
        return redirect("reporting:notice-detail", pk=notice.pk)
    kind = "application/pdf" if fmt == NoticeFormat.PDF else "application/json"
    return attachment(content, kind, f"diversion-notice-{notice.request_id}-{notice.pk}.{fmt}")


@permission_required(NOTICE_EXPORT)
@require_POST
def notice_send(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(selectors.notices_for(request.user), pk=pk)
    try:
        sent = services.send_notice(notice=notice, actor=_user(request))
    except DomainValidationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The notice is sent to %(node)s as the signed alert %(alert)s.")
            % {"node": sent.recipient.peer, "alert": sent.alert_id},
        )
    return redirect("reporting:notice-detail", pk=notice.pk)


@permission_required(NOTICE_EXPORT)
@require_POST
def notice_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(selectors.notices_for(request.user), pk=pk)
    form = AcknowledgeForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.acknowledge_notice(notice=notice, actor=_user(request), note=note)
    except DomainValidationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The notice is recorded as acknowledged."))
    return redirect("reporting:notice-detail", pk=notice.pk)


# --- recipients ---------------------------------------------------------------------------


@permission_required(RECIPIENT_MANAGE)
def recipient_list(request: HttpRequest) -> HttpResponse:
    recipients = selectors.recipients_for(request.user)
    return render(request, "reporting/recipient_list.html", {"recipients": recipients})


def _recipient_input(data: dict[str, Any]) -> services.RecipientInput:
    return services.RecipientInput(
        name=data["name"],
        level=data["level"],
        email=data["email"],
        address=data["address"],
        languages=" ".join(data["languages"]),
        active=data["active"],
        peer=data.get("peer") or "",
    )


@permission_required(RECIPIENT_MANAGE)
def recipient_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    recipient = None
    if pk is not None:
        recipient = get_object_or_404(selectors.recipients_for(request.user), pk=pk)
    if request.method != "POST":
        form = RecipientForm(initial=_initial(recipient))
        return _page(
            request, "reporting/recipient_form.html", {"form": form, "recipient": recipient}
        )
    form = RecipientForm(request.POST)
    if form.is_valid():
        try:
            services.save_recipient(
                actor=_user(request), data=_recipient_input(form.cleaned_data), recipient=recipient
            )
        except DomainValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The recipient is saved."))
            return redirect("reporting:recipient-list")
    return _page(request, "reporting/recipient_form.html", {"form": form, "recipient": recipient})


def _initial(recipient: NoticeRecipient | None) -> dict[str, Any]:
    if recipient is None:
        return {"languages": ["en"], "active": True}
    return {
        "name": recipient.name,
        "level": recipient.level,
        "email": recipient.email,
        "address": recipient.address,
        "languages": recipient.languages.split(),
        "active": recipient.active,
        "peer": recipient.peer.node_id if recipient.peer else "",
    }


# --- the assistance register --------------------------------------------------------------


@permission_required(ASSISTANCE_VIEW)
def assistance_list(request: HttpRequest) -> HttpResponse:
    filters = EntryFilterForm(request.GET)
    entries = selectors.entries_for(request.user)
    if filters.is_valid():
        for name in ("kind", "category", "status"):
            if filters.cleaned_data[name]:
                entries = entries.filter(**{name: filters.cleaned_data[name]})
    page = Paginator(entries.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "filters": filters,
        "page": page,
        "can_manage": has_permission(request.user, ASSISTANCE_MANAGE),
        "query": request.GET.urlencode(),
    }
    return render(request, "reporting/assistance_list.html", context)


@permission_required(ASSISTANCE_VIEW)
def assistance_csv(request: HttpRequest) -> HttpResponse:
    content = services.export_register(entries=selectors.entries_for(request.user))
    return attachment(content, "text/csv; charset=utf-8", "assistance-register.csv")


@permission_required(ASSISTANCE_MANAGE)
def assistance_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form = EntryForm(initial={"country": selectors.home_country()})
        return _page(request, "reporting/assistance_form.html", {"form": form})
    form = EntryForm(request.POST)
    if form.is_valid():
        try:
            entry = services.record_entry(
                actor=_user(request), data=services.EntryInput(**form.cleaned_data)
            )
        except DomainValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The entry is recorded."))
            return redirect("reporting:assistance-detail", pk=entry.pk)
    return _page(request, "reporting/assistance_form.html", {"form": form})


def _entry(request: HttpRequest, pk: int) -> AssistanceEntry:
    return get_object_or_404(selectors.entries_for(request.user), pk=pk)


@permission_required(ASSISTANCE_VIEW)
def assistance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    context = {
        "entry": entry,
        "matches": selectors.matches_of(entry),
        "suggestions": selectors.suggested_matches(entry),
        "can_manage": has_permission(request.user, ASSISTANCE_MANAGE),
        "is_need": entry.kind == AssistanceKind.NEED,
    }
    return render(request, "reporting/assistance_detail.html", context)


@permission_required(ASSISTANCE_MANAGE)
@require_POST
def assistance_match(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    form = MatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a suggestion to match."))
        return redirect("reporting:assistance-detail", pk=entry.pk)
    other = _entry(request, form.cleaned_data["other"])
    need, offer = rules.need_and_offer(entry, other)
    try:
        services.match_entries(
            actor=_user(request), need=need, offer=offer, note=form.cleaned_data["note"]
        )
    except DomainValidationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The need and the offer are matched."))
    return redirect("reporting:assistance-detail", pk=entry.pk)


@permission_required(ASSISTANCE_MANAGE)
@require_POST
def assistance_status(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        services.set_entry_status(
            actor=_user(request), entry=entry, status=form.cleaned_data["status"]
        )
        messages.success(request, _("The status is changed."))
    return redirect("reporting:assistance-detail", pk=entry.pk)
