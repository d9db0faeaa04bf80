"""The registry API, driven the way a client drives it: HTTP, JSON and a real token."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from armstrace.accounts.decorators import PERMISSION_ATTR
from armstrace.accounts.services import issue_token
from armstrace.audit.models import AuditEntry
from armstrace.registry.api import router
from armstrace.registry.models import Component, Mark, Weapon
from armstrace.registry.services import EventInput, create_party, record_life_event

API = "/api/v1"
pytestmark = pytest.mark.django_db


def client_for(user: Any, scopes: list[str] | None = None) -> Client:
    _, secret = issue_token(user=user, name="test client", scopes=scopes)
    return Client(headers={"Authorization": f"Bearer {secret}"})


def post(client: Client, path: str, body: Any) -> Any:
    return client.post(f"{API}{path}", json.dumps(body), content_type="application/json")


def registration(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "serial_number": "CZ-99 004521",
        "manufacturer_name": "Zastava Arms",
        "weapon_type": "pistol",
        "country_of_manufacture": "RS",
        "model": "CZ 99",
        "calibre": "9x19mm",
        "year_of_manufacture": 2001,
        "first_event": {"kind": "manufactured", "occurred_on": "2001-05-02"},
    }
    body.update(changes)
    return body


def errors_for(response: Any, field: str) -> list[dict[str, Any]]:
    """The 422 errors whose location ends in `field`."""
    assert response.status_code == 422, response.content
    return [e for e in response.json()["detail"] if e["loc"][-1] == field]


def stolen(weapon: Weapon) -> None:
    record_life_event(
        weapon=weapon, data=EventInput(kind="stolen", occurred_on=dt.date(2020, 3, 1))
    )


# --- reading -------------------------------------------------------------------------


def test_weapon_list_is_paginated_with_a_total_count(registrar, weapon_factory):
    for _ in range(5):
        weapon_factory()
    response = client_for(registrar).get(f"{API}/weapons", {"limit": 2, "offset": 2})
    assert response.status_code == 200
    page = response.json()
    assert (page["count"], page["limit"], page["offset"]) == (5, 2, 2)
    assert [w["serial_number"] for w in page["items"]] == ["M70-000003", "M70-000004"]


def test_weapon_list_finds_a_serial_however_it_is_written(registrar, weapon_factory):
    wanted = weapon_factory(serial="AB-12 345")
    weapon_factory(serial="AB-12 346")
    response = client_for(registrar).get(f"{API}/weapons", {"serial": "ab12345"})
    assert [w["id"] for w in response.json()["items"]] == [str(wanted.pk)]


def test_weapon_list_filters_by_maker_type_status_country_and_agency(registrar, weapon_factory):
    concern = create_party(kind="manufacturer", name="Kalashnikov Concern", country="RU")
    kalashnikov = weapon_factory(
        manufacturer=concern, manufacturer_name="Kalashnikov Concern", country_of_manufacture="RU"
    )
    pistol = weapon_factory(weapon_type="pistol")
    missing = weapon_factory()
    stolen(missing)
    in_b = weapon_factory(agency="b")
    client = client_for(registrar)

    def ids(**query: str) -> set[str]:
        response = client.get(f"{API}/weapons", query)
        assert response.status_code == 200, response.content
        return {w["id"] for w in response.json()["items"]}

    assert ids(manufacturer="kalashnikov") == {str(kalashnikov.pk)}
    assert ids(country="ru") == {str(kalashnikov.pk)}
    assert ids(weapon_type="pistol") == {str(pistol.pk)}
    assert ids(status="stolen") == {str(missing.pk)}
    assert ids(agency="PB") == {str(in_b.pk)}
    assert len(ids(serial="")) == 4  # an empty filter filters nothing


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "vanished"}, "status"),
        ({"weapon_type": "railgun"}, "weapon_type"),
        ({"country": "Serbia"}, "country"),
        ({"serial": "AB\x0012"}, "serial"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
def test_weapon_list_refuses_bad_filters_naming_them(registrar, query, field):
    response = client_for(registrar).get(f"{API}/weapons", query)
    assert [e["loc"] for e in errors_for(response, field)] == [["query", field]]


def test_weapon_detail_shows_identity_parts_with_history_marks_and_timeline(
    registrar, weapon_factory
):
    weapon = weapon_factory(serial="M70-777")
    client = client_for(registrar)
    part = post(client, f"/weapons/{weapon.pk}/components", {"component_type": "barrel"})
    post(
        client,
        f"/components/{part.json()['id']}/replace",
        {"serial_number": "B-2", "replaced_on": "2015-01-10", "reason": "worn out"},
    )
    post(client, f"/weapons/{weapon.pk}/marks", {"role": "manufacture", "text": "M70 777"})
    stolen(weapon)

    response = client.get(f"{API}/weapons/{weapon.pk}")

    assert response.status_code == 200
    detail = response.json()
    assert detail["serial_number"] == "M70-777"
    assert detail["agency"] == "PA"
    assert detail["country_of_manufacture"] == "RS"
    assert detail["status"] == "stolen"
    assert detail["holder"]["name"] == "Zastava Arms"
    old, new = detail["components"]
    assert (old["removed_on"], old["removal_reason"]) == ("2015-01-10", "worn out")
    assert (new["serial_number"], new["replaces_id"]) == ("B-2", old["id"])
    assert [m["text"] for m in detail["marks"]] == ["M70 777"]
    assert [(e["kind"], e["status_after"]) for e in detail["events"]] == [
        ("manufactured", "manufactured"),
        ("stolen", "stolen"),
    ]


def test_an_unknown_weapon_is_404_in_json(registrar):
    response = client_for(registrar).get(f"{API}/weapons/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_a_weapon_id_that_is_not_a_uuid_is_refused_naming_it(registrar):
    response = client_for(registrar).get(f"{API}/weapons/not-a-uuid")
    assert [e["loc"] for e in errors_for(response, "weapon_id")] == [["path", "weapon_id"]]


# --- registering ---------------------------------------------------------------------


def test_registrar_registers_a_weapon_in_their_agency_and_it_is_audited(registrar, maker):
    body = registration(
        manufacturer_id=maker.pk,
        components=[{"component_type": "slide", "serial_number": "S-1"}],
        marks=[{"role": "manufacture", "text": "CZ99 004521", "component_type": "slide"}],
    )
    response = post(client_for(registrar), "/weapons", body)

    assert response.status_code == 201, response.content
    created = response.json()
    weapon = Weapon.objects.get(pk=created["id"])
    assert (weapon.agency.code, weapon.status, weapon.serial_norm) == (
        "PA",
        "manufactured",
        "CZ99004521",
    )
    assert created["components"][0]["serial_number"] == "S-1"
    assert created["marks"][0]["component_id"] == created["components"][0]["id"]
    assert created["events"][0]["recorded_by"] == "registrar"
    entry = AuditEntry.objects.get(tag="registry:weapon:registered", object_id=str(weapon.pk))
    assert (entry.actor_name, entry.actor_id, entry.channel) == ("registrar", registrar.pk, "api")
    assert entry.correlation_id == response["X-Correlation-ID"]


@pytest.mark.parametrize(
    ("changes", "loc", "code"),
    [
        ({"weapon_type": "laser-rifle"}, ["weapon_type"], "enum"),
        ({"first_event": {"kind": "teleported", "occurred_on": "2001-05-02"}},
         ["first_event", "kind"], "enum"),
        ({"first_event": {"kind": "manufactured"}}, ["first_event", "occurred_on"], "missing"),
        ({"components": [{"component_type": "stock"}]},
         ["components", 0, "component_type"], "enum"),
        ({"year_of_manufacture": 1500}, ["year_of_manufacture"], "impossible_year"),
        ({"year_of_manufacture": "old"}, ["year_of_manufacture"], "int_parsing"),
        ({"serial_number": "AB\x0712"}, ["serial_number"], "control_characters"),
        ({"serial_number": "   "}, ["serial_number"], "required"),
        ({"serial_number": "A" * 65}, ["serial_number"], "too_long"),
        ({"country_of_manufacture": "XX"}, ["country_of_manufacture"], "unknown_country"),
        ({"country_of_manufacture": "R\x00"},
         ["country_of_manufacture"], "string_pattern_mismatch"),
        ({"manufacturer_id": 999_999}, ["manufacturer_id"], "unknown_party"),
        ({"manufacturer_id": 10**30}, ["manufacturer_id"], "less_than_equal"),
    ],
)  # fmt: skip
def test_registration_refuses_bad_input_naming_the_field_and_reason(registrar, changes, loc, code):
    response = post(client_for(registrar), "/weapons", registration(**changes))
    assert response.status_code == 422, response.content
    (error,) = response.json()["detail"]
    assert (error["loc"], error["type"]) == (["body", *loc], code)
    assert error["msg"]
    assert not Weapon.objects.exists()


def test_registration_refuses_a_year_of_manufacture_next_year(registrar):
    next_year = dt.date.today().year + 1
    response = post(client_for(registrar), "/weapons", registration(year_of_manufacture=next_year))
    assert errors_for(response, "year_of_manufacture")[0]["loc"] == ["body", "year_of_manufacture"]


def test_registration_refuses_a_first_event_in_the_future(registrar):
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    body = registration(first_event={"kind": "manufactured", "occurred_on": tomorrow})
    response = post(client_for(registrar), "/weapons", body)
    assert errors_for(response, "occurred_on") == [
        {"type": "future_date", "loc": ["body", "occurred_on"], "msg": "is in the future"}
    ]


def test_registration_without_a_serial_is_refused(registrar):
    body = registration()
    del body["serial_number"]
    response = post(client_for(registrar), "/weapons", body)
    (error,) = errors_for(response, "serial_number")
    assert (error["type"], error["loc"]) == ("missing", ["body", "serial_number"])


def test_a_refused_registration_writes_nothing(registrar):
    """The mark names a part the weapon lacks: found only after the weapon row is saved."""
    body = registration(marks=[{"role": "manufacture", "text": "X", "component_type": "bolt"}])
    response = post(client_for(registrar), "/weapons", body)
    assert errors_for(response, "component_type")[0]["type"] == "no_component"
    assert not Weapon.objects.exists()
    assert not AuditEntry.objects.filter(tag="registry:weapon:registered").exists()


def test_malformed_json_is_a_clear_400_not_a_crash(registrar):
    response = client_for(registrar).post(
        f"{API}/weapons", '{"serial_number": "AB', content_type="application/json"
    )
    assert response.status_code == 400
    assert "parse" in response.json()["detail"]


def test_a_json_body_that_is_not_an_object_is_refused(registrar):
    response = post(client_for(registrar), "/weapons", ["AB-1"])
    assert response.status_code == 422


# --- events --------------------------------------------------------------------------


def test_registrar_records_a_transfer_and_the_holder_follows(registrar, weapon_factory):
    weapon = weapon_factory()
    dealer = create_party(kind="dealer", name="Nairobi Guns Ltd", licence_number="D-77")
    body = {
        "kind": "transferred",
        "occurred_on": "2010-02-03",
        "to_party_id": dealer.pk,
        "document_ref": "INV-2010-55",
    }
    response = post(client_for(registrar), f"/weapons/{weapon.pk}/events", body)

    assert response.status_code == 201, response.content
    event = response.json()
    assert (event["status_before"], event["status_after"]) == ("manufactured", "in_stock")
    assert event["to_party"]["name"] == "Nairobi Guns Ltd"
    weapon.refresh_from_db()
    assert (weapon.status, weapon.holder) == ("in_stock", dealer)
    listed = client_for(registrar).get(f"{API}/weapons/{weapon.pk}/events").json()
    assert [e["kind"] for e in listed] == ["manufactured", "transferred"]


def test_a_transfer_after_destruction_is_refused_on_the_kind(registrar, weapon_factory):
    weapon = weapon_factory()
    dealer = create_party(kind="dealer", name="Dealer")
    client = client_for(registrar)
    destroyed = post(
        client, f"/weapons/{weapon.pk}/events", {"kind": "destroyed", "occurred_on": "2011-01-01"}
    )
    assert destroyed.status_code == 201

    response = post(
        client,
        f"/weapons/{weapon.pk}/events",
        {"kind": "transferred", "occurred_on": "2012-01-01", "to_party_id": dealer.pk},
    )

    (error,) = errors_for(response, "kind")
    assert (error["type"], error["loc"]) == ("transition_refused", ["body", "kind"])
    assert "Destroyed" in error["msg"]
    assert weapon.events.count() == 2


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"kind": "vanished"}, "kind", "enum"),
        ({"occurred_on": "2999-01-01"}, "occurred_on", "future_date"),
        ({"occurred_on": "1980-01-01"}, "occurred_on", "date_order"),
        ({"occurred_on": "2011-02-30"}, "occurred_on", "date_from_datetime_parsing"),
        ({"kind": "transferred"}, "to_party_id", "required"),
        ({"kind": "transferred", "to_party_id": 424242}, "to_party_id", "unknown_party"),
        ({"kind": "exported"}, "counterpart_country", "required"),
        ({"counterpart_country": "ZZ"}, "counterpart_country", "unknown_country"),
        ({"notes": "a\x00b"}, "notes", "control_characters"),
        ({"document_ref": "D" * 121}, "document_ref", "too_long"),
    ],
)
def test_recording_an_event_refuses_bad_input_naming_the_field(
    registrar, weapon_factory, changes, field, code
):
    weapon = weapon_factory()
    body = {"kind": "lost", "occurred_on": "2011-01-01", **changes}
    response = post(client_for(registrar), f"/weapons/{weapon.pk}/events", body)
    assert [(e["type"], e["loc"][0]) for e in errors_for(response, field)] == [(code, "body")]
    assert weapon.events.count() == 1


def test_party_errors_are_named_by_the_id_field_the_client_sent(registrar, weapon_factory, maker):
    weapon = weapon_factory()
    dealer = create_party(kind="dealer", name="Dealer")
    client = client_for(registrar)
    issued = {"kind": "issued", "occurred_on": "2011-01-01", "to_party_id": maker.pk}
    response = post(client, f"/weapons/{weapon.pk}/events", issued)
    assert errors_for(response, "to_party_id")[0]["type"] == "wrong_party"
    response = post(client, "/weapons", registration(manufacturer_id=dealer.pk))
    assert errors_for(response, "manufacturer_id")[0]["loc"] == ["body", "manufacturer_id"]


def test_parts_and_marks_are_added_and_a_part_replaced(registrar, weapon_factory):
    weapon = weapon_factory()
    client = client_for(registrar)
    part = post(
        client,
        f"/weapons/{weapon.pk}/components",
        {"component_type": "receiver", "serial_number": "R-1", "installed_on": "1990-06-01"},
    )
    assert part.status_code == 201, part.content
    mark = post(
        client,
        f"/weapons/{weapon.pk}/marks",
        {"role": "import", "text": "KE 2010", "method": "laser", "component_type": "receiver"},
    )
    assert mark.status_code == 201, mark.content
    new = post(
        client,
        f"/components/{part.json()['id']}/replace",
        {"serial_number": "R-2", "replaced_on": "2012-01-01", "reason": "cracked"},
    )
    assert new.status_code == 201, new.content
    assert Component.objects.get(pk=part.json()["id"]).removed_on == dt.date(2012, 1, 1)
    assert Mark.objects.get(pk=mark.json()["id"]).component_id == part.json()["id"]
    again = post(
        client,
        f"/components/{part.json()['id']}/replace",
        {"serial_number": "R-3", "replaced_on": "2013-01-01", "reason": "again"},
    )
    assert errors_for(again, "component")[0]["type"] == "removed"


# --- parties -------------------------------------------------------------------------


def test_parties_are_created_listed_by_kind_and_name_and_shown(registrar):
    client = client_for(registrar)
    created = post(
        client,
        "/parties",
        {
            "kind": "importer",
            "name": "Société d'Armes Côte",
            "country": "fr",
            "licence_number": "I-9",
        },
    )
    assert created.status_code == 201, created.content
    create_party(kind="dealer", name="Societe Generale Dealer")

    found = client.get(f"{API}/parties", {"kind": "importer", "name": "societe d armes"}).json()
    assert [p["name"] for p in found["items"]] == ["Société d'Armes Côte"]
    assert found["count"] == 1
    shown = client.get(f"{API}/parties/{created.json()['id']}").json()
    assert (shown["country"], shown["licence_number"]) == ("FR", "I-9")


def test_a_party_needs_a_known_kind_and_a_name(registrar):
    client = client_for(registrar)
    assert errors_for(post(client, "/parties", {"kind": "pirate", "name": "X"}), "kind")
    assert errors_for(post(client, "/parties", {"kind": "dealer", "name": " "}), "name")


def test_an_unknown_party_is_404_and_an_impossible_id_422(registrar):
    client = client_for(registrar)
    assert client.get(f"{API}/parties/424242").status_code == 404
    assert errors_for(client.get(f"{API}/parties/{10**30}"), "party_id")


# --- who may do what -----------------------------------------------------------------


def test_investigator_can_read_but_not_write(investigator_a, weapon_factory):
    weapon = weapon_factory()
    client = client_for(investigator_a)
    assert client.get(f"{API}/weapons").status_code == 200
    assert client.get(f"{API}/weapons/{weapon.pk}").status_code == 200
    assert client.get(f"{API}/parties").status_code == 200

    refused = post(client, "/weapons", registration())
    assert refused.status_code == 403
    assert "registry:weapon:create" in refused.json()["detail"]
    event = {"kind": "lost", "occurred_on": "2011-01-01"}
    assert post(client, f"/weapons/{weapon.pk}/events", event).status_code == 403
    assert post(client, "/parties", {"kind": "dealer", "name": "D"}).status_code == 403
    assert weapon.events.count() == 1


def test_outsider_without_a_role_cannot_even_read(outsider, weapon_factory):
    weapon = weapon_factory()
    client = client_for(outsider)
    for path in ("/weapons", f"/weapons/{weapon.pk}", f"/weapons/{weapon.pk}/events", "/parties"):
        response = client.get(f"{API}{path}")
        assert response.status_code == 403, path
        assert response.json()["permission"] in {"registry:weapon:view", "registry:party:view"}


def test_anonymous_callers_are_asked_to_authenticate(weapon_factory):
    weapon = weapon_factory()
    client = Client()
    assert client.get(f"{API}/weapons").status_code == 401
    assert client.get(f"{API}/weapons/{weapon.pk}").status_code == 401
    response = post(client, "/weapons", registration())
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_registrar_of_agency_b_cannot_record_an_event_on_agency_a_weapon(
    registrar_b, weapon_factory
):
    weapon = weapon_factory(agency="a")
    client = client_for(registrar_b)
    response = post(
        client, f"/weapons/{weapon.pk}/events", {"kind": "lost", "occurred_on": "2011-01-01"}
    )
    assert response.status_code == 403
    assert response.json()["detail"].endswith("for PA.")
    part = post(client, f"/weapons/{weapon.pk}/components", {"component_type": "bolt"})
    mark = post(client, f"/weapons/{weapon.pk}/marks", {"role": "other", "text": "X"})
    assert (part.status_code, mark.status_code) == (403, 403)
    assert weapon.events.count() == 1
    assert not weapon.components.exists()


def test_registrar_of_agency_b_cannot_replace_a_part_of_agency_a_weapon(
    registrar, registrar_b, weapon_factory
):
    weapon = weapon_factory(agency="a")
    part = post(
        client_for(registrar), f"/weapons/{weapon.pk}/components", {"component_type": "bolt"}
    )
    body = {"serial_number": "B-9", "replaced_on": "2012-01-01", "reason": "swap"}
    response = post(client_for(registrar_b), f"/components/{part.json()['id']}/replace", body)
    assert response.status_code == 403
    assert weapon.components.count() == 1


@pytest.mark.parametrize("persona", ["registrar", "national_registrar"])
def test_registrar_of_the_agency_and_national_registrar_record_events_on_agency_a_weapon(
    request, persona, weapon_factory
):
    weapon = weapon_factory(agency="a")
    client = client_for(request.getfixturevalue(persona))
    response = post(
        client, f"/weapons/{weapon.pk}/events", {"kind": "lost", "occurred_on": "2011-01-01"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["recorded_by"] == persona


def test_registrar_b_registers_weapons_into_agency_b_only(registrar_b):
    response = post(client_for(registrar_b), "/weapons", registration())
    assert response.status_code == 201
    assert response.json()["agency"] == "PB"


def test_a_token_limited_to_viewing_cannot_write(registrar, weapon_factory):
    weapon = weapon_factory()
    client = client_for(registrar, scopes=["registry:weapon:view"])
    assert client.get(f"{API}/weapons/{weapon.pk}").status_code == 200
    response = post(client, "/weapons", registration())
    assert response.status_code == 403
    assert response.json()["permission"] == "registry:weapon:create"
    event = {"kind": "lost", "occurred_on": "2011-01-01"}
    assert post(client, f"/weapons/{weapon.pk}/events", event).status_code == 403


# --- the API itself ------------------------------------------------------------------


def test_every_registry_endpoint_declares_its_permission():
    handlers = [
        operation.view_func
        for path_view in router.path_operations.values()
        for operation in path_view.operations
    ]
    assert len(handlers) == 17  # 11, plus images (4) and restorations (2)
    undeclared = [h.__name__ for h in handlers if not getattr(h, PERMISSION_ATTR, "")]
    assert undeclared == []


def test_the_openapi_document_lists_the_weapon_paths_and_allowed_values(db):
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert {"/api/v1/weapons", "/api/v1/weapons/{weapon_id}/events"} <= set(document["paths"])
    assert "post" in document["paths"]["/api/v1/weapons"]
    assert "destroyed" in document["components"]["schemas"]["EventKind"]["enum"]
    assert Client().get(f"{API}/docs").status_code == 200
