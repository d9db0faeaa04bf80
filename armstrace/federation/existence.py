"""Privacy-preserving existence check (issue 8 item 5): "do you hold a record for this
manufacturer and serial?", asked so that the holder learns nothing about serials it does
not hold, and the asker learns only whether that identifier is held (and the holder's
weapon reference for it). Design and its limits: docs/architecture/federation.md.

2HashDH oblivious PRF (RFC 9497's construction) over the prime-order group of
edwards25519, through PyNaCl (1.6.2 binds no ristretto255 functions; every point received
is checked to be canonical, of prime order and not the identity):
  H1(y) = map(h[:32]) + map(h[32:]), h = SHA-512(DST "H1" y)  (hash to the group)
  T(y)  = SHA-256(DST "H2" len(y) y  k·H1(y))                (the holder's token)
The asker sends P = r·H1(x) (uniformly random), the holder answers k·P, the asker
computes T(x) from r⁻¹·k·P and asks for the buckets of the tokens' 2-byte prefixes (with
decoys); the holder sends, per token in those buckets, a tag SHA-256(DST "tag" T) and the
weapon reference sealed under SHA-256(DST "ref" T): only the holder of T opens it.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import os
import random
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import nacl.bindings as sodium
import nacl.exceptions
import nacl.secret
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from armstrace.accounts.models import User
from armstrace.audit.services import record_event
from armstrace.core import clock
from armstrace.core.exceptions import DomainValidationError
from armstrace.core.text import normalise_name, normalise_serial
from armstrace.federation import messages, services
from armstrace.federation.choices import Kind
from armstrace.federation.inbox import Outcome, Received, Rejection
from armstrace.federation.models import ExistenceQuestion, ExistenceToken, Peer
from armstrace.registry.models import Weapon
from armstrace.search.evidence import profile
from armstrace.search.indexing import confusables
from armstrace.search.serials import canonical
from armstrace.tracing.choices import Direction

DST = b"armstrace-existence-v1"
PREFIX_CHARS = 4  # hex: a 2-byte bucket prefix
FORMS = 2  # the serial as normalised, and its confusable-canonical form (padded to two)
BUCKETS = 4  # prefixes asked per question: the real ones and random decoys
SCALAR_FILE = "existence.key"
ACCEPTED, STALE = "accepted", "stale"
OUTGOING, INCOMING = "outgoing", "incoming"


# --- the group and the PRF -----------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.encode())


def _h1(y: str) -> bytes:
    h = hashlib.sha512(DST + b"H1" + y.encode()).digest()
    first, second = (sodium.crypto_core_ed25519_from_uniform(part) for part in (h[:32], h[32:]))
    point: bytes = sodium.crypto_core_ed25519_add(first, second)
    return point


def _scalar() -> bytes:
    while True:
        scalar: bytes = sodium.crypto_core_ed25519_scalar_reduce(os.urandom(64))
        if any(scalar):
            return scalar


def _mul(scalar: bytes, point: bytes) -> bytes:
    if not sodium.crypto_core_ed25519_is_valid_point(point):
        raise ValueError("not a point of the prime-order group")
    result: bytes = sodium.crypto_scalarmult_ed25519_noclamp(scalar, point)
    return result


def _h2(y: str, point: bytes) -> str:
    raw = y.encode()
    return hashlib.sha256(DST + b"H2" + len(raw).to_bytes(4, "big") + raw + point).hexdigest()


def blind(y: str) -> tuple[bytes, bytes]:
    """(r, r·H1(y)): what the asker keeps, and what it sends."""
    r = _scalar()
    return r, _mul(r, _h1(y))


def finalize(y: str, r: bytes, evaluated: bytes) -> str:
    return _h2(y, _mul(sodium.crypto_core_ed25519_scalar_invert(r), evaluated))


def token(k: bytes, y: str) -> str:
    """The holder's own token for an identifier it holds."""
    return _h2(y, _mul(k, _h1(y)))


def tag(token_hex: str) -> str:
    return hashlib.sha256(DST + b"tag" + bytes.fromhex(token_hex)).hexdigest()


def _box(token_hex: str) -> nacl.secret.SecretBox:
    return nacl.secret.SecretBox(hashlib.sha256(DST + b"ref" + bytes.fromhex(token_hex)).digest())


def seal(token_hex: str, ref: str) -> str:
    return _b64(bytes(_box(token_hex).encrypt(ref.encode())))


def unseal(token_hex: str, sealed: str) -> str | None:
    try:
        return _box(token_hex).decrypt(_unb64(sealed)).decode()
    except (nacl.exceptions.CryptoError, ValueError):
        return None


# --- identifiers and the secret ------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def maker_key(name: str) -> str:
    """The reference data's canonical manufacturer key for a name as written (the same
    on every node with the same reference data), else the normalised name."""
    makers = profile(manufacturer=name).makers
    return min(makers) if makers else normalise_name(name)


