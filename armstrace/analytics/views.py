"""Analytics pages, their charts (SVG) and their tables as CSV or XLSX.

Views parse the filters, check the permission (declared with the route) and ask
analytics/tables.py, which asks the selectors; nothing is computed here.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from armstrace.accounts.decorators import permission_required
from armstrace.accounts.permissions import has_permission
from armstrace.analytics.charts import bar_chart_svg
from armstrace.analytics.exports import FORMATS, export_table
from armstrace.analytics.forms import FilterForm
from armstrace.analytics.permissions import INDICATORS_EXPORT, INDICATORS_VIEW
from armstrace.analytics.selectors import Filters
from armstrace.analytics.tables import PAGES, Figures, Page, Table, build

# The SVG is opened on its own too: no script, its own inline styles only.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


def _filters(request: HttpRequest) -> tuple[FilterForm, Filters]:
    form = FilterForm(request.GET or None)
    return form, form.filters()


def _query(filters: Filters) -> str:
    params = {"start": filters.period.start.isoformat(), "end": filters.period.end.isoformat()}
    if filters.agency is not None:
        params["agency"] = str(filters.agency)
    if filters.weapon_type:
        params["weapon_type"] = filters.weapon_type
    return urlencode(params)


def _page(request: HttpRequest, page: Page) -> HttpResponse:
    form, filters = _filters(request)
    figures = Figures(filters)
    figures.read(page.figures)
    tables = [table for name in page.tables if (table := build(name, figures)) is not None]
    context = {
        "page": page,
        "nav": [
            {"title": p.title, "url": reverse(f"analytics:{p.name}"), "current": p is page}
            for p in PAGES
        ],
        "form": form,
        "filters": filters,
        "query": _query(filters),
        "tables": tables,
        "can_export": has_permission(request.user, INDICATORS_EXPORT),
    }
    return render(request, "analytics/page.html", context)


@permission_required(INDICATORS_VIEW)
def dashboard(request: HttpRequest) -> HttpResponse:
    return _page(request, PAGES[0])


@permission_required(INDICATORS_VIEW)
def sources(request: HttpRequest) -> HttpResponse:
    return _page(request, PAGES[1])


@permission_required(INDICATORS_VIEW)
def imports(request: HttpRequest) -> HttpResponse:
    return _page(request, PAGES[2])


def _table(request: HttpRequest, name: str) -> tuple[Table, Filters]:
    _form, filters = _filters(request)
    table = build(name, Figures(filters))
    if table is None:
        raise Http404(name)
    return table, filters


@permission_required(INDICATORS_VIEW)
def chart(request: HttpRequest, name: str) -> HttpResponse:
    table, _filters_used = _table(request, name)
    if table.chart is None:
        raise Http404(name)
    response = HttpResponse(bar_chart_svg(table), content_type="image/svg+xml")
    response["Content-Security-Policy"] = SVG_POLICY
    response["Cache-Control"] = "private, max-age=300"
    return response


@permission_required(INDICATORS_EXPORT)
def export(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404(fmt)
    table, filters = _table(request, name)
    response = HttpResponse(
        export_table(table, fmt, name=name, filters=filters), content_type=FORMATS[fmt]
    )
    period = f"{filters.period.start.isoformat()}_{filters.period.end.isoformat()}"
    response["Content-Disposition"] = f'attachment; filename="{name}_{period}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response
