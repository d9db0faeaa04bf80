"""ITI para 17: a request that lacks what it demands is refused, every field named."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from armstrace.audit.models import AuditEntry
from armstrace.tracing.exceptions import InvalidFields
from armstrace.tracing.models import TraceRequest
from armstrace.tracing.tests.helpers import make

pytestmark = pytest.mark.django_db

PARA_17 = [
    "markings",
    "serial_as_read",
    "weapon_type",
    "calibre",
    "illicit_grounds",
    "legal_justification",
    "found_on",
    "found_place",
    "found_context",
    "intended_use",
    "confidentiality",
    "use_restrictions",
]


@pytest.mark.parametrize("field", PARA_17)
def test_a_request_without_a_para_17_field_is_refused_naming_it(investigator_a, field):
    blank: Any = [] if field == "illicit_grounds" else None if field == "found_on" else ""
    with pytest.raises(InvalidFields) as refused:
        make(investigator_a, **{field: blank})
    assert [e.field for e in refused.value.errors] == [field]
    assert not TraceRequest.objects.exists()


def test_every_missing_field_is_reported_at_once(investigator_a):
    with pytest.raises(InvalidFields) as refused:
        make(investigator_a, markings="", calibre="", intended_use="", illicit_grounds=[])
    fields = {e.field for e in refused.value.errors}
    assert fields == {"markings", "calibre", "intended_use", "illicit_grounds"}
    assert all(e.code == "required" for e in refused.value.errors)


def test_an_obliterated_serial_needs_no_serial_but_still_the_markings(investigator_a):
    trace = make(investigator_a, serial_as_read="", serial_obliterated=True)
    assert trace.serial_obliterated
    with pytest.raises(InvalidFields) as refused:
        make(investigator_a, serial_as_read="", serial_obliterated=True, markings="")
    assert [e.field for e in refused.value.errors] == ["markings"]


def test_unknown_characters_are_kept_as_read(investigator_a):
    trace = make(investigator_a, serial_as_read="M70-00??01")
    assert trace.serial_as_read == "M70-00??01"


def test_a_wrong_illicit_ground_or_context_is_refused(investigator_a):
    with pytest.raises(InvalidFields) as refused:
        make(investigator_a, illicit_grounds=["a", "f"], found_context="bought")
    assert {e.field: e.code for e in refused.value.errors} == {
        "illicit_grounds": "unknown_choice",
        "found_context": "unknown_choice",
    }


def test_an_urgent_request_must_say_why(investigator_a):
    with pytest.raises(InvalidFields) as refused:
        make(investigator_a, priority="urgent")
    assert [e.field for e in refused.value.errors] == ["priority_justification"]


def test_the_officer_must_be_reachable(investigator_a):
    with pytest.raises(InvalidFields) as refused:
        make(investigator_a, officer_email="", officer_phone="")
    assert [e.field for e in refused.value.errors] == ["officer_email"]


def test_a_date_found_in_the_future_is_refused(investigator_a):
    with pytest.raises(InvalidFields) as refused:
        make(investigator_a, found_on=dt.date.today() + dt.timedelta(days=2))
    assert [e.code for e in refused.value.errors] == ["future_date"]


def test_a_domestic_request_uses_the_domestic_channel(investigator_a):
    with pytest.raises(InvalidFields) as refused:
        make(investigator_a, channel="interpol")
    assert [e.field for e in refused.value.errors] == ["channel"]


def test_an_outgoing_request_names_another_state_and_why(poc):
    with pytest.raises(InvalidFields) as refused:
        make(poc, "outgoing", requested_state="KE", routing_reason="")
    assert {e.field for e in refused.value.errors} == {"requested_state", "routing_reason"}


def test_an_incoming_request_names_the_asking_state_and_agency(poc):
    with pytest.raises(InvalidFields) as refused:
        make(poc, "incoming", requesting_state="XX", requesting_agency_name="")
    assert {e.field for e in refused.value.errors} == {"requesting_state", "requesting_agency_name"}


def test_control_characters_are_refused(investigator_a):
    with pytest.raises(InvalidFields) as refused:
        make(investigator_a, found_place="Nairobi\x00")
    assert [e.code for e in refused.value.errors] == ["control_characters"]


def test_a_complete_request_is_filed_numbered_and_audited(investigator_a, agencies):
    first, second = make(investigator_a), make(investigator_a)
    year = dt.date.today().year
    assert first.request_id == f"KE-{year}-000001"
    assert second.request_id == f"KE-{year}-000002"
    assert first.status == "draft"
    assert first.requesting_agency == agencies["a"]
    assert first.requested_agency == agencies["national"]
    assert AuditEntry.objects.filter(
        tag="tracing:request:created", object_id=first.request_id
    ).exists()


def test_an_incoming_request_keeps_its_states_id_when_in_our_form(poc):
    trace = make(poc, "incoming", external_ref="UG-2024-000042")
    assert trace.request_id == "UG-2024-000042"
    other = make(poc, "incoming", external_ref="UG-2024-000042")  # a duplicate: we number it
    assert other.request_id.startswith("KE-")
    foreign = make(poc, "incoming", external_ref="their/ref/9")
    assert foreign.request_id.startswith("KE-")
    assert foreign.external_ref == "their/ref/9"


def test_a_follow_up_links_to_its_parent_and_case(poc):
    parent = make(poc, "outgoing")
    follow_up = make(poc, "outgoing", parent=parent, case_ref="", requested_state="BG")
    assert follow_up.parent == parent
    assert follow_up.case_ref == parent.case_ref
