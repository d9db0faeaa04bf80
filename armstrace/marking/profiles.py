"""Marking profiles: the mechanically checkable marking rules of each instrument.

A state switches profiles on with the setting `ARMSTRACE_MARKING_PROFILES` (comma-separated
codes, default "iti"); several may be on at once. Each rule is a named check with a
severity and a legal basis taken from docs/normative-reference.md section (c); paragraph
numbers that document marks UNCONFIRMED stay marked so here.

Rules are pure functions over `WeaponFacts`, a snapshot of a weapon with its marks,
installed components and events. `stream_facts` builds the snapshots for a whole queryset
with a constant number of queries (the weapons and each related table are read once,
ordered by weapon id, and merged), so the same rules serve one weapon page and a quality
run over millions of records.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Case, Count, QuerySet, Value, When
from django.db.models.functions import Lower
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from armstrace.core.exceptions import DomainValidationError
from armstrace.core.text import SEPARATORS, normalise_serial
from armstrace.quality.choices import Severity
from armstrace.quality.rules import stream
from armstrace.registry.choices import ComponentType, EventKind, MarkRole, Status
from armstrace.registry.models import Component, Event, Mark, Weapon

DEFAULT_PROFILES = "iti"

# --- facts ------------------------------------------------------------------------------

MARKS, COMPONENTS, EVENTS, DUPLICATES = "marks", "components", "events", "duplicates"
EVERYTHING = frozenset({MARKS, COMPONENTS, EVENTS, DUPLICATES})

STRUCTURAL = frozenset(
    {
        ComponentType.FRAME,
        ComponentType.RECEIVER,
        ComponentType.UPPER_RECEIVER,
        ComponentType.LOWER_RECEIVER,
    }
)
# Directive (EU) 2021/555 art. 1(1)(2): the essential components.
ESSENTIAL = frozenset(ComponentType) - {ComponentType.OTHER}
# What registries write where no serial could be read; not a unique marking (M7).
PLACEHOLDER_SERIALS = frozenset(
    {"UNKNOWN", "UNK", "NONE", "NIL", "NA", "NOSERIAL", "NOSN", "UNMARKED", "OBLITERATED"}
)
STATE_HELD = frozenset({Status.STATE_HOLDING, Status.ISSUED})


@dataclass(frozen=True)
class MarkFacts:
    id: int
    role: str
    text: str
    component_type: str = ""  # '' when the mark is on the weapon as a whole
    location: str = ""
    concealed: bool = False  # seen only with registry:mark:concealed: never quoted


@dataclass(frozen=True)
class ComponentFacts:
    component_type: str
    serial_norm: str = ""


@dataclass(frozen=True)
class EventFacts:
    kind: str
    occurred_on: dt.date
    status_before: str = ""
    status_after: str = ""


@dataclass(frozen=True)
class WeaponFacts:
    """What the rules read of one weapon. Components are the installed ones only."""

    id: uuid.UUID | None
    serial_number: str
    manufacturer_name: str = ""
    manufacturer_licence: str = ""
    country_of_manufacture: str = ""
    model: str = ""
    calibre: str = ""
    year_of_manufacture: int | None = None
    import_country: str = ""
    import_year: int | None = None
    status: str = ""
    unresolved: frozenset[str] = frozenset()  # fields kept as written, not resolved
    marks: tuple[MarkFacts, ...] = ()
    components: tuple[ComponentFacts, ...] = ()
    events: tuple[EventFacts, ...] = ()
    duplicated: bool = False  # another record has the same maker and serial

    @property
    def serial_norm(self) -> str:
        return normalise_serial(self.serial_number)

    @property
    def has_serial(self) -> bool:
        return self.serial_norm not in PLACEHOLDER_SERIALS | {""}

    @property
    def imported(self) -> bool:
        return bool(
            self.import_country
            or self.import_year
            or any(e.kind == EventKind.IMPORTED for e in self.events)
        )

    def marks_of(self, role: str) -> list[MarkFacts]:
        return [m for m in self.marks if m.role == role]


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    legal_basis: str
    message: str
    mark_id: int | None = None


WEAPON_FIELDS = (
    "serial_number",
    "manufacturer_name",
    "manufacturer__licence_number",
    "country_of_manufacture_id",
    "model",
    "calibre",
    "year_of_manufacture",
    "import_country_id",
    "import_year",
    "status",
    "unresolved",
    "manufacturer_id",
)


class _Related:
    """Rows of a related table ordered by weapon id, handed out weapon by weapon while the
    weapons are read in the same order (a merge join)."""

    def __init__(self, rows: Iterable[tuple[Any, ...]]) -> None:
        self._groups = itertools.groupby(rows, key=operator.itemgetter(0))
        self._next = next(self._groups, None)

    def take(self, weapon_id: uuid.UUID) -> list[tuple[Any, ...]]:
        while self._next is not None and self._next[0] < weapon_id:
            self._next = next(self._groups, None)
        if self._next is None or self._next[0] != weapon_id:
            return []
        rows = [row[1:] for row in self._next[1]]
        self._next = next(self._groups, None)
        return rows


def _maker_key(manufacturer_id: int | None, name: str, serial_norm: str) -> tuple[Any, ...]:
    return (manufacturer_id, "" if manufacturer_id is not None else name.lower(), serial_norm)


def duplicate_keys(weapons: QuerySet[Weapon]) -> set[tuple[Any, ...]]:
    """(maker, serial) pairs held by more than one record in the whole registry, among the
    serials of `weapons`: one grouped query."""
    candidates = Weapon.objects.exclude(serial_norm__in=[*PLACEHOLDER_SERIALS, ""])
    if weapons.query.where:
        candidates = candidates.filter(serial_norm__in=weapons.values("serial_norm"))
    rows = (
        candidates.annotate(
            maker_name=Case(
                When(manufacturer__isnull=True, then=Lower("manufacturer_name")),
                default=Value(""),
            )
        )
        .values_list("manufacturer_id", "maker_name", "serial_norm")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by()
    )
    return {(maker, name, serial) for maker, name, serial, _n in rows}


def stream_facts(
    weapons: QuerySet[Weapon], needs: frozenset[str] = EVERYTHING
) -> Iterator[WeaponFacts]:
    """The facts of every weapon in `weapons`, in id order; one query per table needed."""
    ids = weapons.values("id")
    empty: list[tuple[Any, ...]] = []
    marks = _Related(
        Mark.objects.filter(weapon__in=ids)
        .order_by("weapon_id", "id")
        .values_list(
            "weapon_id", "id", "role", "text", "component__component_type", "location", "concealed"
        )
        .iterator()
        if MARKS in needs
        else empty
    )
    components = _Related(
        Component.objects.filter(weapon__in=ids, removed_on__isnull=True)
        .order_by("weapon_id", "id")
        .values_list("weapon_id", "component_type", "serial_norm")
        .iterator()
        if COMPONENTS in needs
        else empty
    )
    events = _Related(
        Event.objects.filter(weapon__in=ids)
        .order_by("weapon_id", "seq")
        .values_list("weapon_id", "kind", "occurred_on", "status_before", "status_after")
        .iterator()
        if EVENTS in needs
        else empty
    )
    duplicates = duplicate_keys(weapons) if DUPLICATES in needs else set()
    for row in stream(weapons, *WEAPON_FIELDS):
        weapon_id, serial, maker, licence, country, model, calibre, year = row[:8]
        import_country, import_year, status, unresolved, maker_id = row[8:]
        yield WeaponFacts(
            id=weapon_id,
            serial_number=serial,
            manufacturer_name=maker,
            manufacturer_licence=licence or "",
            country_of_manufacture=country or "",
            model=model,
            calibre=calibre,
            year_of_manufacture=year,
            import_country=import_country or "",
            import_year=import_year,
            status=status,
            unresolved=frozenset(unresolved or ()),
            marks=tuple(
                MarkFacts(pk, role, text, part or "", where, concealed)
                for pk, role, text, part, where, concealed in marks.take(weapon_id)
            ),
            components=tuple(ComponentFacts(*r) for r in components.take(weapon_id)),
            events=tuple(EventFacts(*r) for r in events.take(weapon_id)),
            duplicated=_maker_key(maker_id, maker, normalise_serial(serial)) in duplicates,
        )


def facts_for(weapon: Weapon) -> WeaponFacts:
    return next(stream_facts(Weapon.objects.filter(pk=weapon.pk)))


# --- alphabets ------------------------------------------------------------------------

MARK_SEPARATORS = SEPARATORS - {"\t"}
ARABIC_DIGITS = frozenset("0123456789")


def _script(ch: str) -> str:
    return unicodedata.name(ch, "").split(" ", 1)[0]


def _any_script(ch: str) -> bool:
    """ITI and Firearms Protocol: any script's letters and digits, Roman numerals, and simple
    geometric symbols (ITI para 8(a), Firearms Protocol art. 8(1)(a))."""
    category = unicodedata.category(ch)
    return (
        category.startswith("L")
        or category == "Nd"
        or unicodedata.name(ch, "").startswith("ROMAN NUMERAL")
        or 0x25A0 <= ord(ch) <= 0x25FF  # the Geometric Shapes block
    )


def _eu_alphabet(ch: str) -> bool:
    """Implementing Directive (EU) 2019/68 Annex: Latin, Cyrillic or Greek letters; Arabic
    or Roman numerals."""
    if ch in ARABIC_DIGITS or unicodedata.name(ch, "").startswith("ROMAN NUMERAL"):
        return True
    return unicodedata.category(ch).startswith("L") and _script(ch) in {
        "LATIN",
        "CYRILLIC",
        "GREEK",
    }


def _ascii_alphanumeric(ch: str) -> bool:
    """Roman (basic Latin) letters and Arabic numerals."""
    return ch.isascii() and ch.isalnum()


@dataclass(frozen=True)
class Alphabet:
    name: str | Promise
    allows: Callable[[str], bool]
    separators: frozenset[str] = MARK_SEPARATORS

    def outside(self, text: str) -> list[str]:
        """The characters of `text` the alphabet does not hold, each once, in order."""
        seen = dict.fromkeys(ch for ch in text if ch not in self.separators and not self.allows(ch))
        return list(seen)


ANY_SCRIPT = Alphabet(gettext_lazy("letters, digits and simple geometric symbols"), _any_script)
EU_ALPHABET = Alphabet(
    gettext_lazy("Latin, Cyrillic or Greek letters and Arabic or Roman numerals"), _eu_alphabet
)
US_SERIAL = Alphabet(
    gettext_lazy("Roman letters and Arabic numerals, with a hyphen"),
    _ascii_alphanumeric,
    frozenset("-"),
)
LATIN_CODE = Alphabet(
    gettext_lazy("Latin letters and Arabic numerals"), _ascii_alphanumeric, MARK_SEPARATORS
)


def describe(chars: list[str]) -> str:
    return ", ".join(f"“{ch}” (U+{ord(ch):04X})" for ch in chars)


# --- checks ---------------------------------------------------------------------------

Hit = tuple[str, int | None]  # the message, and the mark it concerns if any
Check = Callable[[WeaponFacts], Iterator[Hit]]


def _present(facts: WeaponFacts, field_name: str, value: object) -> bool:
    return bool(value) or field_name in facts.unresolved


def manufacture_marking(facts: WeaponFacts) -> Iterator[Hit]:
    """Manufacturer, country of manufacture and serial (ITI 8(a), rule M-1)."""
    missing = []
    if not _present(facts, "manufacturer_name", facts.manufacturer_name):
        missing.append(_("manufacturer"))
    if not _present(facts, "country_of_manufacture", facts.country_of_manufacture):
        missing.append(_("country of manufacture"))
    if not facts.has_serial:
        missing.append(_("serial number"))
    if missing:
        yield _("the manufacture marking lacks: %(fields)s") % {"fields": ", ".join(missing)}, None


def year_present(facts: WeaponFacts) -> Iterator[Hit]:
    if facts.year_of_manufacture is None:
        yield _("no year of manufacture is recorded"), None


def model_present(facts: WeaponFacts) -> Iterator[Hit]:
    if not facts.model.strip():
        yield _("no model is recorded"), None


def calibre_present(facts: WeaponFacts) -> Iterator[Hit]:
    if not _present(facts, "calibre", facts.calibre.strip()):
        yield _("no calibre is recorded"), None


def model_and_calibre(facts: WeaponFacts) -> Iterator[Hit]:
    yield from model_present(facts)
    yield from calibre_present(facts)


def serial_on_frame(facts: WeaponFacts) -> Iterator[Hit]:
    """Where the record says which parts carry the serial, one must be the frame or receiver
    (rule M-4). A record that says nothing about it is not flagged: that is an inspection."""
    carriers = {c.component_type for c in facts.components if c.serial_norm == facts.serial_norm}
    carriers |= {m.component_type for m in facts.marks_of(MarkRole.MANUFACTURE)}
    carriers.discard("")
    if carriers and not carriers & STRUCTURAL:
        parts = ", ".join(sorted(str(ComponentType(c).label) for c in carriers))
        yield (
            _("the serial is recorded on the %(parts)s, not on the frame or receiver")
            % {"parts": parts},
            None,
        )


def serial_unique(facts: WeaponFacts) -> Iterator[Hit]:
    if facts.duplicated and facts.has_serial:
        yield (
            _("another record of the same manufacturer carries serial %(serial)s")
            % {"serial": facts.serial_number},
            None,
        )


def components_serialised(facts: WeaponFacts) -> Iterator[Hit]:
    """Every essential component carries a serial or code (rule M-6)."""
    marked = {m.component_type for m in facts.marks}
    for component in facts.components:
        if (
            component.component_type in ESSENTIAL
            and not component.serial_norm
            and component.component_type not in marked
        ):
            label = ComponentType(component.component_type).label
            yield (
                _("the %(component)s carries no serial number or code") % {"component": label},
                None,
            )


def import_mark(facts: WeaponFacts) -> Iterator[Hit]:
    """An imported weapon carries an import mark (rule M-7)."""
    if facts.imported and not facts.marks_of(MarkRole.IMPORT):
        known = " ".join(str(v) for v in (facts.import_country, facts.import_year) if v)
        yield (
            _("imported (%(known)s) but no import mark is recorded")
            % {"known": known or _("import event")},
            None,
        )


def import_unique(facts: WeaponFacts) -> Iterator[Hit]:
    """An imported weapon without a unique marking gets one at import (rule M-8)."""
    if facts.imported and not facts.has_serial:
        yield _("imported without a unique serial; one must be assigned at import"), None


def import_mark_place(facts: WeaponFacts) -> Iterator[Hit]:
    """The import mark sits on the frame or receiver (rule M-9)."""
    for mark in facts.marks_of(MarkRole.IMPORT):
        if mark.component_type not in STRUCTURAL and not mark.location.strip():
            yield _("the import mark is not recorded on the frame or receiver"), mark.id


def state_to_civilian_mark(facts: WeaponFacts) -> Iterator[Hit]:
    """A weapon passed from state stocks to civilian use carries a mark of the transferring
    state (rule M-10); whether older marks already allow tracing is for an inspector."""
    passed = any(
        e.status_before in STATE_HELD and e.status_after == Status.CIVILIAN for e in facts.events
    )
    if passed and not facts.marks_of(MarkRole.STATE_TO_CIVILIAN):
        yield _("passed from state stocks to civilian use without a transfer mark"), None


def deactivation_mark(facts: WeaponFacts) -> Iterator[Hit]:
    deactivated = any(e.kind == EventKind.DEACTIVATED for e in facts.events)
    if deactivated and not facts.marks_of(MarkRole.DEACTIVATION):
        yield _("deactivated without a deactivation mark"), None


def alphabet_check(alphabet: Alphabet, *, serial_only: bool = False) -> Check:
    def check(facts: WeaponFacts) -> Iterator[Hit]:
        if chars := alphabet.outside(facts.serial_number):
            yield (
                _("the serial number has characters outside %(alphabet)s: %(chars)s")
                % {
                    "alphabet": alphabet.name,
                    "chars": describe(chars),
                },
                None,
            )
        if serial_only:
            return
        for mark in facts.marks:
            chars = alphabet.outside(mark.text)
            if chars and mark.concealed:  # say neither which mark nor which characters
                yield (
                    _("a mark has characters outside %(alphabet)s") % {"alphabet": alphabet.name},
                    mark.id,
                )
            elif chars:
                yield (
                    _("the %(role)s mark has characters outside %(alphabet)s: %(chars)s")
                    % {
                        "role": MarkRole(mark.role).label.lower(),
                        "alphabet": alphabet.name,
                        "chars": describe(chars),
                    },
                    mark.id,
                )

    return check


US_PREFIXED = re.compile(r"^(\d{8})-.+$")


def us_serial_format(facts: WeaponFacts) -> Iterator[Hit]:
    """A serial in the prefixed form starts with the first 3 and last 5 digits of the
    licensee's licence number (27 CFR 478.92(a)(1)(i))."""
    match = US_PREFIXED.match(facts.serial_number.strip())
    digits = "".join(ch for ch in facts.manufacturer_licence if ch.isdigit())
    if match is None or len(digits) < 8:
        return
    expected = digits[:3] + digits[-5:]
    if match.group(1) != expected:
        yield (
            _("the serial prefix %(prefix)s is not the licence number's %(expected)s")
            % {
                "prefix": match.group(1),
                "expected": expected,
            },
            None,
        )


