"""Erased serials restored by a laboratory: read per character, turned into a search
pattern, shown on the weapon page with a link to the search, and given by the API."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from armstrace.accounts.services import issue_token
from armstrace.audit.models import AuditEntry
from armstrace.core.exceptions import DomainValidationError
from armstrace.registry.models import Restoration
from armstrace.registry.restoration import (
    RestorationInput,
    parse_reading,
    reading_text,
    record_restoration,
    search_pattern,
    unknown_positions,
)
from armstrace.registry.services import MarkInput, add_mark


def lab(reading: str, **changes: Any) -> RestorationInput:
    data = RestorationInput(
        reading=reading,
        laboratory="National Forensic Laboratory",
        examiner="Dr A. Otieno",
        examined_on=dt.date(2025, 6, 3),
        method="magnetic_particle",
    )
    for name, value in changes.items():
        setattr(data, name, value)
    return data


@pytest.mark.parametrize(
    ("reading", "positions", "pattern", "unknown"),
    [
        ("AB712?4", ["A", "B", "7", "1", "2", "", "4"], "AB712?4", [6]),
        ("ab[8b]12?4", ["A", "B", "8B", "1", "2", "", "4"], "AB?12?4", [3, 6]),
        ("*4471", ["*", "4", "4", "7", "1"], "*4471", []),
        ("56-12**", ["5", "6", "1", "2", "*"], "5612*", []),
        ("M70 ??3", ["M", "7", "0", "", "", "3"], "M70??3", [4, 5]),
    ],
)
def test_a_reading_gives_positions_a_search_pattern_and_the_unsettled_positions(
    reading, positions, pattern, unknown
):
    assert parse_reading(reading) == positions
    assert search_pattern(positions) == pattern
    assert unknown_positions(positions) == unknown
    assert parse_reading(reading_text(positions)) == positions


@pytest.mark.parametrize(
    ("reading", "message"),
    [
        ("AB[8B", "a [ is not closed"),
        ("AB[]1", "[ ] must list the characters it may be"),
        ("A[8?]1", "only letters and digits go inside [ ]"),
        ("AB#1", "'#' is not a letter, a digit, ?, * or [ ]"),
        ("???*", "gives no character that could be read for certain"),
        ("", "gives no character that could be read for certain"),
        ("[8B][0O]", "gives no character that could be read for certain"),
        ("A" * 65, "has more than 64 positions"),
    ],
)
def test_a_reading_that_cannot_be_understood_is_refused(reading, message):
    with pytest.raises(DomainValidationError) as caught:
        parse_reading(reading)
    assert caught.value.field == "reading"
    assert caught.value.message == message


def test_a_restoration_is_recorded_with_the_lab_and_audited(weapon_factory):
    weapon = weapon_factory()
    restoration = record_restoration(weapon=weapon, data=lab("AB[8B]12?4"))
    assert restoration.characters == ["A", "B", "8B", "1", "2", "", "4"]
    assert restoration.mark is None
    assert restoration.recorded_by_name == "test-setup"
    event = AuditEntry.objects.get(tag="registry:restoration:recorded")
    assert event.object_id == str(weapon.pk)


def test_a_restoration_checks_its_method_date_and_mark(weapon_factory):
    weapon, other = weapon_factory(), weapon_factory()
    mark = add_mark(weapon=other, data=MarkInput(role="import", text="KE 24"))
    with pytest.raises(DomainValidationError, match="not a known restoration method"):
        record_restoration(weapon=weapon, data=lab("AB1", method="magic"))
    with pytest.raises(DomainValidationError, match="in the future"):
        record_restoration(weapon=weapon, data=lab("AB1", examined_on=dt.date(2999, 1, 1)))
    with pytest.raises(DomainValidationError, match="not a mark of this weapon"):
        record_restoration(weapon=weapon, data=lab("AB1", mark=mark))
    with pytest.raises(DomainValidationError, match="is required"):
        record_restoration(weapon=weapon, data=lab("AB1", laboratory=" "))
    assert not Restoration.objects.exists()


def test_the_pattern_finds_the_weapon_in_the_search(client, investigator_a, weapon_factory):
    weapon = weapon_factory(serial="AB8124")
    other = weapon_factory(serial="CD9999")
    restoration = record_restoration(weapon=weapon, data=lab("AB[8B]1?4"))
    pattern = search_pattern(restoration.characters)
    client.force_login(investigator_a)
    search = reverse("search:weapons")
    html = client.get(search, {"serial": pattern, "purpose": "lab report 7"}).content.decode()
    assert str(weapon.pk) in html
    assert str(other.pk) not in html


# --- the weapon page -------------------------------------------------------------------


def test_the_weapon_page_shows_the_pattern_with_a_link_to_the_search(
    client, investigator_a, weapon_factory
):
    weapon = weapon_factory()
    record_restoration(weapon=weapon, data=lab("AB[8B]12?4"))
    client.force_login(investigator_a)
    html = client.get(reverse("registry:weapon-detail", args=[weapon.pk])).content.decode()
    assert "AB[8B]12?4" in html
    assert "National Forensic Laboratory" in html
    assert f'href="{reverse("search:weapons")}?serial=AB%3F12%3F4"' in html
    assert "Search with this pattern" in html


def test_an_investigator_of_the_agency_records_a_restoration_from_the_weapon_page(
    client, investigator_a, weapon_factory
):
    weapon = weapon_factory(agency="a")
    client.force_login(investigator_a)
    url = reverse("registry:restoration-create", args=[weapon.pk])
    form = {
        "of": "",
        "reading": "M7?-12",
        "laboratory": "Lab",
        "examiner": "E. Examiner",
        "examined_on": "2025-01-02",
        "method": "chemical_etching",
    }
    assert client.post(url, form).status_code == 302
    assert Restoration.objects.get().characters == ["M", "7", "", "1", "2"]
    response = client.post(url, {**form, "reading": "M7[8"})
    assert response.status_code == 422
    assert "A [ is not closed" in response.content.decode()


def test_an_investigator_of_another_agency_cannot_record_one(
    client, investigator_b, weapon_factory
):
    weapon = weapon_factory(agency="a")
    client.force_login(investigator_b)
    url = reverse("registry:restoration-create", args=[weapon.pk])
    assert client.get(url).status_code == 403


# --- the API ---------------------------------------------------------------------------


def api(user: Any) -> Client:
    _, secret = issue_token(user=user, name="test client")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_the_api_records_a_restoration_and_gives_its_pattern(registrar, weapon_factory):
    weapon = weapon_factory()
    mark = add_mark(weapon=weapon, data=MarkInput(role="import", text="KE 24 0001"))
    body = {
        "mark_id": mark.pk,
        "reading": "KE24[0O]?01",
        "laboratory": "Lab",
        "examiner": "E",
        "examined_on": "2025-02-01",
        "method": "electrolytic_etching",
    }
    client = api(registrar)
    path = f"/api/v1/weapons/{weapon.pk}/restorations"
    response = client.post(path, json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["search_pattern"] == "KE24??01"
    assert out["unknown_positions"] == [5, 6]
    assert out["characters"][4] == "0O"
    assert client.get(path).json()[0]["id"] == out["id"]
    assert client.get(f"/api/v1/weapons/{weapon.pk}").json()["restorations"][0]["id"] == out["id"]


def test_the_api_names_the_field_of_a_bad_reading(registrar, weapon_factory):
    weapon = weapon_factory()
    body = {
        "reading": "??",
        "laboratory": "Lab",
        "examiner": "E",
        "examined_on": "2025-02-01",
        "method": "heat",
    }
    response = api(registrar).post(
        f"/api/v1/weapons/{weapon.pk}/restorations",
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "reading"]
