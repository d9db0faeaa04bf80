"""The arithmetic of spot checks: proportional allocation and error-rate estimates.

Pure functions, no database: they are tested against hand-computed values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal distribution


def allocate(population: dict[str, int], size: int) -> dict[str, int]:
    """Split `size` over the strata in proportion to their populations (largest remainders),
    giving every non-empty stratum at least one record when `size` allows it, and never
    more records than a stratum holds. Ties go to the stratum named first in sort order."""
    strata = sorted(key for key, n in population.items() if n > 0)
    total = sum(population[key] for key in strata)
    if size >= total:
        return {key: population[key] for key in strata}
    quota = {key: size * population[key] / total for key in strata}
    floor = 1 if size >= len(strata) else 0
    share = {key: min(population[key], max(floor, math.floor(quota[key]))) for key in strata}
    # Too many (the minimum of one lifted small strata): take back from the most over quota.
    while sum(share.values()) > size:
        over = [key for key in strata if share[key] > floor]
        key = max(over, key=lambda k: (share[k] - quota[k], -strata.index(k)))
        share[key] -= 1
    # Too few: give to the largest remainders among strata with records left.
    while sum(share.values()) < size:
        room = [key for key in strata if share[key] < population[key]]
        key = max(room, key=lambda k: (quota[k] - share[k], -strata.index(k)))
        share[key] += 1
    return {key: n for key, n in share.items() if n}


def wilson(errors: int, checked: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion errors/checked."""
    if checked <= 0:
        raise ValueError("an interval needs at least one checked record")
    p = errors / checked
    z2 = z * z
    denominator = 1 + z2 / checked
    centre = (p + z2 / (2 * checked)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / checked + z2 / (4 * checked * checked))
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class StratumEstimate:
    stratum: str
    population: int
    drawn: int
    checked: int
    errors: int
    rate: float | None  # None until a record of the stratum is checked
    interval: tuple[float, float] | None


@dataclass(frozen=True)
class Estimate:
    strata: list[StratumEstimate]
    checked: int
    errors: int
    population: int
    covered: int  # population of the strata with at least one checked record
    rate: float | None
    interval: tuple[float, float] | None


def stratum_estimate(
    stratum: str, population: int, drawn: int, checked: int, errors: int
) -> StratumEstimate:
    if not checked:
        return StratumEstimate(stratum, population, drawn, 0, 0, None, None)
    return StratumEstimate(
        stratum, population, drawn, checked, errors, errors / checked, wilson(errors, checked)
    )


def stratified(strata: list[StratumEstimate], z: float = Z95) -> Estimate:
    """The population-weighted error rate over the checked strata, with a normal-approximation
    interval on the stratified variance with finite population correction (Cochran,
    Sampling Techniques, 3rd ed. 1977, ch. 5, stratified sampling for proportions):

        v = sum over h of W_h^2 (1 - n_h / N_h) p_h (1 - p_h) / (n_h - 1)

    A stratum with one checked record adds nothing to v (p_h (1 - p_h) is 0 there)."""
    checked = [s for s in strata if s.checked and s.rate is not None]
    population = sum(s.population for s in strata)
    covered = sum(s.population for s in checked)
    totals = (sum(s.checked for s in strata), sum(s.errors for s in strata))
    if not checked or not covered:
        return Estimate(strata, *totals, population, covered, None, None)
    rate = 0.0
    variance = 0.0
    for s in checked:
        assert s.rate is not None  # narrowed by the filter above
        weight = s.population / covered
        fpc = 1 - s.checked / s.population if s.population else 0.0
        rate += weight * s.rate
        variance += weight**2 * fpc * s.rate * (1 - s.rate) / max(s.checked - 1, 1)
    half = z * math.sqrt(max(variance, 0.0))
    interval = (max(0.0, rate - half), min(1.0, rate + half))
    return Estimate(strata, *totals, population, covered, rate, interval)
