"""Reads for sign-in protection: who needs a second factor, lockouts, token refusals."""

from __future__ import annotations

import base64
import datetime as dt
from binascii import unhexlify
from typing import TYPE_CHECKING

from axes.models import AccessAttempt
from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from armstrace.accounts.choices import Role
from armstrace.accounts.models import TokenFailure
from armstrace.accounts.permissions import roles_of
from armstrace.core import clock

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from armstrace.accounts.models import User

# Roles whose sessions must be confirmed with a TOTP code (issue 11: they answer other
# states and manage users, so a stolen password alone must not be enough).
SECOND_FACTOR_ROLES = frozenset({Role.POINT_OF_CONTACT, Role.ADMINISTRATOR})


def cool_off() -> dt.timedelta:
    return dt.timedelta(minutes=settings.ARMSTRACE_LOCKOUT_MINUTES)


def needs_second_factor(user: User | AnonymousUser) -> bool:
    """True for a signed-in point of contact or administrator, or anyone reaching the admin
    site (staff), when ARMSTRACE_REQUIRE_2FA is on."""
    if not settings.ARMSTRACE_REQUIRE_2FA or not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return bool(roles_of(user) & SECOND_FACTOR_ROLES)


def confirmed_device(user: User) -> TOTPDevice | None:
    device: TOTPDevice | None = (
        TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    )
    return device


def lockout_ends_at(*, username: str, ip_address: str | None) -> dt.datetime | None:
    """When the lockout of `username` from `ip_address` ends: attempts during a lockout are
    not counted (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so it is fixed."""
    last: dt.datetime | None = (
        AccessAttempt.objects.filter(username=username, ip_address=ip_address)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    return None if last is None else last + cool_off()


def token_failures(ip_address: str) -> int:
    """Failed token attempts from `ip_address` within the cool-off."""
    since = clock.now() - cool_off()
    row = TokenFailure.objects.filter(ip_address=ip_address, last_failure_at__gt=since).first()
    return 0 if row is None else row.failures


def token_address_refused(ip_address: str) -> bool:
    return token_failures(ip_address) >= settings.ARMSTRACE_LOGIN_FAILURE_LIMIT


def totp_secret(key: str) -> str:
    """A device's hex key as the base32 secret authenticator apps take."""
    return base64.b32encode(unhexlify(key)).decode()
