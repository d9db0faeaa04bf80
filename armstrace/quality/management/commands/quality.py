"""`armstrace quality report`: run the data-quality rules, print counts by rule (R9)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.utils.translation import gettext as _
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from armstrace.core.context import audit_context
from armstrace.core.exceptions import DomainValidationError
from armstrace.quality import rules, selectors, services
from armstrace.quality.choices import Profile
from armstrace.quality.exports import Writer, write_csv
from armstrace.quality.models import QualityRun
from armstrace.registry.models import Weapon

COUNT_HEADER = ("rule", "title", "severity", "legal_basis", "failing_records")
FAILURE_HEADER = ("rule", "weapon_id", "serial_number", "manufacturer", "model", "agency", "detail")


class Command(BaseCommand):
    help = _(
        "Data-quality rules (mission R9). `report` runs the rules of a profile over the whole "
        "registry, records the counts (for the trend over time) and prints them by rule; "
        "with --rule, also the failing records of that rule."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["report"])
        parser.add_argument("--profile", choices=Profile.values, default=Profile.ALL)
        parser.add_argument("--rule", help=_("list the failing records of this rule (its code)"))
        parser.add_argument("--format", choices=["table", "json", "csv"], default="table")
        parser.add_argument("--out", type=Path, help=_("write to this file instead of stdout"))

    def handle(self, *args: Any, **options: Any) -> None:
        profile, code = options["profile"], options["rule"]
        rule = rules.get_rule(code) if code else None
        if code and (rule is None or rule not in rules.rules_for(profile)):
            known = ", ".join(r.code for r in rules.rules_for(profile))
            raise CommandError(
                _("no rule %(code)r in profile %(profile)s; known: %(known)s")
                % {"code": code, "profile": profile, "known": known}
            )
        with audit_context(actor_id=None, actor_name="cli:quality", channel="cli"):
            try:
                run = services.run_quality(profile=profile)
            except DomainValidationError as exc:
                raise CommandError(f"{exc.field}: {exc.message}") from exc
            out: Writer = (
                options["out"].open("w", newline="", encoding="utf-8")
                if options["out"]
                else _Unended(self.stdout)
            )
            try:
                _write(out, options["format"], run, rule)
            finally:
                if isinstance(out, io.TextIOBase):
                    out.close()
        if options["out"]:
            self.stderr.write(_("Written to %(path)s") % {"path": options["out"]})


class _Unended:
    """Command output as a plain stream: the command's writer would end every chunk that
    json and csv write with a newline of its own."""

    def __init__(self, wrapped: OutputWrapper) -> None:
        self.wrapped = wrapped

    def write(self, text: str, /) -> None:
        self.wrapped.write(text, ending="")


def _counts(run: QualityRun) -> list[tuple[rules.Rule, int]]:
    stored = dict(run.counts.values_list("rule_code", "failures"))
    return [(r, stored[r.code]) for r in rules.rules_for(run.profile) if r.code in stored]


def _failures(rule: rules.Rule) -> Iterator[tuple[str, ...]]:
    scope = Weapon.objects.all()  # the operator at the console reads the whole registry
    for record in selectors.failure_rows(rule, scope):
        weapon = record.weapon
        yield (
            rule.code,
            str(weapon.pk),
            weapon.serial_number,
            weapon.manufacturer_name,
            weapon.model,
            weapon.agency.code,
            record.detail,
        )


def _write(out: Writer, fmt: str, run: QualityRun, rule: rules.Rule | None) -> None:
    counts = _counts(run)
    if fmt == "csv":
        if rule is not None:
            write_csv(out, FAILURE_HEADER, _failures(rule))
        else:
            write_csv(
                out,
                COUNT_HEADER,
                ((r.code, str(r.title), r.severity.value, r.basis, n) for r, n in counts),
            )
    elif fmt == "json":
        payload: dict[str, Any] = {
            "run": run.pk,
            "profile": run.profile,
            "started_at": run.started_at.isoformat(),
            "checked": run.checked,
            "counts": [
                {
                    "rule": r.code,
                    "title": str(r.title),
                    "severity": r.severity.value,
                    "legal_basis": r.basis,
                    "failing_records": n,
                }
                for r, n in counts
            ],
        }
        if rule is not None:
            payload["failures"] = [
                dict(zip(FAILURE_HEADER, row, strict=True)) for row in _failures(rule)
            ]
        json.dump(payload, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        out.write(_table_text(run, counts, rule) + "\n")


def _render(table: Table) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=140, highlight=False, soft_wrap=False).print(table)
    return buffer.getvalue().rstrip("\n")


def _table_text(
    run: QualityRun, counts: list[tuple[rules.Rule, int]], rule: rules.Rule | None
) -> str:
    table = Table(
        title=_("Data quality, profile %(profile)s: %(n)d records checked on %(when)s")
        % {
            "profile": run.profile,
            "n": run.checked,
            "when": run.started_at.strftime("%Y-%m-%d %H:%M"),
        }
    )
    for heading in (_("rule"), _("severity"), _("legal basis"), _("failing records")):
        table.add_column(heading)
    for r, n in counts:
        table.add_row(
            escape(f"{r.code}\n{r.title}"), str(r.severity.label), escape(r.basis), str(n)
        )
    text = _render(table)
    if rule is not None:
        failing = Table(title=_("Failing records of %(code)s") % {"code": rule.code})
        for heading in (
            _("weapon"),
            _("serial number"),
            _("manufacturer"),
            _("model"),
            _("agency"),
            _("what is wrong"),
        ):
            failing.add_column(heading)
        for row in _failures(rule):
            failing.add_row(*(escape(cell) for cell in row[1:]))
        text += "\n" + _render(failing)
    return text