# MOSAIC 05.30 structured code: ISO country, maker code, 2-digit year, 2-digit type/model
# code, serial, calibre code, separated by a hyphen, a slash or a space.
STRUCTURED_CODE = re.compile(
    r"^(?P<country>[A-Z]{2})[-/ ](?P<maker>[A-Z0-9]{1,6})[-/ ](?P<year>\d{2})[-/ ]?"
    r"(?P<type>\d{2})[-/ ](?P<serial>[A-Z0-9]+)[-/ ](?P<calibre>[A-Z0-9.]{1,8})$"
)


def parse_structured_code(text: str) -> dict[str, str] | None:
    """The parts of a MOSAIC 05.30 structured code, or None if `text` is not one."""
    match = STRUCTURED_CODE.match(text.strip().upper())
    return match.groupdict() if match else None


def structured_code(facts: WeaponFacts) -> Iterator[Hit]:
    marks = facts.marks_of(MarkRole.MANUFACTURE)
    if not marks:
        yield _("no manufacture mark is recorded to read a structured code from"), None
        return
    problems: list[Hit] = []
    for mark in marks:
        parts = parse_structured_code(mark.text)
        if parts is None:
            continue
        year = facts.year_of_manufacture
        if facts.country_of_manufacture and parts["country"] != facts.country_of_manufacture:
            problems.append((_("the code's country differs from the record"), mark.id))
        elif year is not None and parts["year"] != f"{year % 100:02d}":
            problems.append((_("the code's year differs from the record"), mark.id))
        else:
            return  # one mark follows the code and agrees with the record
    if not problems:
        problems.append(
            (_("no manufacture mark follows the structured code CC-MAKER-YYTT-SERIAL-CAL"), None)
        )
    yield from problems


