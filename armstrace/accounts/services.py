"""Writes for agencies, users, role grants, API tokens and sign-in protection."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from binascii import unhexlify

import django_otp
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from armstrace.accounts.choices import AgencyKind, Role
from armstrace.accounts.models import Agency, ApiToken, RoleGrant, TokenFailure, User
from armstrace.accounts.selectors import cool_off
from armstrace.audit.services import record_change, record_event, snapshot
from armstrace.core import clock
from armstrace.core.exceptions import DomainValidationError


def create_agency(
    *, code: str, name: str, kind: str, country: str, national_scope: bool = False
) -> Agency:
    if kind not in AgencyKind.values:
        raise DomainValidationError("kind", f"unknown agency kind {kind!r}")
    with transaction.atomic():
        agency = Agency.objects.create(
            code=code, name=name, kind=kind, country=country.upper(), national_scope=national_scope
        )
        record_change(agency, action="created", before=None)
    return agency


def create_user(
    *,
    username: str,
    password: str,
    agency: Agency,
    roles: list[str],
    email: str = "",
    check_password: bool = True,
) -> User:
    unknown = [role for role in roles if role not in Role.values]
    if unknown:
        raise DomainValidationError("roles", f"unknown role(s): {', '.join(unknown)}")
    if User.objects.filter(username=username).exists():
        raise DomainValidationError("username", f"user {username!r} already exists")
    if check_password:
        try:
            validate_password(password)
        except ValidationError as exc:
            raise DomainValidationError("password", " ".join(exc.messages)) from exc
    with transaction.atomic():
        user = User(username=username, email=email, agency=agency)
        user.is_staff = Role.ADMINISTRATOR in roles  # administrators use the Django admin
        user.set_password(password)
        user.save()
        record_change(user, action="created", before=None)
        for role in roles:
            grant_role(user=user, role=role, agency=agency)
    return user


def grant_role(*, user: User, role: str, agency: Agency) -> RoleGrant:
    if role not in Role.values:
        raise DomainValidationError("role", f"unknown role {role!r}")
    with transaction.atomic():
        grant, created = RoleGrant.objects.get_or_create(user=user, role=role, agency=agency)
        if created:
            record_event(
                "accounts:role:granted",
                object_type="accounts.user",
                object_id=str(user.pk),
                data={"role": role, "agency": agency.code},
            )
    return grant


def _hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(
    *, user: User, name: str, scopes: list[str] | None = None, days: int = 90
) -> tuple[ApiToken, str]:
    """Returns the token and its secret, which is never stored and shown only now."""
    prefix = secrets.token_hex(4)
    secret = f"at_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=prefix,
            key_hash=_hash_key(secret),
            scopes=scopes or [],
            expires_at=clock.now() + dt.timedelta(days=days),
        )
        record_event(
            "accounts:token:issued",
            object_type="accounts.apitoken",
            object_id=str(token.pk),
            data={"user": user.username, "name": name, "scopes": scopes or [], "days": days},
        )
    return token, secret


def revoke_token(*, token: ApiToken) -> None:
    with transaction.atomic():
        before = snapshot(token)
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        record_change(token, action="updated", before=before)


def user_for_token(secret: str) -> User | None:
    """The active user behind a valid, unexpired, unrevoked token, else None."""
    parts = secret.split("_")
    if len(parts) < 3 or parts[0] != "at":
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not secrets.compare_digest(token.key_hash, _hash_key(secret)):
        return None
    now = clock.now()
    if token.revoked_at is not None or token.expires_at <= now or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    user = token.user
    user._armstrace_token_scopes = list(token.scopes)  # type: ignore[attr-defined]
    return user


def offered_language(code: str) -> str | None:
    """`code` if the interface is offered in it (settings.LANGUAGES), else None."""
    return code if code in dict(settings.LANGUAGES) else None


def set_preferred_language(*, user: User, language: str) -> None:
    """The language `user`'s pages open in, wherever they sign in."""
    if offered_language(language) is None:
        raise DomainValidationError(
            "language", _("is not one of the languages offered"), code="invalid"
        )
    if user.preferred_language == language:
        return
    with transaction.atomic():
        previous = user.preferred_language
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
        record_event(
            "accounts:user:language",
            object_type="accounts.user",
            object_id=str(user.pk),
            data={"from": previous, "to": language},
        )


