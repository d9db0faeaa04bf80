"""Routes of the alert review page, mounted with the guard the URL conf gives them:

path("audit/", include((alert_patterns(permission_required(ALERT_REVIEW)), "audit")))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import URLPattern, path

from armstrace.audit import views

Guard = Callable[[Callable[..., Any]], Callable[..., Any]]


def alert_patterns(guard: Guard) -> list[URLPattern]:
    return [
        path("alerts/", guard(views.alert_list), name="alert-list"),
        path(
            "alerts/<int:pk>/acknowledge/", guard(views.alert_acknowledge), name="alert-acknowledge"
        ),
    ]
