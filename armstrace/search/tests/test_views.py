"""The investigator's search page: who may open it, what it shows, and what it records."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from armstrace.search.models import SearchLog

SEARCH = reverse("search:weapons")
HINT = reverse("reference:identify-hint")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def investigator(client, investigator_a):
    client.force_login(investigator_a)
    return client


def field_block(html: str, name: str) -> str:
    """The markup of one field's group, from its wrapper to the next field."""
    start = html.rindex('<div class="field', 0, html.index(f'name="{name}"'))
    end = html.find('<div class="field', start + 1)
    return html[start : end if end > 0 else len(html)]


def found_serials(html: str) -> list[str]:
    return re.findall(r'<a class="serial" href="/weapons/[^"]+/">([^<]+)</a>', html)


def test_an_investigator_finds_a_weapon_with_a_misread_serial_and_sees_why(
    investigator, weapon_factory
):
    weapon = weapon_factory(serial="8O51I7")
    weapon_factory(serial="ZX99881")
    response = investigator.get(SEARCH, {"serial": "BO5II7", "purpose": "CASE-2026-17"})
    html = response.content.decode()
    assert response.status_code == 200
    assert found_serials(html) == ["8O51I7"]
    assert f'href="{reverse("registry:weapon-detail", args=[weapon.pk])}"' in html
    assert '<span class="badge badge--equivalent">Equivalent</span>' in html
    assert "B→8" in html  # the reason, as the service wrote it
    assert 'aria-live="polite"' in html


def test_the_clues_rank_the_right_maker_first_among_shared_serials(investigator, weapon_factory):
    weapon_factory(serial="56-1234", manufacturer=None, manufacturer_name="Glock",
                   model="17", calibre="9x19", weapon_type="pistol",
                   country_of_manufacture="AT")  # fmt: skip
    weapon_factory(serial="56-1234", manufacturer=None, manufacturer_name="Norinco",
                   model="Type 56", calibre="7.62x39", country_of_manufacture="CN")  # fmt: skip
    html = investigator.get(
        SEARCH, {"serial": "561234", "model": "Type 56", "purpose": "CASE-1"}
    ).content.decode()
    assert html.index("Norinco") < html.index("Glock")


