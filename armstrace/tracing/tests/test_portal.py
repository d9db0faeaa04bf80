"""The manufacturers' and dealers' portal (T11): one question, one weapon, one answer,
through a one-time signed link; nothing else of the registry is shown."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from armstrace.accounts.decorators import PERMISSION_ATTR
from armstrace.audit.models import AuditEntry
from armstrace.core.exceptions import DomainValidationError, PermissionDenied
from armstrace.registry.services import create_party
from armstrace.tracing import portal, services, views
from armstrace.tracing.tests.helpers import make

pytestmark = pytest.mark.django_db


@pytest.fixture
def dealer(db: Any) -> Any:
    return create_party(kind="dealer", name="Nairobi Arms Ltd", licence_number="D-17")


@pytest.fixture
def asked(poc: Any, dealer: Any, weapon_factory: Any) -> tuple[Any, str]:
    weapon_factory(serial="M70-000001")
    weapon_factory(serial="M70-999999")  # another weapon the dealer must never see
    trace = make(poc, "incoming")
    services.transition(request=trace, to="acknowledged", actor=poc)
    return portal.ask_party(request=trace, actor=poc, party=dealer)


def link(token: str) -> str:
    return reverse("tracing:portal", args=[token])


SOLD = {
    "found": "sold",
    "sold_to": "Kamau Security Ltd",
    "sold_on": "2003-04-05",
    "document_ref": "INV-2003-88",
    "answered_by": "J. Mwangi, manager",
}


def test_the_portal_page_shows_only_the_question(client, asked):
    question, token = asked
    page = client.get(link(token))
    text = page.content.decode()
    assert page.status_code == 200
    assert "M70-000001" in text and "Nairobi Arms Ltd" in text
    assert "Law enforcement use only" in text  # the use restrictions travel with it
    assert "M70-999999" not in text
    assert "site-nav" not in text and reverse("tracing:trace-list") not in text
    assert question.request.request_id not in text
    assert page["Referrer-Policy"] == "no-referrer" and page["Cache-Control"] == "no-store"


def test_the_answer_lands_on_the_request_as_an_audited_contribution(client, asked, poc):
    question, token = asked
    done = client.post(link(token), SOLD)
    assert done.status_code == 200 and "Thank you" in done.content.decode()
    question.refresh_from_db()
    assert question.sold_to == "Kamau Security Ltd" and question.sold_on == dt.date(2003, 4, 5)
    assert question.request.events.filter(kind="contribution").exists()
    entry = AuditEntry.objects.get(tag="tracing:question:answered")
    assert entry.actor_name == "portal:Nairobi Arms Ltd"
    client.force_login(poc)
    detail = client.get(reverse("tracing:trace-detail", args=[question.request.request_id]))
    assert "Kamau Security Ltd" in detail.content.decode()


def test_the_link_works_once(client, asked):
    _question, token = asked
    assert client.post(link(token), SOLD).status_code == 200
    assert client.get(link(token)).status_code == 404
    assert client.post(link(token), SOLD).status_code == 404


def test_a_tampered_expired_or_revoked_link_does_not_work(client, asked, poc, monkeypatch):
    question, token = asked
    assert client.get(link(token[:-2] + "xx")).status_code == 404
    later = question.expires_at + dt.timedelta(seconds=1)
    monkeypatch.setattr("armstrace.core.clock.now", lambda: later)
    assert client.get(link(token)).status_code == 404
    monkeypatch.undo()
    portal.revoke_question(question=question, actor=poc)
    assert client.get(link(token)).status_code == 404
    assert AuditEntry.objects.filter(tag="tracing:question:revoked").exists()


def test_the_answer_is_checked_field_by_field(client, asked):
    _question, token = asked
    refused = client.post(link(token), {"found": "sold", "sold_on": "2999-01-01"})
    assert refused.status_code == 422
    assert set(refused.context["form"].errors) == {"sold_to", "sold_on", "answered_by"}
    assert client.get(link(token)).status_code == 200  # still open


def test_asking_is_an_audited_disclosure_by_the_point_of_contact_only(
    poc, national_registrar, dealer
):
    trace = make(poc, "incoming")
    with pytest.raises(PermissionDenied):
        portal.ask_party(request=trace, actor=national_registrar, party=dealer)
    question, _token = portal.ask_party(request=trace, actor=poc, party=dealer)
    disclosed = AuditEntry.objects.get(tag="tracing:question:disclosed")
    assert disclosed.data["to"] == "Nairobi Arms Ltd"
    assert disclosed.data["confidentiality"] == "restricted"
    assert question.use_restrictions == trace.use_restrictions


def test_only_book_keepers_are_asked_about_requests_we_answer(poc):
    person = create_party(kind="individual", name="John Kamau")
    trace = make(poc, "incoming")
    with pytest.raises(DomainValidationError) as refused:
        portal.ask_party(request=trace, actor=poc, party=person)
    assert refused.value.field == "party"
    dealer = create_party(kind="dealer", name="Some Dealer")
    with pytest.raises(DomainValidationError) as theirs:
        portal.ask_party(request=make(poc, "outgoing"), actor=poc, party=dealer)
    assert theirs.value.code == "not_ours"


def test_the_point_of_contact_gets_the_link_once_from_the_page(client, poc, dealer):
    trace = make(poc, "incoming")
    client.force_login(poc)
    sent = client.post(
        reverse("tracing:question-send", args=[trace.request_id]), {"party": dealer.pk}
    )
    assert sent.status_code == 201
    assert "/tracing/portal/" in sent.content.decode()
    question = trace.questions.get()
    assert question.nonce not in sent.content.decode()


def test_the_portal_view_is_public_and_the_others_declare_permissions():
    assert getattr(views.portal_answer, PERMISSION_ATTR) == "public"
    assert getattr(views.question_send, PERMISSION_ATTR) == "tracing:question:send"
