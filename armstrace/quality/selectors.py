"""Reads of the quality app: latest counts, history per rule, failing records, spot checks."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Case, Count, Q, QuerySet, Value, When

from armstrace.accounts.permissions import has_permission
from armstrace.quality import rules
from armstrace.quality.choices import Outcome
from armstrace.quality.models import QualityCount, QualityRun, SpotCheck, SpotCheckItem
from armstrace.quality.permissions import QUALITY_VIEW, SPOTCHECK_ANSWER, SPOTCHECK_VIEW
from armstrace.quality.sampling import Estimate, stratified, stratum_estimate
from armstrace.registry.models import Weapon
from armstrace.registry.selectors import weapons_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from armstrace.accounts.models import User

TREND_RUNS = 8
FETCH_BATCH = 500


@dataclass(frozen=True)
class RuleCount:
    rule: rules.Rule
    failures: int | None  # None: the rule was not part of the run
    previous: int | None
    trend: list[int | None]  # oldest run first, one per run of `Report.runs`

    @property
    def change(self) -> int | None:
        if self.failures is None or self.previous is None:
            return None
        return self.failures - self.previous


@dataclass(frozen=True)
class Report:
    profile: str
    latest: QualityRun | None
    runs: list[QualityRun]  # the last runs of the profile, oldest first
    counts: list[RuleCount]


def runs_for(user: User | AnonymousUser) -> QuerySet[QualityRun]:
    if not has_permission(user, QUALITY_VIEW):
        return QualityRun.objects.none()
    return QualityRun.objects.all()


def report(user: User | AnonymousUser, profile: str, *, last: int = TREND_RUNS) -> Report:
    """Counts by rule in the latest run of `profile`, with the previous run and a trend."""
    runs = list(runs_for(user).filter(profile=profile)[:last])[::-1]
    series: dict[str, dict[int, int]] = {}
    for run_id, code, failures in QualityCount.objects.filter(
        run__in=[run.pk for run in runs]
    ).values_list("run_id", "rule_code", "failures"):
        series.setdefault(code, {})[run_id] = failures
    counts = []
    for rule in rules.rules_for(profile):
        by_run = series.get(rule.code, {})
        trend = [by_run.get(run.pk) for run in runs]
        counts.append(
            RuleCount(
                rule=rule,
                failures=trend[-1] if trend else None,
                previous=trend[-2] if len(trend) > 1 else None,
                trend=trend,
            )
        )
    return Report(profile, runs[-1] if runs else None, runs, counts)


def rule_history(
    user: User | AnonymousUser, code: str, *, last: int = TREND_RUNS
) -> list[tuple[QualityRun, int]]:
    """The rule's count in each of the last runs that included it, newest first."""
    if not has_permission(user, QUALITY_VIEW):
        return []
    counts = QualityCount.objects.filter(rule_code=code).select_related("run")
    return [(c.run, c.failures) for c in counts.order_by("-run__started_at", "-run_id")[:last]]


@dataclass(frozen=True)
class FailingRecord:
    weapon: Weapon
    detail: str


def failure_rows(rule: rules.Rule, scope: QuerySet[Weapon]) -> Iterator[FailingRecord]:
    """Every failing record of `rule` within `scope`, with the weapon read in batches."""
    failures = rule.failures(scope)
    while batch := list(itertools.islice(failures, FETCH_BATCH)):
        yield from _with_weapons(batch)


def _with_weapons(batch: list[tuple[uuid.UUID, str]]) -> list[FailingRecord]:
    weapons = Weapon.objects.select_related("agency").in_bulk([pk for pk, _d in batch])
    return [FailingRecord(weapons[pk], detail) for pk, detail in batch if pk in weapons]


@dataclass(frozen=True)
class FailurePage:
    records: list[FailingRecord]
    number: int
    has_previous: bool
    has_next: bool


def failing_records(
    user: User | AnonymousUser, rule: rules.Rule, *, page: int, per_page: int = 50
) -> FailurePage:
    """One page of the rule's failing records among the weapons the user may see. Computed
    now, so a correction shows at once; only the records up to this page are read."""
    if not has_permission(user, QUALITY_VIEW):
        return FailurePage([], 1, False, False)
    page = max(page, 1)
    start = (page - 1) * per_page
    window = list(itertools.islice(rule.failures(weapons_for(user)), start, start + per_page + 1))
    return FailurePage(
        records=_with_weapons(window[:per_page]),
        number=page,
        has_previous=page > 1,
        has_next=len(window) > per_page,
    )


# --- spot checks ----------------------------------------------------------------------


def spot_checks_for(user: User | AnonymousUser) -> QuerySet[SpotCheck]:
    if not has_permission(user, SPOTCHECK_VIEW):
        return SpotCheck.objects.none()
    return SpotCheck.objects.annotate(
        answered=Count("items", filter=~Q(items__outcome=Outcome.PENDING)),
        errors=Count("items", filter=Q(items__outcome=Outcome.ERROR_FOUND)),
    )


def items_of(spot_check: SpotCheck) -> QuerySet[SpotCheckItem]:
    return spot_check.items.select_related("assigned_to", "answered_by", "weapon")


def items_for_clerk(user: User | AnonymousUser) -> QuerySet[SpotCheckItem]:
    """The items assigned to the user, those still to check first."""
    if not has_permission(user, SPOTCHECK_ANSWER):
        return SpotCheckItem.objects.none()
    pending_first = Case(When(outcome=Outcome.PENDING, then=Value(0)), default=Value(1))
    return (
        SpotCheckItem.objects.filter(assigned_to_id=user.pk)
        .select_related("weapon", "spot_check")
        .order_by(pending_first, "spot_check_id", "position")
    )


def estimate(spot_check: SpotCheck) -> Estimate:
    """Error rate per stratum (Wilson interval) and overall (stratified, with FPC)."""
    rows = {
        stratum: (drawn, checked, errors)
        for stratum, drawn, checked, errors in spot_check.items.values_list("stratum")
        .annotate(
            drawn=Count("id"),
            checked=Count("id", filter=~Q(outcome=Outcome.PENDING)),
            errors=Count("id", filter=Q(outcome=Outcome.ERROR_FOUND)),
        )
        .order_by()
    }
    strata = [
        stratum_estimate(stratum, int(population), *rows.get(stratum, (0, 0, 0)))
        for stratum, population in sorted(spot_check.population.items())
    ]
    return stratified(strata)
