"""Writing a run's outputs: tables (Parquet and CSV), history, run.json and the figure.

Everything goes to a temporary folder beside DIR first and is moved in only when complete,
so an interrupted or failed run leaves no half-written files. No pickle anywhere.
"""

from __future__ import annotations

import json
import platform
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from addsim._errors import ConfigError
from addsim._files import clean_stale, entries, records_json, replace_folder
from addsim.population import calendar
from addsim.population.config import Config, to_toml
from addsim.population.model import PopulationModel
from addsim.population.status import STATUSES

TABLES = ("prevalence", "events", "individuals", "survey")  # a run folder's tables
PACKAGES = ("addsim", "numpy", "mesa", "gymnasium", "networkx", "pandas", "pyarrow", "pydantic")


def prevalence_frame(model: PopulationModel) -> pd.DataFrame:
    """One row per tick and activity: status counts, events and mean P(addictive)."""
    return pd.DataFrame(model.prevalence())


def survey_frame(model: PopulationModel) -> pd.DataFrame:
    """Survey measures: year, age_band, sex, activity, measure, value (population/survey.py)."""
    return pd.DataFrame(model.survey_table())


def events_frame(model: PopulationModel) -> pd.DataFrame:
    """Events as they happened (tick, activity, event, count, time in years), interventions
    included."""
    frame = pd.DataFrame(model.events(), columns=["tick", "activity", "event", "count"])
    frame = frame.sort_values(["tick", "activity", "event"], kind="stable").reset_index(drop=True)
    frame["time"] = calendar.years(frame["tick"].to_numpy(), model.days_per_tick)  # years
    return frame


def individuals_frame(model: PopulationModel) -> pd.DataFrame:
    """One row per person (the person now in that row): sex, degree, age in years, risk
    factors, and per activity the status, whether ever treated, latent states and
    P(addictive) at the last choice, whether they ever used and were ever addicted, and the
    ticks of their first use and first onset (<NA> when none: nullable integers)."""
    from addsim.population.status import NEVER

    data = model.people()
    for name in model.activity_names:
        for col in ("first_use_tick", "onset_tick"):
            key = f"{name}_{col}"
            if key in data:
                ticks = data[key]
                data[key] = pd.array(np.where(ticks == NEVER, None, ticks), dtype="Int64")
    return pd.DataFrame(data)


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in PACKAGES:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def run_tables(model: PopulationModel) -> dict[str, pd.DataFrame]:
    """A model's four tables: prevalence, events, individuals, survey."""
    return {"prevalence": prevalence_frame(model), "events": events_frame(model),
            "individuals": individuals_frame(model), "survey": survey_frame(model)}


def applied_of(events: pd.DataFrame) -> list[tuple[int, str, str, int]]:
    """The interventions applied (tick, kind, activity, people), from an events table."""
    rows = events[events["event"].astype(str).str.startswith("intervention:")]
    return [(int(r.tick), str(r.event).removeprefix("intervention:"), str(r.activity),
             int(r.count)) for r in rows.itertuples(index=False)]


def run_meta(model: PopulationModel, config: Config, tables: dict[str, pd.DataFrame],
             seconds: float) -> dict[str, Any]:
    """run.json of a finished model: seed, size, versions, timing, final statuses, events."""
    prev = tables["prevalence"]
    final = prev[prev["tick"] == prev["tick"].max()]
    return {
        "seed": config.run.seed, "ticks": model.tick, "burn_in_ticks": model.burn_in_ticks,
        "individuals": model.n, "edges": model.n_edges,
        "activities": list(model.activity_names),
        "versions": _versions(),
        "seconds": {"construction": round(model.construction_seconds, 3),
                    "simulation": round(seconds, 3)},
        "final": {row["activity"]: {s: int(row[s]) for s in STATUSES}
                  for _, row in final.iterrows()},
        "events": {act: {e: int(v) for e, v in g.groupby("event")["count"].sum().items()}
                   for act, g in tables["events"].groupby("activity")},
        "capacity_overflow": model.capacity_overflow(),
    }


