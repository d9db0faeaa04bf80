"""The auditors' alert page (/audit/alerts/): list, acknowledge with a note, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from armstrace.audit.models import Alert, AuditEntry
from armstrace.core import clock

pytestmark = pytest.mark.django_db
LIST = "/audit/alerts/"


@pytest.fixture
def alert(db):
    now = clock.now()
    return Alert.objects.create(
        rule="many_persons",
        actor_id=7,
        actor_name="investigator_a",
        first_at=now - dt.timedelta(minutes=40),
        last_at=now,
        count=23,
        threshold=20,
        details={"window_minutes": 60, "purposes": [["CASE-1", 23]], "seqs": [4, 5]},
        raised_at=now,
    )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_route_is_the_one_the_issue_names(alert):
    assert reverse("audit:alert-list") == LIST
    assert reverse("audit:alert-acknowledge", args=[alert.pk]) == f"{LIST}{alert.pk}/acknowledge/"


def test_the_auditor_sees_the_open_alert_in_words(auditor, alert):
    response = signed_in(auditor).get(LIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert "investigator_a" in html and "Personal data of 23 distinct individuals" in html
    assert "CASE-1" in html and 'hx-post="/audit/alerts/' in html


@pytest.mark.parametrize("persona", ["registrar", "investigator_a", "poc", "outsider"])
def test_only_auditors_and_administrators_open_the_alert_page(request, persona, alert):
    client = signed_in(request.getfixturevalue(persona))
    assert client.get(LIST).status_code == 403
    url = reverse("audit:alert-acknowledge", args=[alert.pk])
    assert client.post(url, {"note": "x"}).status_code == 403
    alert.refresh_from_db()
    assert alert.status == "open"


def test_the_administrator_opens_the_alert_page(administrator, alert):
    assert signed_in(administrator).get(LIST).status_code == 200


def test_the_auditor_acknowledges_an_alert_with_a_note_and_it_is_audited(auditor, alert):
    client = signed_in(auditor)
    url = reverse("audit:alert-acknowledge", args=[alert.pk])
    response = client.post(url, {"note": "Case CASE-1 covers all 23: a raid's seizures."})
    assert response.status_code == 302 and response["Location"] == LIST
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by_name) == ("acknowledged", "auditor")
    entry = AuditEntry.objects.get(tag="audit:alert:acknowledged")
    assert (entry.actor_name, entry.object_id) == ("auditor", str(alert.pk))
    assert "investigator_a" not in client.get(LIST).content.decode()  # open ones by default
    shown = client.get(LIST, {"status": "acknowledged"}).content.decode()
    assert "a raid&#x27;s seizures" in shown


def test_htmx_gets_the_acknowledged_alert_back_in_place(auditor, alert):
    url = reverse("audit:alert-acknowledge", args=[alert.pk])
    response = signed_in(auditor).post(url, {"note": "Fine."}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and f'id="alert-{alert.pk}"' in html
    assert "Acknowledged" in html and "<form" not in html


def test_an_acknowledgement_without_a_note_is_refused(auditor, alert):
    url = reverse("audit:alert-acknowledge", args=[alert.pk])
    response = signed_in(auditor).post(url, {"note": "  "})
    assert response.status_code == 422
    assert "Say what you checked" in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == "open"
    assert not AuditEntry.objects.filter(tag="audit:alert:acknowledged").exists()


def test_the_menu_tells_auditors_how_many_misuse_alerts_are_open(auditor, registrar, alert):
    page = signed_in(auditor).get(LIST).content.decode()
    assert 'Misuse alerts <span class="badge badge--waiting">1 waiting</span>' in page
    assert "Misuse alerts" not in signed_in(registrar).get("/weapons/").content.decode()
    alert.status = "acknowledged"
    alert.save(update_fields=["status"])
    page = signed_in(auditor).get(LIST).content.decode()
    assert "Misuse alerts</a>" in page and "badge--waiting" not in page
