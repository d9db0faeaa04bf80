"""Navigation shows only what the user may open."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    return {"armstrace_version": "0.1.0"}
