"""Several registries in one state (issue 8 item 7, R8): a national search across them,
and what this registry answers when another registry of the state asks.

National search: the local search service, and a signed `registry.search` to every active
domestic peer at the same time (the HTTP calls in threads, each bounded by
FEDERATION_TIMEOUT); the results labelled by registry. A registry that cannot be reached,
refuses, or answers with a bad signature is reported as such, never left out.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from armstrace.accounts.models import User
from armstrace.audit.services import record_event
from armstrace.core.exceptions import DomainValidationError
from armstrace.core.text import normalise_serial
from armstrace.federation import messages, query, services
from armstrace.federation.inbox import Received
from armstrace.federation.models import Peer
from armstrace.registry.models import Weapon
from armstrace.registry.selectors import concealed_agencies
from armstrace.search.indexing import confusables
from armstrace.search.models import EntrySource, SerialEntry
from armstrace.search.serials import canonical
from armstrace.search.services import (
    Candidate,
    SearchQuery,
    SearchResult,
    search_weapons,
    validate,
)

LIMIT = 20
ANSWERED, UNREACHABLE, REFUSED, INVALID = "answered", "unreachable", "refused", "invalid"
# What became of a registry's part of a national search, from query.QueryFailed codes.
FAILURES = {"unreachable": UNREACHABLE, "refused": REFUSED}


@dataclass
class NationalCandidate:
    weapon_ref: str
    record_ref: str
    serial: str
    manufacturer: str
    model: str
    calibre: str
    weapon_type: str
    status: str
    match: str
    score: float
    reasons: list[str] = field(default_factory=list)


@dataclass
class RegistryResult:
    """One registry's part: answered (with its candidates) or why it did not."""

    registry: str  # node id (this node's, or the peer's)
    name: str
    local: bool
    outcome: str  # answered | unreachable | refused | invalid
    reason: str = ""
    total: int = 0
    message: str = ""
    candidates: list[NationalCandidate] = field(default_factory=list)


def _from_local(candidate: Candidate) -> NationalCandidate:
    return NationalCandidate(
        weapon_ref=candidate.weapon_id,
        record_ref=candidate.record_ref,
        serial=candidate.serial_number,
        manufacturer=candidate.manufacturer,
        model=candidate.model,
        calibre=candidate.calibre,
        weapon_type=candidate.weapon_type,
        status=candidate.status,
        match=candidate.match,
        score=candidate.score,
        reasons=list(candidate.reasons),
    )


def _from_peer(candidate: messages.RegistryCandidate) -> NationalCandidate:
    return NationalCandidate(
        weapon_ref=candidate.weapon_ref,
        record_ref=candidate.record_ref,
        serial=candidate.serial,
        manufacturer=candidate.manufacturer,
        model=candidate.model,
        calibre=candidate.calibre,
        weapon_type=candidate.weapon_type,
        status=candidate.status,
        match=candidate.match,
        score=candidate.score / 1000,
        reasons=list(candidate.reasons),
    )


def _search_body(
    search: SearchQuery, purpose: str, user: str, limit: int
) -> messages.RegistrySearchBody:
    return messages.RegistrySearchBody(
        serial=search.serial.strip()[:64],
        manufacturer=search.manufacturer.strip()[:200],
        model=search.model.strip()[:120],
        calibre=search.calibre.strip()[:60],
        weapon_type=search.weapon_type.strip()[:32],
        country=search.country.strip().upper()[:2],
        limit=limit,
        purpose=purpose[:200],
        user=user[:150],
    )


def _peer_result(
    peer: Peer, answer: query.Prepared | query.QueryFailed, reply: query.Reply | None
) -> RegistryResult:
    base = RegistryResult(peer.node_id, peer.name or peer.node_id, False, ANSWERED)
    try:
        if isinstance(answer, query.QueryFailed):
            raise answer
        assert reply is not None
        body = query.verify(answer, reply)
    except query.QueryFailed as exc:
        base.outcome, base.reason = FAILURES.get(exc.code, INVALID), exc.reason
        return base
    assert isinstance(body, messages.RegistrySearchResultBody)
    base.total, base.message = body.total, body.message
    base.candidates = [_from_peer(candidate) for candidate in body.candidates]
    return base


