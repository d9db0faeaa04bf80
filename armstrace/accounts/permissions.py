"""The permission vocabulary. Each app declares its own actions and the roles granting them.

A permission reads `app:subject:action`. Roles grant actions; the grant's agency scopes the
objects a user may act on (an agency with national scope reaches every agency).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from armstrace.accounts.choices import Role
from armstrace.core.exceptions import PermissionDenied

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from armstrace.accounts.models import Agency, User

ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class Permission:
    code: str
    roles: frozenset[Role]
    description: str

    def __str__(self) -> str:
        return self.code


VOCABULARY: dict[str, Permission] = {}


def declare(code: str, roles: set[Role] | frozenset[Role], description: str) -> Permission:
    if code.count(":") != 2:
        raise ValueError(f"permission codes read app:subject:action, not {code!r}")
    perm = Permission(code=code, roles=frozenset(roles), description=description)
    VOCABULARY[code] = perm
    return perm


USER_MANAGE = declare("accounts:user:manage", {Role.ADMINISTRATOR}, "Create users, grant roles")
AUDIT_VIEW = declare("audit:log:view", {Role.AUDITOR, Role.ADMINISTRATOR}, "Read the audit log")
ALERT_REVIEW = declare(
    "audit:alert:review",
    {Role.AUDITOR, Role.ADMINISTRATOR},
    "Review misuse alerts and acknowledge them with a note",
)


def _grants(user: User) -> list[tuple[str, Agency]]:
    cached: list[tuple[str, Agency]] | None = getattr(user, "_armstrace_grants", None)
    if cached is None:
        cached = [(g.role, g.agency) for g in user.grants.select_related("agency")]
        user._armstrace_grants = cached  # type: ignore[attr-defined]
    return cached


def roles_of(user: User | AnonymousUser) -> set[str]:
    if not user.is_authenticated or not user.is_active:
        return set()
    return {role for role, _ in _grants(user)}


def has_permission(
    user: User | AnonymousUser, perm: Permission, *, agency: Agency | None = None
) -> bool:
    """True if a role granting `perm` is held for `agency` (or anywhere, if None)."""
    if not user.is_authenticated or not user.is_active:
        return False
    token_scopes: list[str] | None = getattr(user, "_armstrace_token_scopes", None)
    if token_scopes and perm.code not in token_scopes:
        return False
    for role, grant_agency in _grants(user):
        if role not in perm.roles:
            continue
        if agency is None or grant_agency.national_scope or grant_agency.pk == agency.pk:
            return True
    return False


def require(user: User | AnonymousUser, perm: Permission, *, agency: Agency | None = None) -> None:
    if not has_permission(user, perm, agency=agency):
        where = f" for {agency}" if agency is not None else ""
        raise PermissionDenied(perm.code, f"permission {perm.code} is required{where}")
