"""Likelihood-free calibration of a run config to survey targets with pyabc's ABC-SMC.

The model of pyabc is the batch engine's run (``execute_run``: the same engine, the same
seeding): a particle's parameter values (params.py) are set in the run config, the run's
seed is a hash of those values (so a particle's outcome is a function of its values,
whichever process or Dask worker runs it), and its summary statistics are the targets'
values observed in its survey table (targets.py). The distance is the root of the summed
squared differences, each in units of its target's standard deviation (an interval's half
width / 1.96), with a NaN statistic (nobody to measure) counted as 10 sd.

Each generation is stored in DIR/calibration.db (pyabc's SQLite history) when it completes,
so a killed calibration continues from the last complete generation when the same command
runs again. One worker (the default) gives the same posterior bit for bit for the same
seed; pyabc's parallel samplers accept particles in completion order, so with more workers
or a Dask cluster the posterior is the same in distribution only.
"""

from __future__ import annotations

import io
import json
import math
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from addsim.population.batches.plan import canonical, run_hash
from addsim.population.params import Space
from addsim.population.targets import Z95, Targets, observe

NAN_SD = 10.0  # a target the run cannot measure counts as this many sd away
SEED_BASE = 1_000_000  # calibration seeds are >= this; validation seeds are 0, 1, ...


def particle_seed(values: dict[str, float], replicate: int = 0) -> int:
    """The run seed of a particle's run ``replicate`` (0, 1, ...): a hash of its values
    (plus the replicate), at least SEED_BASE. Replicate 0 is the seed a particle had before
    particles had several runs, so earlier calibrations continue unchanged."""
    text = canonical({k: float(v) for k, v in sorted(values.items())})
    return SEED_BASE + (int(run_hash(text, 12), 16) + replicate) % (2**31 - 1 - SEED_BASE)


def target_keys(targets: Targets) -> list[str]:
    """Summary-statistic names, one per target (t0, t1, ...: pyabc stores them by name)."""
    return [f"t{i}" for i in range(len(targets.target))]


def observed(targets: Targets) -> dict[str, float]:
    """The targets' published values as pyabc's observed summary statistics."""
    return {k: t.value for k, t in zip(target_keys(targets), targets.target, strict=True)}


def scales(targets: Targets) -> np.ndarray:
    """Each target's sd (from its interval when it has one)."""
    return np.array([t.sd if t.sd is not None else (t.bounds[1] - t.bounds[0]) / (2 * Z95)
                     for t in targets.target])


def statistics(survey: pd.DataFrame, targets: Targets) -> dict[str, float]:
    """A run's summary statistics: each target's value observed in its survey table."""
    return {k: observe(survey, t)
            for k, t in zip(target_keys(targets), targets.target, strict=True)}


