"""Quality runs, spot-check draws and answers, through the services."""

from __future__ import annotations

import pytest

from armstrace.audit.models import AuditEntry
from armstrace.core.exceptions import DomainValidationError, PermissionDenied
from armstrace.quality import rules, selectors
from armstrace.quality.choices import Outcome, Profile
from armstrace.quality.models import QualityRun, SpotCheckItem
from armstrace.quality.services import answer_spot_check_item, draw_spot_check, run_quality
from armstrace.quality.tests.helpers import bulk_weapons, update
from armstrace.registry.models import Weapon


def test_a_run_keeps_the_count_of_every_rule_of_its_profile_and_is_audited(
    weapon_factory, national_registrar
):
    weapon_factory(model="")
    weapon_factory(import_country="KE", import_year=2010)
    run = run_quality(profile=Profile.ITI, user=national_registrar)
    counts = dict(run.counts.values_list("rule_code", "failures"))
    assert set(counts) == {r.code for r in rules.rules_for(Profile.ITI)}
    assert counts["Q-ITI-MIN"] == 1 and counts["Q-IMPORT-MARK"] == 1 and counts["Q-DUPLICATE"] == 0
    assert (run.checked, run.run_by, run.run_by_name) == (
        2,
        national_registrar,
        "national_registrar",
    )
    entry = AuditEntry.objects.get(tag="quality:run:completed")
    assert entry.object_id == str(run.pk) and entry.data["counts"] == counts


def test_counts_over_time_show_a_correction(weapon_factory, national_registrar):
    weapon = weapon_factory(model="")
    run_quality(profile=Profile.ITI)
    update(weapon, model="M70")
    run_quality(profile=Profile.ITI)
    report = selectors.report(national_registrar, Profile.ITI)
    iti_min = next(row for row in report.counts if row.rule.code == "Q-ITI-MIN")
    assert (iti_min.trend, iti_min.failures, iti_min.change) == ([1, 0], 0, -1)
    history = selectors.rule_history(national_registrar, "Q-ITI-MIN")
    assert [n for _run, n in history] == [0, 1]


def test_an_unknown_profile_is_refused(db):
    with pytest.raises(DomainValidationError):
        run_quality(profile="us")
    assert not QualityRun.objects.exists()


def test_failing_records_are_computed_now_and_paged(agencies, auditor, maker):
    bulk_weapons(agencies["a"], [f"P{n:03d}" for n in range(7)], manufacturer=maker, model="")
    rule = rules.RULES["Q-ITI-MIN"]
    first = selectors.failing_records(auditor, rule, page=1, per_page=5)
    second = selectors.failing_records(auditor, rule, page=2, per_page=5)
    assert (len(first.records), first.has_next, first.has_previous) == (5, True, False)
    assert (len(second.records), second.has_next, second.has_previous) == (2, False, True)
    shown = {r.weapon.pk for r in first.records + second.records}
    assert shown == set(Weapon.objects.values_list("pk", flat=True))


def test_someone_who_may_not_see_quality_gets_no_failing_records(weapon_factory, investigator_a):
    weapon_factory(model="")
    page = selectors.failing_records(investigator_a, rules.RULES["Q-ITI-MIN"], page=1)
    assert page.records == []


# --- spot checks ----------------------------------------------------------------------


@pytest.fixture
def registry_of_forty(agencies, maker):
    """30 records in agency A, 10 in agency B."""
    bulk_weapons(agencies["a"], [f"A{n:03d}" for n in range(30)], manufacturer=maker)
    bulk_weapons(agencies["b"], [f"B{n:03d}" for n in range(10)], manufacturer=maker)


def test_a_draw_is_stratified_in_proportion_and_handed_out_round_robin(
    registry_of_forty, registrar, national_registrar
):
    spot = draw_spot_check(size=8, strata="agency", clerks=[registrar, national_registrar], seed=7)
    items = list(spot.items.select_related("weapon__agency"))
    assert spot.population == {"PA": 30, "PB": 10}
    assert [i.stratum for i in items].count("PA") == 6 and [i.stratum for i in items].count(
        "PB"
    ) == 2
    assert all(i.weapon is not None and i.weapon.agency.code == i.stratum for i in items)
    assert len({i.weapon_id for i in items}) == 8
    assert [i.assigned_to for i in items] == [registrar, national_registrar] * 4
    entry = AuditEntry.objects.get(tag="quality:spotcheck:drawn")
    assert entry.data["seed"] == 7 and entry.data["population"] == {"PA": 30, "PB": 10}


def test_the_same_seed_draws_the_same_sample_and_another_seed_another(registry_of_forty, registrar):
    def sample(seed: int) -> list[object]:
        spot = draw_spot_check(size=5, strata="agency", clerks=[registrar], seed=seed)
        return [i.weapon_id for i in spot.items.all()]

    assert sample(42) == sample(42)
    assert sample(42) != sample(43)


