"""Web pages of tracing: they parse, authorise and call services, nothing more."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from armstrace.accounts.decorators import permission_required, public
from armstrace.accounts.models import User
from armstrace.accounts.permissions import has_permission
from armstrace.core import clock
from armstrace.core.exceptions import DomainValidationError, PermissionDenied
from armstrace.reference.choices import WeaponType
from armstrace.reference.identify import identify
from armstrace.tracing import exchange, followup, portal, selectors, services
from armstrace.tracing.choices import Direction, Status
from armstrace.tracing.forms import (
    BooksForm,
    DraftForm,
    ExportForm,
    QuestionForm,
    ReceivedAnswerForm,
    ReleaseForm,
    TraceRequestForm,
    TransitionForm,
    show_errors,
)
from armstrace.tracing.models import TraceRequest
from armstrace.tracing.permissions import (
    ANSWER_DRAFT,
    ANSWER_RELEASE_DOMESTIC,
    QUESTION_SEND,
    REQUEST_CREATE,
    REQUEST_INTERNATIONAL,
    REQUEST_VIEW,
)

PAGE_SIZE = 50
SUGGEST_CONFIDENT = 0.5  # below this the suggestion says "perhaps", as the identify hint
MAX_DOCUMENT = 2_000_000  # bytes of an uploaded answer document
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


def _parent(request: HttpRequest, form: TraceRequestForm) -> TraceRequest | None:
    """The request a follow-up continues; one the user cannot see is refused as absent."""
    request_id = form.cleaned_data.get("parent") or ""
    if not request_id:
        return None
    parent = selectors.requests_for(request.user).filter(request_id=request_id).first()
    if parent is None:
        raise DomainValidationError("parent", _("no such request"), code="unknown_request")
    return parent


# What a link may pre-fill on the create form (an existence check's hit, for one); the user
# reviews everything before filing.
PREFILL = (
    "direction", "requested_state", "case_ref", "serial_as_read", "manufacturer", "model",
    "calibre", "weapon_type", "country_of_manufacture", "other_identifiers",
)  # fmt: skip


@permission_required(REQUEST_CREATE)
def trace_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    initial = {name: request.GET[name][:300] for name in PREFILL if name in request.GET}
    form = TraceRequestForm(
        request.POST or None, initial=initial, directions=services.directions_for(user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            trace = services.create_request(
                actor=user, data=form.to_input(parent=_parent(request, form))
            )
        except DomainValidationError as exc:
            show_errors(form, exc)
        except PermissionDenied as exc:
            raise HttpForbidden(exc.permission) from exc
        else:
            messages.success(request, _("Trace request %(id)s filed.") % {"id": trace.request_id})
            return redirect("tracing:trace-detail", request_id=trace.request_id)
    status = INVALID if form.errors else 200
    return render(request, "tracing/trace_form.html", {"form": form}, status=status)


def _detail_context(request: HttpRequest, trace: TraceRequest, **forms: Any) -> dict[str, Any]:
    user = _user(request)
    targets = services.step_targets(user, trace)
    answers = selectors.answers_for(user, trace)
    return {
        "trace": trace,
        "events": selectors.history(trace),
        "answers": answers,
        # Each answer's export form has ids of its own (several answers: several forms).
        "answer_rows": [(a, ExportForm(auto_id=f"answer{a.pk}_%s")) for a in answers],
        "follow_ups": followup.follow_up_states(user, trace, answers),
        "can_export": exchange.may_export(user, trace),
        "export_form": ExportForm(),
        "can_receive": exchange.may_receive(user, trace),
        "questions": selectors.questions_for(user, trace),
        "can_ask": services.may_ask(user, trace),
        "question_form": forms.get("question_form") or QuestionForm(),
        "late": selectors.lateness(trace, clock.now()),
        "transition_form": forms.get("transition_form") or TransitionForm(targets=targets),
        "can_transition": bool(targets),
        "can_draft": services.may_draft(user, trace),
        "draft_form": forms.get("draft_form") or DraftForm(),
        "can_release": services.may_release(user, trace),
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
                confidentiality=form.cleaned_data["confidentiality"],
                use_restrictions=form.cleaned_data["use_restrictions"],
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


# --- suggestions as the user types (issue 7, item 2) ---------------------------------------


@permission_required(REQUEST_CREATE)
def trace_suggest(request: HttpRequest) -> HttpResponse:
    """Canonical manufacturer, model, calibre and type for what the form holds so far,
    from the identification service (the same as reference:identify-hint, all clues at once)."""
    clues = {
        "manufacturer": request.GET.get("manufacturer", ""),
        "model": request.GET.get("model", ""),
        "calibre": request.GET.get("calibre", ""),
        "type": request.GET.get("weapon_type", ""),
        "country": request.GET.get("country_of_manufacture", ""),
    }
    given = {name: value[:300] for name, value in clues.items() if value.strip()}
    top = identify(limit=1, **given).candidates if given else []
    context: dict[str, Any] = {"asked": bool(given), "candidate": top[0] if top else None}
    if top:
        context["confident"] = top[0].confidence >= SUGGEST_CONFIDENT
        context["type_label"] = _type_label(top[0].weapon_type)
    return render(request, "tracing/partials/suggestions.html", context)


def _type_label(value: str | None) -> str:
    if not value:
        return ""
    return str(WeaponType(value).label) if value in WeaponType.values else value


# --- follow-ups and the case (issue 7, item 6) --------------------------------------------


def _initial(data: services.RequestInput) -> dict[str, Any]:
    initial = {k: v for k, v in vars(data).items() if k != "parent"}
    initial["parent"] = data.parent.request_id if data.parent else ""
    return initial


@permission_required(REQUEST_INTERNATIONAL)
def trace_follow_up(request: HttpRequest, request_id: str, answer_id: int) -> HttpResponse:
    """The create form, pre-filled from the answer and the original request, to review."""
    trace = _trace(request, request_id)
    answers = {a.pk: a for a in selectors.answers_for(request.user, trace) if a.released_at}
    answer = answers.get(answer_id)
    if answer is None:
        raise Http404
    user = _user(request)
    try:
        data = followup.follow_up_input(
            request=trace, answer=answer, home=services.home_country(user)
        )
    except DomainValidationError as exc:
        messages.error(request, exc.message)
        return redirect("tracing:trace-detail", request_id=request_id)
    form = TraceRequestForm(initial=_initial(data), directions=services.directions_for(user))
    context = {"form": form, "parent": trace}
    return render(request, "tracing/trace_form.html", context)


@permission_required(REQUEST_VIEW)
def case_view(request: HttpRequest) -> HttpResponse:
    """Every request of one case the user may see, across borders, follow-ups nested."""
    case_ref = request.GET.get("ref", "")[:80]
    nodes = selectors.case_chain(request.user, case_ref) if case_ref else []
    rows = []
    for node in nodes:
        released = [a for a in node.request.answers.all() if a.released_at is not None]
        latest = released[-1] if released else None
        rows.append({"node": node, "answer": followup.content(latest) if latest else None})
    return render(request, "tracing/case.html", {"case_ref": case_ref, "rows": rows})


# --- exports, received answers (issue 7, items 7-8) ---------------------------------------


def _download(data: bytes, fmt: str, name: str) -> HttpResponse:
    kind = "application/pdf" if fmt == "pdf" else "application/json"
    response = HttpResponse(data, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


@permission_required(REQUEST_VIEW)
def trace_export(request: HttpRequest, request_id: str) -> HttpResponse:
    trace = _trace(request, request_id)
    form = ExportForm(request.GET)
    if not form.is_valid():
        return _refused(request, trace)
    fmt, to = form.cleaned_data["format"], form.cleaned_data["to"]
    try:
        data = exchange.export_request(request=trace, actor=_user(request), fmt=fmt, to=to)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.permission) from exc
    return _download(data, fmt, trace.request_id)


@permission_required(REQUEST_VIEW)
def answer_export(request: HttpRequest, request_id: str, answer_id: int) -> HttpResponse:
    trace = _trace(request, request_id)
    answers = {a.pk: a for a in selectors.answers_for(request.user, trace)}
    answer = answers.get(answer_id)
    form = ExportForm(request.GET)
    if answer is None or not form.is_valid():
        raise Http404
    fmt, to = form.cleaned_data["format"], form.cleaned_data["to"]
    try:
        data = exchange.export_answer(answer=answer, actor=_user(request), fmt=fmt, to=to)
    except PermissionDenied as exc:
        raise HttpForbidden(exc.permission) from exc
    except DomainValidationError as exc:
        messages.error(request, exc.message)
        return redirect("tracing:trace-detail", request_id=request_id)
    return _download(data, fmt, f"{trace.request_id}-answer-{answer.pk}")


def _received(form: ReceivedAnswerForm) -> exchange.ReceivedAnswer:
    upload = form.cleaned_data["document"]
    if upload is None:
        return form.to_input()
    if upload.size > MAX_DOCUMENT:
        raise DomainValidationError("document", _("is too large"), code="too_large")
    try:
        document = json.loads(upload.read().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DomainValidationError("document", _("is not JSON"), code="not_json") from exc
    return exchange.parse_answer_document(document)


@permission_required(REQUEST_INTERNATIONAL)
def trace_receive(request: HttpRequest, request_id: str) -> HttpResponse:
    """Enter or import the answer the requested state sent outside ArmsTrace."""
    trace = _trace(request, request_id)
    form = ReceivedAnswerForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            exchange.record_received_answer(
                request=trace, actor=_user(request), data=_received(form)
            )
        except PermissionDenied as exc:
            raise HttpForbidden(exc.permission) from exc
        except DomainValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Answer recorded."))
            return redirect("tracing:trace-detail", request_id=request_id)
    status = INVALID if form.errors else 200
    context = {"form": form, "trace": trace}
    return render(request, "tracing/receive.html", context, status=status)


# --- the manufacturers' and dealers' portal (issue 7, item 5) -----------------------------


@permission_required(QUESTION_SEND)
def question_send(request: HttpRequest, request_id: str) -> HttpResponse:
    trace = _trace(request, request_id)
    if request.method != "POST":
        return redirect("tracing:trace-detail", request_id=request_id)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            question, token = portal.ask_party(
                request=trace,
                actor=_user(request),
                party=form.cleaned_data["party"],
                question=form.cleaned_data["question"],
            )
        except PermissionDenied as exc:
            raise HttpForbidden(exc.permission) from exc
        except DomainValidationError as exc:
            show_errors(form, exc)
        else:
            link = request.build_absolute_uri(reverse("tracing:portal", args=[token]))
            context = {"trace": trace, "question": question, "link": link}
            response = render(request, "tracing/question_sent.html", context, status=201)
            response["Cache-Control"] = "no-store"
            return response
    return _refused(request, trace, question_form=form)


@permission_required(QUESTION_SEND)
def question_revoke(request: HttpRequest, request_id: str, question_id: int) -> HttpResponse:
    trace = _trace(request, request_id)
    question = get_object_or_404(trace.questions, pk=question_id)
    if request.method == "POST":
        try:
            portal.revoke_question(question=question, actor=_user(request))
        except PermissionDenied as exc:
            raise HttpForbidden(exc.permission) from exc
        except DomainValidationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The link no longer works."))
    return redirect("tracing:trace-detail", request_id=request_id)


def _portal_page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(request, "tracing/portal.html", context, status=status)
    response["Referrer-Policy"] = "no-referrer"  # the token is in the URL: never pass it on
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@public  # the signed token in the URL is the credential; portal.question_for checks it
def portal_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The one page an outside manufacturer or dealer sees: one question, one form."""
    try:
        question = portal.question_for(token)
    except portal.LinkInvalid:
        return _portal_page(request, {"invalid": True}, status=404)
    form = BooksForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            portal.answer_question(token=token, data=form.to_input())
        except portal.LinkInvalid:
            return _portal_page(request, {"invalid": True}, status=404)
        except DomainValidationError as exc:
            show_errors(form, exc)
        else:
            return _portal_page(request, {"thanks": True})
    status = INVALID if form.errors else 200
    return _portal_page(request, {"question": question, "form": form}, status=status)