def national_search(
    *, actor: User, search: SearchQuery, purpose: str, limit: int = LIMIT
) -> list[RegistryResult]:
    """This registry's candidates, then each domestic registry's, in node id order."""
    purpose = purpose.strip()
    if not purpose:
        raise DomainValidationError(
            "purpose", _("Give the case number or the purpose of this search; it is recorded.")
        )
    validate(search)
    node = services.identity()
    peers = query.domestic_peers()
    prepared: list[query.Prepared | query.QueryFailed] = []
    for peer in peers:
        try:
            prepared.append(
                query.prepare(
                    peer,
                    "registry.search",
                    _search_body(search, purpose, actor.get_username(), limit),
                )
            )
        except query.QueryFailed as exc:
            prepared.append(exc)
    sendable = [item for item in prepared if isinstance(item, query.Prepared)]
    threads = min(settings.FEDERATION_QUERY_THREADS, len(sendable))
    concurrent = settings.FEDERATION_QUERY_THREADS > 1 and sendable

    def local() -> SearchResult:
        hidden = concealed_agencies(actor)
        return search_weapons(query=search, limit=limit, purpose=purpose, concealed_agencies=hidden)

    if not concurrent:  # no peer to ask (or threads off): no thread at all
        replies = [query.send(item) for item in sendable]
        found = local()
    else:  # the HTTP calls in threads, beside our own search; database work stays here
        with ThreadPoolExecutor(max_workers=threads) as pool:
            futures = [pool.submit(query.send, item) for item in sendable]
            found = local()
            replies = [future.result() for future in futures]
    reply_of = iter(replies)
    node_id = node.node_id if node else "-"
    results = [
        RegistryResult(
            node_id,
            _("This registry"),
            True,
            ANSWERED,
            total=found.total,
            message=found.message,
            candidates=[_from_local(c) for c in found.candidates],
        )
    ]
    for peer, item in zip(peers, prepared, strict=True):
        reply = next(reply_of) if isinstance(item, query.Prepared) else None
        results.append(_peer_result(peer, item, reply))
    record_event(
        "federation:national:searched",
        data={
            "purpose": purpose,
            "query": {"serial": search.serial, "manufacturer": search.manufacturer},
            "registries": {r.registry: r.outcome for r in results},
        },
    )
    return results


# --- answering another registry of this state ---------------------------------------------------


def answer_search(received: Received) -> messages.RegistrySearchResultBody:
    """Our search service's candidates; it logs the search (who: `<node>/<user>`, why)."""
    body = received.body
    assert isinstance(body, messages.RegistrySearchBody)
    search = SearchQuery(
        serial=body.serial,
        manufacturer=body.manufacturer,
        model=body.model,
        calibre=body.calibre,
        weapon_type=body.weapon_type,
        country=body.country,
    )
    result = search_weapons(query=search, limit=body.limit, purpose=body.purpose)
    candidates = [
        messages.RegistryCandidate(
            weapon_ref=c.weapon_id,
            record_ref=c.record_ref[:120],
            serial=c.serial_number[:64],
            manufacturer=c.manufacturer[:200],
            model=c.model[:120],
            calibre=c.calibre[:60],
            weapon_type=c.weapon_type[:32],
            status=c.status[:16],
            match=c.match[:16],
            score=max(0, round(c.score * 1000)),
            reasons=[str(reason) for reason in c.reasons][:20],
        )
        for c in result.candidates
    ]
    return messages.RegistrySearchResultBody(
        query_id=received.envelope.id,
        total=result.total,
        truncated=result.truncated,
        message=result.message[:2000],
        candidates=candidates,
    )


IDENTITY_FIELDS = (
    "pk",
    "serial_number",
    "manufacturer_name",
    "manufacturer__manufacturer_ref__name",
    "manufacturer__manufacturer_ref__key",
    "model",
    "calibre",
    "calibre_ref__name",
    "weapon_type",
    "status",
    "holder__kind",
)


def canonical_serial(serial: str) -> str:
    """The confusable-canonical form the search index keeps (SerialEntry.canon)."""
    return canonical(normalise_serial(serial), confusables())[:64]


def answer_extract(received: Received) -> messages.RegistryExtractResultBody:
    """One page of identity rows, weapons after the cursor in id order: two bounded
    queries (the weapons, then their primary serials' index rows for the canonical form
    and the resolved manufacturer)."""
    body = received.body
    assert isinstance(body, messages.RegistryExtractBody)
    weapons = Weapon.objects.order_by("pk")
    if body.after:
        try:
            weapons = weapons.filter(pk__gt=uuid.UUID(body.after))
        except ValueError:
            raise DomainValidationError("after", _("not a weapon reference")) from None
    page = list(weapons.values(*IDENTITY_FIELDS)[: body.limit])
    entries: dict[uuid.UUID, dict[str, Any]] = {
        row["weapon_id"]: dict(row)
        for row in SerialEntry.objects.filter(
            weapon_id__in=[w["pk"] for w in page], source=EntrySource.PRIMARY
        ).values("weapon_id", "canon", "maker__name", "maker__key")
    }
    rows = []
    for weapon in page:
        entry = entries.get(weapon["pk"], {})
        maker_name = entry.get("maker__name") or weapon["manufacturer__manufacturer_ref__name"]
        maker_key = entry.get("maker__key") or weapon["manufacturer__manufacturer_ref__key"]
        rows.append(
            messages.IdentityRow(
                weapon_ref=str(weapon["pk"]),
                manufacturer=(maker_name or weapon["manufacturer_name"])[:200],
                maker=(maker_key or "")[:80],
                canonical_serial=entry.get("canon") or canonical_serial(weapon["serial_number"]),
                serial=weapon["serial_number"][:64],
                model=weapon["model"][:120],
                calibre=(weapon["calibre_ref__name"] or weapon["calibre"])[:60],
                weapon_type=weapon["weapon_type"][:32],
                status=weapon["status"][:16],
                holder_category=(weapon["holder__kind"] or "")[:16],
            )
        )
    last = str(page[-1]["pk"]) if len(page) == body.limit else ""
    return messages.RegistryExtractResultBody(
        query_id=received.envelope.id, rows=rows, next_after=last
    )


RESPONDERS: dict[str, query.Responder] = {
    "registry.search": answer_search,
    "registry.extract": answer_extract,
}