def test_a_small_stratum_gets_at_least_one_record(agencies, maker, registrar):
    bulk_weapons(agencies["a"], [f"A{n:03d}" for n in range(95)], manufacturer=maker)
    bulk_weapons(agencies["b"], ["B1"], manufacturer=maker, status="stolen", source="ledger")
    by_status = draw_spot_check(size=4, strata="status", clerks=[registrar], seed=1)
    by_source = draw_spot_check(size=4, strata="source", clerks=[registrar], seed=1)
    assert sorted(by_status.items.values_list("stratum", flat=True)) == ["stolen"] + ["unknown"] * 3
    assert sorted(by_source.items.values_list("stratum", flat=True)) == ["", "", "", "ledger"]


def test_only_registrars_can_be_clerks(registry_of_forty, investigator_a):
    with pytest.raises(DomainValidationError, match="not an active registrar"):
        draw_spot_check(size=3, strata="agency", clerks=[investigator_a])
    with pytest.raises(DomainValidationError):
        draw_spot_check(size=3, strata="agency", clerks=[])


@pytest.fixture
def item(weapon_factory, registrar):
    weapon_factory(serial="SC-1", model="M70")
    spot = draw_spot_check(size=1, strata="agency", clerks=[registrar], seed=1)
    return spot.items.get()


def test_the_clerk_confirms_a_record(item, registrar):
    answered = answer_spot_check_item(item=item, user=registrar, outcome=Outcome.CONFIRMED)
    assert (answered.outcome, answered.answered_by, answered.corrected_fields) == (
        Outcome.CONFIRMED, registrar, [],
    )  # fmt: skip
    assert AuditEntry.objects.filter(tag="quality:spotcheck:answered").count() == 1


def test_a_correction_goes_through_the_registry_with_the_spot_check_as_reason(item, registrar):
    answer_spot_check_item(
        item=item, user=registrar, outcome=Outcome.ERROR_FOUND, changes={"model": "M70AB2"}
    )
    item.refresh_from_db()
    assert item.outcome == Outcome.ERROR_FOUND and item.corrected_fields == ["model"]
    assert Weapon.objects.get(pk=item.weapon_id).model == "M70AB2"
    corrected = AuditEntry.objects.get(tag="registry:weapon:corrected")
    assert corrected.data == {"fields": ["model"], "reason": f"spot check {item.spot_check_id}"}


def test_a_confirmation_carries_no_correction_and_an_error_says_what(item, registrar):
    with pytest.raises(DomainValidationError, match="needs no correction"):
        answer_spot_check_item(
            item=item, user=registrar, outcome=Outcome.CONFIRMED, changes={"model": "X"}
        )
    with pytest.raises(DomainValidationError, match="say what is wrong"):
        answer_spot_check_item(item=item, user=registrar, outcome=Outcome.ERROR_FOUND)
    answer_spot_check_item(
        item=item, user=registrar, outcome=Outcome.ERROR_FOUND, note="holder differs in ledger"
    )
    with pytest.raises(DomainValidationError, match="already answered"):
        answer_spot_check_item(item=item, user=registrar, outcome=Outcome.CONFIRMED)


def test_only_the_assigned_clerk_or_an_administrator_may_answer(
    item, registrar_b, national_registrar, investigator_a, administrator
):
    for other in (registrar_b, national_registrar, investigator_a):
        with pytest.raises(PermissionDenied):
            answer_spot_check_item(item=item, user=other, outcome=Outcome.CONFIRMED)
    assert SpotCheckItem.objects.get(pk=item.pk).outcome == Outcome.PENDING
    answer_spot_check_item(item=item, user=administrator, outcome=Outcome.CONFIRMED)
    assert SpotCheckItem.objects.get(pk=item.pk).answered_by == administrator


def test_the_estimate_counts_errors_among_the_checked_records_by_stratum(
    registry_of_forty, registrar
):
    spot = draw_spot_check(size=8, strata="agency", clerks=[registrar], seed=3)
    items = list(spot.items.order_by("position"))
    a_items = [i for i in items if i.stratum == "PA"]
    b_items = [i for i in items if i.stratum == "PB"]
    for i in a_items[:4]:
        answer_spot_check_item(item=i, user=registrar, outcome=Outcome.CONFIRMED)
    answer_spot_check_item(item=a_items[4], user=registrar, outcome=Outcome.ERROR_FOUND, note="x")
    answer_spot_check_item(item=b_items[0], user=registrar, outcome=Outcome.ERROR_FOUND, note="y")
    estimate = selectors.estimate(spot)
    a, b = estimate.strata
    assert (a.stratum, a.population, a.drawn, a.checked, a.errors) == ("PA", 30, 6, 5, 1)
    assert (b.stratum, b.population, b.drawn, b.checked, b.errors) == ("PB", 10, 2, 1, 1)
    assert a.rate == pytest.approx(0.2) and b.rate == pytest.approx(1.0)
    # p = 0.75 * 0.2 + 0.25 * 1.0 = 0.4; v = 0.75² (1 - 5/30) 0.2 * 0.8 / 4 (+ 0 for B)
    assert estimate.rate == pytest.approx(0.4)
    half = 1.959964 * (0.5625 * (25 / 30) * 0.16 / 4) ** 0.5
    assert estimate.interval == pytest.approx((0.4 - half, 0.4 + half), abs=1e-6)
