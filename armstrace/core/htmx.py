"""Small helpers for pages that htmx updates in part."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx swap wants the results only; a history restore needs the whole page."""
    htmx = getattr(request, "htmx", None)  # set by django_htmx's middleware
    if not isinstance(htmx, HtmxDetails) or not htmx:
        return False
    return not htmx.boosted and not htmx.history_restore_request
