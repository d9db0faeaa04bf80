"""Pure policy: the life-cycle transition table and the retention floors (ITI para 12)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from armstrace.registry.choices import EventKind, PartyKind, RecordClass, Status
from armstrace.registry.exceptions import TransitionRefused

E, S = EventKind, Status
# UNKNOWN: a legacy record that names no holder; it is presumed still held by someone.
HELD = frozenset({S.MANUFACTURED, S.IN_STOCK, S.CIVILIAN, S.STATE_HOLDING, S.ISSUED, S.UNKNOWN})
TRADED = frozenset({S.MANUFACTURED, S.IN_STOCK, S.CIVILIAN, S.STATE_HOLDING, S.UNKNOWN})
CUSTODY = frozenset({S.FOUND, S.SEIZED, S.SURRENDERED, S.RECOVERED})
MISSING = frozenset({S.LOST, S.STOLEN})
EVERY_STATUS = frozenset(Status)

# Outcome markers: the new status follows the receiving party, or does not change.
BY_HOLDER = "by_holder"
UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[Status | None]  # None: the weapon's first event
    outcome: Status | str
    needs_to_party: bool = False
    needs_counterpart_country: bool = False


TABLE: dict[EventKind, Transition] = {
    # Without a receiving party the weapon's status is UNKNOWN (see next_status).
    E.REGISTERED: Transition(frozenset({None}), BY_HOLDER),
    E.MANUFACTURED: Transition(frozenset({None}), S.MANUFACTURED),
    E.IMPORTED: Transition(
        frozenset({None, S.EXPORTED, S.IN_TRANSIT}), BY_HOLDER, needs_to_party=True
    ),
    E.EXPORTED: Transition(TRADED | {S.IN_TRANSIT}, S.EXPORTED, needs_counterpart_country=True),
    E.IN_TRANSIT: Transition(TRADED | {None}, S.IN_TRANSIT),
    E.TRANSFERRED: Transition(TRADED | CUSTODY | {S.IN_TRANSIT}, BY_HOLDER, needs_to_party=True),
    E.ISSUED: Transition(frozenset({S.STATE_HOLDING}), S.ISSUED, needs_to_party=True),
    E.RETURNED: Transition(frozenset({S.ISSUED}), S.STATE_HOLDING, needs_to_party=True),
    E.LOST: Transition(HELD | {S.IN_TRANSIT}, S.LOST),
    E.STOLEN: Transition(HELD | {S.IN_TRANSIT}, S.STOLEN),
    # A weapon may be found or seized whatever the registry believed: that is a diversion.
    E.FOUND: Transition(EVERY_STATUS - CUSTODY - {S.DESTROYED} | {None}, S.FOUND),
    E.SEIZED: Transition(EVERY_STATUS - CUSTODY - {S.DESTROYED} | {None}, S.SEIZED),
    E.SURRENDERED: Transition(
        frozenset(
            {
                None,
                S.MANUFACTURED,
                S.IN_STOCK,
                S.CIVILIAN,
                S.UNKNOWN,
                S.LOST,
                S.STOLEN,
                S.DEACTIVATED,
            }
        ),
        S.SURRENDERED,
    ),
    E.RECOVERED: Transition(MISSING, S.RECOVERED),
    E.DEACTIVATED: Transition(HELD | CUSTODY, S.DEACTIVATED),
    E.CONVERTED: Transition(HELD, UNCHANGED),
    E.DESTROYED: Transition(HELD | CUSTODY | {S.DEACTIVATED}, S.DESTROYED),
    E.RECORDS_HANDED_OVER: Transition(EVERY_STATUS, UNCHANGED),
}

HOLDER_STATUS = {
    PartyKind.MANUFACTURER: S.IN_STOCK,
    PartyKind.IMPORTER: S.IN_STOCK,
    PartyKind.EXPORTER: S.IN_STOCK,
    PartyKind.DEALER: S.IN_STOCK,
    PartyKind.STATE_UNIT: S.STATE_HOLDING,
    PartyKind.INDIVIDUAL: S.CIVILIAN,
    PartyKind.COMPANY: S.CIVILIAN,
}
STATE_UNIT_EVENTS = frozenset({E.ISSUED, E.RETURNED})
# Events after which the weapon has no holder in this country.
CLEARS_HOLDER = frozenset({E.DESTROYED})
FIRST_EVENTS = frozenset(kind for kind, t in TABLE.items() if None in t.sources)


def allowed(status: Status | None, kind: EventKind) -> bool:
    return status in TABLE[kind].sources


def next_status(
    status: Status | None, kind: EventKind, *, to_party_kind: str | None = None
) -> Status:
    """The status after `kind`, or TransitionRefused saying why not."""
    transition = TABLE[kind]
    if status not in transition.sources:
        if status is None:
            raise TransitionRefused(
                _("A weapon cannot enter the registry by '%(event)s'; start with one of: %(first)s")
                % {"event": kind.label, "first": ", ".join(sorted(str(k) for k in FIRST_EVENTS))}
            )
        raise TransitionRefused(
            _("A weapon whose status is '%(status)s' cannot be '%(event)s'.")
            % {"status": Status(status).label, "event": kind.label}
        )
    if transition.outcome == UNCHANGED:
        assert status is not None
        return Status(status)
    if transition.outcome == BY_HOLDER:
        if to_party_kind is None and kind == E.REGISTERED:
            return S.UNKNOWN
        if to_party_kind is None:
            raise TransitionRefused(
                _("'%(event)s' needs the receiving party.") % {"event": kind.label}
            )
        return HOLDER_STATUS[PartyKind(to_party_kind)]
    return Status(transition.outcome)


def registered_status(stated: Status | None, holder_kind: str | None) -> Status:
    """A legacy record's status on entry: as the source states it, else from its holder."""
    if stated is not None:
        return stated
    return next_status(None, E.REGISTERED, to_party_kind=holder_kind)


