"""The population model: peer exposure, treatment and relapse, statuses, determinism, views."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from addsim.population import config as C
from addsim.population.io.export import prevalence_frame
from addsim.population.model import COLUMNS, PopulationModel
from addsim.population.status import STATUSES


def _run(*sets: str, ticks: int = 400, size: int = 400) -> PopulationModel:
    cfg = C.load(sets=[f"population.size={size}", f"run.ticks={ticks}", "interventions=[]",
                       *sets])
    model = PopulationModel(cfg)
    model.run(ticks)
    return model


def _substance(model: PopulationModel) -> pd.DataFrame:
    f = prevalence_frame(model)
    return f[f["activity"] == "substance"].set_index("tick")


@pytest.fixture(scope="module")
def default_run() -> PopulationModel:
    return _run("activities.gambling.enabled=true", ticks=300)


def test_statuses_partition_the_population_every_tick(default_run: PopulationModel) -> None:
    """The six status counts sum to N at every tick, for every activity."""
    f = prevalence_frame(default_run)
    assert (f[list(STATUSES)].sum(axis=1) == default_run.n).all()
    assert len(f) == 300 * 2 and list(f.columns[:2]) == ["tick", "activity"]
    assert list(f.columns[2:]) == [*COLUMNS, "time"]
    np.testing.assert_allclose(f["time"], f["tick"] * 7 / 365.25)  # weekly ticks, in years


def test_peer_exposure_raises_prevalence() -> None:
    """Same seed: using neighbours create opportunities, so p_peer > 0 means more use."""
    without = _substance(_run("exposure.p_peer=0.0", "activities.gambling.enabled=false"))
    with_peers = _substance(_run("exposure.p_peer=0.1", "activities.gambling.enabled=false"))
    ever = lambda f: len(f) and (f["never_exposed"].iloc[0] * 0 + 400 - f["never_exposed"])  # noqa: E731
    assert ever(with_peers).iloc[100] > 1.5 * ever(without).iloc[100]
    addicted = lambda f: (f["addicted"] + f["relapsed"]).iloc[-50:].mean()  # noqa: E731
    assert addicted(with_peers) > addicted(without) + 20


def test_treatment_lowers_prevalence_and_relapses_follow() -> None:
    """Treating every addicted person lowers prevalence; after treatment, relapses follow."""
    base = ("activities.gambling.enabled=false", "exposure.p_peer=0.05")
    control = _substance(_run(*base, ticks=600))
    treated_model = _run(
        *base, "interventions=[{kind='treatment', tick=250, fraction=1.0, duration=150}]",
        ticks=600,
    )
    treated = _substance(treated_model)
    hit = treated_model.applied[0][3]
    assert hit > 50
    addicted = lambda f, a, b: (f["addicted"] + f["relapsed"]).loc[a:b].mean()  # noqa: E731
    assert addicted(treated, 360, 400) < 0.5 * addicted(control, 360, 400)
    assert treated["cessations"].loc[250:400].sum() > 0.5 * hit
    assert treated["relapses"].loc[400:].sum() > 0.2 * hit
    assert treated["relapsed"].iloc[-1] > 0 and control["relapsed"].iloc[-1] == 0


def test_targeted_treatment_beats_random_on_a_scale_free_network() -> None:
    """Treating hubs first (degree centrality) lowers later use more than random treatment."""
    common = ("network.kind=barabasi_albert", "network.m=2", "exposure.p_peer=0.2",
              "activities.gambling.enabled=false")
    out = {}
    for targeting in ("random", "centrality"):
        f = _substance(_run(*common, f"interventions=[{{kind='treatment', tick=150, "
                                     f"fraction=0.3, duration=250, targeting='{targeting}'}}]",
                            ticks=400, size=1000))
        out[targeting] = (f["user"] + f["addicted"] + f["relapsed"]).loc[200:400].mean()
    assert out["centrality"] < out["random"]


def test_same_seed_identical_other_seed_different() -> None:
    """Reproducible: same config and seed, identical tables; another seed, different ones."""
    a = prevalence_frame(_run("run.seed=3", ticks=150, size=200))
    b = prevalence_frame(_run("run.seed=3", ticks=150, size=200))
    c = prevalence_frame(_run("run.seed=4", ticks=150, size=200))
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_individual_views_equal_the_arrays(default_run: PopulationModel) -> None:
    """An Individual's properties read the engine's arrays (status, risk, states, values)."""
    m = default_run
    for person in (m.individuals[0], m.individuals[123], m.individuals[-1]):
        i = person.index
        sub = m.activity("substance")
        assert person.status("substance") == STATUSES[sub.tracker.status[i]]
        assert person.risk_factors["surge"] == m.risk["surge"][i]
        assert person.n_latent("substance") == sub.learner.n_latent[i]
        z = m.last_choice_state["substance"][i]
        np.testing.assert_array_equal(person.q_values("substance"), sub.learner.q[i, z])
        assert set(person.statuses) == {"substance", "gambling"}
        assert np.array_equal(np.sort(person.neighbours()), np.sort(m.adjacency.neighbours(i)))
    assert len(m.individuals) == m.n == len(m.agents)
    with pytest.raises(ValueError, match="keeps no history"):
        m.individuals[0].history()


def test_history_matches_final_status() -> None:
    """With run.history the per-tick status history ends in each person's current status."""
    m = _run("run.history=true", ticks=60, size=100)
    assert m.history is not None and m.history.dtype == np.uint8
    for j, name in enumerate(m.activity_names):
        np.testing.assert_array_equal(m.history[59, j], m.activity(name).tracker.status)
    assert m.individuals[5].history("substance").shape == (60,)


def test_mesa_datacollector_reports_the_records(default_run: PopulationModel) -> None:
    """Mesa's DataCollector model reporters carry the same per-tick counts."""
    df = default_run.datacollector.get_model_vars_dataframe()
    f = _substance(default_run)
    np.testing.assert_array_equal(df["substance.addicted"].to_numpy(), f["addicted"].to_numpy())


def test_embedded_default_shows_initiation_levelling_cessation_and_relapse() -> None:
    """The README's default run: initiation, addiction rising then levelling off, cessations
    after the treatment wave at tick 500, relapses after treatment ends."""
    cfg = C.load()
    model = PopulationModel(cfg)
    model.run(cfg.run.ticks)
    f = _substance(model)
    addicted = f["addicted"] + f["relapsed"]
    assert f["initiations"].loc[:200].sum() > 0.7 * model.n  # use spreads early (904)
    assert addicted.loc[150] < 0.05 * model.n < addicted.loc[300]  # rising ...
    rise_early = addicted.loc[300] - addicted.loc[200]
    rise_late = addicted.loc[490] - addicted.loc[440]
    assert rise_late < 0.5 * rise_early  # ... then levelling off before the wave
    treated = next(k for t, kind, act, k in model.applied if act == "substance")
    assert treated > 0.1 * model.n
    assert f["cessations"].loc[500:720].sum() > 0.5 * treated
    assert addicted.loc[650] < 0.8 * addicted.loc[490]
    assert f["relapses"].loc[700:].sum() > 0.1 * treated
