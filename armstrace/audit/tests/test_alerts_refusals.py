"""Refused requests are audited (RefusalAuditMiddleware), and a burst of them is an alert."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from armstrace.audit.alerts import REFUSED, scan
from armstrace.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
MIDDLEWARE = "armstrace.audit.middleware.RefusalAuditMiddleware"


@pytest.fixture(autouse=True)
def _refusals_audited(settings):
    if MIDDLEWARE not in settings.MIDDLEWARE:
        after = settings.MIDDLEWARE.index("armstrace.core.middleware.AuditContextMiddleware")
        settings.MIDDLEWARE = [
            *settings.MIDDLEWARE[: after + 1],
            MIDDLEWARE,
            *settings.MIDDLEWARE[after + 1 :],
        ]


def refusals() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(tag=REFUSED).order_by("seq"))


def test_a_refused_page_is_an_audit_event_naming_the_user_and_the_permission(outsider):
    client = Client()
    client.force_login(outsider)
    assert client.get("/weapons/?serial=secret").status_code == 403
    (entry,) = refusals()
    assert (entry.actor_id, entry.actor_name, entry.channel) == (outsider.pk, "outsider", "web")
    assert entry.data["permission"] == "registry:weapon:view"
    assert entry.data["path"] == "/weapons/" and entry.data["method"] == "GET"


def test_a_refused_api_call_is_audited_with_the_permission_the_api_named(investigator_a):
    client = Client()
    client.force_login(investigator_a)
    body = json.dumps({"kind": "dealer", "name": "D"})
    response = client.post("/api/v1/parties", body, content_type="application/json")
    assert response.status_code == 403
    (entry,) = refusals()
    assert (entry.actor_name, entry.channel) == ("investigator_a", "api")
    assert entry.data["permission"] == "registry:party:create"


def test_an_allowed_request_records_no_refusal(registrar):
    client = Client()
    client.force_login(registrar)
    assert client.get("/weapons/").status_code == 200
    assert refusals() == []


def test_ten_refusals_by_one_user_raise_an_alert(outsider):
    client = Client()
    client.force_login(outsider)
    for _ in range(10):
        client.get("/weapons/")
    (alert,) = scan().raised
    assert (alert.rule, alert.actor_name, alert.count) == ("refusals", "outsider", 10)
