"""Every marking rule, table-tested on weapon facts: a case that fails it and one that passes."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from armstrace.marking.profiles import (
    RULES,
    ComponentFacts,
    EventFacts,
    MarkFacts,
    WeaponFacts,
    parse_structured_code,
)

DAY = dt.date(2020, 5, 4)
BASE = WeaponFacts(
    id=None,
    serial_number="M70-000123",
    manufacturer_name="Zastava Arms",
    manufacturer_licence="",
    country_of_manufacture="RS",
    model="M70",
    calibre="7.62x39",
    year_of_manufacture=1990,
    status="in_stock",
)


def facts(**changes: object) -> WeaponFacts:
    return dataclasses.replace(BASE, **changes)  # type: ignore[arg-type]


def mark(role: str, text: str, component: str = "", location: str = "", pk: int = 7) -> MarkFacts:
    return MarkFacts(pk, role, text, component, location)


IMPORTED = {"import_country": "KE", "import_year": 2019}
IMPORT_EVENT = (EventFacts("imported", DAY, "in_transit", "in_stock"),)
TO_CIVILIAN = (EventFacts("transferred", DAY, "state_holding", "civilian"),)
STRUCTURED = mark("manufacture", "RS-ZAS-90-01-000123-762")

# rule code -> (cases that must fail, cases that must pass)
TABLE: dict[str, tuple[list[WeaponFacts], list[WeaponFacts]]] = {
    "MANUFACTURE-MARK": (
        [facts(manufacturer_name=""), facts(country_of_manufacture=""), facts(serial_number="N/A")],
        [BASE, facts(country_of_manufacture="", unresolved=frozenset({"country_of_manufacture"}))],
    ),
    "YEAR": ([facts(year_of_manufacture=None)], [BASE]),
    "MODEL-CALIBRE": ([facts(model=""), facts(calibre=" ")], [BASE]),
    "MODEL": ([facts(model="")], [BASE]),
    "CALIBRE": ([facts(calibre="")], [BASE, facts(calibre="", unresolved=frozenset({"calibre"}))]),
    "SERIAL-ON-FRAME": (
        [
            facts(components=(ComponentFacts("barrel", "M70000123"),)),
            facts(marks=(mark("manufacture", "M70-000123", "slide"),)),
        ],
        [
            BASE,  # nothing recorded about where the serial is: an inspection, not a finding
            facts(components=(ComponentFacts("receiver", "M70000123"),)),
            facts(
                components=(
                    ComponentFacts("barrel", "M70000123"),
                    ComponentFacts("frame", "M70000123"),
                )
            ),
        ],
    ),
    "SERIAL-UNIQUE": (
        [facts(duplicated=True)],
        [BASE, facts(duplicated=True, serial_number="N/A")],
    ),
    "COMPONENT-SERIAL": (
        [facts(components=(ComponentFacts("slide", ""),))],
        [
            facts(components=(ComponentFacts("slide", "S123"),)),
            facts(
                components=(ComponentFacts("slide", ""),),
                marks=(mark("manufacture", "S1", "slide"),),
            ),
            facts(components=(ComponentFacts("other", ""),)),
        ],
    ),
    "IMPORT-MARK": (
        [facts(**IMPORTED), facts(events=IMPORT_EVENT)],
        [BASE, facts(**IMPORTED, marks=(mark("import", "KE19"),))],
    ),
    "IMPORT-UNIQUE": (
        [facts(**IMPORTED, serial_number="UNKNOWN"), facts(events=IMPORT_EVENT, serial_number="-")],
        [facts(**IMPORTED), facts(serial_number="UNKNOWN")],
    ),
    "IMPORT-MARK-PLACE": (
        [facts(**IMPORTED, marks=(mark("import", "KE19"),))],
        [
            facts(**IMPORTED, marks=(mark("import", "KE19", "receiver"),)),
            facts(**IMPORTED, marks=(mark("import", "KE19", location="left of the receiver"),)),
            BASE,
        ],
    ),
    "STATE-TO-CIVILIAN": (
        [facts(events=TO_CIVILIAN, status="civilian")],
        [
            facts(events=TO_CIVILIAN, marks=(mark("state_to_civilian", "KE-GOV-1"),)),
            facts(events=(EventFacts("transferred", DAY, "in_stock", "civilian"),)),
        ],
    ),
    "DEACTIVATION-MARK": (
        [facts(events=(EventFacts("deactivated", DAY, "civilian", "deactivated"),))],
        [
            facts(
                events=(EventFacts("deactivated", DAY, "civilian", "deactivated"),),
                marks=(mark("deactivation", "DEACT-KE-2020"),),
            ),
            BASE,
        ],
    ),
    "SERIAL-FORMAT": (
        [facts(serial_number="12345678-A1", manufacturer_licence="9-87-654-32-1X-12345")],
        [
            facts(serial_number="98712345-A1", manufacturer_licence="9-87-654-32-1X-12345"),
            facts(serial_number="A1234", manufacturer_licence="9-87-654-32-1X-12345"),
            facts(serial_number="12345678-A1"),  # no licence recorded: nothing to compare
        ],
    ),
    "STRUCTURED-CODE": (
        [
            BASE,
            facts(marks=(mark("manufacture", "ZASTAVA M70 123"),)),
            facts(marks=(mark("manufacture", "YU-ZAS-90-01-000123-762"),)),
            facts(marks=(mark("manufacture", "RS-ZAS-85-01-000123-762"),)),
        ],
        [facts(marks=(STRUCTURED,)), facts(marks=(mark("manufacture", "rs zas 9001 123 762"),))],
    ),
}

# Alphabets differ by profile: (failing texts, passing texts) per rule, as serial and as mark.
ALPHABETS: dict[str, tuple[list[str], list[str]]] = {
    "M-ITI-MARK-ALPHABET": (["AB12😀", "KE★24", "AB?12"], ["АБ-١٢٣", "■ 1234", "Ⅻ/12", "ΑΒ.12"]),
    "M-FP-MARK-ALPHABET": (["AB#12", "™123"], ["م١٢٣", "▲ 77"]),
    "M-EU-SERIAL-ALPHABET": (["م١٢٣", "北京123", "AB■12"], ["Ж-123 ΑΒ", "Ⅻ-12", "AB 12/3"]),
    "M-MOSAIC-MARK-ALPHABET": (["Ж123", "AB*12"], ["RS-ZAS-90-01-123-762"]),
}


def cases() -> list[tuple[str, WeaponFacts, bool]]:
    found = []
    for code in RULES:
        suffix = code.split("-", 2)[2]
        if code in ALPHABETS or code == "M-US-SERIAL-ALPHABET":
            continue
        failing, passing = TABLE[suffix]
        found += [(code, case, True) for case in failing]
        found += [(code, case, False) for case in passing]
    return found


@pytest.mark.parametrize(("code", "case", "fails"), cases())
def test_each_rule_fails_its_negative_cases_and_passes_its_positive_ones(code, case, fails):
    found = RULES[code].run(case)
    assert bool(found) is fails, (code, case, found)
    for finding in found:
        assert finding.code == code and finding.legal_basis and finding.message
        assert finding.severity == RULES[code].severity.value


@pytest.mark.parametrize("code", sorted(ALPHABETS))
def test_a_character_outside_the_profiles_alphabet_is_flagged_in_a_serial_and_in_a_mark(code):
    failing, passing = ALPHABETS[code]
    rule = RULES[code]
    for text in failing:
        on_serial = rule.run(facts(serial_number=text))
        on_mark = rule.run(facts(marks=(mark("import", text, pk=42),)))
        assert on_serial and on_serial[0].mark_id is None, text
        assert on_mark and on_mark[0].mark_id == 42, text
        assert "U+" in on_mark[0].message
    for text in passing:
        assert rule.run(facts(serial_number=text, marks=(mark("import", text),))) == [], text


def test_the_us_alphabet_rule_reads_the_serial_only():
    rule = RULES["M-US-SERIAL-ALPHABET"]
    assert rule.run(facts(serial_number="АB123"))  # a Cyrillic A
    assert rule.run(facts(serial_number="AB 123"))  # a space is not a hyphen
    assert rule.run(facts(serial_number="98712345-AB12", marks=(mark("proof", "Ж"),))) == []


def test_every_rule_has_a_table_case():
    covered = set(ALPHABETS) | {"M-US-SERIAL-ALPHABET"}
    covered |= {code for code in RULES if code.split("-", 2)[2] in TABLE}
    assert covered == set(RULES)


def test_a_structured_code_is_read_into_its_parts():
    assert parse_structured_code("RS-ZAS-90-01-000123-762") == {
        "country": "RS",
        "maker": "ZAS",
        "year": "90",
        "type": "01",
        "serial": "000123",
        "calibre": "762",
    }
    assert parse_structured_code("M70 000123") is None


def test_an_import_finding_names_the_country_and_year_and_a_placement_finding_the_mark():
    [finding] = RULES["M-ITI-IMPORT-MARK"].run(facts(**IMPORTED))
    assert "KE 2019" in finding.message
    [placed] = RULES["M-MOSAIC-IMPORT-MARK-PLACE"].run(
        facts(**IMPORTED, marks=(mark("import", "KE19", pk=9),))
    )
    assert placed.mark_id == 9


def test_a_finding_on_a_concealed_mark_quotes_neither_the_mark_nor_its_characters():
    hidden = MarkFacts(5, "other", "KE★", concealed=True)
    [finding] = RULES["M-EU-SERIAL-ALPHABET"].run(facts(marks=(hidden,)))
    assert finding.mark_id == 5 and "★" not in finding.message and "other" not in finding.message
