"""The Python API for notebooks and scripts: ``run``, ``load``, ``load_config``, ``batch``,
``compare``.

Everything goes through the same engine as the command line: a config is validated by the
same pydantic models (a mistake is a one-line :class:`addsim._errors.ConfigError`), a run is a
:class:`~addsim.population.model.PopulationModel`, a batch is the CLI's resumable batch, a
comparison the CLI's ``addsim compare``. A :class:`Result` (of ``run``, or read back from a
run folder by ``load``) saves, plots and validates itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from addsim._errors import ConfigError, shown

if TYPE_CHECKING:
    import pandas as pd

    from addsim.population.batches.compare import Comparison
    from addsim.population.batches.store import Outcome
    from addsim.population.config import Config
    from addsim.population.model import PopulationModel

class Result:
    """A run: its tables as pandas DataFrames, the resolved config, and (for a run made here)
    the Mesa model.

    With a model, the tables follow it: after ``r.model.step()`` (or ``r.model.run(52)``)
    ``r.prevalence`` has the new ticks. A Result read back by :func:`load` has the tables of
    its folder and no model (``r.model`` is None). ``save(dir)`` writes the run folder that
    ``addsim run`` writes (and ``load`` reads), ``plot()`` draws the prevalence figure,
    ``validate(targets)`` sets the survey beside published figures.
    """

    def __init__(self, config: Config, model: PopulationModel | None = None,
                 tables: Mapping[str, pd.DataFrame] | None = None, folder: Path | None = None,
                 meta: Mapping[str, Any] | None = None,
                 history: Mapping[str, Any] | None = None) -> None:
        self.config = config  # the resolved config (rerun it to reproduce)
        self.model = model  # inspect people: model.individuals[i].status("substance")
        self.folder = folder  # the run folder it was read from (load), else None
        self._tables = dict(tables or {})
        self._meta = dict(meta or {})
        self._history = history
        self._seen: tuple[int, int] | None = None
        self.seconds = 0.0  # simulation time of a run made here (run.json)

    def _table(self, name: str) -> pd.DataFrame | None:
        if self.model is not None:
            now = (int(self.model.tick), len(self.model.applied))
            if now != self._seen:
                from addsim.population.io.export import run_tables

                self._tables, self._seen = run_tables(self.model), now
        return self._tables.get(name)

    @property
    def prevalence(self) -> pd.DataFrame:
        """Per tick and activity: status counts, events, deaths, P(addictive), time (years)."""
        return self._table("prevalence")  # type: ignore[return-value]

    @property
    def events(self) -> pd.DataFrame:
        """Events as they happened: tick, activity, event, count, time; interventions too."""
        return self._table("events")  # type: ignore[return-value]

    @property
    def individuals(self) -> pd.DataFrame:
        """One row per person: degree, age, risk factors, and per activity the status,
        latent states, P(addictive), ever used, ever addicted, first-use and onset ticks."""
        return self._table("individuals")  # type: ignore[return-value]

    @property
    def survey(self) -> pd.DataFrame | None:
        """The yearly survey: year, age_band, sex, activity, measure, value."""
        return self._table("survey")

    @property
    def agents(self) -> pd.DataFrame | None:
        """Mesa's agent-reporter table of ``run(agent_reporters=...)``, indexed by Step and
        AgentID (Mesa's unique_id), with each person's row in ``index``; or None."""
        collectors = getattr(self.model, "agent_collectors", None)
        return collectors[0][0].get_agent_vars_dataframe() if collectors else None

    def __repr__(self) -> str:
        prev = self.prevalence
        ticks = int(prev["tick"].max()) + 1 if len(prev) else 0
        where = f", from {str(self.folder)!r}" if self.folder is not None else ""
        return (f"<addsim.Result: {self.config.population.size:,} people, {ticks} ticks, "
                f"seed {self.config.run.seed}{where}>")

    def save(self, out: str | Path, force: bool = False) -> Path:
        """Write the run folder ``out`` (config.toml, the tables as Parquet and CSV,
        prevalence.png, run.json, history.npz when kept), as ``addsim run --out`` does;
        ``out`` must be new, empty, a run of this config, or ``force``d. Returns ``out``."""
        from addsim._files import check_folder, hold_folder
        from addsim.population.io.export import TABLES, check_out, write_run, write_tables

        if out is None:
            raise ConfigError("out: got None, expected a folder path")
        folder = check_folder(str(_path_or_none(out, "out", "a folder path")), "out")
        with hold_folder(folder, "out"):
            check_out(folder, self.config, bool(force))
            if self.model is not None:
                write_run(self.model, self.config, folder, self.seconds)
            else:
                tables = {k: self._tables[k] for k in TABLES if k in self._tables}
                history = None if self._history is None else dict(self._history)
                write_tables(folder, self.config, tables, self._meta, history)
        return folder

    def plot(self, path: str | Path | None = None) -> Any:
        """The prevalence figure (every status, and the disorder statuses on their own
        scale, per activity, over years): saved to ``path`` as PNG and the path returned,
        or without a path returned as a matplotlib Figure (a notebook shows it)."""
        from addsim.population.io.export import applied_of
        from addsim.population.io.figures import prevalence_figure, save

        fig = prevalence_figure(self.prevalence, applied_of(self.events))
        if path is None:
            return fig
        path = Path(str(_path_or_none(path, "path", "a file path")))
        save(fig, path, layout=False)
        return path

    def validate(self, targets: Any) -> pd.DataFrame:
        """The survey beside published figures: ``targets`` a targets TOML path (as for
        ``addsim validate``) or a loaded :class:`~addsim.population.targets.Targets`; one
        row per target with the run's value and whether it lies in the target's interval.
        Targets beyond the simulated years are refused (ConfigError)."""
        from addsim.population.targets import Targets, load_targets
        from addsim.population.targets import validate as check

        if isinstance(targets, (str, Path)):
            targets = load_targets(targets, "targets")
        if not isinstance(targets, Targets):
            raise ConfigError(f"targets: got {type(targets).__name__}, expected a targets "
                              "TOML path or a Targets")
        survey = self.survey
        if survey is None:
            raise ConfigError("targets: this run has no survey table")
        covered = int(survey["year"].max()) if len(survey) else 0
        beyond = [t for t in targets.target if t.year_range[1] > covered]
        if beyond:
            raise ConfigError(f"targets: target {shown(beyond[0].name)} needs years "
                              f"{beyond[0].year_range[0]}-{beyond[0].year_range[1]}, but the "
                              f"run simulated {covered} whole year(s); run longer (ticks=)")
        return check([survey], targets)


def _path_or_none(value: Any, what: str, expected: str) -> str | Path | None:
    if value is None or isinstance(value, (str, Path)):
        return value
    raise ConfigError(f"{what}: got {shown(value)} ({type(value).__name__}), expected {expected}")


def load_config(path: str | Path | None = None, sets: Sequence[str] | None = None) -> Config:
    """Read a TOML config (None: the embedded default) with ``key=value`` overrides applied;
    a bad argument is a :class:`ConfigError` with the command line's message."""
    from addsim.population.config import load

    path = _path_or_none(path, "config", "a TOML path or None")
    if sets is None:
        sets = []
    if isinstance(sets, (str, bytes)) or not isinstance(sets, Sequence) or not all(
            isinstance(x, str) for x in sets):
        raise ConfigError(f"sets: got {shown(sets)}, expected a list of 'key=value' texts, "
                          "e.g. ['run.ticks=200']")
    return load(path, list(sets))


AGENT_REPORTERS = "age and the status in each activity"  # agent_reporters=True


def _agent_reporters(model: PopulationModel, reporters: Any) -> dict[str, Any]:
    """``agent_reporters`` of run(): True (each person's age and status per activity) or a
    dict of name: an Individual's attribute name or a function of an Individual."""
    if reporters is True:
        out: dict[str, Any] = {"age": "age"}
        for name in model.activity_names:
            out[f"{name}_status"] = lambda a, name=name: a.status(name)
        return out
    if isinstance(reporters, Mapping) and reporters and all(
            isinstance(k, str) and (isinstance(v, str) or callable(v))
            for k, v in reporters.items()):
        return dict(reporters)
    raise ConfigError(f"agent_reporters: got {shown(reporters)}, expected True or a dict of "
                      "name: an attribute name or a function of an Individual")


def run(
    config: Config | str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    agent_reporters: Any = None,
    collect_every: int | str = 1,
    **overrides: Any,
) -> Result:
    """Simulate a population: ``config`` (a Config, a TOML path, or None for the default) with
    ``overrides`` (``ticks=``, ``seed=``, ``size=``, ``history=``, ``network=``, or any dotted key
    with ``__`` for the dots; numpy numbers are accepted), then return it as a
    :class:`Result` (its tables, config and model). Nothing is written to disk
    (``Result.save`` writes the run folder). A bad argument is a :class:`ConfigError` (a
    ValueError) with the command line's one-line message; a name that is neither a shortcut
    nor a config table gets the closest ("tick": did you mean 'ticks'?).

    ``agent_reporters``: Mesa's agent reporters, collected at the start and after every
    ``collect_every`` ticks (ticks or a duration such as "1 year"): True for each person's
    age and status per activity, or a dict (name: an Individual's attribute name or a
    function of an Individual). The table is ``r.agents``."""
    from addsim.population.config import Config, plain, with_overrides
    from addsim.population.model import PopulationModel

    if progress is not None and not callable(progress):
        raise ConfigError(f"progress: got {shown(progress)}, expected a function taking the "
                          "number of ticks just done, or None")
    if config is None or isinstance(config, (str, Path)):
        config = load_config(config)
    if not isinstance(config, Config):
        raise ConfigError(f"config: got {type(config).__name__}, expected a Config, a path "
                          "or None")
    config = with_overrides(config, overrides)
    model = PopulationModel(config)
    if agent_reporters is not None:
        from addsim.population import calendar

        every = calendar.to_ticks(plain(collect_every), config.days_per_tick)
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ConfigError(f"collect_every: got {shown(collect_every)}, expected a whole "
                              "number of ticks >= 1 or a duration such as '1 year'")
        model.collect_agents(_agent_reporters(model, agent_reporters), every)
    t0 = time.perf_counter()
    model.run(config.run.ticks, progress=progress)
    result = Result(config, model)
    result.seconds = time.perf_counter() - t0
    return result


def load(folder: str | Path) -> Result:
    """Read a run folder (written by ``addsim run`` or :meth:`Result.save`) back into a
    :class:`Result`: its config, tables (prevalence, events, individuals, survey), run.json
    and history, without a model. A folder that is not a run is one ConfigError line."""
    from addsim._read import is_folder, is_input_file, read_json, read_npz
    from addsim.population.io.export import TABLES, read_run_config, read_table
    from addsim.population.resources import memory_limit

    path = _path_or_none(folder, "folder", "a run folder path")
    if path is None or not is_folder(path):
        raise ConfigError(f"folder: {shown(str(path))} is not a folder (give a folder "
                          "written by addsim run or Result.save)")
    path = Path(path)
    config = read_run_config(path, "folder")
    for needed in ("prevalence.parquet", "events.parquet"):
        if not is_input_file(path / needed):
            raise ConfigError(f"folder: {shown(str(path))} has no {needed}; is it a run "
                              "folder (addsim run --out, Result.save)?")
    tables = {name: read_table(path / f"{name}.parquet", "folder") for name in TABLES
              if is_input_file(path / f"{name}.parquet")}
    meta = read_json(path / "run.json", "folder") if is_input_file(path / "run.json") else {}
    history = None
    if is_input_file(path / "history.npz"):
        expected = config.run.ticks * len(config.enabled_activities) * config.population.size
        history = read_npz(path / "history.npz", "folder", ("status", "activities", "statuses"),
                           min(memory_limit()[0], expected + 2**20))
    return Result(config, None, tables, path, meta, history)


def batch(
    sweep: str | Path | Mapping[str, Any], out: str | Path, workers: int | None = None,
    scheduler: str | None = None,
) -> Outcome:
    """Run a sweep (a sweep TOML path or the same as a dict) into the batch folder ``out``, on
    ``workers`` local processes or the Dask cluster at ``scheduler``; resumes what is there.
    Every argument is checked before any work, as the command line checks it: a mistake is a
    :class:`ConfigError` with its one-line message."""
    from addsim._files import check_folder
    from addsim.population.batches.execute import check_workers, open_executor, run_batch
    from addsim.population.batches.plan import load_sweep, plan_from_dict
    from addsim.population.batches.store import prepare
    from addsim.population.config import plain

    if not isinstance(sweep, (str, Path, Mapping)):
        raise ConfigError(f"sweep: got {shown(sweep)} ({type(sweep).__name__}), expected a "
                          "sweep TOML path or a dict with base and sweep tables")
    out = _path_or_none(out, "out", "a folder path")
    if out is None:
        raise ConfigError("out: got None, expected a folder path")
    workers = plain(workers)
    scheduler = _path_or_none(scheduler, "scheduler", "an address such as tcp://host:8786")
    check_workers(workers, scheduler, "workers")
    folder = check_folder(str(out), "out")
    plan = (plan_from_dict(plain(dict(sweep))) if isinstance(sweep, Mapping)
            else load_sweep(sweep))
    prepare(plan, folder)
    with open_executor(workers, None if scheduler is None else str(scheduler)) as (ex, _):
        return run_batch(plan, folder, ex)


def _arm(value: Any, base: Config | None, what: str) -> tuple[str | None, Config]:
    """One arm of a comparison: (its name if it has one, its config) from a Config, a TOML
    path, None (the embedded default) or, beside a baseline, a dict of overrides."""
    from addsim.population.config import Config, with_overrides

    if isinstance(value, Config):
        return None, value
    if value is None or isinstance(value, (str, Path)):
        return (Path(value).stem if value is not None else "default"), load_config(value)
    if isinstance(value, Mapping) and base is not None:
        if not all(isinstance(k, str) for k in value):
            raise ConfigError(f"{what}: got {shown(value)}, expected a dict of config keys")
        try:
            return None, with_overrides(base, dict(value))
        except ConfigError as exc:
            raise ConfigError(f"{what}: {exc}") from None
    raise ConfigError(f"{what}: got {shown(value)} ({type(value).__name__}), expected a "
                      "Config, a TOML path" + (" or a dict of overrides" if base else
                                                " or None"))


def compare(
    base: Config | str | Path | None, scenarios: Any, out: str | Path, seeds: Any = 10,
    workers: int | None = None, scheduler: str | None = None,
) -> Comparison:
    """Run ``base`` and every scenario on the same ``seeds`` (a count K: seeds 0..K-1, or a
    list) into the folder ``out`` through the batch engine (``workers`` local processes or
    the Dask cluster at ``scheduler``; resumes what is there), and return the paired
    differences (scenario minus base) with their 95% intervals and the totals averted.

    ``scenarios``: a Config or TOML path, a list of them, or a dict ``{name: scenario}``
    where a scenario may also be a dict of config overrides applied to the base
    (``{"treat": {"interventions": [...]}}``; dotted keys or ``__``). Every argument is
    checked before any work: a mistake is a :class:`ConfigError` with its one-line message.
    """
    from addsim._files import check_folder
    from addsim.population.batches.compare import (
        check_seeds,
        make_plan,
        run_compare,
        scenarios_from,
    )
    from addsim.population.batches.execute import check_workers, open_executor
    from addsim.population.config import plain

    out = _path_or_none(out, "out", "a folder path")
    if out is None:
        raise ConfigError("out: got None, expected a folder path")
    seeds = check_seeds(plain(seeds), "seeds")
    workers = plain(workers)
    scheduler = _path_or_none(scheduler, "scheduler", "an address such as tcp://host:8786")
    check_workers(workers, scheduler, "workers")
    base_name, base_cfg = _arm(base, None, "base")
    if isinstance(scenarios, Mapping):
        named = [(str(k), v) for k, v in scenarios.items()]
    elif isinstance(scenarios, (list, tuple)):
        named = [(None, v) for v in scenarios]
    else:
        named = [(None, scenarios)]
    items: list[tuple[str, Config]] = [(base_name or "baseline", base_cfg)]
    for k, (name, value) in enumerate(named, start=1):
        own, cfg = _arm(value, base_cfg, f"scenarios[{name if name is not None else k - 1}]")
        items.append((name or own or f"scenario-{k}", cfg))
    folder = check_folder(str(out), "out")
    cp = make_plan(scenarios_from(items), seeds)
    from addsim.population.batches.store import prepare

    prepare(cp.plan, folder)
    with open_executor(workers, None if scheduler is None else str(scheduler)) as (ex, _):
        outcome, result = run_compare(cp, folder, ex)
    if result is None:
        raise RuntimeError(f"compare: {outcome.failed} run(s) failed (see the error column of "
                           f"{folder / 'index.parquet'}); call again to retry them")
    return result


__all__ = ["Result", "batch", "compare", "load", "load_config", "run"]