# --- profiles -------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    code: str
    profile: str
    severity: Severity
    basis: str
    title: str | Promise
    check: Check
    needs: frozenset[str] = frozenset()

    def run(self, facts: WeaponFacts) -> list[Finding]:
        return [
            Finding(self.code, self.severity.value, self.basis, message, mark_id)
            for message, mark_id in self.check(facts)
        ]


@dataclass(frozen=True)
class MarkingProfile:
    code: str
    title: str | Promise
    rules: tuple[Rule, ...] = field(default=())


E, W = Severity.ERROR, Severity.WARNING
MC = frozenset({MARKS, COMPONENTS})
ME = frozenset({MARKS, EVENTS})
M = frozenset({MARKS})
D = frozenset({DUPLICATES})
ON_FRAME = gettext_lazy("Serial on the frame or receiver")
UNIQUE = gettext_lazy("Serial not duplicated for the manufacturer")
IMPORT_MARK = gettext_lazy("Import mark on imported weapons")
IMPORT_UNIQUE = gettext_lazy("Unique serial on imported weapons")
STATE_TRANSFER = gettext_lazy("Mark at transfer from state stocks to civilian use")
MANUFACTURE = gettext_lazy("Manufacturer, country and serial marked")
ALPHABET = gettext_lazy("Mark characters within the profile's alphabet")


