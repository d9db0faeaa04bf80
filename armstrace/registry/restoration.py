"""Erased serials and marks brought back by a laboratory (issue 6, item 7).

A restoration is read one position at a time: a character known, one of a few ("8 or B"),
unknown, or an unknown run of characters. Written as text, `AB[8B]1?4*` says: A, B, 8 or B,
1, unknown, 4, then an unknown run. The search receives it as a pattern (`AB?1?4*`), so the
erased positions no longer hide the weapon.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from armstrace.audit.services import batch as audit_batch
from armstrace.audit.services import record_change, record_event
from armstrace.core import clock
from armstrace.core.context import current_context
from armstrace.core.exceptions import DomainValidationError
from armstrace.core.text import has_control_characters
from armstrace.registry.choices import RestorationMethod
from armstrace.registry.models import Mark, Restoration, Weapon

UNKNOWN, RUN = "", "*"
MAX_POSITIONS = 64


def _bad(message: str) -> DomainValidationError:
    return DomainValidationError("reading", message, code="bad_reading")


def parse_reading(text: str) -> list[str]:
    """`AB[8B]1?4*` -> ["A", "B", "8B", "1", "", "4", "*"]; case, spaces and dashes ignored."""
    positions: list[str] = []
    chars = iter(text.upper().replace(" ", "").replace("-", ""))
    for char in chars:
        if char == "?":
            positions.append(UNKNOWN)
        elif char == "*":
            if positions and positions[-1] == RUN:
                continue  # two runs in a row are one run
            positions.append(RUN)
        elif char == "[":
            group = ""
            for inner in chars:
                if inner == "]":
                    break
                if not inner.isalnum():
                    raise _bad(_("only letters and digits go inside [ ]"))
                group += inner
            else:
                raise _bad(_("a [ is not closed"))
            if not group:
                raise _bad(_("[ ] must list the characters it may be"))
            positions.append("".join(dict.fromkeys(group)))
        elif char.isalnum():
            positions.append(char)
        else:
            raise _bad(_("%(char)r is not a letter, a digit, ?, * or [ ]") % {"char": char})
    if not any(len(p) == 1 and p != RUN for p in positions):
        raise _bad(_("gives no character that could be read for certain"))
    if len(positions) > MAX_POSITIONS:
        raise _bad(_("has more than %(max)d positions") % {"max": MAX_POSITIONS})
    return positions


def reading_text(positions: list[str]) -> str:
    """The positions written back in the notation `parse_reading` reads."""
    parts = []
    for position in positions:
        if position == UNKNOWN:
            parts.append("?")
        elif len(position) > 1 and position != RUN:
            parts.append(f"[{position}]")
        else:
            parts.append(position)
    return "".join(parts)


def search_pattern(positions: list[str]) -> str:
    """The serial pattern for the search: a doubtful or unknown position is `?`."""
    return "".join(p if p == RUN or len(p) == 1 else "?" for p in positions)


def unknown_positions(positions: list[str]) -> list[int]:
    """The 1-based positions the laboratory could not settle (unknown or doubtful)."""
    return [i for i, p in enumerate(positions, start=1) if p != RUN and len(p) != 1]


@dataclass
class RestorationInput:
    reading: str  # in the notation of parse_reading
    laboratory: str
    examiner: str
    examined_on: dt.date
    method: str
    mark: Mark | None = None  # None: the weapon's own serial
    notes: str = ""


def _text(field: str, value: str, max_length: int, *, required: bool) -> str:
    value = value.strip()
    if required and not value:
        raise DomainValidationError(field, _("is required"), code="required")
    if has_control_characters(value.replace("\n", "").replace("\r", "")):
        raise DomainValidationError(field, _("contains control characters"))
    if len(value) > max_length:
        raise DomainValidationError(
            field, _("is longer than %(max)d characters") % {"max": max_length}
        )
    return value


def record_restoration(*, weapon: Weapon, data: RestorationInput) -> Restoration:
    """Record a laboratory's reading of the weapon's erased serial or of one of its marks."""
    positions = parse_reading(data.reading)
    if data.method not in RestorationMethod.values:
        raise DomainValidationError("method", _("is not a known restoration method"))
    if data.examined_on > clock.today():
        raise DomainValidationError("examined_on", _("is in the future"), code="future_date")
    if data.mark is not None and data.mark.weapon_id != weapon.pk:
        raise DomainValidationError("mark", _("is not a mark of this weapon"), code="wrong_weapon")
    restoration = Restoration(
        weapon=weapon,
        mark=data.mark,
        characters=positions,
        laboratory=_text("laboratory", data.laboratory, 200, required=True),
        examiner=_text("examiner", data.examiner, 150, required=True),
        examined_on=data.examined_on,
        method=data.method,
        notes=_text("notes", data.notes, 5000, required=False),
        recorded_by_name=current_context().actor_name,
    )
    with transaction.atomic(), audit_batch():
        restoration.save()
        record_change(restoration, action="created", before=None)
        record_event(
            "registry:restoration:recorded",
            object_type="registry.weapon",
            object_id=str(weapon.pk),
            data={"restoration_id": restoration.pk, "mark_id": restoration.mark_id},
        )
    return restoration
