"""The spot-check arithmetic against values computed by hand (and re-derived a second way:
Wilson bounds as the roots of (p̂ - p)² = z² p (1 - p) / n; the stratified variance in
Cochran's form (1/N²) Σ N_h (N_h - n_h) p_h q_h / (n_h - 1))."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from armstrace.quality.sampling import allocate, stratified, stratum_estimate, wilson


def test_three_errors_in_fifty_give_a_wilson_interval_of_2_1_to_16_2_percent():
    low, high = wilson(3, 50)
    assert low == pytest.approx(0.020615, abs=1e-6)
    assert high == pytest.approx(0.162171, abs=1e-6)


def test_no_error_in_twenty_still_leaves_up_to_16_1_percent_and_all_errors_down_to_83_9():
    assert wilson(0, 20) == pytest.approx((0.0, 0.161125), abs=1e-6)
    assert wilson(20, 20) == pytest.approx((0.838875, 1.0), abs=1e-6)
    assert wilson(2, 20) == pytest.approx((0.027866, 0.301034), abs=1e-6)


def test_an_interval_needs_a_checked_record():
    with pytest.raises(ValueError):
        wilson(0, 0)


def test_the_stratified_rate_weighs_strata_by_population_with_finite_population_correction():
    # 1,000 records: 50 checked, 3 errors; 500 records: 20 checked, 2 errors.
    # p = (2/3)(0.06) + (1/3)(0.10) = 0.073333
    # v = (4/9)(0.95)(0.06)(0.94)/49 + (1/9)(0.96)(0.10)(0.90)/19 = 0.000991249
    # p ± 1.959964 * 0.0314841 = 0.011626 .. 0.135041
    estimate = stratified(
        [stratum_estimate("A", 1000, 50, 50, 3), stratum_estimate("B", 500, 20, 20, 2)]
    )
    assert estimate.rate == pytest.approx(0.073333, abs=1e-6)
    assert estimate.interval == pytest.approx((0.011626, 0.135041), abs=1e-6)
    assert (estimate.checked, estimate.errors, estimate.population) == (70, 5, 1500)


def test_a_fully_checked_stratum_has_no_sampling_error_left():
    estimate = stratified([stratum_estimate("all", 40, 40, 40, 4)])
    assert estimate.rate == pytest.approx(0.1)
    assert estimate.interval == pytest.approx((0.1, 0.1))


def test_strata_without_checked_records_are_left_out_and_said_so():
    estimate = stratified(
        [stratum_estimate("A", 900, 10, 10, 1), stratum_estimate("B", 100, 2, 0, 0)]
    )
    assert estimate.rate == pytest.approx(0.1)
    assert (estimate.covered, estimate.population) == (900, 1000)
    assert estimate.strata[1].rate is None and estimate.strata[1].interval is None
    assert stratified([stratum_estimate("A", 5, 1, 0, 0)]).rate is None


def test_allocation_is_proportional_with_at_least_one_record_per_stratum():
    assert allocate({"a": 900, "b": 90, "c": 10}, 10) == {"a": 8, "b": 1, "c": 1}
    assert allocate({"a": 600, "b": 300, "c": 100}, 10) == {"a": 6, "b": 3, "c": 1}


def test_with_fewer_records_than_strata_the_largest_shares_win():
    assert allocate({"a": 5, "b": 3, "c": 2}, 2) == {"a": 1, "b": 1}


def test_a_sample_as_large_as_the_registry_takes_every_record():
    assert allocate({"a": 3, "b": 0, "c": 2}, 10) == {"a": 3, "c": 2}


@given(
    population=st.dictionaries(st.sampled_from("abcdefgh"), st.integers(0, 500), min_size=1),
    size=st.integers(1, 600),
)
def test_allocation_always_draws_the_size_asked_within_each_stratum(population, size):
    share = allocate(population, size)
    total = sum(population.values())
    assert sum(share.values()) == min(size, total)
    assert all(0 < n <= population[key] for key, n in share.items())
    non_empty = [key for key, n in population.items() if n]
    if size >= len(non_empty):
        assert set(share) == set(non_empty)
