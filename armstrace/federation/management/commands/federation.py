"""`armstrace federation ...`: this node's identity and keys, peers, the outbox, schemas.

init --node-id KE                 key pair, identity and service account
identity                          what a peer needs: node id, key id, public key PEM
peer add --node-id UG --state UG --endpoint URL --key PEM_FILE_OR_TEXT
         [--name N] [--contact "name;email;phone;en,fr"]...
peers                             the directory of peers and their keys
outbox [--status failed]          messages sent or waiting, failures with reasons
inbox [--status rejected]         messages received, rejections with reasons
rotate-key                        a new key; peers are told, signed with the old one
schemas                           the published JSON schemas of every message
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from armstrace.core.context import audit_context
from armstrace.core.exceptions import DomainValidationError
from armstrace.federation import keys, messages, selectors, services, worker


def _contact(text: str) -> dict[str, Any]:
    parts = [*text.split(";"), "", "", "", ""][:4]
    languages = [code.strip() for code in parts[3].split(",") if code.strip()]
    return {"name": parts[0].strip(), "email": parts[1].strip(), "phone": parts[2].strip(),
            "languages": languages}  # fmt: skip


class Command(BaseCommand):
    help = "Federation: node identity and keys, peers, outbox and inbox, message schemas."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = ["init", "identity", "peer", "peers", "outbox", "inbox", "rotate-key", "schemas"]
        parser.add_argument("action", choices=actions)
        parser.add_argument("sub", nargs="?", help="peer: add")
        parser.add_argument("--node-id", default="")
        parser.add_argument("--state", default="")
        parser.add_argument("--endpoint", default="")
        parser.add_argument("--key", default="", help="a PEM file or the PEM text")
        parser.add_argument("--name", default="")
        parser.add_argument("--contact", action="append", default=[], help="name;email;phone;langs")
        parser.add_argument("--status", default="")
        parser.add_argument("--limit", type=int, default=50)
        parser.add_argument("--write", type=Path, help="schemas: regenerate them in this doc")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"].replace("-", "_")
        try:
            with audit_context(actor_id=None, actor_name="armstrace federation", channel="cli"):
                getattr(self, f"_{action}")(options)
        except (DomainValidationError, keys.KeyProblem) as exc:
            raise CommandError(str(exc)) from None

    def _init(self, options: dict[str, Any]) -> None:
        if not options["node_id"]:
            raise CommandError("--node-id is required (e.g. KE, BR-PF)")
        node = services.init_node(node_id=options["node_id"])
        self.stdout.write(f"node {node.node_id} initialised")
        self._identity(options)

    def _identity(self, options: dict[str, Any]) -> None:
        node = services.identity()
        if node is None:
            raise CommandError("this node is not initialised: armstrace federation init")
        key = services.current_key()
        self.stdout.write(f"node id: {node.node_id}\nstate: {node.state_id}\nkey id: {key.key_id}")
        self.stdout.write(f"inbox path: {worker.INBOX_PATH}")
        self.stdout.write(key.public_key.strip())

    def _peer(self, options: dict[str, Any]) -> None:
        if options["sub"] != "add":
            raise CommandError("usage: armstrace federation peer add --node-id ... ")
        for name in ("node_id", "endpoint", "key"):
            if not options[name]:
                raise CommandError(f"--{name.replace('_', '-')} is required")
        data = services.PeerInput(
            node_id=options["node_id"],
            state=options["state"] or options["node_id"][:2],
            endpoint=options["endpoint"],
            public_key=keys.read_pem(options["key"]),
            name=options["name"],
            contacts=[_contact(text) for text in options["contact"]],
        )
        peer = services.add_peer(data=data)
        self.stdout.write(f"peer {peer.node_id} added ({peer.endpoint})")

    def _peers(self, options: dict[str, Any]) -> None:
        for peer in selectors.peers():
            flag = "active" if peer.active else "inactive"
            self.stdout.write(
                f"{peer.node_id}\t{peer.state_id}\t{flag}\t{peer.endpoint}\t{peer.name}"
            )
            for key in peer.keys.all():
                retired = f" retired {key.retired_at:%Y-%m-%d %H:%M}" if key.retired_at else ""
                self.stdout.write(f"  key {key.key_id}{retired}")
            for contact in peer.contacts:
                self.stdout.write(f"  contact {json.dumps(contact, ensure_ascii=False)}")

    def _outbox(self, options: dict[str, Any]) -> None:
        for row in selectors.outbox(options["status"])[: options["limit"]]:
            request = row.request.request_id if row.request else "-"
            self.stdout.write(
                f"{row.created_at:%Y-%m-%d %H:%M:%S}\t{row.peer.node_id}\t{row.kind}\t{request}"
                f"\t{row.status}\tattempts={row.attempts}\t{row.last_error}"
            )

    def _inbox(self, options: dict[str, Any]) -> None:
        for row in selectors.inbox(options["status"])[: options["limit"]]:
            request = row.request.request_id if row.request else "-"
            sender = row.peer.node_id if row.peer else row.sender or "?"
            self.stdout.write(
                f"{row.received_at:%Y-%m-%d %H:%M:%S}\t{sender}\t{row.kind or '-'}\t{request}"
                f"\t{row.status}\t{row.http_status} {row.error}\t{row.reason}"
            )

    def _rotate_key(self, options: dict[str, Any]) -> None:
        key = services.rotate_key()
        self.stdout.write(f"new key {key.key_id}; every active peer is told (key.rotated)")
        self.stdout.write(key.public_key.strip())

    def _schemas(self, options: dict[str, Any]) -> None:
        path = options["write"]
        if path is not None:
            path.write_text(messages.with_schemas(path.read_text("utf-8")), encoding="utf-8")
            self.stdout.write(f"schemas written to {path}")
            return
        self.stdout.write(json.dumps(messages.schemas(), indent=2, sort_keys=True))
