"""Data-quality rules (mission R9): minimum content and automated checks for incompatible data.

Each rule is a named function over a Weapon queryset that yields `(weapon_id, detail)` for
every failing record. Rules work on sets: a few queries filtered in the database, or one
streaming pass in chunks of `CHUNK` records; never one query per weapon, so they run over
a registry of millions. The register is open: another app (marking) adds its checks with
`@rule(...)` or `register(Rule(...))`.

Severity follows the force of the provision: error where the instrument says the state
"will" keep the data, warning where it asks "to the extent possible" or where the data is
only suspicious. Legal bases cite docs/normative-reference.md (its UNCONFIRMED paragraph
numbers stay marked as such in docs/domain/quality.md).
"""

from __future__ import annotations

import functools
import operator
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Lower
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from armstrace.core import clock
from armstrace.quality.choices import Profile, Severity
from armstrace.reference.identify import Index, get_index
from armstrace.reference.models import Calibre, Manufacturer
from armstrace.reference.normalise import compact_key
from armstrace.registry import rules as registry_rules
from armstrace.registry.choices import EventKind, MarkRole, Status
from armstrace.registry.models import Event, Mark, Party, Weapon

Failure = tuple[uuid.UUID, str]
Check = Callable[[QuerySet[Weapon]], Iterator[Failure]]

CHUNK = 5000  # records per query when streaming: bounded memory, few round trips
IN_BATCH = 500  # values per IN (...) list: well under SQLite's bound-parameter limit
BOTH = frozenset({Profile.ITI, Profile.EU})


@dataclass(frozen=True)
class Rule:
    code: str
    title: str | Promise
    severity: Severity
    basis: str  # the legal basis, e.g. "ITI para 8(a)"
    profiles: frozenset[str]
    check: Check

    def failures(self, weapons: QuerySet[Weapon]) -> Iterator[Failure]:
        return self.check(weapons)


RULES: dict[str, Rule] = {}


def register(new: Rule) -> Rule:
    """Add a rule to the register; codes are unique."""
    known = RULES.get(new.code)
    if known is not None and known.check is not new.check:
        raise ValueError(f"a quality rule {new.code!r} is already registered")
    RULES[new.code] = new
    return new


def unregister(code: str) -> None:
    RULES.pop(code, None)


def rule(
    *,
    code: str,
    title: str | Promise,
    severity: Severity,
    basis: str,
    profiles: Iterable[str] = BOTH,
) -> Callable[[Check], Check]:
    def decorate(check: Check) -> Check:
        register(Rule(code, title, severity, basis, frozenset(profiles), check))
        return check

    return decorate


def rules_for(profile: str) -> list[Rule]:
    """The rules of a profile, in the order they were registered."""
    if profile == Profile.ALL:
        return list(RULES.values())
    return [r for r in RULES.values() if profile in r.profiles]


def get_rule(code: str) -> Rule | None:
    return RULES.get(code)


# --- helpers --------------------------------------------------------------------------


def stream(weapons: QuerySet[Weapon], *fields: str) -> Iterator[tuple[Any, ...]]:
    """(id, *fields) of every weapon, in id order, read CHUNK rows at a time from one query.
    One query, not keyset pages: a page query that the planner serves from another index
    (status, calibre) would sort all matching rows again for every page."""
    rows = weapons.order_by("id").values_list("id", *fields)
    yield from rows.iterator(chunk_size=CHUNK)


def _any(conditions: Iterable[Q]) -> Q:
    return functools.reduce(operator.or_, conditions)


def _batches(values: list[Any], size: int = IN_BATCH) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _events_of(weapons: QuerySet[Weapon]) -> QuerySet[Event]:
    if not weapons.query.where:  # the whole registry: no need for a sub-query
        return Event.objects.all()
    return Event.objects.filter(weapon__in=weapons.values("id"))


def _absent(field: str, blank: Q) -> Q:
    """Missing: neither resolved nor kept as written among the unresolved values."""
    return blank & ~Q(unresolved__has_key=field)


# --- 1. minimum content -----------------------------------------------------------------

