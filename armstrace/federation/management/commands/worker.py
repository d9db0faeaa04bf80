"""`armstrace worker`: deliver the federation outbox until interrupted (or once)."""

from __future__ import annotations

import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from armstrace.core.context import audit_context
from armstrace.federation import worker


class Command(BaseCommand):
    help = "Deliver queued federation messages to peer nodes, with retries and backoff."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one round, then exit")
        parser.add_argument("--poll", type=float, default=None, help="seconds between rounds")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            with audit_context(actor_id=None, actor_name="armstrace worker", channel="cli"):
                made = worker.deliver_due()
            self.stdout.write(f"{made} delivery attempt(s)")
            return
        try:
            worker.run(threading.Event(), poll=options["poll"])
        except KeyboardInterrupt:
            self.stdout.write("stopped")
