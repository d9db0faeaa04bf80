"""`armstrace trace list|remind`: trace requests from the command line.

`list` shows requests (all, or only the overdue ones); `remind` records a reminder for each
overdue request and escalates those still unanswered after the set number of reminders
(ITI para 19; T8: overdue requests must be visible and chased). Run it daily from cron.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from armstrace.core import clock
from armstrace.core.context import audit_context
from armstrace.tracing import selectors, services
from armstrace.tracing.choices import Direction
from armstrace.tracing.models import TraceRequest


class Command(BaseCommand):
    help = _("Trace requests: list them, or remind and escalate the overdue ones.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "remind"])
        parser.add_argument("--overdue", action="store_true", help=_("only overdue requests"))
        parser.add_argument("--direction", choices=Direction.values, help=_("only this direction"))

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(actor_id=None, actor_name="cli:trace", channel="cli"):
            if options["action"] == "remind":
                self._remind()
            else:
                self._list(overdue=options["overdue"], direction=options["direction"])

    def _list(self, *, overdue: bool, direction: str | None) -> None:
        rows = TraceRequest.objects.select_related("requesting_state", "requested_state")
        now = clock.now()
        if overdue:
            rows = selectors.overdue(rows, now)
        if direction:
            rows = rows.filter(direction=direction)
        count = 0
        for trace in rows.order_by("pk"):
            late = selectors.lateness(trace, now) or "-"
            due = trace.answer_due_at.isoformat() if trace.answer_due_at else "-"
            self.stdout.write(
                f"{trace.request_id}\t{trace.direction}\t{trace.status}\t"
                f"{selectors.counterpart(trace)}\tdue {due}\tlate {late}"
            )
            count += 1
        self.stdout.write(_("%(n)d request(s)") % {"n": count})

    def _remind(self) -> None:
        done = services.send_reminders()
        for reminder in done:
            escalated = _(" and escalated") if reminder.escalated else ""
            self.stdout.write(
                _("%(id)s: %(late)s overdue, reminder recorded%(escalated)s")
                % {"id": reminder.request_id, "late": reminder.late, "escalated": escalated}
            )
        self.stdout.write(_("%(n)d reminder(s) recorded") % {"n": len(done)})
