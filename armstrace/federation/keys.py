"""This node's Ed25519 keys and the signature header (the audit checkpoints' key pattern:
PEM files readable by their owner only, never overwritten, never in the database).

Key id: the first 16 hex digits of the SHA-256 of the raw 32-byte public key.
Header: `ArmsTrace-Signature: key_id=<id>, ed25519=<base64url of the signature>`, the
signature over the exact body bytes.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings

from armstrace.audit import checkpoints

HEADER = "ArmsTrace-Signature"
_HEADER_FORM = re.compile(r"^\s*key_id=([0-9a-f]{16})\s*,\s*ed25519=([A-Za-z0-9_-]+=*)\s*$")


class KeyProblem(Exception):
    """A key that cannot be used; the message says why."""


def key_dir() -> Path:
    return Path(settings.FEDERATION_KEY_DIR)


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def private_path(kid: str) -> Path:
    return key_dir() / f"{kid}.pem"


def generate() -> tuple[str, str]:
    """A new key pair: the private half to its file; returns (key id, public PEM)."""
    temporary = key_dir() / f"new-{secrets.token_hex(8)}.pem"
    checkpoints.generate_key(temporary)
    public = checkpoints.load_private_key(temporary).public_key()
    kid = key_id(public)
    temporary.rename(private_path(kid))
    return kid, checkpoints.public_pem(public)


@functools.lru_cache(maxsize=8)
def private_key(kid: str) -> Ed25519PrivateKey:
    try:
        return checkpoints.load_private_key(private_path(kid))
    except checkpoints.CheckpointError as exc:
        raise KeyProblem(str(exc)) from None


def load_public(pem: str) -> Ed25519PublicKey:
    """A public key from PEM text (or the public half of a private PEM)."""
    data = pem.strip().encode()
    try:
        if b"PRIVATE KEY" in data:
            raise KeyProblem("this is a private key; give the peer's public key")
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise KeyProblem(f"not a PEM public key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyProblem("not an Ed25519 public key")
    return key


def read_pem(value: str) -> str:
    """A PEM given as a file name or as the text itself."""
    if "-----BEGIN" in value:
        return value.strip() + "\n"
    path = Path(value)
    if not path.is_file():
        raise KeyProblem(f"{value} is neither a PEM text nor a file")
    return path.read_text(encoding="utf-8").strip() + "\n"


def sign(kid: str, body: bytes) -> str:
    """The signature header value for these exact bytes."""
    signature = private_key(kid).sign(body)
    return f"key_id={kid}, ed25519={base64.urlsafe_b64encode(signature).decode()}"


@dataclass(frozen=True)
class SignatureHeader:
    key_id: str
    signature: bytes


def parse_header(value: str) -> SignatureHeader | None:
    match = _HEADER_FORM.match(value or "")
    if match is None:
        return None
    try:
        signature = base64.urlsafe_b64decode(match.group(2) + "=" * (-len(match.group(2)) % 4))
    except ValueError:
        return None
    return SignatureHeader(match.group(1), signature)


def verify(pem: str, signature: bytes, body: bytes) -> bool:
    try:
        load_public(pem).verify(signature, body)
    except (InvalidSignature, KeyProblem):
        return False
    return True
