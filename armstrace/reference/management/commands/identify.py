"""`armstrace identify --manufacturer ... --model ... --calibre ... --country ...`"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from armstrace.reference.identify import FIELDS, identify


class Command(BaseCommand):
    help = "Identify a weapon from what is known of it: ranked candidates with reasons."

    def add_arguments(self, parser: CommandParser) -> None:
        for name in FIELDS:
            parser.add_argument(f"--{name}", default="")
        parser.add_argument("--limit", type=int, default=5)
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        result = identify(limit=options["limit"], **{f: options[f] for f in FIELDS})
        if options["format"] == "json":
            payload = {"message": result.message,
                       "candidates": [c.as_dict() for c in result.candidates]}  # fmt: skip
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        if not result.candidates:
            self.stdout.write(result.message)
            return
        for rank, c in enumerate(result.candidates, start=1):
            what = " / ".join(x for x in (c.manufacturer, c.variant or c.design, c.calibre,
                                          c.weapon_type, c.country) if x)  # fmt: skip
            self.stdout.write(f"{rank}. {what}  (confidence {c.confidence:.2f})")
            for reason in c.reasons:
                self.stdout.write(f"     - {reason}")