# Retention (ITI para 12): floors in years; no policy may go below them.
MANUFACTURE_FLOOR_YEARS = 30
OTHER_FLOOR_YEARS = 20
EU_YEARS_AFTER_DESTRUCTION = 30  # Directive (EU) 2021/555 art. 4(5)


class RetentionPolicy:
    INDEFINITE = "indefinite"
    ITI = "iti"
    EU = "eu"
    ALL = (INDEFINITE, ITI, EU)


def identity_record_date(year_of_manufacture: int | None, registered_at: dt.datetime) -> dt.date:
    """The weapon's own record runs from the end of its year of manufacture, else from the
    day it was registered."""
    if year_of_manufacture:
        return dt.date(year_of_manufacture, 12, 31)
    return registered_at.date()


def record_class(kind: EventKind | None) -> RecordClass:
    """The weapon's identity record (kind None) and its manufacture belong to one class."""
    if kind is None or kind == E.MANUFACTURED:
        return RecordClass.MANUFACTURE
    return RecordClass.OTHER


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def floor_date(cls: RecordClass, record_date: dt.date) -> dt.date:
    years = MANUFACTURE_FLOOR_YEARS if cls == RecordClass.MANUFACTURE else OTHER_FLOOR_YEARS
    return add_years(record_date, years)


def earliest_purge_date(
    policy: str, cls: RecordClass, record_date: dt.date, destroyed_on: dt.date | None
) -> dt.date | None:
    """The first day a record may lawfully be purged, or None if it must be kept."""
    if policy == RetentionPolicy.INDEFINITE:
        return None
    floor = floor_date(cls, record_date)
    if policy == RetentionPolicy.ITI:
        return floor
    if policy == RetentionPolicy.EU:
        if destroyed_on is None:
            return None
        return max(floor, add_years(destroyed_on, EU_YEARS_AFTER_DESTRUCTION))
    raise ValueError(f"unknown retention policy {policy!r}")
