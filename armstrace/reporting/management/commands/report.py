"""`armstrace report national --start D --end D --language L --format pdf|xlsx|json --out F`:
the national report on the ITI and the PoA, written to a file. The generation is audited
(period, language, format, SHA-256) as the operator `cli:report`, or as `--user`, whose
permission is then checked.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from armstrace.accounts.models import User
from armstrace.core.context import audit_context
from armstrace.core.exceptions import DomainValidationError, PermissionDenied
from armstrace.reporting import services
from armstrace.reporting.choices import ReportFormat


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            _("%(value)r is not an ISO date (YYYY-MM-DD)") % {"value": value}
        ) from exc


class Command(BaseCommand):
    help = _("Reports: the national report on the ITI and the PoA for a period.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["national"])
        parser.add_argument("--start", required=True, help=_("first day, YYYY-MM-DD"))
        parser.add_argument("--end", required=True, help=_("last day, YYYY-MM-DD (inclusive)"))
        parser.add_argument(
            "--language", default="en", choices=[code for code, _name in settings.LANGUAGES]
        )
        parser.add_argument("--format", default="pdf", choices=ReportFormat.values)
        parser.add_argument("--out", required=True, type=Path, help=_("the file to write"))
        parser.add_argument("--user", help=_("generate on this user's authority (checked)"))

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self._actor(options["user"])
        name = actor.get_username() if actor else "cli:report"
        with audit_context(actor_id=actor.pk if actor else None, actor_name=name, channel="cli"):
            try:
                period = services.check_period(_date(options["start"]), _date(options["end"]))
                report = services.generate_national_report(
                    actor=actor,
                    period=period,
                    language=options["language"],
                    fmt=options["format"],
                )
            except (DomainValidationError, PermissionDenied) as exc:
                raise CommandError(str(exc)) from exc
        out: Path = options["out"]
        out.write_bytes(report.content)
        self.stdout.write(
            _("%(file)s written (%(bytes)d bytes, SHA-256 %(sha)s)")
            % {"file": out, "bytes": len(report.content), "sha": report.sha256}
        )

    def _actor(self, username: str | None) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("no active user %(u)r") % {"u": username})
        return user
