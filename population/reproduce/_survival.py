"""Times to a criterion per individual, with censoring: the statistics every protocol reports.

Each individual's time is the first tick (from a phase's start) at which its own P(addictive)
reaches the criterion; an individual that never does within the phase is censored at the
phase's length. Everyone is followed to the same horizon (administrative censoring only), so
the Kaplan-Meier estimate is the empirical distribution of the observed times: the fraction
reached by t, and the median where more than half reach the criterion (else "not reached",
reported as None, never a number made from censored times). Intervals: Wilson for fractions,
a seeded bootstrap over individuals for the median. No ratio of censored times is formed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Z95 = 1.959963984540054


def times_to_level(p: np.ndarray, level: float, start: int, stop: int) -> tuple[np.ndarray,
                                                                               np.ndarray]:
    """Per-individual ticks from ``start`` until ``p`` (T, N) first reaches ``level`` before
    ``stop``, and whether it did (False: censored at ``stop - start``)."""
    window = np.asarray(p[start:stop]) >= level
    hit = window.any(axis=0)
    t = np.where(hit, window.argmax(axis=0), stop - start)
    return t.astype(np.int64), hit


def wilson(k: int, n: int) -> tuple[float, float]:
    """95% Wilson interval of a fraction k / n."""
    if n == 0:
        return (0.0, 1.0)
    f = k / n
    den = 1 + Z95**2 / n
    mid = (f + Z95**2 / (2 * n)) / den
    half = Z95 * np.sqrt(f * (1 - f) / n + Z95**2 / (4 * n * n)) / den
    return (round(float(max(0.0, mid - half)), 12), round(float(min(1.0, mid + half)), 12))


def _median(t: np.ndarray, hit: np.ndarray) -> float | None:
    """Kaplan-Meier median under a common horizon: the time by which half have reached it."""
    order = np.sort(np.where(hit, t, np.iinfo(np.int64).max))
    k = (len(t) + 1) // 2  # the smallest time with reached fraction >= 0.5
    value = order[k - 1]
    return None if value == np.iinfo(np.int64).max else float(value)


def survival(t: np.ndarray, hit: np.ndarray, by: tuple[int, ...] = (10, 50, 100),
             seed: int = 0, reps: int = 400) -> dict[str, Any]:
    """Fraction reaching the criterion by each tick of ``by`` and in all (Wilson intervals),
    the Kaplan-Meier median with a bootstrap interval (None where not reached)."""
    n = len(t)
    out: dict[str, Any] = {"n": n, "reached": float(hit.mean()), "reached_ci": wilson(
        int(hit.sum()), n)}
    for b in by:
        k = int((hit & (t <= b)).sum())
        out[f"reached_by_{b}"] = k / n
        out[f"reached_by_{b}_ci"] = wilson(k, n)
    out["median"] = _median(t, hit)
    rng = np.random.default_rng(seed)
    meds = []
    for _ in range(reps):
        i = rng.integers(0, n, n)
        meds.append(_median(t[i], hit[i]))
    finite = [m for m in meds if m is not None]
    if len(finite) == reps:
        out["median_ci"] = (float(np.percentile(finite, 2.5)), float(np.percentile(finite, 97.5)))
    else:  # some resamples do not reach half: the upper end is open
        lo = float(np.percentile(finite, 2.5)) if finite else None
        out["median_ci"] = (lo, None)
    return out


def mean_ci(x: np.ndarray, seed: int = 0, reps: int = 2000) -> dict[str, Any]:
    """Mean of per-individual values with a seeded percentile-bootstrap 95% interval."""
    x = np.asarray(x, dtype=np.float64)
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, len(x), (reps, len(x)))].mean(axis=1)
    return {"mean": float(x.mean()), "ci": (float(np.percentile(means, 2.5)),
                                            float(np.percentile(means, 97.5))), "n": len(x)}


def difference_ci(a: np.ndarray, b: np.ndarray, seed: int = 0, reps: int = 2000
                  ) -> dict[str, Any]:
    """Mean of ``a`` minus mean of ``b`` (independent groups) with a bootstrap 95% interval."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    rng = np.random.default_rng(seed)
    d = (a[rng.integers(0, len(a), (reps, len(a)))].mean(axis=1)
         - b[rng.integers(0, len(b), (reps, len(b)))].mean(axis=1))
    return {"difference": float(a.mean() - b.mean()),
            "ci": (float(np.percentile(d, 2.5)), float(np.percentile(d, 97.5)))}
