"""Three national nodes, three processes, three databases: Kenya (A) traces a rifle to
Uganda (B), whose answer shows its export to Rwanda (C); Kenya follows up to Rwanda, and
sees the whole chain. Meanwhile Uganda is killed mid-stream and restarted, Rwanda is down
for a while, saved envelopes are posted again (duplicated, in another order, replayed
later), and one is tampered with. At the end every message was delivered exactly once in
effect, and nothing was accepted that should not have been.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.scenarios.nodes import Node, federate, wait_for

SERIAL = "M70-555001"
REQUEST = {
    "direction": "outgoing",
    "channel": "bilateral_npc",
    "requested_state": "UG",
    "routing_reason": "last_import",
    "case_ref": "KE/DCI/2026/31",
    "officer_name": "Insp. Wanjiru",
    "officer_email": "wanjiru@dci.example",
    "priority": "routine",
    "serial_as_read": SERIAL,
    "markings": f"ZASTAVA KRAGUJEVAC M70 7.62 {SERIAL}",
    "weapon_type": "assault-rifle",
    "calibre": "7.62x39",
    "manufacturer": "Zastava Arms",
    "model": "M70",
    "country_of_manufacture": "RS",
    "illicit_grounds": ["a"],
    "legal_justification": "Firearms Act s. 4: possession without a certificate",
    "found_on": "2026-01-10",
    "found_place": "Eastleigh, Nairobi",
    "found_context": "seized",
    "intended_use": "Evidence in criminal proceedings",
    "confidentiality": "restricted",
    "use_restrictions": "Law enforcement use only",
}


def weapon(first: dict[str, Any]) -> dict[str, Any]:
    return {
        "serial_number": SERIAL,
        "manufacturer_name": "Zastava Arms",
        "weapon_type": "assault-rifle",
        "country_of_manufacture": "RS",
        "model": "M70",
        "calibre": "7.62x39",
        "year_of_manufacture": 1990,
        "first_event": first,
    }


def imported(node: Node, origin: str, on: str) -> dict[str, Any]:
    """The import event, to the node's state armoury (a party created through the API)."""
    party = {"kind": "state_unit", "name": f"{node.node_id} police armoury"}
    unit = ok(node.api("POST", "/parties", party), 201)
    return {"kind": "imported", "occurred_on": on, "counterpart_country": origin,
            "to_party_id": unit["id"]}  # fmt: skip


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[dict[str, Node]]:
    prefix = f"scn_{uuid.uuid4().hex[:8]}"
    cast = {
        "A": Node("KE", tmp_path / "ke"),
        "B": Node("UG", tmp_path / "ug"),
        "C": Node("RW", tmp_path / "rw", {"ARMSTRACE_FEDERATION_AUTO_ACKNOWLEDGE": "true"}),
    }
    try:
        federate(list(cast.values()), prefix)
        yield cast
    finally:
        for node in cast.values():
            node.drop()


def ok(reply: Any, status: int = 200) -> Any:
    assert reply.status == status, reply.data
    return reply.data


def status_of(node: Node, request_id: str) -> str:
    reply = node.api("GET", f"/traces/{request_id}")
    return str(reply.data["status"]) if reply.status == 200 else ""


def wait_status(node: Node, request_id: str, status: str, seconds: float = 30) -> None:
    wait_for(lambda: status_of(node, request_id) == status, seconds, f"{request_id} {status}")


def outbox(node: Node) -> list[tuple[Any, ...]]:
    return node.sql(
        "SELECT o.kind, o.status, o.attempts, o.last_error, p.node_id, o.body, o.signature "
        "FROM federation_outboxmessage o JOIN federation_peer p ON p.id = o.peer_id ORDER BY o.id"
    )


def inbox(node: Node) -> list[tuple[Any, ...]]:
    return node.sql("SELECT kind, status, error, sender FROM federation_inboxmessage ORDER BY id")


def all_delivered(node: Node) -> bool:
    return all(row[1] == "delivered" for row in outbox(node))


