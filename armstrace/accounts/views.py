"""The second sign-in step (enrol an authenticator, then enter its codes) and the lockout
page. These views are public: the user is signed in with a password but not confirmed."""

from __future__ import annotations

from typing import Any

import django_otp
import segno
from axes.helpers import get_client_username
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from armstrace.accounts import services
from armstrace.accounts.decorators import public
from armstrace.accounts.forms import CodeForm
from armstrace.accounts.middleware import must_verify
from armstrace.accounts.models import User
from armstrace.accounts.selectors import confirmed_device, lockout_ends_at, totp_secret

ENROL_KEY = "armstrace_totp_enrol_key"  # the secret offered, until its first code


def _next_url(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _count_failure(request: HttpRequest, user: User) -> bool:
    """A wrong code counts as a failed sign-in (audited, and towards the lockout). True if
    it locked the user out: the half-open session then ends."""
    credentials = {"username": user.get_username(), "second_factor": True}
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    if getattr(request, "axes_locked_out", False):
        logout(request)
        return True
    return False


def _pending_user(request: HttpRequest) -> User | HttpResponseBase:
    """The user waiting for the second step, or where to send a visitor who is not."""
    if not request.user.is_authenticated:
        return redirect_to_login(_next_url(request))
    user = request.user
    if not must_verify(request) or not isinstance(user, User):
        return redirect(_next_url(request))
    return user


@public
@never_cache
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponseBase:
    user = _pending_user(request)
    if not isinstance(user, User):
        return user
    next_url = _next_url(request)
    device = confirmed_device(user)
    if device is None:
        return redirect(f"{reverse('otp-enrol')}?{urlencode({'next': next_url})}")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        if services.verify_totp(user=user, device=device, code=form.cleaned_data["code"]):
            django_otp.login(request, device)
            return redirect(next_url)
        if _count_failure(request, user):
            return locked_out(request, None, {"username": user.get_username()})
        form.add_error("code", _("This code is not valid. Enter the code shown now."))
    return render(request, "registration/otp_verify.html", {"form": form, "next": next_url})


def _qr_code(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG data URI (the content policy allows data: images)."""
    data_uri: str = segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)
    return data_uri


def _grouped(key: str) -> str:
    secret = totp_secret(key)
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@public
@never_cache
@require_http_methods(["GET", "POST"])
def otp_enrol(request: HttpRequest) -> HttpResponseBase:
    user = _pending_user(request)
    if not isinstance(user, User):
        return user
    next_url = _next_url(request)
    if confirmed_device(user) is not None:
        return redirect(f"{reverse('otp-verify')}?{urlencode({'next': next_url})}")
    key = request.session.get(ENROL_KEY) or services.new_totp_key()
    request.session[ENROL_KEY] = key
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        device = services.enrol_totp(user=user, key=key, code=form.cleaned_data["code"])
        if device is not None:
            del request.session[ENROL_KEY]
            django_otp.login(request, device)
            messages.success(request, _("Your authenticator app is set up."))
            return redirect(next_url)
        if _count_failure(request, user):
            return locked_out(request, None, {"username": user.get_username()})
        form.add_error("code", _("This code does not match. Check the secret and try again."))
    context: dict[str, Any] = {
        "form": form,
        "next": next_url,
        "qr_code": _qr_code(TOTPDevice(user=user, key=key)),
        "secret": _grouped(key),
    }
    return render(request, "registration/otp_enrol.html", context)


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: what happened, and from when the user may try again."""
    username = get_client_username(request, credentials) or ""
    address = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")
    context = {
        "retry_at": lockout_ends_at(username=str(username), ip_address=address),
        "minutes": settings.ARMSTRACE_LOCKOUT_MINUTES,
    }
    return render(request, "registration/locked_out.html", context, status=429)


@public
@require_POST
def choose_language(request: HttpRequest) -> HttpResponseBase:
    """Any visitor may choose the interface language; a signed-in user keeps the choice for
    every later session, a visitor in a cookie."""
    language = services.offered_language(request.POST.get("language", ""))
    if language is None:
        messages.error(request, _("Choose one of the languages offered."))
        return redirect(_next_url(request))
    if isinstance(request.user, User):
        services.set_preferred_language(user=request.user, language=language)
    translation.activate(language)
    response = redirect(_next_url(request))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    return response
