"""Regional alerts: publishing queues one signed message per chosen peer in the publishing
transaction; an alert received is stored once, matched against our registry, relayed by a
hub to its other peers (never back), seen and acknowledged by points of contact only."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client

from armstrace.audit.checkpoints import public_pem
from armstrace.audit.models import AuditEntry
from armstrace.core import clock
from armstrace.core.exceptions import DomainValidationError
from armstrace.federation import alerts, services
from armstrace.federation.models import OutboxMessage, Peer, ReceivedAlert
from armstrace.federation.tests.conftest import Uganda
from armstrace.registry.services import EventInput, record_life_event

pytestmark = pytest.mark.django_db
PAGES = ["/federation/alerts/", "/federation/alerts/publish/"]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def add_peer(node_id: str, key: Ed25519PrivateKey | None = None, **changes: Any) -> Peer:
    key = key or Ed25519PrivateKey.generate()
    data = services.PeerInput(
        node_id=node_id,
        state=node_id,
        endpoint=f"http://{node_id.lower()}.example:8000",
        public_key=public_pem(key.public_key()),
        **changes,
    )
    return services.add_peer(data=data)


def alert_body(serial: str = "M70-123456", **changes: Any) -> dict[str, Any]:
    """An alert as UG's node publishes it."""
    body: dict[str, Any] = {
        "alert_id": str(uuid.uuid4()),
        "origin": "UG",
        "kind": "stolen",
        "manufacturer": "Zastava Arms",
        "model": "M70",
        "calibre": "7.62x39",
        "weapon_type": "assault-rifle",
        "serial": serial,
        "event_date": "2026-03-01",
        "event_country": "UG",
        "note": "Stolen from a police armoury in Gulu",
        "confidentiality": {"level": "restricted", "use_restrictions": "law enforcement"},
        "published_at": clock.now().isoformat(),
    }
    body.update(changes)
    return body


def alerts_to(node_id: str) -> list[dict[str, Any]]:
    rows = OutboxMessage.objects.filter(kind="alert.published", peer__node_id=node_id)
    return [json.loads(bytes(row.body)) for row in rows]


# --- publishing ----------------------------------------------------------------------------


def test_publishing_queues_one_signed_alert_per_chosen_peer(uganda, poc, weapon_factory):
    rwanda = add_peer("RW")
    add_peer("TZ")
    weapon = weapon_factory(serial="M70-555001")
    published = alerts.publish_alert(
        actor=poc,
        weapon=weapon,
        kind="stolen",
        peers=[uganda, rwanda],
        confidentiality="restricted",
        note="taken in transit",
    )
    assert sorted(m.peer.node_id for m in OutboxMessage.objects.all()) == ["RW", "UG"]
    (value,) = alerts_to("UG")
    body = value["body"]
    assert value["kind"] == "alert.published" and value["sender"] == "KE"
    assert (body["alert_id"], body["origin"], body["kind"]) == (
        str(published.alert_id),
        "KE",
        "stolen",
    )
    assert (body["serial"], body["manufacturer"], body["model"]) == (
        "M70-555001",
        "Zastava Arms",
        "M70",
    )
    assert alerts_to("RW")[0]["body"]["alert_id"] == body["alert_id"]
    assert not alerts_to("TZ")
    entry = AuditEntry.objects.get(tag="federation:alert:published")
    assert entry.data["to"] == ["RW", "UG"] and entry.object_id == str(weapon.pk)


def test_an_alert_rolled_back_with_its_transaction_leaves_no_message(uganda, poc, weapon_factory):
    weapon = weapon_factory()
    with pytest.raises(RuntimeError), transaction.atomic():
        alerts.publish_alert(
            actor=poc, weapon=weapon, kind="lost", peers=None, confidentiality="restricted"
        )
        assert OutboxMessage.objects.count() == 1
        raise RuntimeError("the publishing transaction fails")
    assert not OutboxMessage.objects.exists()


def test_publishing_to_all_reaches_every_active_peer_and_no_inactive_one(
    uganda, poc, weapon_factory
):
    add_peer("RW")
    Peer.objects.filter(pk=add_peer("TZ").pk).update(active=False)
    alerts.publish_alert(
        actor=poc, weapon=weapon_factory(), kind="lost", peers=None, confidentiality="restricted"
    )
    assert sorted(m.peer.node_id for m in OutboxMessage.objects.all()) == ["RW", "UG"]


