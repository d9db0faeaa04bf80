"""Logins, logouts and failed logins go to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from armstrace.audit.services import record_event
from armstrace.core.context import audit_context, optional_context


def _record(tag: str, username: str, user_id: int | None) -> None:
    if optional_context() is not None:
        record_event(
            tag,
            object_type="accounts.user",
            object_id=str(user_id or ""),
            data={"username": username},
        )
        return
    with audit_context(actor_id=user_id, actor_name=username or "anonymous", channel="web"):
        record_event(
            tag,
            object_type="accounts.user",
            object_id=str(user_id or ""),
            data={"username": username},
        )


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _record("accounts:session:login", user.get_username(), user.pk)


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        _record("accounts:session:logout", user.get_username(), user.pk)


@receiver(user_login_failed)
def on_login_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    _record("accounts:session:failed", str(credentials.get("username", ""))[:150], None)
