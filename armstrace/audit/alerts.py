"""Misuse detection: rules over the audit log, run on demand and while the server runs.

"Unauthorized use by authorized users" (R8) shows as patterns: many persons looked up in an
hour, look-ups without a case number, look-ups at night, bursts of refused requests. The
audit log holds all of it, chained and tamper-evident: every search
(`search:weapons:searched`, with its purpose), every showing of personal data
(`registry:personal_data:viewed`) and every refused request (`audit:access:refused`). The
scan reads that log alone: the search log table repeats the searches but can be edited, and
the audit app may not import the search app.

A rule counts one actor's activities, or the distinct persons they touched, within a
sliding window (ARMSTRACE_ALERT_WINDOW_MINUTES); reaching the rule's threshold raises an
alert, and a later scan that finds the pattern going on widens the open alert.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from armstrace.audit.models import Alert, AlertStatus, AuditEntry
from armstrace.audit.services import record_event
from armstrace.core import clock
from armstrace.core.context import audit_context, current_context
from armstrace.core.exceptions import DomainValidationError
from armstrace.core.text import has_control_characters

logger = logging.getLogger(__name__)

SEARCHED = "search:weapons:searched"
VIEWED = "registry:personal_data:viewed"
REFUSED = "audit:access:refused"
RAISED = "audit:alert:raised"
ACKNOWLEDGED = "audit:alert:acknowledged"
LOOKUPS = frozenset({SEARCHED, VIEWED})
SAMPLE = 50  # entry numbers kept with an alert, to find the entries again
MAX_NOTE = 2000


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


@dataclass(frozen=True)
class Policy:
    """The scan's settings, read once per scan."""

    window: dt.timedelta
    thresholds: dict[str, int]
    office_start: dt.time
    office_end: dt.time
    office_days: frozenset[int]  # ISO weekdays, Monday = 1
    case_number: re.Pattern[str]

    @classmethod
    def from_settings(cls) -> Policy:
        start, _sep, end = str(_setting("ARMSTRACE_OFFICE_HOURS", "07:00-19:00")).partition("-")
        days = _setting("ARMSTRACE_OFFICE_DAYS", "1,2,3,4,5")
        if isinstance(days, str):
            days = [d for d in days.split(",") if d.strip()]
        return cls(
            window=dt.timedelta(minutes=int(_setting("ARMSTRACE_ALERT_WINDOW_MINUTES", 60))),
            thresholds={
                rule.code: int(_setting(rule.setting, rule.default)) for rule in RULES.values()
            },
            office_start=dt.time.fromisoformat(start.strip()),
            office_end=dt.time.fromisoformat(end.strip()),
            office_days=frozenset(int(d) for d in days),
            case_number=re.compile(_setting("ARMSTRACE_CASE_NUMBER_PATTERN", r"[0-9]{2,}")),
        )

    def off_hours(self, at: dt.datetime) -> bool:
        local = timezone.localtime(at)
        in_hours = self.office_start <= local.time() < self.office_end
        return local.isoweekday() not in self.office_days or not in_hours

    def has_case_number(self, purpose: str) -> bool:
        return bool(self.case_number.search(purpose))


@dataclass(frozen=True)
class Activity:
    """One audit entry as the rules see it."""

    seq: int
    at: dt.datetime
    actor_id: int | None
    actor_name: str
    tag: str
    purpose: str
    things: tuple[str, ...]  # what a distinct count counts: the persons shown


def _activity(entry: AuditEntry) -> Activity:
    data = entry.data if isinstance(entry.data, dict) else {}
    name = entry.actor_name
    if entry.actor_id is None and data.get("remote_addr"):
        name = f"{name}@{data['remote_addr']}"  # anonymous callers, told apart by address
    return Activity(
        seq=entry.seq,
        at=entry.created_at,
        actor_id=entry.actor_id,
        actor_name=name,
        tag=entry.tag,
        purpose=str(data.get("purpose") or entry.purpose or "").strip(),
        things=tuple(str(p) for p in data.get("parties", [])),
    )


def activities(since: dt.datetime, until: dt.datetime) -> list[Activity]:
    entries = AuditEntry.objects.filter(
        tag__in=[*LOOKUPS, REFUSED], created_at__gte=since, created_at__lte=until
    ).order_by("seq")
    return [_activity(e) for e in entries.iterator(chunk_size=2000)]


