"""Opens an audit context for every web and API request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from armstrace.core.context import audit_context


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        authenticated = bool(user is not None and user.is_authenticated)
        channel = "api" if request.path.startswith("/api/") else "web"
        correlation_id = request.headers.get("X-Correlation-ID", "")[:64] or None
        with audit_context(
            actor_id=user.pk if authenticated and user is not None else None,
            actor_name=user.get_username() if authenticated and user is not None else "anonymous",
            channel=channel,
            correlation_id=correlation_id,
        ) as ctx:
            response = self.get_response(request)
            response["X-Correlation-ID"] = ctx.correlation_id
            return response
