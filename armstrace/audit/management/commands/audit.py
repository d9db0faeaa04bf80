"""`armstrace audit verify`: check the hash chain of the audit log."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from armstrace.audit.verify import verify_chain


class Command(BaseCommand):
    help = "Audit log tools. `verify` checks that no entry was altered, inserted or removed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        for problem in report.problems:
            self.stderr.write(problem)
        if not report.ok:
            raise CommandError(
                f"audit chain BROKEN: {len(report.problems)} problem(s) in {report.checked} entries"
            )
        self.stdout.write(f"audit chain intact: {report.checked} entries verified")
