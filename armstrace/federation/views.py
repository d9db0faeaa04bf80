"""The inbox endpoint other nodes POST to, and the pages of peers, outbox, inbox and
alerts."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages as notices
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from armstrace.accounts.decorators import permission_required, public
from armstrace.accounts.models import User
from armstrace.core.exceptions import DomainValidationError
from armstrace.federation import (
    alerts,
    consistency,
    existence,
    inbox,
    keys,
    messages,
    national,
    query,
    selectors,
)
from armstrace.federation.choices import InboxStatus, OutboxStatus
from armstrace.federation.forms import (
    ConsistencyForm,
    ExistenceForm,
    NationalSearchForm,
    PublishAlertForm,
)
from armstrace.federation.models import ConsistencyRun, ExistenceQuestion
from armstrace.federation.permissions import (
    ALERT_ACKNOWLEDGE,
    ALERT_PUBLISH,
    ALERT_VIEW,
    CONSISTENCY_RUN,
    EXISTENCE_ASK,
    FEDERATION_VIEW,
    NATIONAL_SEARCH,
)
from armstrace.reference.choices import WeaponType
from armstrace.registry.choices import Status
from armstrace.registry.forms import add_domain_error
from armstrace.search.choices import MATCH_LABELS

INVALID = 422  # a form with errors


@public  # authenticated by the message's signature, checked in inbox.receive
@csrf_exempt
@require_POST
def inbox_endpoint(request: HttpRequest) -> HttpResponse:
    limit = settings.FEDERATION_MAX_BODY
    declared = request.headers.get("Content-Length", "")
    too_large = declared.isdigit() and int(declared) > limit  # refused without reading it
    body = b"" if too_large else request.read(limit + 1)
    answer = inbox.receive(body, request.headers, too_large=too_large)
    return JsonResponse(answer.payload, status=answer.status)


@public  # authenticated by the query's signature, and refused unless from this state
@csrf_exempt
@require_POST
def query_endpoint(request: HttpRequest) -> HttpResponse:
    """A registry of this state asks (registry.search, registry.extract): answered at once,
    signed."""
    limit = settings.FEDERATION_MAX_BODY
    declared = request.headers.get("Content-Length", "")
    too_large = declared.isdigit() and int(declared) > limit
    body = b"" if too_large else request.read(limit + 1)
    answer = query.receive(
        body, request.headers, responders=national.RESPONDERS, too_large=too_large
    )
    response = HttpResponse(answer.body, status=answer.status, content_type="application/json")
    if answer.signature:
        response[keys.HEADER] = answer.signature
    return response


@public  # the published JSON schemas of every message
@require_GET
def schemas(request: HttpRequest) -> HttpResponse:
    return JsonResponse(messages.schemas())


@permission_required(FEDERATION_VIEW)
def peer_list(request: HttpRequest) -> HttpResponse:
    return render(request, "federation/peers.html", {"peers": selectors.peers()})


@permission_required(FEDERATION_VIEW)
def outbox_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    rows = selectors.outbox(status)[: selectors.PAGE]
    context = {"rows": rows, "status": status, "statuses": OutboxStatus.choices}
    return render(request, "federation/outbox.html", context)


@permission_required(FEDERATION_VIEW)
def inbox_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    rows = selectors.inbox(status)[: selectors.PAGE]
    context = {"rows": rows, "status": status, "statuses": InboxStatus.choices}
    return render(request, "federation/inbox.html", context)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # the permission decorator let a user in
    return request.user


@permission_required(ALERT_VIEW)
def alert_list(request: HttpRequest) -> HttpResponse:
    matched = request.GET.get("matched", "")
    rows = selectors.received_alerts(matched)[: selectors.PAGE]
    return render(request, "federation/alerts.html", {"rows": rows, "matched": matched})


@permission_required(ALERT_ACKNOWLEDGE)
@require_POST
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        alerts.acknowledge_alert(alert_id=pk, actor=_user(request))
    except DomainValidationError as exc:
        return HttpResponse(exc.message, status=404)
    return redirect("federation:alerts")


def _publish(request: HttpRequest, form: PublishAlertForm) -> alerts.Published | None:
    user = _user(request)
    found = selectors.weapons_named(user, form.cleaned_data["weapon"])
    if len(found) != 1:
        message = _("several weapons carry this serial: give the id") if found else None
        form.add_error("weapon", message or _("no weapon of the registry has this id or serial"))
        return None
    try:
        return alerts.publish_alert(
            actor=user,
            weapon=found[0],
            kind=form.cleaned_data["kind"],
            peers=form.chosen_peers(),
            confidentiality=form.cleaned_data["confidentiality"],
            use_restrictions=form.cleaned_data["use_restrictions"],
            note=form.cleaned_data["note"],
        )
    except DomainValidationError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None


@permission_required(ALERT_PUBLISH)
def alert_publish(request: HttpRequest) -> HttpResponse:
    form = PublishAlertForm(request.POST or None, peers=selectors.active_peers())
    if request.method == "POST" and form.is_valid():
        published = _publish(request, form)
        if published is not None:
            notices.success(
                request,
                _("Alert %(id)s queued for %(n)d peers.")
                % {"id": published.alert_id, "n": len(published.messages)},
            )
            return redirect("federation:outbox")
    status = INVALID if form.errors else 200
    return render(request, "federation/alert_form.html", {"form": form}, status=status)


@permission_required(EXISTENCE_ASK)
def existence_list(request: HttpRequest) -> HttpResponse:
    """Our questions and their answers; a hit offers a trace request to that state."""
    form = ExistenceForm(request.POST or None, peers=selectors.active_peers())
    if request.method == "POST" and form.is_valid():
        try:
            existence.ask(
                actor=_user(request),
                peer=form.cleaned_data["peer"],
                manufacturer=form.cleaned_data["manufacturer"],
                serial=form.cleaned_data["serial"],
            )
        except DomainValidationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("federation:existence")
    rows = [(row, _trace_query(row)) for row in selectors.existence_questions()[: selectors.PAGE]]
    status = INVALID if form.errors else 200
    return render(request, "federation/existence.html", {"rows": rows, "form": form}, status=status)


def _trace_query(question: ExistenceQuestion) -> str:
    prefill = existence.trace_prefill(question)
    return urlencode(prefill) if prefill else ""


def _label(choices: type[WeaponType] | type[Status], value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


@dataclass(frozen=True)
class Labelled:
    candidate: national.NationalCandidate
    match_label: str
    type_label: str
    status_label: str


def _labelled(result: national.RegistryResult) -> list[Labelled]:
    return [
        Labelled(
            c,
            str(MATCH_LABELS.get(c.match, c.match)),
            _label(WeaponType, c.weapon_type),
            _label(Status, c.status),
        )
        for c in result.candidates
    ]


@permission_required(NATIONAL_SEARCH)
def national_search(request: HttpRequest) -> HttpResponse:
    """This registry and every other registry of this state, each labelled; a registry
    that did not answer says why."""
    submitted = "purpose" in request.GET
    form = NationalSearchForm(request.GET if submitted else None)
    results: list[national.RegistryResult] | None = None
    if submitted and form.is_valid():
        try:
            results = national.national_search(
                actor=_user(request),
                search=form.search_query(),
                purpose=form.cleaned_data["purpose"],
            )
        except DomainValidationError as exc:
            add_domain_error(form, exc)
    groups = [(result, _labelled(result)) for result in results or []]
    context = {"form": form, "groups": groups, "submitted": submitted}
    status = INVALID if form.errors else 200
    return render(request, "federation/national_search.html", context, status=status)


@permission_required(FEDERATION_VIEW)
def consistency_list(request: HttpRequest) -> HttpResponse:
    """The runs, newest first, and the findings of the run chosen (else the latest)."""
    runs = selectors.consistency_runs()
    chosen = request.GET.get("run", "")
    run = runs.filter(pk=int(chosen)).first() if chosen.isdigit() else runs.first()
    context = {
        "runs": runs[: selectors.PAGE],
        "run": run,
        "findings": selectors.findings(run)[: selectors.PAGE * 5] if run else [],
        "form": ConsistencyForm(peers=selectors.domestic_peers()),
    }
    return render(request, "federation/consistency.html", context)


@permission_required(CONSISTENCY_RUN)
@require_POST
def consistency_run(request: HttpRequest) -> HttpResponse:
    form = ConsistencyForm(request.POST, peers=selectors.domestic_peers())
    if not form.is_valid():
        notices.error(request, _("Choose a registry of this state."))
        return redirect("federation:consistency")
    try:
        run: ConsistencyRun = consistency.run_check(
            actor=_user(request), peer=form.cleaned_data["peer"]
        )
    except DomainValidationError as exc:
        notices.error(request, exc.message)
        return redirect("federation:consistency")
    if run.error:
        notices.error(request, _("The check stopped: %(reason)s") % {"reason": run.error})
    else:
        notices.success(
            request,
            _(
                "%(pairs)d weapons held by both registries; %(identity)d identity and "
                "%(status)d status conflicts."
            )
            % {
                "pairs": run.pairs,
                "identity": run.identity_conflicts,
                "status": run.status_conflicts,
            },
        )
    return redirect(f"{reverse('federation:consistency')}?run={run.pk}")
