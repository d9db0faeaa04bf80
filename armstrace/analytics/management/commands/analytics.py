"""`armstrace analytics rebuild`: the analytics' own tables (traced recoveries, custody
events, the steps each request reached) again from the traces and the registry (after a
restore or a load that bypassed the services, or to take in registry corrections made
since the traces were answered). Audited as the operator `cli:analytics`."""

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
    help = _(
        "Analytics: rebuild the tables of traced recoveries, custody events and request steps."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["rebuild"])

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(actor_id=None, actor_name="cli:analytics", channel="cli"):
            started = time.perf_counter()
            rows = services.rebuild()
            custody = services.rebuild_custody()
            steps = services.rebuild_steps()
            record_event(
                "analytics:traced:rebuilt",
                data={"rows": rows, "custody": custody, "request_steps": steps},
            )
        seconds = time.perf_counter() - started
        message = ngettext(
            "%(rows)d traced recovery in %(seconds).1f s",
            "%(rows)d traced recoveries in %(seconds).1f s",
            rows,
        )
        self.stdout.write(message % {"rows": rows, "seconds": seconds})
        self.stdout.write(
            ngettext("%(n)d custody event", "%(n)d custody events", custody) % {"n": custody}
        )
        self.stdout.write(
            ngettext("%(n)d request with steps", "%(n)d requests with steps", steps) % {"n": steps}
        )
