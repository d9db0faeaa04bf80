"""Who may open the analytics: the point of contact, auditors and administrators; nobody
else, investigators and registrars included."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PAGES = ["/analytics/", "/analytics/sources/", "/analytics/imports/",
         "/analytics/charts/time-to-crime.svg", "/analytics/export/sdg.csv"]  # fmt: skip


@pytest.mark.parametrize("persona", ["poc", "auditor", "administrator"])
def test_readers_open_every_page_chart_and_export(persona, request):
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    assert [client.get(path).status_code for path in PAGES] == [200] * len(PAGES)


@pytest.mark.parametrize(
    "persona", ["investigator_a", "registrar", "national_registrar", "outsider"]
)
def test_everyone_else_is_refused(persona, request):
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    assert [client.get(path).status_code for path in PAGES] == [403] * len(PAGES)


def test_anonymous_visitors_are_sent_to_sign_in(db):
    response = Client().get("/analytics/sources/")
    assert response.status_code == 302 and "/login/" in response["Location"]
