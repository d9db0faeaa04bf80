"""`armstrace alerts scan [--hours N]`: run the misuse rules over the audit log now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from armstrace.audit.alerts import describe, scan
from armstrace.core.context import audit_context


class Command(BaseCommand):
    help = _(
        "Misuse alerts. `scan` runs every rule over the recent audit log (searches, "
        "showings of personal data, refused requests), raises new alerts and widens open "
        "ones; auditors review them at /audit/alerts/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["scan"])
        parser.add_argument(
            "--hours", type=float, help=_("how far back to look (ARMSTRACE_ALERT_SCAN_HOURS)")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(actor_id=None, actor_name="armstrace alerts scan", channel="cli"):
            report = scan(hours=options["hours"])
        for alert in report.raised:
            self.stdout.write(f"new #{alert.pk} {alert.actor_name}: {describe(alert)}")
        for alert in report.widened:
            self.stdout.write(f"widened #{alert.pk} {alert.actor_name}: {describe(alert)}")
        self.stdout.write(
            _("%(n)d activities scanned: %(new)d new alert(s), %(wide)d widened.")
            % {"n": report.activities, "new": len(report.raised), "wide": len(report.widened)}
        )
