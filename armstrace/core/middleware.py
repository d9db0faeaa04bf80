"""Opens an audit context for every web and API request; sets the security headers; reports
the time each response took."""

from __future__ import annotations

import time
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


# Pages load scripts, styles and images from this site only; nothing may frame them. The
# admin keeps Django's inline style attributes.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
ADMIN_POLICY = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    """Headers Django 5.2 does not set itself: a content security policy and a
    permissions policy (SecurityMiddleware sets HSTS, nosniff, referrer and COOP)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        admin = request.path.startswith("/admin/")
        response.setdefault(
            "Content-Security-Policy", ADMIN_POLICY if admin else CONTENT_SECURITY_POLICY
        )
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class ServerTimingMiddleware:
    """`Server-Timing: app;dur=<ms>` on every response: the time the application spent,
    which browsers' developer tools and the page benchmark (bench/pages.py) read. First in
    the chain, so it covers every other middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = f"app;dur={elapsed_ms:.1f}"
        return response
