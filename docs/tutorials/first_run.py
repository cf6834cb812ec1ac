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
# # A first run and its survey
#
# This tutorial runs a small population from Python, looks at its prevalence over time, reads
# its yearly survey the way an epidemiologist would, and inspects one person. It is a script
# that CI executes (`docs/tutorials/first_run.py`, a jupytext notebook): open it in Jupyter
# with jupytext, or run it with `python`.

# %%
import matplotlib.pyplot as plt

import addsim

r = addsim.run(size=500, ticks="10 years", seed=0)  # the embedded default, smaller and shorter
cfg = r.config
print(f"{cfg.population.size} people, {cfg.run.ticks} weekly ticks, seed {cfg.run.seed}")

# %% [markdown]
# `r.prevalence` has one row per tick and activity: how many people are in each status, the
# events of the tick and the mean probability of the addictive action. Statuses come from
# behaviour over a calendar window (see [The population](../model/population.md#statuses)).

# %%
substance = r.prevalence[r.prevalence["activity"] == "substance"]
substance.tail()

# %%
people = r.config.population.size
fig, ax = plt.subplots(figsize=(7, 3.5))
for status in ("user", "addicted", "abstinent", "relapsed"):
    ax.plot(substance["time"], substance[status] / people, label=status)
ax.set_xlabel("years")
ax.set_ylabel("share of the population")
ax.set_title("substance: who is where")
ax.legend()
plt.show()

# %% [markdown]
# ## The survey
#
# Every simulated year the survey measures what a population survey reports, per age band
# (six bands, `18+` for the adults and `all` for everyone from 12): lifetime and past-year
# use, past-year disorder, use to dependence, remission, relapse, the peer effect, and the
# share measures also by sex (bands `18+` and `all`). The table is long (`year, age_band, sex,
# activity, measure, value`); pivot it to read it. A figure from an adult survey (NESARC) is
# read in band `18+`.

# %%
survey = r.survey
everyone = survey["sex"] == "all"
all_ages = survey[everyone & (survey["age_band"] == "all") & (survey["activity"] == "substance")]
table = all_ages.pivot(index="year", columns="measure", values="value")
table[["lifetime_use", "past_year_use", "past_year_disorder", "conditional_dependence"]].round(3)

# %% [markdown]
# Disorder is a disease of the young: past-year disorder by age band in the last year.

# %%
last = survey[everyone & (survey["year"] == survey["year"].max())
              & (survey["activity"] == "substance") & (survey["measure"] == "past_year_disorder")]
last.set_index("age_band")["value"].round(3)

# %% [markdown]
# ## One person
#
# The model is a Mesa model; its people are thin views into the engine's arrays, created when
# asked for. Here is the person who used the most, with their risk factors.

# %%
who = int(r.individuals["substance_p_addictive"].idxmax())
person = r.model.individuals[who]
print("status:", person.status("substance"))
r.individuals.loc[who, ["degree", "surge", "natural_reward", "susceptibility", "access",
                     "substance_latent_states"]]