# --- Sign-in protection: lockouts, refused token addresses, TOTP devices ------------------


def unlock_user(*, username: str) -> int:
    """Lift every sign-in lockout of `username`, from every address; returns how many
    lockout records were cleared."""
    with transaction.atomic():
        cleared: int = axes_reset(username=username)
        user_id = User.objects.filter(username=username).values_list("pk", flat=True).first()
        record_event(
            "accounts:session:unlocked",
            object_type="accounts.user",
            object_id=str(user_id or ""),
            data={"username": username, "cleared": cleared},
        )
    return cleared


def unlock_address(*, ip_address: str) -> int:
    """Lift the sign-in lockouts and the token refusal of one address."""
    with transaction.atomic():
        cleared: int = axes_reset(ip=ip_address)
        cleared += TokenFailure.objects.filter(ip_address=ip_address).delete()[0]
        record_event(
            "accounts:session:unlocked", data={"ip_address": ip_address, "cleared": cleared}
        )
    return cleared


def record_token_failure(*, ip_address: str) -> int:
    """Count a failed bearer-token attempt from `ip_address`; returns the failures within
    the cool-off. Reaching the limit is audited once."""
    now = clock.now()
    with transaction.atomic():
        row, _ = TokenFailure.objects.select_for_update().get_or_create(
            ip_address=ip_address, defaults={"last_failure_at": now}
        )
        row.failures = 1 if row.last_failure_at <= now - cool_off() else row.failures + 1
        row.last_failure_at = now
        row.save(update_fields=["failures", "last_failure_at"])
        if row.failures == settings.ARMSTRACE_LOGIN_FAILURE_LIMIT:
            record_event(
                "accounts:token:refused",
                data={"ip_address": ip_address, "failures": row.failures},
            )
    return row.failures


def new_totp_key() -> str:
    """A fresh TOTP secret (hex, 20 bytes), kept in the session until its first code."""
    key: str = random_hex(20)
    return key


def totp_matches(key: str, code: str) -> int | None:
    """The time step `code` belongs to under `key` (one step of clock drift allowed)."""
    if not code.isdigit():
        return None
    totp = TOTP(unhexlify(key.encode()))
    totp.time = time.time()
    if not totp.verify(int(code), tolerance=1):
        return None
    step: int = totp.t()
    return step


def enrol_totp(*, user: User, key: str, code: str) -> TOTPDevice | None:
    """Confirm an authenticator: the first code proves it holds `key`. Replaces any
    earlier device of the user. None if the code does not match."""
    step = totp_matches(key, code)
    if step is None:
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        # last_t: the code just used cannot be replayed to verify a session.
        device: TOTPDevice = TOTPDevice.objects.create(
            user=user, name="authenticator", key=key, confirmed=True, last_t=step
        )
        record_event(
            "accounts:totp:enrolled",
            object_type="accounts.user",
            object_id=str(user.pk),
            data={"username": user.username},
        )
    return device


def create_totp_device(*, user: User) -> TOTPDevice:
    """A confirmed device made by an operator (the demo, a reset); its secret must be
    handed to the user."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device: TOTPDevice = TOTPDevice.objects.create(
            user=user, name="authenticator", key=new_totp_key(), confirmed=True
        )
        record_event(
            "accounts:totp:enrolled",
            object_type="accounts.user",
            object_id=str(user.pk),
            data={"username": user.username, "by_operator": True},
        )
    return device


def remove_totp_devices(*, user: User) -> int:
    """The user enrols a new authenticator at the next sign-in (a lost phone)."""
    with transaction.atomic():
        removed: int = TOTPDevice.objects.filter(user=user).delete()[0]
        record_event(
            "accounts:totp:removed",
            object_type="accounts.user",
            object_id=str(user.pk),
            data={"username": user.username, "devices": removed},
        )
    return removed


def verify_totp(*, user: User, device: TOTPDevice, code: str) -> bool:
    """Check a code against the user's device (django-otp refuses replays and slows down
    repeated failures). A match is audited; a miss is counted by the caller as a failed
    sign-in."""
    if django_otp.verify_token(user, device.persistent_id, code) is None:
        return False
    record_event(
        "accounts:session:verified",
        object_type="accounts.user",
        object_id=str(user.pk),
        data={"username": user.username, "device": device.pk},
    )
    return True
