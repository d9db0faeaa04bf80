"""Points of contact and administrators confirm each session with a TOTP code.

The suite runs with ARMSTRACE_REQUIRE_2FA off (personas sign in with force_login); these
tests switch it on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from axes.models import AccessAttempt
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from armstrace.accounts.services import create_totp_device, issue_token
from armstrace.accounts.views import ENROL_KEY
from armstrace.audit.models import AuditEntry
from conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("two_factor_on")]

VERIFY = reverse("otp-verify")
ENROL = reverse("otp-enrol")
HOME = reverse("registry:weapon-list")
OPEN = {
    reverse(name)
    for name in ("login", "logout", "signed-out", "otp-verify", "otp-enrol", "language")
}


@pytest.fixture
def two_factor_on() -> Iterator[None]:
    with override_settings(ARMSTRACE_REQUIRE_2FA=True):
        yield


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key):06d}"


def wrong_code_for(device: TOTPDevice) -> str:
    return f"{(totp(device.bin_key) + 1) % 1_000_000:06d}"


def page_urls(
    patterns: list[URLPattern | URLResolver] | None = None, prefix: str = ""
) -> Iterator[str]:
    """A sample URL of every page (admin included), ids filled with values that match
    nothing: the second-factor check comes before any lookup."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(("api/", "static/", "media/")):
            continue
        if isinstance(entry, URLResolver):
            yield from page_urls(entry.url_patterns, route)
            continue
        route = re.sub(r"^\^|\$$", "", route)
        if "(?P" in route or "\\" in route:  # the admin's regex routes: one sample is enough
            continue
        yield "/" + re.sub(r"<(?:(\w+):)?\w+>", "00000000-0000-0000-0000-000000000000", route)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("persona", ["poc", "administrator"])
def test_an_unconfirmed_session_is_sent_to_the_code_step_from_every_page(persona, request):
    client = signed_in(request.getfixturevalue(persona))
    urls = [url for url in page_urls() if url not in OPEN]
    assert len(urls) > 30 and "/admin/" in urls
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{VERIFY}?next="), url


