"""The marking pages: the weapon-page panel, the import form, the list of imports without an
import mark, and the badly marked weapons with their routing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from armstrace.marking.models import Campaign, Destruction
from armstrace.marking.services.campaigns import create_campaign
from armstrace.registry.models import Mark, Weapon
from armstrace.registry.services import (
    ComponentInput,
    EventInput,
    MarkInput,
    add_component,
    add_mark,
    create_party,
    record_life_event,
)

pytestmark = pytest.mark.django_db
MISSING = reverse("marking:missing-import-marks")
BADLY = reverse("marking:badly-marked")
ROUTE = reverse("marking:badly-marked-route")


@pytest.fixture
def logged_in(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def importer(db):
    return create_party(kind="importer", name="Mombasa Arms Import", licence_number="IMP-42")


def detail(weapon) -> str:
    return reverse("registry:weapon-detail", args=[weapon.pk])


def import_url(weapon) -> str:
    return reverse("marking:weapon-import", args=[weapon.pk])


def in_transit(weapon: Weapon) -> Weapon:
    record_life_event(
        weapon=weapon, data=EventInput(kind="in_transit", occurred_on=dt.date(2024, 2, 1))
    )
    return weapon


def import_form(importer, **changes) -> dict[str, str]:
    form = {
        "occurred_on": "2024-03-05",
        "country": "KE",
        "importer": str(importer.pk),
        "reason": "licence IL-1/24",
    }
    form.update(changes)
    return form


# --- the weapon-page panel -----------------------------------------------------------------


def test_the_weapon_page_shows_the_marking_findings_with_their_legal_basis(
    logged_in, investigator_a, weapon_factory
):
    weapon = weapon_factory(model="")
    html = logged_in(investigator_a).get(detail(weapon)).content.decode()
    assert "Marking checks" in html and "M-ITI-MODEL-CALIBRE" in html
    assert "ITI para 8(a) [V] (encouraged)" in html
    assert import_url(weapon) not in html  # investigators do not record imports


def test_the_panel_offers_the_import_form_to_registrars_of_the_weapons_agency_only(
    logged_in, registrar, registrar_b, weapon_factory
):
    weapon = weapon_factory(agency="a")
    assert import_url(weapon) in logged_in(registrar).get(detail(weapon)).content.decode()
    assert import_url(weapon) not in logged_in(registrar_b).get(detail(weapon)).content.decode()


# --- recording an import -------------------------------------------------------------------


def test_a_registrar_records_an_import_and_the_mark_is_generated(
    logged_in, registrar, weapon_factory, importer
):
    weapon = in_transit(weapon_factory())
    response = logged_in(registrar).post(import_url(weapon), import_form(importer))
    assert response.status_code == 302 and response.url == detail(weapon)
    assert Mark.objects.get(weapon=weapon, role="import").text == "KE24"


def test_an_invalid_import_shows_the_form_again_with_the_reason(
    logged_in, registrar, weapon_factory, importer
):
    weapon = weapon_factory()  # not in transit: the life cycle refuses an import
    response = logged_in(registrar).post(import_url(weapon), import_form(importer))
    assert response.status_code == 422
    assert "cannot be" in response.content.decode()
    assert not Mark.objects.exists()


@pytest.mark.parametrize("persona", ["registrar_b", "investigator_a", "auditor", "outsider"])
def test_only_a_registrar_of_the_weapons_agency_may_record_an_import(
    request, logged_in, weapon_factory, importer, persona
):
    weapon = in_transit(weapon_factory(agency="a"))
    client = logged_in(request.getfixturevalue(persona))
    assert client.get(import_url(weapon)).status_code == 403
    assert client.post(import_url(weapon), import_form(importer)).status_code == 403
    assert not Mark.objects.exists()


# --- imports without an import mark ------------------------------------------------------


def test_imported_weapons_without_an_import_mark_are_listed_for_readers(
    logged_in, investigator_a, weapon_factory
):
    listed = weapon_factory(import_country="KE", import_year=2015)
    marked = weapon_factory(import_country="KE", import_year=2015)
    add_mark(weapon=marked, data=MarkInput(role="import", text="KE15"))
    html = logged_in(investigator_a).get(MISSING).content.decode()
    assert listed.serial_number in html and marked.serial_number not in html


def test_the_missing_import_marks_page_is_refused_without_the_permission(logged_in, outsider):
    assert logged_in(outsider).get(MISSING).status_code == 403


# --- badly marked weapons -----------------------------------------------------------------


@pytest.fixture
def badly(weapon_factory):
    weapon = weapon_factory(serial="BR-9")
    add_component(weapon=weapon, data=ComponentInput("barrel", "BR-9"))
    return weapon


def test_the_badly_marked_page_lists_the_weapons_with_their_reasons_and_checkboxes(
    logged_in, registrar, weapon_factory, badly
):
    fine = weapon_factory()
    html = logged_in(registrar).get(BADLY).content.decode()
    assert badly.serial_number in html and "M-ITI-SERIAL-ON-FRAME" in html
    assert fine.serial_number not in html
    assert f'name="weapons" value="{badly.pk}"' in html
    assert "Send to marking campaign" in html and "Send to destruction" in html


def test_readers_see_the_list_without_the_routing_actions(logged_in, investigator_a, badly):
    html = logged_in(investigator_a).get(BADLY).content.decode()
    assert badly.serial_number in html and 'name="weapons"' not in html


def test_the_badly_marked_page_is_refused_without_the_permission(logged_in, outsider):
    assert logged_in(outsider).get(BADLY).status_code == 403


def test_a_registrar_sends_badly_marked_weapons_to_a_marking_campaign(
    logged_in, registrar, agencies, badly
):
    campaign = create_campaign(
        agency=agencies["a"], name="Remark", purpose="state_ownership", mark_template="KE-PA-"
    )
    form = {"action": "campaign", "campaign": campaign.pk, "weapons": [badly.pk], "reason": "M7"}
    response = logged_in(registrar).post(ROUTE, form)
    assert response.status_code == 302
    assert list(Campaign.objects.get(pk=campaign.pk).items.values_list("weapon_id", flat=True)) == [
        badly.pk
    ]


def test_a_registrar_sends_badly_marked_weapons_to_destruction(logged_in, registrar, badly):
    form = {"action": "destruction", "weapons": [badly.pk], "reason": "unmarkable"}
    assert logged_in(registrar).post(ROUTE, form).status_code == 302
    destruction = Destruction.objects.get()
    assert list(destruction.items.values_list("weapon_id", flat=True)) == [badly.pk]


@pytest.mark.parametrize("persona", ["investigator_a", "auditor", "registrar_b", "outsider"])
def test_routing_is_refused_to_others_than_registrars_of_the_weapons_agency(
    request, logged_in, badly, persona
):
    form = {"action": "destruction", "weapons": [badly.pk], "reason": "unmarkable"}
    response = logged_in(request.getfixturevalue(persona)).post(ROUTE, form)
    assert response.status_code == 403
    assert not Destruction.objects.exists()


def test_a_registrar_may_not_fill_another_agencys_campaign(logged_in, registrar, agencies, badly):
    theirs = create_campaign(
        agency=agencies["b"], name="B's", purpose="state_ownership", mark_template="KE-PB-"
    )
    form = {"action": "campaign", "campaign": theirs.pk, "weapons": [badly.pk], "reason": "M7"}
    assert logged_in(registrar).post(ROUTE, form).status_code == 403
    assert not theirs.items.exists()


# --- concealed marks -------------------------------------------------------------------------


@pytest.fixture
def concealed(weapon_factory):
    weapon = weapon_factory(agency="a")
    add_mark(weapon=weapon, data=MarkInput(role="other", text="ЖЖ★9", concealed=True))
    return weapon


def test_a_finding_on_a_concealed_mark_is_shown_only_to_those_who_may_see_the_mark(
    logged_in, registrar, investigator_a, concealed
):
    own = logged_in(registrar).get(detail(concealed)).content.decode()
    assert "M-ITI-MARK-ALPHABET" in own
    other = logged_in(investigator_a).get(detail(concealed)).content.decode()
    assert "M-ITI-MARK-ALPHABET" not in other and "★" not in other


def test_a_finding_on_a_concealed_mark_never_quotes_the_mark(logged_in, registrar, concealed):
    html = logged_in(registrar).get(detail(concealed)).content.decode()
    panel = html[html.index('id="marking-checks"') :]
    assert "a mark has characters outside" in panel and "★" not in panel
