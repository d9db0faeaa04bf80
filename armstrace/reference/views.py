"""The identification page and the live hint: they parse, authorise and call identify().

identify() answers every input, empty or nonsense, with candidates or a message; these
views never turn its answer into an error page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from armstrace.accounts.decorators import permission_required
from armstrace.core.htmx import wants_fragment
from armstrace.reference.choices import WeaponType
from armstrace.reference.forms import IdentifyForm
from armstrace.reference.identify import FIELDS, Candidate, identify
from armstrace.reference.models import Country
from armstrace.reference.permissions import IDENTIFY

LIMIT = 8
HINT_CONFIDENT = 0.5  # below this the hint says "perhaps"
RELATIONS: dict[str, str | Promise] = {
    "original": _("Original design"),
    "licensed": _("Made under licence"),
    "copy": _("Copy"),
    "derivative": _("Derivative"),
}


@dataclass
class Row:
    candidate: Candidate
    model: str
    relation_label: str
    type_label: str
    country_name: str
    percent: int
    search_url: str


def _type_label(value: str | None) -> str:
    if not value:
        return ""
    return str(WeaponType(value).label) if value in WeaponType.values else value


def _model(c: Candidate) -> str:
    """The local designation, with its family when they differ: 'Type 56 (AK-47)'."""
    if c.variant and c.design and c.variant != c.design:
        return f"{c.variant} ({c.design})"
    return c.variant or c.design or ""


def _search_url(c: Candidate) -> str:
    """The registry search, prefilled with the canonical values of this candidate."""
    values = {
        "manufacturer": c.manufacturer,
        "model": c.variant or c.design,
        "calibre": c.calibre,
        "type": c.weapon_type,
        "country": c.country,
    }
    return f"{reverse('search:weapons')}?{urlencode({k: v for k, v in values.items() if v})}"


def _rows(candidates: list[Candidate]) -> list[Row]:
    codes = {c.country for c in candidates if c.country}
    names = dict(Country.objects.filter(code__in=codes).values_list("code", "name"))
    return [
        Row(
            candidate=c,
            model=_model(c),
            relation_label=str(RELATIONS.get(c.relation or "", c.relation or "")),
            type_label=_type_label(c.weapon_type),
            country_name=names.get(c.country or "", c.country or ""),
            percent=round(c.confidence * 100),
            search_url=_search_url(c),
        )
        for c in candidates
    ]


@permission_required(IDENTIFY)
def identify_page(request: HttpRequest) -> HttpResponse:
    form = IdentifyForm(request.GET)
    result = identify(limit=LIMIT, **form.given())
    rows = _rows(result.candidates)
    context = {
        "form": form,
        "result": result,
        "rows": rows,
        # No confidence left: the other clues contradict them. Shown apart, not hidden.
        "likely": [r for r in rows if r.percent > 0],
        "unlikely": [r for r in rows if r.percent == 0],
    }
    template = "reference/identify.html"
    if wants_fragment(request):
        template = "reference/partials/identify_results.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])  # a cache must not mix page and fragment
    return response


def _canonical(name: str, c: Candidate) -> str:
    """The canonical value of one field, as identify() resolved it."""
    if name == "manufacturer":
        if not c.manufacturer:
            return ""
        return f"{c.manufacturer}, {c.country}" if c.country else c.manufacturer
    if name == "model":
        return ", ".join(part for part in (_model(c), c.manufacturer) if part)
    if name == "calibre":
        return c.calibre or ""
    if name == "type":
        return _type_label(c.weapon_type)
    if name == "country":
        return c.country or ""
    return ""


@permission_required(IDENTIFY)
def identify_hint(request: HttpRequest) -> HttpResponse:
    """One field's canonical value, for a live hint under that field on another page."""
    name = next((n for n in FIELDS if request.GET.get(n, "").strip()), "")
    context: dict[str, object] = {"asked": bool(name), "canonical": "", "confident": False}
    if name:
        top = identify(limit=1, **{name: request.GET[name][:300]}).candidates
        if top:
            context["canonical"] = _canonical(name, top[0])
            context["confident"] = top[0].confidence >= HINT_CONFIDENT
    return render(request, "reference/partials/identify_hint.html", context)
