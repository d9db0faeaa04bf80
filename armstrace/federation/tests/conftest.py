"""Our node is KE; its peer UG is played by the tests, which hold UG's private key, sign
envelopes with it and post them to our inbox."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client

from armstrace.audit.checkpoints import public_pem
from armstrace.core import clock
from armstrace.federation import keys, messages, services
from armstrace.tracing.tests.helpers import content

INBOX = "/federation/v1/inbox"


@pytest.fixture(autouse=True)
def _key_dir(settings: Any, tmp_path: Any) -> None:
    settings.FEDERATION_KEY_DIR = str(tmp_path / "federation")
    settings.FEDERATION_AUTO_ACKNOWLEDGE = False
    settings.FEDERATION_WORKER_THREADS = 1


@pytest.fixture
def node(agencies: Any) -> Any:
    return services.init_node(node_id="KE")


@pytest.fixture
def uganda_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def uganda(node: Any, uganda_key: Ed25519PrivateKey) -> Any:
    return services.add_peer(
        data=services.PeerInput(
            node_id="UG",
            state="UG",
            endpoint="http://ug.example:8000",
            public_key=public_pem(uganda_key.public_key()),
            name="Uganda national registry",
            contacts=[{"name": "Sgt. Okello", "email": "okello@ug.example", "languages": ["en"]}],
        )
    )


class Uganda:
    """Builds and signs UG's messages to KE."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self.key = key
        self.key_id = keys.key_id(key.public_key())

    def envelope(self, kind: str, body: dict[str, Any], **changes: Any) -> dict[str, Any]:
        now = clock.now()
        value: dict[str, Any] = {
            "schema": "armstrace.federation",
            "version": 1,
            "id": str(uuid.uuid4()),
            "kind": kind,
            "sender": "UG",
            "recipient": "KE",
            "sent_at": now.isoformat(),
            "expires_at": (now + dt.timedelta(hours=1)).isoformat(),
            "key_id": self.key_id,
            "body": body,
        }
        value.update(changes)
        return value

    def sign(self, raw: bytes, key: Ed25519PrivateKey | None = None) -> str:
        signature = (key or self.key).sign(raw)
        return f"key_id={self.key_id}, ed25519={base64.urlsafe_b64encode(signature).decode()}"

    def post(self, value: dict[str, Any] | bytes, signature: str | None = None) -> Any:
        raw = value if isinstance(value, bytes) else messages.canonical(value)
        header = self.sign(raw) if signature is None else signature
        return Client().post(
            INBOX, raw, content_type="application/json", HTTP_ARMSTRACE_SIGNATURE=header
        )


@pytest.fixture
def ug(uganda: Any, uganda_key: Ed25519PrivateKey) -> Uganda:
    return Uganda(uganda_key)


def request_body(request_id: str = "UG-2026-000042", **changes: Any) -> dict[str, Any]:
    """UG's request to KE, as tracing.exchange.request_document writes it."""
    data = content(**changes)
    return {
        "document": {
            "schema": "armstrace.trace-request",
            "version": 1,
            "generated_at": "2026-01-01T00:00:00+00:00",
            "confidentiality": {
                "level": data["confidentiality"],
                "use_restrictions": data["use_restrictions"],
            },
            "request": {
                "request_id": request_id,
                "external_ref": "",
                "case_ref": "UPF/CID/2026/9",
                "parent_id": None,
                "direction": "outgoing",
                "channel": "bilateral_npc",
                "priority": "routine",
                "priority_justification": "",
                "language": "en",
                "requesting": {
                    "state": "UG",
                    "agency": "Uganda Police Force",
                    "officer": {"name": "Sgt. Okello", "email": "okello@ug.example"},
                },
                "requested": {"state": "KE", "reason": "last_import"},
                "weapon": {
                    "serial_as_read": data["serial_as_read"],
                    "serial_obliterated": False,
                    "markings": data["markings"],
                    "weapon_type": data["weapon_type"],
                    "calibre": data["calibre"],
                    "manufacturer": data["manufacturer"],
                    "model": data["model"],
                    "country_of_manufacture": "RS",
                },
                "circumstances": {
                    "illicit_grounds": ["a"],
                    "legal_justification": data["legal_justification"],
                    "found_on": data["found_on"],
                    "found_place": "Kampala",
                    "found_context": "seized",
                    "offence": "",
                },
                "intended_use": data["intended_use"],
                "chain_so_far": "",
            },
        }
    }