# field -> (label, condition that the field is missing)
ITI_CONTENT: dict[str, tuple[str | Promise, Q]] = {
    "serial_number": (gettext_lazy("serial number"), Q(serial_norm="")),
    "manufacturer": (
        gettext_lazy("manufacturer"),
        _absent("manufacturer_name", Q(manufacturer_name="", manufacturer__isnull=True)),
    ),
    "country_of_manufacture": (
        gettext_lazy("country of manufacture"),
        _absent("country_of_manufacture", Q(country_of_manufacture__isnull=True)),
    ),
    "weapon_type": (gettext_lazy("type"), _absent("weapon_type", Q(weapon_type=""))),
    "calibre": (gettext_lazy("calibre"), _absent("calibre", Q(calibre=""))),
    "model": (gettext_lazy("model"), Q(model="")),
}
# Statuses in which someone holds the weapon: the EU record names them (art. 4(5)(c)).
HOLDING_STATUSES = sorted(registry_rules.HELD)
EU_CONTENT: dict[str, tuple[str | Promise, Q]] = {
    "weapon_type": ITI_CONTENT["weapon_type"],
    "make": (gettext_lazy("make"), ITI_CONTENT["manufacturer"][1]),
    "model": ITI_CONTENT["model"],
    "calibre": ITI_CONTENT["calibre"],
    "serial_number": ITI_CONTENT["serial_number"],
    "holder": (
        gettext_lazy("holder or supplier"),
        Q(status__in=HOLDING_STATUSES, holder__isnull=True),
    ),
}


def missing_content(
    weapons: QuerySet[Weapon], content: dict[str, tuple[str | Promise, Q]]
) -> Iterator[Failure]:
    """Records lacking any field of `content`; the database says which ones, per record."""
    flags = {
        f"missing_{name}": ExpressionWrapper(missing, output_field=BooleanField())
        for name, (_label, missing) in content.items()
    }
    failing = weapons.filter(_any(missing for _label, missing in content.values()))
    labels = [label for label, _missing in content.values()]
    for row in stream(failing.annotate(**flags), *flags):
        names = [str(label) for label, flag in zip(labels, row[1:], strict=True) if flag]
        yield row[0], _("missing: %(fields)s") % {"fields": ", ".join(names)}


@rule(
    code="Q-ITI-MIN",
    title=gettext_lazy("Minimum content (ITI baseline)"),
    severity=Severity.ERROR,
    basis="ITI para 8(a), 11; MOSAIC 05.30",
    profiles={Profile.ITI},
)
def iti_minimum_content(weapons: QuerySet[Weapon]) -> Iterator[Failure]:
    """Serial, manufacturer, country of manufacture, type, calibre and model."""
    return missing_content(weapons, ITI_CONTENT)


@rule(
    code="Q-EU-MIN",
    title=gettext_lazy("Minimum content (EU Directive 2021/555)"),
    severity=Severity.ERROR,
    basis="Directive (EU) 2021/555 art. 4(5)(a), (c)",
    profiles={Profile.EU},
)
def eu_minimum_content(weapons: QuerySet[Weapon]) -> Iterator[Failure]:
    """Type, make, model, calibre, serial; and the holder's name while someone holds it."""
    return missing_content(weapons, EU_CONTENT)


# --- 2. unresolved reference values ------------------------------------------------------

UNRESOLVED_LABELS: dict[str, str | Promise] = {
    "manufacturer_name": gettext_lazy("manufacturer"),
    "country_of_manufacture": gettext_lazy("country of manufacture"),
    "calibre": gettext_lazy("calibre"),
    "weapon_type": gettext_lazy("type"),
    "import_country": gettext_lazy("country of import"),
}


@rule(
    code="Q-UNRESOLVED",
    title=gettext_lazy("Values not found in the reference data"),
    severity=Severity.WARNING,
    basis="ITI para 11 (accurate records); mission R7, R9",
)
def unresolved_values(weapons: QuerySet[Weapon]) -> Iterator[Failure]:
    for weapon_id, unresolved in stream(weapons.exclude(unresolved={}), "unresolved"):
        if not unresolved:
            continue
        parts = [
            f"{UNRESOLVED_LABELS.get(name, name)}: '{value}'"
            for name, value in sorted(unresolved.items())
        ]
        yield weapon_id, _("not resolved: %(values)s") % {"values": "; ".join(parts)}


# --- 3. a calibre the model family never used --------------------------------------------


