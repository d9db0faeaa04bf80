"""Pages for points of contact and administrators, nothing for other roles; the operator's
commands (init, identity, peer add, peers, outbox, inbox, rotate-key, schemas)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from armstrace.audit.checkpoints import public_pem
from armstrace.federation.models import NodeIdentity, OutboxMessage, Peer
from armstrace.federation.tests.conftest import request_body

pytestmark = pytest.mark.django_db
PAGES = ["/federation/peers/", "/federation/outbox/", "/federation/inbox/"]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("persona", ["poc", "administrator"])
def test_points_of_contact_and_administrators_see_the_pages(persona, request, uganda):
    client = client_for(request.getfixturevalue(persona))
    for url in PAGES:
        assert client.get(url).status_code == 200, url
    assert "Sgt. Okello" in client.get("/federation/peers/").content.decode()


@pytest.mark.parametrize("persona", ["investigator_a", "registrar", "auditor", "outsider"])
def test_other_roles_are_refused(persona, request, node):
    client = client_for(request.getfixturevalue(persona))
    for url in PAGES:
        assert client.get(url).status_code == 403, url


def test_the_outbox_page_shows_a_failure_with_the_peers_reason(uganda, poc):
    from armstrace.federation.tests.test_sending import send

    send(poc, requested_state="UG")
    OutboxMessage.objects.update(status="failed", last_error="403 bad_signature: nope")
    page = client_for(poc).get("/federation/outbox/?status=failed").content.decode()
    assert "403 bad_signature: nope" in page
    assert (
        "403 bad_signature"
        not in client_for(poc).get("/federation/outbox/?status=delivered").content.decode()
    )


def test_the_inbox_page_filters_rejections(ug, poc):
    ug.post(b"not json")
    ug.post(ug.envelope("trace.request", request_body()))
    page = client_for(poc).get("/federation/inbox/?status=rejected").content.decode()
    assert "malformed" in page and "UG-2026-000042" not in page


def test_the_schemas_are_published(node):
    schemas = Client().get("/federation/v1/schemas").json()
    assert {"envelope", "trace.request", "trace.answer", "key.rotated"} <= set(schemas)
    assert "sender" in schemas["envelope"]["properties"]


def test_the_inbox_endpoint_takes_posts_only(node):
    assert Client().get("/federation/v1/inbox").status_code == 405


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("federation", *args, stdout=out)
    return out.getvalue()


def test_init_identity_and_peer_add_from_the_command_line(agencies, tmp_path, uganda_key):
    out = run("init", "--node-id", "KE")
    assert "node KE initialised" in out and "BEGIN PUBLIC KEY" in out
    assert NodeIdentity.objects.get().service_user.username == "federation"
    key_file = tmp_path / "ug.pem"
    key_file.write_text(public_pem(uganda_key.public_key()))
    run("peer", "add", "--node-id", "UG", "--endpoint", "http://ug.example", "--key",
        str(key_file), "--contact", "Sgt. Okello;okello@ug.example;+256 1;en,sw")  # fmt: skip
    peer = Peer.objects.get()
    assert peer.state_id == "UG"
    assert peer.contacts == [
        {"name": "Sgt. Okello", "email": "okello@ug.example", "phone": "+256 1",
         "languages": ["en", "sw"]}
    ]  # fmt: skip
    assert "UG\tUG\tactive" in run("peers")
    assert "key id:" in run("identity")
    with pytest.raises(CommandError, match="already initialised"):
        run("init", "--node-id", "KE")


def test_the_outbox_and_inbox_commands_list_failures_with_reasons(ug, uganda, poc):
    from armstrace.federation.tests.test_sending import send

    send(poc, requested_state="UG")
    OutboxMessage.objects.update(status="failed", last_error="400 expired: too late")
    assert "400 expired: too late" in run("outbox", "--status", "failed")
    ug.post(b"{")
    assert "400 malformed" in run("inbox", "--status", "rejected")


def test_rotate_key_and_schemas_commands(uganda):
    assert "new key" in run("rotate-key")
    assert OutboxMessage.objects.filter(kind="key.rotated").count() == 1
    assert '"envelope"' in run("schemas")


def test_the_worker_command_delivers_once(uganda, poc, monkeypatch):
    from armstrace.federation import worker
    from armstrace.federation.tests.test_sending import send

    send(poc, requested_state="UG")
    monkeypatch.setattr(worker, "post", lambda url, body, signature: worker.Reply(200, "{}"))
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    assert "1 delivery attempt(s)" in out.getvalue()
    assert OutboxMessage.objects.get().status == "delivered"
