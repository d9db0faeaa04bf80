"""`armstrace catalogues`: keep the six languages' translation catalogues whole."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from armstrace.web import catalogues


class Command(BaseCommand):
    help = "Update the translation catalogues from the sources (--update) or check them (--check)."

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--update", action="store_true", help="merge and compile")
        action.add_argument("--check", action="store_true", help="fail on any gap")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["update"]:
            catalogues.update()
        problems = catalogues.check()
        for problem in problems[:200]:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(f"{len(problems)} translation problems")
        self.stdout.write(f"{len(catalogues.locales())} catalogues complete")
