"""Several registries in one state (issue 8 item 7): signed synchronous queries between the
registries of one state, the national search across them, and the consistency check.

Our node is KE (say the police registry); KE-EB, another registry of Kenya, is played by
the tests, which hold its private key: they post its queries to our query endpoint, and
answer our queries to it by replacing the requester's HTTP call.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.test import Client

from armstrace.audit.checkpoints import public_pem
from armstrace.audit.models import AuditEntry
from armstrace.core import clock
from armstrace.federation import consistency, keys, messages, national, query, services
from armstrace.federation.models import ConsistencyFinding, ConsistencyRun, InboxMessage
from armstrace.registry.models import Weapon
from armstrace.search.models import SearchLog
from armstrace.search.services import SearchQuery

pytestmark = pytest.mark.django_db
QUERY = "/federation/v1/query"


@pytest.fixture(autouse=True)
def _no_threads(settings: Any) -> None:
    settings.FEDERATION_QUERY_THREADS = 1  # the test database is this thread's


class Registry:
    """A registry of Kenya other than ours: signs its queries to us and its answers."""

    def __init__(self, node_id: str, key: Ed25519PrivateKey) -> None:
        self.node_id, self.key = node_id, key
        self.key_id = keys.key_id(key.public_key())

    def sign(self, raw: bytes, key: Ed25519PrivateKey | None = None) -> str:
        signature = (key or self.key).sign(raw)
        return f"key_id={self.key_id}, ed25519={base64.urlsafe_b64encode(signature).decode()}"

    def envelope(self, kind: str, body: dict[str, Any], **changes: Any) -> dict[str, Any]:
        now = clock.now()
        value: dict[str, Any] = {
            "schema": "armstrace.federation",
            "version": 1,
            "id": str(uuid.uuid4()),
            "kind": kind,
            "sender": self.node_id,
            "recipient": "KE",
            "sent_at": now.isoformat(),
            "expires_at": (now + dt.timedelta(minutes=5)).isoformat(),
            "key_id": self.key_id,
            "body": body,
        }
        value.update(changes)
        return value

    def ask(self, value: dict[str, Any], signature: str | None = None) -> Any:
        raw = messages.canonical(value)
        header = self.sign(raw) if signature is None else signature
        return Client().post(
            QUERY, raw, content_type="application/json", HTTP_ARMSTRACE_SIGNATURE=header
        )

    def answer(self, request: bytes, body: dict[str, Any], **changes: Any) -> query.Reply:
        """Its signed answer to one of our queries."""
        asked = messages.loads(request)
        value = self.envelope(
            messages.QUERIES[asked["kind"]],
            {"query_id": asked["id"], **body},
            recipient=asked["sender"],
            **changes,
        )
        raw = messages.canonical(value)
        return query.Reply(200, raw, self.sign(raw))


def add_registry(node_id: str, state: str, key: Ed25519PrivateKey, **changes: Any) -> Any:
    return services.add_peer(
        data=services.PeerInput(
            node_id=node_id,
            state=state,
            endpoint=f"http://{node_id.lower()}.example:8000",
            public_key=public_pem(key.public_key()),
            **changes,
        )
    )


@pytest.fixture
def army_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def army_peer(node: Any, army_key: Ed25519PrivateKey) -> Any:
    return add_registry("KE-EB", "KE", army_key, name="Army registry")


@pytest.fixture
def army(army_peer: Any, army_key: Ed25519PrivateKey) -> Registry:
    return Registry("KE-EB", army_key)


def search_body(serial: str, **changes: Any) -> dict[str, Any]:
    return {"serial": serial, "purpose": "CID/2026/17", "user": "sgt.wanjiru", **changes}


def our_public_key() -> str:
    return services.current_key().public_key


def verified(response: Any) -> dict[str, Any]:
    """The answer's envelope, once its signature by our node's key is checked."""
    assert response.status_code == 200, response.content
    header = keys.parse_header(response[keys.HEADER])
    assert header is not None and keys.verify(our_public_key(), header.signature, response.content)
    value: dict[str, Any] = json.loads(response.content)
    return value


# --- answering a registry of this state ----------------------------------------------------------


def test_a_search_from_a_registry_of_this_state_is_answered_signed_and_logged(army, weapon_factory):
    weapon = weapon_factory(serial="M70-445566")
    asked = army.envelope("registry.search", search_body("M70-445566"))
    value = verified(army.ask(asked))
    assert (value["kind"], value["sender"], value["recipient"]) == (
        "registry.search.result",
        "KE",
        "KE-EB",
    )
    body = value["body"]
    assert body["query_id"] == asked["id"]
    first = body["candidates"][0]
    assert (first["weapon_ref"], first["serial"], first["match"]) == (
        str(weapon.pk),
        "M70-445566",
        "exact",
    )
    assert first["score"] > 0 and first["reasons"]
    log = SearchLog.objects.get()
    assert (log.actor_name, log.purpose, log.channel) == (
        "KE-EB/sgt.wanjiru",
        "CID/2026/17",
        "federation",
    )
    assert InboxMessage.objects.get().status == "accepted"
    assert AuditEntry.objects.filter(tag="federation:query:answered").exists()


def refused(response: Any, status: int, code: str) -> InboxMessage:
    assert response.status_code == status, response.content
    assert response.json()["error"] == code
    row = InboxMessage.objects.get(status="rejected")
    assert (row.error, row.http_status, row.reason) == (code, status, response.json()["reason"])
    assert AuditEntry.objects.filter(tag="federation:message:rejected").exists()
    return row


def test_a_peer_of_another_state_is_refused_with_its_reason_logged(node, weapon_factory):
    key = Ed25519PrivateKey.generate()
    add_registry("UG", "UG", key)
    uganda = Registry("UG", key)
    row = refused(uganda.ask(uganda.envelope("registry.search", search_body("M70"))), 403,
                  "not_domestic")  # fmt: skip
    assert "UG is not a registry of KE" in row.reason
    assert not SearchLog.objects.exists()


def test_an_inactive_registry_of_this_state_is_refused(army, army_peer):
    army_peer.active = False
    army_peer.save()
    refused(army.ask(army.envelope("registry.search", search_body("M70"))), 403, "unknown_sender")


def test_a_bad_signature_is_refused(army):
    value = army.envelope("registry.search", search_body("M70-1"))
    forged = army.sign(messages.canonical(value), Ed25519PrivateKey.generate())
    refused(army.ask(value, signature=forged), 403, "bad_signature")
    assert not SearchLog.objects.exists()


def test_a_query_is_answered_once(army, weapon_factory):
    weapon_factory(serial="M70-1")
    value = army.envelope("registry.search", search_body("M70-1"))
    assert army.ask(value).status_code == 200
    refused(army.ask(value), 409, "replayed")


def test_an_expired_query_is_refused(army):
    past = (clock.now() - dt.timedelta(minutes=1)).isoformat()
    refused(army.ask(army.envelope("registry.search", search_body("M70"), expires_at=past)), 400,
            "expired")  # fmt: skip


def test_the_extract_walks_the_registry_by_cursor(army, weapon_factory):
    made = sorted(
        [weapon_factory(serial="BO-1"), weapon_factory(serial="M70-2"), weapon_factory()],
        key=lambda w: w.pk,
    )
    Weapon.objects.filter(pk=made[0].pk).update(status="destroyed")
    body = {"limit": 2, "purpose": "consistency check", "user": "cpl.otieno"}
    first = verified(army.ask(army.envelope("registry.extract", body)))["body"]
    assert [row["weapon_ref"] for row in first["rows"]] == [str(w.pk) for w in made[:2]]
    assert first["next_after"] == str(made[1].pk)
    row = first["rows"][0]
    assert row["status"] == "destroyed" and row["serial"] == made[0].serial_number
    assert row["canonical_serial"] == national.canonical_serial(made[0].serial_number)
    assert (row["model"], row["weapon_type"]) == ("M70", "assault-rifle")
    second = army.envelope("registry.extract", {**body, "after": first["next_after"]})
    rest = verified(army.ask(second))["body"]
    assert [row["weapon_ref"] for row in rest["rows"]] == [str(made[2].pk)]
    assert rest["next_after"] == ""


def test_an_extract_page_is_at_most_5000_rows(army):
    body = {"limit": 5001, "purpose": "consistency check", "user": "cpl.otieno"}
    refused(army.ask(army.envelope("registry.extract", body)), 422, "invalid_body")


def test_a_query_is_not_taken_by_the_inbox(army):
    raw = messages.canonical(army.envelope("registry.search", search_body("M70")))
    response = Client().post(
        "/federation/v1/inbox", raw, content_type="application/json",
        HTTP_ARMSTRACE_SIGNATURE=army.sign(raw),
    )  # fmt: skip
    assert response.status_code == 422 and response.json()["error"] == "unknown_kind"


# --- asking: the requester verifies the answer ---------------------------------------------------


@pytest.fixture
def loopback(node: Any, monkeypatch: Any) -> Any:
    """This node as its own domestic peer, reached through the test client: a query goes
    out signed, is checked and answered by the endpoint, and the answer is verified."""
    peer = services.add_peer(
        data=services.PeerInput(
            node_id="KE", state="KE", endpoint="http://self.example", public_key=our_public_key()
        )
    )

    def post(url: str, body: bytes, signature: str) -> query.Reply:
        assert url == "http://self.example/federation/v1/query"
        response = Client().post(
            QUERY, body, content_type="application/json", HTTP_ARMSTRACE_SIGNATURE=signature
        )
        return query.Reply(response.status_code, response.content, response.get(keys.HEADER, ""))

    monkeypatch.setattr(query, "post", post)
    return peer


def test_a_signed_search_goes_out_and_its_signed_answer_is_verified(loopback, weapon_factory):
    weapon = weapon_factory(serial="M70-998877")
    body = messages.RegistrySearchBody(serial="M70-998877", purpose="CID/1", user="poc")
    answer = query.ask(loopback, "registry.search", body)
    assert isinstance(answer, messages.RegistrySearchResultBody)
    assert answer.candidates[0].weapon_ref == str(weapon.pk)


def test_an_answer_signed_by_another_key_is_not_accepted(army, army_peer, monkeypatch):
    def post(url: str, body: bytes, signature: str) -> query.Reply:
        reply = army.answer(body, {"total": 0})
        forged = army.sign(reply.body, Ed25519PrivateKey.generate())
        return query.Reply(200, reply.body, forged)

    monkeypatch.setattr(query, "post", post)
    with pytest.raises(query.QueryFailed) as caught:
        query.ask(army_peer, "registry.search", messages.RegistrySearchBody(
            serial="X1", purpose="p", user="u"))  # fmt: skip
    assert caught.value.code == "bad_signature"


def test_an_answer_to_another_query_is_not_accepted(
    army: Registry, army_peer: Any, monkeypatch: Any
) -> None:
    def post(url: str, body: bytes, signature: str) -> query.Reply:
        other = army.envelope("registry.search", {})
        return army.answer(messages.canonical({**messages.loads(body), "id": other["id"]}),
                           {"total": 0})  # fmt: skip

    monkeypatch.setattr(query, "post", post)
    with pytest.raises(query.QueryFailed) as caught:
        query.ask(army_peer, "registry.search", messages.RegistrySearchBody(
            serial="X1", purpose="p", user="u"))  # fmt: skip
    assert caught.value.code == "bad_answer"


# --- national search -----------------------------------------------------------------------------


@pytest.mark.parametrize("threads", [1, 4])  # 4: the peers' HTTP calls in threads
def test_national_search_merges_registries_and_marks_an_unreachable_one(
    threads: int, army: Registry, poc: Any, weapon_factory: Any, monkeypatch: Any, settings: Any
) -> None:
    settings.FEDERATION_QUERY_THREADS = threads
    weapon_factory(serial="M70-123123")
    add_registry("KE-NPS", "KE", Ed25519PrivateKey.generate(), name="Provincial registry")
    add_registry("UG", "UG", Ed25519PrivateKey.generate())  # another state: never asked
    asked: list[str] = []

    def post(url: str, body: bytes, signature: str) -> query.Reply:
        asked.append(url)
        if "ke-nps" in url:
            return query.Reply(0, b"connection refused")
        candidate = {
            "weapon_ref": "eb-77", "serial": "M70-123123", "manufacturer": "Zastava Arms",
            "model": "M70", "calibre": "7.62x39", "weapon_type": "assault-rifle",
            "status": "issued", "match": "exact", "score": 1850, "reasons": ["serial"],
        }  # fmt: skip
        return army.answer(body, {"total": 1, "candidates": [candidate]})

    monkeypatch.setattr(query, "post", post)
    results = national.national_search(
        actor=poc, search=SearchQuery(serial="M70-123123"), purpose="CID/2026/3"
    )
    assert [(r.registry, r.local, r.outcome) for r in results] == [
        ("KE", True, "answered"),
        ("KE-EB", False, "answered"),
        ("KE-NPS", False, "unreachable"),
    ]
    assert results[0].candidates[0].serial == "M70-123123"
    assert (results[1].candidates[0].weapon_ref, results[1].candidates[0].score) == ("eb-77", 1.85)
    assert "connection refused" in results[2].reason
    assert sorted(asked) == [
        "http://ke-eb.example:8000/federation/v1/query",
        "http://ke-nps.example:8000/federation/v1/query",
    ]
    log = SearchLog.objects.get()  # the local search; the peers log theirs
    assert (log.actor_name, log.purpose) == ("test-setup", "CID/2026/3")
    entry = AuditEntry.objects.get(tag="federation:national:searched")
    assert entry.data["registries"] == {"KE": "answered", "KE-EB": "answered",
                                        "KE-NPS": "unreachable"}  # fmt: skip


def test_a_refusing_registry_is_reported_with_its_reason(army, poc, monkeypatch):
    def post(url: str, body: bytes, signature: str) -> query.Reply:
        return query.Reply(403, b'{"error":"not_domestic","reason":"KE is not a registry"}')

    monkeypatch.setattr(query, "post", post)
    results = national.national_search(actor=poc, search=SearchQuery(serial="X1"), purpose="C1")
    assert results[1].outcome == "refused" and "not_domestic" in results[1].reason


def test_the_national_search_page_shows_each_registry(army, poc, weapon_factory, monkeypatch):
    weapon_factory(serial="M70-555444")
    monkeypatch.setattr(query, "post", lambda url, body, sig: query.Reply(0, b"timed out"))
    client = Client()
    client.force_login(poc)
    page = client.get("/federation/national-search/", {"serial": "M70-555444", "purpose": "C9"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "M70-555444" in text and "KE-EB" in text and "timed out" in text


def test_the_national_search_command_prints_json(army, poc, weapon_factory, monkeypatch):
    weapon_factory(serial="M70-555444")
    monkeypatch.setattr(query, "post", lambda url, body, sig: query.Reply(0, b"timed out"))
    out = io.StringIO()
    call_command("federation", "national-search", "--serial", "M70-555444", "--purpose", "C9",
                 "--user", "poc", "--format", "json", stdout=out)  # fmt: skip
    value = json.loads(out.getvalue())
    assert [r["outcome"] for r in value] == ["answered", "unreachable"]
    assert value[0]["candidates"][0]["serial"] == "M70-555444"


# --- consistency check ---------------------------------------------------------------------------


def identity_row(weapon: Any, **changes: Any) -> dict[str, Any]:
    row = {
        "weapon_ref": f"eb-{weapon.serial_number}",
        "manufacturer": "Zastava Arms",
        "serial": weapon.serial_number,
        "model": "M70",
        "calibre": "7.62x39",
        "weapon_type": "assault-rifle",
        "status": "issued",
        "holder_category": "state_unit",
    }
    row.update(changes)
    row["canonical_serial"] = national.canonical_serial(row["serial"])
    return row


@pytest.fixture
def army_registry(army: Registry, monkeypatch: Any) -> list[dict[str, Any]]:
    """KE-EB's identity rows, served a page at a time by cursor."""
    rows: list[dict[str, Any]] = []

    def post(url: str, body: bytes, signature: str) -> query.Reply:
        asked = messages.loads(body)["body"]
        start = int(asked["after"] or 0)
        page = rows[start : start + asked["limit"]]
        after = str(start + len(page)) if start + len(page) < len(rows) else ""
        return army.answer(body, {"rows": page, "next_after": after})

    monkeypatch.setattr(query, "post", post)
    return rows


