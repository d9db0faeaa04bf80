"""`armstrace analytics rebuild`: the traced-recovery table again from the traces and the
registry (after a restore, or to take in registry corrections made since the traces were
answered). Audited as the operator `cli:analytics`."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from armstrace.analytics import services
from armstrace.audit.services import record_event
from armstrace.core.context import audit_context


class Command(BaseCommand):
    help = _("Analytics: rebuild the table of traced recoveries.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["rebuild"])

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(actor_id=None, actor_name="cli:analytics", channel="cli"):
            started = time.perf_counter()
            rows = services.rebuild()
            record_event("analytics:traced:rebuilt", data={"rows": rows})
        seconds = time.perf_counter() - started
        message = ngettext(
            "%(rows)d traced recovery in %(seconds).1f s",
            "%(rows)d traced recoveries in %(seconds).1f s",
            rows,
        )
        self.stdout.write(message % {"rows": rows, "seconds": seconds})
