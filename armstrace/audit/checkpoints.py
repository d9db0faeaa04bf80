"""Signed checkpoints of the audit chain, exported out of the database.

The hash chain shows an entry altered, inserted or removed, but someone who can write to
the database can also rewrite every later entry and recompute the hashes. A checkpoint
pins the chain's head (sequence number and hash) at a moment, signed (Ed25519) with a key
the database never holds, in a file kept elsewhere (and, once federation exists, sent to
peers). `armstrace audit verify --checkpoints DIR` then finds a rewritten chain too.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.db import connections, transaction

from armstrace.audit.chain import canonical
from armstrace.audit.models import AuditEntry, ChainHead
from armstrace.audit.services import record_event
from armstrace.core import clock
from armstrace.core.context import audit_context

logger = logging.getLogger(__name__)

SIGNED_FIELDS = ("node", "seq", "hash", "created_at")


class CheckpointError(Exception):
    """A key or checkpoint file that cannot be used; the message says why."""


def key_path() -> Path:
    return Path(settings.AUDIT_KEY_FILE)


def checkpoint_dir() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR)


def generate_key(path: Path) -> Path:
    """Write a new private key readable by its owner only; never overwrite one."""
    if path.exists():
        raise CheckpointError(f"{path} exists; a signing key is never overwritten")
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.touch(mode=0o600)
    path.write_bytes(pem)
    return path


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise CheckpointError(
            f"no signing key at {path}; create one with `armstrace audit keygen`"
        ) from None
    except ValueError as exc:
        raise CheckpointError(f"{path} is not a PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} is not an Ed25519 key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key file, or the public half of a private key file."""
    data = path.read_bytes()
    if b"PRIVATE KEY" in data:
        return load_private_key(path).public_key()
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError(f"{path} is not an Ed25519 public key")
    return key


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _raw(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def write_checkpoint(directory: Path, key: Ed25519PrivateKey) -> Path:
    """Sign the chain's current head into `directory`; the act is itself audited."""
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().filter(id=1).first()
        seq, digest = (head.seq, head.hash) if head else (0, "0" * 64)
        body: dict[str, Any] = {
            "node": settings.NODE_NAME,
            "seq": seq,
            "hash": digest,
            "created_at": clock.now().isoformat(),
        }
        signature = key.sign(canonical(body))
        body["public_key"] = _raw(key.public_key())
        body["signature"] = base64.b64encode(signature).decode()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"checkpoint-{seq:012d}.json"
        path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
        record_event(
            "audit:checkpoint:signed",
            object_type="audit.chainhead",
            object_id=str(seq),
            data={"seq": seq, "hash": digest, "file": path.name},
        )
    return path


@dataclass
class CheckpointReport:
    checked: int
    problems: list[str]


def verify_checkpoints(directory: Path, trusted: Ed25519PublicKey) -> CheckpointReport:
    """Each checkpoint must be signed by the trusted key and match the chain as stored."""
    problems: list[str] = []
    files = sorted(directory.glob("checkpoint-*.json"))
    if not files:
        problems.append(f"no checkpoint files in {directory}")
    for path in files:
        problem = _check(path, trusted)
        if problem:
            problems.append(f"{path.name}: {problem}")
    return CheckpointReport(len(files), problems)


def _check(path: Path, trusted: Ed25519PublicKey) -> str | None:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        signed = {name: body[name] for name in SIGNED_FIELDS}
        signature = base64.b64decode(body["signature"])
    except (ValueError, KeyError, TypeError) as exc:
        return f"unreadable checkpoint ({exc})"
    try:
        trusted.verify(signature, canonical(signed))
    except InvalidSignature:
        return "signature does not verify with the trusted key (forged or altered checkpoint)"
    if signed["seq"] == 0:
        return None
    entry = AuditEntry.objects.filter(seq=signed["seq"]).values_list("hash", flat=True).first()
    if entry is None:
        return f"entry #{signed['seq']} it pins is missing from the chain"
    if entry != signed["hash"]:
        return f"entry #{signed['seq']} differs from the signed head (the chain was rewritten)"
    return None


def checkpoint_if_moved(directory: Path, key: Ed25519PrivateKey) -> Path | None:
    """A checkpoint, unless nothing was written since the last one."""
    last = AuditEntry.objects.order_by("-seq").values_list("tag", flat=True).first()
    if last is None or last == "audit:checkpoint:signed":
        return None
    return write_checkpoint(directory, key)


def start_periodic(minutes: float) -> threading.Thread | None:
    """While the server runs, sign a checkpoint every `minutes` if a key exists."""
    path = key_path()
    if minutes <= 0 or not path.exists():
        return None
    key = load_private_key(path)

    def loop() -> None:
        while True:
            time.sleep(minutes * 60)
            try:
                with audit_context(actor_id=None, actor_name="armstrace serve", channel="system"):
                    checkpoint_if_moved(checkpoint_dir(), key)
            except Exception:
                logger.exception("audit checkpoint failed")
            finally:
                connections.close_all()

    thread = threading.Thread(target=loop, name="audit-checkpoints", daemon=True)
    thread.start()
    return thread
