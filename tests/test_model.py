"""The population model: peer exposure, treatment and relapse, statuses, determinism, views."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import _BURN_IN, DEFAULT_SEEDS
from evidence import quoted

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


def test_peer_exposure_raises_prevalence_and_without_it_some_still_become_addicted() -> None:
    """Same seed: using neighbours create opportunities, so p_peer > 0 means more use and more
    disorder; with p_peer = 0 people still seek, so some still become addicted."""
    runs = {pp: _run(f"exposure.p_peer={pp}", "activities.gambling.enabled=false", ticks=520)
            for pp in (0.0, 0.1)}
    ever = {pp: m.activity("substance").tracker.ever_used.sum() for pp, m in runs.items()}
    onsets = {pp: _substance(m)["onsets"].sum() for pp, m in runs.items()}
    assert ever[0.1] > 1.5 * ever[0.0]  # 292 vs 106
    assert onsets[0.1] > 2 * onsets[0.0]  # 70 vs 23
    assert onsets[0.0] > 0


@pytest.fixture(scope="module")
def wave() -> tuple[pd.DataFrame, PopulationModel]:
    """Seed 0, 1,000 people, 15 years, no burn-in: the control and a wave at 7.5 years
    treating every addicted person for 26 weeks (the wave alone: no treatment process
    re-treating people after it)."""
    base = ("activities.gambling.enabled=false", "exposure.p_peer=0.05",
            "treatment.enabled=false")
    control = _substance(_run(*base, ticks=780, size=1000))
    treated_model = _run(
        *base, "interventions=[{kind='treatment', tick='7.5 years', fraction=1.0, "
        "duration='26 weeks'}]", ticks=780, size=1000,
    )
    return control, treated_model


def test_treatment_lowers_prevalence_and_relapses_follow(
        wave: tuple[pd.DataFrame, PopulationModel]) -> None:
    """Treating every addicted person lowers prevalence while it lasts (below half the
    control's: f82734d's 0.7 restored to the 0.5 it lowered); the treated cease, and more than
    a fifth of them use again after it ends (relapse to use, McLellan et al. 2000's measure;
    the 0.2 f82734d had dropped for "at least one")."""
    control, treated_model = wave
    treated = _substance(treated_model)
    start, hit = treated_model.applied[0][0], treated_model.applied[0][3]
    end = start + 26
    assert hit > 5 and quoted(hit, "18")  # seed 0, 1,000 people: the xfail below
    addicted = lambda f, a, b: (f["addicted"] + f["relapsed"]).loc[a:b].mean()  # noqa: E731
    ratio = addicted(treated, start + 13, end) / addicted(control, start + 13, end)
    assert ratio < 0.5 and quoted(ratio, "0.08")
    assert treated["cessations"].loc[start:end].sum() >= hit
    sub = treated_model.activity("substance")
    who = np.flatnonzero(sub.treated_until == end)
    assert hit - 3 <= who.size <= hit  # (a treated person may die and leave the row)
    relapsed = (sub.tracker.last_use[who] > end).sum()
    assert relapsed > 0.2 * hit and quoted(relapsed / hit, "0.94")


@pytest.mark.xfail(strict=True, reason="f82734d's bound, not met since: the wave reaches 18 "
                   "addicted people (seed 0, 1,000 people, no burn-in), not more than 50")
def test_old_bound_the_wave_reaches_more_than_50(
        wave: tuple[pd.DataFrame, PopulationModel]) -> None:
    assert wave[1].applied[0][3] > 50


@pytest.mark.xfail(strict=True, reason="not reproduced since issue 27, nor after issue 29's "
                   "recalibration (seed 0, the settings below, the frequency status rule they "
                   "were written for): later use 622.0 after treating hubs first against 615.0 "
                   "after random treatment")
def test_targeted_treatment_beats_random_on_a_scale_free_network() -> None:
    """Spread by peers alone (no seeking, no life course, no shared trait, the older
    per-opportunity-like window): treating hubs first (degree centrality) lowers later use
    more than random."""
    common = ("network.kind=barabasi_albert", "network.m=2", "exposure.p_peer=0.2",
              "activities.gambling.enabled=false", "seeking.enabled=false",
              "life.enabled=false", "consequences.enabled=false", "status.window=20",
              "comorbidity.correlation=0", "status.rule=frequency",
              "status.abstinence_ticks=100", "status.use_recency=50")
    out = {}
    for targeting in ("random", "centrality"):
        f = _substance(_run(*common, f"interventions=[{{kind='treatment', tick=260, "
                                     f"fraction=0.5, duration=52, targeting='{targeting}'}}]",
                            ticks=520, size=1000))
        out[targeting] = (f["user"] + f["addicted"] + f["relapsed"]).loc[270:520].mean()
    assert out["centrality"] < out["random"]


def _later_use(sv: pd.DataFrame) -> float:
    """Past-year use of the substance (all ages, both sexes) over years 6-20: after the wave."""
    sv = sv[(sv["measure"] == "past_year_use") & (sv["activity"] == "substance")
            & (sv["age_band"] == "all") & (sv["sex"] == "all") & (sv["year"] >= 6)]
    return float(sv["value"].mean())


WAVE = ("interventions=[{{kind='treatment', tick='{tick}', fraction=0.5, duration='{duration}', "
        "targeting='{targeting}'}}]")


def _wave_twins(sets: list[str], wave: dict[str, str], arms: tuple[str, ...],
                burn_in: int | None = None) -> dict[str, PopulationModel]:
    """The run of ``sets`` with the intervention ``WAVE.format(**wave, targeting=arm)`` for
    each of ``arms``, run once up to the wave and then as a copy per arm with the wave applied
    live (PopulationModel.apply_intervention): interventions draw from their own stream, so
    the runs are the same until the wave (test_a_wave_applied_live_is_the_scheduled_wave).
    ``burn_in``: Config.burn_in_ticks while the models run (None: the session's)."""
    import copy

    from addsim.population.config import Config

    cfgs = {arm: C.load(sets=[*sets, WAVE.format(**wave, targeting=arm)]) for arm in arms}
    tick = cfgs[arms[0]].interventions[0].tick
    with pytest.MonkeyPatch.context() as mp:
        if burn_in is not None:
            mp.setattr(Config, "burn_in_ticks", burn_in)
        shared = PopulationModel(C.load(sets=sets))
        shared.run(tick)
        out = {}
        for arm, cfg in cfgs.items():
            twin = copy.deepcopy(shared)
            twin.apply_intervention(cfg.interventions[0])
            twin.run(cfg.run.ticks - tick)
            out[arm] = twin
    return out


def test_a_wave_applied_live_is_the_scheduled_wave() -> None:
    """A run copied at a recorded tick, with an intervention applied live to the copy (the
    method the viewer calls on its running model), is exactly the run with that
    intervention scheduled at that tick: every
    survey row and every record the same (300 people, a 3-year burn-in, 2 years, a wave at
    year 1 that reaches people)."""
    sets = ["population.size=300", "run.ticks=2 years", "run.seed=4", "run.burn_in=3 years"]
    wave = {"tick": "1 year", "duration": "1 year"}
    twins = _wave_twins(sets, wave, ("centrality", "random"))
    for arm, twin in twins.items():
        scheduled = PopulationModel(C.load(sets=[*sets, WAVE.format(**wave, targeting=arm)]))
        scheduled.run(scheduled.config.run.ticks)
        pd.testing.assert_frame_equal(pd.DataFrame(twin.survey_table()),
                                      pd.DataFrame(scheduled.survey_table()))
        np.testing.assert_array_equal(twin.records.table, scheduled.records.table)
        assert twin.events() == scheduled.events()
        assert twin.applied == scheduled.applied and twin.applied[0][3] > 0, arm  # reached


@pytest.fixture(scope="module")
def targeting_pairs() -> dict[str, list[float]]:
    """The default scenario (issue 34: not the switched-off settings above), seeds 10-14,
    each with a wave at year 5 treating half of the addicted for a year, chosen at random or
    by degree centrality (paired by seed): past-year use over years 6-20. Each seed's burn-in
    and first five years run once, the two arms from copies (:func:`_wave_twins`)."""
    arms = ("random", "centrality")
    out: dict[str, list[float]] = {arm: [] for arm in arms}
    for seed in DEFAULT_SEEDS[:5]:
        twins = _wave_twins([f"run.seed={seed}"], {"tick": "5 years", "duration": "1 year"},
                            arms, burn_in=_BURN_IN)
        for arm in arms:
            out[arm].append(_later_use(pd.DataFrame(twins[arm].survey_table())))
    return out


@pytest.mark.slow
@pytest.mark.whole_burn_in
def test_targeting_in_the_default_on_five_seeds(targeting_pairs: dict[str, list[float]]
                                                ) -> None:
    """The numbers the expected failure below gives (seeds 10-14, 1,000 people, 20 years
    after the burn-in): past-year use over years 6-20, centrality minus random, in
    percentage points. The default's small world has little spread of degree, and a wave
    treats a few people: targeting hubs changes nothing one can see."""
    diff = 100 * np.subtract(targeting_pairs["centrality"], targeting_pairs["random"])
    assert quoted(list(diff), "-0.05, 0.06, 0.23, 0.09, -0.07")


@pytest.mark.slow
@pytest.mark.whole_burn_in
@pytest.mark.xfail(strict=True, reason="not reproduced in the default scenario (seeds 10-14, "
                   "1,000 people, 20 years): treating hubs first against at random changes "
                   "past-year use over years 6-20 by -0.05, 0.06, 0.23, 0.09, -0.07 "
                   "percentage points (lower on 2 of 5 seeds)")
def test_targeting_hubs_lowers_later_use_in_the_default_on_every_seed(
        targeting_pairs: dict[str, list[float]]) -> None:
    assert all(c < r for c, r in zip(targeting_pairs["centrality"], targeting_pairs["random"],
                                     strict=True))


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
    assert len(m.individuals) == m.n
    with pytest.raises(ValueError, match="keeps no history"):
        m.individuals[0].history()


def test_individuals_are_made_when_first_asked_for() -> None:
    """Issue 28: no N views up front; an Individual is made (and registered with Mesa) on
    first access, the same object after; negative indices and slices work; out of range is an
    IndexError."""
    m = PopulationModel(size=30, ticks=5, network="empty")
    assert len(m.individuals) == 30 and len(m.agents) == 0
    a = m.individuals[4]
    assert m.individuals[4] is a and m.individuals[-26] is a and len(m.agents) == 1
    assert [p.index for p in m.individuals[28:]] == [28, 29]
    with pytest.raises(IndexError, match="out of range"):
        m.individuals[30]


def test_the_model_is_built_the_way_mesa_models_are() -> None:
    """PopulationModel(config=None, *, rng=None, **overrides): the default, the seed from rng,
    keyword overrides with "__" for the dots; a bad rng or key is a ConfigError; the network
    as a networkx graph."""
    m = PopulationModel(rng=7, size=40, exposure__p_peer=0.02)
    assert m.config.run.seed == 7 and m.n == 40 and m.config.exposure.p_peer == 0.02
    assert m.graph.number_of_nodes() == 40
    assert m.graph.number_of_edges() == m.adjacency.n_edges
    assert PopulationModel(C.load(), size=20).n == 20
    for bad in ({"rng": -1}, {"rng": 1.5}, {"exposure__p_peerr": 0.1}):
        with pytest.raises(C.ConfigError):
            PopulationModel(size=20, **bad)


def test_mesa_batch_run_sweeps_the_model() -> None:
    """mesa.batch_run over a parameter and seeds 1, 1, 2 (rng: Mesa 3.5's argument; Mesa 3.3
    takes it among the parameters): the two runs of seed 1 report the same counts, seed 2
    others; every combination runs."""
    import mesa

    params: dict = {"exposure__p_peer": [0.0, 0.2], "size": 60, "ticks": 30}
    newer = tuple(int(x) for x in mesa.__version__.split(".")[:2]) >= (3, 5)
    kw = {"rng": [1, 1, 2]} if newer else {}
    if not newer:
        params["rng"] = [1, 1, 2]
    rows = mesa.batch_run(PopulationModel, parameters=params, max_steps=30,
                          display_progress=False, **kw)
    assert len(rows) == 6
    cols = [c for c in rows[0] if c.startswith("substance.")]
    peer = [r for r in rows if r["exposure__p_peer"] == 0.2]
    seed = [r.get("rng", r.get("seed")) for r in peer]
    same = [r for r, s in zip(peer, seed, strict=True) if s == 1]
    other = next(r for r, s in zip(peer, seed, strict=True) if s == 2)
    assert [same[0][c] for c in cols] == [same[1][c] for c in cols]
    assert [same[0][c] for c in cols] != [other[c] for c in cols]


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


@pytest.fixture(scope="module")
def embedded_default() -> PopulationModel:
    """The README's default run: seed 0 (the config's), 1,000 people, 20 years of weeks after
    its whole burn-in (set here: a module fixture is built before a test's markers apply)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(C.Config, "burn_in_ticks", _BURN_IN)
        cfg = C.load()
        model = PopulationModel(cfg)
        model.run(cfg.run.ticks)
    return model


@pytest.mark.slow
@pytest.mark.whole_burn_in
def test_embedded_default_is_plausible_at_a_glance(embedded_default: PopulationModel) -> None:
    """The README's default run (1,000 people, 20 years of weeks after the burn-in): use does
    not saturate, disorder under 10% at every tick, newcomers keep starting, remission
    happens among people never treated, people return to disorder, treatment reaches some,
    turnover (deaths and the old leaving). Each count is quoted from seed 0, 1,000 people
    (issue 34: the bare "> 0" these checks had could not tell a trickle from the dynamics)."""
    model = embedded_default
    cfg = model.config
    f = _substance(model)
    tr = model.activity("substance").tracker
    assert cfg.run.seed == 0 and cfg.run.ticks == 1044 and model.n == 1000
    assert model.burn_in_ticks > 3000
    # seed 0, 1,000 people, for every quote below
    assert tr.ever_used.mean() < 0.7 and quoted(tr.ever_used.mean(), "58.0%")
    disorder = f["addicted"] + f["relapsed"]
    assert (disorder < 0.1 * model.n).all() and quoted(disorder.max(), "32")
    late_starts = f["initiations"].loc[780:].sum()  # newcomers keep starting (last 5 years)
    assert late_starts > 0 and quoted(late_starts, "63")
    assert quoted(f["initiations"].sum(), "220")
    assert quoted(f["cessations"].sum(), "63") and quoted(f["relapses"].sum(), "11")
    remitted = tr.last_cessation >= 0
    untreated_remitted = remitted & ~tr.ever_treated  # remission without treatment
    assert quoted(untreated_remitted.sum(), "65") and quoted(remitted.sum(), "95")
    assert 0 < tr.ever_treated.sum() < tr.ever_addicted.sum()
    assert quoted(tr.ever_treated.sum(), "31") and quoted(tr.ever_addicted.sum(), "112")
    assert quoted(f["deaths"].sum(), "176") and quoted(f["aged_out"].sum(), "137")
    assert quoted(tr.ever_addicted.sum() / tr.ever_used.sum(), "19.3%")  # the test below


@pytest.mark.slow
@pytest.mark.whole_burn_in
def test_old_bound_10_to_35_percent_of_users_ever_addicted(
        embedded_default: PopulationModel) -> None:
    """f82734d's bound, dropped by 7de33bd (35.3% then) and met again since the
    recalibration of de1cd45: 112 of 580 users ever addicted (19.3%; seed 0, 1,000 people,
    20 years after the burn-in)."""
    tr = embedded_default.activity("substance").tracker
    assert 0.1 <= tr.ever_addicted.sum() / tr.ever_used.sum() <= 0.35


def test_addicted_seek_more_and_some_remit_untreated() -> None:
    """Ten years, no treatment: the addicted sought more in the last year than other users,
    and some of the addicted remitted (ceased) without any treatment."""
    m = _run("activities.gambling.enabled=false", ticks=520, size=1000)
    tr = m.activity("substance").tracker
    st = tr.status
    addicted = (st == STATUSES.index("addicted")) | (st == STATUSES.index("relapsed"))
    others = tr.ever_used & ~addicted
    assert addicted.sum() > 3 and tr.seeks[addicted].mean() > 2 * tr.seeks[others].mean()
    remitted = tr.last_cessation >= 0
    assert 0 < remitted.sum() <= _substance(m)["cessations"].sum()  # (leavers' rows reset)
