"""Navigation shows only what the user may open, and how many alerts wait for them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from armstrace.accounts.choices import Role
from armstrace.accounts.permissions import (
    ALERT_REVIEW,
    USER_MANAGE,
    Permission,
    has_permission,
    roles_of,
)
from armstrace.analytics.permissions import INDICATORS_VIEW
from armstrace.audit.alerts import open_count as open_misuse_alerts
from armstrace.federation.permissions import ALERT_VIEW, FEDERATION_VIEW, NATIONAL_SEARCH
from armstrace.federation.selectors import unacknowledged_alerts
from armstrace.intake.permissions import IMPORT_VIEW
from armstrace.marking.permissions import CAMPAIGN_VIEW, FOUND_VIEW
from armstrace.quality.permissions import QUALITY_VIEW, SPOTCHECK_ANSWER
from armstrace.reference.permissions import IDENTIFY
from armstrace.registry.permissions import WEAPON_CREATE, WEAPON_VIEW
from armstrace.reporting.permissions import ASSISTANCE_VIEW, NOTICE_VIEW, REPORT_GENERATE
from armstrace.search.permissions import WEAPON_SEARCH
from armstrace.tracing.permissions import REQUEST_VIEW as TRACE_VIEW


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url: str
    current: bool
    waiting: int = 0  # alerts that wait for someone with this item's permission


# (label, url name, permission): the order they appear in the header.
MENU: list[tuple[str | Promise, str, Permission]] = [
    (_("Weapons"), "registry:weapon-list", WEAPON_VIEW),
    (_("Register a weapon"), "registry:weapon-create", WEAPON_CREATE),
    (_("Search"), "search:weapons", WEAPON_SEARCH),
    (_("National search"), "federation:national-search", NATIONAL_SEARCH),
    (_("Trace requests"), "tracing:trace-list", TRACE_VIEW),
    (_("Overdue traces"), "tracing:overdue", TRACE_VIEW),
    (_("Analytics"), "analytics:dashboard", INDICATORS_VIEW),
    (_("Identify"), "reference:identify", IDENTIFY),
    (_("Data quality"), "quality:report", QUALITY_VIEW),
    (_("My checks"), "quality:my-items", SPOTCHECK_ANSWER),
    (_("Imports"), "intake:runs", IMPORT_VIEW),
    (_("Marking campaigns"), "marking:campaign-list", CAMPAIGN_VIEW),
    (_("Found and seized"), "marking:find-list", FOUND_VIEW),
    (_("National report"), "reporting:national", REPORT_GENERATE),
    (_("Diversion notices"), "reporting:notice-list", NOTICE_VIEW),
    (_("Assistance"), "reporting:assistance-list", ASSISTANCE_VIEW),
    (_("Misuse alerts"), "audit:alert-list", ALERT_REVIEW),
    (_("Alerts from peers"), "federation:alerts", ALERT_VIEW),
    (_("Federation"), "federation:peers", FEDERATION_VIEW),
    (_("Administration"), "admin:index", USER_MANAGE),
]


# Items that show how many alerts wait: the count is read only for users who see the item.
WAITING: dict[str, Callable[[], int]] = {
    "audit:alert-list": open_misuse_alerts,
    "federation:alerts": unacknowledged_alerts,
}


def navigation(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {"armstrace_version": "0.1.0", "nav_items": [], "user_roles": []}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    items = []
    for label, url_name, perm in MENU:
        if not has_permission(user, perm):
            continue
        if url_name.startswith("admin:") and not user.is_staff:
            continue  # the Django admin admits staff only
        url = reverse(url_name)
        waiting = WAITING[url_name]() if url_name in WAITING else 0
        items.append(NavItem(label, url, current=request.path == url, waiting=waiting))
    context["nav_items"] = items
    context["user_roles"] = sorted(str(Role(role).label) for role in roles_of(user))
    return context
