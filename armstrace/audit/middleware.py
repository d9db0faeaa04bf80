"""Every refused request (403) is an audit event, wherever the refusal came from.

Pages refuse through `@permission_required` or a scope check, the API through its
permission decorators, CSRF through Django: all end as a 403 response, which is where this
middleware sees them. A burst of refusals by one user is one of the misuse patterns
(armstrace.audit.alerts). Place it after the authentication and audit-context middleware.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from armstrace.audit.alerts import REFUSED
from armstrace.audit.services import record_event
from armstrace.core.context import audit_context, optional_context

REFUSAL_ATTR = "_armstrace_refused"  # the permission code a view's refusal named


class RefusalAuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 403:
            record_refusal(request, response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, PermissionDenied) and exception.args:
            setattr(request, REFUSAL_ATTR, str(exception.args[0])[:80])


def _permission(request: HttpRequest, response: HttpResponse) -> str:
    """The permission refused: from the view's exception, or the API's JSON answer."""
    code = getattr(request, REFUSAL_ATTR, "")
    if code or response.streaming or "json" not in response.get("Content-Type", ""):
        return str(code)
    try:
        body = json.loads(response.content[:4096])
    except (ValueError, UnicodeDecodeError):
        return ""
    return str(body.get("permission", ""))[:80] if isinstance(body, dict) else ""


def record_refusal(request: HttpRequest, response: HttpResponse) -> None:
    """The refusal, in the name of the user the request authenticated as (an API token is
    read after the request's audit context opened, so the actor is taken from the request)."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    outer = optional_context()
    with audit_context(
        actor_id=user.pk if signed_in and user is not None else None,
        actor_name=user.get_username() if signed_in and user is not None else "anonymous",
        channel=outer.channel if outer is not None else "web",
        correlation_id=outer.correlation_id if outer is not None else None,
    ):
        record_event(
            REFUSED,
            data={
                "method": request.method,
                "path": request.path[:300],  # never the query string: it may name people
                "permission": _permission(request, response),
                "remote_addr": request.META.get("REMOTE_ADDR", ""),
            },
        )
