"""Who may see data-quality results, run the rules, and answer spot checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from armstrace.accounts.choices import Role
from armstrace.accounts.permissions import declare, has_permission, roles_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from armstrace.accounts.models import User
    from armstrace.quality.models import SpotCheckItem

QUALITY_VIEW = declare(
    "quality:report:view",
    {Role.REGISTRAR, Role.AUDITOR, Role.ADMINISTRATOR},
    "See data-quality counts, their trend and the failing records",
)
QUALITY_RUN = declare(
    "quality:report:run",
    {Role.REGISTRAR, Role.ADMINISTRATOR},
    "Run the data-quality rules (registrars of an agency with national scope)",
)
SPOTCHECK_VIEW = declare(
    "quality:spotcheck:view",
    {Role.REGISTRAR, Role.AUDITOR, Role.ADMINISTRATOR},
    "See spot checks and their estimated error rates",
)
SPOTCHECK_ANSWER = declare(
    "quality:spotcheck:answer",
    {Role.REGISTRAR, Role.ADMINISTRATOR},
    "Confirm or correct the spot-check records assigned to oneself (administrators: any)",
)


def may_run_quality(user: User | AnonymousUser) -> bool:
    """Administrators, and registrars of an agency with national scope: a run covers the
    whole registry, not one agency's records."""
    if not has_permission(user, QUALITY_RUN):
        return False
    if Role.ADMINISTRATOR in roles_of(user):
        return True
    grants = user.grants  # type: ignore[union-attr]  # authenticated: has_permission said so
    return bool(grants.filter(role=Role.REGISTRAR, agency__national_scope=True).exists())


def may_answer(user: User | AnonymousUser, item: SpotCheckItem) -> bool:
    """The clerk the item is assigned to, or an administrator."""
    if not has_permission(user, SPOTCHECK_ANSWER):
        return False
    return user.pk == item.assigned_to_id or Role.ADMINISTRATOR in roles_of(user)