def test_a_trace_crosses_three_nodes_through_crashes_duplicates_and_forgeries(nodes):
    a, b, c = nodes["A"], nodes["B"], nodes["C"]
    # Uganda's registry: imported from Serbia in 1995, exported to Rwanda in 2001.
    rifle = ok(b.api("POST", "/weapons", weapon(imported(b, "RS", "1995-03-01"))), 201)
    export = {"kind": "exported", "occurred_on": "2001-05-01", "counterpart_country": "RW"}
    ok(b.api("POST", f"/weapons/{rifle['id']}/events", export), 201)
    ok(c.api("POST", "/weapons", weapon(imported(c, "UG", "2001-05-20"))), 201)

    # Uganda crashes; Kenya sends anyway: the worker keeps retrying until it is back.
    b.kill()
    trace = ok(a.api("POST", "/traces", REQUEST), 201)
    rid = trace["request_id"]
    ok(a.api("POST", f"/traces/{rid}/transitions", {"to": "sent"}))
    wait_for(lambda: any(r[2] >= 2 for r in outbox(a)), 30, "Kenya's retries")
    assert outbox(a)[0][1] == "queued" and outbox(a)[0][3]  # the connection error, kept
    b.start()
    wait_for(lambda: status_of(b, rid) == "received", 30, "the request at Uganda")

    # Kenya crashes while Uganda acknowledges, drafts from its registry and releases the
    # answer: both messages wait in Uganda's outbox, retried.
    a.kill()
    ok(b.api("POST", f"/traces/{rid}/transitions", {"to": "acknowledged"}))
    draft = ok(b.api("POST", f"/traces/{rid}/answers", {}), 201)
    ok(b.api("POST", f"/traces/{rid}/answers/{draft['id']}/release", {"completeness": "complete"}))
    wait_for(lambda: all(r[2] >= 1 for r in outbox(b)[-2:]), 60, "Uganda's retries")
    # Uganda goes down in turn; Kenya comes back and gets the answer before the
    # acknowledgement (out of order): the answer implies the acknowledgement.
    b.kill()
    a.start()
    acknowledgement, answer = outbox(b)
    assert (acknowledgement[0], answer[0]) == ("trace.acknowledgement", "trace.answer")
    assert ok(a.post_inbox(bytes(answer[5]), answer[6])) == {"status": "accepted"}
    wait_status(a, rid, "answered_complete")
    # Uganda restarts; its worker delivers the late acknowledgement (stale: it changes
    # nothing) and the answer again (a duplicate).
    b.start()
    wait_for(lambda: all_delivered(b), 60, "Uganda's outbox")
    assert status_of(a, rid) == "answered_complete"

    # The answer leads to Rwanda: Kenya files the follow-up while Rwanda is down.
    detail = ok(a.api("GET", f"/traces/{rid}"))
    answer_id = detail["answers"][0]["id"]
    prefill = ok(a.api("GET", f"/traces/{rid}/answers/{answer_id}/follow-up"))
    assert prefill["requested_state"] == "RW" and prefill["parent_id"] == rid
    c.kill()
    follow = ok(a.api("POST", "/traces", prefill), 201)
    fid = follow["request_id"]
    ok(a.api("POST", f"/traces/{fid}/transitions", {"to": "sent"}))
    wait_for(lambda: any(r[0] == "trace.follow_up" and r[2] >= 1 for r in outbox(a)), 30, "retry")
    c.start()
    wait_status(a, fid, "acknowledged")  # Rwanda acknowledges on receipt (auto)
    draft = ok(c.api("POST", f"/traces/{fid}/answers", {}), 201)
    ok(c.api("POST", f"/traces/{fid}/answers/{draft['id']}/release", {"completeness": "complete"}))
    wait_status(a, fid, "answered_complete")

    # Kenya sees the whole chain: the first answer leads to Rwanda, the follow-up answers.
    case = ok(a.api("GET", f"/traces/{fid}"))
    assert case["parent_id"] == rid
    assert "UG" in case["chain_so_far"] or rid in case["chain_so_far"]
    assert case["answers"][0]["source"] == "received"
    for node in (a, b, c):
        wait_for(lambda node=node: all_delivered(node), 30, f"{node.node_id}'s outbox")

    # Saved envelopes again: duplicated, in reverse order, and long after (a replay).
    to_b = [row for row in outbox(a) if row[4] == "UG"]
    to_a = [row for row in outbox(b) if row[4] == "KE"]
    for row in reversed(to_a):
        assert ok(a.post_inbox(bytes(row[5]), row[6])) == {"status": "duplicate"}
    for row in to_b:
        assert ok(b.post_inbox(bytes(row[5]), row[6])) == {"status": "duplicate"}
    # One tampered: the same signature over different bytes.
    tampered = bytes(to_b[0][5]).replace(b"Eastleigh", b"Westlands")
    rejected = b.post_inbox(tampered, to_b[0][6])
    assert rejected.status == 403 and rejected.data["error"] == "bad_signature"

    # Every message delivered exactly once in effect; nothing wrong accepted.
    assert [r[:2] for r in outbox(a)] == [
        ("trace.request", "delivered"),
        ("trace.follow_up", "delivered"),
    ]
    assert [r[0] for r in outbox(b)] == ["trace.acknowledgement", "trace.answer"]
    assert [r[0] for r in outbox(c)] == ["trace.acknowledgement", "trace.answer"]
    assert [row[:2] + row[3:] for row in inbox(a)[:2]] == [
        ("trace.answer", "accepted", "UG"),
        ("trace.acknowledgement", "stale", "UG"),
    ]
    assert inbox(a)[2:] == [
        ("trace.acknowledgement", "accepted", "", "RW"),
        ("trace.answer", "accepted", "", "RW"),
    ]
    assert inbox(b) == [
        ("trace.request", "accepted", "", "KE"),
        ("trace.request", "rejected", "bad_signature", "KE"),
    ]
    assert inbox(c) == [("trace.follow_up", "accepted", "", "KE")]
    assert a.sql("SELECT count(*) FROM tracing_tracerequest") == [(2,)]
    assert b.sql("SELECT count(*) FROM tracing_tracerequest") == [(1,)]
    assert c.sql("SELECT count(*) FROM tracing_tracerequest") == [(1,)]
    assert "bad_signature" in b.cli("federation", "inbox", "--status", "rejected")
