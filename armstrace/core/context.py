"""The audit context: who acts, through which channel, under which correlation id.

Web requests, API calls, CLI commands and background jobs each open one. Writing an audit
record without a context fails, so no change can slip in anonymously.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

from armstrace.core.exceptions import MissingAuditContext


@dataclass(frozen=True)
class AuditContext:
    actor_id: int | None
    actor_name: str
    channel: str  # web, api, cli, job, system
    correlation_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    purpose: str = ""


_current: ContextVar[AuditContext | None] = ContextVar("armstrace_audit_context", default=None)


@contextlib.contextmanager
def audit_context(
    *,
    actor_id: int | None,
    actor_name: str,
    channel: str,
    correlation_id: str | None = None,
    purpose: str = "",
) -> Iterator[AuditContext]:
    ctx = AuditContext(
        actor_id=actor_id,
        actor_name=actor_name,
        channel=channel,
        correlation_id=correlation_id or uuid.uuid4().hex,
        purpose=purpose,
    )
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def current_context() -> AuditContext:
    ctx = _current.get()
    if ctx is None:
        raise MissingAuditContext(
            "No audit context: open one with armstrace.core.context.audit_context()"
        )
    return ctx


def optional_context() -> AuditContext | None:
    return _current.get()
