"""The marking API: a weapon's checks and recording an import, over HTTP with a real token."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from armstrace.accounts.decorators import PERMISSION_ATTR
from armstrace.accounts.services import issue_token
from armstrace.marking.api.checks import router
from armstrace.registry.models import Mark
from armstrace.registry.services import (
    EventInput,
    MarkInput,
    add_mark,
    create_party,
    record_life_event,
)

API = "/api/v1/marking"
pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    _, secret = issue_token(user=user, name="test client")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def checks(client: Client, weapon: Any, query: str = "") -> Any:
    return client.get(f"{API}/weapons/{weapon.pk}/checks{query}")


def post_import(client: Client, weapon: Any, body: dict[str, Any]) -> Any:
    return client.post(
        f"{API}/weapons/{weapon.pk}/import", json.dumps(body), content_type="application/json"
    )


@pytest.fixture
def importer(db):
    return create_party(kind="importer", name="Mombasa Arms Import", licence_number="IMP-42")


@pytest.fixture
def shipped(weapon_factory):
    weapon = weapon_factory(agency="a")
    record_life_event(
        weapon=weapon, data=EventInput(kind="in_transit", occurred_on=dt.date(2024, 2, 1))
    )
    return weapon


def body(importer: Any, **changes: Any) -> dict[str, Any]:
    payload = {
        "occurred_on": "2024-03-05",
        "country": "KE",
        "importer_id": importer.pk,
        "reason": "licence IL-1/24",
    }
    payload.update(changes)
    return payload


def test_every_endpoint_declares_its_permission():
    assert len(router.path_operations) == 2
    for route in router.path_operations.values():
        for operation in route.operations:
            assert hasattr(operation.view_func, PERMISSION_ATTR), operation.view_func


# --- checks ----------------------------------------------------------------------------


def test_a_reader_of_the_weapons_agency_gets_its_findings(investigator_a, weapon_factory):
    weapon = weapon_factory(agency="a", model="")
    response = checks(client_for(investigator_a), weapon)
    assert response.status_code == 200
    data = response.json()
    assert data["weapon_id"] == str(weapon.pk) and data["profiles"] == ["iti"]
    [finding] = data["findings"]
    assert finding["code"] == "M-ITI-MODEL-CALIBRE" and finding["severity"] == "warning"
    assert finding["legal_basis"].startswith("ITI para 8(a)") and finding["mark_id"] is None


def test_the_profiles_may_be_chosen_per_request(investigator_a, weapon_factory):
    weapon = weapon_factory(agency="a", year_of_manufacture=None)
    data = checks(client_for(investigator_a), weapon, "?profile=eu,us").json()
    assert data["profiles"] == ["eu", "us"]
    assert "M-EU-YEAR" in [f["code"] for f in data["findings"]]
    bad = checks(client_for(investigator_a), weapon, "?profile=nato")
    assert bad.status_code == 422


def test_a_national_reader_reads_every_agencys_checks(auditor, weapon_factory):
    assert checks(client_for(auditor), weapon_factory(agency="b")).status_code == 200


def test_a_reader_of_another_agency_is_refused(investigator_b, weapon_factory):
    response = checks(client_for(investigator_b), weapon_factory(agency="a"))
    assert response.status_code == 403
    assert response.json()["permission"] == "registry:weapon:view"


def test_a_caller_without_the_permission_is_refused_and_an_unknown_weapon_is_not_found(
    outsider, investigator_a, weapon_factory
):
    weapon = weapon_factory(agency="a")
    assert checks(client_for(outsider), weapon).status_code == 403
    assert Client().get(f"{API}/weapons/{weapon.pk}/checks").status_code == 401
    missing = client_for(investigator_a).get(
        f"{API}/weapons/00000000-0000-0000-0000-000000000000/checks"
    )
    assert missing.status_code == 404


# --- import ----------------------------------------------------------------------------


def test_a_registrar_records_an_import_with_a_generated_mark(registrar, shipped, importer):
    response = post_import(client_for(registrar), shipped, body(importer))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["mark_text"] == "KE24" and data["generated"] is True
    assert Mark.objects.get(pk=data["mark_id"]).role == "import"


def test_the_manufacturers_mark_is_recorded_as_sent(registrar, shipped, importer):
    sent = body(importer, mark_applied_by_manufacturer="KEN 2023")
    data = post_import(client_for(registrar), shipped, sent).json()
    assert data["mark_text"] == "KEN 2023" and data["generated"] is False


def test_a_broken_rule_is_a_422_on_the_field(registrar, shipped, importer):
    response = post_import(client_for(registrar), shipped, body(importer, country="QQ"))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "country"]
    unknown = post_import(client_for(registrar), shipped, body(importer, importer_id=999999))
    assert unknown.json()["detail"][0]["loc"] == ["body", "importer_id"]


@pytest.mark.parametrize("persona", ["registrar_b", "investigator_a", "auditor", "outsider"])
def test_only_a_registrar_of_the_weapons_agency_records_an_import(
    request, shipped, importer, persona
):
    response = post_import(client_for(request.getfixturevalue(persona)), shipped, body(importer))
    assert response.status_code == 403
    assert not Mark.objects.exists()


def test_findings_on_a_concealed_mark_are_left_out_for_a_caller_who_may_not_see_it(
    registrar, investigator_a, weapon_factory
):
    weapon = weapon_factory(agency="a")
    add_mark(weapon=weapon, data=MarkInput(role="other", text="KE★", concealed=True))
    seen = checks(client_for(registrar), weapon).json()["findings"]
    assert [f["code"] for f in seen] == ["M-ITI-MARK-ALPHABET"] and "★" not in seen[0]["message"]
    assert checks(client_for(investigator_a), weapon).json()["findings"] == []
