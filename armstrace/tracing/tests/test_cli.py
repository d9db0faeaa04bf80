"""`armstrace trace list|remind`: overdue requests are chased and escalated (T8)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from armstrace.audit.models import AuditEntry
from armstrace.tracing.tests.helpers import make

pytestmark = pytest.mark.django_db
START = dt.datetime(2025, 6, 2, 9, 0, tzinfo=dt.UTC)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("trace", *args, stdout=out)
    return out.getvalue()


def test_remind_records_reminders_then_escalates_overdue_requests(monkeypatch, poc, settings):
    settings.ARMSTRACE_TRACE_REMIND_EVERY_DAYS = 3
    settings.ARMSTRACE_TRACE_ESCALATE_AFTER_REMINDERS = 2
    monkeypatch.setattr("armstrace.core.clock.now", lambda: START)
    ours = make(poc, "incoming")  # we owe the acknowledgement in five working days
    theirs = make(poc, "outgoing")
    from armstrace.tracing import services

    services.transition(request=theirs, to="sent", actor=poc)
    assert "0 reminder(s)" in run("remind")

    for days, expected in [(8, 2), (9, 0), (11, 2)]:
        monkeypatch.setattr("armstrace.core.clock.now", lambda d=days: START + dt.timedelta(days=d))
        assert f"{expected} reminder(s)" in run("remind")
    ours.refresh_from_db()
    assert ours.reminders == 2 and ours.escalated_at is not None
    assert list(
        ours.events.filter(kind__in=["reminder", "escalated"]).values_list("kind", flat=True)
    ) == [
        "reminder",
        "reminder",
        "escalated",
    ]
    assert AuditEntry.objects.filter(tag="tracing:request:escalated").count() == 2
    reminded = AuditEntry.objects.filter(tag="tracing:request:reminded", channel="cli")
    assert {e.data["owed"] for e in reminded} == {"by_us", "to_us"}


def test_list_shows_overdue_requests_only_when_asked(poc, settings):
    settings.ARMSTRACE_TRACE_ANSWER_DAYS = -1
    late = make(poc, "incoming")
    draft = make(poc, "outgoing")
    everything = run("list")
    assert late.request_id in everything and draft.request_id in everything
    overdue = run("list", "--overdue")
    assert late.request_id in overdue and draft.request_id not in overdue
    assert "late answer" in overdue
