"""Sections that higher apps add to the weapon page, without the registry importing them.

An app registers a panel in its AppConfig.ready(); the weapon page renders each panel
whose context function returns something for the weapon and the user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from armstrace.registry.models import Weapon


@dataclass(frozen=True)
class Panel:
    template: str
    context: Callable[[HttpRequest, Weapon], dict[str, Any] | None]  # None: nothing to show


PANELS: list[Panel] = []


def register(panel: Panel) -> None:
    if panel not in PANELS:
        PANELS.append(panel)


def render_panels(request: HttpRequest, weapon: Weapon) -> list[SafeString]:
    rendered = []
    for panel in PANELS:
        context = panel.context(request, weapon)
        if context is not None:
            rendered.append(render_to_string(panel.template, context, request=request))
    return rendered