def test_the_alert_carries_the_date_and_country_of_the_recorded_theft(uganda, poc, weapon_factory):
    weapon = weapon_factory()
    record_life_event(
        weapon=weapon, data=EventInput(kind="stolen", occurred_on=dt.date(2026, 2, 3), country="KE")
    )
    alerts.publish_alert(
        actor=poc, weapon=weapon, kind="stolen", peers=[uganda], confidentiality="restricted"
    )
    body = alerts_to("UG")[0]["body"]
    assert (body["event_date"], body["event_country"]) == ("2026-02-03", "KE")


# --- receiving -----------------------------------------------------------------------------


def test_a_received_alert_is_stored_and_matched_despite_another_spelling_of_the_maker(
    ug, weapon_factory
):
    weapon = weapon_factory(serial="M70-123456")
    response = ug.post(ug.envelope("alert.published", alert_body(manufacturer="ZASTAVA")))
    assert response.json() == {"status": "accepted"}
    alert = ReceivedAlert.objects.get()
    assert (alert.origin, alert.via.node_id, alert.kind, alert.matched) == (
        "UG",
        "UG",
        "stolen",
        True,
    )
    (match,) = alert.matches
    assert (match["weapon_id"], match["match"]) == (str(weapon.pk), "exact")
    assert AuditEntry.objects.filter(tag="federation:alert:received").count() == 1


def test_an_alert_about_an_unrelated_serial_matches_nothing(ug, weapon_factory):
    weapon_factory(serial="M70-123456")
    ug.post(ug.envelope("alert.published", alert_body(serial="GLK-98765")))
    alert = ReceivedAlert.objects.get()
    assert (alert.matched, alert.matches) == (False, [])


def test_a_duplicate_delivery_is_ignored(ug, weapon_factory):
    value = ug.envelope("alert.published", alert_body())
    assert ug.post(value).json() == {"status": "accepted"}
    assert ug.post(value).json() == {"status": "duplicate"}
    again = ug.envelope("alert.published", alert_body(alert_id=value["body"]["alert_id"]))
    assert ug.post(again).json() == {"status": "stale"}
    assert ReceivedAlert.objects.count() == 1


def test_our_own_alert_coming_back_is_not_stored(ug):
    assert ug.post(ug.envelope("alert.published", alert_body(origin="KE"))).json() == {
        "status": "stale"
    }
    assert not ReceivedAlert.objects.exists()


def test_a_hub_relays_to_its_other_peers_but_not_back_nor_twice(ug, node):
    services.set_hub(hub=True)
    rwanda_key = Ed25519PrivateKey.generate()
    add_peer("RW", rwanda_key)
    add_peer("TZ")
    body = alert_body()
    assert ug.post(ug.envelope("alert.published", body)).json() == {"status": "accepted"}
    assert not alerts_to("UG")
    (relayed,) = [value["body"] for value in alerts_to("RW")]
    same = ("alert_id", "origin", "serial", "note", "confidentiality")
    assert {name: relayed[name] for name in same} == {name: body[name] for name in same}
    assert len(alerts_to("TZ")) == 1
    assert ReceivedAlert.objects.get().relayed_to == ["RW", "TZ"]
    rwanda = Uganda(rwanda_key)  # the same alert, come round through another hub
    echo = rwanda.envelope("alert.published", body, sender="RW")
    assert rwanda.post(echo).json() == {"status": "stale"}
    assert OutboxMessage.objects.count() == 2


def test_a_hub_does_not_relay_to_the_alerts_origin(ug, node):
    services.set_hub(hub=True)
    add_peer("TZ")
    add_peer("RW")
    ug.post(ug.envelope("alert.published", alert_body(origin="TZ")))
    assert not alerts_to("TZ") and not alerts_to("UG")
    assert len(alerts_to("RW")) == 1


def test_a_node_that_is_not_a_hub_relays_nothing(ug):
    add_peer("RW")
    ug.post(ug.envelope("alert.published", alert_body()))
    assert ReceivedAlert.objects.exists() and not OutboxMessage.objects.exists()


# --- pages and commands ----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["poc", "administrator"])
def test_points_of_contact_and_administrators_see_and_publish(persona, request, uganda):
    client = client_for(request.getfixturevalue(persona))
    for url in PAGES:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", ["investigator_a", "registrar", "auditor", "outsider"])
def test_other_roles_can_neither_see_nor_publish_nor_acknowledge(persona, request, ug):
    ug.post(ug.envelope("alert.published", alert_body()))
    client = client_for(request.getfixturevalue(persona))
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    pk = ReceivedAlert.objects.get().pk
    assert client.post(f"/federation/alerts/{pk}/acknowledge/").status_code == 403
    assert client.post("/federation/alerts/publish/", {"weapon": "x"}).status_code == 403
    assert ReceivedAlert.objects.get().acknowledged_at is None


