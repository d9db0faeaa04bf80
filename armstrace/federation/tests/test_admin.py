"""The peer directory in the Django admin: every save is audited; nothing is deleted."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from armstrace.audit.models import AuditEntry
from armstrace.federation.models import Peer

pytestmark = pytest.mark.django_db


def _form(client: Client, url: str) -> dict[str, Any]:
    """The change form's current values, as the browser would post them back."""
    form = client.get(url).context["adminform"].form
    data = {name: form.initial.get(name, "") for name in form.fields}
    data["state"] = form.initial["state"]
    data["active"] = "on" if form.initial.get("active") else ""
    data["hub"] = "on" if form.initial.get("hub") else ""
    data = {k: v for k, v in data.items() if v not in (None, "", False)}
    data["contacts"] = form.initial.get("contacts") and form["contacts"].value()
    keys = client.get(url).context["inline_admin_formsets"][0].formset
    data |= {f"{keys.prefix}-{k}": v for k, v in keys.management_form.initial.items()}
    for n, key_form in enumerate(keys.forms):
        for name in ("id", "peer", "key_id", "public_key", "retired_at"):
            value = key_form[name].value()
            if value not in (None, ""):
                data[f"{keys.prefix}-{n}-{name}"] = value
        valid_from = key_form.initial["valid_from"]
        data[f"{keys.prefix}-{n}-valid_from_0"] = valid_from.strftime("%Y-%m-%d")
        data[f"{keys.prefix}-{n}-valid_from_1"] = valid_from.strftime("%H:%M:%S")
    return data


def test_an_administrator_changes_a_peer_and_the_change_is_audited(administrator, uganda):
    client = Client()
    client.force_login(administrator)
    url = f"/admin/federation/peer/{uganda.pk}/change/"
    data = _form(client, url) | {"endpoint": "https://armstrace.ug.example"}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Peer.objects.get(pk=uganda.pk).endpoint == "https://armstrace.ug.example"
    entry = AuditEntry.objects.filter(tag="federation:peer:updated").get()
    assert entry.before is not None and entry.after is not None
    assert entry.before["endpoint"] == "http://ug.example:8000"
    assert entry.after["endpoint"] == "https://armstrace.ug.example"


def test_peers_cannot_be_deleted_in_the_admin(administrator, uganda):
    client = Client()
    client.force_login(administrator)
    assert client.get(f"/admin/federation/peer/{uganda.pk}/delete/").status_code == 403
    assert Peer.objects.filter(pk=uganda.pk).exists()