def test_the_consistency_check_flags_identity_and_status_conflicts_only(
    army_registry, army_peer, poc, weapon_factory
):
    consistent, renamed, destroyed = (
        weapon_factory(serial="M70-000101"),
        weapon_factory(serial="M70-000102"),
        weapon_factory(serial="M70-000103"),
    )
    weapon_factory(serial="M70-000104")  # only ours
    army_registry += [
        identity_row(consistent, serial="M70-OOO1O1"),  # misread O for 0: the same serial
        identity_row(renamed, model="M92", calibre="7.62x39"),
        identity_row(destroyed, status="destroyed"),
        identity_row(consistent, manufacturer="Norinco"),  # another maker's serial,
    ]
    run = consistency.run_check(actor=poc, peer=army_peer, page_size=2)
    assert (run.status, run.pages, run.peer_rows, run.pairs) == ("done", 2, 4, 3)
    assert (run.identity_conflicts, run.status_conflicts) == (1, 1)
    identity = ConsistencyFinding.objects.get(kind="identity")
    assert identity.weapon_id == renamed.pk and identity.fields == ["model"]
    assert (identity.local["model"], identity.remote["model"]) == ("M70", "M92")
    status = ConsistencyFinding.objects.get(kind="status")
    assert status.weapon_id == destroyed.pk and status.peer_weapon_ref == "eb-M70-000103"
    assert (status.local["status"], status.remote["status"]) == ("manufactured", "destroyed")
    assert not ConsistencyFinding.objects.filter(weapon=consistent).exists()
    entry = AuditEntry.objects.get(tag="federation:consistency:done")
    assert entry.data["identity_conflicts"] == 1 and entry.object_id == str(run.pk)