@dataclass(frozen=True)
class Rule:
    code: str
    setting: str  # the threshold's setting
    default: int
    message: str | Promise  # %(count)d, %(minutes)d, %(threshold)d
    selects: Callable[[Activity, Policy], bool]
    distinct: bool = False  # count the distinct persons touched, not the activities


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            "many_persons",
            "ARMSTRACE_ALERT_PERSONS",
            20,
            gettext_lazy(
                "Personal data of %(count)d distinct individuals shown within %(minutes)d "
                "minutes (threshold %(threshold)d)."
            ),
            lambda a, _p: a.tag == VIEWED,
            distinct=True,
        ),
        Rule(
            "no_case_number",
            "ARMSTRACE_ALERT_NO_CASE",
            10,
            gettext_lazy(
                "%(count)d look-ups without a case number (no purpose, or a vague one) within "
                "%(minutes)d minutes (threshold %(threshold)d)."
            ),
            lambda a, p: a.tag in LOOKUPS and not p.has_case_number(a.purpose),
        ),
        Rule(
            "many_lookups",
            "ARMSTRACE_ALERT_LOOKUPS",
            100,
            gettext_lazy(
                "%(count)d look-ups (searches and showings of personal data) within "
                "%(minutes)d minutes (threshold %(threshold)d)."
            ),
            lambda a, _p: a.tag in LOOKUPS,
        ),
        Rule(
            "off_hours",
            "ARMSTRACE_ALERT_OFF_HOURS",
            3,
            gettext_lazy(
                "%(count)d look-ups outside office hours within %(minutes)d minutes "
                "(threshold %(threshold)d)."
            ),
            lambda a, p: a.tag in LOOKUPS and p.off_hours(a.at),
        ),
        Rule(
            "refusals",
            "ARMSTRACE_ALERT_REFUSALS",
            10,
            gettext_lazy(
                "%(count)d refused requests within %(minutes)d minutes (threshold %(threshold)d)."
            ),
            lambda a, _p: a.tag == REFUSED,
        ),
    )
}


def describe(alert: Alert) -> str:
    """The alert in words, in the reader's language."""
    rule = RULES.get(alert.rule)
    if rule is None:
        return alert.rule
    minutes = int(alert.details.get("window_minutes", 60))
    return str(rule.message) % {
        "count": alert.count,
        "minutes": minutes,
        "threshold": alert.threshold,
    }


# --- finding bursts -----------------------------------------------------------------------


