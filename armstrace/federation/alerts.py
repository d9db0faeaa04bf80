"""Regional alerts (issue 8 item 6; G2, T13): a lost, stolen or diverted weapon of our
registry, or one only described (the weapon of a diversion notice), published to chosen
peers; an alert received is stored once, matched against our registry with the search
service, relayed onwards when this node is a hub, and acknowledged by a point of contact.

A hub relays each alert it stores to its active peers except the one it came through
and the origin; an alert already stored (same alert id, any path) changes nothing, so an
alert crosses any mesh of hubs without loops or repeats.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from pydantic import ValidationError

from armstrace.accounts.models import User
from armstrace.audit.services import record_event
from armstrace.core import clock
from armstrace.core.exceptions import DomainValidationError
from armstrace.federation import messages, services
from armstrace.federation.choices import AlertKind, Kind
from armstrace.federation.inbox import Outcome, Received
from armstrace.federation.models import OutboxMessage, Peer, ReceivedAlert
from armstrace.registry.choices import EventKind
from armstrace.registry.models import Weapon
from armstrace.registry.selectors import timeline
from armstrace.search.services import SearchQuery, search_weapons

ACCEPTED, STALE = "accepted", "stale"
MATCHES = 5  # candidates kept per alert, best first
EVENT_KINDS = {AlertKind.LOST: [EventKind.LOST], AlertKind.STOLEN: [EventKind.STOLEN]}


@dataclass(frozen=True)
class Published:
    alert_id: uuid.UUID
    messages: list[OutboxMessage]


def _recipients(peers: Sequence[Peer] | None) -> list[Peer]:
    """The chosen peers (all active ones when None); an inactive one is refused."""
    if peers is None:
        chosen = list(Peer.objects.filter(active=True).order_by("node_id"))
    else:
        chosen = sorted(peers, key=lambda peer: peer.node_id)
    if not chosen or not all(peer.active for peer in chosen):
        raise DomainValidationError("peers", _("choose at least one active peer"))
    return chosen


def _event_of(weapon: Weapon, kind: str) -> tuple[dt.date | None, str]:
    """The date and country of the weapon's latest loss or theft as recorded, if any."""
    wanted = EVENT_KINDS.get(AlertKind(kind)) if kind in AlertKind.values else None
    if not wanted:
        return None, ""
    event = timeline(weapon).filter(kind__in=wanted).order_by("-seq").first()
    if event is None:
        return None, ""
    return event.occurred_on, event.country_id or ""


def _body(value: dict[str, Any]) -> messages.AlertBody:
    try:
        return messages.AlertBody.model_validate(value)
    except ValidationError as exc:
        field = messages.error_field(exc)
        raise DomainValidationError(field, _("is not valid in an alert")) from None


def publish_alert(
    *,
    actor: User,
    weapon: Weapon,
    kind: str,
    peers: Sequence[Peer] | None,
    confidentiality: str,
    use_restrictions: str = "",
    note: str = "",
    event_date: dt.date | None = None,
    event_country: str = "",
) -> Published:
    """Queue one signed `alert.published` per chosen peer, in one transaction, describing a
    weapon of our registry (its latest loss or theft as recorded, unless given)."""
    recorded_date, recorded_country = _event_of(weapon, kind)
    return publish_description(
        actor=actor,
        description={
            "manufacturer": weapon.manufacturer_name,
            "model": weapon.model,
            "calibre": weapon.calibre,
            "weapon_type": weapon.weapon_type,
            "serial": weapon.serial_number,
        },
        kind=kind,
        peers=peers,
        confidentiality=confidentiality,
        use_restrictions=use_restrictions,
        note=note,
        event_date=event_date or recorded_date,
        event_country=event_country or recorded_country,
        object_type="registry.weapon",
        object_id=str(weapon.pk),
    )


DESCRIPTION_KEYS = ("manufacturer", "model", "calibre", "weapon_type", "serial")


