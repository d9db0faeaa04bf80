"""The inbox: each check in order, each rejection stored and audited with its reason, the
idempotent inbox, and peers' messages applied through tracing's services."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from armstrace.audit.checkpoints import public_pem
from armstrace.audit.models import AuditEntry
from armstrace.core import clock
from armstrace.federation import keys, messages
from armstrace.federation.models import InboxMessage, OutboxMessage, PeerKey, RequestLink
from armstrace.federation.tests.conftest import request_body
from armstrace.tracing import services as tracing
from armstrace.tracing.models import TraceRequest
from armstrace.tracing.tests.helpers import make

pytestmark = pytest.mark.django_db


def rejection(response: Any, status: int, code: str) -> InboxMessage:
    assert response.status_code == status, response.content
    assert response.json()["error"] == code
    row = InboxMessage.objects.get()
    assert (row.status, row.error, row.http_status) == ("rejected", code, status)
    assert row.reason == response.json()["reason"]
    assert AuditEntry.objects.filter(tag="federation:message:rejected").count() == 1
    return row


def test_a_body_over_the_limit_is_refused_with_413(ug, settings):
    settings.FEDERATION_MAX_BODY = 200
    response = ug.post(ug.envelope("trace.request", request_body()))
    rejection(response, 413, "too_large")


def test_malformed_json_is_refused_and_its_first_bytes_kept(ug):
    row = rejection(ug.post(b'{"schema": "armstrace.federation", oops'), 400, "malformed")
    assert row.head.startswith('{"schema"')


def test_a_float_is_malformed(ug):
    raw = json.dumps(ug.envelope("trace.request", {"x": 1.5})).encode()
    rejection(ug.post(raw), 400, "malformed")


def test_an_unknown_schema_version_is_refused(ug):
    rejection(ug.post(ug.envelope("trace.request", {}, version=2)), 400, "unsupported_version")


def test_an_unknown_sender_is_refused(ug):
    response = ug.post(ug.envelope("trace.request", request_body(), sender="TZ"))
    row = rejection(response, 403, "unknown_sender")
    assert row.sender == "TZ"


def test_a_message_for_another_node_is_refused(ug):
    response = ug.post(ug.envelope("trace.request", request_body(), recipient="RW"))
    rejection(response, 403, "unknown_sender")


def test_a_missing_signature_is_refused(ug):
    response = ug.post(ug.envelope("trace.request", request_body()), signature="")
    rejection(response, 403, "bad_signature")


def test_a_signature_over_different_bytes_is_refused(ug):
    value = ug.envelope("trace.request", request_body())
    signature = ug.sign(messages.canonical(value))
    value["body"]["document"]["request"]["case_ref"] = "tampered"
    row = rejection(ug.post(value, signature=signature), 403, "bad_signature")
    assert row.peer is not None and row.peer.node_id == "UG"
    assert not TraceRequest.objects.exists()


def test_a_signature_by_another_key_is_refused(ug):
    raw = messages.canonical(ug.envelope("trace.request", request_body()))
    forged = ug.sign(raw, key=Ed25519PrivateKey.generate())
    rejection(ug.post(raw, signature=forged), 403, "bad_signature")


def test_a_key_retired_past_its_grace_is_refused(ug, uganda, settings):
    settings.FEDERATION_KEY_GRACE_HOURS = 1
    PeerKey.objects.filter(peer=uganda).update(retired_at=clock.now() - dt.timedelta(hours=2))
    rejection(ug.post(ug.envelope("trace.request", request_body())), 403, "bad_signature")


def test_a_clock_far_ahead_is_refused(ug):
    ahead = (clock.now() + dt.timedelta(hours=1)).isoformat()
    rejection(
        ug.post(ug.envelope("trace.request", request_body(), sent_at=ahead)), 400, "clock_skew"
    )


def test_an_expired_message_is_refused(ug):
    past = (clock.now() - dt.timedelta(minutes=1)).isoformat()
    response = ug.post(ug.envelope("trace.request", request_body(), expires_at=past))
    rejection(response, 400, "expired")


def test_a_body_invalid_for_its_kind_names_the_field(ug):
    body = request_body()
    del body["document"]["request"]["weapon"]["markings"]
    row = rejection(ug.post(ug.envelope("trace.request", body)), 422, "invalid_body")
    assert "document.request.weapon.markings" in row.reason


def test_a_refusal_without_grounds_is_invalid(ug):
    body = {"request_id": "X", "status": "refused", "reasons": "", "at": clock.now().isoformat()}
    rejection(ug.post(ug.envelope("trace.status", body)), 422, "invalid_body")


def test_a_request_from_a_peer_is_filed_as_incoming_by_the_service_account(ug, node):
    response = ug.post(ug.envelope("trace.request", request_body()))
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "accepted"}
    trace = TraceRequest.objects.get()
    assert (trace.direction, trace.status, trace.request_id) == (
        "incoming",
        "received",
        "UG-2026-000042",
    )
    assert trace.requesting_state_id == "UG" and trace.requested_agency == node.service_user.agency
    assert trace.events.get().actor_name == "federation: UG"
    assert RequestLink.objects.get().peer_request_id == "UG-2026-000042"
    assert not OutboxMessage.objects.exists()  # nothing owed yet: no auto-acknowledgement


def test_a_second_delivery_of_an_accepted_message_changes_nothing(ug):
    value = ug.envelope("trace.request", request_body())
    assert ug.post(value).json() == {"status": "accepted"}
    again = ug.post(value)
    assert again.status_code == 200 and again.json() == {"status": "duplicate"}
    assert TraceRequest.objects.count() == 1
    assert InboxMessage.objects.count() == 1


def test_a_request_claiming_another_requesting_state_is_refused(ug):
    body = request_body()
    body["document"]["request"]["requesting"]["state"] = "TZ"
    row = rejection(ug.post(ug.envelope("trace.request", body)), 422, "invalid_body")
    assert "requesting.state" in row.reason


def test_auto_acknowledgement_queues_the_acknowledgement(ug, settings):
    settings.FEDERATION_AUTO_ACKNOWLEDGE = True
    ug.post(ug.envelope("trace.request", request_body()))
    assert TraceRequest.objects.get().status == "acknowledged"
    message = OutboxMessage.objects.get()
    assert message.kind == "trace.acknowledgement"
    value = json.loads(bytes(message.body))
    assert value["body"]["request_id"] == "UG-2026-000042"


# --- replies to our outgoing requests ---------------------------------------------------------


@pytest.fixture
def sent(ug, poc):
    trace = make(poc, "outgoing", requested_state="UG")
    tracing.transition(request=trace, to="sent", actor=poc)
    return trace


def answer_body(request_id: str) -> dict[str, Any]:
    return {
        "request_id": request_id,
        "document": {
            "schema": "armstrace.trace-answer",
            "version": 1,
            "confidentiality": {"level": "restricted", "use_restrictions": "Court use only"},
            "request": {"request_id": request_id},
            "answer": {
                "completeness": "complete",
                "summary": "Imported 1995 by Uganda Police; exported 2001 to Rwanda.",
                "supply_chain": [
                    {"event": "imported", "date": "1995-01-01", "country": "UG"},
                    {"event": "exported", "date": "2001-01-01", "counterpart_country": "RW"},
                ],
                "leads_to_state": "RW",
            },
        },
    }


def ack_body(request_id: str) -> dict[str, Any]:
    return {"request_id": request_id, "acknowledged_at": clock.now().isoformat()}


def test_an_acknowledgement_acknowledges_our_request(ug, sent):
    assert ug.post(ug.envelope("trace.acknowledgement", ack_body(sent.request_id))).json() == {
        "status": "accepted"
    }
    sent.refresh_from_db()
    assert sent.status == "acknowledged"


def test_an_answer_before_the_acknowledgement_still_applies(ug, sent):
    response = ug.post(ug.envelope("trace.answer", answer_body(sent.request_id)))
    assert response.json() == {"status": "accepted"}, response.content
    sent.refresh_from_db()
    assert sent.status == "answered_complete"
    assert sent.answers.get().source == "received"
    late_ack = ug.post(ug.envelope("trace.acknowledgement", ack_body(sent.request_id)))
    assert late_ack.json() == {"status": "stale"}
    assert InboxMessage.objects.filter(status="stale").count() == 1
    sent.refresh_from_db()
    assert sent.status == "answered_complete"


def test_a_refusal_carries_its_grounds_into_our_history(ug, sent):
    body = {
        "request_id": sent.request_id,
        "status": "refused",
        "grounds": ["national_security"],
        "reasons": "Military holdings are not disclosed.",
        "at": clock.now().isoformat(),
    }
    assert ug.post(ug.envelope("trace.status", body)).json() == {"status": "accepted"}
    sent.refresh_from_db()
    assert sent.status == "refused"
    last = sent.events.order_by("-seq").first()
    assert last is not None and last.grounds == ["national_security"]


def test_a_message_about_an_unknown_request_is_refused(ug):
    response = ug.post(ug.envelope("trace.acknowledgement", ack_body("KE-2026-999999")))
    rejection(response, 422, "invalid_body")


def test_a_rotated_key_is_taken_and_the_old_one_still_verifies_in_its_grace(ug, uganda):
    new = Ed25519PrivateKey.generate()
    body = {
        "key_id": keys.key_id(new.public_key()),
        "public_key": public_pem(new.public_key()),
        "previous_key_id": ug.key_id,
        "grace_until": (clock.now() + dt.timedelta(days=7)).isoformat(),
    }
    assert ug.post(ug.envelope("key.rotated", body)).json() == {"status": "accepted"}
    old = PeerKey.objects.get(peer=uganda, key_id=ug.key_id)
    assert old.retired_at is not None
    # A message signed with the old key, in flight during the rotation, still verifies.
    assert ug.post(ug.envelope("trace.request", request_body())).json() == {"status": "accepted"}


def test_nul_bytes_in_a_rejected_message_are_stored_safely(ug):
    value = ug.envelope("trace.acknowledgement", ack_body("KE\u0000-1"), sender="U\u0000G")
    row = rejection(ug.post(value), 400, "malformed")
    assert "\x00" not in row.sender + row.head + row.reason


def test_a_request_id_with_control_characters_is_invalid(ug):
    response = ug.post(ug.envelope("trace.acknowledgement", ack_body("KE\u0000-1")))
    rejection(response, 422, "invalid_body")
