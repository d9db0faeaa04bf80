"""Administrators work in the Django admin on reference data, users and agencies (and the
report recipients and the peer directory), without being superusers: Django asks this
backend for their model permissions; everything else stays with the roles."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

from armstrace.accounts.choices import Role
from armstrace.accounts.permissions import roles_of

ADMIN_APPS = frozenset({"reference", "accounts", "reporting", "federation"})


def _administrator(user: Any) -> bool:
    return bool(user.is_active and user.is_staff and Role.ADMINISTRATOR in roles_of(user))


class AdministratorBackend(BaseBackend):
    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return app_label in ADMIN_APPS and _administrator(user_obj)

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return perm.split(".", 1)[0] in ADMIN_APPS and _administrator(user_obj)
