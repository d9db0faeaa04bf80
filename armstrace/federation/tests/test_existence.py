"""The privacy-preserving existence check, both ways: KE holds records and UG (played by
the tests, with its own scalar) asks; KE asks and UG holds. What the holder receives
tells it nothing it could test an absent serial against."""

from __future__ import annotations

import base64
import html
import json
import re
import uuid
from typing import Any

import pytest

from armstrace.audit.models import AuditEntry
from armstrace.federation import existence
from armstrace.federation.models import ExistenceQuestion, InboxMessage, OutboxMessage

pytestmark = pytest.mark.django_db
MAKER = "Zastava Arms"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


def last_body(kind: str) -> dict[str, Any]:
    row = OutboxMessage.objects.filter(kind=kind).order_by("-id").first()
    assert row is not None, kind
    body: dict[str, Any] = json.loads(bytes(row.body))["body"]
    return body


class Asker:
    """UG asking KE, step by step, through KE's inbox."""

    def __init__(self, ug: Any, serial: str, manufacturer: str = MAKER) -> None:
        self.ug, self.query_id = ug, str(uuid.uuid4())
        self.forms = existence.identifiers(manufacturer, serial)
        self.blinded = [existence.blind(y) for y in self.forms]

    def ask(self) -> Any:
        body = {"query_id": self.query_id, "points": [b64(p) for _r, p in self.blinded]}
        return self.ug.post(self.ug.envelope("existence.query", body))

    def conclude(self) -> bool:
        """Unblind KE's answer, ask for the buckets, and compare locally."""
        answer = last_body("existence.answer")
        points = [base64.urlsafe_b64decode(p) for p in answer["points"]]
        tokens = [
            existence.finalize(y, r, z)
            for y, (r, _p), z in zip(self.forms, self.blinded, points, strict=False)
        ]
        prefixes = sorted({t[:4] for t in tokens})
        body = {"query_id": self.query_id, "prefixes": prefixes}
        assert self.ug.post(self.ug.envelope("existence.bucket_request", body)).json() == {
            "status": "accepted"
        }
        entries = {e["tag"]: e["ref"] for e in last_body("existence.buckets")["entries"]}
        return any(existence.tag(t) in entries for t in tokens)


@pytest.fixture
def held(node: Any, weapon_factory: Any) -> Any:
    weapon = weapon_factory(serial="AB-1O23")  # a letter O, as marked
    weapon_factory(serial="M70-000777")
    existence.build_index()
    return weapon


def test_a_held_serial_is_found(ug, held):
    asker = Asker(ug, "AB-1O23")
    assert asker.ask().json() == {"status": "accepted"}
    assert asker.conclude()


def test_a_confusable_misreading_is_found_through_the_canonical_form(ug, held):
    asker = Asker(ug, "ab 1023")  # a zero read for the O
    asker.ask()
    assert asker.conclude()


def test_an_absent_serial_is_not_found(ug, held):
    asker = Asker(ug, "ZX-998877")
    asker.ask()
    assert not asker.conclude()


def test_what_the_holder_received_lets_it_test_nothing_about_an_absent_serial(ug, held):
    serial = "ZX-998877"
    asker = Asker(ug, serial)
    asker.ask()
    asker.conclude()
    k = existence.secret()
    stored = json.dumps(
        [
            list(InboxMessage.objects.values_list("head", flat=True)),
            list(ExistenceQuestion.objects.values()),
            list(AuditEntry.objects.values_list("data", flat=True)),
        ],
        default=str,
    )
    for y in asker.forms:
        h1 = existence._h1(y)
        for secret in (y, existence.token(k, y), b64(existence._mul(k, h1)), b64(h1)):
            assert secret not in stored
    assert serial not in stored and "ZX998877" not in stored
    sent = [p for _r, p in asker.blinded]  # blinded: not H1(y), which B could recompute
    assert all(p != existence._h1(y) for p, y in zip(sent, asker.forms, strict=True))


def test_buckets_are_sent_once_per_question_and_only_after_it(ug, held):
    stray = {"query_id": str(uuid.uuid4()), "prefixes": ["0000"]}
    assert ug.post(ug.envelope("existence.bucket_request", stray)).json() == {"status": "stale"}
    asker = Asker(ug, "AB-1O23")
    asker.ask()
    assert asker.conclude()
    again = {"query_id": asker.query_id, "prefixes": ["0000"]}
    assert ug.post(ug.envelope("existence.bucket_request", again)).json() == {"status": "stale"}
    too_many = {"query_id": asker.query_id, "prefixes": ["0000", "0001", "0002", "0003", "0004"]}
    assert ug.post(ug.envelope("existence.bucket_request", too_many)).status_code == 422


def test_questions_are_rate_limited_per_peer(ug, held, settings):
    settings.FEDERATION_EXISTENCE_PER_HOUR = 1
    assert Asker(ug, "AB-1O23").ask().status_code == 200
    response = Asker(ug, "AB-1O24").ask()
    assert response.status_code == 429 and response.json()["error"] == "rate_limited"


def test_each_question_and_answer_is_audited_on_the_holders_side(ug, held):
    asker = Asker(ug, "AB-1O23")
    asker.ask()
    asker.conclude()
    tags = set(AuditEntry.objects.values_list("tag", flat=True))
    assert {"federation:existence:answered", "federation:existence:buckets_sent"} <= tags


