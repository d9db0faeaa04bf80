"""Pure policy of tracing: the life-cycle transition table and the deadlines (ITI 19-23).

The table is data: (from, to) -> Rule. A pair absent from the table is refused; a rule
names the directions it serves and the side that takes the step. Delays, restrictions
and refusals carry para 22 grounds and para 23 reasons.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from armstrace.tracing.choices import Direction, Priority, Status
from armstrace.tracing.exceptions import TransitionRefused

S, D = Status, Direction
EVERY_DIRECTION = frozenset(Direction)
ASKING = frozenset({D.OUTGOING, D.DOMESTIC})  # requests we write and send
REQUESTER, RESPONDER, EITHER = "requester", "responder", "either"


@dataclass(frozen=True)
class Rule:
    name: str
    directions: frozenset[Direction]
    side: str  # who takes the step: the requesting or the requested side
    reasoned: bool = False  # para 22 ground(s) and para 23 reasons required


def _rule(name: str, side: str, directions: frozenset[Direction] = EVERY_DIRECTION) -> Rule:
    return Rule(name, directions, side)


def _reasoned(name: str) -> Rule:
    return Rule(name, EVERY_DIRECTION, RESPONDER, reasoned=True)


WAITING = (S.ACKNOWLEDGED, S.IN_PROGRESS, S.DELAYED)  # acknowledged, answer not given yet
ANSWERED = frozenset({S.ANSWERED_COMPLETE, S.ANSWERED_PARTIAL})
REASONED = frozenset({S.DELAYED, S.RESTRICTED, S.REFUSED})
OUTCOMES = (S.ANSWERED_COMPLETE, S.ANSWERED_PARTIAL, S.RESTRICTED, S.REFUSED)

TABLE: dict[tuple[Status, Status], Rule] = {
    (S.DRAFT, S.SENT): _rule("send", REQUESTER, ASKING),
    (S.DRAFT, S.CLOSED): _rule("withdraw_draft", REQUESTER, ASKING),
    (S.SENT, S.ACKNOWLEDGED): _rule("acknowledge", RESPONDER, ASKING),
    (S.RECEIVED, S.ACKNOWLEDGED): _rule("acknowledge", RESPONDER, frozenset({D.INCOMING})),
    (S.ACKNOWLEDGED, S.IN_PROGRESS): _rule("start", RESPONDER),
    (S.DELAYED, S.IN_PROGRESS): _rule("resume", RESPONDER),
    (S.ANSWERED_PARTIAL, S.ANSWERED_COMPLETE): _rule("complete_answer", RESPONDER),
    **{(src, S.ANSWERED_COMPLETE): _rule("answer", RESPONDER) for src in WAITING},
    **{(src, S.ANSWERED_PARTIAL): _rule("answer", RESPONDER) for src in WAITING},
    (S.ACKNOWLEDGED, S.DELAYED): _reasoned("delay"),
    (S.IN_PROGRESS, S.DELAYED): _reasoned("delay"),
    **{(src, S.RESTRICTED): _reasoned("restrict") for src in WAITING},
    **{(src, S.REFUSED): _reasoned("refuse") for src in WAITING},
    **{(src, S.CLOSED): _rule("close", EITHER) for src in OUTCOMES},
}

# Where each direction's life cycle begins.
INITIAL = {D.OUTGOING: S.DRAFT, D.DOMESTIC: S.DRAFT, D.INCOMING: S.RECEIVED}
AWAITING_ACK = frozenset({S.SENT, S.RECEIVED})
AWAITING_ANSWER = AWAITING_ACK | frozenset(WAITING)
OPEN = AWAITING_ANSWER | {S.DRAFT}
# Statuses in which our registry may still draft an answer (incoming and domestic).
DRAFTABLE = AWAITING_ANSWER | {S.ANSWERED_PARTIAL}


def rule_for(direction: Direction, source: Status, target: Status) -> Rule:
    """The rule allowing source -> target for this direction, or TransitionRefused."""
    rule = TABLE.get((source, target))
    if rule is None:
        raise TransitionRefused(
            _("The transition table allows no step from '%(from)s' to '%(to)s'.")
            % {"from": source.label, "to": target.label}
        )
    if direction not in rule.directions:
        raise TransitionRefused(
            _("The step '%(rule)s' (%(from)s to %(to)s) does not apply to %(direction)s requests.")
            % {
                "rule": rule.name,
                "from": source.label,
                "to": target.label,
                "direction": direction.label,
            },
            rule=rule.name,
        )
    return rule


def targets(direction: Direction, source: Status) -> list[Status]:
    """The statuses reachable in one step, in the order of the Status enumeration."""
    return [
        target
        for target in Status
        if (rule := TABLE.get((source, target))) is not None and direction in rule.directions
    ]


# --- deadlines -------------------------------------------------------------------------

DEFAULT_ACK_DAYS = 5
# ITI para 19 asks for acknowledgement "within a reasonable time" and gives no day count
# for the answer either; 30 calendar days is our default, a setting, not a legal rule.
DEFAULT_ANSWER_DAYS = 30
URGENT_ACK = dt.timedelta(hours=24)


@dataclass(frozen=True)
class DeadlinePolicy:
    ack_days: int = DEFAULT_ACK_DAYS  # working days
    answer_days: int = DEFAULT_ANSWER_DAYS  # calendar days
    holidays: frozenset[dt.date] = frozenset()

    @classmethod
    def from_settings(cls) -> DeadlinePolicy:
        return cls(
            ack_days=int(getattr(settings, "ARMSTRACE_TRACE_ACK_DAYS", DEFAULT_ACK_DAYS)),
            answer_days=int(getattr(settings, "ARMSTRACE_TRACE_ANSWER_DAYS", DEFAULT_ANSWER_DAYS)),
            holidays=parse_holidays(getattr(settings, "ARMSTRACE_TRACE_HOLIDAYS", ())),
        )


def parse_holidays(values: Iterable[str | dt.date]) -> frozenset[dt.date]:
    """Holidays as dates; text in ISO form (YYYY-MM-DD), so a setting can list them."""
    return frozenset(v if isinstance(v, dt.date) else dt.date.fromisoformat(v) for v in values)


def is_working_day(day: dt.date, holidays: frozenset[dt.date]) -> bool:
    return day.weekday() < 5 and day not in holidays  # 5, 6: Saturday, Sunday


def add_working_days(start: dt.datetime, days: int, holidays: frozenset[dt.date]) -> dt.datetime:
    """The same time of day, `days` working days later (weekends and holidays skipped)."""
    moment = start
    remaining = days
    while remaining > 0:
        moment += dt.timedelta(days=1)
        if is_working_day(moment.date(), holidays):
            remaining -= 1
    return moment


def ack_due(start: dt.datetime, priority: Priority, policy: DeadlinePolicy) -> dt.datetime:
    """Acknowledgement due: 24 hours for urgent requests, else N working days."""
    if priority == Priority.URGENT:
        return start + URGENT_ACK
    return add_working_days(start, policy.ack_days, policy.holidays)


def answer_due(start: dt.datetime, policy: DeadlinePolicy) -> dt.datetime:
    return start + dt.timedelta(days=policy.answer_days)


ACK, ANSWER = "ack", "answer"


def overdue(
    status: Status,
    ack_due_at: dt.datetime | None,
    answer_due_at: dt.datetime | None,
    now: dt.datetime,
) -> str | None:
    """What is late: the answer (worse), the acknowledgement, or nothing."""
    if status in AWAITING_ANSWER and answer_due_at is not None and answer_due_at < now:
        return ANSWER
    if status in AWAITING_ACK and ack_due_at is not None and ack_due_at < now:
        return ACK
    return None


# --- reminders and escalation (T8) --------------------------------------------------

DEFAULT_REMIND_EVERY_DAYS = 3
DEFAULT_ESCALATE_AFTER_REMINDERS = 2


@dataclass(frozen=True)
class ReminderPolicy:
    every: dt.timedelta = dt.timedelta(days=DEFAULT_REMIND_EVERY_DAYS)
    escalate_after: int = DEFAULT_ESCALATE_AFTER_REMINDERS

    @classmethod
    def from_settings(cls) -> ReminderPolicy:
        days = getattr(settings, "ARMSTRACE_TRACE_REMIND_EVERY_DAYS", DEFAULT_REMIND_EVERY_DAYS)
        after = getattr(
            settings, "ARMSTRACE_TRACE_ESCALATE_AFTER_REMINDERS", DEFAULT_ESCALATE_AFTER_REMINDERS
        )
        return cls(every=dt.timedelta(days=int(days)), escalate_after=int(after))


def reminder_due(
    last_reminder_at: dt.datetime | None, now: dt.datetime, policy: ReminderPolicy
) -> bool:
    return last_reminder_at is None or now - last_reminder_at >= policy.every
