"""The create form suggests canonical values as the user types (issue 7, item 2), from the
identification service."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
SUGGEST = reverse("tracing:trace-suggest")


def test_the_form_asks_for_suggestions_as_the_user_types(client, investigator_a):
    client.force_login(investigator_a)
    html = client.get(reverse("tracing:trace-create")).content.decode()
    assert html.count(f'hx-get="{SUGGEST}"') == 4  # manufacturer, model, calibre, type
    assert 'id="trace-suggestions"' in html


def test_a_manufacturer_as_written_gets_its_canonical_name(client, investigator_a):
    client.force_login(investigator_a)
    text = client.get(SUGGEST, {"manufacturer": "Izhmash", "model": "AKM"}).content.decode()
    assert "Canonical values:" in text and "Kalashnikov" in text
    assert "<strong>Type</strong> Assault rifle" in text


def test_an_unknown_name_is_kept_as_written(client, investigator_a):
    client.force_login(investigator_a)
    text = client.get(SUGGEST, {"manufacturer": "Qqqzzz Workshop"}).content.decode()
    assert "kept as written" in text


def test_only_those_who_file_requests_get_suggestions(client, outsider):
    client.force_login(outsider)
    assert client.get(SUGGEST, {"manufacturer": "Izhmash"}).status_code == 403
