"""The investigator's search page: it parses, authorises and calls the search service.

The service records every search it runs (SearchLog and an audit event), so the page
never logs; it only refuses to search without a stated purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode

from armstrace.accounts.decorators import permission_required
from armstrace.core.exceptions import DomainValidationError
from armstrace.core.htmx import wants_fragment
from armstrace.reference.choices import WeaponType
from armstrace.reference.models import Country
from armstrace.registry.choices import Status
from armstrace.registry.forms import add_domain_error
from armstrace.registry.selectors import concealed_agencies
from armstrace.search.choices import MATCH_LABELS
from armstrace.search.forms import SearchForm
from armstrace.search.permissions import WEAPON_SEARCH
from armstrace.search.services import Candidate, SearchResult, search_weapons

LIMIT = 20
INVALID = 422  # a refused query: the same code the API answers
SUBMITTED = ("purpose",)  # the form always sends it; a link with a serial only prefills
# The kind of match, in words: the badge never speaks by colour alone.
CLUES = ("manufacturer", "model", "calibre", "type", "country")


@dataclass
class Row:
    candidate: Candidate
    match_label: str
    type_label: str
    status_label: str
    country_name: str


def _label(choices: type[WeaponType] | type[Status], value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _rows(result: SearchResult) -> list[Row]:
    codes = {c.country for c in result.candidates if c.country}
    names = dict(Country.objects.filter(code__in=codes).values_list("code", "name"))
    return [
        Row(
            candidate=c,
            match_label=str(MATCH_LABELS.get(c.match, c.match)),
            type_label=_label(WeaponType, c.weapon_type),
            status_label=_label(Status, c.status),
            country_name=names.get(c.country, c.country),
        )
        for c in result.candidates
    ]


def _identify_url(request: HttpRequest) -> str:
    """The identification page, with the clues already typed here."""
    clues = {name: request.GET[name] for name in CLUES if request.GET.get(name)}
    url = reverse("reference:identify")
    return f"{url}?{urlencode(clues)}" if clues else url


def _search(request: HttpRequest, form: SearchForm) -> SearchResult | None:
    """The service's answer, or None when the query was refused (shown on the form)."""
    if not form.is_valid():
        return None
    try:
        return search_weapons(
            query=form.search_query(),
            limit=LIMIT,
            purpose=form.cleaned_data["purpose"],
            concealed_agencies=concealed_agencies(request.user),
        )
    except DomainValidationError as exc:
        add_domain_error(form, exc)
        return None


@permission_required(WEAPON_SEARCH)
def search_page(request: HttpRequest) -> HttpResponse:
    submitted = any(name in request.GET for name in SUBMITTED)
    form = SearchForm(request.GET) if submitted else SearchForm(initial=request.GET.dict())
    result = _search(request, form) if submitted else None
    context: dict[str, Any] = {
        "form": form,
        "submitted": submitted,
        "result": result,
        "rows": _rows(result) if result else [],
        "identify_url": _identify_url(request),
    }
    template, status = "search/search.html", INVALID if form.errors else 200
    if wants_fragment(request):
        # htmx swaps only 2xx answers; the fields carry their errors, so they come along
        # out of band.
        template, status = "search/partials/results.html", 200
        context["swap_fields"] = True
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])  # a cache must not mix page and fragment
    return response
