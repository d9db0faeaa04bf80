"""Writes for agencies, users, role grants and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from armstrace.accounts.choices import AgencyKind, Role
from armstrace.accounts.models import Agency, ApiToken, RoleGrant, User
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
