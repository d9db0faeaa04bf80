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
hub on|off                        whether this node relays the alerts it receives
alert publish --weapon ID --kind lost|stolen|diverted --to UG,RW|--all --user NAME
         [--confidentiality restricted] [--restrictions TEXT] [--note TEXT]
alert list [--matched yes|no]     alerts received, newest first, with local matches
existence-index                   tokens for weapons new or changed since the last run
existence ask --to UG --manufacturer M --serial S --user NAME
existence list                    our existence questions and their answers
national-search --serial S --purpose CASE --user NAME [--manufacturer M] [--model M]
         [--calibre C] [--weapon-type T] [--country CC] [--format table|json]
                                  this registry and every other registry of this state
consistency --peer BR-EB --user NAME [--page-size N]
                                  compare with another registry of this state; findings
consistency list [--limit N]      the runs, newest first
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from armstrace.accounts.models import User
from armstrace.accounts.permissions import has_permission
from armstrace.core.context import audit_context
from armstrace.core.exceptions import DomainValidationError
from armstrace.federation import (
    alerts,
    consistency,
    existence,
    keys,
    messages,
    national,
    selectors,
    services,
    worker,
)
from armstrace.federation.choices import AlertKind
from armstrace.federation.models import Peer
from armstrace.federation.permissions import (
    ALERT_PUBLISH,
    CONSISTENCY_RUN,
    EXISTENCE_ASK,
    NATIONAL_SEARCH,
)
from armstrace.search.services import SearchQuery
from armstrace.tracing.choices import Confidentiality


def _contact(text: str) -> dict[str, Any]:
    parts = [*text.split(";"), "", "", "", ""][:4]
    languages = [code.strip() for code in parts[3].split(",") if code.strip()]
    return {"name": parts[0].strip(), "email": parts[1].strip(), "phone": parts[2].strip(),
            "languages": languages}  # fmt: skip


