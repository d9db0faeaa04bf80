"""Logins, logouts, failed logins and lockouts go to the audit log."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from armstrace.accounts.models import User
from armstrace.audit.services import record_event
from armstrace.core.context import audit_context, optional_context

# Set on a request whose session ended for idleness, so its logout is audited as such.
IDLE_EXPIRED_ATTR = "armstrace_idle_expired"


def _record(
    tag: str, username: str, user_id: int | None, extra: dict[str, Any] | None = None
) -> None:
    data = {"username": username, **(extra or {})}
    if optional_context() is not None:
        record_event(tag, object_type="accounts.user", object_id=str(user_id or ""), data=data)
        return
    with audit_context(actor_id=user_id, actor_name=username or "anonymous", channel="web"):
        record_event(tag, object_type="accounts.user", object_id=str(user_id or ""), data=data)


def _address(request: Any) -> dict[str, Any]:
    meta = getattr(request, "META", None)
    return {"ip_address": meta.get("REMOTE_ADDR", "")} if meta is not None else {}


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _record("accounts:session:login", user.get_username(), user.pk)


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        idle = getattr(request, IDLE_EXPIRED_ATTR, False)
        tag = "accounts:session:expired" if idle else "accounts:session:logout"
        _record(tag, user.get_username(), user.pk)


@receiver(user_login_failed)
def on_login_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    extra = _address(kwargs.get("request"))
    if credentials.get("second_factor"):
        extra["second_factor"] = True
    _record("accounts:session:failed", str(credentials.get("username", ""))[:150], None, extra)


@receiver(user_locked_out)
def on_locked_out(sender: Any, request: Any, username: Any, ip_address: Any, **kwargs: Any) -> None:
    # axes signals again for each attempt refused during a lockout (no failure count then):
    # those attempts are audited as failures already, the lockout itself once.
    if getattr(request, "axes_failures_since_start", None) is None:
        return
    name = str(username or "")[:150]
    user_id = User.objects.filter(username=name).values_list("pk", flat=True).first()
    extra = {"ip_address": ip_address or "", "minutes": settings.ARMSTRACE_LOCKOUT_MINUTES}
    _record("accounts:session:locked", name, user_id, extra)
