"""`armstrace permissions`: print (or write) the permission matrix of every route."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from armstrace.web.routes import matrix_markdown


class Command(BaseCommand):
    help = "The permission matrix: which role may use which page and API route."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--write", type=Path, help="write the matrix to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        text = matrix_markdown()
        if options["write"]:
            options["write"].write_text(text, encoding="utf-8")
            self.stdout.write(f"permission matrix written to {options['write']}")
        else:
            self.stdout.write(text, ending="")