def publish_description(
    *,
    actor: User,
    description: Mapping[str, Any],
    kind: str,
    peers: Sequence[Peer] | None,
    confidentiality: str,
    use_restrictions: str = "",
    note: str = "",
    event_date: dt.date | None = None,
    event_country: str = "",
    object_type: str,
    object_id: str,
) -> Published:
    """Queue one signed `alert.published` per chosen peer, in one transaction, for a weapon
    described by `description` (manufacturer, model, calibre, weapon_type, serial): one our
    registry may not hold, such as the weapon of an outgoing trace. The audit event names
    `object_type` and `object_id`, what the alert was published from."""
    node = services.identity()
    if node is None:
        raise DomainValidationError("node", _("this node is not initialised"))
    recipients = _recipients(peers)
    weapon = {key: str(description.get(key) or "") for key in DESCRIPTION_KEYS}
    body = _body(
        {
            "alert_id": str(uuid.uuid4()),
            "origin": node.node_id,
            "kind": kind,
            **weapon,
            "event_date": event_date,
            "event_country": (event_country or node.state_id).upper(),
            "note": note.strip(),
            "confidentiality": {"level": confidentiality, "use_restrictions": use_restrictions},
            "published_at": clock.now(),
        }
    )
    with transaction.atomic():
        queued = [
            services.queue_message(peer=peer, kind=Kind.ALERT, body=body) for peer in recipients
        ]
        record_event(
            "federation:alert:published",
            object_type=object_type,
            object_id=object_id,
            data={
                "alert_id": str(body.alert_id),
                "kind": kind,
                "by": actor.get_username(),
                "to": [peer.node_id for peer in recipients],
            },
        )
    return Published(body.alert_id, queued)


# --- receiving -----------------------------------------------------------------------------


def _match(body: messages.AlertBody) -> list[dict[str, Any]]:
    """Our registry's candidates for the alert's serial with its manufacturer and other
    clues, as the search ranked them (the search is logged with its purpose)."""
    query = SearchQuery(
        serial=body.serial,
        manufacturer=body.manufacturer,
        model=body.model,
        calibre=body.calibre,
        weapon_type=body.weapon_type,
    )
    purpose = f"federation alert {body.alert_id} from {body.origin}"
    try:
        result = search_weapons(query=query, limit=MATCHES, purpose=purpose)
    except DomainValidationError:  # a serial the search cannot read as a pattern
        return []
    keep = ("weapon_id", "serial_number", "manufacturer", "model", "match", "score", "reasons")
    return [{name: candidate.as_dict()[name] for name in keep} for candidate in result.candidates]


def _store(received: Received, body: messages.AlertBody) -> ReceivedAlert | None:
    """The alert, stored once; None when its id is already known (another hop)."""
    if ReceivedAlert.objects.filter(alert_id=body.alert_id).exists():
        return None
    matches = _match(body)
    try:
        with transaction.atomic():
            return ReceivedAlert.objects.create(
                alert_id=body.alert_id,
                origin=body.origin,
                via=received.peer,
                kind=body.kind,
                manufacturer=body.manufacturer,
                model=body.model,
                calibre=body.calibre,
                weapon_type=body.weapon_type,
                serial=body.serial,
                event_date=body.event_date,
                event_country=body.event_country,
                note=body.note,
                confidentiality=body.confidentiality.level,
                use_restrictions=body.confidentiality.use_restrictions,
                published_at=body.published_at,
                received_at=clock.now(),
                matches=matches,
                matched=bool(matches),
            )
    except IntegrityError:  # stored meanwhile by a concurrent delivery from another hop
        return None


def _relay(received: Received, body: messages.AlertBody) -> list[str]:
    """A hub passes the alert on: never back to where it came from, nor to its origin."""
    peers = Peer.objects.filter(active=True).exclude(pk=received.peer.pk)
    peers = peers.exclude(node_id=body.origin).order_by("node_id")
    for peer in peers:
        services.queue_message(peer=peer, kind=Kind.ALERT, body=body)
    return [peer.node_id for peer in peers]


def received_alert(received: Received) -> Outcome:
    body = received.body
    assert isinstance(body, messages.AlertBody)
    if body.origin == received.node.node_id:
        return Outcome(STALE, note=_("alert already received"))
    alert = _store(received, body)
    if alert is None:
        return Outcome(STALE, note=_("alert already received"))
    if received.node.hub:
        alert.relayed_to = _relay(received, body)
        alert.save(update_fields=["relayed_to"])
    record_event(
        "federation:alert:received",
        object_type="federation.receivedalert",
        object_id=str(alert.alert_id),
        data={
            "origin": alert.origin,
            "via": received.peer.node_id,
            "kind": alert.kind,
            "matches": [match["weapon_id"] for match in alert.matches],
            "relayed_to": alert.relayed_to,
        },
    )
    return Outcome(ACCEPTED)


def acknowledge_alert(*, alert_id: int, actor: User) -> ReceivedAlert:
    """A point of contact has seen the alert (and its leads); once."""
    with transaction.atomic():
        alert = ReceivedAlert.objects.select_for_update().filter(pk=alert_id).first()
        if alert is None:
            raise DomainValidationError("alert", _("no such alert"), "not_found")
        if alert.acknowledged_at is not None:
            return alert
        alert.acknowledged_at, alert.acknowledged_by = clock.now(), actor
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
        record_event(
            "federation:alert:acknowledged",
            object_type="federation.receivedalert",
            object_id=str(alert.alert_id),
            data={"by": actor.get_username(), "matched": alert.matched},
        )
    return alert