def family_calibres(index: Index) -> dict[int, set[int]]:
    """Per design: its own calibres and those of every variant (licensed copies included)."""
    families: dict[int, set[int]] = defaultdict(set)
    for design_id, options in index.options.items():
        families[design_id] |= index.design_calibres.get(design_id, set())
        for option in options:
            if option.variant_id is not None:
                families[design_id] |= index.variant_calibres.get(option.variant_id, set())
    return families


def _related_calibres() -> dict[int, set[int]]:
    """Calibres the reference data relates (.223 Remington and 5.56x45): not a contradiction."""
    related: dict[int, set[int]] = defaultdict(set)
    for left, right in Calibre.related.through.objects.values_list(
        "from_calibre_id", "to_calibre_id"
    ):
        related[left].add(right)
        related[right].add(left)
    return related


@rule(
    code="Q-CALIBRE-FAMILY",
    title=gettext_lazy("Calibre never used by the model family"),
    severity=Severity.WARNING,
    basis="ITI para 11; mission R9 (incompatible data), T10",
)
def calibre_outside_family(weapons: QuerySet[Weapon]) -> Iterator[Failure]:
    """Only where both the model and the calibre resolved to reference data. A model name
    shared by several families (M4: the carbine and the Carl Gustaf) allows all their calibres."""
    index = get_index()
    families = family_calibres(index)
    related = _related_calibres()
    candidates = weapons.filter(calibre_ref__isnull=False).exclude(model="")
    bad: dict[tuple[str, int], str] = {}
    for model, calibre_id in (
        candidates.values_list("model", "calibre_ref_id").order_by().distinct()
    ):
        designs = sorted({design for design, _variant in index.models.get(compact_key(model), ())})
        allowed = set().union(*(families.get(d, set()) for d in designs)) if designs else set()
        if not allowed:
            continue  # model not resolved, or no calibre known for its family
        if calibre_id in allowed or related.get(calibre_id, set()) & allowed:
            continue
        bad[(model, calibre_id)] = _("%(calibre)s was never made in the %(family)s (%(known)s)") % {
            "calibre": index.calibre_names.get(calibre_id, ("", str(calibre_id)))[1],
            "family": " / ".join(index.design_names.get(d, "?") for d in designs),
            "known": ", ".join(sorted(index.calibre_names[c][1] for c in allowed)),
        }
    if not bad:
        return
    suspects = candidates.filter(calibre_ref_id__in=sorted({c for _m, c in bad}))
    for weapon_id, model, calibre_id in stream(suspects, "model", "calibre_ref_id"):
        detail = bad.get((model, calibre_id))
        if detail is not None:
            yield weapon_id, detail


# --- 4. a serial unlike the manufacturer's known formats ---------------------------------

# A maker's formats are learnt only from a maker with at least MIN_MAKER_RECORDS serials,
# and a shape is rare when at most RARE_SHARE of them have it. With 100 records a shape
# seen once (1 %) is flagged; with 10,000 records, shapes seen up to 100 times. Below 100
# records a maker's formats cannot be told from noise, so nothing is flagged. The values
# come from how serials go wrong (a letter O for a zero, a dropped or doubled character),
# which yields shapes seen on a handful of records among a maker's thousands; see
# docs/domain/quality.md.
MIN_MAKER_RECORDS = 100
RARE_SHARE = 0.01


def serial_shape(serial_norm: str) -> str:
    """Letters become A, digits 9: 'AB12345' -> 'AA99999'."""
    return "".join("9" if ch.isdigit() else "A" if ch.isalpha() else ch for ch in serial_norm)


MakerKey = tuple[str, int]  # ("ref", reference manufacturer) or ("party", registry party)


def _maker_key(ref_id: int | None, party_id: int) -> MakerKey:
    return ("ref", ref_id) if ref_id is not None else ("party", party_id)


def _maker_names(keys: Iterable[MakerKey]) -> dict[MakerKey, str]:
    keys = list(keys)
    refs = [k[1] for k in keys if k[0] == "ref"]
    parties = [k[1] for k in keys if k[0] == "party"]
    names: dict[MakerKey, str] = {}
    for batch in _batches(refs):
        names |= {
            ("ref", pk): n
            for pk, n in Manufacturer.objects.filter(pk__in=batch).values_list("pk", "name")
        }
    for batch in _batches(parties):
        names |= {
            ("party", pk): n
            for pk, n in Party.objects.filter(pk__in=batch).values_list("pk", "name")
        }
    return names


