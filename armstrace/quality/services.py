"""Writes of the quality app: quality runs, spot-check draws and answers. Each is audited."""

from __future__ import annotations

import random
import secrets
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from armstrace.accounts.choices import Role
from armstrace.accounts.permissions import roles_of
from armstrace.audit.services import batch as audit_batch
from armstrace.audit.services import record_change, record_event, snapshot
from armstrace.core import clock
from armstrace.core.context import current_context
from armstrace.core.exceptions import DomainValidationError, PermissionDenied
from armstrace.quality import rules
from armstrace.quality.choices import Outcome, Profile, Strata
from armstrace.quality.models import QualityCount, QualityRun, SpotCheck, SpotCheckItem
from armstrace.quality.permissions import SPOTCHECK_ANSWER, may_answer
from armstrace.quality.sampling import allocate
from armstrace.registry.models import Weapon
from armstrace.registry.services import correct_weapon

if TYPE_CHECKING:
    from armstrace.accounts.models import User

MAX_NOTE = 2000


def run_quality(*, profile: str, user: User | None = None) -> QualityRun:
    """Run every rule of `profile` over the whole registry and keep the counts."""
    if profile not in Profile.values:
        raise DomainValidationError("profile", _("unknown profile %(p)r") % {"p": profile})
    ctx = current_context()  # fail before the work, not after it
    started = clock.now()
    scope = Weapon.objects.all()
    counts = {rule.code: sum(1 for _f in rule.failures(scope)) for rule in rules.rules_for(profile)}
    checked = scope.count()
    with transaction.atomic(), audit_batch():
        run = QualityRun.objects.create(
            started_at=started,
            finished_at=clock.now(),
            run_by=user,
            run_by_name=user.get_username() if user is not None else ctx.actor_name,
            profile=profile,
            checked=checked,
        )
        QualityCount.objects.bulk_create(
            QualityCount(run=run, rule_code=code, failures=n) for code, n in counts.items()
        )
        record_event(
            "quality:run:completed",
            object_type="quality.qualityrun",
            object_id=str(run.pk),
            data={"profile": profile, "checked": checked, "counts": counts},
        )
    return run


# --- spot checks ----------------------------------------------------------------------

STRATUM_FIELD = {Strata.AGENCY: "agency__code", Strata.SOURCE: "source", Strata.STATUS: "status"}


def population_by_stratum(strata: str) -> dict[str, int]:
    field = STRATUM_FIELD[Strata(strata)]
    rows = Weapon.objects.values_list(field).annotate(n=Count("id")).order_by()
    return {str(key): n for key, n in rows}


def _picked(weapons: QuerySet[Weapon], positions: list[int]) -> Iterator[tuple[uuid.UUID, str]]:
    """The weapons at the given (sorted) positions in id order, in one streaming pass."""
    wanted = iter(positions)
    target = next(wanted, None)
    for index, (weapon_id, serial) in enumerate(rules.stream(weapons, "serial_number")):
        if target is None:
            return
        if index == target:
            yield weapon_id, serial
            target = next(wanted, None)


def _check_clerks(clerks: list[User]) -> None:
    if not clerks:
        raise DomainValidationError("clerks", _("name at least one clerk"), code="required")
    for clerk in clerks:
        if not clerk.is_active or Role.REGISTRAR not in roles_of(clerk):
            raise DomainValidationError(
                "clerks",
                _("%(user)s is not an active registrar") % {"user": clerk.get_username()},
                code="not_a_clerk",
            )