def identifiers(manufacturer: str, serial: str) -> list[str]:
    """maker|serial as normalised, then maker|its confusable-canonical form (if other)."""
    maker, norm = maker_key(manufacturer), normalise_serial(serial)
    forms = [f"{maker}|{norm}", f"{maker}|{canonical(norm, confusables())}"]
    return list(dict.fromkeys(forms))


def secret() -> bytes:
    """This node's existence scalar k: a file beside its keys, made on first use."""
    path = Path(settings.FEDERATION_KEY_DIR) / SCALAR_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(_scalar().hex())
    return bytes.fromhex(path.read_text().strip())


# --- the index -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexRun:
    weapons: int
    tokens: int
    seconds: float


def build_index(batch: int = 2000) -> IndexRun:
    """Tokens for weapons not yet indexed or changed since the last run (a weapon
    registered later enters on the next run); a purged weapon's tokens go with it."""
    started, k, now = time.monotonic(), secret(), clock.now()  # `now` before the read
    last = ExistenceToken.objects.aggregate(at=Max("indexed_at"))["at"]
    stale = ~Q(pk__in=ExistenceToken.objects.values("weapon_id"))
    if last is not None:
        stale |= Q(updated_at__gt=last)
    ids = list(Weapon.objects.filter(stale).order_by("pk").values_list("pk", flat=True))
    made = 0
    for start in range(0, len(ids), batch):
        chunk = Weapon.objects.filter(pk__in=ids[start : start + batch])
        rows = [
            ExistenceToken(weapon_id=weapon.pk, prefix=t[:PREFIX_CHARS], token=t, indexed_at=now)
            for weapon in chunk.only("id", "manufacturer_name", "serial_number")
            for t in _tokens(k, weapon)
        ]
        with transaction.atomic():
            ExistenceToken.objects.filter(weapon_id__in=ids[start : start + batch]).delete()
            ExistenceToken.objects.bulk_create(rows)
        made += len(rows)
    return IndexRun(len(ids), made, round(time.monotonic() - started, 3))


def _tokens(k: bytes, weapon: Weapon) -> list[str]:
    forms = identifiers(weapon.manufacturer_name, weapon.serial_number)
    return list(dict.fromkeys(token(k, y) for y in forms))


# --- asking (we are A) -----------------------------------------------------------------------


def ask(*, actor: User, peer: Peer, manufacturer: str, serial: str) -> ExistenceQuestion:
    """Queue `existence.query`: two blinded points (a lone form is padded with a random
    one, so the count tells the peer nothing)."""
    if not normalise_serial(serial):
        raise DomainValidationError("serial", _("is required"))
    if not peer.active:
        raise DomainValidationError("peer", _("choose at least one active peer"))
    forms: list[str | None] = [*identifiers(manufacturer, serial), None][:FORMS]
    blinded = [blind(y if y is not None else uuid.uuid4().hex) for y in forms]
    with transaction.atomic():
        question = ExistenceQuestion.objects.create(
            query_id=uuid.uuid4(),
            peer=peer,
            direction=OUTGOING,
            asked_by=actor,
            manufacturer=manufacturer.strip(),
            serial=serial.strip(),
            secrets={"forms": forms, "r": [r.hex() for r, _p in blinded]},
            points=FORMS,
            status="asked",
            created_at=clock.now(),
        )
        body = messages.ExistenceQueryBody(
            query_id=question.query_id, points=[_b64(p) for _r, p in blinded]
        )
        services.queue_message(peer=peer, kind=Kind.EXISTENCE_QUERY, body=body)
        _audit(question, "asked", manufacturer=question.manufacturer, serial=question.serial)
    return question


def _audit(question: ExistenceQuestion, action: str, **data: object) -> None:
    record_event(
        f"federation:existence:{action}",
        object_type="federation.existencequestion",
        object_id=str(question.query_id),
        data={"peer": question.peer.node_id, "direction": question.direction, **data},
    )


def _mine(received: Received, query_id: uuid.UUID, status: str) -> ExistenceQuestion | None:
    return (
        ExistenceQuestion.objects.select_for_update()
        .filter(peer=received.peer, query_id=query_id, direction=OUTGOING, status=status)
        .first()
    )


def _points(texts: list[str]) -> list[bytes]:
    points = [_unb64(text) for text in texts]
    if not all(sodium.crypto_core_ed25519_is_valid_point(p) for p in points):
        raise DomainValidationError("body.points", _("not a point of the group"))
    return points


