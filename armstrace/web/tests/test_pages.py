"""The base layout, the home page, sign-in and sign-out, navigation and the error pages."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from armstrace.audit.models import AuditEntry
from conftest import PASSWORD

LIST = reverse("registry:weapon-list")
CREATE = reverse("registry:weapon-create")


def nav_of(html: str) -> str:
    start = html.index('<nav class="site-nav"')
    return html[start : html.index("</nav>", start)]


def test_home_sends_an_anonymous_visitor_to_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_home_sends_a_reader_to_the_weapon_list(client, investigator_a):
    client.force_login(investigator_a)
    response = client.get("/")
    assert (response.status_code, response["Location"]) == (302, LIST)


def test_home_tells_a_user_without_a_role_what_to_do(client, outsider):
    client.force_login(outsider)
    response = client.get("/")
    assert response.status_code == 200
    assert "administrator to grant you a role" in response.content.decode()


def test_login_page_has_labelled_fields(client, db):
    html = client.get(reverse("login")).content.decode()
    assert '<label for="id_username"' in html
    assert '<label for="id_password"' in html


def test_login_with_the_persona_password_opens_the_weapon_list(client, registrar):
    response = client.post(reverse("login"), {"username": "registrar", "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, LIST)
    assert client.get(LIST).status_code == 200
    assert AuditEntry.objects.filter(
        tag="accounts:session:login", object_id=str(registrar.pk)
    ).exists()


def test_login_returns_to_the_page_asked_for(client, registrar):
    response = client.post(
        reverse("login"), {"username": "registrar", "password": PASSWORD, "next": CREATE}
    )
    assert response["Location"] == CREATE


def test_a_wrong_password_is_refused_with_a_message(client, registrar):
    response = client.post(reverse("login"), {"username": "registrar", "password": "wrong"})
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_out_is_a_post_that_ends_the_session(client, registrar):
    client.force_login(registrar)
    assert client.get(reverse("logout")).status_code == 405  # a link cannot sign anyone out
    response = client.post(reverse("logout"), follow=True)
    assert "You have signed out" in response.content.decode()
    assert client.get(LIST).status_code == 302


def test_layout_has_skip_link_landmarks_user_and_sign_out_button(client, registrar):
    client.force_login(registrar)
    html = client.get(LIST).content.decode()
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert "Police Agency A" in html
    assert "Registrar" in html
    assert f'<form method="post" action="{reverse("logout")}">' in html


def test_layout_loads_htmx_locally_and_sends_the_csrf_token_with_every_htmx_request(
    client, registrar
):
    client.force_login(registrar)
    response = client.get(LIST)
    html = response.content.decode()
    assert '<script src="/static/django_htmx/htmx-2.min.js" defer></script>' in html
    assert "https://" not in html  # no CDN
    token = response.context["csrf_token"]
    assert f"""hx-headers='{{"X-CSRFToken": "{token}"}}'""" in html


def test_stylesheet_is_served_from_the_app(client, db):
    response = client.get("/static/web/armstrace.css")
    assert response.status_code == 200
    assert b":focus-visible" in b"".join(response.streaming_content)


@pytest.mark.parametrize(
    ("persona", "shown", "hidden"),
    [
        ("registrar", ["Weapons", "Register a weapon"], ["Administration"]),
        ("investigator_a", ["Weapons"], ["Register a weapon", "Administration"]),
        ("administrator", ["Weapons", "Administration"], ["Register a weapon"]),
    ],
)
def test_navigation_shows_only_what_the_user_may_open(client, request, persona, shown, hidden):
    client.force_login(request.getfixturevalue(persona))
    nav = nav_of(client.get(LIST).content.decode())
    for label in shown:
        assert f">{label}</a>" in nav
    for label in hidden:
        assert f">{label}</a>" not in nav


def test_current_page_is_marked_in_the_navigation(client, registrar):
    client.force_login(registrar)
    nav = nav_of(client.get(LIST).content.decode())
    assert f'<a href="{LIST}" aria-current="page">' in nav


def test_a_user_without_a_role_sees_no_navigation(client, outsider):
    client.force_login(outsider)
    assert 'class="site-nav"' not in client.get("/").content.decode()


def test_forbidden_page_says_what_happened_and_what_to_do(client, outsider):
    client.force_login(outsider)
    response = client.get(LIST)
    html = response.content.decode()
    assert response.status_code == 403
    assert "You are not allowed to open this page" in html
    assert "registry:weapon:view" in html
    assert "What you can do" in html


def test_not_found_page_says_what_to_do(client, registrar):
    client.force_login(registrar)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "What you can do" in response.content.decode()


def test_server_error_page_renders_without_a_request_or_a_database():
    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html
    assert "What you can do" in html


def test_an_expired_form_says_nothing_was_saved_and_what_to_do(registrar):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(registrar)
    response = client.post(CREATE, {"serial_number": "X"})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
