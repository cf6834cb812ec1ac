"""Per-individual risk factors: drawn from the configured distributions, or read from a CSV.

Risk factors are how people differ: dopamine surge, richness of natural rewards, learning
rate, softmax inverse temperature, peer susceptibility, access, and the perceived win
probability and stake of gambling.
Each is an (N,) float array; the engine hands them to the learners and task cores as
per-individual parameters and conditions.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from addsim._errors import did_you_mean, shown
from addsim._read import input_file
from addsim.population.config import (
    RISK_FACTORS,
    Beta,
    ConfigError,
    Dist,
    Fixed,
    Levels,
    LogNormal,
    RiskCfg,
    TruncNormal,
    Uniform,
    factor_range,
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
        low = -np.inf if dist.low is None else dist.low
        high = np.inf if dist.high is None else dist.high
        out = dist.mean + dist.sd * rng.standard_normal(n)
        bad = (out < low) | (out > high)
        for _ in range(1000):  # redraw the outside ones; converges fast unless the window is tiny
            if not bad.any():
                break
            out[bad] = dist.mean + dist.sd * rng.standard_normal(int(bad.sum()))
            bad = (out < low) | (out > high)
        if bad.any():
            raise ConfigError(
                f"truncnormal: [{low}, {high}] is too far in the tail of "
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
    lo, hi = factor_range(name)
    bad = ~np.isfinite(values) | (values < lo) | (values > hi)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ConfigError(
            f"{where}: got {float(values[i])!r} (individual {i}), expected values in [{lo}, {hi}]"
        )


def read_csv(path: str | Path, n: int) -> dict[str, np.ndarray]:
    """Risk-factor columns of a CSV with one row per individual (header names the factors)."""
    where = "population.risk_csv"
    p = input_file(path, where)
    if p.stat().st_size > MAX_CSV_BYTES:
        raise ConfigError(f"{where}: {shown(str(p))} is larger than {MAX_CSV_BYTES:,} bytes")
    try:  # utf-8-sig: a spreadsheet's byte-order mark is not part of the first column's name
        with p.open(newline="", encoding="utf-8-sig") as fh:
            header, rows = _read_rows(csv.reader(fh), where)
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where}: {shown(str(p))} is not UTF-8 text (byte {exc.start} of a "
                          "line); save it as UTF-8") from None
    except csv.Error as exc:
        raise ConfigError(f"{where}: {shown(str(p))} is not a readable CSV "
                          f"({shown(str(exc))})") from None
    if len(rows) != n:
        raise ConfigError(
            f"{where}: {len(rows)} rows, expected one per individual (population.size = {n})"
        )
    table = np.asarray(rows, dtype=np.float64).reshape(n, len(header))
    if "id" in header:  # rows may come in any order: person i is the row whose id is i
        ids = table[:, header.index("id")]
        order = np.argsort(ids, kind="stable")
        if not np.array_equal(ids[order], np.arange(n)):
            bad = ids[~((ids == np.round(ids)) & (ids >= 0) & (ids < n))]
            what = f"got {float(bad[0])!r}" if bad.size else "an id appears twice"
            raise ConfigError(f"{where} column id: {what}; expected each of 0..{n - 1} once "
                              "(row i describes person i)")
        table = table[order]
    out = {h: table[:, j] for j, h in enumerate(header) if h != "id"}
    for name, values in out.items():
        _check(name, values, f"{where} column {name}")
    return out


MAX_FIELD = 100  # characters of one CSV value: a number needs a few dozen


def _read_rows(reader: Any, where: str) -> tuple[list[str], list[list[float]]]:
    """The header and the rows of numbers of a risk CSV (one-line errors naming the line)."""
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ConfigError(f"{where}: the file is empty") from None
    for h in header:
        if h not in RISK_FACTORS and h != "id":
            raise ConfigError(
                f"{where}: column {shown(h, 40)} is not a risk factor; allowed: id, "
                f"{', '.join(RISK_FACTORS)}" + did_you_mean(h, RISK_FACTORS)
            )
    if len(set(header)) != len(header):
        raise ConfigError(f"{where}: a column name appears twice in the header")
    if "id" in header and len(header) == 1:
        raise ConfigError(f"{where}: only an id column; add risk factor columns")
    rows = []
    for line, row in enumerate(reader, start=2):
        if len(row) != len(header):
            raise ConfigError(
                f"{where}: line {line} has {len(row)} fields, expected {len(header)}"
            )
        if any(len(x) > MAX_FIELD for x in row):
            raise ConfigError(f"{where}: line {line} has a field longer than {MAX_FIELD} "
                              "characters, expected numbers")
        try:
            rows.append([float(x) for x in row])
        except ValueError:
            raise ConfigError(
                f"{where}: line {line} has a value that is not a number"
            ) from None
    return header, rows


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
    Factors in ``skip`` (levels, CSV columns) or not drawn are left alone. The factors draw
    their scores in the fixed order of ``RISK_FACTORS``, not in the order ``factors`` lists
    them, so a config's key order never changes a run (a batch writes its configs with sorted
    keys).
    """
    names = [k for k in RISK_FACTORS if k in factors and k in values and k not in skip]
    if correlation <= 0 or not names:
        return
    n = next(iter(values.values())).size
    trait = rng.standard_normal(n)
    for name in names:
        score = np.sqrt(correlation) * trait + np.sqrt(1 - correlation) * rng.standard_normal(n)
        order = np.argsort(factors[name] * score, kind="stable")
        v = values[name]
        v[order] = np.sort(v, kind="stable")
