"""Session rules that hold on every page and API call: an idle session ends, and a point
of contact or administrator goes nowhere before confirming the session with a TOTP code."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from armstrace.accounts.selectors import needs_second_factor
from armstrace.accounts.signals import IDLE_EXPIRED_ATTR
from armstrace.core import clock

LAST_SEEN_KEY = "armstrace_last_seen"
# The last-seen time is written at most this often, not on every request.
LAST_SEEN_GRANULARITY = 60
API_PREFIX = "/api/"


class UserLanguageMiddleware:
    """A signed-in user's pages open in the language they chose, whatever the browser
    asks; everyone else gets the language cookie's or the browser's (LocaleMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = getattr(request.user, "preferred_language", "")
        if language and language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


class IdleTimeoutMiddleware:
    """Signs out a session unused for ARMSTRACE_SESSION_IDLE_MINUTES (0: never)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        minutes = settings.ARMSTRACE_SESSION_IDLE_MINUTES
        if minutes > 0 and request.user.is_authenticated:
            now = int(clock.now().timestamp())
            last = request.session.get(LAST_SEEN_KEY)
            if isinstance(last, int) and now - last > minutes * 60:
                setattr(request, IDLE_EXPIRED_ATTR, True)
                logout(request)  # the request goes on as anonymous: sign-in or 401 follows
                messages.info(
                    request,
                    _("You were signed out after %(minutes)d minutes without activity.")
                    % {"minutes": minutes},
                )
            elif not isinstance(last, int) or now - last >= LAST_SEEN_GRANULARITY:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


@cache
def _open_paths() -> frozenset[str]:
    """Pages an unverified session may open: the sign-in steps and signing out."""
    names = ("login", "logout", "signed-out", "otp-verify", "otp-enrol", "language")
    return frozenset(reverse(name) for name in names)


def _is_open(path: str) -> bool:
    return path in _open_paths() or path.startswith("/" + settings.STATIC_URL.lstrip("/"))


class TwoFactorMiddleware:
    """Holds back a session that needs a second factor until a TOTP code confirms it: pages
    redirect to the code step, the session API answers 403. Calls with a bearer token pass:
    a token is a credential of its own (issued by an administrator, scoped, expiring), and
    BrowserSessionAuth refuses an unconfirmed session even behind a bad token."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _is_open(request.path) or not must_verify(request):
            return self.get_response(request)
        if request.path.startswith(API_PREFIX):
            if "Authorization" in request.headers:
                return self.get_response(request)
            detail = _("Confirm this session with a code from your authenticator app first.")
            return JsonResponse({"detail": detail}, status=403)
        url = f"{reverse('otp-verify')}?{urlencode({'next': request.get_full_path()})}"
        if request.headers.get("HX-Request") == "true":
            return HttpResponseClientRedirect(url)
        return HttpResponseRedirect(url)


def must_verify(request: HttpRequest) -> bool:
    """True when the signed-in user needs a second factor and the session has none yet."""
    user = request.user
    if not needs_second_factor(user):
        return False
    is_verified: Callable[[], bool] | None = getattr(user, "is_verified", None)
    return is_verified is None or not is_verified()