@dataclass
class Finding:
    rule: Rule
    actor_id: int | None
    actor_name: str
    items: list[Activity]
    count: int
    threshold: int
    window: dt.timedelta

    @property
    def first_at(self) -> dt.datetime:
        return self.items[0].at

    @property
    def last_at(self) -> dt.datetime:
        return self.items[-1].at

    def details(self) -> dict[str, Any]:
        purposes = Counter(a.purpose or "" for a in self.items)
        return {
            "window_minutes": int(self.window.total_seconds() // 60),
            "purposes": [[p, n] for p, n in purposes.most_common(5)],
            "tags": dict(Counter(a.tag for a in self.items)),
            "seqs": [a.seq for a in self.items[:SAMPLE]],
        }


def _measure(items: Sequence[Activity], distinct: bool) -> int:
    if not distinct:
        return len(items)
    return len({thing for a in items for thing in a.things})


def bursts(
    items: Sequence[Activity], window: dt.timedelta, threshold: int, *, distinct: bool
) -> list[list[Activity]]:
    """The stretches where some `window` holds at least `threshold` (activities, or distinct
    things); windows that overlap are merged into one stretch."""
    found: list[tuple[int, int]] = []  # index ranges, inclusive
    left = 0
    inside: Counter[str] = Counter()
    for right, item in enumerate(items):
        inside.update(item.things)
        while item.at - items[left].at > window:
            inside.subtract(items[left].things)
            inside += Counter()  # drop the zero counts
            left += 1
        size = len(inside) if distinct else right - left + 1
        if threshold > 0 and size >= threshold:
            if found and left <= found[-1][1]:
                found[-1] = (found[-1][0], right)
            else:
                found.append((left, right))
    return [list(items[start : end + 1]) for start, end in found]


def findings(acts: Iterable[Activity], policy: Policy) -> list[Finding]:
    by_actor: dict[tuple[int | None, str], list[Activity]] = defaultdict(list)
    for act in acts:
        by_actor[(act.actor_id, act.actor_name)].append(act)
    found = []
    for (actor_id, actor_name), own in by_actor.items():
        for rule in RULES.values():
            threshold = policy.thresholds[rule.code]
            selected = [a for a in own if rule.selects(a, policy)]
            for stretch in bursts(selected, policy.window, threshold, distinct=rule.distinct):
                count = _measure(stretch, rule.distinct)
                found.append(
                    Finding(rule, actor_id, actor_name, stretch, count, threshold, policy.window)
                )
    return found


# --- storing alerts -----------------------------------------------------------------------


@dataclass
class ScanReport:
    activities: int = 0
    raised: list[Alert] = field(default_factory=list)
    widened: list[Alert] = field(default_factory=list)


def _raise(finding: Finding) -> Alert:
    alert = Alert.objects.create(
        rule=finding.rule.code,
        actor_id=finding.actor_id,
        actor_name=finding.actor_name,
        first_at=finding.first_at,
        last_at=finding.last_at,
        count=finding.count,
        threshold=finding.threshold,
        details=finding.details(),
        raised_at=clock.now(),
    )
    record_event(
        RAISED,
        object_type="audit.alert",
        object_id=str(alert.pk),
        data={
            "rule": alert.rule,
            "actor_id": alert.actor_id,
            "actor": alert.actor_name,
            "count": alert.count,
            "first_at": alert.first_at,
            "last_at": alert.last_at,
        },
    )
    return alert


def _store(finding: Finding, report: ScanReport) -> None:
    """Raise an alert, widen the open one it continues, or leave one already reviewed."""
    with transaction.atomic():
        near = (
            Alert.objects.select_for_update()
            .filter(
                rule=finding.rule.code,
                actor_id=finding.actor_id,
                actor_name=finding.actor_name,
                last_at__gte=finding.first_at - finding.window,
                first_at__lte=finding.last_at + finding.window,
            )
            .order_by("-last_at", "-id")
            .first()
        )
        if near is None or (near.status != AlertStatus.OPEN and finding.last_at > near.last_at):
            report.raised.append(_raise(finding))
        elif near.status == AlertStatus.OPEN and (
            finding.last_at > near.last_at or finding.count > near.count
        ):
            near.first_at = min(near.first_at, finding.first_at)
            near.last_at = max(near.last_at, finding.last_at)
            near.count = max(near.count, finding.count)
            near.details = finding.details()
            near.save(update_fields=["first_at", "last_at", "count", "details"])
            report.widened.append(near)


def scan(*, now: dt.datetime | None = None, hours: float | None = None) -> ScanReport:
    """Run every rule over the last `hours` (ARMSTRACE_ALERT_SCAN_HOURS) of the audit log."""
    until = now or clock.now()
    lookback = hours if hours is not None else float(_setting("ARMSTRACE_ALERT_SCAN_HOURS", 24))
    policy = Policy.from_settings()
    acts = activities(until - dt.timedelta(hours=lookback), until)
    report = ScanReport(activities=len(acts))
    for finding in findings(acts, policy):
        _store(finding, report)
    return report


# --- review -------------------------------------------------------------------------------


def acknowledge(*, alert_id: int, note: str) -> Alert:
    """An auditor's review of an alert, with what they found; audited."""
    note = note.strip()
    if not note:
        message = _("is required: say what you checked and what you found")
        raise DomainValidationError("note", message, code="required")
    if len(note) > MAX_NOTE or has_control_characters(note.replace("\n", "").replace("\r", "")):
        message = _("must be plain text of at most %(n)d characters") % {"n": MAX_NOTE}
        raise DomainValidationError("note", message, code="invalid")
    ctx = current_context()
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert_id)
        if alert.status != AlertStatus.OPEN:
            message = _("this alert was already acknowledged")
            raise DomainValidationError("note", message, code="acknowledged")
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_at = clock.now()
        alert.acknowledged_by_id = ctx.actor_id
        alert.acknowledged_by_name = ctx.actor_name
        alert.note = note
        alert.save()
        record_event(
            ACKNOWLEDGED,
            object_type="audit.alert",
            object_id=str(alert.pk),
            data={"rule": alert.rule, "actor": alert.actor_name, "note": note},
        )
    return alert


def alerts(status: str = "") -> QuerySet[Alert]:
    """Alerts for the review page; all of them with the open ones first, or one status."""
    rows = Alert.objects.all()
    if status in AlertStatus.values:
        return rows.filter(status=status)
    return rows.order_by("-status", "-last_at", "-id")  # "open" sorts after "acknowledged"


# --- while the server runs ------------------------------------------------------------------


def start_periodic(minutes: float | None = None) -> threading.Thread | None:
    """Scan every `minutes` (ARMSTRACE_ALERT_SCAN_MINUTES) in a background thread."""
    every = float(minutes if minutes is not None else _setting("ARMSTRACE_ALERT_SCAN_MINUTES", 15))
    if every <= 0:
        return None

    def loop() -> None:
        while True:
            time.sleep(every * 60)
            try:
                with audit_context(actor_id=None, actor_name="armstrace serve", channel="system"):
                    scan()
            except Exception:
                logger.exception("misuse scan failed")
            finally:
                connections.close_all()

    thread = threading.Thread(target=loop, name="audit-alerts", daemon=True)
    thread.start()
    return thread


def open_count() -> int:
    """Misuse alerts nobody has acknowledged yet (the menu shows it to reviewers)."""
    return Alert.objects.filter(status=AlertStatus.OPEN).count()