def test_the_list_shows_leads_newest_first_filters_them_and_says_they_are_leads(
    ug, poc, weapon_factory
):
    weapon_factory(serial="M70-123456")
    ug.post(ug.envelope("alert.published", alert_body(serial="M70-123456")))
    ug.post(ug.envelope("alert.published", alert_body(serial="GLK-98765")))
    client = client_for(poc)
    page = client.get("/federation/alerts/").content.decode()
    assert "a lead, not a fact" in page
    assert page.index("GLK-98765") < page.index("<code>M70-123456")
    matched = client.get("/federation/alerts/?matched=yes").content.decode()
    assert "M70-123456" in matched and "GLK-98765" not in matched
    unmatched = client.get("/federation/alerts/?matched=no").content.decode()
    assert "GLK-98765" in unmatched and "<code>M70-123456" not in unmatched


def test_the_menu_tells_points_of_contact_how_many_alerts_wait_until_acknowledged(
    ug, poc, investigator_a
):
    ug.post(ug.envelope("alert.published", alert_body(serial="M70-1")))
    ug.post(ug.envelope("alert.published", alert_body(serial="M70-2")))
    client = client_for(poc)
    page = client.get("/federation/peers/").content.decode()
    assert 'Alerts from peers <span class="badge badge--waiting">2 waiting</span>' in page
    assert "Alerts from peers" not in client_for(investigator_a).get("/tracing/").content.decode()
    for alert in ReceivedAlert.objects.all():
        client.post(f"/federation/alerts/{alert.pk}/acknowledge/")
    page = client.get("/federation/peers/").content.decode()
    assert "Alerts from peers</a>" in page and "waiting" not in page


def test_a_point_of_contact_acknowledges_an_alert_and_it_is_audited(ug, poc):
    ug.post(ug.envelope("alert.published", alert_body()))
    alert = ReceivedAlert.objects.get()
    response = client_for(poc).post(f"/federation/alerts/{alert.pk}/acknowledge/")
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None and alert.acknowledged_by == poc
    entry = AuditEntry.objects.get(tag="federation:alert:acknowledged")
    assert entry.object_id == str(alert.alert_id)


def test_the_publish_form_takes_a_weapon_by_serial_and_queues_the_alert(
    uganda, poc, weapon_factory
):
    weapon_factory(serial="M70-777001")
    form = {"weapon": "M70-777001", "kind": "lost", "all_peers": "on",
            "confidentiality": "restricted", "note": ""}  # fmt: skip
    response = client_for(poc).post("/federation/alerts/publish/", form)
    assert response.status_code == 302
    assert alerts_to("UG")[0]["body"]["serial"] == "M70-777001"


def test_the_publish_form_refuses_an_unknown_weapon_and_no_peer(uganda, poc):
    form = {"weapon": "NOPE-1", "kind": "lost", "confidentiality": "restricted"}
    response = client_for(poc).post("/federation/alerts/publish/", form)
    assert response.status_code == 422
    assert not OutboxMessage.objects.exists()


def test_the_command_publishes_to_the_peers_named(uganda, poc, weapon_factory):
    add_peer("RW")
    weapon = weapon_factory()
    out = io.StringIO()
    call_command("federation", "alert", "publish", "--weapon", str(weapon.pk), "--kind",
                 "stolen", "--to", "UG", "--user", poc.username, stdout=out)  # fmt: skip
    assert "queued for UG" in out.getvalue()
    assert len(alerts_to("UG")) == 1 and not alerts_to("RW")


def test_the_command_refuses_a_user_who_may_not_publish(uganda, investigator_a, weapon_factory):
    weapon = weapon_factory()
    with pytest.raises(CommandError):
        call_command("federation", "alert", "publish", "--weapon", str(weapon.pk), "--all",
                     "--user", investigator_a.username)  # fmt: skip
    assert not OutboxMessage.objects.exists()


def test_an_inactive_peer_is_refused_and_nothing_is_queued(uganda, poc, weapon_factory):
    tanzania = add_peer("TZ")
    Peer.objects.filter(pk=tanzania.pk).update(active=False)
    tanzania.refresh_from_db()
    with pytest.raises(DomainValidationError):
        alerts.publish_alert(
            actor=poc,
            weapon=weapon_factory(),
            kind="lost",
            peers=[uganda, tanzania],
            confidentiality="restricted",
        )
    assert not OutboxMessage.objects.exists()