class Command(BaseCommand):
    help = "Federation: node identity and keys, peers, outbox and inbox, message schemas."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = ["init", "identity", "peer", "peers", "outbox", "inbox", "rotate-key", "schemas",
                   "hub", "alert", "existence-index", "existence", "national-search",
                   "consistency"]  # fmt: skip
        parser.add_argument("action", choices=actions)
        parser.add_argument(
            "sub", nargs="?", help="peer: add; hub: on, off; alert, existence: publish/ask, list"
        )
        parser.add_argument("--node-id", default="")
        parser.add_argument("--state", default="")
        parser.add_argument("--endpoint", default="")
        parser.add_argument("--key", default="", help="a PEM file or the PEM text")
        parser.add_argument("--name", default="")
        parser.add_argument("--contact", action="append", default=[], help="name;email;phone;langs")
        parser.add_argument("--status", default="")
        parser.add_argument("--limit", type=int, default=50)
        parser.add_argument("--write", type=Path, help="schemas: regenerate them in this doc")
        parser.add_argument("--hub", action="store_true", help="peer add: a regional hub")
        parser.add_argument("--weapon", default="", help="alert publish: the weapon's id")
        parser.add_argument("--kind", choices=AlertKind.values, default=AlertKind.STOLEN)
        parser.add_argument("--to", default="", help="alert publish: peers' node ids, UG,RW")
        parser.add_argument("--all", action="store_true", help="alert publish: every active peer")
        parser.add_argument("--user", default="", help="alert publish: the point of contact")
        parser.add_argument(
            "--confidentiality", choices=Confidentiality.values, default=Confidentiality.RESTRICTED
        )
        parser.add_argument("--restrictions", default="", help="alert publish: use restrictions")
        parser.add_argument("--note", default="")
        parser.add_argument("--matched", default="", help="alert list: yes or no")
        parser.add_argument("--manufacturer", default="", help="existence ask: as written")
        parser.add_argument("--serial", default="", help="existence ask, national-search")
        parser.add_argument("--model", default="", help="national-search")
        parser.add_argument("--calibre", default="", help="national-search")
        parser.add_argument("--weapon-type", default="", help="national-search")
        parser.add_argument("--country", default="", help="national-search: of manufacture")
        parser.add_argument("--purpose", default="", help="national-search: the case reference")
        parser.add_argument("--format", choices=["table", "json"], default="table")
        parser.add_argument("--peer", default="", help="consistency: the registry's node id")
        parser.add_argument("--page-size", type=int, default=consistency.PAGE)

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
            hub=options["hub"],
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

    def _hub(self, options: dict[str, Any]) -> None:
        if options["sub"] not in ("on", "off"):
            raise CommandError("usage: armstrace federation hub on|off")
        node = services.set_hub(hub=options["sub"] == "on")
        self.stdout.write(f"node {node.node_id} relays alerts: {'yes' if node.hub else 'no'}")

    def _alert(self, options: dict[str, Any]) -> None:
        if options["sub"] == "list":
            self._alert_list(options)
        elif options["sub"] == "publish":
            self._alert_publish(options)
        else:
            raise CommandError("usage: armstrace federation alert publish|list ...")

    def _alert_list(self, options: dict[str, Any]) -> None:
        for row in selectors.received_alerts(options["matched"])[: options["limit"]]:
            leads = ",".join(f"{m['serial_number']}({m['match']})" for m in row.matches) or "-"
            seen = "acknowledged" if row.acknowledged_at else "new"
            self.stdout.write(
                f"{row.received_at:%Y-%m-%d %H:%M:%S}\t{row.origin}\t{row.kind}\t{row.serial}"
                f"\t{row.manufacturer}\t{seen}\tmatches={leads}"
            )

    def _alert_peers(self, options: dict[str, Any]) -> list[Peer] | None:
        if options["all"]:
            return None
        ids = [part.strip().upper() for part in options["to"].split(",") if part.strip()]
        if not ids:
            raise CommandError("give --to UG,RW or --all")
        peers = list(Peer.objects.filter(node_id__in=ids))
        unknown = set(ids) - {peer.node_id for peer in peers}
        if unknown:
            raise CommandError(f"unknown peers: {', '.join(sorted(unknown))}")
        return peers

    def _user(self, options: dict[str, Any], perm: Any, who: str = "") -> User:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None or not has_permission(user, perm):
            raise CommandError(f"--user: {who or 'an active point of contact or administrator'}")
        return user

    def _alert_publish(self, options: dict[str, Any]) -> None:
        user = self._user(options, ALERT_PUBLISH)
        found = selectors.weapons_named(user, options["weapon"])
        if len(found) != 1:
            raise CommandError("--weapon: the id (or a serial only one weapon carries)")
        peers = self._alert_peers(options)
        with audit_context(actor_id=user.pk, actor_name=user.get_username(), channel="cli"):
            published = alerts.publish_alert(
                actor=user,
                weapon=found[0],
                kind=options["kind"],
                peers=peers,
                confidentiality=options["confidentiality"],
                use_restrictions=options["restrictions"],
                note=options["note"],
            )
        targets = ", ".join(message.peer.node_id for message in published.messages)
        self.stdout.write(f"alert {published.alert_id} queued for {targets}")

    def _existence_index(self, options: dict[str, Any]) -> None:
        run = existence.build_index()
        self.stdout.write(
            f"{run.weapons} weapons indexed ({run.tokens} tokens) in {run.seconds:.3f} s; "
            "weapons registered later enter on the next run"
        )

    def _existence(self, options: dict[str, Any]) -> None:
        if options["sub"] == "list":
            for row in selectors.existence_questions()[: options["limit"]]:
                held = {None: "pending", True: "held", False: "not held"}[row.held]
                self.stdout.write(
                    f"{row.created_at:%Y-%m-%d %H:%M:%S}\t{row.peer.node_id}\t{row.manufacturer}"
                    f"\t{row.serial}\t{row.status}\t{held}\t{row.weapon_ref}"
                )
            return
        if options["sub"] != "ask" or not options["to"] or not options["serial"]:
            raise CommandError("usage: armstrace federation existence ask --to UG --serial S ...")
        user = self._user(options, EXISTENCE_ASK)
        peer = Peer.objects.filter(node_id=options["to"].strip().upper()).first()
        if peer is None:
            raise CommandError(f"unknown peer {options['to']}")
        with audit_context(actor_id=user.pk, actor_name=user.get_username(), channel="cli"):
            question = existence.ask(
                actor=user,
                peer=peer,
                manufacturer=options["manufacturer"],
                serial=options["serial"],
            )
        self.stdout.write(f"question {question.query_id} queued for {peer.node_id}")

    def _national_search(self, options: dict[str, Any]) -> None:
        if not options["serial"] or not options["purpose"]:
            raise CommandError("give --serial and --purpose (the case reference)")
        user = self._user(options, NATIONAL_SEARCH, "an active user who may search the registry")
        search = SearchQuery(
            serial=options["serial"],
            manufacturer=options["manufacturer"],
            model=options["model"],
            calibre=options["calibre"],
            weapon_type=options["weapon_type"],
            country=options["country"].upper(),
        )
        with audit_context(actor_id=user.pk, actor_name=user.get_username(), channel="cli"):
            results = national.national_search(
                actor=user, search=search, purpose=options["purpose"]
            )
        if options["format"] == "json":
            rows = [asdict(result) for result in results]
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        for result in results:
            label = "this registry" if result.local else result.name
            self.stdout.write(f"== {result.registry} ({label}): {result.outcome} {result.reason}")
            for c in result.candidates:
                self.stdout.write(
                    f"{c.serial}\t{c.manufacturer}\t{c.model}\t{c.calibre}\t{c.weapon_type}"
                    f"\t{c.status}\t{c.match}\t{c.score:.2f}\t{c.weapon_ref}"
                    f"\t{'; '.join(c.reasons)}"
                )
            if result.outcome == national.ANSWERED and not result.candidates:
                self.stdout.write(result.message or "no candidate")

    def _consistency(self, options: dict[str, Any]) -> None:
        if options["sub"] == "list":
            for run in selectors.consistency_runs()[: options["limit"]]:
                self.stdout.write(
                    f"{run.pk}\t{run.started_at:%Y-%m-%d %H:%M:%S}\t{run.peer.node_id}"
                    f"\t{run.status}"
                    f"\trows={run.peer_rows}\tpairs={run.pairs}\tidentity={run.identity_conflicts}"
                    f"\tstatus={run.status_conflicts}\t{run.error}"
                )
            return
        if options["sub"] or not options["peer"]:
            raise CommandError("usage: armstrace federation consistency --peer BR-EB --user NAME")
        user = self._user(options, CONSISTENCY_RUN)
        peer = Peer.objects.filter(node_id=options["peer"].strip().upper()).first()
        if peer is None:
            raise CommandError(f"unknown peer {options['peer']}")
        with audit_context(actor_id=user.pk, actor_name=user.get_username(), channel="cli"):
            run = consistency.run_check(actor=user, peer=peer, page_size=options["page_size"])
        self.stdout.write(
            f"run {run.pk} against {peer.node_id}: {run.status}; {run.peer_rows} rows received, "
            f"{run.pairs} weapons held by both, {run.identity_conflicts} identity conflicts, "
            f"{run.status_conflicts} status conflicts {run.error}".rstrip()
        )
        for finding in run.findings.all():
            self.stdout.write(
                f"{finding.kind}\t{finding.local.get('serial', '')}\t{finding.peer_weapon_ref}"
                f"\t{','.join(finding.fields)}"
                f"\tours={json.dumps(finding.local, ensure_ascii=False)}"
                f"\ttheirs={json.dumps(finding.remote, ensure_ascii=False)}"
            )
