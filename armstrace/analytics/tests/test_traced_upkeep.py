"""The traced-recovery table follows each trace in its own transaction: a release, an
answer received, a follow-up filed (tracing's event_appended)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from armstrace.analytics.models import TracedRecovery
from armstrace.tracing import exchange, followup, services
from armstrace.tracing.signals import event_appended
from armstrace.tracing.tests.test_followup import answered_domestic, exported  # noqa: F401

pytestmark = pytest.mark.django_db
FIELDS = [f.attname for f in TracedRecovery._meta.concrete_fields]


def rows() -> set[tuple[Any, ...]]:
    return set(TracedRecovery.objects.values_list(*FIELDS))


def test_a_follow_up_takes_the_recovery_from_its_parent_until_its_answer(
    investigator_a,
    poc,
    exported,  # noqa: F811
):
    trace, answer = answered_domestic(investigator_a, poc)
    row = TracedRecovery.objects.get()
    assert (row.request_id, row.answer_id, row.weapon_id) == (trace.pk, answer.pk, exported.pk)
    assert (row.last_legal_event, row.last_legal_country) == ("exported", "UG")
    assert row.made_in == "RS" and row.found_on == trace.found_on
    child = services.create_request(
        actor=poc, data=followup.follow_up_input(request=trace, answer=answer, home="KE")
    )
    assert rows() == set()  # the chain goes on: no trace ends it yet
    services.transition(request=child, to="sent", actor=poc)
    received = exchange.ReceivedAnswer(
        completeness="complete",
        answered_on=dt.date(2024, 4, 1),
        supply_chain=[{"event": "transferred", "date": "2001-05-05", "to": {"kind": "dealer"}}],
        last_legal_record={"event": "transferred", "date": "2001-05-05", "country": "UG"},
        diversion_established=False,
        confidentiality="restricted",
        use_restrictions="Police only",
    )
    exchange.record_received_answer(request=child, actor=poc, data=received)
    row = TracedRecovery.objects.get()
    assert (row.request_id, row.weapon_id) == (child.pk, None)
    assert (row.last_legal_event, row.last_legal_country) == ("transferred", "UG")
    assert row.importer_id is None and row.retailer_id is None


def test_a_release_that_rolls_back_leaves_no_row(investigator_a, poc, exported):  # noqa: F811
    def fail(sender: Any, event: Any, **kwargs: Any) -> None:
        if event.kind == "answer_released":
            raise RuntimeError("the disk is full")

    event_appended.connect(fail)
    try:
        with pytest.raises(RuntimeError):
            answered_domestic(investigator_a, poc)
    finally:
        event_appended.disconnect(fail)
    assert rows() == set()
