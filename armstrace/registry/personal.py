"""Personal data on weapon records: withheld until a purpose is stated, every showing audited.

A party who is a person (kind `individual`) is personal data: their name, licence and
address, wherever the record shows them (the weapon's holder, the parties of its events,
and the licence number of an event they took part in). Makers, dealers, companies and
state units are not. A record is shown without personal data until the user states a
purpose (a case number); each showing is an audit event naming the purpose, the weapon and
the parties shown, which the misuse scan (armstrace.audit.alerts) reads.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from armstrace.audit.services import batch as audit_batch
from armstrace.audit.services import record_event
from armstrace.core import clock
from armstrace.core.context import audit_context, current_context
from armstrace.core.exceptions import DomainValidationError
from armstrace.core.text import has_control_characters
from armstrace.registry.choices import PartyKind
from armstrace.registry.models import Event, Party, Weapon

VIEWED = "registry:personal_data:viewed"
PERSONAL_KINDS = frozenset({PartyKind.INDIVIDUAL.value})
MAX_PURPOSE = 200
SESSION_KEY = "armstrace_purposes"  # {weapon id: {"purpose": ..., "until": ISO time}}


def is_personal(party: Party | None) -> bool:
    return party is not None and party.kind in PERSONAL_KINDS


def purpose_minutes() -> int:
    """How long a purpose stated on the weapon page stays valid for that weapon."""
    return int(getattr(settings, "ARMSTRACE_PURPOSE_MINUTES", 60))


def clean_purpose(text: str) -> str:
    """The purpose as recorded: one line, not blank, at most 200 characters."""
    purpose = " ".join(text.split())
    if not purpose:
        message = _("is required: give the case number or the purpose of this look-up")
        raise DomainValidationError("purpose", message, code="required")
    if len(purpose) > MAX_PURPOSE:
        message = _("is too long (at most %(n)d characters)") % {"n": MAX_PURPOSE}
        raise DomainValidationError("purpose", message, code="too_long")
    if has_control_characters(purpose):
        raise DomainValidationError("purpose", _("contains control characters"), code="invalid")
    return purpose


@dataclass(frozen=True)
class Disclosure:
    """The individuals whose personal data one response may show, and why."""

    revealed: frozenset[int] = frozenset()
    purpose: str = ""

    def shows(self, party: Party | None) -> bool:
        return not is_personal(party) or (party is not None and party.pk in self.revealed)

    def event_withheld(self, event: Event) -> list[str]:
        """The event's fields not shown: its individual parties and then its licence."""
        hidden = [
            name
            for name, party in (("from_party", event.from_party), ("to_party", event.to_party))
            if not self.shows(party)
        ]
        if hidden and event.licence_number:
            hidden.append("licence_number")
        return hidden

    def holder_withheld(self, weapon: Weapon) -> list[str]:
        return [] if self.shows(weapon.holder) else ["holder"]

    def party_withheld(self, party: Party) -> list[str]:
        return [] if self.shows(party) else ["name", "licence_number", "address"]


WITHHELD = Disclosure()  # shows no individual


def individuals(weapon: Weapon, events: Iterable[Event]) -> list[Party]:
    """The persons a weapon record names: its holder and the parties of its events."""
    found: dict[int, Party] = {}
    for party in [weapon.holder, *(p for e in events for p in (e.from_party, e.to_party))]:
        if party is not None and is_personal(party):
            found.setdefault(party.pk, party)
    return list(found.values())


def withheld_on_page(
    weapon: Weapon, events: Sequence[Event], disclosure: Disclosure
) -> dict[str, Any]:
    """What the weapon page hides: party ids and event ids (whose licence is hidden)."""
    people = individuals(weapon, events)
    return {
        "parties": {p.pk for p in people if not disclosure.shows(p)},
        "events": {e.pk for e in events if disclosure.event_withheld(e)},
        "any": any(not disclosure.shows(p) for p in people),
        "people": bool(people),
    }


