"""Administrators work in the Django admin on reference data, users and agencies; nobody
else does, and nobody can be made superuser there."""

from __future__ import annotations

import pytest
from django.test import Client

from armstrace.accounts.models import User

pytestmark = pytest.mark.django_db

PAGES = ["/admin/", "/admin/reference/manufacturer/", "/admin/accounts/user/",
         "/admin/accounts/agency/"]  # fmt: skip


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_administrator_opens_the_reference_data_and_the_users(administrator):
    client = _client(administrator)
    for path in PAGES:
        assert client.get(path).status_code == 200, path
    index = client.get("/admin/").content.decode()
    assert "/admin/reference/manufacturer/" in index and "/admin/accounts/user/" in index


def test_an_administrator_cannot_make_anyone_superuser(administrator, registrar):
    client = _client(administrator)
    form = client.get(f"/admin/accounts/user/{registrar.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in form and 'name="user_permissions"' not in form
    assert 'name="agency"' in form


def test_staff_without_the_administrator_role_sees_nothing_in_the_admin(registrar):
    User.objects.filter(pk=registrar.pk).update(is_staff=True)
    client = _client(User.objects.get(pk=registrar.pk))
    assert client.get("/admin/reference/manufacturer/").status_code == 403
    assert "/admin/reference/" not in client.get("/admin/").content.decode()