def write_tables(out: Path, config: Config, tables: dict[str, pd.DataFrame],
                 meta: dict[str, Any], history: dict[str, np.ndarray] | None = None
                 ) -> list[Path]:
    """Write a run folder from its tables (what ``addsim run`` writes), replacing what
    ``out`` held whole (filled in a temporary folder inside it, then swapped in)."""
    from addsim.population.io.figures import plot_prevalence

    def fill(tmp: Path) -> None:
        (tmp / "config.toml").write_text(to_toml(config))
        for name, frame in tables.items():
            frame.to_parquet(tmp / f"{name}.parquet", index=False)
        tables["prevalence"].to_csv(tmp / "prevalence.csv", index=False)
        if "survey" in tables:
            tables["survey"].to_csv(tmp / "survey.csv", index=False)
        if history is not None:
            np.savez_compressed(tmp / "history.npz", **history)
        plot_prevalence(tables["prevalence"], applied_of(tables["events"]),
                        tmp / "prevalence.png")
        (tmp / "run.json").write_text(json.dumps(meta, indent=2))

    return replace_folder(out, fill)


def write_run(model: PopulationModel, config: Config, out: Path, seconds: float) -> list[Path]:
    """Write every output of a finished run into ``out``, replacing what it held whole
    (filled in a temporary folder inside ``out``, then swapped in); returns the paths."""
    tables = run_tables(model)
    history = None
    if model.history is not None:
        history = {"status": model.status_history(),
                   "activities": np.array(model.activity_names), "statuses": np.array(STATUSES)}
    return write_tables(out, config, tables, run_meta(model, config, tables, seconds), history)


def check_out(out: Path, config: Config, force: bool) -> None:
    """Before the work: ``out`` must be new, empty, a run of this same config, or ``force``d
    (then it is replaced whole); stale temporary folders of a killed run are removed."""
    clean_stale(out)
    held = entries(out)
    if not held or force:
        return
    old = out / "config.toml"
    try:  # the same settings, whichever writer wrote the file
        same = old.is_file() and tomllib.loads(old.read_text()) == tomllib.loads(to_toml(config))
    except (OSError, ValueError):  # unreadable, not UTF-8, not TOML: not a run of this config
        same = False
    if not same:
        what = "a run of another config" if old.is_file() else f"{len(held)} other file(s)"
        raise ConfigError(
            f"--out: {str(out)!r} holds {what}; use a new folder, or --force to replace it whole"
        )


def read_run_config(folder: Path, what: str) -> Config:
    """A run folder's config.toml as a Config; a folder without one, or a config that does
    not validate, is one ConfigError line starting with ``what``."""
    from addsim._errors import shown
    from addsim._read import is_input_file
    from addsim.population.config import load

    path = folder / "config.toml"
    if not is_input_file(path):
        raise ConfigError(f"{what}: {shown(str(folder))} has no config.toml (is it a run "
                          "folder? addsim run --out, Result.save)")
    try:
        return load(path)
    except ConfigError as exc:
        raise ConfigError(f"{what}: {shown(str(path))}: {exc}") from None


def read_table(path: Path, field: str = "export", columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """A run's Parquet table; a truncated, foreign or oversized file, or one lacking one of
    ``columns``, is a one-line ConfigError naming ``field``."""
    from addsim._read import read_parquet
    from addsim.population.resources import memory_limit

    return read_parquet(path, field, columns, limit=memory_limit()[0])


def export(frame: pd.DataFrame, fmt: str, to: Path | None) -> str | None:
    """Convert a run's table to ``fmt``; write to ``to`` or return the text."""
    if fmt == "parquet":
        assert to is not None
        frame.to_parquet(to, index=False)
        return None
    text = frame.to_csv(index=False) if fmt == "csv" else records_json(frame)
    if to is None:
        return text
    to.write_text(text)
    return None
