"""Delivery: take due outbox messages, POST them, and record what the peer said.

2xx (also `duplicate`) -> delivered. 4xx -> failed permanently with the peer's reason
(408 and 429 excepted: those are retried). 5xx, a timeout or no connection -> retried
with exponential backoff and jitter, capped at FEDERATION_RETRY_MAX_SECONDS, until the
message expires. Messages are claimed with a lease (SKIP LOCKED on PostgreSQL), and the HTTP
call runs outside any transaction, so several workers may run at once. A worker killed
mid-delivery leaves its claim: the message is retried when the lease lapses.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import random
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, connections, transaction

from armstrace.audit.services import record_event
from armstrace.core import clock
from armstrace.core.context import audit_context
from armstrace.federation import keys, messages
from armstrace.federation.choices import OutboxStatus
from armstrace.federation.models import OutboxMessage

logger = logging.getLogger(__name__)
INBOX_PATH = "/federation/v1/inbox"
RETRIED = {408, 429}
_wake = threading.Event()


def wake() -> None:
    """A message was queued (after commit): an in-process worker delivers it now."""
    _wake.set()


def inbox_url(endpoint: str) -> str:
    """A peer's endpoint is its base URL; its inbox is at INBOX_PATH below it."""
    base = endpoint.rstrip("/")
    return base if base.endswith(INBOX_PATH) else base + INBOX_PATH


@dataclass(frozen=True)
class Reply:
    status: int  # 0: no HTTP answer (connection refused, timeout)
    text: str


def post(url: str, body: bytes, signature: str) -> Reply:
    headers = {"Content-Type": "application/json", keys.HEADER: signature}
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    timeout = settings.FEDERATION_TIMEOUT
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Reply(response.status, response.read(4096).decode("utf-8", "replace"))
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, exc.read(4096).decode("utf-8", "replace"))
    except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections
        return Reply(0, str(exc)[:500])


def backoff(attempts: int) -> dt.timedelta:
    """base * 2^(attempts-1), capped, with jitter (half to full) so peers coming back up
    are not hit by every sender at once."""
    base = settings.FEDERATION_RETRY_BASE_SECONDS
    delay = min(base * 2 ** max(attempts - 1, 0), settings.FEDERATION_RETRY_MAX_SECONDS)
    return dt.timedelta(seconds=delay * (0.5 + random.random() / 2))


def claim(limit: int = 50) -> list[int]:
    """Due messages, leased to this worker so that no other takes them meanwhile."""
    now = clock.now()
    with transaction.atomic():
        due = OutboxMessage.objects.filter(status=OutboxStatus.QUEUED, next_attempt_at__lte=now)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
        OutboxMessage.objects.filter(pk__in=ids).update(
            next_attempt_at=now + dt.timedelta(seconds=settings.FEDERATION_LEASE_SECONDS)
        )
    return ids


def _reason(reply: Reply) -> str:
    try:
        value = json.loads(reply.text)
        return f"{reply.status} {value.get('error', '')}: {value.get('reason', '')}"[:1000]
    except (ValueError, AttributeError):
        return f"{reply.status}: {reply.text}"[:1000]


def deliver(pk: int) -> str:
    """One delivery attempt; returns the message's status after it."""
    message = OutboxMessage.objects.select_related("peer").get(pk=pk)
    reply = post(inbox_url(message.peer.endpoint), bytes(message.body), message.signature)
    now = clock.now()
    message.attempts += 1
    if 200 <= reply.status < 300:
        message.status, message.delivered_at, message.last_error = OutboxStatus.DELIVERED, now, ""
    elif 400 <= reply.status < 500 and reply.status not in RETRIED:
        message.status, message.last_error = OutboxStatus.FAILED, _reason(reply)
    else:
        message.last_error = _reason(reply) if reply.status else reply.text
        message.next_attempt_at = now + backoff(message.attempts)
        if _expired(message, message.next_attempt_at):
            message.status = OutboxStatus.FAILED
            message.last_error = f"expired before delivery; last: {message.last_error}"[:1000]
    with transaction.atomic():
        message.save(
            update_fields=["attempts", "status", "delivered_at", "last_error", "next_attempt_at"]
        )
        if message.status != OutboxStatus.QUEUED:
            record_event(
                f"federation:message:{message.status}",
                object_type="federation.outboxmessage",
                object_id=str(message.message_id),
                data={
                    "kind": message.kind,
                    "to": message.peer.node_id,
                    "error": message.last_error,
                },
            )
    return message.status


def _expired(message: OutboxMessage, at: dt.datetime) -> bool:
    value = messages.loads(bytes(message.body))
    return dt.datetime.fromisoformat(value["expires_at"].replace("Z", "+00:00")) < at


def _deliver_in_thread(pk: int) -> str:
    try:
        return deliver(pk)
    finally:
        connection.close()  # this thread's own connection


def deliver_due(limit: int = 50) -> int:
    """Deliver what is due now, FEDERATION_WORKER_THREADS at a time (one peer's messages
    may overtake each other: receivers cope); the number of attempts made."""
    ids = claim(limit)
    threads = settings.FEDERATION_WORKER_THREADS
    if threads <= 1 or len(ids) <= 1:
        for pk in ids:
            deliver(pk)
        return len(ids)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        # Each task runs in a copy of this context: the audit context goes with it.
        tasks = [pool.submit(contextvars.copy_context().run, _deliver_in_thread, pk) for pk in ids]
        for task in tasks:
            task.result()
    return len(ids)


def run(stop: threading.Event, *, poll: float | None = None) -> None:
    """Deliver until `stop` is set; sleep between rounds unless woken by a new message."""
    poll = settings.FEDERATION_WORKER_POLL_SECONDS if poll is None else poll
    while not stop.is_set():
        try:
            with audit_context(actor_id=None, actor_name="federation worker", channel="job"):
                made = deliver_due()
        except Exception:
            logger.exception("federation delivery failed")
            made = 0
        finally:
            connections.close_all()
        if made == 0:
            _wake.wait(poll)
            _wake.clear()


def start_in_background() -> threading.Thread | None:
    """Under `armstrace serve`: the worker as a daemon thread, if this node has a key
    (`armstrace federation init` made one), as the audit checkpoints do."""
    if not settings.FEDERATION_WORKER or not any(keys.key_dir().glob("*.pem")):
        return None
    thread = threading.Thread(
        target=run, args=(threading.Event(),), name="federation-worker", daemon=True
    )
    thread.start()
    return thread
