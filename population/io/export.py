"""Writing a run's outputs: tables (Parquet and CSV), history, run.json and the figure.

Everything goes to a temporary folder beside DIR first and is moved in only when complete,
so an interrupted or failed run leaves no half-written files. No pickle anywhere.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from addsim.population import calendar
from addsim.population.config import Config, to_toml
from addsim.population.model import PopulationModel
from addsim.population.status import STATUSES

TABLES = ("prevalence", "events", "individuals", "survey")
PACKAGES = ("addsim", "numpy", "mesa", "gymnasium", "networkx", "pandas", "pyarrow", "pydantic")


def prevalence_frame(model: PopulationModel) -> pd.DataFrame:
    """One row per tick and activity: status counts, events and mean P(addictive)."""
    return pd.DataFrame(model.prevalence())


def survey_frame(model: PopulationModel) -> pd.DataFrame:
    """Survey measures: year, age_band, activity, measure, value (population/survey.py)."""
    return pd.DataFrame(model.survey_table())


def events_frame(model: PopulationModel) -> pd.DataFrame:
    """Events as they happened (tick, activity, event, count, time in years), interventions
    included."""
    rows = list(model.events_log)
    rows += [(t, act, f"intervention:{kind}", k) for t, kind, act, k in model.applied]
    frame = pd.DataFrame(rows, columns=["tick", "activity", "event", "count"])
    frame = frame.sort_values(["tick", "activity", "event"], kind="stable").reset_index(drop=True)
    frame["time"] = calendar.years(frame["tick"].to_numpy(), model.days_per_tick)  # years
    return frame


def individuals_frame(model: PopulationModel) -> pd.DataFrame:
    """One row per person: risk factors, degree, and final status and latent states per activity."""
    data: dict[str, Any] = {"id": np.arange(model.n), "degree": model.degree}
    data.update({k: v for k, v in model.risk.items()})
    for name, act in model.activities.items():
        data[f"{name}_status"] = np.array(STATUSES, dtype=object)[act.tracker.status]
        lr = act.learner
        data[f"{name}_latent_states"] = lr.n_latent if hasattr(lr, "n_latent") else 0
        data[f"{name}_p_addictive"] = act.p_last
    return pd.DataFrame(data)


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in PACKAGES:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def write_run(model: PopulationModel, config: Config, out: Path, seconds: float) -> list[Path]:
    """Write every output of a finished run into ``out`` atomically; returns the paths."""
    from addsim.population.io.figures import plot_prevalence

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    try:
        (tmp / "config.toml").write_text(to_toml(config))
        prev = prevalence_frame(model)
        tables = {
            "prevalence": prev, "events": events_frame(model),
            "individuals": individuals_frame(model), "survey": survey_frame(model),
        }
        for name, frame in tables.items():
            frame.to_parquet(tmp / f"{name}.parquet", index=False)
        prev.to_csv(tmp / "prevalence.csv", index=False)
        tables["survey"].to_csv(tmp / "survey.csv", index=False)
        if model.history is not None:
            np.savez_compressed(
                tmp / "history.npz", status=model.history[: model.tick],
                activities=np.array(model.activity_names), statuses=np.array(STATUSES),
            )
        plot_prevalence(prev, model.applied, tmp / "prevalence.png")
        final = prev[prev["tick"] == prev["tick"].max()]
        meta = {
            "seed": config.run.seed, "ticks": model.tick, "individuals": model.n,
            "edges": int(model.adjacency.n_edges), "activities": list(model.activity_names),
            "versions": _versions(),
            "seconds": {"construction": round(model.construction_seconds, 3),
                        "simulation": round(seconds, 3)},
            "final": {row["activity"]: {s: int(row[s]) for s in STATUSES}
                      for _, row in final.iterrows()},
            "events": {act: {e: int(v) for e, v in g.groupby("event")["count"].sum().items()}
                       for act, g in tables["events"].groupby("activity")},
            "capacity_overflow": {
                name: int(act.learner.overflow.sum()) for name, act in model.activities.items()
                if hasattr(act.learner, "overflow")
            },
        }
        (tmp / "run.json").write_text(json.dumps(meta, indent=2))
        out.mkdir(exist_ok=True)
        written = []
        for f in sorted(tmp.iterdir()):
            os.replace(f, out / f.name)
            written.append(out / f.name)
        return written
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def export(run_dir: Path, what: str, fmt: str, to: Path | None) -> str | None:
    """Convert ``run_dir/what.parquet`` to ``fmt``; write to ``to`` or return the text."""
    frame = pd.read_parquet(run_dir / f"{what}.parquet")
    if fmt == "parquet":
        assert to is not None
        frame.to_parquet(to, index=False)
        return None
    text = frame.to_csv(index=False) if fmt == "csv" else frame.to_json(orient="records")
    if to is None:
        return text
    to.write_text(text)
    return None
