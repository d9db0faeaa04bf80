"""Personal data on weapon records: withheld until a purpose is stated, every showing audited."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from armstrace.accounts.services import issue_token
from armstrace.audit.models import AuditEntry
from armstrace.core import clock
from armstrace.registry.personal import VIEWED
from armstrace.registry.services import EventInput, create_party, record_life_event

pytestmark = pytest.mark.django_db
API = "/api/v1"
NAME, LICENCE, ADDRESS = "Jane Wanjiru", "CIV-4471", "12 Moi Avenue, Nakuru"
DEALER = "Nairobi Guns Ltd"
CASE = "CASE-2024-118"


@pytest.fixture
def person(db):
    return create_party(kind="individual", name=NAME, licence_number=LICENCE, address=ADDRESS)


@pytest.fixture
def dealer(db):
    return create_party(kind="dealer", name=DEALER, licence_number="D-77")


@pytest.fixture
def held(weapon_factory, dealer, person):
    """A weapon sold by a dealer to an individual, under the individual's licence."""
    weapon = weapon_factory()
    for to, licence in ((dealer, ""), (person, LICENCE)):
        data = EventInput(
            kind="transferred", occurred_on=dt.date(2015, 1, 2), to_party=to, licence_number=licence
        )
        record_life_event(weapon=weapon, data=data)
    weapon.refresh_from_db()
    return weapon


def page(user: Any, weapon: Any, client: Client | None = None) -> tuple[Client, str, int]:
    client = client or Client()
    client.force_login(user)
    response = client.get(reverse("registry:weapon-detail", args=[weapon.pk]))
    return client, response.content.decode(), response.status_code


def state_purpose(client: Client, weapon: Any, purpose: str, **headers: str) -> Any:
    url = reverse("registry:weapon-detail", args=[weapon.pk])
    return client.post(url, {"purpose": purpose}, headers=headers)


def viewed() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(tag=VIEWED).order_by("seq"))


# --- the weapon page -----------------------------------------------------------------------


def test_the_weapon_page_withholds_an_individual_holder_until_a_purpose_is_stated(
    investigator_a, held
):
    _, html, status = page(investigator_a, held)
    assert status == 200
    assert NAME not in html and LICENCE not in html and ADDRESS not in html
    assert "An individual (personal data withheld)" in html
    assert 'id="purpose-form"' in html
    assert DEALER in html  # a dealer is not a person: shown as before
    assert viewed() == []


def test_a_stated_purpose_shows_the_personal_data_and_each_showing_is_audited(
    investigator_a, held, person
):
    client = Client()
    client.force_login(investigator_a)
    response = state_purpose(client, held, f"  {CASE} ")
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:weapon-detail", args=[held.pk])
    assert viewed() == []  # stating a purpose shows nothing yet; the page does
    _, html, _ = page(investigator_a, held, client)
    assert NAME in html and LICENCE in html and ADDRESS in html
    assert f"Shown for “{CASE}”" in html
    page(investigator_a, held, client)
    first, second = viewed()
    assert first.actor_name == "investigator_a" and first.purpose == CASE
    assert first.data == {"purpose": CASE, "weapon": str(held.pk), "parties": [person.pk]}
    assert (first.object_type, first.object_id) == ("registry.weapon", str(held.pk))
    assert second.data == first.data


