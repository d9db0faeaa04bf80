"""The auditors' page of misuse alerts: list them, acknowledge one with a note.

The audit app sits below accounts, so these views cannot name a permission themselves:
`urls.alert_patterns(guard)` takes the guard from the URL conf that mounts them
(armstrace/urls.py wraps them in `permission_required(ALERT_REVIEW)`), where the route is
declared.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from armstrace.audit import alerts
from armstrace.audit.models import Alert, AlertStatus
from armstrace.core.exceptions import DomainValidationError
from armstrace.core.htmx import wants_fragment

PAGE_SIZE = 50
INVALID = 422
STATUSES = {"open": AlertStatus.OPEN, "acknowledged": AlertStatus.ACKNOWLEDGED, "all": ""}


class AcknowledgeForm(forms.Form):
    required_css_class = "required"
    note = forms.CharField(
        label=gettext_lazy("What you checked and found"),
        max_length=alerts.MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Say what you checked and what you found.")},
    )


def _row(alert: Alert, form: AcknowledgeForm | None = None) -> dict[str, Any]:
    return {"alert": alert, "text": alerts.describe(alert), "form": form or AcknowledgeForm()}


def alert_list(request: HttpRequest) -> HttpResponse:
    shown = request.GET.get("status", "open")
    status = STATUSES.get(shown, AlertStatus.OPEN)
    page = Paginator(alerts.alerts(status), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": [_row(alert) for alert in page],
        "shown": shown if shown in STATUSES else "open",
        "open_count": Alert.objects.filter(status=AlertStatus.OPEN).count(),
    }
    return render(request, "audit/alert_list.html", context)


@require_http_methods(["GET", "POST"])
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: acknowledge with a note. htmx gets the alert's row back; others the list."""
    alert = get_object_or_404(Alert, pk=pk)
    form = AcknowledgeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            alert = alerts.acknowledge(alert_id=alert.pk, note=form.cleaned_data["note"])
        except DomainValidationError as exc:
            form.add_error("note", capfirst(exc.message))
        else:
            if not wants_fragment(request):
                messages.success(request, _("Alert acknowledged."))
                return redirect("audit:alert-list")
            form = AcknowledgeForm()
    fragment = wants_fragment(request)
    template = "audit/partials/alert_row.html" if fragment else "audit/alert_acknowledge.html"
    # htmx swaps 2xx answers only: the row carries its own errors.
    status = INVALID if form.errors and not fragment else 200
    response = render(request, template, {"row": _row(alert, form)}, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response
