"""Summaries of a batch folder: mean and 95% interval across seeds, curves and a heatmap.

``summary.parquet``/``.csv``: one row per condition (the swept keys), activity and tick, with
``<column>_mean``, ``<column>_lo`` and ``<column>_hi`` for every prevalence column plus the
status fractions (``fraction_addicted`` = addicted / individuals). The interval is the
t-based 95% confidence interval of the mean over seeds (collapses to the mean for one seed).

When runs kept their individuals (``[output] individuals = true``), ``summary_levels`` holds
per condition, ``levels`` risk factor value and activity the final statistics over people:
``fraction_addicted`` (final P(addictive) > 0.5, the report's heatmap criterion),
``mean_p_addictive`` and ``fraction_status_addicted`` (status addicted or relapsed).
With exactly two axes (swept keys plus level factors), ``heatmap.png`` shows a statistic.
``survey_summary`` holds per condition, year, age band, activity and survey measure
(population/survey.py) the mean over seeds with its 95% interval (``value_mean``, ``value_lo``,
``value_hi``; seeds where a measure is undefined are left out of its ``n_seeds``).
Intervals are clipped to what a column can be: shares and probabilities to [0, 1], counts,
rates and ratios to 0 and above (a t interval over few seeds would reach past them). A
heatmap of a small grid (each axis at most 8 values) is a table of cells labelled with their
mean and interval.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from addsim._errors import ConfigError, did_you_mean, shown
from addsim._files import atomic_write
from addsim._read import is_input_file, read_json, read_parquet
from addsim.population.config import format_error
from addsim.population.status import STATUSES

# t_{0.975, df} for df = 1..30; beyond, a Cornish-Fisher expansion around 1.96 is within 1e-3.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
)


def t975(df: np.ndarray) -> np.ndarray:
    """Student's t 97.5% quantile for each degrees of freedom (nan where df < 1)."""
    df = np.asarray(df, dtype=float)
    z = 1.959964
    approx = z + (z**3 + z) / (4 * np.maximum(df, 1)) + (
        5 * z**5 + 16 * z**3 + 3 * z) / (96 * np.maximum(df, 1) ** 2)
    table = np.array((math.nan, *_T975))
    small = np.clip(df, 0, 30).astype(int)
    return np.where(df < 1, np.nan, np.where(df <= 30, table[small], approx))


# Survey measures that are shares of people (their intervals are clipped to [0, 1]); every
# other survey measure (rates per 1,000 person-years, risk and odds ratios, counts) is >= 0.
SHARES = ("lifetime_use", "past_year_use", "past_month_use", "past_year_disorder",
          "lifetime_disorder", "conditional_dependence", "past_year_remission", "relapse_12m",
          "relapse_frequent_12m", "ever_treated")


def bounds_of(column: str) -> tuple[float, float]:
    """What a summarized column can be: a share or probability [0, 1], else [0, inf)
    (counts, rates, ratios); the t interval of its mean is clipped to it."""
    if column.startswith("fraction_") or column in ("p_addictive", "mean_p_addictive",
                                                    *SHARES):
        return (0.0, 1.0)
    return (0.0, math.inf)


