"""`armstrace demo`: a ready-to-explore registry with synthetic data, then serve it."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from armstrace.accounts.models import Agency
from armstrace.audit import checkpoints
from armstrace.core.context import audit_context
from armstrace.registry.models import Weapon
from armstrace.web.demo import AGENCIES, Credential, build_demo
from armstrace.web.management import console_for
from armstrace.web.management.commands.serve import run_server
from armstrace.web.samples import load_samples

CREDENTIALS_FILE = "demo-credentials.txt"
HOST = "127.0.0.1"  # the demo never listens beyond this machine


def credentials_path() -> Path:
    return Path(settings.DATA_DIR) / CREDENTIALS_FILE


def write_credentials(path: Path, credentials: list[Credential]) -> None:
    """Created 0600 from the start: the passwords are never readable by others."""
    lines = [
        "# ArmsTrace demo users. Passwords were generated at random: keep this file private.",
        "# Points of contact and administrators also enter a code from an authenticator app",
        "# holding their TOTP secret (or: oathtool --totp -b SECRET).",
        "# username\tpassword\trole\tagency\ttotp secret",
        *(
            f"{c.username}\t{c.password}\t{c.role}\t{c.agency}\t{c.totp_secret}"
            for c in credentials
        ),
    ]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    path.chmod(0o600)


def read_credentials(path: Path) -> list[Credential]:
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
    # Files of earlier demos have four columns (no TOTP secret).
    return [Credential(*row) for row in rows if len(row) in (4, 5) and not row[0].startswith("#")]


def credentials_table(credentials: list[Credential]) -> Table:
    table = Table(title=_("Demo users (one per role)"))
    for heading in (_("username"), _("password"), _("role"), _("agency")):
        table.add_column(heading)
    for c in credentials:
        table.add_row(c.username, c.password, c.role, c.agency)
    return table


def totp_table(credentials: list[Credential]) -> Table:
    """A table of its own: the main one stays narrow enough for a terminal."""
    table = Table(title=_("Second factor: TOTP secrets for an authenticator app"))
    for heading in (_("username"), _("TOTP secret")):
        table.add_column(heading, no_wrap=True)
    for c in credentials:
        if c.totp_secret:
            table.add_row(c.username, c.totp_secret)
    return table


class Command(BaseCommand):
    help = _(
        "Create and migrate the database, load a synthetic data set with a user for every "
        "role, print their credentials and serve on 127.0.0.1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--weapons", type=int, default=10_000, help=_("weapons to create"))
        parser.add_argument("--seed", type=int, default=2025, help=_("same seed, same data"))
        parser.add_argument("--no-serve", action="store_true", help=_("load, then exit"))
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        console = console_for(self.stdout)
        Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
        console.print(_("Preparing the database in %(dir)s") % {"dir": settings.DATA_DIR})
        call_command("migrate", interactive=False, verbosity=0)
        if Weapon.objects.exists():
            self.show_existing(console)
        else:
            self.load(console, weapons=options["weapons"], seed=options["seed"])
        url = f"http://{HOST}:{options['port']}/"
        console.print(_("Open %(url)s and sign in with one of the users above.") % {"url": url})
        console.print(
            _(
                "The point of contact and the administrator then enter a code from an "
                "authenticator app holding their TOTP secret (or: oathtool --totp -b SECRET)."
            )
        )
        if not options["no_serve"]:
            run_server(host=HOST, port=options["port"], threads=8, out=self.stdout)

    def load(self, console: Console, *, weapons: int, seed: int) -> None:
        if weapons < 1:
            raise CommandError(_("--weapons must be at least 1"))
        if Agency.objects.filter(code=AGENCIES[0].code).exists():
            raise CommandError(
                _(
                    "The database has the demo agencies but no weapons: an earlier load was "
                    "interrupted. Delete %(db)s and run the demo again."
                )
                % {"db": settings.DATABASES["default"]["NAME"]}
            )
        started = time.monotonic()
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console) as progress:
            task = progress.add_task(_("Loading weapons"), total=weapons)
            credentials = build_demo(
                weapons=weapons, seed=seed, on_progress=lambda n: progress.advance(task, n)
            )
        national = Agency.objects.get(code=AGENCIES[0].code)
        load_samples(Path(settings.DATA_DIR) / "demo-files", national)
        path = credentials_path()
        write_credentials(path, credentials)
        _first_checkpoint(console)
        console.print(
            _("Loaded %(count)d weapons with their life cycles in %(seconds).0f s.")
            % {"count": weapons, "seconds": time.monotonic() - started}
        )
        console.print(credentials_table(credentials))
        console.print(totp_table(credentials))
        console.print(_("These credentials are saved in %(path)s (readable only by you).")
                      % {"path": path})  # fmt: skip

    def show_existing(self, console: Console) -> None:
        console.print(
            _("The database already holds %(count)d weapons: nothing was added.")
            % {"count": Weapon.objects.count()}
        )
        path = credentials_path()
        if path.exists():
            saved = read_credentials(path)
            console.print(credentials_table(saved))
            console.print(totp_table(saved))
            console.print(_("Credentials are in %(path)s.") % {"path": path})
        else:
            console.print(
                _("No credentials file at %(path)s; create a user with `armstrace createuser`.")
                % {"path": path}
            )


def _first_checkpoint(console: Console) -> None:
    """The demo signs its audit chain, as an operator would after a load."""
    key = checkpoints.key_path()
    if not key.exists():
        checkpoints.generate_key(key)
    with audit_context(actor_id=None, actor_name="armstrace demo", channel="cli"):
        path = checkpoints.write_checkpoint(
            checkpoints.checkpoint_dir(), checkpoints.load_private_key(key)
        )
    console.print(_("Audit chain signed: %(path)s") % {"path": path})