@rule(
    code="Q-SERIAL-SHAPE",
    title=gettext_lazy("Serial unlike the manufacturer's known formats"),
    severity=Severity.WARNING,
    basis="ITI para 8(a), 11; mission R9 (incompatible data), T10",
)
def unusual_serial_shape(weapons: QuerySet[Weapon]) -> Iterator[Failure]:
    """Learns each maker's serial shapes from the registry itself, in one streaming pass."""
    with_maker = weapons.filter(manufacturer__isnull=False).exclude(serial_norm="")
    totals: Counter[MakerKey] = Counter()
    for ref_id, party_id, n in (
        with_maker.values_list("manufacturer__manufacturer_ref_id", "manufacturer_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        totals[_maker_key(ref_id, party_id)] += n
    caps = {key: int(n * RARE_SHARE) for key, n in totals.items() if n >= MIN_MAKER_RECORDS}
    if not caps:
        return
    shapes: dict[MakerKey, Counter[str]] = defaultdict(Counter)
    # Records of shapes still rare so far; a shape that grows past its cap is forgotten.
    rare_ids: dict[tuple[MakerKey, str], list[tuple[uuid.UUID, str]]] = defaultdict(list)
    rows = stream(with_maker, "manufacturer__manufacturer_ref_id", "manufacturer_id", "serial_norm")
    for weapon_id, ref_id, party_id, serial in rows:
        key = _maker_key(ref_id, party_id)
        if key not in caps:
            continue
        shape = serial_shape(serial)
        shapes[key][shape] += 1
        if shapes[key][shape] <= caps[key]:
            rare_ids[(key, shape)].append((weapon_id, serial))
        else:
            rare_ids.pop((key, shape), None)
    names = _maker_names({key for key, _shape in rare_ids})
    for (key, shape), found in sorted(rare_ids.items(), key=lambda item: item[1][0][0]):
        usual, usual_count = shapes[key].most_common(1)[0]
        detail = _(
            "serial shape %(shape)s is found on %(n)d of %(total)d records of %(maker)s; "
            "the usual shape is %(usual)s (%(share)d%%)"
        ) % {
            "shape": shape,
            "n": shapes[key][shape],
            "total": totals[key],
            "maker": names.get(key, "?"),
            "usual": usual,
            "share": round(100 * usual_count / totals[key]),
        }
        for weapon_id, _serial in found:
            yield weapon_id, detail


# --- 5. dates in impossible order --------------------------------------------------------


@rule(
    code="Q-DATE-ORDER",
    title=gettext_lazy("Dates in impossible order"),
    severity=Severity.ERROR,
    basis="ITI para 11 (accurate records); mission R9 (incompatible data)",
)
def impossible_dates(weapons: QuerySet[Weapon]) -> Iterator[Failure]:
    """Imported before it was made, an event before the year of manufacture, a future date."""
    today = clock.today()
    found: dict[uuid.UUID, list[str]] = defaultdict(list)
    for weapon_id, made, imported in weapons.filter(
        import_year__lt=F("year_of_manufacture")
    ).values_list("id", "year_of_manufacture", "import_year"):
        found[weapon_id].append(
            _("imported in %(imported)d, before it was made (%(made)d)")
            % {"imported": imported, "made": made}
        )
    for weapon_id, made, imported in weapons.filter(
        Q(year_of_manufacture__gt=today.year) | Q(import_year__gt=today.year)
    ).values_list("id", "year_of_manufacture", "import_year"):
        for year in (made, imported):
            if year is not None and year > today.year:
                found[weapon_id].append(_("year %(year)d is in the future") % {"year": year})
    events = _events_of(weapons)
    for weapon_id, made, first in (
        events.filter(occurred_on__year__lt=F("weapon__year_of_manufacture"))
        .values_list("weapon_id", "weapon__year_of_manufacture")
        .annotate(first=Min("occurred_on"))
        .order_by()
    ):
        found[weapon_id].append(
            _("an event dated %(day)s, before the year of manufacture (%(made)d)")
            % {"day": first.isoformat(), "made": made}
        )
    for weapon_id, first in (
        events.filter(occurred_on__gt=today)
        .values_list("weapon_id")
        .annotate(first=Min("occurred_on"))
        .order_by()
    ):
        found[weapon_id].append(
            _("an event dated %(day)s, in the future") % {"day": first.isoformat()}
        )
    for weapon_id in sorted(found):
        yield weapon_id, "; ".join(found[weapon_id])


# --- 6. the same serial twice for one manufacturer and model -----------------------------


def _identity(weapons: QuerySet[Weapon]) -> QuerySet[Weapon]:
    """The maker as the reference manufacturer when resolved, else the party, else the name
    as written; the model case-insensitive."""
    return weapons.annotate(
        maker_ref=F("manufacturer__manufacturer_ref_id"),
        maker_party=Case(
            When(manufacturer__manufacturer_ref__isnull=True, then=F("manufacturer_id")),
            default=Value(None),
        ),
        maker_name=Case(
            When(manufacturer__isnull=True, then=Lower("manufacturer_name")), default=Value("")
        ),
        model_key=Lower("model"),
    )


IDENTITY = ("maker_ref", "maker_party", "maker_name", "model_key", "serial_norm")


@rule(
    code="Q-DUPLICATE",
    title=gettext_lazy("Same serial twice for one manufacturer and model"),
    severity=Severity.ERROR,
    basis="ITI para 8(a) (unique marking); Directive (EU) 2021/555 art. 4(5)(a)",
)
def duplicate_serials(weapons: QuerySet[Weapon]) -> Iterator[Failure]:
    candidates = _identity(weapons.exclude(serial_norm=""))
    groups = {
        tuple(row[:-1]): row[-1]
        for row in candidates.values_list(*IDENTITY)
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by()
    }
    serials = sorted({key[-1] for key in groups})
    for batch in _batches(serials):
        for row in stream(candidates.filter(serial_norm__in=batch), *IDENTITY, "model"):
            key, model = tuple(row[1:-1]), row[-1]
            if key in groups:
                yield (
                    row[0],
                    _(
                        "serial %(serial)s is on %(n)d records of the same manufacturer and "
                        "model (%(model)s)"
                    )
                    % {"serial": key[-1], "n": groups[key], "model": model or "—"},
                )


# --- 7. and 8. marks the status or history calls for --------------------------------------


def _has_mark(role: str) -> Exists:
    return Exists(Mark.objects.filter(weapon=OuterRef("pk"), role=role))


@rule(
    code="Q-IMPORT-MARK",
    title=gettext_lazy("Imported weapon without an import mark"),
    severity=Severity.WARNING,
    basis="ITI para 8(b); Firearms Protocol art. 8(1)(b)",
)
def import_without_mark(weapons: QuerySet[Weapon]) -> Iterator[Failure]:
    imported_event = Exists(Event.objects.filter(weapon=OuterRef("pk"), kind=EventKind.IMPORTED))
    imported = Q(import_country__isnull=False) | Q(import_year__isnull=False) | Q(imported_event)
    failing = weapons.filter(imported).exclude(_has_mark(MarkRole.IMPORT))
    for weapon_id, country, year in stream(failing, "import_country_id", "import_year"):
        known = " ".join(str(v) for v in (country, year) if v) or _("import event")
        yield weapon_id, _("imported (%(known)s) but no import mark is recorded") % {"known": known}


STATE_HELD = (Status.STATE_HOLDING, Status.ISSUED)


@rule(
    code="Q-STATE-MARK",
    title=gettext_lazy("State-held weapon without a state-ownership mark"),
    severity=Severity.WARNING,
    basis="ITI para 8(d) [numbering UNCONFIRMED]; PoA II.10",
)
def state_held_without_mark(weapons: QuerySet[Weapon]) -> Iterator[Failure]:
    failing = weapons.filter(status__in=STATE_HELD).exclude(_has_mark(MarkRole.STATE_OWNERSHIP))
    for weapon_id, status in stream(failing, "status"):
        yield (
            weapon_id,
            _("status '%(status)s' but no state-ownership mark is recorded")
            % {"status": Status(status).label},
        )
