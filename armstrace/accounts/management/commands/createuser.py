"""`armstrace createuser`: an operator creates a user with roles in an agency."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from armstrace.accounts.choices import Role
from armstrace.accounts.models import Agency
from armstrace.accounts.services import create_user
from armstrace.core.context import audit_context
from armstrace.core.exceptions import DomainValidationError


class Command(BaseCommand):
    help = "Create a user with one or more roles in an agency."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--agency", required=True, help="agency code")
        parser.add_argument("--role", action="append", required=True, choices=Role.values)
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        agency = Agency.objects.filter(code=options["agency"]).first()
        if agency is None:
            raise CommandError(f"no agency with code {options['agency']!r}")
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
        with audit_context(actor_id=None, actor_name="cli:createuser", channel="cli"):
            try:
                user = create_user(
                    username=options["username"],
                    password=password,
                    agency=agency,
                    roles=options["role"],
                    email=options["email"],
                )
            except DomainValidationError as exc:
                raise CommandError(f"{exc.field}: {exc.message}") from exc
        self.stdout.write(f"created {user.username} ({', '.join(options['role'])}) in {agency}")
