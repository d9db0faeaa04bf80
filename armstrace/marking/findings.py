"""Marking findings over many weapons: the badly marked, the imports without an import mark,
and the profile rules as data-quality rules. All computed on the fly, set-based."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from django.db.models import Exists, Min, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from armstrace.marking import profiles
from armstrace.marking.profiles import Finding, Rule
from armstrace.quality import rules as quality_rules
from armstrace.quality.choices import Profile as QualityProfile
from armstrace.quality.choices import Severity
from armstrace.registry.choices import EventKind, MarkRole
from armstrace.registry.models import Event, Mark, Weapon
from armstrace.registry.selectors import may_see_concealed

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from armstrace.accounts.models import User

UNMARKED = "M-UNMARKED"
UNMARKED_BASIS = "ITI para 8(a) [V]; PoA II.8 [UNCONFIRMED]"


def scan(
    weapons: QuerySet[Weapon], rules: Iterable[Rule]
) -> Iterator[tuple[uuid.UUID, list[Finding]]]:
    """(weapon id, findings) of every weapon with at least one finding, in id order."""
    chosen = list(rules)
    for facts in profiles.stream_facts(weapons, profiles.needs_of(chosen)):
        found = profiles.run_rules(facts, chosen)
        if found and facts.id is not None:
            yield facts.id, found


# --- unmarked or badly marked (M7) ---------------------------------------------------


def badly_marked(
    weapons: QuerySet[Weapon], profile_codes: Iterable[str] | None = None
) -> Iterator[tuple[uuid.UUID, list[Finding]]]:
    """Weapons with no serial and no mark, or failing an error-severity rule of the profiles
    (default: those switched on), with the reasons."""
    chosen = [r for r in profiles.rules_of(profile_codes) if r.severity == Severity.ERROR]
    needs = profiles.needs_of(chosen) | {profiles.MARKS}
    for facts in profiles.stream_facts(weapons, needs):
        found = profiles.run_rules(facts, chosen)
        if not facts.has_serial and not facts.marks:
            message = _("no serial number and no mark is recorded")
            found.insert(0, Finding(UNMARKED, Severity.ERROR.value, UNMARKED_BASIS, message))
        if found and facts.id is not None:
            yield facts.id, found


# --- imports without an import mark (M2) ----------------------------------------------


def has_import_mark(weapon: str) -> Exists:
    """The weapon named by the outer query's field `weapon` carries an import mark."""
    return Exists(Mark.objects.filter(weapon=OuterRef(weapon), role=MarkRole.IMPORT))


def missing_import_marks(weapons: QuerySet[Weapon]) -> QuerySet[Weapon]:
    """Imported weapons (an import country or year, or an import event) without an import
    mark, with the date of their first import event."""
    imported_event = Exists(Event.objects.filter(weapon=OuterRef("pk"), kind=EventKind.IMPORTED))
    import_mark = has_import_mark("pk")
    first_import = Min("events__occurred_on", filter=Q(events__kind=EventKind.IMPORTED))
    return (
        weapons.filter(
            Q(import_country__isnull=False) | Q(import_year__isnull=False) | Q(imported_event)
        )
        .exclude(import_mark)
        .annotate(imported_on=first_import)
        .order_by("serial_norm", "id")
    )


# --- concealed marks -----------------------------------------------------------------


def hidden_marks(user: User | AnonymousUser, rows: list[tuple[Weapon, list[Finding]]]) -> set[int]:
    """The concealed marks among the findings that the user may not see (one query)."""
    ids = {
        f.mark_id
        for weapon, found in rows
        if not may_see_concealed(user, weapon)
        for f in found
        if f.mark_id is not None
    }
    if not ids:
        return set()
    return set(Mark.objects.filter(pk__in=ids, concealed=True).values_list("pk", flat=True))


def visible_rows(
    user: User | AnonymousUser, rows: list[tuple[Weapon, list[Finding]]]
) -> list[tuple[Weapon, list[Finding]]]:
    """Each weapon's findings the user may see: none about a concealed mark without the
    registry's permission for the weapon's agency."""
    hidden = hidden_marks(user, rows)
    return [(weapon, [f for f in found if f.mark_id not in hidden]) for weapon, found in rows]


def visible_findings(
    user: User | AnonymousUser, weapon: Weapon, found: list[Finding]
) -> list[Finding]:
    return visible_rows(user, [(weapon, found)])[0][1]


# --- as data-quality rules -------------------------------------------------------------

# Marking profiles that have a quality profile of the same name; the others show under "all".
QUALITY_PROFILES = {"iti": QualityProfile.ITI, "eu": QualityProfile.EU}
_quality_rules: dict[str, quality_rules.Rule] = {}


def quality_rule(rule: Rule) -> quality_rules.Rule:
    """The marking rule as a quality rule: one streaming pass over the weapons."""
    if rule.code not in _quality_rules:

        def check(weapons: QuerySet[Weapon]) -> Iterator[tuple[uuid.UUID, str]]:
            for weapon_id, found in scan(weapons, [rule]):
                yield weapon_id, "; ".join(f.message for f in found)

        wanted = QUALITY_PROFILES.get(rule.profile)
        _quality_rules[rule.code] = quality_rules.Rule(
            rule.code,
            rule.title,
            rule.severity,
            rule.basis,
            frozenset({wanted}) if wanted else frozenset(),
            check,
        )
    return _quality_rules[rule.code]


def register_quality_rules(profile_codes: Iterable[str] | None = None) -> list[str]:
    """Add the rules of the profiles (default: those switched on) to the quality register."""
    codes = []
    for rule in profiles.rules_of(profile_codes):
        quality_rules.register(quality_rule(rule))
        codes.append(rule.code)
    return codes
