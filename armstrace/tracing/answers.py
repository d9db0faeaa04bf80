"""The content of an answer drafted from the registry (normative reference b3).

A draft holds the search candidates and, for the chosen weapon, its supply chain from the
registry's events, the last legal record and whether the point of diversion is
established. Two queries read the weapon and its events, whatever the chain's length.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from armstrace.registry.choices import EventKind, PartyKind
from armstrace.registry.models import Event, Party, Weapon
from armstrace.registry.selectors import timeline

DIVERSION = frozenset({EventKind.LOST, EventKind.STOLEN})
CUSTODY = frozenset({EventKind.FOUND, EventKind.SEIZED, EventKind.SURRENDERED, EventKind.RECOVERED})
PERSONAL = frozenset({PartyKind.INDIVIDUAL})  # names national law may require us to withhold
REDACTED = "[redacted]"


def _party(party: Party | None) -> dict[str, Any] | None:
    if party is None:
        return None
    return {
        "name": party.name,
        "kind": party.kind,
        "licence_number": party.licence_number,
        "personal": party.kind in PERSONAL,
    }


def _link(event: Event) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "event": event.kind,
        "date": event.occurred_on.isoformat(),
        "place": event.place,
        "country": event.country_id or "",
        "counterpart_country": event.counterpart_country_id or "",
        "from": _party(event.from_party),
        "to": _party(event.to_party),
        "licence_number": event.licence_number,
        "document_ref": event.document_ref,
        "status_after": event.status_after,
    }


def _weapon(weapon: Weapon) -> dict[str, Any]:
    return {
        "id": str(weapon.pk),
        "serial_number": weapon.serial_number,
        "manufacturer": weapon.manufacturer_name,
        "model": weapon.model,
        "calibre": weapon.calibre,
        "weapon_type": weapon.weapon_type,
        "country_of_manufacture": weapon.country_of_manufacture_id or "",
        "year_of_manufacture": weapon.year_of_manufacture,
        "import_country": weapon.import_country_id or "",
        "import_year": weapon.import_year,
        "status": weapon.status,
    }


def outcome(chain: list[dict[str, Any]]) -> dict[str, Any]:
    """The last legal record and the point of diversion, read backwards from the end: the
    trailing run of loss, theft and recovery events is the illicit part of the chain."""
    tail: list[dict[str, Any]] = []
    last_legal = None
    for link in reversed(chain):
        if link["event"] in DIVERSION | CUSTODY:
            tail.append(link)
            continue
        last_legal = link
        break
    diversion = next((link for link in reversed(tail) if link["event"] in DIVERSION), None)
    leads_to = ""
    if diversion is not None:
        reported = (
            _("Reported lost on %(date)s (registry record).")
            if diversion["event"] == EventKind.LOST
            else _("Reported stolen on %(date)s (registry record).")
        )
        how = reported % {"date": diversion["date"]}
    elif last_legal is not None and last_legal["event"] == EventKind.EXPORTED:
        leads_to = last_legal["counterpart_country"]
        how = _("The chain leads to %(state)s: a follow-up request to that state is needed.") % {
            "state": leads_to
        }
    else:
        how = _("No loss or theft on record after the last legal holder; ask that holder.")
    return {
        "last_legal_record": _last_legal(last_legal),
        "point_of_diversion": {
            "established": diversion is not None,
            "how": how,
            "event": diversion["event"] if diversion else "",
            "date": diversion["date"] if diversion else "",
        },
        "leads_to_state": leads_to,
    }


def _last_legal(link: dict[str, Any] | None) -> dict[str, Any] | None:
    if link is None:
        return None
    holder = link["to"] or link["from"]
    return {
        "event": link["event"],
        "date": link["date"],
        "status": link["status_after"],
        "holder": holder,
        "country": link["counterpart_country"] or link["country"],
    }


def build_draft(
    candidates: list[dict[str, Any]], message: str, weapon: Weapon | None, *, chosen_by_user: bool
) -> dict[str, Any]:
    draft: dict[str, Any] = {
        "candidates": candidates,
        "search_message": message,
        "chosen": ("by_user" if chosen_by_user else "automatic") if weapon else "none",
        "weapon": None,
        "supply_chain": [],
        "last_legal_record": None,
        "point_of_diversion": {"established": False, "how": "", "event": "", "date": ""},
        "leads_to_state": "",
    }
    if weapon is None:
        draft["point_of_diversion"]["how"] = _("No weapon chosen: review the candidates.")
        return draft
    chain = [_link(event) for event in timeline(weapon)]
    draft.update(weapon=_weapon(weapon), supply_chain=chain, **outcome(chain))
    return draft


def redact(draft: dict[str, Any]) -> dict[str, Any]:
    """A copy without the names of natural persons; companies and licences stay."""

    def scrub(value: Any) -> Any:
        if isinstance(value, dict):
            if value.get("personal"):
                return {**value, "name": REDACTED, "licence_number": REDACTED}
            return {key: scrub(item) for key, item in value.items()}
        if isinstance(value, list):
            return [scrub(item) for item in value]
        return value

    result: dict[str, Any] = scrub(draft)
    return result
