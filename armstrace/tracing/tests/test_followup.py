"""Multi-border traces (T12): an answer whose chain ends in an export pre-fills a follow-up
request to the importing state, in the same case; the case page shows the whole chain."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from armstrace.accounts.services import issue_token
from armstrace.core.exceptions import DomainValidationError
from armstrace.registry.services import EventInput, record_life_event
from armstrace.tracing import exchange, followup, services
from armstrace.tracing.exceptions import InvalidFields
from armstrace.tracing.models import TraceRequest
from armstrace.tracing.tests.helpers import make

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(weapon_factory: Any) -> Any:
    """Made in Serbia, registered here, exported to Uganda in 1995."""
    weapon = weapon_factory(serial="M70-777001")
    record_life_event(
        weapon=weapon,
        data=EventInput(kind="exported", occurred_on=dt.date(1995, 1, 1), counterpart_country="UG"),
    )
    return weapon


def answered_domestic(investigator: Any, poc: Any) -> tuple[Any, Any]:
    """A domestic request whose released answer leads to Uganda."""
    trace = make(investigator, serial_as_read="M70-777001")
    services.transition(request=trace, to="sent", actor=investigator)
    services.transition(request=trace, to="acknowledged", actor=poc)
    answer = services.draft_answer(request=trace, actor=poc)
    services.release_answer(answer=answer, actor=poc, completeness="complete")
    answer.refresh_from_db()
    return trace, answer


def test_a_follow_up_is_prefilled_from_the_answer_and_the_original_request(
    investigator_a, poc, exported
):
    trace, answer = answered_domestic(investigator_a, poc)
    data = followup.follow_up_input(request=trace, answer=answer, home="KE")
    assert data.direction == "outgoing"
    assert data.requested_state == "UG"
    assert data.routing_reason == "last_import"
    assert data.serial_as_read == "M70-777001"
    assert data.markings == trace.markings
    assert data.manufacturer == "Zastava Arms" and data.calibre == "7.62x39"
    assert data.illicit_grounds == ["a"] and data.found_on == trace.found_on
    assert data.use_restrictions == trace.use_restrictions
    assert data.case_ref == trace.case_ref and data.parent == trace
    assert "exported" in data.chain_so_far and "UG" in data.chain_so_far


def test_the_filed_follow_up_joins_the_case_and_the_parent_records_it(
    investigator_a, poc, exported
):
    trace, answer = answered_domestic(investigator_a, poc)
    data = followup.follow_up_input(request=trace, answer=answer, home="KE")
    child = services.create_request(actor=poc, data=data)
    assert child.parent == trace
    assert child.case_ref == trace.case_ref
    assert child.requested_state_id == "UG"
    assert child.chain_so_far == data.chain_so_far
    note = trace.events.get(kind="follow_up").note
    assert child.request_id in note


def test_a_follow_up_cannot_leave_its_case(investigator_a, poc, exported):
    trace, answer = answered_domestic(investigator_a, poc)
    data = followup.follow_up_input(request=trace, answer=answer, home="KE")
    data.case_ref = "ANOTHER/CASE"
    with pytest.raises(InvalidFields) as refused:
        services.create_request(actor=poc, data=data)
    assert [e.code for e in refused.value.errors] == ["follow_up_case"]


def test_an_answer_that_ends_at_home_has_no_follow_up(investigator_a, poc, weapon_factory):
    weapon_factory(serial="M70-777001")  # never exported
    trace, answer = answered_domestic(investigator_a, poc)
    with pytest.raises(DomainValidationError) as refused:
        followup.follow_up_input(request=trace, answer=answer, home="KE")
    assert refused.value.code == "no_follow_up"


def test_the_requesting_state_files_its_own_follow_ups(poc, exported):
    trace = make(poc, "incoming", serial_as_read="M70-777001")
    services.transition(request=trace, to="acknowledged", actor=poc)
    answer = services.draft_answer(request=trace, actor=poc)
    services.release_answer(answer=answer, actor=poc, completeness="complete")
    answer.refresh_from_db()
    assert followup.leads_to(answer) == "UG"
    with pytest.raises(DomainValidationError) as refused:
        followup.follow_up_input(request=trace, answer=answer, home="KE")
    assert refused.value.code == "follow_up_by_requester"


def test_a_received_answer_leading_on_gives_a_follow_up_to_a_third_state(poc):
    asked = make(poc, "outgoing")  # to Serbia, the country of manufacture
    services.transition(request=asked, to="sent", actor=poc)
    received = exchange.ReceivedAnswer(
        completeness="complete",
        summary="Exported 1995 to Uganda, licence EX-95-1",
        weapon={"serial_number": "M70-000001", "manufacturer": "Zastava Arms"},
        leads_to_state="UG",
        confidentiality="restricted",
        use_restrictions="Law enforcement only",
    )
    answer = exchange.record_received_answer(request=asked, actor=poc, data=received)
    data = followup.follow_up_input(request=asked, answer=answer, home="KE")
    assert data.requested_state == "UG" and data.channel == "bilateral_npc"
    assert "Exported 1995" not in data.chain_so_far  # the chain lists links, not prose
    assert asked.request_id in data.chain_so_far


def test_the_follow_up_page_is_prefilled_and_files_into_the_case(
    client, investigator_a, poc, exported
):
    trace, answer = answered_domestic(investigator_a, poc)
    client.force_login(poc)
    detail = client.get(reverse("tracing:trace-detail", args=[trace.request_id]))
    page = reverse("tracing:trace-follow-up", args=[trace.request_id, answer.pk])
    assert page in detail.content.decode()
    form = client.get(page)
    assert form.status_code == 200
    initial = form.context["form"].initial
    assert initial["requested_state"] == "UG" and initial["parent"] == trace.request_id
    posted = {k: v for k, v in initial.items() if v not in (None, False)}
    posted["found_on"] = trace.found_on.isoformat()
    created = client.post(reverse("tracing:trace-create"), posted)
    assert created.status_code == 302, created.context["form"].errors
    child = TraceRequest.objects.get(parent=trace)
    case = client.get(reverse("tracing:case"), {"ref": trace.case_ref})
    text = case.content.decode()
    assert trace.request_id in text and child.request_id in text
    main = text[text.index("case-chain") :]
    assert main.index(trace.request_id) < main.index(child.request_id), main
    assert "leads to UG" in text


def test_the_investigator_sees_only_the_case_requests_of_their_agency(
    client, investigator_a, investigator_b, poc, exported
):
    trace, answer = answered_domestic(investigator_a, poc)
    services.create_request(
        actor=poc, data=followup.follow_up_input(request=trace, answer=answer, home="KE")
    )
    client.force_login(investigator_b)
    case = client.get(reverse("tracing:case"), {"ref": trace.case_ref})
    assert trace.request_id not in case.content.decode()


def test_the_api_gives_the_prefilled_follow_up_to_post_back(investigator_a, poc, exported):
    trace, answer = answered_domestic(investigator_a, poc)
    _, secret = issue_token(user=poc, name="t")
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    base = f"/api/v1/traces/{trace.request_id}"
    body = api.get(f"{base}/answers/{answer.pk}/follow-up").json()
    assert body["requested_state"] == "UG" and body["parent_id"] == trace.request_id
    created = api.post("/api/v1/traces", json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.json()
    assert created.json()["parent_id"] == trace.request_id
    assert created.json()["case_ref"] == trace.case_ref