def test_an_htmx_request_of_an_unconfirmed_session_is_redirected_by_htmx(poc):
    response = signed_in(poc).get(HOME, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(f"{VERIFY}?next=")


def test_the_session_api_refuses_an_unconfirmed_session(poc):
    client = signed_in(poc)
    response = client.get("/api/v1/me")
    assert response.status_code == 403
    assert "authenticator" in response.json()["detail"]
    # A bad token does not let the unconfirmed session through either.
    behind_token = client.get("/api/v1/me", headers={"Authorization": "Bearer at_x_y"})
    assert behind_token.status_code == 401


def test_a_token_is_a_credential_of_its_own_and_needs_no_second_factor(poc):
    _, secret = issue_token(user=poc, name="poc system")
    response = Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/me")
    assert (response.status_code, response.json()["username"]) == (200, "poc")


@pytest.mark.parametrize("persona", ["registrar", "investigator_a", "auditor"])
def test_other_roles_are_not_asked_for_a_code(persona, request):
    client = signed_in(request.getfixturevalue(persona))
    assert client.get(HOME).status_code in (200, 403)
    assert client.get("/api/v1/me").status_code == 200
    assert client.get(VERIFY)["Location"] == HOME


def test_with_the_setting_off_nobody_is_asked(poc):
    with override_settings(ARMSTRACE_REQUIRE_2FA=False):
        assert signed_in(poc).get(HOME).status_code == 200


def test_the_right_code_opens_the_session_and_is_audited(poc):
    device = create_totp_device(user=poc)
    client = signed_in(poc)
    page = client.get(f"{VERIFY}?next={HOME}")
    assert 'autocomplete="one-time-code"' in page.content.decode()
    response = client.post(VERIFY, {"code": code_for(device), "next": HOME})
    assert (response.status_code, response["Location"]) == (302, HOME)
    assert client.get(HOME).status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    entry = AuditEntry.objects.get(tag="accounts:session:verified")
    assert (entry.actor_name, entry.object_id) == ("poc", str(poc.pk))


def test_a_code_cannot_be_used_twice(poc):
    device = create_totp_device(user=poc)
    code = code_for(device)
    assert signed_in(poc).post(VERIFY, {"code": code})["Location"] == HOME
    replay = signed_in(poc).post(VERIFY, {"code": code})
    assert replay.status_code == 200
    assert "This code is not valid" in replay.content.decode()


def test_a_wrong_code_is_refused_and_counts_as_a_failed_sign_in(poc):
    device = create_totp_device(user=poc)
    client = signed_in(poc)
    response = client.post(VERIFY, {"code": wrong_code_for(device), "next": HOME})
    assert response.status_code == 200
    assert "This code is not valid" in response.content.decode()
    assert client.get(HOME)["Location"].startswith(VERIFY)
    assert AccessAttempt.objects.get(username="poc").failures_since_start == 1
    failed = AuditEntry.objects.get(tag="accounts:session:failed")
    assert failed.data["second_factor"] is True


def test_wrong_codes_up_to_the_limit_lock_out_and_end_the_session(poc, administrator):
    device = create_totp_device(user=poc)
    client = signed_in(poc)
    statuses = [client.post(VERIFY, {"code": "000000"}).status_code for _ in range(5)]
    assert statuses == [200] * 4 + [429]
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(tag="accounts:session:locked").exists()
    password_again = client.post(reverse("login"), {"username": "poc", "password": PASSWORD})
    assert password_again.status_code == 429
    assert device.pk  # the device stays; the user retries after the cool-off


def test_a_user_without_an_authenticator_is_sent_to_enrol(poc):
    response = signed_in(poc).get(f"{VERIFY}?next={HOME}")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{ENROL}?next=")


def test_enrolment_shows_the_qr_code_and_secret_and_one_code_confirms_it(administrator):
    client = signed_in(administrator)
    page = client.get(ENROL).content.decode()
    assert 'src="data:image/svg+xml' in page
    key = client.session[ENROL_KEY]
    device = TOTPDevice(user=administrator, key=key)
    shown = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page)
    assert shown is not None
    assert shown.group(1).replace(" ", "") in device.config_url
    assert client.post(ENROL, {"code": wrong_code_for(device)}).status_code == 200
    assert not TOTPDevice.objects.exists()
    response = client.post(ENROL, {"code": code_for(device), "next": "/admin/"})
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert TOTPDevice.objects.get(user=administrator, confirmed=True).key == key
    assert client.get("/admin/").status_code == 200
    assert AuditEntry.objects.filter(tag="accounts:totp:enrolled").exists()


def test_a_user_with_an_authenticator_cannot_enrol_another_one(poc):
    create_totp_device(user=poc)
    response = signed_in(poc).get(ENROL)
    assert response["Location"].startswith(f"{VERIFY}?next=")


def test_anonymous_visitors_of_the_code_steps_are_sent_to_sign_in(db):
    for url in (VERIFY, ENROL):
        assert Client().get(url)["Location"].startswith(reverse("login"))


def test_the_whole_sign_in_of_a_point_of_contact(poc):
    device = create_totp_device(user=poc)
    client = Client()
    response = client.post(reverse("login"), {"username": "poc", "password": PASSWORD})
    step = client.get(response["Location"])
    assert step["Location"] == f"{VERIFY}?next=%2Fweapons%2F"
    assert client.post(VERIFY, {"code": code_for(device), "next": HOME})["Location"] == HOME
    assert client.get(HOME).status_code == 200


def test_the_next_address_must_stay_on_this_site(poc):
    device = create_totp_device(user=poc)
    response = signed_in(poc).post(
        VERIFY, {"code": code_for(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == HOME


def test_signing_in_again_with_the_password_does_not_restart_the_count_of_code_guesses(poc):
    create_totp_device(user=poc)
    client = Client()
    password = {"username": "poc", "password": PASSWORD}
    client.post(reverse("login"), password)
    for _ in range(4):
        client.post(VERIFY, {"code": "000000"})
    assert client.post(reverse("login"), password).status_code == 302
    assert client.post(VERIFY, {"code": "000000"}).status_code == 429
