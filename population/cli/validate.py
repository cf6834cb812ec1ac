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
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from addsim._errors import ConfigError
from addsim._files import atomic_write
from addsim.population.cli._common import UsageError, write_error


def surveys_of(folder: Path) -> list[pd.DataFrame]:
    """The survey tables of a run folder (one) or a batch folder (one per finished run)."""
    from addsim.population.io.export import read_table

    if (folder / "survey.parquet").is_file():
        paths = [folder / "survey.parquet"]
    else:
        paths = sorted(p for p in (folder / "runs").glob("*.survey.parquet")
                       if not p.name.startswith(".")) if (folder / "runs").is_dir() else []
    if not paths:
        raise UsageError(f"DIR: {str(folder)!r} holds no survey table (survey.parquet or "
                         "runs/*.survey.parquet): give a folder written by addsim run or batch")
    try:
        return [read_table(p) for p in paths]
    except ConfigError as exc:
        raise UsageError(str(exc).replace("export: ", "DIR: ", 1)) from None


def plot_validation(table: pd.DataFrame, path: Path) -> None:
    """One row per target: its interval (grey) and value (black), the model's mean and
    interval across runs beside it (blue inside, red outside)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(table)
    fig, axes = plt.subplots(n, 1, figsize=(7.5, 0.75 * n + 0.8), squeeze=False)
    for ax, (_, row) in zip(axes[:, 0], table.iterrows(), strict=True):
        ax.barh(0.2, row["high"] - row["low"], left=row["low"], height=0.3, color="0.8")
        ax.plot([row["value"]], [0.2], "k|", ms=12)
        colour = "tab:blue" if row["within"] else "tab:red"
        lo, hi = row["observed_low"], row["observed_high"]
        if pd.notna(lo):
            ax.plot([lo, hi], [-0.2, -0.2], color=colour, lw=2)
        ax.plot([row["observed"]], [-0.2], "o", color=colour, ms=5)
        ax.set_ylim(-0.6, 0.6)
        ax.set_yticks([])
        ax.set_ylabel(row["target"], rotation=0, ha="right", va="center", fontsize=7)
        ax.tick_params(axis="x", labelsize=7)
    axes[0, 0].set_title("targets (grey: interval, black: value) and the model (dots)",
                         fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def cmd_validate(args: argparse.Namespace) -> int:
    """Compare the survey tables in DIR with the targets file; write the report."""
    from addsim.population.targets import load_targets, validate

    folder = Path(args.dir)
    if not folder.is_dir():
        raise UsageError(f"DIR: {args.dir!r} is not a folder")
    try:
        targets = load_targets(args.targets)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    surveys = surveys_of(folder)
    out = Path(args.out) if args.out is not None else folder
    if not out.is_dir():
        raise UsageError(f"--out: {str(out)!r} is not a folder")
    table = validate(surveys, targets)
    meta: dict[str, Any] = {"dir": str(folder), "targets": str(args.targets),
                            "runs": len(surveys), "within": int(table["within"].sum()),
                            "of": len(table),
                            "rows": json.loads(table.to_json(orient="records"))}
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
        print(f"validate: warning: no value in the runs for {len(empty)} target(s) (their "
              f"years beyond the run, or nobody to measure): {', '.join(empty)}",
              file=sys.stderr)
    return 0


def add_parser(sub: Any) -> None:
    """Register ``addsim validate``."""
    p = sub.add_parser("validate")
    p.add_argument("dir", help="a folder written by addsim run or addsim batch")
    p.add_argument("--targets", required=True, help="a targets file (TOML)")
    p.add_argument("--out", help="where to write validation.{csv,json,png} (default: DIR)")
    p.set_defaults(func=cmd_validate)
