"""Reads of reporting: the national report's figures (each one aggregate query over an
indexed column where one exists), the diversion notices, recipients and the assistance
register restricted to what the user may see, and suggested matches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from armstrace.accounts.choices import Role
from armstrace.accounts.models import User
from armstrace.accounts.permissions import has_permission
from armstrace.analytics.selectors import Period, home_state
from armstrace.analytics.sql import concurrently
from armstrace.marking.choices import FindOutcome, ItemStatus
from armstrace.marking.models import CampaignItem, Find
from armstrace.marking.profiles import MarkingProfile, enabled_profiles
from armstrace.quality.models import QualityCount, QualityRun
from armstrace.registry.choices import EventKind, MarkRole
from armstrace.registry.models import Event, Mark, Weapon
from armstrace.reporting import rules
from armstrace.reporting.choices import AssistanceKind, AssistanceStatus
from armstrace.reporting.models import (
    AssistanceEntry,
    AssistanceMatch,
    DiversionNotice,
    NoticeRecipient,
)
from armstrace.reporting.permissions import (
    ASSISTANCE_VIEW,
    NOTICE_VIEW,
    RECIPIENT_MANAGE,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def _days(period: Period) -> tuple[dt.date, dt.date]:
    return period.start, period.end


def _counts(rows: Iterable[dict[str, Any]], key: str) -> dict[str, int]:
    """{value of `key`: n} from a grouped count."""
    return {str(row[key]): int(row["n"]) for row in rows}


# --- the state and its points of contact ------------------------------------------------


@dataclass(frozen=True)
class Contact:
    username: str
    name: str
    agency: str
    country: str
    email: str


def points_of_contact() -> list[Contact]:
    """Active users holding the point-of-contact role, with the agency of that grant."""
    users = (
        User.objects.filter(is_active=True, grants__role=Role.POINT_OF_CONTACT)
        .values_list(
            "username", "first_name", "last_name", "email", "grants__agency__name",
            "grants__agency__country",
        )
        .order_by("grants__agency__name", "username")
    )  # fmt: skip
    return [
        Contact(username, f"{first} {last}".strip() or username, agency, country, email)
        for username, first, last, email, agency, country in users
    ]


# --- marking ------------------------------------------------------------------------------


def profiles_in_force() -> list[MarkingProfile]:
    return enabled_profiles()


@dataclass(frozen=True)
class Marking:
    campaign: int
    by_purpose: dict[str, int]
    imported: int
    import_marks: int
    finds_marked: int
    finds_destroyed: int
    finds_overdue: int


def marking(period: Period) -> Marking:
    start, end = period.bounds()
    days = _days(period)
    done = CampaignItem.objects.filter(
        status=ItemStatus.DONE, result_at__gte=start, result_at__lt=end
    )
    by_purpose = _counts(
        done.values("campaign__purpose").annotate(n=Count("id")).order_by(), "campaign__purpose"
    )
    imports = Event.objects.filter(kind=EventKind.IMPORTED, occurred_on__range=days)
    # Marks applied at import carry the import date; read through the import events (indexed
    # by kind and date) rather than scanning every mark.
    marks = Mark.objects.filter(
        role=MarkRole.IMPORT,
        date_applied__range=days,
        weapon_id__in=imports.values("weapon_id"),
    )
    finds = Find.objects.filter(closed_on__range=days).values("outcome").annotate(n=Count("id"))
    closed = _counts(finds.order_by(), "outcome")
    overdue = Find.objects.filter(outcome=FindOutcome.OPEN, due_on__lt=period.end).count()
    return Marking(
        campaign=sum(by_purpose.values()),
        by_purpose=by_purpose,
        imported=imports.count(),
        import_marks=marks.count(),
        finds_marked=closed.get(FindOutcome.MARKED, 0),
        finds_destroyed=closed.get(FindOutcome.DESTROYED, 0),
        finds_overdue=overdue,
    )


# --- record-keeping -----------------------------------------------------------------------

# The life-cycle events the report counts, in the order it lists them.
RECORD_EVENTS = (
    EventKind.IMPORTED, EventKind.EXPORTED, EventKind.TRANSFERRED, EventKind.LOST,
    EventKind.STOLEN, EventKind.FOUND, EventKind.SEIZED, EventKind.SURRENDERED,
    EventKind.RECOVERED, EventKind.DEACTIVATED, EventKind.DESTROYED,
)  # fmt: skip


@dataclass(frozen=True)
class Records:
    registered: int
    total: int
    by_status: dict[str, int]
    events: dict[str, int]


def records(period: Period) -> Records:
    """Weapons by status, and those registered in the period, in one pass over the (status,
    registered_at) index; events of the listed kinds dated in the period, read through the
    (kind, date) index. Counted over indexed columns only, so the indexes alone answer."""
    start, end = period.bounds()
    in_period = Q(registered_at__gte=start, registered_at__lt=end)
    rows = list(
        Weapon.objects.values("status")
        .annotate(n=Count("*"), registered=Count("registered_at", filter=in_period))
        .order_by()
    )
    events = Event.objects.filter(kind__in=RECORD_EVENTS, occurred_on__range=_days(period))
    by_kind = _counts(events.values("kind").annotate(n=Count("*")).order_by(), "kind")
    by_status = _counts(rows, "status")
    registered = sum(int(row["registered"]) for row in rows)
    return Records(registered, sum(by_status.values()), by_status, by_kind)


@dataclass(frozen=True)
class Quality:
    run_on: dt.date
    profile: str  # a quality Profile code
    checked: int
    failures: list[tuple[str, int]]  # rule code, failing records


def latest_quality() -> Quality | None:
    run = QualityRun.objects.order_by("-started_at", "-id").first()
    if run is None:
        return None
    counts = QualityCount.objects.filter(run=run).order_by("rule_code")
    failures = list(counts.values_list("rule_code", "failures"))
    return Quality(timezone.localtime(run.started_at).date(), run.profile, run.checked, failures)


# --- assistance ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Assistance:
    entries: list[
        AssistanceEntry
    ]  # open during the period (recorded by its end, not closed before)
    matches: list[AssistanceMatch]  # recorded in the period
    needs_recorded: int
    offers_recorded: int
    matches_recorded: int


def assistance(period: Period) -> Assistance:
    start, end = period.bounds()
    live = AssistanceEntry.objects.filter(created_at__lt=end).exclude(closed_at__lt=start)
    recorded = AssistanceEntry.objects.filter(created_at__gte=start, created_at__lt=end)
    kinds = _counts(recorded.values("kind").annotate(n=Count("id")).order_by(), "kind")
    matches = AssistanceMatch.objects.filter(matched_at__gte=start, matched_at__lt=end)
    matched = list(matches.select_related("need", "offer").order_by("matched_at", "id"))
    return Assistance(
        entries=list(live.order_by("kind", "category", "created_at", "id")),
        matches=matched,
        needs_recorded=kinds.get(AssistanceKind.NEED, 0),
        offers_recorded=kinds.get(AssistanceKind.OFFER, 0),
        matches_recorded=len(matched),
    )


# --- pages: notices, recipients, the register -----------------------------------------------


def recipients_for(user: User | AnonymousUser) -> QuerySet[NoticeRecipient]:
    if not has_permission(user, RECIPIENT_MANAGE):
        return NoticeRecipient.objects.none()
    return NoticeRecipient.objects.select_related("peer")


def notices_for(user: User | AnonymousUser) -> QuerySet[DiversionNotice]:
    if not has_permission(user, NOTICE_VIEW):
        return DiversionNotice.objects.none()
    return DiversionNotice.objects.select_related("recipient__peer")


def entries_for(user: User | AnonymousUser) -> QuerySet[AssistanceEntry]:
    if not has_permission(user, ASSISTANCE_VIEW):
        return AssistanceEntry.objects.none()
    return AssistanceEntry.objects.select_related("country")


def matches_of(entry: AssistanceEntry) -> QuerySet[AssistanceMatch]:
    side = Q(need=entry) if entry.kind == AssistanceKind.NEED else Q(offer=entry)
    return AssistanceMatch.objects.filter(side).select_related("need__country", "offer__country")


def suggested_matches(entry: AssistanceEntry, *, limit: int = 10) -> list[rules.Suggestion]:
    """Entries of the other kind and the same category, not closed and not yet matched
    with this one, ranked by nearness and quantity (rules.rank)."""
    if entry.status == AssistanceStatus.CLOSED:
        return []
    other = AssistanceKind.OFFER if entry.kind == AssistanceKind.NEED else AssistanceKind.NEED
    matched = matches_of(entry).values_list(
        "offer_id" if entry.kind == AssistanceKind.NEED else "need_id", flat=True
    )
    candidates = (
        AssistanceEntry.objects.filter(kind=other, category=entry.category)
        .exclude(status=AssistanceStatus.CLOSED)
        .exclude(pk__in=matched)
        .select_related("country")
    )
    return rules.rank(entry, list(candidates))[:limit]


# Re-exported: the report's figures are read at once (national.gather), and the report
# names the state that analytics counts as ours.
__all__ = ["concurrently", "home_country"]
home_country = home_state