def draw_spot_check(
    *,
    size: int,
    strata: str,
    clerks: list[User],
    seed: int | None = None,
    user: User | None = None,
) -> SpotCheck:
    """Draw a stratified random sample (proportional allocation, at least one record per
    non-empty stratum when `size` allows) and hand it out round-robin to the clerks.
    The same seed over the same registry draws the same sample."""
    if strata not in Strata.values:
        raise DomainValidationError("strata", _("unknown stratification %(s)r") % {"s": strata})
    if size < 1:
        raise DomainValidationError("size", _("must be at least 1"), code="too_small")
    _check_clerks(clerks)
    ctx = current_context()
    seed = secrets.randbits(32) if seed is None else seed
    population = population_by_stratum(strata)
    allocation = allocate(population, size)
    rng = random.Random(seed)
    field = STRATUM_FIELD[Strata(strata)]
    picks: list[tuple[str, uuid.UUID, str]] = []
    for stratum in sorted(allocation):
        positions = sorted(rng.sample(range(population[stratum]), allocation[stratum]))
        weapons = Weapon.objects.filter(**{field: stratum})
        picks += [(stratum, pk, serial) for pk, serial in _picked(weapons, positions)]
    with transaction.atomic(), audit_batch():
        spot_check = SpotCheck.objects.create(
            drawn_at=clock.now(),
            drawn_by=user,
            drawn_by_name=user.get_username() if user is not None else ctx.actor_name,
            strata=strata,
            size=len(picks),
            seed=seed,
            population=population,
        )
        SpotCheckItem.objects.bulk_create(
            SpotCheckItem(
                spot_check=spot_check,
                weapon_id=weapon_id,
                serial_number=serial,
                stratum=stratum,
                position=position,
                assigned_to=clerks[position % len(clerks)],
            )
            for position, (stratum, weapon_id, serial) in enumerate(picks)
        )
        record_event(
            "quality:spotcheck:drawn",
            object_type="quality.spotcheck",
            object_id=str(spot_check.pk),
            data={
                "size": len(picks),
                "requested": size,
                "strata": strata,
                "seed": seed,
                "population": population,
                "allocation": allocation,
                "clerks": [clerk.get_username() for clerk in clerks],
            },
        )
    return spot_check


def answer_spot_check_item(
    *,
    item: SpotCheckItem,
    user: User,
    outcome: str,
    changes: dict[str, object] | None = None,
    note: str = "",
) -> SpotCheckItem:
    """The clerk's verdict on one record against its source document. Corrections go
    through the registry's `correct_weapon`, with the reason "spot check N"."""
    if not may_answer(user, item):
        raise PermissionDenied(
            SPOTCHECK_ANSWER.code, _("only the clerk assigned to this item may answer it")
        )
    changes = changes or {}
    note = note.strip()
    if outcome not in (Outcome.CONFIRMED, Outcome.ERROR_FOUND):
        raise DomainValidationError("outcome", _("choose confirmed or error found"))
    if outcome == Outcome.CONFIRMED and changes:
        raise DomainValidationError(
            "outcome",
            _("a record that matches its source needs no correction; choose 'error found'"),
            code="confirmed_with_changes",
        )
    if outcome == Outcome.ERROR_FOUND and not changes and not note:
        raise DomainValidationError(
            "note", _("correct the fields, or say what is wrong"), code="required"
        )
    if len(note) > MAX_NOTE:
        raise DomainValidationError(
            "note", _("is longer than %(max)d characters") % {"max": MAX_NOTE}, code="too_long"
        )
    with transaction.atomic(), audit_batch():
        locked = SpotCheckItem.objects.select_for_update().get(pk=item.pk)
        if locked.outcome != Outcome.PENDING:
            raise DomainValidationError(
                "outcome", _("this item was already answered"), code="answered"
            )
        if locked.weapon_id is None:
            raise DomainValidationError(
                "weapon", _("the record is no longer in the registry"), code="purged"
            )
        if changes:
            weapon = Weapon.objects.get(pk=locked.weapon_id)
            correct_weapon(
                weapon=weapon, changes=changes, reason=f"spot check {locked.spot_check_id}"
            )
        before = snapshot(locked)
        locked.outcome = outcome
        locked.corrected_fields = sorted(changes)
        locked.note = note
        locked.answered_at = clock.now()
        locked.answered_by = user
        locked.save()
        record_change(locked, action="updated", before=before)
        record_event(
            "quality:spotcheck:answered",
            object_type="quality.spotcheckitem",
            object_id=str(locked.pk),
            data={
                "spot_check": locked.spot_check_id,
                "weapon": str(locked.weapon_id),
                "outcome": outcome,
                "corrected_fields": sorted(changes),
            },
        )
    return locked
