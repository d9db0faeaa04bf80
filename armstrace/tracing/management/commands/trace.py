"""`armstrace trace list|remind|import-answer`: trace requests from the command line.

`list` shows requests (all, or only the overdue ones); `remind` records a reminder for each
overdue request and escalates those still unanswered after the set number of reminders
(ITI para 19; T8: overdue requests must be visible and chased). Run it daily from cron.
`import-answer FILE --user NAME` records an answer another state sent as a JSON document
(armstrace.trace-answer/1) on our outgoing request, as that point of contact: every wrong
field is listed and nothing is written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from armstrace.accounts.models import User
from armstrace.core import clock
from armstrace.core.context import audit_context
from armstrace.core.exceptions import DomainValidationError, PermissionDenied
from armstrace.tracing import exchange, selectors, services
from armstrace.tracing.choices import Direction
from armstrace.tracing.exceptions import InvalidFields
from armstrace.tracing.models import TraceRequest


class Command(BaseCommand):
    help = _("Trace requests: list them, or remind and escalate the overdue ones.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "remind", "import-answer"])
        parser.add_argument("file", nargs="?", type=Path, help=_("import-answer: the JSON file"))
        parser.add_argument("--overdue", action="store_true", help=_("only overdue requests"))
        parser.add_argument("--direction", choices=Direction.values, help=_("only this direction"))
        parser.add_argument("--user", help=_("import-answer: the point of contact recording it"))
        parser.add_argument(
            "--request", help=_("import-answer: our request id (default: from the document)")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import-answer":
            self._import(options)
            return
        with audit_context(actor_id=None, actor_name="cli:trace", channel="cli"):
            if options["action"] == "remind":
                self._remind()
            else:
                self._list(overdue=options["overdue"], direction=options["direction"])

    def _import(self, options: dict[str, Any]) -> None:
        path, username = options["file"], options["user"]
        if path is None or not username:
            raise CommandError(_("import-answer needs FILE and --user"))
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("no active user %(u)r") % {"u": username})
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(_("cannot read %(f)s: %(e)s") % {"f": path, "e": exc}) from exc
        with audit_context(actor_id=user.pk, actor_name=user.get_username(), channel="cli"):
            try:
                data = exchange.parse_answer_document(document)
                request_id = options["request"] or data.request_id
                trace = TraceRequest.objects.filter(request_id=request_id).first()
                if trace is None:
                    raise CommandError(_("no request %(id)r") % {"id": request_id})
                answer = exchange.record_received_answer(request=trace, actor=user, data=data)
            except InvalidFields as exc:
                raise CommandError(
                    "\n".join(f"{e.field}: {e.message}" for e in exc.errors)
                ) from exc
            except (DomainValidationError, PermissionDenied) as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("%(id)s: answer %(n)d recorded (%(c)s)")
            % {"id": trace.request_id, "n": answer.pk, "c": answer.completeness}
        )

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
            line = (
                _("%(id)s: %(late)s overdue, reminder recorded and escalated")
                if reminder.escalated
                else _("%(id)s: %(late)s overdue, reminder recorded")
            )
            self.stdout.write(line % {"id": reminder.request_id, "late": reminder.late})
        self.stdout.write(_("%(n)d reminder(s) recorded") % {"n": len(done)})