def _profile(code: str, title: str | Promise, *rows: tuple[Any, ...]) -> MarkingProfile:
    prefix = f"M-{code.upper()}-"
    rules = tuple(
        Rule(prefix + name, code, severity, basis, rule_title, check, needs)
        for name, severity, basis, rule_title, check, needs in rows
    )
    return MarkingProfile(code, title, rules)


_NONE: frozenset[str] = frozenset()
PROFILES: dict[str, MarkingProfile] = {
    p.code: p
    for p in (
        _profile(
            "iti",
            gettext_lazy("International Tracing Instrument (baseline)"),
            ("MANUFACTURE-MARK", E, "ITI para 8(a) [V]", MANUFACTURE, manufacture_marking, _NONE),
            ("YEAR", W, "ITI para 8(a) [V] (encouraged)", gettext_lazy("Year of manufacture"),
             year_present, _NONE),
            ("MODEL-CALIBRE", W, "ITI para 8(a) [V] (encouraged)",
             gettext_lazy("Model and calibre"), model_and_calibre, _NONE),
            ("SERIAL-ON-FRAME", E, "ITI para 10 [UNCONFIRMED]", ON_FRAME, serial_on_frame, MC),
            ("SERIAL-UNIQUE", E, "ITI para 8(a) [V] (unique marking)", UNIQUE, serial_unique, D),
            ("IMPORT-MARK", W, "ITI para 8(b) [V] (to the extent possible)", IMPORT_MARK,
             import_mark, ME),
            ("IMPORT-UNIQUE", E, "ITI para 8(b) [V]", IMPORT_UNIQUE, import_unique, ME),
            ("STATE-TO-CIVILIAN", E, "ITI para 8(c) [UNCONFIRMED]", STATE_TRANSFER,
             state_to_civilian_mark, ME),
            ("MARK-ALPHABET", W, "ITI paras 7, 8(a) [V] (readable marks; simple symbols)",
             ALPHABET, alphabet_check(ANY_SCRIPT), M),
        ),
        _profile(
            "fp",
            gettext_lazy("UN Firearms Protocol"),
            ("MANUFACTURE-MARK", E, "Firearms Protocol art. 8(1)(a) [V]", MANUFACTURE,
             manufacture_marking, _NONE),
            ("SERIAL-UNIQUE", E, "Firearms Protocol art. 8(1)(a) [V]", UNIQUE, serial_unique, D),
            ("IMPORT-MARK", E, "Firearms Protocol art. 8(1)(b) [V]", IMPORT_MARK, import_mark,
             ME),
            ("IMPORT-UNIQUE", E, "Firearms Protocol art. 8(1)(b) [V]", IMPORT_UNIQUE,
             import_unique, ME),
            ("STATE-TO-CIVILIAN", E, "Firearms Protocol art. 8(1)(c) [V]", STATE_TRANSFER,
             state_to_civilian_mark, ME),
            ("MARK-ALPHABET", W, "Firearms Protocol art. 8(1)(a) [V] (simple geometric symbols)",
             ALPHABET, alphabet_check(ANY_SCRIPT), M),
        ),
        _profile(
            "eu",
            gettext_lazy("EU: Directive 2021/555, Implementing Directives 2019/68 and 2024/325"),
            ("MANUFACTURE-MARK", E, "Directive (EU) 2021/555 art. 4(2) [V]", MANUFACTURE,
             manufacture_marking, _NONE),
            ("YEAR", E, "Directive (EU) 2021/555 art. 4(2) [V]",
             gettext_lazy("Year of manufacture"), year_present, _NONE),
            ("MODEL", E, "Directive (EU) 2021/555 art. 4(2) [V] (model where feasible)",
             gettext_lazy("Model"), model_present, _NONE),
            ("SERIAL-ON-FRAME", E, "Directive (EU) 2021/555 art. 4(5)(a) [V]", ON_FRAME,
             serial_on_frame, MC),
            ("SERIAL-UNIQUE", E, "Directive (EU) 2021/555 art. 4(5)(a) [V]", UNIQUE,
             serial_unique, D),
            ("COMPONENT-SERIAL", E,
             "Directive (EU) 2021/555 art. 4(2) [V]; Implementing Directive (EU) 2019/68 "
             "recital 1 [V]", gettext_lazy("Serial or code on every essential component"),
             components_serialised, MC),
            ("SERIAL-ALPHABET", E,
             "Implementing Directive (EU) 2019/68 Annex [V-sec; detailed wording UNCONFIRMED]",
             ALPHABET, alphabet_check(EU_ALPHABET), M),
        ),
        _profile(
            "us",
            gettext_lazy("United States: 27 CFR 478.92 (comparison)"),
            ("SERIAL-ON-FRAME", E, "27 CFR 478.92(a)(1)(i) [V]", ON_FRAME, serial_on_frame, MC),
            ("SERIAL-UNIQUE", E, "27 CFR 478.92(a)(1)(i) [V] (must not duplicate)", UNIQUE,
             serial_unique, D),
            ("SERIAL-FORMAT", E, "27 CFR 478.92(a)(1)(i) as amended 2022 [V]",
             gettext_lazy("Licence-number prefix of the serial"), us_serial_format, _NONE),
            ("CALIBRE", E, "27 CFR 478.92(a)(1)(ii) [V]", gettext_lazy("Calibre or gauge"),
             calibre_present, _NONE),
            ("MODEL", W, "27 CFR 478.92(a)(1)(ii) [V] (model, if one is designated)",
             gettext_lazy("Model"), model_present, _NONE),
            ("SERIAL-ALPHABET", E,
             "27 CFR 478.92(a)(1)(i) [alphabet wording UNCONFIRMED: not in the normative "
             "reference]", ALPHABET, alphabet_check(US_SERIAL, serial_only=True), _NONE),
        ),
        _profile(
            "mosaic",
            gettext_lazy("ISACS/MOSAIC 05.30 (good practice)"),
            ("SERIAL-ON-FRAME", E, "MOSAIC 05.30 [V-sec]", ON_FRAME, serial_on_frame, MC),
            ("YEAR", W, "MOSAIC 05.30 [V-sec]", gettext_lazy("Year of manufacture"),
             year_present, _NONE),
            ("IMPORT-MARK", E, "MOSAIC 05.30 [V-sec]", IMPORT_MARK, import_mark, ME),
            ("IMPORT-UNIQUE", E, "MOSAIC 05.30 [V-sec]", IMPORT_UNIQUE, import_unique, ME),
            ("IMPORT-MARK-PLACE", W, "MOSAIC 05.30 [V-sec] (slide 8)",
             gettext_lazy("Import mark on the frame or receiver"), import_mark_place, M),
            ("DEACTIVATION-MARK", W, "MOSAIC 05.30 [V-sec] (slide 4)",
             gettext_lazy("Mark at deactivation"), deactivation_mark, ME),
            ("STRUCTURED-CODE", W, "MOSAIC 05.30 [V-sec] (slide 6; recommendation only)",
             gettext_lazy("Structured manufacture code"), structured_code, M),
            ("MARK-ALPHABET", W, "MOSAIC 05.30 [V-sec] (ISO codes; alphabet UNCONFIRMED)",
             ALPHABET, alphabet_check(LATIN_CODE), M),
        ),
    )
}  # fmt: skip
RULES: dict[str, Rule] = {r.code: r for p in PROFILES.values() for r in p.rules}


