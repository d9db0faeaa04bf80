"""Diversion notices sent through federation (T13): a recipient that is a peer node gets its
notice as a signed "diverted" alert, queued once to that node alone, by the point of
contact only; the weapon is the notice's own, so a weapon our registry does not hold (an
outgoing trace) is sent as well."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.urls import reverse

from armstrace.audit.checkpoints import public_pem
from armstrace.audit.models import AuditEntry
from armstrace.core.exceptions import DomainValidationError, PermissionDenied
from armstrace.federation import services as federation
from armstrace.federation.models import OutboxMessage, Peer
from armstrace.reporting import services
from armstrace.reporting.models import DiversionNotice, NoticeRecipient
from armstrace.tracing import exchange
from armstrace.tracing import services as tracing
from armstrace.tracing.tests.helpers import make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _key_dir(settings: Any, tmp_path: Any) -> None:
    settings.FEDERATION_KEY_DIR = str(tmp_path / "federation")


def _peer(node_id: str, name: str = "") -> Peer:
    key = Ed25519PrivateKey.generate()
    return federation.add_peer(
        data=federation.PeerInput(
            node_id=node_id,
            state=node_id,
            endpoint=f"http://{node_id.lower()}.example:8000",
            public_key=public_pem(key.public_key()),
            name=name,
        )
    )


@pytest.fixture
def uganda(agencies: Any) -> Peer:
    federation.init_node(node_id="KE")
    return _peer("UG", "Uganda national registry")


@pytest.fixture
def peer_recipient(uganda: Peer) -> NoticeRecipient:
    """A recipient reached through federation only: no e-mail, no address."""
    return services.save_recipient(
        actor=None,
        data=services.RecipientInput(name="Uganda Police Force", level="regional", peer="UG"),
    )


@pytest.fixture
def notice(peer_recipient: NoticeRecipient, recipients: Any, data_set: Any) -> DiversionNotice:
    return DiversionNotice.objects.get(recipient=peer_recipient)


def alerts_to(node_id: str) -> list[dict[str, Any]]:
    rows = OutboxMessage.objects.filter(kind="alert.published", peer__node_id=node_id)
    return [json.loads(bytes(row.body)) for row in rows.order_by("created_at")]


def test_the_point_of_contact_sends_a_notice_to_its_peer_node_from_the_page(
    client, notice, poc, data_set
):
    client.force_login(poc)
    url = reverse("reporting:notice-detail", args=[notice.pk])
    page = client.get(url).content.decode()
    assert "Send to Uganda national registry as a signed alert" in page
    assert reverse("reporting:notice-send", args=[notice.pk]) in page

    sent = client.post(reverse("reporting:notice-send", args=[notice.pk]), follow=True)

    notice.refresh_from_db()
    assert notice.state == "sent" and notice.alert_id is not None
    assert notice.exported_at is not None
    (value,) = alerts_to("UG")
    body = value["body"]
    assert value["kind"] == "alert.published" and value["sender"] == "KE"
    assert value["recipient"] == "UG"
    assert body["alert_id"] == str(notice.alert_id)
    assert (body["kind"], body["serial"], body["manufacturer"]) == (
        "diverted",
        "M70-000101",
        "Zastava Arms",
    )
    assert body["event_date"] == "2024-01-10"
    assert body["confidentiality"] == {
        "level": "restricted",
        "use_restrictions": "Law enforcement use only; no onward disclosure",
    }
    assert data_set.diverted.request_id in body["note"]
    assert OutboxMessage.objects.count() == 1  # to that one peer, not to every peer
    entry = AuditEntry.objects.get(tag="reporting:notice:sent")
    assert entry.object_id == str(notice.pk)
    assert entry.data == {
        "request": data_set.diverted.request_id,
        "recipient": "Uganda Police Force",
        "peer": "UG",
        "alert_id": str(notice.alert_id),
    }
    published = AuditEntry.objects.get(tag="federation:alert:published")
    assert published.object_type == "reporting.diversionnotice"
    text = sent.content.decode()
    assert str(notice.alert_id) in text  # the success message names the alert
    assert "Send to Uganda national registry" not in text  # sent: no second button


def test_a_notice_is_sent_once(notice, poc):
    services.send_notice(notice=notice, actor=poc)
    with pytest.raises(DomainValidationError) as refused:
        services.send_notice(notice=notice, actor=poc)
    assert refused.value.code == "already_sent"
    assert len(alerts_to("UG")) == 1
    assert AuditEntry.objects.filter(tag="reporting:notice:sent").count() == 1


def test_sending_again_from_the_page_shows_the_refusal(client, notice, poc):
    client.force_login(poc)
    url = reverse("reporting:notice-send", args=[notice.pk])
    client.post(url)
    again = client.post(url, follow=True)
    assert "already sent" in again.content.decode()
    assert len(alerts_to("UG")) == 1


def test_a_recipient_that_is_not_a_peer_node_is_refused(notice, recipients, poc):
    other = DiversionNotice.objects.get(recipient=recipients[0])
    with pytest.raises(DomainValidationError) as refused:
        services.send_notice(notice=other, actor=poc)
    assert refused.value.code == "no_peer"
    other.refresh_from_db()
    assert other.state == "to_send" and other.alert_id is None
    assert not OutboxMessage.objects.exists()


def test_an_inactive_peer_node_is_refused(notice, uganda, poc):
    Peer.objects.filter(pk=uganda.pk).update(active=False)
    with pytest.raises(DomainValidationError) as refused:
        services.send_notice(notice=notice, actor=poc)
    assert refused.value.code == "peer_inactive"
    assert not OutboxMessage.objects.exists()


def test_only_the_point_of_contact_sends(client, notice, administrator, auditor):
    url = reverse("reporting:notice-send", args=[notice.pk])
    for user in (administrator, auditor):
        with pytest.raises(PermissionDenied):
            services.send_notice(notice=notice, actor=user)
        client.force_login(user)
        assert client.post(url).status_code == 403
        page = client.get(reverse("reporting:notice-detail", args=[notice.pk])).content.decode()
        assert f"notices/{notice.pk}/send/" not in page
    assert not OutboxMessage.objects.exists()
    notice.refresh_from_db()
    assert notice.state == "to_send"


def test_sending_is_a_post(client, notice, poc):
    client.force_login(poc)
    assert client.get(reverse("reporting:notice-send", args=[notice.pk])).status_code == 405


def test_a_sent_notice_is_acknowledged_and_an_export_keeps_it_sent(notice, poc):
    services.send_notice(notice=notice, actor=poc)
    services.export_notice(notice=notice, actor=poc, fmt="pdf")  # a copy for the file
    notice.refresh_from_db()
    assert notice.state == "sent"
    services.acknowledge_notice(notice=notice, actor=poc, note="Acknowledged by UG's node")
    notice.refresh_from_db()
    assert notice.state == "acknowledged"


def test_the_alert_can_be_stricter_than_the_notice_never_more_open(notice, poc):
    with pytest.raises(DomainValidationError) as refused:
        services.send_notice(notice=notice, actor=poc, confidentiality="unrestricted")
    assert refused.value.field == "confidentiality"
    services.send_notice(notice=notice, actor=poc, confidentiality="confidential")
    assert alerts_to("UG")[0]["body"]["confidentiality"]["level"] == "confidential"


def test_an_uninitialised_node_sends_nothing(notice, poc):
    from armstrace.federation.models import NodeIdentity

    NodeIdentity.objects.all().delete()
    with pytest.raises(DomainValidationError) as refused:
        services.send_notice(notice=notice, actor=poc)
    assert refused.value.field == "node"
    notice.refresh_from_db()
    assert notice.alert_id is None and notice.state == "to_send"


def test_an_outgoing_trace_answered_abroad_sends_the_weapon_as_asked(
    peer_recipient, poc, django_capture_on_commit_callbacks
):
    """Our registry does not hold the weapon: the answer has none, the notice describes it."""
    trace = make(poc, "outgoing", serial_as_read="RS-778899", model="M70AB2")
    tracing.transition(request=trace, to="sent", actor=poc)
    received = exchange.ReceivedAnswer(
        completeness="complete",
        summary="Exported to UG in 1995; reported stolen from a UG police armoury.",
        last_legal_record={"event": "exported", "date": "1995-01-01", "country": "UG"},
        diversion_established=True,
        diversion_how="stolen from a police armoury",
        confidentiality="restricted",
        use_restrictions="Law enforcement use only",
    )
    with django_capture_on_commit_callbacks(execute=True):
        answer = exchange.record_received_answer(request=trace, actor=poc, data=received)
    assert answer.weapon_id is None
    notice = DiversionNotice.objects.get(answer=answer, recipient=peer_recipient)

    services.send_notice(notice=notice, actor=poc)

    (value,) = alerts_to("UG")
    body = value["body"]
    assert (body["kind"], body["serial"], body["model"]) == ("diverted", "RS-778899", "M70AB2")
    assert body["event_country"] == "UG" and body["event_date"] is None
    notice.refresh_from_db()
    assert notice.state == "sent" and str(notice.alert_id) == body["alert_id"]


# --- recipients that are peer nodes --------------------------------------------------------


def test_a_recipient_may_be_a_peer_node_without_e_mail_or_address(client, uganda, poc):
    client.force_login(poc)
    saved = client.post(
        reverse("reporting:recipient-create"),
        {"name": "Uganda NFP", "level": "national", "languages": ["en"], "peer": "UG"},
    )
    assert saved.status_code == 302
    recipient = NoticeRecipient.objects.get(name="Uganda NFP")
    assert recipient.peer == uganda
    edit = client.get(reverse("reporting:recipient-edit", args=[recipient.pk])).content.decode()
    assert 'value="UG" selected' in edit


def test_an_unknown_peer_node_is_refused_naming_the_field(client, uganda, poc):
    with pytest.raises(DomainValidationError) as refused:
        services.save_recipient(
            actor=poc,
            data=services.RecipientInput(name="Nobody", level="regional", peer="ZZ"),
        )
    assert refused.value.field == "peer" and refused.value.code == "unknown_peer"
    client.force_login(poc)
    page = client.post(
        reverse("reporting:recipient-create"),
        {"name": "Nobody", "level": "regional", "languages": ["en"], "peer": "ZZ"},
    )
    assert page.status_code == 422
    assert "peer" in page.context["form"].errors
    assert not NoticeRecipient.objects.filter(name="Nobody").exists()
