"""Writes of federation: this node's identity and keys, peers, and queuing messages.

Each runs in a transaction and writes an audit event. Messages are signed when queued, so
the outbox holds the exact bytes that will be delivered: a retry sends the same bytes
(the receiver sees a duplicate, not a new message), and a message queued before a key
rotation still verifies through the old key's grace period.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from pydantic import BaseModel

from armstrace.accounts.choices import AgencyKind, Role
from armstrace.accounts.models import Agency, User
from armstrace.accounts.services import create_agency, create_user
from armstrace.audit.services import record_event
from armstrace.core import clock
from armstrace.core.exceptions import DomainValidationError
from armstrace.federation import keys, messages
from armstrace.federation.choices import Kind, OutboxStatus
from armstrace.federation.models import NodeIdentity, NodeKey, OutboxMessage, Peer, PeerKey
from armstrace.reference.models import Country
from armstrace.tracing.models import TraceRequest

SERVICE_USERNAME = "federation"


def identity() -> NodeIdentity | None:
    return NodeIdentity.objects.select_related("service_user").first()


def current_key() -> NodeKey:
    key = NodeKey.objects.filter(retired_at__isnull=True).first()
    if key is None:
        raise DomainValidationError("key", _("this node has no key: run federation init"))
    return key


def _country(code: str, name: str) -> Country:
    country = Country.objects.filter(code=code.upper()[:2]).first()
    if country is None:
        raise DomainValidationError(name, _("%(code)r is not a country code") % {"code": code})
    return country


def _check_node_id(node_id: str) -> str:
    if not re.match(messages.NODE_ID, node_id):
        raise DomainValidationError(
            "node_id", _("a node id is a country code, optionally with a suffix: KE, BR-PF")
        )
    return node_id


def _national_agency(country: Country) -> Agency:
    agency = Agency.objects.filter(national_scope=True, country=country.code).order_by("pk").first()
    if agency is None:
        agency = create_agency(
            code=f"NPC-{country.code}",
            name=f"National point of contact ({country.code})",
            kind=AgencyKind.REGISTRY,
            country=country.code,
            national_scope=True,
        )
    return agency


def _new_key() -> NodeKey:
    kid, pem = keys.generate()
    return NodeKey.objects.create(key_id=kid, public_key=pem, created_at=clock.now())


def init_node(*, node_id: str) -> NodeIdentity:
    """This node's identity, its first key, and the service account that applies peers'
    messages (the point-of-contact role of the national agency)."""
    node_id = _check_node_id(node_id.strip().upper())
    if NodeIdentity.objects.exists():
        raise DomainValidationError("node_id", _("this node is already initialised"), "exists")
    state = _country(node_id[:2], "node_id")
    with transaction.atomic():
        agency = _national_agency(state)
        service = User.objects.filter(username=SERVICE_USERNAME).first() or create_user(
            username=SERVICE_USERNAME,
            password=uuid.uuid4().hex + uuid.uuid4().hex,
            agency=agency,
            roles=[Role.POINT_OF_CONTACT],
            check_password=False,
        )
        service.set_unusable_password()  # it signs in nowhere; it only applies messages
        service.save(update_fields=["password"])
        node = NodeIdentity.objects.create(node_id=node_id, state=state, service_user=service)
        key = _new_key()
        record_event(
            "federation:node:initialised",
            object_type="federation.nodeidentity",
            object_id=node_id,
            data={"key_id": key.key_id},
        )
    return node


@dataclass
class PeerInput:
    node_id: str
    state: str
    endpoint: str
    public_key: str  # PEM text
    name: str = ""
    contacts: list[dict[str, Any]] = field(default_factory=list)
    hub: bool = False


def add_peer(*, data: PeerInput) -> Peer:
    node_id = _check_node_id(data.node_id.strip().upper())
    state = _country(data.state, "state")
    if not data.endpoint.startswith(("http://", "https://")):
        raise DomainValidationError("endpoint", _("an http or https URL"))
    try:
        kid = keys.key_id(keys.load_public(data.public_key))
    except keys.KeyProblem as exc:
        raise DomainValidationError("key", str(exc)) from None
    if Peer.objects.filter(node_id=node_id).exists():
        raise DomainValidationError("node_id", _("this peer exists"), "exists")
    with transaction.atomic():
        peer = Peer.objects.create(
            node_id=node_id,
            state=state,
            name=data.name.strip(),
            endpoint=data.endpoint.strip(),
            contacts=data.contacts,
            hub=data.hub,
        )
        PeerKey.objects.create(
            peer=peer, key_id=kid, public_key=data.public_key.strip() + "\n", valid_from=clock.now()
        )
        record_event(
            "federation:peer:added",
            object_type="federation.peer",
            object_id=node_id,
            data={"state": state.code, "endpoint": peer.endpoint, "key_id": kid, "hub": data.hub},
        )
    return peer


def set_hub(*, hub: bool) -> NodeIdentity:
    """Whether this node relays the alerts it receives to its other peers."""
    with transaction.atomic():
        node = NodeIdentity.objects.select_for_update().first()
        if node is None:
            raise DomainValidationError("node", _("this node is not initialised"))
        node.hub = hub
        node.save(update_fields=["hub"])
        record_event(
            "federation:node:hub",
            object_type="federation.nodeidentity",
            object_id=node.node_id,
            data={"hub": hub},
        )
    return node


def peer_for_state(state: str) -> Peer | None:
    """The active peer serving a state (several registries of one state: the first; issue
    8 item 7 will choose among them)."""
    return Peer.objects.filter(state=state, active=True).order_by("node_id").first()


def queue_message(
    *,
    peer: Peer,
    kind: str,
    body: BaseModel,
    request: TraceRequest | None = None,
    key: NodeKey | None = None,
) -> OutboxMessage:
    """Sign and queue a message, inside the caller's transaction (the transactional outbox):
    if the caller's change rolls back, so does the message."""
    node = identity()
    if node is None:
        raise DomainValidationError("node", _("this node is not initialised"))
    key = key or current_key()
    now = clock.now()
    ttl = dt.timedelta(hours=settings.FEDERATION_MESSAGE_TTL_HOURS)
    value = messages.envelope(
        kind=kind,
        sender=node.node_id,
        recipient=peer.node_id,
        key_id=key.key_id,
        body=body,
        now=now,
        ttl=ttl,
    )
    raw = messages.canonical(value)
    with transaction.atomic():
        message = OutboxMessage.objects.create(
            message_id=value["id"],
            peer=peer,
            kind=kind,
            request=request,
            body=raw,
            signature=keys.sign(key.key_id, raw),
            status=OutboxStatus.QUEUED,
            next_attempt_at=now,
            created_at=now,
        )
        record_event(
            "federation:message:queued",
            object_type="federation.outboxmessage",
            object_id=str(message.message_id),
            data={
                "kind": kind,
                "to": peer.node_id,
                "request": request.request_id if request else None,
            },
        )
    from armstrace.federation import worker

    transaction.on_commit(worker.wake)
    return message


def rotate_key() -> NodeKey:
    """A new current key; the old one is retired (peers still accept it for the grace
    period) and signs the `key.rotated` message each active peer is sent."""
    old = current_key()
    now = clock.now()
    grace = dt.timedelta(hours=settings.FEDERATION_KEY_GRACE_HOURS)
    with transaction.atomic():
        new = _new_key()
        body = messages.KeyRotatedBody(
            key_id=new.key_id,
            public_key=new.public_key,
            previous_key_id=old.key_id,
            grace_until=now + grace,
        )
        for peer in Peer.objects.filter(active=True):
            queue_message(peer=peer, kind=Kind.KEY_ROTATED, body=body, key=old)
        NodeKey.objects.filter(pk=old.pk).update(retired_at=now)
        record_event(
            "federation:key:rotated",
            object_type="federation.nodekey",
            object_id=new.key_id,
            data={"previous": old.key_id},
        )
    return new