def mean_interval(frame: pd.DataFrame, by: list[str], columns: list[str],
                  clip: dict[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """Per group: n_seeds and each column's mean with its 95% interval (lo, hi) across rows,
    the interval clipped to what the column can be (``clip``, default :func:`bounds_of`):
    a t interval over 3 seeds of a share near 0 would reach below 0."""
    g = frame.groupby(by, sort=True, dropna=False)[columns]
    mean, sd, n = g.mean(), g.std(ddof=1), g.count()
    half = (sd.to_numpy() / np.sqrt(n.to_numpy())) * t975(n.to_numpy() - 1)
    half = np.where(np.isfinite(half), half, 0.0)
    out = pd.DataFrame(index=mean.index)
    out["n_seeds"] = n[columns[0]].to_numpy() if columns else g.size().to_numpy()
    for j, col in enumerate(columns):
        m = mean[col].to_numpy()
        lo, hi = (clip or {}).get(col, bounds_of(col))
        out[f"{col}_mean"] = m
        out[f"{col}_lo"] = np.clip(m - half[:, j], lo, hi)
        out[f"{col}_hi"] = np.clip(m + half[:, j], lo, hi)
    return out.reset_index()


class BatchMeta(BaseModel):
    """What summarize needs of DIR/batch.json (written by the batch; checked, since a
    damaged or foreign file must be one line, not a KeyError)."""

    model_config = ConfigDict(extra="ignore")

    keys: list[str]
    levels: list[str] = []
    individuals: bool = False


def read_meta(out: Path, field: str = "summarize") -> dict[str, Any]:
    """DIR/batch.json as a dict with its keys checked; one line when damaged or foreign."""
    path = out / "batch.json"
    data = read_json(path, field)
    try:
        BatchMeta.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{field}: {shown(str(path))} is not a batch's batch.json "
                          f"({format_error(exc, BatchMeta)})") from None
    return data


def _read(out: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    if not is_input_file(out / "index.parquet") or not is_input_file(out / "batch.json"):
        raise ConfigError(f"summarize: {shown(str(out))} is not a batch folder (no "
                          "index.parquet and batch.json)")
    meta = read_meta(out)
    index = read_parquet(out / "index.parquet", "summarize",
                         ["run_id", "seed", "status", *meta["keys"]])
    ok = index[index["status"] == "ok"]
    if ok.empty:
        raise ConfigError(f"summarize: no completed runs in {shown(str(out))}")
    return meta, ok


RUN_COLUMNS = {"prevalence": ("run_id", "activity", "tick", *STATUSES),
               "survey": ("run_id", "year", "age_band", "sex", "activity", "measure", "value"),
               "individuals": ("run_id",)}


def _runs(out: Path, ok: pd.DataFrame, keys: list[str], table: str,
          columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Every finished run's ``table``, with its seed and swept values; a run file that is
    damaged or lacks a column is one line naming it."""
    from addsim.population.batches.store import run_path

    frames = []
    for row in ok.itertuples(index=False):
        run = row.run_id
        f = read_parquet(run_path(out, run, table), "summarize",
                         (*RUN_COLUMNS[table], *columns))
        f.insert(1, "seed", row.seed)
        for j, k in enumerate(keys):
            f.insert(2 + j, k, ok.loc[ok["run_id"] == run, k].iloc[0])
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def prevalence_summary(out: Path, meta: dict[str, Any], ok: pd.DataFrame) -> pd.DataFrame:
    """Per condition, activity and tick: mean and 95% interval of every prevalence column."""
    keys = list(meta["keys"])
    frame = _runs(out, ok, keys, "prevalence")
    n = frame[list(STATUSES)].sum(axis=1).to_numpy(dtype=float)
    for s in STATUSES:
        frame[f"fraction_{s}"] = frame[s] / np.maximum(n, 1)
    cols = [c for c in frame.columns if c not in ("run_id", "seed", "activity", "tick", *keys)]
    return mean_interval(frame, [*keys, "activity", "tick"], cols)


def survey_summary(out: Path, meta: dict[str, Any], ok: pd.DataFrame) -> pd.DataFrame | None:
    """Per condition, year, age band, sex, activity and measure: mean and 95% interval over seeds
    of the runs' survey tables (None when the runs kept none)."""
    from addsim.population.batches.store import run_path

    if not all(is_input_file(run_path(out, r, "survey")) for r in ok["run_id"]):
        return None
    keys = list(meta["keys"])
    frame = _runs(out, ok, keys, "survey")
    table = mean_interval(frame, [*keys, "year", "age_band", "sex", "activity", "measure"],
                          ["value"], clip={"value": (-math.inf, math.inf)})
    share = table["measure"].isin(SHARES).to_numpy()
    for col in ("value_lo", "value_hi"):  # shares in [0, 1]; rates and ratios >= 0
        table[col] = np.where(share, table[col].clip(0.0, 1.0), table[col].clip(lower=0.0))
    return table


def partition_key(key: str, levels: list[str]) -> bool:
    """A swept key that only splits level factors across runs (``*.part``, population.size)."""
    return bool(levels) and (key.endswith(".part") or key == "population.size")


def levels_summary(out: Path, meta: dict[str, Any], ok: pd.DataFrame) -> pd.DataFrame:
    """Per condition, level factor value and activity: final statistics over individuals."""
    levels = list(meta.get("levels", []))
    keys = [k for k in meta["keys"] if not partition_key(k, levels)]
    frame = _runs(out, ok, keys, "individuals", tuple(levels))
    acts = [c.removesuffix("_p_addictive") for c in frame.columns if c.endswith("_p_addictive")]
    per_run = []
    for act in acts:
        f = frame[["run_id", "seed", *keys, *levels]].copy()
        f["activity"] = act
        f["fraction_addicted"] = (frame[f"{act}_p_addictive"] > 0.5).astype(float)
        f["mean_p_addictive"] = frame[f"{act}_p_addictive"].astype(float)
        f["fraction_status_addicted"] = frame[f"{act}_status"].isin(
            ("addicted", "relapsed")).astype(float)
        per_run.append(
            f.groupby(["run_id", "seed", *keys, *levels, "activity"], sort=False).mean()
            .reset_index()
        )
    runs = pd.concat(per_run, ignore_index=True)
    stats = ["fraction_addicted", "mean_p_addictive", "fraction_status_addicted"]
    return mean_interval(runs, [*keys, *levels, "activity"], stats)


def plot_curves(summary: pd.DataFrame, keys: list[str], path: Path,
                column: str = "fraction_addicted") -> None:
    """Mean curve with its 95% band per condition, one panel per activity, over years (when
    the runs kept their time), the legend beside the panels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    acts = list(dict.fromkeys(summary["activity"]))
    fig, axes = plt.subplots(1, len(acts), figsize=(5.5 * len(acts), 4.0), squeeze=False)
    groups = summary.groupby(keys, sort=True) if keys else [((), summary)]
    many = len(groups) > 12
    years = "time_mean" in summary
    share = column.startswith("fraction_")
    for ax, act in zip(axes[0], acts, strict=True):
        for cond, g in groups:
            g = g[g["activity"] == act]
            x = g["time_mean"] if years else g["tick"]
            cond = cond if isinstance(cond, tuple) else (cond,)
            label = ", ".join(f"{k.rsplit('.', 1)[-1]}={v}" for k, v in zip(keys, cond,
                                                                             strict=True))
            scale = 100.0 if share else 1.0
            (line,) = ax.plot(x, scale * g[f"{column}_mean"], lw=1.2,
                              label=None if many else (label or "all runs"))
            ax.fill_between(x, scale * g[f"{column}_lo"], scale * g[f"{column}_hi"],
                            color=line.get_color(), alpha=0.2, lw=0)
        what = f"{column} (%)" if share else column
        ax.set(xlabel="years" if years else "tick", ylabel=f"{what}\nmean, 95% interval",
               title=act)
        ax.set_ylim(bottom=0)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.tight_layout()
    if handles and not many:
        fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8,
                   frameon=False)
    fig.savefig(path, dpi=110, format="png", bbox_inches="tight")
    plt.close(fig)


SMALL_GRID = 8  # axes of at most this many values: a table of annotated cells


def plot_heatmap(table: pd.DataFrame, x: str, y: str, column: str, path: Path,
                 title: str) -> None:
    """A statistic over two axes (x: rows of the grid, y: columns): a small grid (each axis
    at most SMALL_GRID values) as a table of cells, each labelled with its value (and its
    95% interval when the table has one), the axes' values as labels; a larger grid as an
    image over the axes' range. Shares are coloured on [0, 1]'s scale from 0."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    wide = table.pivot_table(index=y, columns=x, values=column, aggfunc="mean")
    low, high = bounds_of(column.removesuffix("_mean"))
    values = wide.to_numpy(dtype=float)
    top = float(np.nanmax(values)) if np.isfinite(values).any() else 1.0
    vmin = low if math.isfinite(low) else float(np.nanmin(values))
    vmax = max(top, vmin + 1e-9) if high == math.inf else max(min(top * 1.05, high), 1e-9)
    fig, ax = plt.subplots(figsize=(6.5, 5.2))
    if wide.shape[0] <= SMALL_GRID and wide.shape[1] <= SMALL_GRID:
        im = ax.imshow(values, origin="lower", aspect="auto", cmap="magma", vmin=vmin,
                       vmax=vmax)
        ax.set_xticks(range(wide.shape[1]), [f"{v:g}" if isinstance(v, float) else str(v)
                                             for v in wide.columns])
        ax.set_yticks(range(wide.shape[0]), [f"{v:g}" if isinstance(v, float) else str(v)
                                             for v in wide.index])
        base = column.removesuffix("_mean")
        lo = hi = None
        if f"{base}_lo" in table and f"{base}_hi" in table:
            lo = table.pivot_table(index=y, columns=x, values=f"{base}_lo", aggfunc="mean")
            hi = table.pivot_table(index=y, columns=x, values=f"{base}_hi", aggfunc="mean")
        for i in range(wide.shape[0]):
            for j in range(wide.shape[1]):
                v = values[i, j]
                text = "–" if not np.isfinite(v) else f"{v:.3g}"
                if lo is not None and np.isfinite(v):
                    text += f"\n[{lo.iat[i, j]:.3g}, {hi.iat[i, j]:.3g}]"
                dark = np.isfinite(v) and (v - vmin) / (vmax - vmin) < 0.55
                ax.text(j, i, text, ha="center", va="center", fontsize=8,
                        color="white" if dark else "black")
    else:
        xs, ys = wide.columns.to_numpy(dtype=float), wide.index.to_numpy(dtype=float)
        dx = (xs[-1] - xs[0]) / (xs.size - 1) if xs.size > 1 else 1.0
        dy = (ys[-1] - ys[0]) / (ys.size - 1) if ys.size > 1 else 1.0
        im = ax.imshow(values, origin="lower", aspect="auto", cmap="magma", vmin=vmin,
                       vmax=vmax,
                       extent=(xs[0] - dx / 2, xs[-1] + dx / 2, ys[0] - dy / 2, ys[-1] + dy / 2))
    fig.colorbar(im, ax=ax, label=column)
    ax.set(xlabel=x, ylabel=y, title=title)
    fig.tight_layout()
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)


def summarize(out: Path, statistic: str = "fraction_addicted",
              activity: str | None = None) -> list[Path]:
    """Write summary.parquet/.csv, curves.png and (two axes) heatmap.png into ``out``."""
    meta, ok = _read(out)
    keys = list(meta["keys"])
    summary = prevalence_summary(out, meta, ok)
    tables = {"summary": summary}
    survey = survey_summary(out, meta, ok)
    if survey is not None:
        tables["survey_summary"] = survey
    axes, final = keys, summary[summary["tick"] == summary["tick"].max()]
    if meta.get("individuals"):
        tables["summary_levels"] = final = levels_summary(out, meta, ok)
        levels = list(meta.get("levels", []))
        axes = [*(k for k in keys if not partition_key(k, levels)), *levels]
    acts = list(dict.fromkeys(final["activity"]))  # check the user's choices before writing
    act = activity or acts[0]
    if act not in acts:
        raise ConfigError(f"--activity: got {shown(act)}, expected one of {', '.join(acts)}")
    allowed = sorted(c.removesuffix("_mean") for c in final.columns if c.endswith("_mean"))
    if statistic not in allowed:
        raise ConfigError(
            f"--statistic: got {shown(statistic)}, expected one of {', '.join(allowed)}"
            + did_you_mean(statistic, allowed)
        )
    heat = (final[final["activity"] == act], act) if len(axes) == 2 else None
    if heat is not None and not all(pd.api.types.is_numeric_dtype(heat[0][a]) and
                                    not pd.api.types.is_bool_dtype(heat[0][a]) for a in axes):
        heat = None  # a heatmap needs two numeric axes (network.kind is not one)
    written: list[Path] = []
    for name, frame in tables.items():
        atomic_write(out / f"{name}.parquet", lambda p, f=frame: f.to_parquet(p, index=False))
        atomic_write(out / f"{name}.csv", lambda p, f=frame: f.to_csv(p, index=False))
        written += [out / f"{name}.parquet", out / f"{name}.csv"]
    atomic_write(out / "curves.png", lambda p: plot_curves(summary, keys, p))
    written.append(out / "curves.png")
    if heat is not None:
        table, act = heat
        atomic_write(out / "heatmap.png", lambda p: plot_heatmap(
            table, axes[0], axes[1], f"{statistic}_mean", p, f"{act}: final {statistic}"))
        written.append(out / "heatmap.png")
    return written


__all__ = ["levels_summary", "mean_interval", "prevalence_summary", "summarize",
           "survey_summary", "t975"]