def test_an_htmx_search_returns_only_the_results_and_the_fields_out_of_band(
    investigator, weapon_factory
):
    weapon_factory(serial="AB12345")
    response = investigator.get(SEARCH, {"serial": "AB12345", "purpose": "CASE-1"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'class="site-header"' not in html
    assert html.lstrip().startswith('<section id="search-results"')
    assert '<div id="search-fields" hx-swap-oob="true">' in html
    assert found_serials(html) == ["AB12345"]
    assert "HX-Request" in response["Vary"]


def test_the_page_searches_by_get_with_htmx_and_pushes_the_url(investigator):
    html = investigator.get(SEARCH).content.decode()
    assert 'method="get"' in html
    assert 'hx-target="#search-results"' in html and 'hx-push-url="true"' in html


def test_the_purpose_is_required_and_nothing_is_searched_without_it(investigator, weapon_factory):
    weapon_factory(serial="AB12345")
    response = investigator.get(SEARCH, {"serial": "AB12345", "purpose": ""})
    html = response.content.decode()
    assert response.status_code == 422
    assert "field--error" in field_block(html, "purpose")
    assert "Give the case number or the purpose of this search" in field_block(html, "purpose")
    assert found_serials(html) == []
    assert not SearchLog.objects.exists()


def test_the_purpose_is_recorded_once_with_the_search(investigator, weapon_factory):
    weapon = weapon_factory(serial="AB12345")
    investigator.get(SEARCH, {"serial": "AB12345", "purpose": "CASE-2026-17", "year": "1990"})
    log = SearchLog.objects.get()  # the service logs; the page does not log again
    assert (log.actor_name, log.channel, log.purpose) == ("investigator_a", "web", "CASE-2026-17")
    assert log.query["serial"] == "AB12345" and log.query["year"] == 1990
    assert log.results[0][0] == str(weapon.pk)


def test_a_wildcard_only_serial_is_shown_on_the_serial_field(investigator):
    response = investigator.get(SEARCH, {"serial": "*", "purpose": "CASE-1"})
    html = response.content.decode()
    assert response.status_code == 422
    assert "field--error" in field_block(html, "serial")
    assert "field--error" not in field_block(html, "purpose")
    assert not SearchLog.objects.exists()


def test_a_wildcard_only_serial_over_htmx_swaps_the_error_into_the_fields(investigator):
    response = investigator.get(SEARCH, {"serial": "?*", "purpose": "CASE-1"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert 'role="alert"' in html
    assert "field--error" in field_block(html, "serial")


def test_no_result_says_what_to_try_next(investigator, weapon_factory):
    weapon_factory(serial="AB12345")
    html = investigator.get(
        SEARCH, {"serial": "QQ77", "manufacturer": "Norinco", "purpose": "CASE-1"}
    ).content.decode()
    assert "No weapon in the registry matches QQ77." in html
    assert "type ? for each of them" in html
    assert f'href="{reverse("reference:identify")}?manufacturer=Norinco"' in html
    assert "national point of contact" in html and "international trace request" in html
    assert SearchLog.objects.get().result_count == 0


def test_a_too_broad_pattern_shows_the_service_message(investigator, weapon_factory, monkeypatch):
    monkeypatch.setattr("armstrace.search.services.CAP", 2)
    for i in range(4):
        weapon_factory(serial=f"WIDE{i}")
    html = investigator.get(SEARCH, {"serial": "WIDE*", "purpose": "CASE-1"}).content.decode()
    assert "More than 2 records match WIDE*" in html
    assert found_serials(html) == []


def test_a_link_with_clues_only_prefills_the_form_without_searching(investigator):
    response = investigator.get(SEARCH, {"manufacturer": "Norinco", "type": "assault-rifle"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Norinco"' in html
    assert '<option value="assault-rifle" selected>' in html
    assert "field--error" not in html
    assert not SearchLog.objects.exists()


def test_prefilled_clues_ask_for_their_canonical_hint_at_once(investigator):
    html = investigator.get(SEARCH, {"calibre": "7,62x39"}).content.decode()
    calibre = field_block(html, "calibre")
    assert f'hx-get="{HINT}"' in calibre
    assert 'hx-trigger="load, input changed delay:300ms"' in calibre
    assert 'id="hint-calibre" aria-live="polite"' in calibre
    assert 'hx-trigger="input changed delay:300ms"' in field_block(html, "model")


def test_the_hint_gives_the_canonical_calibre(investigator):
    response = investigator.get(HINT, {"calibre": "7,62x39"}, headers=HTMX)
    assert response.status_code == 200
    text = response.content.decode()
    assert "canonical:" in text and "7.62" in text and "39" in text


def test_the_hint_says_when_the_reference_does_not_know_a_name(investigator):
    text = investigator.get(HINT, {"manufacturer": "zzqqxx"}).content.decode()
    assert "not in the reference data" in text
    assert investigator.get(HINT).content.decode().strip() == ""


@pytest.mark.parametrize("url", [SEARCH, HINT])
def test_an_outsider_is_refused_and_an_anonymous_visitor_must_sign_in(client, outsider, url):
    assert client.get(url).status_code == 302
    assert client.get(url)["Location"].startswith(reverse("login"))
    client.force_login(outsider)
    assert client.get(url, {"serial": "A1", "purpose": "x"}).status_code == 403
    assert not SearchLog.objects.exists()


def test_search_and_identify_are_in_the_menu_of_those_who_may_use_them(investigator):
    html = investigator.get(SEARCH).content.decode()
    nav = html[html.index('<nav class="site-nav"') :]
    assert f'<a href="{SEARCH}" aria-current="page">Search</a>' in nav
    assert f'<a href="{reverse("reference:identify")}">Identify</a>' in nav
