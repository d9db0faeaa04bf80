"""Empty, error and loading states say what happens and what to do next (issue 10)."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext

pytestmark = pytest.mark.django_db


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", _boom)]


def _in(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def test_a_new_installation_tells_the_registrar_how_to_begin(client, registrar):
    client.force_login(registrar)
    page = client.get("/weapons/").content.decode()
    assert "No weapon is registered yet." in page
    assert "/weapons/new/" in page and "armstrace import weapons FILE" in page


@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_says_what_to_do_next_in_the_users_language():
    client = Client(raise_request_exception=False, headers={"accept-language": "fr"})
    response = client.get("/boom/")
    page = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="fr"' in page
    message = "If the error persists, tell your administrator the time it happened."
    assert _in("fr", message) != message and _in("fr", message) in page


def test_slow_actions_say_what_happens_while_they_run(client, national_registrar, investigator_a):
    client.force_login(national_registrar)
    report = client.get("/quality/").content.decode()
    assert (
        'class="htmx-indicator busy" role="status">Running the rules over every record.' in report
    )
    client.force_login(investigator_a)
    search = client.get("/search/").content.decode()
    assert 'hx-indicator="#search-results, #search-busy"' in search
    assert 'id="search-busy" class="htmx-indicator busy" role="status">Searching…' in search
