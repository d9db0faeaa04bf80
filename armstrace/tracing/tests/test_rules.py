"""Deadlines are data: working days, holidays, urgent requests (ITI para 19)."""

from __future__ import annotations

import datetime as dt

import pytest

from armstrace.tracing import rules
from armstrace.tracing.choices import Priority, Status
from armstrace.tracing.tests.helpers import make

UTC = dt.UTC
MONDAY = dt.datetime(2025, 6, 2, 10, 30, tzinfo=UTC)
FRIDAY = dt.datetime(2025, 6, 6, 16, 0, tzinfo=UTC)
POLICY = rules.DeadlinePolicy()


def test_a_routine_acknowledgement_is_due_five_working_days_later_at_the_same_time():
    assert rules.ack_due(MONDAY, Priority.ROUTINE, POLICY) == dt.datetime(
        2025, 6, 9, 10, 30, tzinfo=UTC
    )


def test_working_days_skip_the_weekend():
    assert rules.ack_due(FRIDAY, Priority.ROUTINE, POLICY) == dt.datetime(
        2025, 6, 13, 16, 0, tzinfo=UTC
    )


def test_a_request_received_on_saturday_counts_from_monday():
    saturday = dt.datetime(2025, 6, 7, 9, 0, tzinfo=UTC)
    assert rules.add_working_days(saturday, 1, frozenset()).date() == dt.date(2025, 6, 9)


def test_working_days_skip_holidays():
    holidays = rules.parse_holidays(["2025-06-03", dt.date(2025, 6, 4)])
    policy = rules.DeadlinePolicy(holidays=holidays)
    assert rules.ack_due(MONDAY, Priority.ROUTINE, policy).date() == dt.date(2025, 6, 11)


def test_an_urgent_request_is_acknowledged_within_24_hours_even_over_a_weekend():
    assert rules.ack_due(FRIDAY, Priority.URGENT, POLICY) == FRIDAY + dt.timedelta(hours=24)


def test_the_answer_is_due_thirty_calendar_days_later_by_default():
    assert rules.answer_due(FRIDAY, POLICY) == FRIDAY + dt.timedelta(days=30)


def test_the_policy_reads_the_settings(settings):
    settings.ARMSTRACE_TRACE_ACK_DAYS = 2
    settings.ARMSTRACE_TRACE_ANSWER_DAYS = 10
    settings.ARMSTRACE_TRACE_HOLIDAYS = ["2025-06-03"]
    policy = rules.DeadlinePolicy.from_settings()
    assert policy == rules.DeadlinePolicy(2, 10, frozenset({dt.date(2025, 6, 3)}))
    assert rules.ack_due(MONDAY, Priority.ROUTINE, policy).date() == dt.date(2025, 6, 5)


def test_overdue_names_the_answer_before_the_acknowledgement():
    past, future = MONDAY - dt.timedelta(days=1), MONDAY + dt.timedelta(days=1)
    assert rules.overdue(Status.RECEIVED, past, past, MONDAY) == rules.ANSWER
    assert rules.overdue(Status.RECEIVED, past, future, MONDAY) == rules.ACK
    assert rules.overdue(Status.IN_PROGRESS, past, future, MONDAY) is None
    assert rules.overdue(Status.IN_PROGRESS, past, past, MONDAY) == rules.ANSWER
    assert rules.overdue(Status.ANSWERED_COMPLETE, past, past, MONDAY) is None
    assert rules.overdue(Status.DRAFT, None, None, MONDAY) is None


@pytest.mark.django_db
def test_sending_stores_the_deadlines_from_the_settings(settings, monkeypatch, poc):
    settings.ARMSTRACE_TRACE_ACK_DAYS = 3
    settings.ARMSTRACE_TRACE_HOLIDAYS = ["2025-06-04"]
    monkeypatch.setattr("armstrace.core.clock.now", lambda: MONDAY)
    from armstrace.tracing import services

    trace = make(poc, "outgoing")
    assert trace.ack_due_at is None  # a draft runs no clock
    services.transition(request=trace, to="sent", actor=poc)
    trace.refresh_from_db()
    assert trace.sent_at == MONDAY
    assert trace.ack_due_at == dt.datetime(2025, 6, 6, 10, 30, tzinfo=UTC)
    assert trace.answer_due_at == MONDAY + dt.timedelta(days=30)


@pytest.mark.django_db
def test_an_urgent_incoming_request_is_due_for_acknowledgement_the_next_day(monkeypatch, poc):
    monkeypatch.setattr("armstrace.core.clock.now", lambda: FRIDAY)
    trace = make(poc, "incoming", priority="urgent", priority_justification="suspect in custody")
    assert trace.status == Status.RECEIVED
    assert trace.ack_due_at == FRIDAY + dt.timedelta(hours=24)
