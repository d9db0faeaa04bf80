"""`armstrace audit ...`: verify the chain, sign checkpoints, restrict the database role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from armstrace.audit import checkpoints
from armstrace.audit.roles import RoleError, restrict_role
from armstrace.audit.verify import verify_chain
from armstrace.core.context import audit_context


class Command(BaseCommand):
    help = (
        "Audit log tools. `verify` checks that no entry was altered, inserted or removed "
        "(and, with --checkpoints, that the chain still matches its signed checkpoints); "
        "`keygen` creates the checkpoint signing key; `checkpoint` signs the chain's head "
        "into a file; `restrict-role ROLE` (PostgreSQL) leaves ROLE unable to change or "
        "delete audit entries."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "keygen", "checkpoint", "restrict-role"])
        parser.add_argument("role", nargs="?", help="restrict-role: the application's role")
        parser.add_argument("--key", type=Path, help="signing key (default: AUDIT_KEY_FILE)")
        parser.add_argument(
            "--public-key", type=Path, help="verify: the trusted key (public or private PEM)"
        )
        parser.add_argument(
            "--checkpoints", type=Path, help="directory of checkpoint files (default: DATA_DIR)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "keygen":
                path = checkpoints.generate_key(options["key"] or checkpoints.key_path())
                self.stdout.write(f"signing key written to {path}; keep a copy off this machine")
                public = checkpoints.load_public_key(path)
                self.stdout.write(checkpoints.public_pem(public))
            elif action == "checkpoint":
                self._checkpoint(options)
            elif action == "restrict-role":
                if not options["role"]:
                    raise CommandError("restrict-role needs the application's database role")
                for line in restrict_role(options["role"]):
                    self.stdout.write(line)
            else:
                self._verify(options)
        except (checkpoints.CheckpointError, RoleError) as exc:
            raise CommandError(str(exc)) from None

    def _checkpoint(self, options: dict[str, Any]) -> None:
        key = checkpoints.load_private_key(options["key"] or checkpoints.key_path())
        with audit_context(actor_id=None, actor_name="armstrace audit checkpoint", channel="cli"):
            path = checkpoints.write_checkpoint(
                options["checkpoints"] or checkpoints.checkpoint_dir(), key
            )
        self.stdout.write(f"checkpoint written to {path}")

    def _verify(self, options: dict[str, Any]) -> None:
        report = verify_chain()
        problems = list(report.problems)
        signed = 0
        directory = options["checkpoints"]
        if directory is not None:
            key_file = options["public_key"] or options["key"] or checkpoints.key_path()
            trusted = checkpoints.load_public_key(key_file)
            result = checkpoints.verify_checkpoints(directory, trusted)
            problems += result.problems
            signed = result.checked
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(
                f"audit chain BROKEN: {len(problems)} problem(s) in {report.checked} entries"
            )
        line = f"audit chain intact: {report.checked} entries verified"
        if directory is not None:
            line += f", {signed} signed checkpoint(s) match"
        self.stdout.write(line)