def _record(purpose: str, weapon: Weapon | None, people: Sequence[Party]) -> None:
    """One audit event for one record shown; the purpose also fills the entry's column."""
    ctx = current_context()
    with audit_context(
        actor_id=ctx.actor_id,
        actor_name=ctx.actor_name,
        channel=ctx.channel,
        correlation_id=ctx.correlation_id,
        purpose=purpose,
    ):
        record_event(
            VIEWED,
            object_type="registry.weapon" if weapon is not None else "registry.party",
            object_id=str(weapon.pk) if weapon is not None else str(people[0].pk),
            data={
                "purpose": purpose,
                "weapon": str(weapon.pk) if weapon is not None else None,
                "parties": [p.pk for p in people],
            },
        )


def reveal_weapon(*, weapon: Weapon, events: Sequence[Event], purpose: str) -> Disclosure:
    """Show the persons one weapon record names, for `purpose`; audited when there are any."""
    purpose = clean_purpose(purpose)
    people = individuals(weapon, events)
    if people:
        _record(purpose, weapon, people)
    return Disclosure(frozenset(p.pk for p in people), purpose)


def reveal_holders(*, weapons: Sequence[Weapon], purpose: str) -> Disclosure:
    """Show the individual holders of a list of weapons: one audit event per weapon."""
    purpose = clean_purpose(purpose)
    held = [(w, w.holder) for w in weapons if w.holder is not None and is_personal(w.holder)]
    with transaction.atomic(), audit_batch():
        for weapon, holder in held:
            _record(purpose, weapon, [holder])
    return Disclosure(frozenset(h.pk for _, h in held), purpose)


def reveal_parties(*, parties: Sequence[Party], purpose: str) -> Disclosure:
    """Show individual parties themselves (the party endpoints): one event per person."""
    purpose = clean_purpose(purpose)
    people = [p for p in parties if is_personal(p)]
    with transaction.atomic(), audit_batch():
        for person in people:
            _record(purpose, None, [person])
    return Disclosure(frozenset(p.pk for p in people), purpose)


def filter_parties(
    parties: QuerySet[Party], *, kind: str = "", name_norm: str = "", disclosed: bool
) -> QuerySet[Party]:
    """Parties by kind and part of the normalised name. Without a purpose a name matches
    no individual: finding a person by name is itself a look-up of personal data."""
    if kind:
        parties = parties.filter(kind=kind)
    if name_norm:
        parties = parties.filter(name_norm__contains=name_norm)
        if not disclosed:
            parties = parties.exclude(kind__in=PERSONAL_KINDS)
    return parties


# --- the purpose stated on the weapon page, kept in the session ------------------------


def grant(session: MutableMapping[str, Any], weapon_id: uuid.UUID, purpose: str) -> str:
    """Remember `purpose` for this weapon for ARMSTRACE_PURPOSE_MINUTES; returns it cleaned."""
    purpose = clean_purpose(purpose)
    until = clock.now() + dt.timedelta(minutes=purpose_minutes())
    grants = dict(session.get(SESSION_KEY, {}))
    grants[str(weapon_id)] = {"purpose": purpose, "until": until.isoformat()}
    session[SESSION_KEY] = grants
    return purpose


def granted(session: MutableMapping[str, Any], weapon_id: uuid.UUID) -> tuple[str, dt.datetime]:
    """The purpose stated for this weapon and until when it holds, or ("", now) if none."""
    now = clock.now()
    grants: dict[str, dict[str, str]] = session.get(SESSION_KEY, {})
    entry = grants.get(str(weapon_id))
    if entry is None:
        return "", now
    until = dt.datetime.fromisoformat(entry["until"])
    if until <= now:
        session[SESSION_KEY] = {k: v for k, v in grants.items() if k != str(weapon_id)}
        return "", now
    return entry["purpose"], until
