"""The statistics every science interval rests on (population/reproduce/_survival.py), checked
against hand calculations, published worked examples, scipy.stats and known distributions.

- Wilson's score interval: the formula worked by hand on 0/20, Newcombe (1998)'s four worked
  examples to the 4 decimals published, and scipy.stats.binomtest's Wilson interval over a grid.
- The Kaplan-Meier median with censoring: the product-limit estimate worked by hand on small
  examples (censored at the common horizon, the protocols' only censoring), and against
  scipy.stats.ecdf on censored data.
- The percentile-bootstrap intervals (mean_ci, difference_ci, the median's): their coverage of
  the known mean, difference or median over repeated samples of a known distribution.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from addsim.population.reproduce._survival import (
    Z95,
    _median,
    difference_ci,
    mean_ci,
    survival,
    times_to_level,
    wilson,
)


def test_z95_is_the_normal_quantile() -> None:
    assert stats.norm.ppf(0.975) == pytest.approx(Z95, abs=1e-15)


def test_wilson_by_hand_with_no_successes() -> None:
    """0 of 20: the lower end is 0 and the upper end is z^2 / (n + z^2), since with p = 0 the
    centre z^2/(2n) / (1 + z^2/n) and the half-width z sqrt(z^2/(4n^2)) / (1 + z^2/n) are
    equal: 3.841459 / 23.841459 = 0.161125."""
    z2 = 1.959963984540054**2
    assert z2 == pytest.approx(3.841459, abs=1e-6)
    lo, hi = wilson(0, 20)
    assert lo == 0.0
    assert hi == pytest.approx(z2 / (20 + z2), abs=1e-12)
    assert hi == pytest.approx(0.161125, abs=1e-6)


def test_wilson_by_hand_at_one_half() -> None:
    """5 of 10: symmetric about 0.5; half-width z sqrt(0.025 + z^2/400) / (1 + z^2/10) =
    1.959964 * 0.186021 / 1.384146 = 0.263407, so [0.236593, 0.763407]."""
    z = 1.959963984540054
    half = z * math.sqrt(0.5 * 0.5 / 10 + z * z / 400) / (1 + z * z / 10)
    assert half == pytest.approx(0.263407, abs=1e-6)
    lo, hi = wilson(5, 10)
    assert lo == pytest.approx(0.5 - half, abs=1e-12)
    assert hi == pytest.approx(0.5 + half, abs=1e-12)


@pytest.mark.parametrize(("k", "n", "lo", "hi"), [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_matches_newcombes_worked_examples(k: int, n: int, lo: float, hi: float) -> None:
    """Newcombe (1998), Stat Med 17:857, Table II, method 3 (score, no continuity
    correction), as published to 4 decimals."""
    got = wilson(k, n)
    assert got[0] == pytest.approx(lo, abs=5e-5)
    assert got[1] == pytest.approx(hi, abs=5e-5)


def test_wilson_equals_scipys_over_a_grid() -> None:
    """Identical (to 1e-12) to scipy.stats.binomtest(k, n).proportion_ci(method='wilson') at
    every k of n = 1, 2, 7, 30, 100, 1000."""
    for n in (1, 2, 7, 30, 100, 1000):
        for k in range(n + 1):
            ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
            assert wilson(k, n) == pytest.approx((ci.low, ci.high), abs=1e-12), (k, n)
    assert wilson(0, 0) == (0.0, 1.0)  # no individuals: nothing known


def _km_by_hand(t: list[int], hit: list[bool]) -> float | None:
    """The product-limit estimate S(t) = prod over event times t_i <= t of (1 - d_i / r_i)
    (d_i events at t_i, r_i at risk just before), walked in time order; the median is the
    first event time with S <= 0.5, None when S never gets there. Written from the textbook
    (Kaplan and Meier 1958), not from the code under test."""
    s = 1.0
    for u in sorted(set(x for x, h in zip(t, hit, strict=True) if h)):
        at_risk = sum(1 for x in t if x >= u)  # censored at u are still at risk at u
        events = sum(1 for x, h in zip(t, hit, strict=True) if h and x == u)
        s *= 1 - events / at_risk
        if s <= 0.5 + 1e-12:
            return float(u)
    return None


@pytest.mark.parametrize(("t", "hit", "median"), [
    # 5 individuals, 2 censored at the horizon 10: S = 4/5, 3/5, 2/5 at 2, 4, 6 -> 6
    ([2, 4, 6, 10, 10], [True, True, True, False, False], 6.0),
    # ties: S(3) = 5/6, S(5) = 5/6 * 3/5 = 1/2 -> 5 (the first time half have reached it;
    # R's survfit takes the middle of the flat stretch, (5 + 8) / 2, here)
    ([3, 5, 5, 8, 10, 10], [True, True, True, True, False, False], 5.0),
    # 1 of 4 reaches it: S stays at 3/4 -> not reached, never a number made from censoring
    ([2, 10, 10, 10], [True, False, False, False], None),
    # exactly half reach it (2 of 4): S(7) = 1/2 -> 7
    ([1, 7, 9, 9], [True, True, False, False], 7.0),
    # nobody censored: the ordinary sample median's lower value
    ([4, 1, 3, 2, 5], [True] * 5, 3.0),
])
def test_kaplan_meier_median_with_censoring_by_hand(t: list[int], hit: list[bool],
                                                    median: float | None) -> None:
    assert _km_by_hand(t, hit) == median  # the hand-written estimator agrees with the hand
    assert _median(np.array(t), np.array(hit)) == median


def test_kaplan_meier_median_equals_scipys_ecdf_on_censored_data() -> None:
    """200 random samples (n 1-60, censoring at a common horizon 50 as every protocol does):
    the median is where scipy.stats.ecdf's survival function of the censored data first
    reaches 0.5 or below, None where it never does."""
    rng = np.random.default_rng(2026)
    for _ in range(200):
        n = int(rng.integers(1, 61))
        raw = rng.geometric(rng.uniform(0.005, 0.1), n)
        hit = raw < 50
        t = np.where(hit, raw, 50)
        want = _km_by_hand(t.tolist(), hit.tolist())
        if hit.any():
            data = stats.CensoredData(uncensored=t[hit].astype(float),
                                      right=t[~hit].astype(float))
            sf = stats.ecdf(data).sf
            below = sf.quantiles[sf.probabilities <= 0.5 + 1e-12]
            assert want == (float(below[0]) if below.size else None)
        assert _median(t, hit) == want, (t, hit)


def test_times_to_level_censors_at_the_phase_length() -> None:
    """From tick 2 to 6 (4 ticks): individual 0 reaches 0.7 at tick 3 (time 1), 1 never
    (censored at 4), 2 already at tick 2 (time 0); tick 0's value is outside the phase."""
    p = np.array([[0.9, 0.0, 0.0], [0.0, 0.0, 0.0], [0.1, 0.0, 0.8],
                  [0.7, 0.69, 0.1], [0.2, 0.0, 0.9], [0.0, 0.5, 0.0], [1.0, 1.0, 1.0]])
    t, hit = times_to_level(p, 0.7, 2, 6)
    assert t.tolist() == [1, 4, 0] and hit.tolist() == [True, False, True]