def on_answer(received: Received) -> Outcome:
    """k·P for each of our points: our tokens, and the buckets we ask for."""
    body = received.body
    assert isinstance(body, messages.ExistenceAnswerBody)
    question = _mine(received, body.query_id, "asked")
    if question is None:
        return Outcome(STALE, note=_("no such question"))
    evaluated = _points(body.points)
    if len(evaluated) != FORMS:
        raise DomainValidationError("body.points", _("not a point of the group"))
    forms, scalars = question.secrets["forms"], question.secrets["r"]
    tokens = [
        finalize(y, bytes.fromhex(r), z) if y is not None else None
        for y, r, z in zip(forms, scalars, evaluated, strict=True)
    ]
    prefixes = list(dict.fromkeys(t[:PREFIX_CHARS] for t in tokens if t is not None))
    while len(prefixes) < BUCKETS:
        prefixes.append(os.urandom(PREFIX_CHARS // 2).hex())
    random.SystemRandom().shuffle(prefixes)
    question.secrets = {"forms": forms, "tokens": tokens}  # r is no longer needed
    question.status = "buckets_asked"
    question.save(update_fields=["secrets", "status"])
    services.queue_message(
        peer=received.peer,
        kind=Kind.EXISTENCE_BUCKET_REQUEST,
        body=messages.ExistenceBucketRequestBody(query_id=question.query_id, prefixes=prefixes),
    )
    return Outcome(ACCEPTED)


def on_buckets(received: Received) -> Outcome:
    """The peer's buckets: compared here, locally."""
    body = received.body
    assert isinstance(body, messages.ExistenceBucketsBody)
    question = _mine(received, body.query_id, "buckets_asked")
    if question is None:
        return Outcome(STALE, note=_("no such question"))
    sealed = {entry.tag: entry.ref for entry in body.entries}
    question.held, question.weapon_ref, question.matched_form = False, "", ""
    for index, t in enumerate(question.secrets["tokens"]):
        ref = unseal(t, sealed[tag(t)]) if t is not None and tag(t) in sealed else None
        if ref is not None:
            question.held, question.weapon_ref = True, ref[:64]
            question.matched_form = "serial" if index == 0 else "canonical"
            break
    question.status, question.concluded_at = "done", clock.now()
    question.save(update_fields=["held", "weapon_ref", "matched_form", "status", "concluded_at"])
    _audit(question, "concluded", held=question.held, weapon_ref=question.weapon_ref)
    return Outcome(ACCEPTED)


def trace_prefill(question: ExistenceQuestion) -> dict[str, str]:
    """A hit starts a normal trace request: the create form's fields for that state (none
    for a miss or a question still pending)."""
    if not question.held:
        return {}
    held_by = _("Record %(ref)s held by node %(node)s (existence check).") % {
        "ref": question.weapon_ref,
        "node": question.peer.node_id,
    }
    return {
        "direction": Direction.OUTGOING,
        "requested_state": question.peer.state_id,
        "serial_as_read": question.serial,
        "manufacturer": question.manufacturer,
        "other_identifiers": held_by,
    }


# --- answering (we are B) --------------------------------------------------------------------


def _rate_limit(peer: Peer) -> None:
    limit = settings.FEDERATION_EXISTENCE_PER_HOUR
    since = clock.now() - dt.timedelta(hours=1)
    asked = ExistenceQuestion.objects.filter(peer=peer, direction=INCOMING, created_at__gte=since)
    if asked.count() >= limit:
        raise Rejection(429, "rate_limited", f"over {limit} existence questions an hour")


def on_query(received: Received) -> Outcome:
    """k·P for each blinded point; the peer's question is recorded, never its points."""
    body = received.body
    assert isinstance(body, messages.ExistenceQueryBody)
    peer = received.peer
    known = ExistenceQuestion.objects.filter(peer=peer, query_id=body.query_id, direction=INCOMING)
    if known.exists():
        return Outcome(STALE, note=_("question already answered"))
    _rate_limit(peer)
    k = secret()
    answers = [_b64(_mul(k, p)) for p in _points(body.points)]
    question = ExistenceQuestion.objects.create(
        query_id=body.query_id,
        peer=peer,
        direction=INCOMING,
        points=len(answers),
        status="answered",
        created_at=clock.now(),
    )
    services.queue_message(
        peer=peer,
        kind=Kind.EXISTENCE_ANSWER,
        body=messages.ExistenceAnswerBody(query_id=body.query_id, points=answers),
    )
    _audit(question, "answered", points=len(answers))
    return Outcome(ACCEPTED)


def on_bucket_request(received: Received) -> Outcome:
    """The buckets asked, once per question and no more of them than allowed."""
    body = received.body
    assert isinstance(body, messages.ExistenceBucketRequestBody)
    question = (
        ExistenceQuestion.objects.select_for_update()
        .filter(peer=received.peer, query_id=body.query_id, direction=INCOMING, status="answered")
        .first()
    )
    if question is None:
        return Outcome(STALE, note=_("no such question"))
    prefixes = sorted(set(body.prefixes))
    rows = ExistenceToken.objects.filter(prefix__in=prefixes).values_list("token", "weapon_id")
    entries = [messages.BucketEntry(tag=tag(t), ref=seal(t, str(w))) for t, w in rows]
    question.status, question.concluded_at = "buckets_sent", clock.now()
    question.save(update_fields=["status", "concluded_at"])
    services.queue_message(
        peer=received.peer,
        kind=Kind.EXISTENCE_BUCKETS,
        body=messages.ExistenceBucketsBody(query_id=body.query_id, entries=entries),
    )
    _audit(question, "buckets_sent", buckets=len(prefixes), entries=len(entries))
    return Outcome(ACCEPTED)
