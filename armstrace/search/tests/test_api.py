"""The search and identification endpoints, driven over HTTP with real tokens."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from armstrace.accounts.services import issue_token
from armstrace.search.models import SearchLog

API = "/api/v1"
pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    _, secret = issue_token(user=user, name="test client")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_an_investigator_searches_by_get_and_the_purpose_is_logged(weapon_factory,
                                                                   investigator_a):  # fmt: skip
    weapon = weapon_factory(serial="M70-445566")
    response = client_for(investigator_a).get(
        f"{API}/search/weapons", {"serial": "m70 4455?6", "purpose": "CASE-2026-17"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["candidates"][0]["weapon_id"] == str(weapon.pk)
    assert body["candidates"][0]["match"] == "partial"
    log = SearchLog.objects.get()
    assert (log.actor_name, log.channel, log.purpose) == ("investigator_a", "api", "CASE-2026-17")


def test_search_by_post_takes_a_json_body(weapon_factory, poc):
    weapon = weapon_factory(serial="AK 000123")
    response = client_for(poc).post(
        f"{API}/search/weapons", json.dumps({"serial": "AKOOO123"}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    top = response.json()["candidates"][0]
    assert (top["weapon_id"], top["match"]) == (str(weapon.pk), "equivalent")


def test_an_empty_or_wildcard_only_serial_is_a_422_naming_the_serial(investigator_a):
    client = client_for(investigator_a)
    for serial in ["*", "?*"]:
        response = client.get(f"{API}/search/weapons", {"serial": serial})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"][-1] == "serial"
    assert client.get(f"{API}/search/weapons").status_code == 422


def test_an_absurdly_long_serial_is_refused(investigator_a):
    response = client_for(investigator_a).get(f"{API}/search/weapons", {"serial": "9" * 500})
    assert response.status_code == 422


def test_outsiders_are_refused_and_anonymous_callers_must_authenticate(outsider):
    assert client_for(outsider).get(f"{API}/search/weapons", {"serial": "A1"}).status_code == 403
    assert Client().get(f"{API}/search/weapons", {"serial": "A1"}).status_code == 401
    assert not SearchLog.objects.exists()


def test_identify_answers_with_candidates_or_a_clear_message(investigator_a):
    client = client_for(investigator_a)
    response = client.get(f"{API}/identify", {"calibre": "7,62x39 mm"})
    assert response.status_code == 200
    assert response.json()["candidates"][0]["calibre"]
    nothing = client.get(f"{API}/identify", {"manufacturer": "zzqqxx"}).json()
    assert nothing["candidates"] == [] and nothing["message"]
    empty = client.get(f"{API}/identify").json()
    assert empty["candidates"] == [] and empty["message"]
    assert Client().get(f"{API}/identify", {"calibre": "9mm"}).status_code == 401
