"""Repeated failed sign-ins lock a username out from that address (django-axes)."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from armstrace.audit.models import AuditEntry
from conftest import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = reverse("login")
LIMIT = 5  # ARMSTRACE_LOGIN_FAILURE_LIMIT's default


def sign_in(client: Client, password: str, username: str = "registrar", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def fail(client: Client, times: int, **extra):
    response = None
    for _ in range(times):
        response = sign_in(client, "wrong password", **extra)
    return response


def test_the_limit_and_cool_off_come_from_the_settings(settings):
    assert settings.AXES_FAILURE_LIMIT == settings.ARMSTRACE_LOGIN_FAILURE_LIMIT == LIMIT
    cool_off = dt.timedelta(minutes=settings.ARMSTRACE_LOCKOUT_MINUTES)
    assert cool_off == settings.AXES_COOLOFF_TIME
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_failures_below_the_limit_only_say_the_password_is_wrong(client, registrar):
    response = fail(client, LIMIT - 1)
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert sign_in(client, PASSWORD).status_code == 302


def test_the_failure_that_reaches_the_limit_shows_the_lockout_page_with_the_retry_time(
    client, registrar
):
    response = fail(client, LIMIT)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Sign-in locked" in html
    assert "blocked for 30 minutes" in html
    attempt = AccessAttempt.objects.get(username="registrar")
    retry_at = attempt.attempt_time + dt.timedelta(minutes=30)
    assert f"try again after {retry_at:%-d %B %Y, %H:%M}" in html


def test_a_locked_user_is_refused_even_with_the_right_password(client, registrar):
    fail(client, LIMIT)
    response = sign_in(client, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_holds_only_for_that_address(client, registrar):
    fail(client, LIMIT)
    elsewhere = Client(REMOTE_ADDR="10.1.2.3")
    assert sign_in(elsewhere, PASSWORD).status_code == 302


def test_one_address_cannot_lock_out_other_users(client, registrar, investigator_a):
    fail(client, LIMIT)
    assert sign_in(client, PASSWORD, username="investigator_a").status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, registrar):
    fail(client, LIMIT)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - dt.timedelta(minutes=31)
    )
    assert sign_in(client, PASSWORD).status_code == 302


def test_attempts_during_a_lockout_do_not_extend_it(client, registrar):
    fail(client, LIMIT)
    locked_at = AccessAttempt.objects.get().attempt_time
    fail(client, 3)
    assert AccessAttempt.objects.get().attempt_time == locked_at


def test_every_failure_is_audited_and_the_lockout_once(client, registrar):
    fail(client, LIMIT + 2)
    failed = AuditEntry.objects.filter(tag="accounts:session:failed")
    assert failed.count() == LIMIT + 2
    assert {entry.data["ip_address"] for entry in failed} == {"127.0.0.1"}
    locked = AuditEntry.objects.get(tag="accounts:session:locked")
    assert locked.object_id == str(registrar.pk)
    assert locked.data == {"username": "registrar", "ip_address": "127.0.0.1", "minutes": 30}


def test_the_admin_sign_in_is_locked_out_too(client, administrator):
    for _ in range(LIMIT):
        response = client.post(
            reverse("admin:login"), {"username": "administrator", "password": "wrong"}
        )
    assert response.status_code == 429
    assert AuditEntry.objects.filter(tag="accounts:session:locked").exists()


def test_the_unlock_command_lifts_the_lockout_and_is_audited(client, registrar, capsys):
    fail(client, LIMIT)
    call_command("unlock", "registrar")
    assert "Unlocked registrar" in capsys.readouterr().out
    assert sign_in(client, PASSWORD).status_code == 302
    entry = AuditEntry.objects.get(tag="accounts:session:unlocked")
    assert (entry.actor_name, entry.channel) == ("cli:unlock", "cli")
    assert entry.data == {"username": "registrar", "cleared": 1}


def test_the_unlock_command_takes_a_user_or_an_address_not_both(db):
    with pytest.raises(CommandError):
        call_command("unlock", "registrar", ip="127.0.0.1")
    with pytest.raises(CommandError):
        call_command("unlock")


def test_client_login_passes_a_request_as_axes_requires(client, registrar):
    # axes' backend refuses authenticate() without a request; tests pass one (or force_login).
    assert client.login(request=HttpRequest(), username="registrar", password=PASSWORD)
    assert client.get(reverse("registry:weapon-list")).status_code == 200
