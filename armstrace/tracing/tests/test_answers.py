"""Answering from the registry: candidates, the chain, last legal record, diversion,
review with redaction, and release by the right person only (ITI para 20; T3, T12)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from armstrace.audit.models import AuditEntry
from armstrace.core.exceptions import DomainValidationError, PermissionDenied
from armstrace.registry.services import EventInput, create_party, record_life_event
from armstrace.tracing import services
from armstrace.tracing.answers import REDACTED
from armstrace.tracing.tests.helpers import make

pytestmark = pytest.mark.django_db


@pytest.fixture
def stolen_weapon(weapon_factory):
    """Made in Serbia, imported by a dealer, sold to a person, stolen."""
    weapon = weapon_factory(serial="M70-123456")
    dealer = create_party(kind="dealer", name="Nairobi Arms Ltd", licence_number="D-17")
    owner = create_party(kind="individual", name="John Kamau", licence_number="FC-991")
    for kind, day, party in [
        ("exported", dt.date(1991, 1, 5), None),
        ("imported", dt.date(1991, 2, 1), dealer),
        ("transferred", dt.date(2001, 5, 3), owner),
        ("stolen", dt.date(2019, 8, 20), None),
    ]:
        record_life_event(
            weapon=weapon,
            data=EventInput(
                kind=kind,
                occurred_on=day,
                to_party=party,
                counterpart_country="KE" if kind == "exported" else None,
                licence_number="IMP-1991-7" if kind == "imported" else "",
            ),
        )
    return weapon


def acknowledged(actor: Any, direction: str = "incoming", **changes: Any) -> Any:
    trace = make(actor, direction, **changes)
    if direction != "incoming":
        services.transition(request=trace, to="sent", actor=actor)
    services.transition(request=trace, to="acknowledged", actor=actor)
    return trace


def test_the_draft_finds_the_weapon_and_its_whole_chain(poc, stolen_weapon):
    trace = acknowledged(poc, serial_as_read="M70-123456")
    answer = services.draft_answer(request=trace, actor=poc)
    draft = answer.draft
    assert answer.weapon == stolen_weapon
    assert draft["chosen"] == "automatic"
    assert draft["candidates"][0]["weapon_id"] == str(stolen_weapon.pk)
    events = [link["event"] for link in draft["supply_chain"]]
    assert events == ["manufactured", "exported", "imported", "transferred", "stolen"]
    assert draft["last_legal_record"]["event"] == "transferred"
    assert draft["last_legal_record"]["holder"]["name"] == "John Kamau"
    assert draft["point_of_diversion"]["established"] is True
    assert draft["point_of_diversion"]["date"] == "2019-08-20"
    assert AuditEntry.objects.filter(tag="tracing:answer:drafted").exists()
    assert AuditEntry.objects.filter(tag="search:weapons:searched").exists()


def test_misread_characters_still_find_candidates(poc, stolen_weapon):
    trace = acknowledged(poc, serial_as_read="M70-12345?")
    answer = services.draft_answer(request=trace, actor=poc)
    assert str(stolen_weapon.pk) in [c["weapon_id"] for c in answer.draft["candidates"]]


def test_a_chain_ending_in_an_export_points_to_a_follow_up_state(poc, weapon_factory):
    weapon = weapon_factory(serial="M70-777777")
    record_life_event(
        weapon=weapon,
        data=EventInput(kind="exported", occurred_on=dt.date(1995, 1, 1), counterpart_country="UG"),
    )
    trace = acknowledged(poc, serial_as_read="M70-777777")
    draft = services.draft_answer(request=trace, actor=poc, weapon_id=str(weapon.pk)).draft
    assert draft["chosen"] == "by_user"
    assert draft["point_of_diversion"]["established"] is False
    assert draft["leads_to_state"] == "UG"


def test_no_weapon_is_chosen_when_nothing_matches_exactly(poc, stolen_weapon):
    trace = acknowledged(poc, serial_as_read="ZZ-000000")
    answer = services.draft_answer(request=trace, actor=poc)
    assert answer.weapon is None
    assert answer.draft["chosen"] == "none"


def test_the_draft_reads_a_bounded_number_of_queries(poc, stolen_weapon):
    trace = acknowledged(poc, serial_as_read="M70-123456")
    services.draft_answer(request=trace, actor=poc)  # warm caches (reference index)
    with CaptureQueriesContext(connection) as queries:
        services.draft_answer(request=trace, actor=poc)
    assert len(queries) <= 40, [q["sql"] for q in queries]


def test_release_redacts_names_of_persons_and_keeps_the_draft(poc, stolen_weapon):
    trace = acknowledged(poc, serial_as_read="M70-123456")
    answer = services.draft_answer(request=trace, actor=poc)
    services.release_answer(answer=answer, actor=poc, completeness="complete")
    answer.refresh_from_db()
    trace.refresh_from_db()
    assert trace.status == "answered_complete"
    assert trace.weapon == stolen_weapon
    released: Any = answer.released
    released_holder = released["last_legal_record"]["holder"]
    assert released_holder["name"] == REDACTED
    assert released["supply_chain"][2]["to"]["name"] == "Nairobi Arms Ltd"  # a company
    assert answer.draft["last_legal_record"]["holder"]["name"] == "John Kamau"
    disclosed = AuditEntry.objects.get(tag="tracing:answer:disclosed")
    assert disclosed.data["to_state"] == "UG"


def test_only_the_point_of_contact_releases_an_international_answer(
    poc, national_registrar, stolen_weapon
):
    trace = acknowledged(poc, serial_as_read="M70-123456")
    answer = services.draft_answer(request=trace, actor=national_registrar)  # may contribute
    with pytest.raises(PermissionDenied) as refused:
        services.release_answer(answer=answer, actor=national_registrar, completeness="complete")
    assert refused.value.permission == "tracing:answer:release"
    trace.refresh_from_db()
    assert trace.status == "acknowledged"


def test_the_registry_releases_a_domestic_answer(investigator_a, national_registrar, poc):
    trace = make(investigator_a)
    services.transition(request=trace, to="sent", actor=investigator_a)
    services.transition(request=trace, to="acknowledged", actor=national_registrar)
    answer = services.draft_answer(request=trace, actor=national_registrar)
    services.release_answer(answer=answer, actor=national_registrar, completeness="partial")
    trace.refresh_from_db()
    assert trace.status == "answered_partial"
    assert not AuditEntry.objects.filter(tag="tracing:answer:disclosed").exists()


def test_an_answer_is_released_once(poc):
    trace = acknowledged(poc)
    answer = services.draft_answer(request=trace, actor=poc)
    services.release_answer(answer=answer, actor=poc, completeness="partial")
    with pytest.raises(DomainValidationError) as refused:
        services.release_answer(answer=answer, actor=poc, completeness="complete")
    assert refused.value.code == "released"


def test_a_request_we_sent_is_not_ours_to_answer(poc):
    trace = acknowledged(poc, "outgoing")
    with pytest.raises(DomainValidationError) as refused:
        services.draft_answer(request=trace, actor=poc)
    assert refused.value.code == "not_ours"


def test_the_requesting_investigator_cannot_draft_or_see_drafts(investigator_a, poc):
    from armstrace.tracing.selectors import answers_for

    trace = make(investigator_a)
    services.transition(request=trace, to="sent", actor=investigator_a)
    services.transition(request=trace, to="acknowledged", actor=poc)
    with pytest.raises(PermissionDenied):
        services.draft_answer(request=trace, actor=investigator_a)
    answer = services.draft_answer(request=trace, actor=poc)
    assert answers_for(investigator_a, trace) == []
    services.release_answer(answer=answer, actor=poc, completeness="complete")
    assert answers_for(investigator_a, trace) == [answer]
