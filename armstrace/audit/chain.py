"""Hash chain arithmetic, kept pure so that verification is easy to reason about."""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64
CHAINED_FIELDS = (
    "seq", "kind", "tag", "created_at", "actor_id", "actor_name", "channel",
    "correlation_id", "purpose", "object_type", "object_id", "before", "after", "data",
)  # fmt: skip


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def entry_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    digest = hashlib.sha256(prev_hash.encode())
    digest.update(canonical({key: payload[key] for key in CHAINED_FIELDS}))
    return digest.hexdigest()
