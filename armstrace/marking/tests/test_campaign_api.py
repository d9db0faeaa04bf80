"""The campaign and find endpoints: who may read, who may add, and what they return."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from armstrace.accounts.decorators import PERMISSION_ATTR
from armstrace.accounts.services import issue_token
from armstrace.marking.api import campaigns as api_campaigns
from armstrace.marking.services import campaigns, found
from armstrace.registry.services import WeaponInput

pytestmark = pytest.mark.django_db
API = "/api/v1/marking"


def client_for(user: Any) -> Client:
    _, secret = issue_token(user=user, name="test client")
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def campaign(agencies: Any) -> Any:
    return campaigns.create_campaign(
        agency=agencies["a"], name="Stock", purpose="state_ownership", mark_template="KE-"
    )


def test_every_campaign_endpoint_declares_its_permission():
    handlers = [
        op.view_func
        for view in api_campaigns.router.path_operations.values()
        for op in view.operations
    ]
    assert len(handlers) == 5
    assert all(getattr(h, PERMISSION_ATTR, "").startswith("marking:") for h in handlers)


def test_an_auditor_reads_campaigns_their_detail_and_progress(auditor, campaign, weapon_factory):
    campaigns.add_to_campaign(campaign, [weapon_factory().pk], reason="x")
    campaigns.allocate(campaign)
    client = client_for(auditor)
    listing = client.get(f"{API}/campaigns").json()
    assert listing["count"] == 1 and listing["items"][0]["code"] == campaign.code
    detail = client.get(f"{API}/campaigns/{campaign.pk}").json()
    assert detail["agency"] == "PA" and detail["status"] == "allocated"
    progress = client.get(f"{API}/campaigns/{campaign.pk}/progress").json()
    assert progress == {
        "selected": 0,
        "allocated": 1,
        "done": 0,
        "failed": 0,
        "redo": 0,
        "total": 1,
    }


@pytest.mark.parametrize("persona", ["investigator_a", "poc", "outsider"])
def test_other_roles_cannot_read_campaigns(persona, request, campaign):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(f"{API}/campaigns").status_code == 403
    assert client.get(f"{API}/campaigns/{campaign.pk}/progress").status_code == 403


def test_a_registrar_adds_weapons_of_the_agency_and_another_agency_is_refused(
    registrar, registrar_b, campaign, weapon_factory
):
    weapon = weapon_factory()
    body = json.dumps({"weapon_ids": [str(weapon.pk)], "reason": "badly marked"})
    response = client_for(registrar_b).post(
        f"{API}/campaigns/{campaign.pk}/weapons", body, content_type="application/json"
    )
    assert (
        response.status_code == 403 and response.json()["permission"] == "marking:campaign:manage"
    )
    response = client_for(registrar).post(
        f"{API}/campaigns/{campaign.pk}/weapons", body, content_type="application/json"
    )
    assert response.status_code == 201 and response.json() == {"added": 1}
    other = weapon_factory(agency="b")
    body = json.dumps({"weapon_ids": [str(other.pk)], "reason": "x"})
    response = client_for(registrar).post(
        f"{API}/campaigns/{campaign.pk}/weapons", body, content_type="application/json"
    )
    assert response.status_code == 422


def test_investigators_read_the_overdue_finds(agencies, investigator_b):
    found.register_find(
        agency=agencies["a"],
        circumstances=found.Circumstances(kind="found", occurred_on=dt.date(2020, 1, 1)),
        data=WeaponInput(serial_number="F-1", manufacturer_name="X", weapon_type="pistol"),
    )
    client = client_for(investigator_b)
    overdue = client.get(f"{API}/finds?overdue=true").json()
    assert overdue["count"] == 1 and overdue["items"][0]["serial_number"] == "F-1"
    assert overdue["items"][0]["due_on"] == "2020-03-31"


def test_outsiders_cannot_read_finds(outsider):
    assert client_for(outsider).get(f"{API}/finds").status_code == 403
