"""A session unused for ARMSTRACE_SESSION_IDLE_MINUTES ends."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse

from armstrace.audit.models import AuditEntry
from armstrace.core import clock

pytestmark = pytest.mark.django_db
LIST = reverse("registry:weapon-list")


def later(monkeypatch, **delta: float) -> None:
    """Moves the clock on from where it stands (already moved, or real)."""
    moment = clock.now() + dt.timedelta(**delta)
    monkeypatch.setattr(clock, "now", lambda: moment)


def test_the_idle_limit_defaults_to_thirty_minutes(settings):
    assert settings.ARMSTRACE_SESSION_IDLE_MINUTES == 30


def test_a_session_used_within_the_limit_stays_open(client, registrar, monkeypatch):
    client.force_login(registrar)
    assert client.get(LIST).status_code == 200
    later(monkeypatch, minutes=29)
    assert client.get(LIST).status_code == 200
    later(monkeypatch, minutes=29)  # 58 minutes in: the last request counted as activity
    assert client.get(LIST).status_code == 200


def test_a_session_idle_past_the_limit_is_signed_out_with_a_message(client, registrar, monkeypatch):
    client.force_login(registrar)
    assert client.get(LIST).status_code == 200
    later(monkeypatch, minutes=31)
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "signed out after 30 minutes without activity" in page
    entry = AuditEntry.objects.get(tag="accounts:session:expired")
    assert entry.object_id == str(registrar.pk)


def test_the_session_api_answers_401_after_the_idle_limit(client, registrar, monkeypatch):
    client.force_login(registrar)
    assert client.get("/api/v1/me").status_code == 200
    later(monkeypatch, minutes=31)
    assert client.get("/api/v1/me").status_code == 401


@override_settings(ARMSTRACE_SESSION_IDLE_MINUTES=0)
def test_zero_turns_the_idle_limit_off(client, registrar, monkeypatch):
    client.force_login(registrar)
    assert client.get(LIST).status_code == 200
    later(monkeypatch, hours=7)
    assert client.get(LIST).status_code == 200
