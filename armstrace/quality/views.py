"""Quality pages: counts by rule with their trend, failing records per rule, spot checks.

Views parse, authorise and call services or selectors, nothing more.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from armstrace.accounts.decorators import permission_required
from armstrace.accounts.models import User
from armstrace.core.exceptions import DomainValidationError, PermissionDenied
from armstrace.core.htmx import wants_fragment
from armstrace.quality import rules, selectors, services
from armstrace.quality.choices import Outcome, Profile, Strata
from armstrace.quality.forms import AnswerForm, RunForm
from armstrace.quality.models import SpotCheckItem
from armstrace.quality.permissions import (
    QUALITY_RUN,
    QUALITY_VIEW,
    SPOTCHECK_ANSWER,
    SPOTCHECK_VIEW,
    may_answer,
    may_run_quality,
)
from armstrace.registry.choices import Status
from armstrace.registry.forms import add_domain_error
from armstrace.registry.selectors import marks_for

INVALID = 422


def _profile(value: str | None) -> str:
    return value if value in Profile.values else Profile.ALL


def _user(request: HttpRequest) -> User:
    """The signed-in user; permission_required has turned anonymous visitors away."""
    user = request.user
    if not isinstance(user, User):
        raise HttpForbidden("anonymous")
    return user


def _page(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 1


def _report_page(request: HttpRequest, profile: str, *, fragment: bool) -> HttpResponse:
    context = {
        "report": selectors.report(request.user, profile),
        "profile": profile,
        "profiles": Profile.choices,
        "can_run": may_run_quality(request.user),
        "fragment": fragment,
    }
    template = "quality/partials/counts.html" if fragment else "quality/report.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@permission_required(QUALITY_VIEW)
def report(request: HttpRequest) -> HttpResponse:
    profile = _profile(request.GET.get("profile"))
    return _report_page(request, profile, fragment=wants_fragment(request))


@permission_required(QUALITY_RUN)
@require_POST
def run(request: HttpRequest) -> HttpResponse:
    if not may_run_quality(request.user):
        raise HttpForbidden(QUALITY_RUN.code)  # registrars of a national-scope agency only
    form = RunForm(request.POST)
    profile = form.cleaned_data["profile"] if form.is_valid() else Profile.ALL
    done = services.run_quality(profile=profile, user=_user(request))
    messages.success(
        request,
        _("Quality rules run over %(n)d records.") % {"n": done.checked},
    )
    if wants_fragment(request):
        return _report_page(request, profile, fragment=True)
    return redirect(f"{reverse('quality:report')}?{urlencode({'profile': profile})}")


@permission_required(QUALITY_VIEW)
def rule_detail(request: HttpRequest, code: str) -> HttpResponse:
    rule = rules.get_rule(code)
    if rule is None:
        raise Http404(code)
    context = {
        "rule": rule,
        "page": selectors.failing_records(request.user, rule, page=_page(request.GET.get("page"))),
        "history": selectors.rule_history(request.user, code),
    }
    template = "quality/partials/failures.html" if wants_fragment(request) else "quality/rule.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- spot checks ----------------------------------------------------------------------


def percent(value: float | None) -> str:
    return "—" if value is None else f"{number_format(100 * value, 1)} %"


def interval(bounds: tuple[float, float] | None) -> str:
    if bounds is None:
        return "—"
    return _("%(low)s to %(high)s") % {"low": percent(bounds[0]), "high": percent(bounds[1])}


def stratum_label(strata: str, key: str) -> str:
    if strata == Strata.STATUS and key in Status.values:
        return str(Status(key).label)
    if strata == Strata.SOURCE and not key:
        return _("(entered directly)")
    return key


@permission_required(SPOTCHECK_VIEW)
def spotcheck_list(request: HttpRequest) -> HttpResponse:
    context = {"spot_checks": selectors.spot_checks_for(request.user)[:100]}
    return render(request, "quality/spotcheck_list.html", context)


@permission_required(SPOTCHECK_VIEW)
def spotcheck_detail(request: HttpRequest, pk: int) -> HttpResponse:
    spot_check = get_object_or_404(selectors.spot_checks_for(request.user), pk=pk)
    estimate = selectors.estimate(spot_check)
    context = {
        "spot_check": spot_check,
        "strata_label": Strata(spot_check.strata).label,
        "estimate_rows": [
            {
                "label": stratum_label(spot_check.strata, s.stratum),
                "population": s.population,
                "drawn": s.drawn,
                "checked": s.checked,
                "errors": s.errors,
                "rate": percent(s.rate),
                "interval": interval(s.interval),
            }
            for s in estimate.strata
        ],
        "overall": {
            "population": estimate.population,
            "covered": estimate.covered,
            "partial": estimate.covered < estimate.population,
            "checked": estimate.checked,
            "errors": estimate.errors,
            "rate": percent(estimate.rate),
            "interval": interval(estimate.interval),
        },
        "items": selectors.items_of(spot_check),
    }
    return render(request, "quality/spotcheck_detail.html", context)


@permission_required(SPOTCHECK_ANSWER)
def my_items(request: HttpRequest) -> HttpResponse:
    items = selectors.items_for_clerk(request.user)
    context = {"items": items, "pending": items.filter(outcome=Outcome.PENDING).count()}
    return render(request, "quality/my_items.html", context)


@permission_required(SPOTCHECK_ANSWER)
def item_answer(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        SpotCheckItem.objects.select_related("spot_check", "weapon", "assigned_to"), pk=pk
    )
    if not may_answer(request.user, item):
        raise HttpForbidden(SPOTCHECK_ANSWER.code)  # only the assigned clerk, or an admin
    weapon = item.weapon
    if weapon is None:
        raise Http404(_("The record is no longer in the registry."))
    answered = item.outcome != Outcome.PENDING
    bound = request.method == "POST" and not answered
    form = AnswerForm(request.POST if bound else None, weapon=weapon)
    if form.is_bound and form.is_valid():
        try:
            services.answer_spot_check_item(
                item=item,
                user=_user(request),
                outcome=form.cleaned_data["outcome"],
                changes=form.changes(),
                note=form.cleaned_data["note"],
            )
        except DomainValidationError as exc:
            add_domain_error(form, exc)
        except PermissionDenied as exc:
            raise HttpForbidden(exc.permission) from exc
        else:
            messages.success(request, _("Answer recorded. Thank you."))
            return redirect("quality:my-items")
    context = {
        "item": item,
        "weapon": weapon,
        "form": form,
        "answered": answered,
        "marks": marks_for(request.user, weapon),  # concealed marks only for those allowed
    }
    return render(
        request, "quality/item_form.html", context, status=INVALID if form.errors else 200
    )
