"""`armstrace search weapons ...` (one query or a JSONL batch) and `armstrace search reindex`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from armstrace.core.context import audit_context
from armstrace.core.exceptions import DomainValidationError
from armstrace.search.batch import run_batch
from armstrace.search.indexing import rebuild_index
from armstrace.search.services import SearchQuery, search_weapons


class Command(BaseCommand):
    help = "Search weapons by serial and clues, one query or a JSONL batch; or rebuild the index."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        weapons = sub.add_parser("weapons", help="search weapons")
        weapons.add_argument("--serial", default="")
        for name in ("manufacturer", "model", "calibre", "type", "country"):
            weapons.add_argument(f"--{name}", default="")
        weapons.add_argument("--year", type=int)
        weapons.add_argument("--limit", type=int, default=10)
        weapons.add_argument("--format", choices=["table", "json"], default="table")
        weapons.add_argument("--purpose", default="", help="case number or other purpose")
        weapons.add_argument("--batch", type=Path, help="JSON Lines file of queries")
        weapons.add_argument("--out", type=Path, help="JSON Lines file for the batch answers")
        sub.add_parser("reindex", help="rebuild the serial index from the registry")

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(
            actor_id=None,
            actor_name="cli:search",
            channel="cli",
            purpose=options.get("purpose") or "",
        ):
            if options["action"] == "reindex":
                self.stdout.write(f"indexed {rebuild_index()} identifiers")
            elif options["batch"]:
                self._batch(options)
            else:
                self._one(options)

    def _batch(self, options: dict[str, Any]) -> None:
        if not options["batch"].exists():
            raise CommandError(f"no such file: {options['batch']}")
        out = options["out"].open("w", encoding="utf-8") if options["out"] else sys.stdout
        count = 0
        with options["batch"].open(encoding="utf-8") as lines:
            for answer in run_batch(lines, limit=options["limit"], purpose=options["purpose"]):
                out.write(json.dumps(answer, ensure_ascii=False) + "\n")
                count += 1
        if options["out"]:
            out.close()
            self.stderr.write(f"{count} queries answered into {options['out']}")

    def _one(self, options: dict[str, Any]) -> None:
        query = SearchQuery(
            serial=options["serial"],
            manufacturer=options["manufacturer"],
            model=options["model"],
            calibre=options["calibre"],
            weapon_type=options["type"],
            country=options["country"],
            year=options["year"],
        )
        try:
            result = search_weapons(query=query, limit=options["limit"], purpose=options["purpose"])
        except DomainValidationError as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from exc
        if options["format"] == "json":
            payload = {
                "message": result.message,
                "total": result.total,
                "candidates": [c.as_dict() for c in result.candidates],
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        if result.message:
            self.stdout.write(result.message)
        for rank, c in enumerate(result.candidates, start=1):
            self.stdout.write(
                f"{rank:>2}. {c.serial_number:<16} {c.manufacturer} {c.model} "
                f"{c.calibre}  [{c.match}, {c.score:.2f}]  {c.weapon_id}"
            )
            for reason in c.reasons:
                self.stdout.write(f"      - {reason}")
