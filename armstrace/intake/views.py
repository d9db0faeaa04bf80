"""Import runs, and the scanned pages of closed businesses' books."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from armstrace.accounts.decorators import permission_required
from armstrace.accounts.permissions import has_permission
from armstrace.intake import selectors
from armstrace.intake.handover import document_path
from armstrace.intake.permissions import IMPORT_VIEW
from armstrace.registry.models import Weapon
from armstrace.registry.permissions import WEAPON_VIEW


@permission_required(IMPORT_VIEW)
def runs(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.runs_for(request.user), 50).get_page(request.GET.get("page"))  # type: ignore[arg-type]
    return render(request, "intake/runs.html", {"page": page})


@permission_required(WEAPON_VIEW)
def document(request: HttpRequest, pk: int) -> FileResponse:
    found = selectors.document_for(request.user, pk)  # type: ignore[arg-type]
    if found is None or not document_path(found).is_file():
        raise Http404
    return FileResponse(
        document_path(found).open("rb"),
        content_type=found.content_type,
        filename=found.file_name,
        as_attachment=False,
    )


def ledger_panel(request: HttpRequest, weapon: Weapon) -> dict[str, Any] | None:
    """The weapon page's section of book lines from closed businesses, if there are any."""
    if not has_permission(request.user, WEAPON_VIEW, agency=weapon.agency):
        return None
    lines = list(selectors.ledger_for(weapon))
    return {"lines": lines} if lines else None
