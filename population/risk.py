"""Per-individual risk factors: drawn from the configured distributions, or read from a CSV.

Risk factors are how people differ: dopamine surge, richness of natural rewards, learning
rate, softmax inverse temperature, peer susceptibility, access and perceived win probability.
Each is an (N,) float array; the engine hands them to the learners and task cores as
per-individual parameters and conditions.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from addsim._errors import did_you_mean
from addsim.population.config import (
    RISK_FACTORS,
    UNIT_INTERVAL,
    Beta,
    ConfigError,
    Dist,
    Fixed,
    Levels,
    LogNormal,
    RiskCfg,
    TruncNormal,
    Uniform,
)

MAX_CSV_BYTES = 512 * 1024 * 1024


def sample(dist: Dist, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n`` values of one distribution; same generator state, same values."""
    if isinstance(dist, Fixed):
        return np.full(n, dist.value)
    if isinstance(dist, Levels):  # deterministic: consumes no random numbers
        values = np.asarray(dist.levels(), dtype=np.float64)
        if n % dist.block:
            raise ConfigError(
                f"population.size: got {n}, expected a multiple of {dist.block} "
                f"({values.size} levels x each {dist.each})"
            )
        return values[(np.arange(n) // dist.each) % values.size]
    if isinstance(dist, Uniform):
        return rng.uniform(dist.low, dist.high, n)
    if isinstance(dist, Beta):
        return dist.low + (dist.high - dist.low) * rng.beta(dist.a, dist.b, n)
    if isinstance(dist, LogNormal):
        return dist.median * np.exp(dist.sigma * rng.standard_normal(n))
    if isinstance(dist, TruncNormal):
        out = dist.mean + dist.sd * rng.standard_normal(n)
        bad = (out < dist.low) | (out > dist.high)
        for _ in range(1000):  # redraw the outside ones; converges fast unless the window is tiny
            if not bad.any():
                break
            out[bad] = dist.mean + dist.sd * rng.standard_normal(int(bad.sum()))
            bad = (out < dist.low) | (out > dist.high)
        if bad.any():
            raise ConfigError(
                f"truncnormal: [{dist.low}, {dist.high}] is too far in the tail of "
                f"N({dist.mean}, {dist.sd}) to draw from"
            )
        return out
    raise TypeError(f"unknown distribution {dist!r}")


def draw(cfg: RiskCfg, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Every risk factor the config sets for ``n`` individuals, one independent sub-stream
    each (keyed by the factor's position in RiskCfg, so unsetting one changes no other)."""
    streams = rng.spawn(len(RISK_FACTORS))
    out = {}
    for name, sub in zip(RISK_FACTORS, streams, strict=True):
        dist = getattr(cfg, name)
        if dist is None:  # unset: the learner presets decide (the stream is still spawned)
            continue
        values = sample(dist, n, sub)
        _check(name, values, f"risk.{name}")
        out[name] = values
    return out


def _check(name: str, values: np.ndarray, where: str) -> None:
    """Refuse values a factor cannot take (probabilities outside [0, 1], negative rates)."""
    lo, hi = (0.0, 1.0) if name in UNIT_INTERVAL or name == "learning_rate" else (0.0, 1e6)
    bad = ~np.isfinite(values) | (values < lo) | (values > hi)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ConfigError(
            f"{where}: got {float(values[i])!r} (individual {i}), expected values in [{lo}, {hi}]"
        )


def read_csv(path: str | Path, n: int) -> dict[str, np.ndarray]:
    """Risk-factor columns of a CSV with one row per individual (header names the factors)."""
    p = Path(path)
    where = "population.risk_csv"
    if not p.is_file():
        raise ConfigError(f"{where}: file {str(p)!r} not found")
    if p.stat().st_size > MAX_CSV_BYTES:
        raise ConfigError(f"{where}: {str(p)!r} is larger than {MAX_CSV_BYTES} bytes")
    with p.open(newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise ConfigError(f"{where}: {str(p)!r} is empty") from None
        for h in header:
            if h not in RISK_FACTORS and h != "id":
                raise ConfigError(
                    f"{where}: column {h!r} is not a risk factor; allowed: "
                    f"{', '.join(RISK_FACTORS)}" + did_you_mean(h, RISK_FACTORS)
                )
        rows = []
        for line, row in enumerate(reader, start=2):
            if len(row) != len(header):
                raise ConfigError(
                    f"{where}: line {line} has {len(row)} fields, expected {len(header)}"
                )
            try:
                rows.append([float(x) for x in row])
            except ValueError:
                raise ConfigError(
                    f"{where}: line {line} has a value that is not a number"
                ) from None
    if len(rows) != n:
        raise ConfigError(
            f"{where}: {len(rows)} rows, expected one per individual (population.size = {n})"
        )
    table = np.asarray(rows, dtype=np.float64).reshape(n, len(header))
    out = {h: table[:, j] for j, h in enumerate(header) if h != "id"}
    for name, values in out.items():
        _check(name, values, f"{where} column {name}")
    return out


def level_factors(cfg: RiskCfg) -> list[str]:
    """Names of the risk factors drawn as deterministic ``levels`` (grid axes inside a run)."""
    return [name for name in RISK_FACTORS if isinstance(getattr(cfg, name), Levels)]


def check_levels(cfg: RiskCfg, n: int) -> None:
    """Refuse a population size that does not tile every ``levels`` factor, before any run."""
    for name in level_factors(cfg):
        dist = getattr(cfg, name)
        if n % dist.block:
            raise ConfigError(
                f"population.size: got {n}, expected a multiple of {dist.block} "
                f"(risk.{name}: {len(dist.levels())} levels x each {dist.each})"
            )


def couple(
    values: dict[str, np.ndarray], factors: dict[str, int], correlation: float,
    rng: np.random.Generator, skip: set[str] | frozenset[str] = frozenset(),
) -> None:
    """Correlate risk factors through a shared trait, in place, keeping each one's values.

    Each person has a trait T ~ N(0, 1); factor k's score is sqrt(c) T + sqrt(1 - c) e_k
    (``c`` = ``correlation``) and its values are handed out in the order of the scores
    (descending ones for a factor whose sign is -1, e.g. a lower natural reward). Scores of
    two factors correlate by c; the marginal distributions are unchanged (a rank coupling).
    Factors in ``skip`` (levels, CSV columns) or not drawn are left alone.
    """
    names = [k for k in factors if k in values and k not in skip]
    if correlation <= 0 or not names:
        return
    n = next(iter(values.values())).size
    trait = rng.standard_normal(n)
    for name in names:
        score = np.sqrt(correlation) * trait + np.sqrt(1 - correlation) * rng.standard_normal(n)
        order = np.argsort(factors[name] * score, kind="stable")
        v = values[name]
        v[order] = np.sort(v, kind="stable")
