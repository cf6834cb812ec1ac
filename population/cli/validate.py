"""``addsim validate DIR --targets FILE``: a run's or a batch's survey against published figures.

DIR is a run folder (``survey.parquet``) or a batch folder (``runs/<id>.survey.parquet``, one
per run: seeds and grid points alike, so give it a batch of seeds of one config). Writes
``validation.csv``, ``validation.json`` and ``validation.png`` into ``--out`` (default DIR):
one row per target with the runs' mean and interval, the target's interval and whether the
mean lies inside (population/targets.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from addsim._errors import ConfigError, shown
from addsim._files import atomic_write, records_json
from addsim._read import is_folder
from addsim.population.cli._common import UsageError, out_dir, write_error

SURVEY_COLUMNS = ("year", "age_band", "activity", "measure", "value")  # and sex (newer runs)


def surveys_of(folder: Path) -> list[pd.DataFrame]:
    """The survey tables of a run folder (one) or a batch folder (one per finished run)."""
    from addsim.population.io.export import read_table

    if os.path.lexists(folder / "survey.parquet"):
        paths = [folder / "survey.parquet"]
    else:
        paths = sorted(p for p in (folder / "runs").glob("*.survey.parquet")
                       if not p.name.startswith(".")) if is_folder(folder / "runs") else []
    if not paths:
        raise UsageError(f"DIR: {shown(str(folder))} holds no survey table (survey.parquet or "
                         "runs/*.survey.parquet): give a folder written by addsim run or batch")
    try:
        tables = [read_table(p, "DIR", SURVEY_COLUMNS) for p in paths]
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    for path, table in zip(paths, tables, strict=True):
        for column in ("year", "value"):
            if not pd.api.types.is_numeric_dtype(table[column]):
                raise UsageError(f"DIR: {shown(str(path))} has a column {column!r} that is "
                                 "not numbers (is it a survey table written by addsim?)")
    return tables


def check_years(surveys: list[pd.DataFrame], targets: Any, folder: Path) -> None:
    """Refuse (one line, exit 2) targets whose years lie beyond what every run simulated:
    a 5-year run cannot be set beside years 11-20."""
    covered = min((int(t["year"].max()) if len(t) else 0) for t in surveys)
    beyond = [t for t in targets.target if t.year_range[1] > covered]
    if not beyond:
        return
    first, last = beyond[0].year_range
    need = max(t.year_range[1] for t in beyond)
    what = "simulated no whole year" if covered == 0 else f"simulated years 1-{covered}"
    others = f" (and {len(beyond) - 1} more target(s))" if len(beyond) > 1 else ""
    raise UsageError(
        f"--targets: target {shown(beyond[0].name)} needs years {first}-{last}{others}, but "
        f"the run(s) in {shown(str(folder))} {what}; run at least {need} years (run.ticks)")


MAX_PLOTTED = 60  # rows of validation.png; every target is in validation.csv


def plot_validation(table: pd.DataFrame, path: Path) -> None:
    """One row per target: its interval (grey) and value (black), the model's mean and
    interval across runs beside it (blue inside, red outside); at most MAX_PLOTTED rows, in
    one axes (a figure of 1,000 panels took minutes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    rows = table.iloc[:MAX_PLOTTED]
    n = len(rows)
    y = np.arange(n)[::-1].astype(float)
    inside = rows["within"].to_numpy(dtype=bool)
    colour = np.where(inside, "tab:blue", "tab:red")
    fig, ax = plt.subplots(figsize=(7.5, 0.32 * n + 1.0))
    ax.barh(y + 0.15, rows["high"] - rows["low"], left=rows["low"], height=0.25,
            color="0.8")
    ax.scatter(rows["value"], y + 0.15, marker="|", s=120, color="k")
    lo, hi = rows["observed_low"].to_numpy(), rows["observed_high"].to_numpy()
    has = np.isfinite(lo) & np.isfinite(hi)
    ax.hlines(y[has] - 0.15, lo[has], hi[has], colors=colour[has], lw=2)
    ax.scatter(rows["observed"], y - 0.15, s=18, c=colour)
    ax.set_yticks(y, [str(t) for t in rows["target"]], fontsize=7)
    ax.set_ylim(-0.7, n - 0.3)
    ax.tick_params(axis="x", labelsize=7)
    more = f"; the first {n} of {len(table)} (all in validation.csv)" if len(table) > n else ""
    ax.set_title(f"targets (grey: interval, black: value) and the model (dots){more}",
                 fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def cmd_validate(args: argparse.Namespace) -> int:
    """Compare the survey tables in DIR with the targets file; write the report."""
    from addsim.population.targets import load_targets, validate

    folder = Path(args.dir)
    if not is_folder(folder):
        raise UsageError(f"DIR: {shown(args.dir)} is not a folder")
    try:
        targets = load_targets(args.targets)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    surveys = surveys_of(folder)
    check_years(surveys, targets, folder)
    out = out_dir(args.out) if args.out is not None else out_dir(str(folder), "DIR")
    if not is_folder(out):
        raise UsageError(f"--out: {shown(str(out))} is not a folder; create it first")
    table = validate(surveys, targets)
    meta: dict[str, Any] = {"dir": str(folder), "targets": str(args.targets),
                            "runs": len(surveys), "within": int(table["within"].sum()),
                            "of": len(table),
                            "rows": json.loads(records_json(table))}
    try:
        atomic_write(out / "validation.csv", lambda p: table.to_csv(p, index=False))
        atomic_write(out / "validation.json", lambda p: p.write_text(json.dumps(meta, indent=2)))
        atomic_write(out / "validation.png", lambda p: plot_validation(table, p))
    except OSError as exc:
        raise write_error("--out", out, exc) from None
    print(f"validate: {meta['within']} of {meta['of']} targets within their interval over "
          f"{len(surveys)} run(s); wrote {out / 'validation.csv'}, .json and .png")
    empty = table.loc[table["runs"] == 0, "target"].tolist()
    if empty:
        bands = set().union(*(set(s["age_band"]) for s in surveys))
        absent = sorted({t.age_band for t in targets.target} - bands)
        why = (f"; the survey tables have no band {', '.join(absent)} (written before the "
               "survey had it: run them again)" if absent else "")
        print(f"validate: warning: no value in the runs for {len(empty)} target(s) (their "
              f"years beyond the run, or nobody to measure{why}): {', '.join(empty)}",
              file=sys.stderr)
    return 0


def add_parser(sub: Any) -> None:
    """Register ``addsim validate``."""
    p = sub.add_parser("validate")
    p.add_argument("dir", help="a folder written by addsim run or addsim batch")
    p.add_argument("--targets", required=True, help="a targets file (TOML)")
    p.add_argument("--out", help="where to write validation.{csv,json,png} (default: DIR)")
    p.set_defaults(func=cmd_validate)