def test_a_lost_weapon_held_by_the_other_registry_is_a_status_conflict():
    assert consistency.status_conflict("stolen", "issued")
    assert consistency.status_conflict("destroyed", "lost")
    assert not consistency.status_conflict("destroyed", "deactivated")
    assert not consistency.status_conflict("issued", "state_holding")
    assert not consistency.status_conflict("exported", "destroyed")


def test_a_check_that_loses_its_peer_is_kept_as_failed(army_peer, poc, monkeypatch):
    monkeypatch.setattr(query, "post", lambda url, body, sig: query.Reply(0, b"refused"))
    run = consistency.run_check(actor=poc, peer=army_peer)
    assert run.status == "failed" and "unreachable" in run.error
    assert AuditEntry.objects.filter(tag="federation:consistency:failed").exists()


def test_the_consistency_check_is_refused_for_a_peer_of_another_state(node, poc):
    peer = add_registry("UG", "UG", Ed25519PrivateKey.generate())
    with pytest.raises(Exception, match="not an active registry of this state"):
        consistency.run_check(actor=poc, peer=peer)
    assert not ConsistencyRun.objects.exists()


def test_the_consistency_page_runs_a_check_and_lists_its_findings(
    army_registry, army_peer, poc, weapon_factory
):
    weapon = weapon_factory(serial="M70-000201")
    army_registry.append(identity_row(weapon, status="stolen"))
    client = Client()
    client.force_login(poc)
    response = client.post("/federation/consistency/run/", {"peer": army_peer.pk})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "M70-000201" in page and "eb-M70-000201" in page


