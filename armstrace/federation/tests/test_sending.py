"""The transactional outbox and the worker: steps that concern a peer queue a signed
message in the step's own transaction; the worker delivers, retries and gives up as the
peer's answer says."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import transaction

from armstrace.audit.models import AuditEntry
from armstrace.core import clock
from armstrace.federation import keys, services, worker
from armstrace.federation.models import NodeKey, OutboxMessage, RequestLink
from armstrace.federation.tests.conftest import request_body
from armstrace.tracing import services as tracing
from armstrace.tracing.models import TraceRequest
from armstrace.tracing.tests.helpers import make

pytestmark = pytest.mark.django_db


def body_of(message: OutboxMessage) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(bytes(message.body))
    return value


def send(poc: Any, **changes: Any) -> Any:
    trace = make(poc, "outgoing", **changes)
    tracing.transition(request=trace, to="sent", actor=poc)
    return trace


def test_sending_a_request_to_a_peer_state_queues_a_signed_trace_request(uganda, poc):
    trace = send(poc, requested_state="UG")
    message = OutboxMessage.objects.get()
    value = body_of(message)
    assert (message.kind, message.status, message.request) == ("trace.request", "queued", trace)
    assert value["sender"] == "KE" and value["recipient"] == "UG"
    assert value["body"]["document"]["request"]["request_id"] == trace.request_id
    header = keys.parse_header(message.signature)
    assert header is not None
    assert keys.verify(NodeKey.objects.get().public_key, header.signature, bytes(message.body))
    assert (
        bytes(message.body)
        == json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )
    assert RequestLink.objects.get().request == trace


def test_a_request_to_a_state_without_a_peer_queues_nothing(uganda, poc):
    send(poc, requested_state="RS")
    assert not OutboxMessage.objects.exists()


def test_a_rolled_back_step_leaves_no_outbox_row(uganda, poc):
    trace = make(poc, "outgoing", requested_state="UG")

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        tracing.transition(request=trace, to="sent", actor=poc)
        assert OutboxMessage.objects.count() == 1  # queued inside the step's transaction
        raise Abort
    assert not OutboxMessage.objects.exists()
    assert not RequestLink.objects.exists()


def test_without_a_node_identity_nothing_is_queued(poc, agencies):
    send(poc, requested_state="UG")
    assert not OutboxMessage.objects.exists()


def test_our_steps_on_a_peers_request_are_told_to_the_peer(ug, poc, weapon_factory):
    weapon_factory(serial="M70-000001")
    ug.post(ug.envelope("trace.request", request_body()))
    trace = TraceRequest.objects.get()
    tracing.transition(request=trace, to="acknowledged", actor=poc)
    tracing.transition(
        request=trace, to="delayed", actor=poc, grounds=["investigation"], reasons="Ongoing case"
    )
    tracing.transition(request=trace, to="in_progress", actor=poc)
    answer = tracing.draft_answer(request=trace, actor=poc)
    tracing.release_answer(answer=answer, actor=poc, completeness="complete")
    kinds = list(OutboxMessage.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == [
        "trace.acknowledgement",
        "trace.status",
        "trace.status",
        "trace.answer",
    ]
    delayed, answered = (
        OutboxMessage.objects.order_by("id")[1],
        OutboxMessage.objects.order_by("id").last(),
    )
    assert body_of(delayed)["body"]["grounds"] == ["investigation"]
    assert answered is not None
    document = body_of(answered)["body"]["document"]
    assert document["schema"] == "armstrace.trace-answer"
    assert body_of(answered)["body"]["request_id"] == "UG-2026-000042"


def test_a_follow_up_travels_as_trace_follow_up(uganda, poc, agencies):
    rwanda = services.add_peer(
        data=services.PeerInput(
            node_id="RW",
            state="RW",
            endpoint="http://rw.example",
            public_key=NodeKey.objects.get().public_key,  # any valid key will do here
        )
    )
    first = send(poc, requested_state="UG")
    follow = make(poc, "outgoing", requested_state="RW", parent=first, case_ref="")
    tracing.transition(request=follow, to="sent", actor=poc)
    message = OutboxMessage.objects.get(peer=rwanda)
    assert message.kind == "trace.follow_up"
    assert body_of(message)["body"]["parent_request_id"] == first.request_id


def test_reminders_of_a_late_peer_are_sent(uganda, poc, settings):
    trace = send(poc, requested_state="UG")
    later = clock.now() + dt.timedelta(days=20)
    tracing.send_reminders(now=later)
    reminder = OutboxMessage.objects.filter(kind="trace.reminder").get()
    assert body_of(reminder)["body"]["request_id"] == trace.request_id
    assert body_of(reminder)["body"]["late"] == "ack"


# --- the worker -------------------------------------------------------------------------------


@pytest.fixture
def queued(uganda, poc):
    send(poc, requested_state="UG")
    return OutboxMessage.objects.get()


def answering(monkeypatch, status: int, text: str = "") -> list[str]:
    calls: list[str] = []

    def fake(url: str, body: bytes, signature: str) -> worker.Reply:
        calls.append(url)
        return worker.Reply(status, text)

    monkeypatch.setattr(worker, "post", fake)
    return calls


def test_a_2xx_marks_the_message_delivered(queued, monkeypatch):
    calls = answering(monkeypatch, 200, '{"status": "accepted"}')
    assert worker.deliver_due() == 1
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == ("delivered", 1)
    assert calls == ["http://ug.example:8000/federation/v1/inbox"]
    assert AuditEntry.objects.filter(tag="federation:message:delivered").exists()


def test_a_4xx_fails_permanently_with_the_peers_reason(queued, monkeypatch):
    answering(monkeypatch, 403, '{"error": "bad_signature", "reason": "does not verify"}')
    worker.deliver_due()
    queued.refresh_from_db()
    assert queued.status == "failed"
    assert queued.last_error == "403 bad_signature: does not verify"
    assert worker.deliver_due() == 0  # never retried


@pytest.mark.parametrize("status", [0, 500, 503, 429])
def test_a_server_error_or_no_connection_is_retried_later_with_backoff(queued, monkeypatch, status):
    answering(monkeypatch, status, "connection refused" if status == 0 else "oops")
    worker.deliver_due()
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == ("queued", 1)
    assert queued.next_attempt_at > clock.now()
    assert queued.last_error
    assert worker.deliver_due() == 0  # not due yet


def test_backoff_grows_exponentially_with_jitter_up_to_the_cap(settings):
    settings.FEDERATION_RETRY_BASE_SECONDS = 2
    settings.FEDERATION_RETRY_MAX_SECONDS = 60
    assert 1 <= worker.backoff(1).total_seconds() <= 2
    assert 8 <= worker.backoff(4).total_seconds() <= 16
    assert 30 <= worker.backoff(20).total_seconds() <= 60


def test_a_message_that_would_expire_before_the_next_try_fails(queued, monkeypatch, settings):
    settings.FEDERATION_RETRY_BASE_SECONDS = 30 * 24 * 3600
    settings.FEDERATION_RETRY_MAX_SECONDS = 30 * 24 * 3600
    answering(monkeypatch, 503)
    worker.deliver_due()
    queued.refresh_from_db()
    assert queued.status == "failed" and queued.last_error.startswith("expired before delivery")


def test_a_claim_left_by_a_killed_worker_lapses_and_the_message_is_retried(
    queued, monkeypatch, settings
):
    settings.FEDERATION_LEASE_SECONDS = 10
    assert worker.claim() == [queued.pk]  # the worker dies here, before its POST
    calls = answering(monkeypatch, 200, '{"status": "duplicate"}')
    assert worker.deliver_due() == 0  # still claimed
    later = clock.now() + dt.timedelta(seconds=11)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert worker.deliver_due() == 1
    queued.refresh_from_db()
    assert (queued.status, len(calls)) == ("delivered", 1)


def test_rotating_the_key_tells_every_peer_signed_with_the_old_key(uganda, node):
    old = services.current_key()
    new = services.rotate_key()
    assert services.current_key() == new
    message = OutboxMessage.objects.get(kind="key.rotated")
    value = body_of(message)
    assert value["key_id"] == old.key_id and value["body"]["key_id"] == new.key_id
    header = keys.parse_header(message.signature)
    assert header is not None and keys.verify(old.public_key, header.signature, bytes(message.body))
    old.refresh_from_db()
    assert old.retired_at is not None


def test_deliveries_in_threads_keep_the_workers_audit_context(monkeypatch, settings):
    from armstrace.core.context import current_context

    settings.FEDERATION_WORKER_THREADS = 3
    seen: list[str] = []
    monkeypatch.setattr(worker, "claim", lambda limit=50: [1, 2, 3])
    monkeypatch.setattr(worker, "deliver", lambda pk: seen.append(current_context().actor_name))
    assert worker.deliver_due() == 3
    assert seen == ["test-setup"] * 3
