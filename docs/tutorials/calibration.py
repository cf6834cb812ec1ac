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
# # A small calibration
#
# Calibration fits config parameters to published figures by approximate Bayesian
# computation (ABC-SMC, with pyabc): draw parameter values from a prior, simulate, keep the
# draws whose survey lands near the targets, and narrow down generation by generation. Here
# the "published" figures are made by the model itself at a known value of the peers'
# opportunity `exposure.p_peer`, so we can see whether the calibration finds it. It needs the
# calibrate extra (`pip install 'addsim[calibrate]'`). The command line does the same with
# `addsim calibrate` ([Calibration and validation](../calibration.md)).

# %%
import tempfile
from pathlib import Path

import pandas as pd

import addsim
from addsim.population import calibrate, params, targets

work = Path(tempfile.mkdtemp())
# run.burn_in = 0: these small runs skip the default's 68-year past to stay quick (it
# matters for age profiles and stationarity, not for recovering a known value)
BASE = {"population": {"size": 200}, "run": {"ticks": "4 years", "burn_in": 0}}
TRUTH = 0.05

# %% [markdown]
# ## Targets made at a known value
#
# A targets file names survey measures, the years they average over, and the value with its
# sd (or an interval). We take the mean and spread of two measures over four seeds of the
# model at `p_peer = 0.05`.

# %%
values = {"lifetime_use": [], "past_year_use": []}
for seed in range(4):
    r = addsim.run(size=200, ticks="4 years", seed=seed, exposure__p_peer=TRUTH,
                   run__burn_in=0)
    s = r.survey
    s = s[(s["age_band"] == "all") & (s["sex"] == "all") & (s["activity"] == "substance")
          & (s["year"] >= 2)]
    for m in values:
        values[m].append(s[s["measure"] == m]["value"].mean())
(work / "targets.toml").write_text("".join(
    f'[[target]]\nname = "{m}"\nmeasure = "{m}"\nyears = [2, 4]\n'
    f"value = {pd.Series(v).mean():.5f}\nsd = {max(pd.Series(v).std(), 0.01):.5f}\n"
    'source = "synthetic: the model at p_peer = 0.05"\n\n' for m, v in values.items()))
print((work / "targets.toml").read_text())

# %% [markdown]
# ## The parameter and its prior
#
# A parameters file lists the config keys to fit with a uniform prior (here on a log scale)
# and the calibration's size: 10 particles for 3 generations, far too few for a real fit but
# enough to watch the posterior move.

# %%
(work / "params.toml").write_text("""
[[param]]
key = "exposure.p_peer"
low = 0.005
high = 0.2
scale = "log"

[calibration]
population_size = 10
generations = 3
""")
space = params.Space(params.load_params(work / "params.toml"), base=BASE)
goal = targets.load_targets(work / "targets.toml")

# %% [markdown]
# ## Run ABC-SMC
#
# Every simulation is the batch engine's run of the base config with a particle's value set;
# its seed comes from the value, so the same command gives the same posterior.

# %%
db = work / "calibration.db"
calibrate.run_abc(space, goal, db, workers=1)
post = calibrate.posterior(db, space)
post.groupby("generation").agg(particles=("weight", "size"),
                               median_distance=("distance", "median"))

# %% [markdown]
# The posterior of `p_peer` by generation (weighted quantiles), against the value the
# targets were made at:

# %%
calibrate.summary(post, space)

# %%
best = calibrate.best(post, space)
print(f"best particle: p_peer = {best['exposure.p_peer']:.4f} (targets made at {TRUTH})")