def test_the_consistency_command_prints_the_findings(army_registry, army_peer, poc, weapon_factory):
    weapon = weapon_factory(serial="M70-000301")
    army_registry.append(identity_row(weapon, weapon_type="pistol"))
    out = io.StringIO()
    call_command("federation", "consistency", "--peer", "KE-EB", "--user", "poc", stdout=out)
    assert "1 identity conflicts" in out.getvalue() and "weapon_type" in out.getvalue()


# --- who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["outsider"])
def test_a_user_without_the_permission_is_refused_every_page(persona, request, army_peer):
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/federation/national-search/").status_code == 403
    assert client.get("/federation/consistency/").status_code == 403
    assert client.post("/federation/consistency/run/", {"peer": army_peer.pk}).status_code == 403


def test_an_investigator_searches_nationally_but_runs_no_check(investigator_a, army_peer):
    client = Client()
    client.force_login(investigator_a)
    assert client.get("/federation/national-search/").status_code == 200
    assert client.get("/federation/consistency/").status_code == 403
    assert client.post("/federation/consistency/run/", {"peer": army_peer.pk}).status_code == 403
    assert not ConsistencyRun.objects.exists()


def test_the_commands_refuse_a_user_without_the_permission(army_peer, outsider, investigator_a):
    with pytest.raises(CommandError, match="--user"):
        call_command("federation", "national-search", "--serial", "M70-1", "--purpose", "C",
                     "--user", "outsider", stdout=io.StringIO())  # fmt: skip
    with pytest.raises(CommandError, match="--user"):
        call_command("federation", "consistency", "--peer", "KE-EB", "--user", "investigator_a",
                     stdout=io.StringIO())  # fmt: skip
    assert not SearchLog.objects.exists() and not ConsistencyRun.objects.exists()
