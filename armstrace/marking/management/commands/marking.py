"""`armstrace marking profiles|check|missing-import-marks|badly-marked`: the marking rules
from the command line."""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from armstrace.core.context import audit_context
from armstrace.core.exceptions import DomainValidationError
from armstrace.core.safefiles import neutralise, write_csv
from armstrace.marking import findings, profiles
from armstrace.marking.profiles import Finding
from armstrace.marking.services import importmarks
from armstrace.registry.models import Weapon

BATCH = 500  # weapons whose serials are read in one query
FINDING_HEADER = ("weapon_id", "serial_number", "rule", "severity", "message", "legal_basis")
MISSING_HEADER = (
    "weapon_id",
    "serial_number",
    "manufacturer",
    "model",
    "import_country",
    "import_year",
    "imported_on",
    "agency",
)


class Command(BaseCommand):
    help = _(
        "Marking rules (ITI paras 7-10): list the profiles and their rules, check weapons, "
        "list imported weapons without an import mark or the unmarked and badly marked."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("profiles", help=_("list the profiles and their rules"))
        listing.add_argument("--profile", action="append", default=[])
        check = sub.add_parser("check", help=_("run the rules on one weapon or on all"))
        check.add_argument("--profile", action="append", default=[])
        check.add_argument("--weapon", type=uuid.UUID, help=_("the weapon's registry id"))
        check.add_argument("--out", type=Path, help=_("write the findings to this CSV file"))
        missing = sub.add_parser(
            "missing-import-marks", help=_("imported weapons without an import mark")
        )
        missing.add_argument("--out", type=Path, help=_("write them to this CSV file"))
        badly = sub.add_parser("badly-marked", help=_("unmarked or badly marked weapons"))
        badly.add_argument("--profile", action="append", default=[])
        badly.add_argument("--out", type=Path, help=_("write them to this CSV file"))

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(actor_id=None, actor_name="cli:marking", channel="cli"):
            try:
                self._dispatch(options)
            except DomainValidationError as exc:
                raise CommandError(f"{exc.field}: {exc.message}") from exc

    def _dispatch(self, options: dict[str, Any]) -> None:
        action = options["action"]
        if action == "profiles":
            self._profiles(_codes(options["profile"]))
        elif action == "check":
            self._check(_codes(options["profile"]), options["weapon"], options["out"])
        elif action == "missing-import-marks":
            self._missing(options["out"])
        else:
            rows = findings.badly_marked(Weapon.objects.all(), _codes(options["profile"]))
            self._findings(rows, options["out"])

    def _profiles(self, codes: list[str] | None) -> None:
        enabled = {p.code for p in profiles.enabled_profiles()}
        chosen = profiles.profiles_named(codes) if codes else list(profiles.PROFILES.values())
        for profile in chosen:
            state = _("in force") if profile.code in enabled else _("not in force")
            self.stdout.write(f"{profile.code}: {profile.title} ({state})")
            for rule in profile.rules:
                self.stdout.write(f"  {rule.code}  {rule.severity.value}  {rule.title}")
                self.stdout.write(f"      {rule.basis}")
        self.stdout.write(
            _("Import mark format: %(format)s") % {"format": importmarks.import_mark_format()}
        )

    def _check(
        self, codes: list[str] | None, weapon_id: uuid.UUID | None, out: Path | None
    ) -> None:
        if weapon_id is None:
            rows = findings.scan(Weapon.objects.all(), profiles.rules_of(codes))
        else:
            weapon = Weapon.objects.filter(pk=weapon_id).first()
            if weapon is None:
                raise CommandError(_("no weapon with id %(id)s") % {"id": weapon_id})
            rows = iter([(weapon.pk, profiles.check_weapon(weapon, codes))])
        self._findings(rows, out)

    def _findings(self, rows: Iterable[tuple[uuid.UUID, list[Finding]]], out: Path | None) -> None:
        counts: Counter[str] = Counter()
        lines = _finding_rows(rows, counts)
        if out is not None:
            write_csv(out, FINDING_HEADER, lines)
        else:
            for line in lines:
                self.stdout.write("  ".join(neutralise(cell) for cell in line))
        for code, n in sorted(counts.items()):
            self.stderr.write(f"{code}: {n}")
        self.stderr.write(_("%(n)d finding(s)") % {"n": sum(counts.values())})

    def _missing(self, out: Path | None) -> None:
        weapons = findings.missing_import_marks(Weapon.objects.select_related("agency"))
        lines = (
            (
                w.pk,
                w.serial_number,
                w.manufacturer_name,
                w.model,
                w.import_country_id or "",
                w.import_year or "",
                getattr(w, "imported_on", None) or "",
                w.agency.code,
            )
            for w in weapons.iterator(chunk_size=2000)
        )
        if out is not None:
            count = write_csv(out, MISSING_HEADER, lines)
        else:
            count = 0
            for line in lines:
                self.stdout.write("  ".join(neutralise(cell) for cell in line))
                count += 1
        self.stderr.write(_("%(n)d imported weapon(s) without an import mark") % {"n": count})


def _codes(values: Sequence[str]) -> list[str] | None:
    codes = [c.strip() for value in values for c in value.split(",") if c.strip()]
    return codes or None


def _finding_rows(
    rows: Iterable[tuple[uuid.UUID, list[Finding]]], counts: Counter[str]
) -> Iterator[tuple[object, ...]]:
    """One line per finding, with the weapon's serial read for BATCH weapons at a time."""
    rows = iter(rows)
    while batch := list(itertools.islice(rows, BATCH)):
        ids = [weapon_id for weapon_id, _found in batch]
        serials = dict(Weapon.objects.filter(pk__in=ids).values_list("id", "serial_number"))
        for weapon_id, found in batch:
            for finding in found:
                counts[finding.code] += 1
                yield (
                    weapon_id,
                    serials.get(weapon_id, ""),
                    finding.code,
                    finding.severity,
                    finding.message,
                    finding.legal_basis,
                )
