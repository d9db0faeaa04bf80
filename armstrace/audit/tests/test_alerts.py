"""The misuse scan: rules over the audit log raise alerts that auditors acknowledge."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from armstrace.audit import alerts
from armstrace.audit.alerts import REFUSED, SEARCHED, VIEWED, scan
from armstrace.audit.models import Alert, AuditEntry
from armstrace.audit.services import record_event
from armstrace.core import clock
from armstrace.core.context import audit_context
from armstrace.core.exceptions import DomainValidationError

pytestmark = pytest.mark.django_db
# A Wednesday, in office hours (UTC).
NOON = dt.datetime(2025, 3, 12, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.TIME_ZONE = "UTC"


def act(
    monkeypatch,
    at: dt.datetime,
    tag: str,
    *,
    actor: str = "investigator_a",
    actor_id: int | None = 7,
    purpose: str = "CASE-2025-001",
    parties: list[int] | None = None,
) -> None:
    """One audit entry written at `at` by `actor`."""
    monkeypatch.setattr(clock, "now", lambda: at)
    data: dict[str, object] = {"purpose": purpose}
    if parties is not None:
        data["parties"] = parties
    with audit_context(actor_id=actor_id, actor_name=actor, channel="web"):
        record_event(tag, data=data)


def run(monkeypatch, at: dt.datetime) -> alerts.ScanReport:
    monkeypatch.setattr(clock, "now", lambda: at)
    with audit_context(actor_id=None, actor_name="test-scan", channel="system"):
        return scan()


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def test_many_distinct_persons_shown_within_an_hour_raise_one_alert(monkeypatch):
    for i in range(20):
        act(monkeypatch, NOON + minutes(2 * i), VIEWED, parties=[100 + i])
    report = run(monkeypatch, NOON + minutes(60))
    (alert,) = report.raised
    assert (alert.rule, alert.actor_name, alert.actor_id, alert.count) == (
        "many_persons",
        "investigator_a",
        7,
        20,
    )
    assert alert.first_at == NOON and alert.last_at == NOON + minutes(38)
    assert "20 distinct individuals" in alerts.describe(alert)
    again = run(monkeypatch, NOON + minutes(70))
    assert again.raised == [] and again.widened == []


def test_showing_the_same_person_again_and_again_is_not_many_persons(monkeypatch):
    for i in range(30):
        act(monkeypatch, NOON + minutes(i), VIEWED, parties=[100])
    assert run(monkeypatch, NOON + minutes(60)).raised == []


def test_persons_spread_wider_than_the_window_raise_nothing(monkeypatch):
    for i in range(20):
        act(monkeypatch, NOON + minutes(4 * i), VIEWED, parties=[100 + i])  # 15 per hour
    assert run(monkeypatch, NOON + minutes(120)).raised == []


def test_a_burst_across_the_hour_is_found_by_the_sliding_window(monkeypatch):
    for i in range(20):
        act(monkeypatch, NOON + minutes(50 + i), VIEWED, parties=[100 + i])  # 12:50 to 13:09
    (alert,) = run(monkeypatch, NOON + minutes(90)).raised
    assert alert.rule == "many_persons"


def test_lookups_without_a_case_number_raise_an_alert_naming_the_purposes(monkeypatch):
    for i in range(10):
        act(monkeypatch, NOON + minutes(i), SEARCHED, purpose="" if i % 2 else "checking")
    act(monkeypatch, NOON + minutes(11), SEARCHED, actor="investigator_b", actor_id=8)
    (alert,) = run(monkeypatch, NOON + minutes(30)).raised
    assert (alert.rule, alert.actor_name, alert.count) == ("no_case_number", "investigator_a", 10)
    assert sorted(alert.details["purposes"]) == [["", 5], ["checking", 5]]
    assert len(alert.details["seqs"]) == 10


def test_lookups_outside_office_hours_raise_an_alert(monkeypatch):
    night = NOON.replace(hour=23)
    for i in range(3):
        act(monkeypatch, night + minutes(i), SEARCHED)
    for i in range(3):
        act(monkeypatch, NOON + minutes(i), SEARCHED, actor="registrar", actor_id=9)
    (alert,) = run(monkeypatch, night + minutes(30)).raised
    assert (alert.rule, alert.actor_name) == ("off_hours", "investigator_a")


def test_a_weekend_is_outside_office_hours(monkeypatch, settings):
    settings.ARMSTRACE_OFFICE_DAYS = "1,2,3,4,5"
    saturday = NOON + dt.timedelta(days=3)
    for i in range(3):
        act(monkeypatch, saturday + minutes(i), VIEWED, parties=[1])
    (alert,) = run(monkeypatch, saturday + minutes(30)).raised
    assert alert.rule == "off_hours"


def test_a_burst_of_refused_requests_raises_an_alert(monkeypatch):
    for i in range(10):
        act(monkeypatch, NOON + minutes(i), REFUSED, purpose="")
    rules = {a.rule for a in run(monkeypatch, NOON + minutes(30)).raised}
    assert rules == {"refusals"}  # a refusal is no look-up


def test_thresholds_come_from_the_settings(monkeypatch, settings):
    settings.ARMSTRACE_ALERT_REFUSALS = 3
    settings.ARMSTRACE_ALERT_WINDOW_MINUTES = 10
    for i in range(3):
        act(monkeypatch, NOON + minutes(6 * i), REFUSED)  # three within 12 minutes
    assert run(monkeypatch, NOON + minutes(30)).raised == []
    act(monkeypatch, NOON + minutes(14), REFUSED)
    (alert,) = run(monkeypatch, NOON + minutes(30)).raised
    assert (alert.count, alert.threshold) == (3, 3)
    assert "within 10 minutes" in alerts.describe(alert)


def test_a_pattern_that_goes_on_widens_the_open_alert(monkeypatch):
    for i in range(20):
        act(monkeypatch, NOON + minutes(i), VIEWED, parties=[100 + i])
    (alert,) = run(monkeypatch, NOON + minutes(25)).raised
    for i in range(20, 25):
        act(monkeypatch, NOON + minutes(i + 10), VIEWED, parties=[100 + i])
    report = run(monkeypatch, NOON + minutes(40))
    assert report.raised == [] and [a.pk for a in report.widened] == [alert.pk]
    alert.refresh_from_db()
    assert alert.count == 25 and alert.last_at == NOON + minutes(34)


def test_after_acknowledgement_only_new_activity_raises_a_new_alert(monkeypatch):
    for i in range(10):
        act(monkeypatch, NOON + minutes(i), REFUSED)
    (first,) = run(monkeypatch, NOON + minutes(15)).raised
    with audit_context(actor_id=3, actor_name="auditor", channel="web"):
        alerts.acknowledge(alert_id=first.pk, note="Known: the user lost a role that day.")
    assert run(monkeypatch, NOON + minutes(20)).raised == []
    act(monkeypatch, NOON + minutes(21), REFUSED)
    (second,) = run(monkeypatch, NOON + minutes(25)).raised
    assert second.pk != first.pk and second.status == "open"


def test_raising_and_acknowledging_are_audited_and_need_a_note(monkeypatch):
    for i in range(10):
        act(monkeypatch, NOON + minutes(i), REFUSED)
    (alert,) = run(monkeypatch, NOON + minutes(15)).raised
    raised = AuditEntry.objects.get(tag="audit:alert:raised")
    assert raised.object_id == str(alert.pk) and raised.data["rule"] == "refusals"
    with audit_context(actor_id=3, actor_name="auditor", channel="web"):
        with pytest.raises(DomainValidationError) as refused:
            alerts.acknowledge(alert_id=alert.pk, note="   ")
        assert refused.value.field == "note"
        done = alerts.acknowledge(alert_id=alert.pk, note="Checked with the unit: a script.")
        with pytest.raises(DomainValidationError, match="already acknowledged"):
            alerts.acknowledge(alert_id=alert.pk, note="again")
    assert (done.status, done.acknowledged_by_name) == ("acknowledged", "auditor")
    entry = AuditEntry.objects.get(tag="audit:alert:acknowledged")
    assert (entry.actor_name, entry.data["note"]) == ("auditor", "Checked with the unit: a script.")


def test_the_scan_command_reports_what_it_raised(monkeypatch):
    now = clock.now()
    for i in range(10):
        act(monkeypatch, now - minutes(30 - i), REFUSED)
    monkeypatch.setattr(clock, "now", lambda: now)
    out = io.StringIO()
    call_command("alerts", "scan", "--hours", "2", stdout=out)
    assert "new #" in out.getvalue() and "1 new alert(s)" in out.getvalue()
    assert Alert.objects.get().rule == "refusals"


def test_the_periodic_scan_can_be_switched_off():
    assert alerts.start_periodic(0) is None


def test_bursts_merge_overlapping_windows_into_one_stretch():
    items = [
        alerts.Activity(i, NOON + minutes(m), 1, "u", SEARCHED, "", ())
        for i, m in enumerate([0, 1, 2, 3, 100, 101, 102])
    ]
    found = alerts.bursts(items, minutes(10), 3, distinct=False)
    assert [[a.seq for a in stretch] for stretch in found] == [[0, 1, 2, 3], [4, 5, 6]]
