"""Web pages of tracing: they parse, authorise and call services, nothing more."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from armstrace.accounts.decorators import permission_required
from armstrace.accounts.models import User
from armstrace.accounts.permissions import has_permission
from armstrace.core import clock
from armstrace.core.exceptions import DomainValidationError, PermissionDenied
from armstrace.tracing import rules, selectors, services
from armstrace.tracing.choices import Direction, Status
from armstrace.tracing.forms import (
    DraftForm,
    ReleaseForm,
    TraceRequestForm,
    TransitionForm,
    show_errors,
)
from armstrace.tracing.models import TraceRequest
from armstrace.tracing.permissions import (
    ANSWER_DRAFT,
    ANSWER_RELEASE,
    ANSWER_RELEASE_DOMESTIC,
    REQUEST_CREATE,
    REQUEST_INTERNATIONAL,
    REQUEST_VIEW,
)

PAGE_SIZE = 50
INVALID = 422  # a form with errors: the same code the API answers


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # permission_required let only signed-in users in
    return user


def _trace(request: HttpRequest, request_id: str) -> TraceRequest:
    return get_object_or_404(selectors.requests_for(request.user), request_id=request_id)


@permission_required(REQUEST_VIEW)
def trace_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.requests_for(request.user)
    status, direction = request.GET.get("status", ""), request.GET.get("direction", "")
    if status in Status.values:
        rows = rows.filter(status=status)
    if direction in Direction.values:
        rows = rows.filter(direction=direction)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "statuses": Status.choices,
        "directions": Direction.choices,
        "status": status,
        "direction": direction,
        "can_create": has_permission(request.user, REQUEST_CREATE),
    }
    return render(request, "tracing/trace_list.html", context)


def _directions(user: User) -> list[str]:
    directions = [Direction.DOMESTIC.value]
    if has_permission(user, REQUEST_INTERNATIONAL):
        directions += [Direction.OUTGOING.value, Direction.INCOMING.value]
    return directions


@permission_required(REQUEST_CREATE)
def trace_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = TraceRequestForm(request.POST or None, directions=_directions(user))
    if request.method == "POST" and form.is_valid():
        try:
            trace = services.create_request(actor=user, data=form.to_input())
        except DomainValidationError as exc:
            show_errors(form, exc)
        except PermissionDenied as exc:
            raise HttpForbidden(exc.permission) from exc
        else:
            messages.success(request, _("Trace request %(id)s filed.") % {"id": trace.request_id})
            return redirect("tracing:trace-detail", request_id=trace.request_id)
    status = INVALID if form.errors else 200
    return render(request, "tracing/trace_form.html", {"form": form}, status=status)


def _step_targets(user: User, trace: TraceRequest) -> list[Status]:
    """The steps this user may take here; our answers go through the release form."""
    direction, status = Direction(trace.direction), Status(trace.status)
    allowed = []
    for target in rules.targets(direction, status):
        if target in rules.ANSWERED and direction != Direction.OUTGOING:
            continue
        if services.may_take(user, trace, rules.TABLE[(status, target)]):
            allowed.append(target)
    return allowed


def _detail_context(request: HttpRequest, trace: TraceRequest, **forms: Any) -> dict[str, Any]:
    user = _user(request)
    targets = _step_targets(user, trace)
    ours = trace.direction != Direction.OUTGOING
    release = ANSWER_RELEASE_DOMESTIC if trace.direction == Direction.DOMESTIC else ANSWER_RELEASE
    agency = trace.requested_agency
    return {
        "trace": trace,
        "events": selectors.history(trace),
        "answers": selectors.answers_for(user, trace),
        "late": selectors.lateness(trace, clock.now()),
        "transition_form": forms.get("transition_form") or TransitionForm(targets=targets),
        "can_transition": bool(targets),
        "can_draft": ours
        and trace.status in rules.DRAFTABLE
        and has_permission(user, ANSWER_DRAFT, agency=agency),
        "draft_form": forms.get("draft_form") or DraftForm(),
        "can_release": ours
        and trace.status in rules.WAITING
        and has_permission(user, release, agency=agency),
        "release_form": forms.get("release_form") or ReleaseForm(),
    }


@permission_required(REQUEST_VIEW)
def trace_detail(request: HttpRequest, request_id: str) -> HttpResponse:
    trace = _trace(request, request_id)
    return render(request, "tracing/trace_detail.html", _detail_context(request, trace))


def _refused(request: HttpRequest, trace: TraceRequest, **forms: Any) -> HttpResponse:
    context = _detail_context(request, trace, **forms)
    return render(request, "tracing/trace_detail.html", context, status=INVALID)


@permission_required(REQUEST_VIEW)
def trace_transition(request: HttpRequest, request_id: str) -> HttpResponse:
    trace = _trace(request, request_id)
    if request.method != "POST":
        return redirect("tracing:trace-detail", request_id=request_id)
    user = _user(request)
    form = TransitionForm(request.POST, targets=list(Status))
    if form.is_valid():
        try:
            services.transition(
                request=trace,
                to=form.cleaned_data["to"],
                actor=user,
                grounds=form.cleaned_data["grounds"],
                reasons=form.cleaned_data["reasons"],
                note=form.cleaned_data["note"],
            )
        except PermissionDenied as exc:
            raise HttpForbidden(exc.permission) from exc
        except DomainValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(
                request, _("Status changed to %(s)s.") % {"s": trace.get_status_display()}
            )
            return redirect("tracing:trace-detail", request_id=request_id)
    return _refused(request, trace, transition_form=form)


@permission_required(ANSWER_DRAFT)
def trace_draft(request: HttpRequest, request_id: str) -> HttpResponse:
    trace = _trace(request, request_id)
    if request.method != "POST":
        return redirect("tracing:trace-detail", request_id=request_id)
    form = DraftForm(request.POST)
    if form.is_valid():
        weapon = form.cleaned_data["weapon_id"]
        try:
            services.draft_answer(
                request=trace, actor=_user(request), weapon_id=str(weapon) if weapon else None
            )
        except PermissionDenied as exc:
            raise HttpForbidden(exc.permission) from exc
        except DomainValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Answer drafted from the registry."))
            return redirect("tracing:trace-detail", request_id=request_id)
    return _refused(request, trace, draft_form=form)


@permission_required(ANSWER_RELEASE_DOMESTIC)
def trace_release(request: HttpRequest, request_id: str, answer_id: int) -> HttpResponse:
    trace = _trace(request, request_id)
    answer = get_object_or_404(trace.answers, pk=answer_id)
    if request.method != "POST":
        return redirect("tracing:trace-detail", request_id=request_id)
    form = ReleaseForm(request.POST)
    if form.is_valid():
        try:
            services.release_answer(
                answer=answer,
                actor=_user(request),
                completeness=form.cleaned_data["completeness"],
                redact_personal=form.cleaned_data["redact_personal"],
                note=form.cleaned_data["note"],
            )
        except PermissionDenied as exc:
            raise HttpForbidden(exc.permission) from exc
        except DomainValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Answer released."))
            return redirect("tracing:trace-detail", request_id=request_id)
    return _refused(request, trace, release_form=form)


@permission_required(REQUEST_VIEW)
def overdue_dashboard(request: HttpRequest) -> HttpResponse:
    rows = selectors.overdue_by_counterpart(request.user, clock.now())
    return render(request, "tracing/overdue.html", {"rows": rows, "now": clock.now()})
