"""Listeners to the signals of lower apps (connected in apps.ReportingConfig.ready)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError

from armstrace.core.context import audit_context, optional_context
from armstrace.reporting.services import create_notices
from armstrace.tracing.models import TraceAnswer

log = logging.getLogger(__name__)


def diversion_notices(sender: object, *, answer: TraceAnswer, **kwargs: Any) -> None:
    """An answer's outcome was recorded: if it establishes diversion, tell the recipients.
    The release or import that sent the signal has its audit context; a job without one
    gets a system context, so the notices are still audited. The answer is already
    committed: a failure here is logged, not turned into a failed release."""
    if not answer.diversion_established:
        return
    try:
        if optional_context() is not None:
            create_notices(answer=answer)
            return
        with audit_context(actor_id=None, actor_name="system:notices", channel="system"):
            create_notices(answer=answer)
    except DatabaseError:
        log.exception("diversion notices for answer %s were not created", answer.pk)
