"""Who the API lets in: bearer tokens for machines, the session (with CSRF) for browsers."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils.crypto import get_random_string

from armstrace.accounts.api import router
from armstrace.accounts.decorators import PERMISSION_ATTR
from armstrace.accounts.models import ApiToken, User
from armstrace.accounts.services import issue_token, revoke_token
from armstrace.audit.models import AuditEntry
from armstrace.core import clock

API = "/api/v1"
pytestmark = pytest.mark.django_db
# A write endpoint of the registry, reached over HTTP only (accounts imports no higher app).
PARTIES = f"{API}/parties"
PARTY = {"kind": "dealer", "name": "Mombasa Arms Dealers"}


def bearer(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


def post(client: Client, path: str, body: Any) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def test_a_valid_token_identifies_its_user(registrar):
    token, secret = issue_token(user=registrar, name="records system")
    response = bearer(secret).get(f"{API}/me")
    assert response.status_code == 200
    me = response.json()
    assert (me["username"], me["agency"], me["roles"]) == ("registrar", "PA", ["registrar"])
    assert "registry:event:record" in me["permissions"]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_an_expired_token_is_refused(registrar, monkeypatch):
    _, secret = issue_token(user=registrar, name="short lived", days=1)
    later = clock.now() + dt.timedelta(days=1, seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    response = bearer(secret).get(f"{API}/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused(registrar):
    token, secret = issue_token(user=registrar, name="leaked")
    assert bearer(secret).get(f"{API}/me").status_code == 200
    revoke_token(token=token)
    assert bearer(secret).get(f"{API}/me").status_code == 401


def test_a_token_of_a_deactivated_user_is_refused(registrar):
    _, secret = issue_token(user=registrar, name="left the agency")
    User.objects.filter(pk=registrar.pk).update(is_active=False)
    assert bearer(secret).get(f"{API}/me").status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer nonsense", "Bearer at_00000000_guessed", "Token at_x_y", "Basic cmVnOnB3"],
)
def test_a_malformed_or_unknown_credential_is_refused(registrar, header):
    issue_token(user=registrar, name="real one")
    response = Client(headers={"Authorization": header}).get(f"{API}/me")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_token_secret_with_a_wrong_tail_is_refused(registrar):
    _, secret = issue_token(user=registrar, name="real one")
    assert (
        bearer(secret[:-1] + ("A" if secret[-1] != "A" else "B")).get(f"{API}/me").status_code
        == 401
    )


def test_a_scoped_token_grants_only_its_scopes(registrar):
    _, secret = issue_token(user=registrar, name="read only", scopes=["registry:weapon:view"])
    client = bearer(secret)
    me = client.get(f"{API}/me").json()
    assert me["permissions"] == ["registry:weapon:view"]
    assert me["token_scopes"] == ["registry:weapon:view"]
    refused = post(client, PARTIES, PARTY)
    assert refused.status_code == 403
    assert refused.json()["permission"] == "registry:party:create"


def test_a_signed_in_user_without_roles_is_known_but_may_do_nothing(outsider):
    _, secret = issue_token(user=outsider, name="nothing")
    me = bearer(secret).get(f"{API}/me").json()
    assert (me["username"], me["roles"], me["permissions"]) == ("outsider", [], [])


def test_anonymous_callers_get_401_even_on_unsafe_methods():
    client = Client(enforce_csrf_checks=True)
    assert client.get(f"{API}/me").status_code == 401
    assert post(client, PARTIES, PARTY).status_code == 401


def test_a_token_write_is_audited_as_the_token_user_on_the_api_channel(registrar):
    _, secret = issue_token(user=registrar, name="records system")
    response = post(bearer(secret), PARTIES, PARTY)
    assert response.status_code == 201, response.content
    entry = AuditEntry.objects.get(
        object_type="registry.party", object_id=str(response.json()["id"])
    )
    assert (entry.actor_id, entry.actor_name, entry.channel) == (registrar.pk, "registrar", "api")
    assert entry.correlation_id == response["X-Correlation-ID"]


def test_a_browser_session_reads_and_writes_with_its_csrf_token(registrar):
    client = Client(enforce_csrf_checks=True)
    client.force_login(registrar)
    assert client.get(f"{API}/me").json()["username"] == "registrar"

    refused = post(client, PARTIES, PARTY)
    assert (refused.status_code, refused.json()["detail"]) == (403, "CSRF check Failed")

    csrf = get_random_string(32)
    client.cookies["csrftoken"] = csrf
    response = client.post(
        PARTIES, json.dumps(PARTY), content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 201, response.content
    entry = AuditEntry.objects.get(
        object_type="registry.party", object_id=str(response.json()["id"])
    )
    assert (entry.actor_name, entry.channel) == ("registrar", "api")


def test_a_token_needs_no_csrf_token(registrar):
    _, secret = issue_token(user=registrar, name="machine")
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {secret}"})
    assert post(client, PARTIES, PARTY).status_code == 201


def test_tokens_are_stored_only_as_hashes(registrar):
    token, secret = issue_token(user=registrar, name="machine")
    stored = ApiToken.objects.filter(pk=token.pk).values_list("key_hash", "prefix").get()
    assert secret not in stored


def test_every_accounts_endpoint_declares_its_permission():
    handlers = [
        operation.view_func
        for path_view in router.path_operations.values()
        for operation in path_view.operations
    ]
    assert handlers
    assert all(getattr(h, PERMISSION_ATTR, "") for h in handlers)


# --- Bad tokens from one address are refused past the limit -------------------------------

LIMIT = 5  # ARMSTRACE_LOGIN_FAILURE_LIMIT's default


def guess(times: int, address: str = "127.0.0.1") -> list[int]:
    client = Client(REMOTE_ADDR=address, headers={"Authorization": "Bearer at_0badc0de_guess"})
    return [client.get(f"{API}/me").status_code for _ in range(times)]


def test_bad_tokens_from_one_address_get_429_from_the_limit_on(db):
    assert guess(LIMIT + 2) == [401] * (LIMIT - 1) + [429] * 3


def test_a_refused_address_is_refused_even_with_a_good_token_and_others_are_not(registrar):
    _, secret = issue_token(user=registrar, name="records system")
    guess(LIMIT)
    refused = bearer(secret).get(f"{API}/me")
    assert refused.status_code == 429
    assert "Too many failed authentications" in refused.json()["detail"]
    other = Client(REMOTE_ADDR="10.9.8.7", headers={"Authorization": f"Bearer {secret}"})
    assert other.get(f"{API}/me").status_code == 200


def test_the_refusal_is_audited_once_and_ends_after_the_cool_off(registrar, monkeypatch):
    _, secret = issue_token(user=registrar, name="records system")
    guess(LIMIT + 3)
    entry = AuditEntry.objects.get(tag="accounts:token:refused")
    assert entry.data == {"ip_address": "127.0.0.1", "failures": LIMIT}
    later = clock.now() + dt.timedelta(minutes=31)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert bearer(secret).get(f"{API}/me").status_code == 200
    assert guess(1) == [401]  # counting starts afresh


def test_the_unlock_command_lifts_the_refusal_of_an_address(registrar):
    _, secret = issue_token(user=registrar, name="records system")
    guess(LIMIT)
    call_command("unlock", ip="127.0.0.1")
    assert bearer(secret).get(f"{API}/me").status_code == 200
    assert AuditEntry.objects.get(tag="accounts:session:unlocked").data["ip_address"] == (
        "127.0.0.1"
    )
