"""The identification page: it answers as the user types, and never with an error page."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

IDENTIFY = reverse("reference:identify")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def investigator(client, investigator_a):
    client.force_login(investigator_a)
    return client


def first_row(html: str) -> str:
    start = html.index("<tbody>")
    return html[start : html.index("</tr>", start)]


def test_type_56_is_a_chinese_ak_made_by_norinco_with_the_reasons(investigator):
    response = investigator.get(IDENTIFY, {"model": "Type 56"})
    assert response.status_code == 200
    row = first_row(response.content.decode())
    assert "Norinco" in row
    assert '<abbr title="China">CN</abbr>' in row
    assert "Type 56 (AK-47" in row
    assert '<span class="badge badge--licensed">Made under licence</span>' in row
    assert re.search(r'<td class="numeric">\d{1,3}%</td>', row)
    assert '<ul class="reasons"><li>' in row and "licensed AK-47" in row


def test_each_candidate_links_to_the_registry_search_with_its_values(investigator):
    row = first_row(investigator.get(IDENTIFY, {"model": "Type 56"}).content.decode())
    href = re.search(r'<a href="(/search/\?[^"]+)">Search the registry with these values', row)
    assert href is not None
    url = urlsplit(href.group(1).replace("&amp;", "&"))
    assert url.path == reverse("search:weapons")
    values = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert values["model"] == "Type 56" and values["country"] == "CN"
    assert values["type"] == "assault-rifle" and "Norinco" in values["manufacturer"]
    assert "39" in values["calibre"]


def test_the_prefilled_search_finds_the_weapon_the_identification_named(
    investigator, weapon_factory
):
    weapon_factory(serial="56-001", manufacturer=None, manufacturer_name="Norinco",
                   model="Type 56", country_of_manufacture="CN")  # fmt: skip
    weapon_factory(serial="56-001", manufacturer=None, manufacturer_name="Glock",
                   model="17", calibre="9x19", weapon_type="pistol",
                   country_of_manufacture="AT")  # fmt: skip
    row = first_row(investigator.get(IDENTIFY, {"model": "Type 56"}).content.decode())
    link = re.search(r'<a href="(/search/\?[^"]+)">', row)
    assert link is not None
    href = link.group(1).replace("&amp;", "&")
    html = investigator.get(f"{href}&serial=56001&purpose=CASE-9").content.decode()
    serials = re.findall(r'<a class="serial"[^>]*>[^<]+</a>\s*</th>\s*<td>([^<]+)</td>', html)
    assert serials[0] == "Norinco"


def test_empty_input_prompts_for_a_description(investigator):
    response = investigator.get(IDENTIFY)
    assert response.status_code == 200
    assert (
        "Type a manufacturer, model, calibre, type, country or mark." in response.content.decode()
    )


def test_nonsense_input_says_nothing_matches_and_is_no_error(investigator):
    response = investigator.get(IDENTIFY, {"manufacturer": "zzqqxx", "marks": "%%%"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing in the input matches the reference data." in html
    assert "<tbody>" not in html


def test_an_htmx_request_returns_only_the_results(investigator):
    response = investigator.get(IDENTIFY, {"calibre": "7,62x39"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="identify-results"')
    assert "<html" not in html and "<form" not in html
    assert "7.62×39" in html or "7.62x39" in html
    assert "HX-Request" in response["Vary"]


def test_the_form_answers_as_the_user_types_and_works_without_javascript(investigator):
    html = investigator.get(IDENTIFY, {"manufacturer": "Izhmash"}).content.decode()
    assert 'method="get"' in html and f'action="{IDENTIFY}"' in html
    assert 'hx-trigger="input changed delay:300ms, submit"' in html
    assert 'hx-target="#identify-results"' in html
    assert 'aria-live="polite"' in html
    assert '<label for="id_marks">' in html
    assert 'value="Izhmash"' in html
    assert "Kalashnikov" in first_row(html)


def test_a_too_long_field_is_reported_not_failed(investigator):
    response = investigator.get(IDENTIFY, {"model": "AK" * 200})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_the_hint_gives_a_canonical_manufacturer(investigator):
    text = investigator.get(reverse("reference:identify-hint"), {"manufacturer": "Izhmash"})
    assert "canonical:" in text.content.decode() and "Kalashnikov" in text.content.decode()


@pytest.mark.parametrize("url", [IDENTIFY, reverse("reference:identify-hint")])
def test_an_outsider_is_refused_and_an_anonymous_visitor_must_sign_in(client, outsider, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(outsider)
    assert client.get(url, {"model": "AK"}).status_code == 403


def test_an_anonymous_htmx_request_is_sent_to_sign_in_by_htmx(client, db):
    response = client.get(IDENTIFY, {"model": "AK"}, headers=HTMX)
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_candidates_the_other_clues_contradict_are_shown_apart(investigator):
    html = investigator.get(IDENTIFY, {"model": "Type 56", "country": "China"}).content.decode()
    likely, _sep, unlikely = html.partition('<tbody class="unlikely">')
    assert "Norinco" in first_row(likely)
    assert "Unlikely: what you typed contradicts them" in unlikely
    assert "Kalashnikov Concern" in unlikely and "Kalashnikov Concern" not in likely
    assert '<td class="numeric">0%</td>' in unlikely and '<td class="numeric">0%</td>' not in likely
