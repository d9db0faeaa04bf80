"""The quality and spot-check pages: who may open them, what they show, what they write."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, reverse

from armstrace.accounts.decorators import PERMISSION_ATTR
from armstrace.accounts.permissions import VOCABULARY
from armstrace.quality import urls as quality_urls
from armstrace.quality.choices import Outcome
from armstrace.quality.models import QualityRun, SpotCheckItem
from armstrace.quality.services import draw_spot_check, run_quality
from armstrace.quality.tests.helpers import bulk_weapons
from armstrace.registry.models import Weapon

pytestmark = pytest.mark.urls("armstrace.quality.tests.urls")

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, *args) -> str:
    return reverse(f"quality:{name}", args=args)


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_every_quality_page_declares_a_permission_of_the_vocabulary():
    patterns = quality_urls.urlpatterns
    assert len(patterns) == 7 and all(isinstance(p, URLPattern) for p in patterns)
    for pattern in patterns:
        assert getattr(pattern.callback, PERMISSION_ATTR) in VOCABULARY, pattern


# --- the report -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["registrar", "auditor", "administrator"])
def test_registrars_auditors_and_administrators_see_the_counts_by_rule(
    persona, request, as_user, weapon_factory
):
    weapon_factory(model="")
    run_quality(profile="all")
    response = as_user(request.getfixturevalue(persona)).get(url("report"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Q-ITI-MIN" in html and "ITI para 8(a), 11; MOSAIC 05.30" in html
    assert "over 1 records" in html or "over 1 record" in html


@pytest.mark.parametrize("persona", ["investigator_a", "poc", "outsider"])
def test_investigators_points_of_contact_and_outsiders_are_refused(persona, request, as_user):
    client = as_user(request.getfixturevalue(persona))
    assert client.get(url("report")).status_code == 403
    assert client.get(url("rule", "Q-ITI-MIN")).status_code == 403
    assert client.post(url("run"), {"profile": "iti"}).status_code == 403
    assert not QualityRun.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    for page in (url("report"), url("rule", "Q-ITI-MIN"), url("spotcheck-list"), url("my-items")):
        response = client.get(page)
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.post(url("run"), {"profile": "iti"}).status_code == 302
    assert not QualityRun.objects.exists()


def test_a_national_registrar_runs_the_rules_now_and_sees_the_new_counts(
    as_user, national_registrar, weapon_factory
):
    weapon_factory(model="")
    client = as_user(national_registrar)
    assert 'action="/quality/run/"' in client.get(url("report")).content.decode()
    response = client.post(url("run"), {"profile": "iti"})
    assert response.status_code == 302 and response["Location"].endswith("?profile=iti")
    run = QualityRun.objects.get()
    assert (run.profile, run.run_by) == ("iti", national_registrar)
    html = client.get(response["Location"]).content.decode()
    assert "Quality rules run over 1 records." in html


def test_with_htmx_the_run_answers_with_the_counts_only(as_user, administrator, weapon_factory):
    weapon_factory(model="")
    response = as_user(administrator).post(url("run"), {"profile": "eu"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="quality-counts"')
    assert "Q-EU-MIN" in html and "Q-ITI-MIN" not in html
    assert "Quality rules run over 1 records." in html


def test_registrars_of_one_agency_auditors_and_get_requests_cannot_run_the_rules(
    as_user, registrar, auditor, national_registrar
):
    assert as_user(registrar).post(url("run"), {"profile": "iti"}).status_code == 403
    assert 'action="/quality/run/"' not in as_user(registrar).get(url("report")).content.decode()
    assert as_user(auditor).post(url("run"), {"profile": "iti"}).status_code == 403
    assert as_user(national_registrar).get(url("run")).status_code == 405
    assert not QualityRun.objects.exists()


def test_the_rule_page_lists_failing_records_linked_to_their_weapon_pages(
    as_user, auditor, weapon_factory
):
    failing = weapon_factory(serial="NM-1", model="")
    passing = weapon_factory(serial="OK-1")
    html = as_user(auditor).get(url("rule", "Q-ITI-MIN")).content.decode()
    assert reverse("registry:weapon-detail", args=[failing.pk]) in html
    assert "missing: model" in html
    assert passing.serial_number not in html


def test_the_rule_page_pages_with_htmx_and_an_unknown_rule_is_not_found(
    as_user, auditor, agencies, maker
):
    bulk_weapons(agencies["a"], [f"P{n:03d}" for n in range(51)], manufacturer=maker, model="")
    client = as_user(auditor)
    first = client.get(url("rule", "Q-ITI-MIN")).content.decode()
    assert first.count("missing: model") == 50 and 'rel="next"' in first
    second = client.get(url("rule", "Q-ITI-MIN"), {"page": 2}, **HTMX).content.decode()
    assert second.lstrip().startswith('<section id="rule-failures"')
    assert second.count("missing: model") == 1 and 'rel="prev"' in second
    assert client.get(url("rule", "Q-NOPE")).status_code == 404


# --- spot checks ----------------------------------------------------------------------


@pytest.fixture
def spot(weapon_factory, registrar):
    weapon_factory(serial="SC-1", model="M70")
    weapon_factory(serial="SC-2", model="M70", agency="b")
    return draw_spot_check(size=2, strata="agency", clerks=[registrar], seed=1)


def test_auditors_see_the_spot_checks_and_their_estimate(as_user, auditor, spot, registrar):
    client = as_user(auditor)
    assert f"Spot check {spot.pk}" in client.get(url("spotcheck-list")).content.decode()
    html = client.get(url("spotcheck-detail", spot.pk)).content.decode()
    assert "Estimated error rate" in html and "PA" in html and "PB" in html
    assert "SC-1" in html and "registrar" in html


def test_investigators_cannot_see_spot_checks_or_answer_them(as_user, investigator_a, spot):
    client = as_user(investigator_a)
    item = spot.items.first()
    assert client.get(url("spotcheck-list")).status_code == 403
    assert client.get(url("spotcheck-detail", spot.pk)).status_code == 403
    assert client.get(url("my-items")).status_code == 403
    assert client.post(url("item-answer", item.pk), {"outcome": "confirmed"}).status_code == 403


def test_a_clerk_sees_their_items_and_confirms_one(as_user, registrar, spot):
    client = as_user(registrar)
    html = client.get(url("my-items")).content.decode()
    assert "2 records are waiting for you." in html
    item = spot.items.get(serial_number="SC-1")
    form = client.get(url("item-answer", item.pk))
    assert form.status_code == 200 and 'name="outcome"' in form.content.decode()
    data = {**_current(item.weapon), "outcome": "confirmed"}
    response = client.post(url("item-answer", item.pk), data)
    assert response.status_code == 302 and response["Location"] == url("my-items")
    assert SpotCheckItem.objects.get(pk=item.pk).outcome == Outcome.CONFIRMED


def test_a_clerk_corrects_a_field_and_marks_an_error(as_user, registrar, spot):
    item = spot.items.get(serial_number="SC-1")
    data = {**_current(item.weapon), "outcome": "error_found", "model": "M70AB2"}
    response = as_user(registrar).post(url("item-answer", item.pk), data)
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.outcome == Outcome.ERROR_FOUND and item.corrected_fields == ["model"]
    assert Weapon.objects.get(pk=item.weapon_id).model == "M70AB2"


def test_a_confirmation_with_a_changed_field_is_sent_back(as_user, registrar, spot):
    item = spot.items.get(serial_number="SC-1")
    data = {**_current(item.weapon), "outcome": "confirmed", "model": "M70AB2"}
    response = as_user(registrar).post(url("item-answer", item.pk), data)
    assert response.status_code == 422
    assert "needs no correction" in response.content.decode()
    assert Weapon.objects.get(pk=item.weapon_id).model == "M70"


def test_another_registrar_may_not_open_or_answer_a_clerks_item_an_administrator_may(
    as_user, registrar_b, national_registrar, administrator, spot
):
    item = spot.items.get(serial_number="SC-1")
    data = {**_current(item.weapon), "outcome": "confirmed"}
    for other in (registrar_b, national_registrar):
        client = as_user(other)
        assert client.get(url("item-answer", item.pk)).status_code == 403
        assert client.post(url("item-answer", item.pk), data).status_code == 403
    assert SpotCheckItem.objects.get(pk=item.pk).outcome == Outcome.PENDING
    assert as_user(administrator).post(url("item-answer", item.pk), data).status_code == 302
    assert SpotCheckItem.objects.get(pk=item.pk).answered_by == administrator


def _current(weapon: Weapon) -> dict[str, str]:
    """The answer form's fields as the page pre-fills them."""
    values = {
        "serial_number": weapon.serial_number,
        "manufacturer_name": weapon.manufacturer_name,
        "country_of_manufacture": weapon.country_of_manufacture_id or "",
        "model": weapon.model,
        "calibre": weapon.calibre,
        "weapon_type": weapon.weapon_type,
        "year_of_manufacture": weapon.year_of_manufacture or "",
        "import_country": weapon.import_country_id or "",
        "import_year": weapon.import_year or "",
        "record_ref": weapon.record_ref,
    }
    return {key: str(value) for key, value in values.items()}