def mean_statistics(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each statistic's mean over the runs that could measure it (NaN where none could):
    the particle's statistics, as the validation reports a config's mean over seeds (one
    run: its own statistics)."""
    out = {}
    for key in runs[0]:
        x = np.array([r[key] for r in runs], dtype=float)
        x = x[~np.isnan(x)]
        out[key] = float(x.mean()) if x.size else math.nan
    return out


@dataclass
class Distance:
    """sqrt(sum(((x - x0) / sd)^2)) over the targets; NaN statistics count NAN_SD sd."""

    keys: list[str]
    sd: np.ndarray

    def __call__(self, x: dict[str, float], x0: dict[str, float]) -> float:
        z = np.array([(x[k] - x0[k]) for k in self.keys], dtype=float) / self.sd
        z[~np.isfinite(z)] = NAN_SD
        return float(np.sqrt(np.sum(z * z)))


@dataclass
class Simulator:
    """pyabc's model: a particle's values -> its run's summary statistics (picklable, so
    process pools and Dask workers can call it)."""

    space: Space
    targets: Targets

    def survey(self, values: dict[str, float], seed: int) -> pd.DataFrame:
        """The survey table of the run with ``values`` and ``seed`` (the batch engine's run)."""
        from addsim.population.batches.execute import execute_run

        cfg = self.space.config(values, seed)
        res = execute_run(canonical(cfg.model_dump()))
        return pd.read_parquet(io.BytesIO(res["survey"]))

    def __call__(self, par: Any) -> dict[str, float]:
        values = {k: float(par[k]) for k in self.space.keys}
        return mean_statistics([
            statistics(self.survey(values, particle_seed(values, j)), self.targets)
            for j in range(self.space.params.calibration.seeds_per_particle)])


def prior(space: Space) -> Any:
    """Independent uniform priors on each parameter's scale (pyabc names them by key)."""
    import pyabc

    rvs = {}
    for p in space.params.param:
        lo, hi = p.bounds
        rvs[p.key] = pyabc.RV("uniform", lo, hi - lo)
    return pyabc.Distribution(**rvs)


# While a calibration runs on local workers (pyabc's multicore sampler forks them, on POSIX,
# into this process's group, a generation at a time), a forked child ignores Ctrl-C from its
# first instruction: the calibrating process answers it (it says which generations are stored) and
# its daemonic workers end with it, where each worker would print a traceback of its run.
_WORKERS_IGNORE_SIGINT = False


def _ignore_sigint_if_calibrating() -> None:
    if _WORKERS_IGNORE_SIGINT:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


os.register_at_fork(after_in_child=_ignore_sigint_if_calibrating)


class _OnScale:
    """Wraps the simulator: pyabc samples on each parameter's scale (log for ``log``)."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def __call__(self, par: Any) -> dict[str, float]:
        values = {p.key: p.from_unit(float(par[p.key]))
                  for p in self.sim.space.params.param}
        return self.sim(values)


def sampler(workers: int, client: Any = None) -> Any:
    """pyabc's sampler: one process, a local multicore pool, or a Dask cluster."""
    from pyabc.sampler import (
        DaskDistributedSampler,
        MulticoreEvalParallelSampler,
        SingleCoreSampler,
    )

    if client is not None:
        return DaskDistributedSampler(dask_client=client)
    if workers > 1:
        return MulticoreEvalParallelSampler(n_procs=workers)
    return SingleCoreSampler()


# settings that say when to stop and how to validate, not what is sampled: a calibration
# can be stopped early or extended by changing them, and continues in its folder
NOT_SIGNED = ("generations", "min_epsilon", "validation_seeds", "validation_first_seed")


def signature(config: dict[str, Any], space: Space, targets: Targets) -> str:
    """What a calibration folder was made for: the config, parameters, targets and the
    sampling settings (particles per generation, the sampler's seed)."""
    params = space.params.model_dump()
    params["calibration"] = {k: v for k, v in params["calibration"].items()
                             if k not in NOT_SIGNED}
    if params["calibration"]["seeds_per_particle"] == 1:  # as before the setting existed, so
        del params["calibration"]["seeds_per_particle"]  # an earlier folder still continues
    return run_hash(canonical({"config": config, "params": params,
                               "targets": targets.model_dump()}))


@contextmanager
def _quiet_pyabc() -> Iterator[None]:
    """pyabc logs every generation at INFO; the progress bar says it instead."""
    import logging

    loggers = [logging.getLogger(n) for n in ("ABC", "pyabc")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for lg, lv in zip(loggers, levels, strict=True):
            lg.setLevel(lv)


def run_abc(space: Space, targets: Targets, db: Path, workers: int = 1, client: Any = None,
            on_generation: Callable[[int, float, float], None] | None = None) -> Any:
    """Run (or continue) the calibration stored in ``db`` up to the parameters file's
    generation count; return pyabc's History. ``on_generation(t, epsilon, acceptance)``
    after each completed generation."""
    import pyabc

    cal = space.params.calibration
    url = f"sqlite:///{db.resolve()}"
    model = _OnScale(Simulator(space, targets))
    dist = Distance(target_keys(targets), scales(targets))

    def make(first: bool, smp: Any) -> Any:
        # generation 0 accepts every prior draw (epsilon infinite); later ones take the
        # median distance of the stored generation before them (pyabc's "from_sample" reads
        # it back when a run is loaded)
        eps = pyabc.epsilon.MedianEpsilon(initial_epsilon=math.inf if first else "from_sample")
        return pyabc.ABCSMC(model, prior(space), dist, population_size=cal.population_size,
                            sampler=smp, eps=eps)

    history: Any = None
    global _WORKERS_IGNORE_SIGINT
    _WORKERS_IGNORE_SIGINT = workers > 1 and client is None  # pyabc's multicore sampler
    try:
        with _quiet_pyabc():
            smp = sampler(workers, client)
            if not (db.exists() and _generations(db) > 0):
                db.unlink(missing_ok=True)
            while (done := _generations(db) if db.exists() else 0) < cal.generations:
                # one generation per ABCSMC object, loaded from the database as a resumed run
                # would be: an uninterrupted calibration and a killed-and-rerun one are the same
                abc = make(done == 0, smp)
                history = abc.new(url, observed(targets)) if done == 0 else abc.load(url, 1)
                if done and generations_table(history)[-1]["epsilon"] <= cal.min_epsilon:
                    break
                # every generation draws from its own stream (pyabc's single-core sampler uses
                # numpy's global one)
                np.random.seed(cal.seed + done)
                history = abc.run(max_nr_populations=1, minimum_epsilon=cal.min_epsilon)
                last = generations_table(history)[-1]
                if on_generation is not None:
                    on_generation(last["generation"], last["epsilon"], last["acceptance"])
    finally:
        _WORKERS_IGNORE_SIGINT = False
    if history is None:  # every generation was there already
        history = pyabc.History(url, _id=1)
    return history


def _generations(db: Path) -> int:
    """Complete generations stored in ``db`` (0 when it has none or is not pyabc's)."""
    import sqlite3

    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            (n,) = con.execute("select count(*) from populations where t >= 0").fetchone()
            return int(n)
    except sqlite3.Error:
        return 0


def posterior(db: Path, space: Space) -> pd.DataFrame:
    """Every stored generation's particles: generation, weight (summing to 1 per
    generation), distance and each parameter's value (on the config's own scale)."""
    import sqlite3

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        rows = pd.read_sql_query(
            "select p.t as generation, pa.id as particle, pa.w as weight, s.distance "
            "from populations p join models m on m.population_id = p.id "
            "join particles pa on pa.model_id = m.id join samples s on s.particle_id = pa.id "
            "where p.t >= 0 order by p.t, pa.id", con)
        pars = pd.read_sql_query("select particle_id as particle, name, value from parameters",
                                 con)
    wide = pars.pivot(index="particle", columns="name", values="value")
    out = rows.drop_duplicates("particle").set_index("particle").join(wide, how="left")
    out["weight"] /= out.groupby("generation")["weight"].transform("sum")
    for p in space.params.param:
        out[p.key] = [space.value(p.key, p.from_unit(u)) for u in out[p.key]]
    cols = ["generation", "weight", "distance", *space.keys]
    return out.reset_index()[cols]


def last_generation(post: pd.DataFrame) -> pd.DataFrame:
    """The last generation's particles of a :func:`posterior` table."""
    return post[post["generation"] == post["generation"].max()]


def best(post: pd.DataFrame, space: Space) -> dict[str, float]:
    """The last generation's particle nearest the targets."""
    last = last_generation(post)
    row = last.loc[last["distance"].idxmin()]
    return {k: float(row[k]) for k in space.keys}


def summary(post: pd.DataFrame, space: Space) -> pd.DataFrame:
    """The last generation's weighted mean and 2.5/50/97.5 weighted percentiles per
    parameter, with its prior range."""
    last = last_generation(post)
    w = last["weight"].to_numpy(float)
    rows = []
    for p in space.params.param:
        x = last[p.key].to_numpy(float)
        rows.append({"param": p.key, "mean": float(np.sum(w * x) / np.sum(w)),
                     **{f"q{int(q * 1000):03d}": weighted_quantile(x, w, q)
                        for q in (0.025, 0.5, 0.975)},
                     "prior_low": p.low, "prior_high": p.high, "scale": p.scale})
    return pd.DataFrame(rows)


# below this share of its particles, a generation's effective sample size is reported as a
# warning: the weighted intervals then rest on a few particles
ESS_WARNING = 0.5


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2 of importance weights: the number of
    equally weighted particles that would give as precise a weighted mean. ABC-SMC's weights
    (prior over proposal density) can pile onto a few particles, e.g. one at the prior's edge
    where the proposal is thin; the posterior's quantiles then rest on those few. Kish (1965)
    Survey Sampling; Liu (2001) Monte Carlo Strategies in Scientific Computing, ch. 2.5."""
    w = np.asarray(weights, float)
    total = float(w.sum())
    return total * total / float(np.sum(w * w)) if total > 0 else 0.0


def ess_warning(ess: float, particles: int) -> str | None:
    """The warning a calibration prints when its last generation's effective sample size is
    below ``ESS_WARNING`` of its particles (None otherwise)."""
    if ess >= ESS_WARNING * particles:
        return None
    return (f"calibrate: warning: the last generation's weights rest on an effective "
            f"{ess:.1f} of its {particles} particles (Kish), so its posterior intervals do "
            f"too; more particles (calibration.population_size) spread them")


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``x`` under weights ``w`` (the inverse of the weighted CDF,
    interpolated at the midpoints of each value's mass)."""
    order = np.argsort(x)
    x, w = x[order], w[order] / np.sum(w)
    cdf = np.cumsum(w) - 0.5 * w
    return float(np.interp(q, cdf, x))


def plot_posterior(post: pd.DataFrame, space: Space, path: Path,
                   truth: dict[str, float] | None = None) -> None:
    """Each parameter's weighted histogram per generation (darker = later) over its prior
    range; the best particle marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = len(space.params.param)
    fig, axes = plt.subplots(1, k, figsize=(3.6 * k, 3.0), squeeze=False)
    gens = sorted(post["generation"].unique())
    chosen = best(post, space)
    for ax, p in zip(axes[0], space.params.param, strict=True):
        lo, hi = p.bounds
        bins = np.linspace(lo, hi, 25)
        for g in gens:
            sel = post[post["generation"] == g]
            u = np.array([p.to_unit(v) for v in sel[p.key]])
            shade = 0.25 + 0.75 * (g + 1) / len(gens)
            ax.hist(u, bins=bins, weights=sel["weight"], histtype="step",
                    color=plt.cm.Blues(shade), label=f"gen {g}")
        ax.axvline(p.to_unit(chosen[p.key]), color="tab:red", lw=1, label="best")
        if truth and p.key in truth:
            ax.axvline(p.to_unit(truth[p.key]), color="k", ls="--", lw=1, label="truth")
        ax.set_xlabel(f"log {p.key}" if p.scale == "log" else p.key, fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0, -1].legend(fontsize=6)
    axes[0, 0].set_ylabel("posterior weight")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def generations_table(history: Any) -> list[dict[str, Any]]:
    """Per generation: epsilon, simulations, particles, acceptance rate and its wall time
    (pyabc's, in seconds: a calibration continued over several commands counts each
    generation once)."""
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    return [{"generation": int(r["t"]), "epsilon": float(r["epsilon"]),
             "simulations": int(r["samples"]), "particles": int(r["particles"]),
             "acceptance": float(r["particles"]) / max(float(r["samples"]), 1.0),
             "seconds": float(r["wall_time"]) if pd.notna(r["wall_time"]) else 0.0}
            for _, r in pops.iterrows()]


def validation_configs(space: Space, values: dict[str, float], seeds: int,
                       first: int = 0) -> list[str]:
    """The best config on seeds first .. first+seeds-1 (calibration seeds are >= SEED_BASE),
    as the canonical JSON the batch engine runs."""
    return [canonical(space.config(values, s).model_dump())
            for s in range(first, first + seeds)]


def to_json(obj: Any) -> str:
    return json.dumps(obj, indent=2, default=float) + "\n"


__all__ = ["ESS_WARNING", "Distance", "Simulator", "best", "effective_sample_size", "ess_warning",
           "last_generation", "mean_statistics", "particle_seed",
           "plot_posterior", "posterior", "run_abc", "signature", "statistics", "summary",
           "weighted_quantile"]
