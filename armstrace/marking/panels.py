"""The marking section of the weapon page: the profile checks and the import form."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from armstrace.accounts.permissions import has_permission
from armstrace.marking import findings, profiles
from armstrace.marking.permissions import IMPORT_RECORD
from armstrace.registry.models import Weapon
from armstrace.registry.panels import Panel
from armstrace.registry.permissions import WEAPON_VIEW

TEMPLATE = "marking/checks/panel.html"


def panel_context(request: HttpRequest, weapon: Weapon) -> dict[str, Any] | None:
    user = request.user
    if not has_permission(user, WEAPON_VIEW, agency=weapon.agency):
        return None
    enabled = profiles.enabled_profiles()
    found = findings.visible_findings(user, weapon, profiles.check_weapon(weapon))
    by_profile = [
        (profile, [f for f in found if f.code.startswith(f"M-{profile.code.upper()}-")])
        for profile in enabled
    ]
    context: dict[str, Any] = {"weapon": weapon, "by_profile": by_profile, "count": len(found)}
    # A link, not the form: its country and importer lists would double the page's time.
    context["can_record_import"] = has_permission(user, IMPORT_RECORD, agency=weapon.agency)
    return context


PANEL = Panel(template=TEMPLATE, context=panel_context)