def test_a_weapon_registered_later_enters_the_index_on_the_next_run(ug, held, weapon_factory):
    weapon_factory(serial="NEW-4242")
    run = existence.build_index()
    assert (run.weapons, run.tokens) == (1, 1)
    asker = Asker(ug, "NEW-4242")
    asker.ask()
    assert asker.conclude()


# --- we ask ----------------------------------------------------------------------------------


class Holder:
    """UG holding records, answering KE's question through KE's inbox."""

    def __init__(self, ug: Any, held: dict[str, str]) -> None:
        self.ug, self.k = ug, existence._scalar()
        self.index: dict[str, str] = {}  # token -> weapon ref
        for serial, ref in held.items():
            for y in existence.identifiers(MAKER, serial):
                self.index[existence._h2(y, existence._mul(self.k, existence._h1(y)))] = ref

    def answer(self) -> None:
        query = last_body("existence.query")
        points = [existence._mul(self.k, base64.urlsafe_b64decode(p)) for p in query["points"]]
        body = {"query_id": query["query_id"], "points": [b64(p) for p in points]}
        assert self.ug.post(self.ug.envelope("existence.answer", body)).json() == {
            "status": "accepted"
        }
        request = last_body("existence.bucket_request")
        assert len(request["prefixes"]) == existence.BUCKETS
        entries = [
            {"tag": existence.tag(t), "ref": existence.seal(t, ref)}
            for t, ref in self.index.items()
            if t[:4] in request["prefixes"]
        ]
        body = {"query_id": query["query_id"], "entries": entries}
        assert self.ug.post(self.ug.envelope("existence.buckets", body)).json() == {
            "status": "accepted"
        }


def test_our_question_finds_a_serial_the_peer_holds_and_its_reference(ug, uganda, poc):
    question = existence.ask(actor=poc, peer=uganda, manufacturer=MAKER, serial="AB-1023")
    Holder(ug, {"AB-1O23": "ug-weapon-1", "M70-5": "ug-weapon-2"}).answer()
    question.refresh_from_db()
    assert (question.status, question.held, question.weapon_ref) == ("done", True, "ug-weapon-1")
    assert question.matched_form == "canonical"
    assert AuditEntry.objects.filter(tag="federation:existence:concluded").exists()


def test_our_question_about_a_serial_the_peer_does_not_hold_finds_nothing(ug, uganda, poc):
    question = existence.ask(actor=poc, peer=uganda, manufacturer=MAKER, serial="QQ-1")
    Holder(ug, {"AB-1O23": "ug-weapon-1"}).answer()
    question.refresh_from_db()
    assert (question.status, question.held, question.weapon_ref) == ("done", False, "")


def test_our_query_carries_blinded_points_only(ug, uganda, poc):
    existence.ask(actor=poc, peer=uganda, manufacturer=MAKER, serial="AB-1O23")
    query = last_body("existence.query")
    forms = existence.identifiers(MAKER, "AB-1O23")
    assert len(query["points"]) == existence.FORMS
    assert all(b64(existence._h1(y)) not in query["points"] for y in forms)
    assert "1O23" not in json.dumps(query)


# --- pages and commands ----------------------------------------------------------------------


def client_for(user: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_a_hit_is_shown_with_its_identifiers_and_a_trace_request_to_file(ug, uganda, poc):
    existence.ask(actor=poc, peer=uganda, manufacturer=MAKER, serial="AB-1O23")
    Holder(ug, {"AB-1O23": "ug-weapon-1"}).answer()
    client = client_for(poc)
    page = client.get("/federation/existence/").content.decode()
    assert "ug-weapon-1" in page and "AB-1O23" in page
    # The hit starts a normal trace request: the form comes pre-filled for that state.
    link = re.search(r'href="(/tracing/new/\?[^"]+)"', page)
    assert link is not None
    form = client.get(html.unescape(link.group(1))).context["form"]
    assert form.initial["direction"] == "outgoing"
    assert form.initial["requested_state"] == uganda.state_id
    assert form.initial["serial_as_read"] == "AB-1O23"
    assert form.initial["manufacturer"] == MAKER
    assert "ug-weapon-1" in form.initial["other_identifiers"]


def test_a_point_of_contact_asks_from_the_page(uganda, poc):
    form = {"peer": uganda.pk, "manufacturer": MAKER, "serial": "AB-1O23"}
    assert client_for(poc).post("/federation/existence/", form).status_code == 302
    assert ExistenceQuestion.objects.get().serial == "AB-1O23"
    assert OutboxMessage.objects.get().kind == "existence.query"


@pytest.mark.parametrize("persona", ["investigator_a", "registrar", "auditor", "outsider"])
def test_other_roles_may_not_ask(persona, request, uganda):
    client = client_for(request.getfixturevalue(persona))
    assert client.get("/federation/existence/").status_code == 403
    form = {"peer": uganda.pk, "serial": "AB-1O23"}
    assert client.post("/federation/existence/", form).status_code == 403
    assert not ExistenceQuestion.objects.exists()


def test_the_index_command_reports_counts_and_time(held, capsys):
    from django.core.management import call_command

    call_command("federation", "existence-index")
    assert "0 weapons indexed" in capsys.readouterr().out  # all were indexed by `held`


def test_the_ask_command_queues_a_question(uganda, poc, capsys):
    from django.core.management import call_command

    call_command("federation", "existence", "ask", "--to", "UG", "--manufacturer", MAKER,
                 "--serial", "AB-1O23", "--user", poc.username)  # fmt: skip
    assert "queued for UG" in capsys.readouterr().out
    assert OutboxMessage.objects.get().kind == "existence.query"
