"""The outcome of an answer as columns (issue 9): written when an answer is released or a
received one recorded, backfilled by the migration, and announced after commit."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps

from armstrace.registry.services import EventInput, create_party, record_life_event
from armstrace.tracing import exchange, services
from armstrace.tracing.models import TraceAnswer
from armstrace.tracing.signals import event_appended, outcome_recorded
from armstrace.tracing.tests.helpers import FOUND_ON, make

pytestmark = pytest.mark.django_db
SOLD_ON = dt.date(2019, 4, 1)


def _sold_and_stolen(weapon_factory: Any) -> tuple[Any, Any]:
    weapon = weapon_factory()  # manufactured 1990-06-01 by Zastava Arms
    dealer = create_party(kind="dealer", name="Nairobi Gun Shop", country="KE")
    buyer = create_party(kind="individual", name="Jane Doe", country="KE")
    for kind, day, src, to in (
        ("transferred", dt.date(2018, 1, 5), None, dealer),
        ("transferred", SOLD_ON, dealer, buyer),
        ("stolen", dt.date(2023, 9, 9), None, None),
        ("seized", FOUND_ON, None, None),
    ):
        event = EventInput(kind=kind, occurred_on=day, from_party=src, to_party=to, country="KE")
        record_life_event(weapon=weapon, data=event)
    return weapon, buyer


def _released(poc: Any, investigator: Any, weapon: Any) -> TraceAnswer:
    trace = make(investigator)  # domestic, found on FOUND_ON
    services.transition(request=trace, to="sent", actor=poc)
    services.transition(request=trace, to="acknowledged", actor=poc)
    answer = services.draft_answer(request=trace, actor=poc, weapon_id=str(weapon.pk))
    services.release_answer(answer=answer, actor=poc, completeness="complete")
    answer.refresh_from_db()
    return answer


def test_releasing_an_answer_writes_its_outcome_as_columns(poc, investigator_a, weapon_factory):
    weapon, buyer = _sold_and_stolen(weapon_factory)
    answer = _released(poc, investigator_a, weapon)
    assert answer.diversion_established is True
    assert (answer.diversion_event, answer.diversion_on) == ("stolen", dt.date(2023, 9, 9))
    assert (answer.last_legal_event, answer.last_legal_on) == ("transferred", SOLD_ON)
    assert answer.last_legal_country == "KE"
    assert answer.last_legal_holder == buyer  # the registry party, though its name is redacted
    released: dict[str, Any] = answer.released or {}
    assert released["last_legal_record"]["holder"]["name"] == "[redacted]"
    assert answer.time_to_crime_days == (FOUND_ON - SOLD_ON).days  # 2019-04-01 -> 2024-03-02


def test_the_signal_is_sent_once_the_release_commits(
    poc, investigator_a, weapon_factory, django_capture_on_commit_callbacks
):
    weapon, _buyer = _sold_and_stolen(weapon_factory)
    heard: list[TraceAnswer] = []

    def listener(sender: Any, answer: TraceAnswer, **kwargs: Any) -> None:
        heard.append(answer)

    outcome_recorded.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            answer = _released(poc, investigator_a, weapon)
        assert heard == []  # nothing before the commit
        for callback in callbacks:
            callback()
    finally:
        outcome_recorded.disconnect(listener)
    assert [a.pk for a in heard] == [answer.pk]
    assert heard[0].diversion_established is True


def test_a_received_answer_writes_its_outcome_without_a_registry_holder(poc):
    trace = make(poc, "outgoing")
    services.transition(request=trace, to="sent", actor=poc)
    data = exchange.ReceivedAnswer(
        completeness="partial",
        answered_on=dt.date(2024, 4, 1),
        supply_chain=[
            {"event": "manufactured", "date": "1990-06-01"},
            {"event": "transferred", "date": "2021-03-02", "to": {"kind": "company"}},
        ],
        last_legal_record={"event": "transferred", "date": "2021-03-02", "country": "rs"},
        diversion_established=False,
        confidentiality="restricted",
        use_restrictions="Police only",
    )
    answer = exchange.record_received_answer(request=trace, actor=poc, data=data)
    answer.refresh_from_db()
    assert (answer.diversion_established, answer.diversion_event) == (False, "")
    assert (answer.last_legal_event, answer.last_legal_country) == ("transferred", "RS")
    assert answer.last_legal_holder is None
    assert answer.time_to_crime_days == (FOUND_ON - dt.date(2021, 3, 2)).days


def test_the_registration_of_a_weapon_already_held_does_not_start_the_clock():
    chain: list[dict[str, Any]] = [
        {"event": "registered", "date": "2015-01-01", "status_after": "civilian"},
        {"event": "transferred", "date": "2020-01-01", "to": {"kind": "individual"}},
    ]
    assert services.time_to_crime(chain, FOUND_ON) is None
    assert services.time_to_crime(chain[1:], FOUND_ON) == (FOUND_ON - dt.date(2020, 1, 1)).days
    assert services.time_to_crime(chain[1:], dt.date(2019, 1, 1)) is None  # found before sold
    assert services.time_to_crime([], FOUND_ON) is None


def test_the_migration_backfills_answers_released_before_it(poc, investigator_a, weapon_factory):
    weapon, buyer = _sold_and_stolen(weapon_factory)
    answer = _released(poc, investigator_a, weapon)
    expected = {name: getattr(answer, name) for name in services.OUTCOME_FIELDS}
    TraceAnswer.objects.filter(pk=answer.pk).update(
        diversion_established=False, diversion_event="", diversion_on=None,
        last_legal_event="", last_legal_on=None, last_legal_country="",
        last_legal_holder=None, time_to_crime_days=None,
    )  # fmt: skip
    migration = importlib.import_module("armstrace.tracing.migrations.0003_answer_outcome")
    migration.backfill(apps, None)
    answer.refresh_from_db()
    assert {name: getattr(answer, name) for name in services.OUTCOME_FIELDS} == expected
    assert expected["last_legal_holder"] == buyer


def test_every_step_is_announced_inside_the_transaction_that_makes_it(poc, investigator_a):
    heard: list[tuple[str, str]] = []

    def listener(sender: Any, event: Any, **kwargs: Any) -> None:
        heard.append((event.kind, event.status_after))
        if event.status_after == "sent":
            raise RuntimeError("the outbox could not queue the message")

    trace = make(investigator_a)
    event_appended.connect(listener)
    try:
        with pytest.raises(RuntimeError):
            services.transition(request=trace, to="sent", actor=poc)
    finally:
        event_appended.disconnect(listener)
    assert heard == [("transition", "sent")]
    trace.refresh_from_db()  # the listener's failure undid the step it was told of
    assert trace.status == "draft"
    assert list(trace.events.values_list("kind", flat=True)) == ["created"]