def test_survival_fractions_and_intervals_by_hand() -> None:
    """Times 0, 5, 20, 60 reached and 2 censored at 100 (n 6): by 10, 2 of 6; by 50, 3 of 6;
    by 100, 4 of 6; median 20 (S = 5/6, 4/6, 3/6 at 0, 5, 20); each fraction with its Wilson
    interval; the median's bootstrap interval has an open upper end (some resamples do not
    reach half)."""
    t = np.array([0, 5, 20, 60, 100, 100])
    hit = np.array([True, True, True, True, False, False])
    s = survival(t, hit)
    assert s["n"] == 6 and s["reached"] == pytest.approx(4 / 6)
    for by, k in ((10, 2), (50, 3), (100, 4)):
        assert s[f"reached_by_{by}"] == pytest.approx(k / 6), by
        assert s[f"reached_by_{by}_ci"] == wilson(k, 6), by
    assert s["median"] == 20.0
    assert s["median_ci"][1] is None and s["median_ci"][0] <= 20.0


def test_mean_ci_covers_the_known_mean() -> None:
    """Percentile bootstrap of a mean: over 400 samples of 50 from N(3, 2^2) the interval
    holds 3 in 91-99% of them (nominal 95%; the percentile bootstrap runs a little narrow,
    about 94% at n 50; 400 samples give a standard error of 1.1 points). Bounds set before
    the run."""
    rng = np.random.default_rng(34)
    inside = 0
    for i in range(400):
        ci = mean_ci(rng.normal(3.0, 2.0, 50), seed=i)["ci"]
        inside += ci[0] <= 3.0 <= ci[1]
    assert 0.91 <= inside / 400 <= 0.99, inside


def test_difference_ci_covers_the_known_difference() -> None:
    """Two independent groups, Exp(mean 2) (n 60) minus Exp(mean 1.5) (n 40): the interval
    holds 0.5 in 90-99% of 400 samples (nominal 95%; skewed groups make the percentile
    bootstrap a little narrow). Bounds set before the run."""
    rng = np.random.default_rng(35)
    inside = 0
    for i in range(400):
        d = difference_ci(rng.exponential(2.0, 60), rng.exponential(1.5, 40), seed=i)
        inside += d["ci"][0] <= 0.5 <= d["ci"][1]
    assert 0.90 <= inside / 400 <= 0.99, inside


def test_median_ci_covers_the_known_median() -> None:
    """The bootstrap interval of the Kaplan-Meier median: times uniform on 0-999 (median
    499.5; 499 and 500 both are medians), n 101, nobody censored: the interval holds 499.5 in
    89-99% of 200 samples (nominal 95%; 200 samples give a standard error of 1.5 points).
    Bounds set before the run."""
    rng = np.random.default_rng(36)
    inside = 0
    for i in range(200):
        t = rng.integers(0, 1000, 101)
        ci = survival(t, np.ones(101, bool), seed=i)["median_ci"]
        inside += ci[0] <= 499.5 <= ci[1]
    assert 0.89 <= inside / 200 <= 0.99, inside
