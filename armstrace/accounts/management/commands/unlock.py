"""`armstrace unlock USERNAME` (or `--ip ADDRESS`): an administrator lifts a lockout."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from armstrace.accounts.services import unlock_address, unlock_user
from armstrace.core.context import audit_context


class Command(BaseCommand):
    help = _(
        "Lift the sign-in lockout of a user (from every address), or of an address (sign-ins "
        "and API tokens). The unlock is audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", help=_("the locked-out user"))
        parser.add_argument("--ip", help=_("a locked-out address instead of a user"))

    def handle(self, *args: Any, **options: Any) -> None:
        username, address = options["username"], options["ip"]
        if bool(username) == bool(address):
            raise CommandError(_("Name a user or an address (--ip), not both."))
        with audit_context(actor_id=None, actor_name="cli:unlock", channel="cli"):
            if username:
                cleared = unlock_user(username=username)
                target = username
            else:
                cleared = unlock_address(ip_address=address)
                target = address
        self.stdout.write(
            _("Unlocked %(target)s (%(count)d lockout records cleared).")
            % {"target": target, "count": cleared}
        )