def test_an_htmx_purpose_answers_with_a_redirect_htmx_follows(investigator_a, held):
    client = Client()
    client.force_login(investigator_a)
    response = state_purpose(client, held, CASE, **{"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("registry:weapon-detail", args=[held.pk])


def test_a_blank_purpose_is_refused_and_nothing_is_shown(investigator_a, held):
    client = Client()
    client.force_login(investigator_a)
    response = state_purpose(client, held, "   ")
    assert response.status_code == 422
    html = response.content.decode()
    assert "Give the case number or the purpose" in html and NAME not in html
    htmx = state_purpose(client, held, "", **{"HX-Request": "true"})
    assert htmx.status_code == 200 and "Give the case number" in htmx.content.decode()
    assert NAME not in page(investigator_a, held, client)[1]
    assert viewed() == []


def test_the_purpose_expires_after_the_configured_minutes(
    investigator_a, held, settings, monkeypatch
):
    settings.ARMSTRACE_PURPOSE_MINUTES = 5
    client = Client()
    client.force_login(investigator_a)
    state_purpose(client, held, CASE)
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start + dt.timedelta(minutes=4))
    assert NAME in page(investigator_a, held, client)[1]
    monkeypatch.setattr(clock, "now", lambda: start + dt.timedelta(minutes=6))
    assert NAME not in page(investigator_a, held, client)[1]
    assert len(viewed()) == 1


def test_a_purpose_holds_for_the_weapon_it_was_stated_for_only(
    investigator_a, held, weapon_factory, person
):
    other = weapon_factory()
    record_life_event(
        weapon=other,
        data=EventInput(kind="transferred", occurred_on=dt.date(2016, 1, 1), to_party=person),
    )
    client = Client()
    client.force_login(investigator_a)
    state_purpose(client, held, CASE)
    assert NAME in page(investigator_a, held, client)[1]
    assert NAME not in page(investigator_a, other, client)[1]


def test_a_record_naming_no_individual_asks_no_purpose_and_records_nothing(
    investigator_a, weapon_factory, dealer
):
    weapon = weapon_factory()
    record_life_event(
        weapon=weapon,
        data=EventInput(kind="transferred", occurred_on=dt.date(2015, 1, 2), to_party=dealer),
    )
    _, html, _ = page(investigator_a, weapon)
    assert DEALER in html and 'id="purpose-form"' not in html
    assert viewed() == []


def test_the_timeline_withholds_individual_parties_and_the_licence_of_their_event(registrar, held):
    _, html, _ = page(registrar, held)
    assert "An individual (withheld)" in html
    assert f"licence {LICENCE}" not in html


# --- the API -------------------------------------------------------------------------------


def api(user: Any) -> Client:
    _, secret = issue_token(user=user, name="test", scopes=None)
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_the_api_withholds_individuals_and_lists_what_it_withheld(investigator_a, held):
    body = api(investigator_a).get(f"{API}/weapons/{held.pk}").json()
    assert body["holder"] is None and body["withheld"] == ["holder"]
    sold, bought = body["events"][1], body["events"][2]
    assert sold["to_party"]["name"] == DEALER and sold["withheld"] == []
    assert bought["to_party"] is None and bought["licence_number"] is None
    assert bought["withheld"] == ["to_party", "licence_number"]
    assert NAME not in json.dumps(body) and LICENCE not in json.dumps(body)
    assert viewed() == []


@pytest.mark.parametrize("how", ["query", "header"])
def test_the_api_shows_individuals_for_a_purpose_and_audits_it(investigator_a, held, person, how):
    client = api(investigator_a)
    if how == "query":
        response = client.get(f"{API}/weapons/{held.pk}", {"purpose": CASE})
    else:
        response = client.get(f"{API}/weapons/{held.pk}", headers={"X-Purpose": CASE})
    body = response.json()
    assert body["holder"]["name"] == NAME and body["withheld"] == []
    assert body["events"][2]["licence_number"] == LICENCE
    (entry,) = viewed()
    assert (entry.actor_name, entry.channel, entry.purpose) == ("investigator_a", "api", CASE)
    assert entry.data["parties"] == [person.pk]


def test_the_events_and_the_weapon_list_withhold_individuals_too(investigator_a, held, person):
    client = api(investigator_a)
    events = client.get(f"{API}/weapons/{held.pk}/events").json()
    assert events[2]["to_party"] is None
    listed = client.get(f"{API}/weapons").json()["items"]
    assert listed[0]["holder"] is None and listed[0]["withheld"] == ["holder"]
    assert viewed() == []
    events = client.get(f"{API}/weapons/{held.pk}/events", {"purpose": CASE}).json()
    assert events[2]["to_party"]["name"] == NAME
    listed = client.get(f"{API}/weapons", {"purpose": CASE}).json()["items"]
    assert listed[0]["holder"]["name"] == NAME
    assert [e.data["parties"] for e in viewed()] == [[person.pk], [person.pk]]


def test_an_individual_is_not_found_by_name_nor_shown_without_a_purpose(
    investigator_a, person, dealer
):
    client = api(investigator_a)
    assert client.get(f"{API}/parties", {"name": "wanjiru"}).json()["count"] == 0
    assert client.get(f"{API}/parties", {"name": "nairobi"}).json()["count"] == 1
    shown = client.get(f"{API}/parties/{person.pk}").json()
    assert shown["name"] is None and shown["address"] is None and shown["licence_number"] is None
    assert shown["withheld"] == ["name", "licence_number", "address"]
    assert viewed() == []
    found = client.get(f"{API}/parties", {"name": "wanjiru", "purpose": CASE}).json()
    assert [p["name"] for p in found["items"]] == [NAME]
    shown = client.get(f"{API}/parties/{person.pk}", headers={"X-Purpose": CASE}).json()
    assert shown["address"] == ADDRESS
    assert [(e.object_type, e.object_id) for e in viewed()] == [
        ("registry.party", str(person.pk))
    ] * 2


def test_a_registrar_creating_an_individual_party_gets_back_what_they_sent(registrar):
    body = {"kind": "individual", "name": "Peter Otieno", "licence_number": "CIV-1"}
    response = api(registrar).post(
        f"{API}/parties", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["name"] == "Peter Otieno" and response.json()["withheld"] == []
    assert viewed() == []


def test_a_purpose_with_control_characters_is_refused(investigator_a, held):
    response = api(investigator_a).get(f"{API}/weapons/{held.pk}", {"purpose": "CASE\x001"})
    assert response.status_code == 422
    assert viewed() == []


def test_a_refused_api_call_with_a_token_is_audited_in_the_token_users_name(
    investigator_a, settings
):
    """The request's audit context opens before the token is read; the refusal audit
    (armstrace.audit.middleware) still names the token's user."""
    middleware = "armstrace.audit.middleware.RefusalAuditMiddleware"
    if middleware not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, middleware]
    body = json.dumps({"kind": "individual", "name": "X"})
    response = api(investigator_a).post(f"{API}/parties", body, content_type="application/json")
    assert response.status_code == 403
    entry = AuditEntry.objects.get(tag="audit:access:refused")
    assert (entry.actor_id, entry.actor_name, entry.channel) == (
        investigator_a.pk,
        "investigator_a",
        "api",
    )
    assert entry.data["permission"] == "registry:party:create"
