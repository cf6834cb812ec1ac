# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A scenario against the default, with intervals
#
# Does halving the drug's supply from year 2 lower disorder? One run answers nothing: a
# population is a random process. Run the default and the scenario on the same seeds (seed s
# builds the same people, friends and risk factors in both arms, and the intervention draws
# from its own stream, so the arms share every other draw and the seeds' own variation
# cancels in their difference; see [scenarios](../scenarios.md)), then give each arm's mean
# with a 95% interval across seeds, and the paired difference. Small populations and a
# 20-year past (`run__burn_in`; the default simulates 68) keep this fast; for real questions
# use more people and seeds with `addsim compare` (or `addsim.compare`), which does the same
# through the batch engine, per year and measure, with the totals averted.

# %%
import numpy as np
import pandas as pd
from scipy import stats

import addsim

SEEDS = range(6)
SIZE, YEARS = 500, 10
supply_cut = [{"kind": "supply_reduction", "tick": "2 years", "activity": "substance",
               "scale": 0.5}]


def outcome(run: addsim.Result) -> dict[str, float]:
    """Mean over years 6-10, all ages, substance, of three survey measures."""
    s = run.survey
    s = s[(s["age_band"] == "all") & (s["sex"] == "all") & (s["activity"] == "substance")
          & (s["year"] >= 6)]
    return s.groupby("measure")["value"].mean()[
        ["past_year_use", "past_year_disorder", "lifetime_disorder"]].to_dict()


rows = []
for seed in SEEDS:
    for arm, overrides in (("default", {}), ("supply halved", {"interventions": supply_cut})):
        r = addsim.run(size=SIZE, ticks=f"{YEARS} years", seed=seed, run__burn_in="20 years",
                       **overrides)
        rows.append({"arm": arm, "seed": seed, **outcome(r)})
runs = pd.DataFrame(rows)
runs.head()

# %% [markdown]
# Each arm's mean across seeds with its t-based 95% interval (the interval `addsim
# summarize` reports for a batch):


# %%
def interval(x: pd.Series) -> str:
    m, half = x.mean(), stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return f"{m:.4f} [{m - half:.4f}, {m + half:.4f}]"


runs.drop(columns="seed").groupby("arm").agg(interval).T

# %% [markdown]
# The paired difference (scenario minus default, seed by seed) is the intervention's effect;
# its interval is narrower than the arms' because the seeds' own variation cancels.

# %%
wide = runs.pivot(index="seed", columns="arm")
effect = pd.DataFrame({m: wide[m]["supply halved"] - wide[m]["default"]
                       for m in ("past_year_use", "past_year_disorder", "lifetime_disorder")})
effect.agg(interval).to_frame("scenario - default [95% interval]")
