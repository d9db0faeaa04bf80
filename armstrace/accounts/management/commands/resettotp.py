"""`armstrace resettotp USERNAME`: a user lost their authenticator."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from armstrace.accounts.models import User
from armstrace.accounts.selectors import totp_secret
from armstrace.accounts.services import create_totp_device, remove_totp_devices
from armstrace.core.context import audit_context


class Command(BaseCommand):
    help = _(
        "Remove a user's authenticator: they set up a new one at their next sign-in. With "
        "--new, make one now and print its secret to hand over. Audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--new", action="store_true", help=_("make a device now"))

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(_("No user %(name)r.") % {"name": options["username"]})
        with audit_context(actor_id=None, actor_name="cli:resettotp", channel="cli"):
            if not options["new"]:
                remove_totp_devices(user=user)
                self.stdout.write(
                    _("%(name)s will set up an authenticator at the next sign-in.")
                    % {"name": user.username}
                )
                return
            device = create_totp_device(user=user)
        secret = totp_secret(device.key)
        self.stdout.write(
            _("TOTP secret of %(name)s: %(secret)s") % {"name": user.username, "secret": secret}
        )