def enabled_profiles() -> list[MarkingProfile]:
    """The profiles the state has switched on (`ARMSTRACE_MARKING_PROFILES`)."""
    value = getattr(settings, "ARMSTRACE_MARKING_PROFILES", DEFAULT_PROFILES) or DEFAULT_PROFILES
    codes = value.split(",") if isinstance(value, str) else list(value)
    try:
        return profiles_named([c for c in codes if c.strip()])
    except DomainValidationError as exc:
        raise ImproperlyConfigured(f"ARMSTRACE_MARKING_PROFILES: {exc.message}") from exc


def profiles_named(codes: Iterable[str]) -> list[MarkingProfile]:
    chosen: list[MarkingProfile] = []
    for code in codes:
        profile = PROFILES.get(code.strip().lower())
        if profile is None:
            raise DomainValidationError(
                "profile",
                _("unknown marking profile %(code)r; known: %(known)s")
                % {"code": code, "known": ", ".join(PROFILES)},
                code="unknown_profile",
            )
        if profile not in chosen:
            chosen.append(profile)
    return chosen


def rules_of(profiles: Iterable[str] | None = None) -> list[Rule]:
    chosen = enabled_profiles() if profiles is None else profiles_named(profiles)
    return [rule for profile in chosen for rule in profile.rules]


def needs_of(rules: Iterable[Rule]) -> frozenset[str]:
    return frozenset().union(*(r.needs for r in rules))


def run_rules(facts: WeaponFacts, rules: Iterable[Rule]) -> list[Finding]:
    return [finding for rule in rules for finding in rule.run(facts)]


def check_weapon(weapon: Weapon, profiles: Iterable[str] | None = None) -> list[Finding]:
    """Every finding of the profiles given (default: those switched on) on one weapon."""
    rules = rules_of(profiles)
    facts = next(stream_facts(Weapon.objects.filter(pk=weapon.pk), needs_of(rules)))
    return run_rules(facts, rules)
