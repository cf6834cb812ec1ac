"""Reproduction tests: docs/reproductions.md, items 1 to 8, against the published directions.

Every test runs a protocol of population/reproduce/ with a fixed seed and enough
individuals for the effect to stand far outside seed noise; thresholds come from this
project's own runs (the figures measured on the fixture's seed and n are checked beside each
assertion with evidence.quoted). Each direction is also checked on the five seeds of
evidence.SEEDS (fixed before any run) by a slow test: its sign (or its interval) on every seed.
"""

from __future__ import annotations

import pandas as pd
import pytest
from evidence import SEEDS, on_seed, quoted, stale_documentation

from addsim.population.reproduce import acquisition as acq
from addsim.population.reproduce import heatmap as hm
from addsim.population.reproduce import impulsivity as imp
from addsim.population.reproduce import relapse as rel
from addsim.population.reproduce import relapse_map as rmap
from addsim.population.reproduce import states as st
from addsim.population.reproduce import values as val
from addsim.population.reproduce._common import Result

SURGE_LEARNERS = ("redish2004", "dezfouli2009", "dual_process")


@pytest.fixture(scope="module")
def relapse() -> Result:
    return rel.relapse(n=300, seed=11)


@pytest.fixture(scope="module")
def relapse_kept() -> Result:
    return rel.relapse_kept_rewards(n=300, seed=11)


def test_acquisition_non_addictive_every_learner_learns_natural_reward() -> None:
    """Item 1: without the drug every learner chooses the natural reward (P > 0.9)."""
    res = acq.acquisition(n=100, seed=1)
    for name, s in res.summary.items():
        assert s["p_optimal_final"] > 0.9, name
    assert not (msg := stale_documentation("acquisition", res.summary, 1, 100)), msg
    lowest = min(s["p_optimal_final"] for s in res.summary.values())
    assert quoted(lowest, "0.9986")  # seed 1, n 100: the lowest of the five learners


@pytest.mark.slow
def test_acquisition_non_addictive_on_every_seed() -> None:
    for seed in SEEDS:
        res = acq.acquisition(n=100, seed=seed)
        for name, s in res.summary.items():
            assert s["p_optimal_final"] > 0.9, (seed, name, s)


def test_addictive_task_surge_learners_addicted_q_learning_not() -> None:
    """Item 2: Redish, Dezfouli and dual-process addicted by t=500; Q-learning is not."""
    res = acq.addiction(n=400, seed=2)
    for name in SURGE_LEARNERS:
        assert res.summary[name]["p_addictive_t500"] > 0.8, name
    # seed 2, n 400: Redish's lowest (about 10% never take to the drug)
    assert quoted(res.summary["redish2004"]["p_addictive_t500"], "0.91")
    assert res.summary["q_learning"]["p_addictive_t500"] < 0.2
    assert quoted(res.summary["q_learning"]["p_addictive_t500"], "0.0000")


@pytest.mark.slow
def test_addictive_task_on_every_seed() -> None:
    """Item 2 on each of the five seeds (n 400): surge learners above 0.8, Q-learning below
    0.2."""
    for seed in SEEDS:
        res = acq.addiction(n=400, seed=seed)
        for name in SURGE_LEARNERS:
            assert res.summary[name]["p_addictive_t500"] > 0.8, (seed, name)
        assert res.summary["q_learning"]["p_addictive_t500"] < 0.2, seed


@pytest.fixture(scope="module")
def values() -> Result:
    return val.values(n=1000, seed=3)


@pytest.mark.slow
def test_redish_drug_value_unbounded_and_error_at_least_surge(values: Result) -> None:
    """Item 3: Redish's Q(drug) keeps rising and every drug-step error is >= D."""
    s = values.summary["redish2004"]
    assert s["min_drug_delta_minus_surge"] >= 0.0
    assert s["q_addictive_final"] > 1.8 * s["q_addictive_mid"]
    assert quoted(s["q_addictive_final"] / s["q_addictive_mid"], "2.05")  # linear; seed 3, 1,000
    assert s["advantage_final"] > 1.8 * s["advantage_mid"]


@pytest.mark.slow
def test_dezfouli_drug_value_bounded(values: Result) -> None:
    """Item 3: Dezfouli's drug advantage converges (< 1% change over the last 2,000 ticks)."""
    s = values.summary["dezfouli2009"]
    assert s["advantage_change_last_2000"] < 0.01
    assert s["advantage_change_last_2000_of_mean"] < 0.01  # the population mean
    assert 0.0 < s["advantage_final"] < 20.0  # bounded, drug still preferred
    assert quoted(s["advantage_change_last_2000"], "0.23%")  # seed 3, n 1,000
    assert quoted(s["advantage_change_last_2000_of_mean"], "0.16%")
    assert quoted(s["advantage_final"], "4.2")


@pytest.mark.slow
def test_dual_process_drug_value_bounded(values: Result) -> None:
    """Item 3: the dual-process drug advantage converges (< 1% over the last 2,000 ticks).

    Judged on the typical individual (median of per-individual window means); the mean
    over individuals is reported in values.json. The drug stays preferred at a bounded
    level: the final advantage lies in (0.5, 20) (seeds 0-4 at n 1,000 give 1.15-1.21,
    docs/reproductions/values.json; it was only asserted > 0, which says almost nothing).
    """
    s = values.summary["dual_process"]
    assert s["advantage_change_last_2000"] < 0.01
    assert 0.5 < s["advantage_final"] < 20.0
    assert quoted(s["advantage_change_last_2000"], "0.33%")  # seed 3, n 1,000
    assert quoted(s["advantage_final"], "1.21")


@pytest.mark.slow
def test_dual_process_drug_advantage_level_is_flat(values: Result) -> None:
    """The dual-process mean advantage stays at its mid-run level: with the per-state error
    record gone (issue 27) almost nobody opens a state late in the run (0.3%; it was 44.6%,
    carrying 93% of a mean that rose 7.0 -> 44.6). The history-off ablation is flat too."""
    on, off = values.summary["dual_process"], values.summary["dual_process/ablation"]
    assert on["advantage_final"] < 20.0
    assert abs(on["advantage_final"] - on["advantage_mid"]) < 0.2 * on["advantage_mid"]
    assert on["new_state_second_half"] < 0.05
    assert off["new_state_second_half"] < 0.05
    assert quoted(on["new_state_second_half"], "0.003")  # seed 3, n 1,000
    assert quoted(off["new_state_second_half"], "0.006")


def values_hold(summary: dict) -> None:
    """Item 3's claims on one run (the assertions of the four tests above) but the
    dual-process convergence, which has its own test."""
    red, dez, dual = (summary[k] for k in SURGE_LEARNERS)
    assert red["min_drug_delta_minus_surge"] >= 0.0, red
    assert red["q_addictive_final"] > 1.8 * red["q_addictive_mid"], red
    assert red["advantage_final"] > 1.8 * red["advantage_mid"], red
    assert dez["advantage_change_last_2000"] < 0.01, dez
    assert dez["advantage_change_last_2000_of_mean"] < 0.01, dez
    assert 0.0 < dez["advantage_final"] < 20.0, dez
    assert 0.5 < dual["advantage_final"] < 20.0, dual
    assert abs(dual["advantage_final"] - dual["advantage_mid"]) < 0.2 * dual["advantage_mid"]
    assert dual["new_state_second_half"] < 0.05, dual
    assert summary["dual_process/ablation"]["new_state_second_half"] < 0.05


@pytest.fixture(scope="module")
def values_on_seeds() -> dict[int, dict]:
    """Item 3 on each of evidence.SEEDS (fixed before any run), 1,000 individuals (the
    protocol's standard size, as the seed-3 fixture)."""
    return {seed: val.values(n=1000, seed=seed).summary for seed in SEEDS}


@pytest.mark.slow
def test_values_on_every_seed(values_on_seeds: dict[int, dict]) -> None:
    for seed, summary in values_on_seeds.items():
        with on_seed(seed):
            values_hold(summary)
    changes = [s["dual_process"]["advantage_change_last_2000"] for s in values_on_seeds.values()]
    assert quoted(changes, "0.34%, 0.11%, 1.73%, 0.68%, 1.82%")  # the xfail below; seeds 20-24


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="not reproduced on 2 of 5 seeds (n 1,000): the typical "
                   "dual-process individual's drug advantage moves 1.73% (seed 22) and 1.82% "
                   "(seed 24) between the last two 1,000-tick windows, against the 1% bound; "
                   "0.34%, 0.11% and 0.68% on seeds 20, 21 and 23 (0.33% on the fixture's "
                   "seed 3)")
def test_dual_process_drug_value_bounded_on_every_seed(values_on_seeds: dict[int, dict]
                                                       ) -> None:
    changes = {seed: s["dual_process"]["advantage_change_last_2000"]
               for seed, s in values_on_seeds.items()}
    assert all(c < 0.01 for c in changes.values()), changes


@pytest.mark.slow
def test_the_documentation_data_is_this_run(values: Result) -> None:
    """docs/reproductions/values.json (the table's numbers) holds this run: seed
    3, 1000 per arm."""
    assert not (msg := stale_documentation("values", values.summary, 3, 1000)), msg


def test_relapse_all_learners_extinguished(relapse: Result) -> None:
    """Item 4 precondition: every surge learner below P = 0.1 at the end of extinction."""
    for name in (*SURGE_LEARNERS, "latent_state"):
        assert relapse.summary[name]["p_end_acquisition"] > 0.8, name
        assert relapse.summary[name]["p_end_extinction"] < 0.1, name
    highest = max(relapse.summary[name]["p_end_extinction"]
                  for name in (*SURGE_LEARNERS, "latent_state"))
    assert quoted(highest, "0.007")  # seed 11, n 300


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="by another cause on 2 of seeds 0-4 (n=100): 51-64% of "
                   "those back act in the modal acquisition state (Wilson lower bound "
                   "0.40-0.52), 33-47% in another state opened during acquisition")
def test_relapse_kept_rewards_is_retrieval_on_every_seed() -> None:
    labels = [rel.relapse_kept_rewards(n=100, seed=s).summary["verdict"]["label"]
              for s in range(5)]
    assert labels == ["by retrieval"] * 5, labels


def test_relapse_dual_process_savings(relapse: Result) -> None:
    """Item 4: dual-process back to addiction in at most a quarter of its acquisition time,
    per individual with censoring (Kaplan-Meier medians of the times to P >= 0.7), and by
    retrieval (protocol 4c: with the natural reward kept constant too, most act in the
    acquisition state when back, the model-free learners do not return fast)."""
    s = relapse.summary["dual_process"]
    acq, re = s["acquisition"], s["reexposure"]
    assert acq["reached"] == 1.0 and re["reached"] == 1.0, s
    assert re["median"] <= 0.25 * acq["median"], s
    assert quoted((re["median"], acq["median"]), "0 vs 8 ticks")  # seed 11, n 300
    assert relapse.summary["verdict"]["label"] == "by retrieval", relapse.summary["verdict"]


@pytest.fixture(scope="module")
def relapse_on_seeds() -> dict[int, Result]:
    """Protocol 4 on each of evidence.SEEDS (fixed before any run), 300 per arm as the
    seed-11 fixture."""
    return {seed: rel.relapse(n=300, seed=seed) for seed in SEEDS}


@pytest.mark.slow
def test_relapse_dual_process_savings_on_every_seed(relapse_on_seeds: dict[int, Result]
                                                    ) -> None:
    """Item 4 on each of the five seeds: every dual-process individual acquires and returns,
    the re-exposure median at most a quarter of the acquisition median, by retrieval."""
    for seed, res in relapse_on_seeds.items():
        s = res.summary["dual_process"]
        acq, re = s["acquisition"], s["reexposure"]
        assert acq["reached"] == 1.0 and re["reached"] == 1.0, (seed, s)
        assert re["median"] <= 0.25 * acq["median"], (seed, s)
        assert res.summary["verdict"]["label"] == "by retrieval", (seed, res.summary["verdict"])


@pytest.mark.slow
def test_relapse_model_free_learners_have_no_savings_on_every_seed(
        relapse_on_seeds: dict[int, Result]) -> None:
    for seed, res in relapse_on_seeds.items():
        dual = res.summary["dual_process"]["reexposure"]
        for name in ("redish2004", "dezfouli2009"):
            s = res.summary[name]
            acq, re = s["acquisition"], s["reexposure"]
            assert acq["median"] is not None, (seed, name, s)
            re_time = 500.0 if re["median"] is None else re["median"]
            assert re_time >= 0.6 * acq["median"], (seed, name, s)
            assert re["reached_by_50_ci"][1] < dual["reached_by_50_ci"][0], (seed, name, s)


@pytest.mark.xfail(strict=True, reason="not reproduced at the report's pace (n=300, seed 11): "
                   "72% of dual-process individuals back at P >= 0.7 within 10 ticks of "
                   "re-exposure [67%, 77%] (median 0 ticks); report: about 0.99 within about "
                   "10 ticks")
def test_relapse_dual_process_at_the_reports_pace(relapse: Result) -> None:
    assert relapse.summary["dual_process"]["reexposure"]["reached_by_10_ci"][0] > 0.85


def test_relapse_model_free_learners_have_no_savings(relapse: Result) -> None:
    """Item 4, the report's qualitative claim: model-free learners get no savings (re-exposure
    at least 0.6 times as slow as acquisition, censored times counted as at least the horizon)
    and are far slower than the dual-process learner. The report's 0.6-1.5x pace is NOT
    reproduced: both learners relapse more slowly than they acquired, most not within the 500
    ticks of re-exposure (README; relapse-map is the sensitivity study).

    Why, with the report presets (mean Q(drug) - Q(natural) at the end of extinction):
    - Dezfouli, about -133: while rho lags the improved extinction reward (time constant
      1/sigma = 200 ticks) the sampled natural value drifts up by alpha * sum(r0 - rho) and
      the unsampled drug value stays put; re-exposure closes the gap only as rho relaxes back.
    - Redish, about -83: addicted individuals rarely sample the natural action, so its value
      is stale; extinction drives the drug value below it before choice turns, then the
      natural value climbs to gamma r0 / (1 - gamma) with the drug value frozen.
    """
    dual = relapse.summary["dual_process"]["reexposure"]
    for name in ("redish2004", "dezfouli2009"):
        s = relapse.summary[name]
        acq, re = s["acquisition"], s["reexposure"]
        assert acq["median"] is not None, (name, s)
        re_time = 500.0 if re["median"] is None else re["median"]  # censored: >= horizon
        assert re_time >= 0.6 * acq["median"], (name, s)
        assert re["reached_by_50_ci"][1] < dual["reached_by_50_ci"][0], (name, s)
        assert s["advantage_end_extinction"] < -50.0, (name, s)  # the mechanism stated above


REDISH_CALIBRATED = {"redish2004": {"beta": 0.035, "gamma": 0.96}}


def redish_calibrated(seed: int, seeds_of_items_1_2: tuple[int, int] | None = None
                      ) -> dict[str, dict]:
    """Items 1, 2 and 4 (and 4's kept-rewards variant) at the calibrated Redish on ``seed``
    (items 1 and 2 on ``seeds_of_items_1_2`` when given, as their own tests' seeds)."""
    ext = dict(rel.EXTINCTION, r0_mean=18.0)
    kw = {"seed": seed, "learners": ("redish2004",), "overrides": REDISH_CALIBRATED}
    s1, s2 = seeds_of_items_1_2 or (seed, seed)
    return {
        "relapse": rel.relapse(extinction=ext, n=300, **kw).summary["redish2004"],
        "kept": rel.relapse(extinction=ext, keep_rewards=True, n=300, **kw
                            ).summary["redish2004"],
        "item1": acq.acquisition(n=100, **{**kw, "seed": s1}).summary["redish2004"],
        "item2": acq.acquisition(n=400, addictive=True, **{**kw, "seed": s2}
                                 ).summary["redish2004"],
    }


def redish_calibrated_holds(r: dict[str, dict], kept_rewards: bool = True) -> None:
    """The report's item 4 pace with items 1 and 2 (the assertions, one seed); the
    kept-rewards variant with ``kept_rewards``."""
    s, kept = r["relapse"], r["kept"]
    assert s["p_end_acquisition"] > 0.9 and s["p_end_extinction"] < 0.1, s
    assert 0.6 <= s["savings"] <= 1.5, s
    if kept_rewards:
        assert kept["p_end_reexposure"] < 0.1, kept
    assert r["item1"]["p_optimal_final"] > 0.9, r["item1"]
    assert r["item2"]["p_addictive_t500"] > 0.8, r["item2"]


def test_relapse_redish_calibrated_has_the_reports_pace() -> None:
    """Item 4 at a calibrated Redish (beta 0.035, gamma 0.96; extinction reward 18): items 1,
    2 and 4 and the kept-rewards variant hold together, with 0.6-1.5x savings, on seed 11
    (items 1 and 2 on their tests' seeds 1 and 2).

    A narrow window, which is why the preset keeps beta 0.1, gamma 0.9: first acquisition only
    just reaches P = 0.9 (about 9% of individuals never take to the drug; report: T_acq about
    190); with beta 0.045 and gamma 0.9 the pace also holds but item 1 fails (P(natural)
    about 0.75). Seed 11 is the seed this was found on: see the five-seed test below.
    """
    r = redish_calibrated(11, (1, 2))
    redish_calibrated_holds(r)
    s = r["relapse"]  # the numbers of seed 11, n 300
    # the report's P > 0.9 at the end of acquisition holds by a small margin (0.910-0.925
    # on the five seeds below): the bound is the report's, not tuned to pass
    assert quoted(s["p_end_acquisition"], "0.917")
    assert quoted(s["savings"], "1.39") and quoted(s["p_end_extinction"], "0.048")
    assert quoted(r["kept"]["p_end_reexposure"], "0.085")
    assert quoted(r["item1"]["p_optimal_final"], "0.988")
    assert quoted(r["item2"]["p_addictive_t500"], "0.98")


@pytest.fixture(scope="module")
def redish_calibrated_on_seeds() -> dict[int, dict[str, dict]]:
    """The calibrated Redish's checks on each of evidence.SEEDS (fixed before any run), every
    item on that seed."""
    return {seed: redish_calibrated(seed) for seed in SEEDS}


@pytest.mark.slow
def test_relapse_redish_calibrated_on_every_seed(
        redish_calibrated_on_seeds: dict[int, dict[str, dict]]) -> None:
    """Items 1, 2 and 4 with 0.6-1.5x savings on each of the five seeds; the kept-rewards
    variant has its own test (its numbers are checked here: an xfail cannot check them)."""
    for seed, r in redish_calibrated_on_seeds.items():
        with on_seed(seed):
            redish_calibrated_holds(r, kept_rewards=False)
    runs = redish_calibrated_on_seeds.values()  # seeds 20-24, n 300
    assert quoted([r["relapse"]["p_end_acquisition"] for r in runs],
                  "0.914, 0.912, 0.918, 0.925, 0.910")
    assert quoted([r["relapse"]["savings"] for r in runs], "1.37, 1.40, 1.33, 1.32, 1.25")
    assert quoted([r["kept"]["p_end_reexposure"] for r in runs],
                  "0.080, 0.060, 0.066, 0.077, 0.103")


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="not reproduced on 1 of 5 seeds (n 300): with the "
                   "improved rewards kept, P(addictive) at the end of re-exposure is 0.103 on "
                   "seed 24, above the 0.1 bound (0.060-0.080 on seeds 20-23, 0.085 on the "
                   "fixture's seed 11)")
def test_relapse_redish_calibrated_kept_rewards_abstinent_on_every_seed(
        redish_calibrated_on_seeds: dict[int, dict[str, dict]]) -> None:
    kept = {seed: r["kept"]["p_end_reexposure"] for seed, r in redish_calibrated_on_seeds.items()}
    assert all(p < 0.1 for p in kept.values()), kept


@pytest.fixture(scope="module")
def relapse_map() -> Result:
    return rmap.relapse_map(n=100, seed=0)


REPORT_CELLS = {(0.2, 14.0), (0.25, 15.0), (0.3, 15.0), (0.4, 16.0)}  # (beta, R_bar0)


def dezfouli_map_holds(f: pd.DataFrame) -> pd.DataFrame:
    """The Dezfouli checks of the relapse map on one seed; returns the cells meeting it."""
    dez = f[f["learner"] == "dezfouli2009"]
    meets = dez[dez["meets_report"]]
    assert len(meets) >= 3, meets
    assert meets["y"].min() >= 14.0, meets
    assert not dez.loc[dez["y"] == 10.0, "relapsed"].any()
    beta = dez[dez["x"] == 0.3].set_index("y")["savings"]
    assert beta[15.0] < beta[14.0] < beta[13.0], beta
    return meets


def test_relapse_map_dezfouli_meets_the_report_only_with_r_bar_started_high(
    relapse_map: Result,
) -> None:
    """Item 4 sensitivity: over softmax beta x initial R_bar, Dezfouli meets every check of
    the report's relapse result (0.6-1.5x savings, extinction, kept rewards, items 1-2) only
    where R_bar starts at 14-16, near its drug-adapted level (~14.5), not at the natural
    reward 10 (where the population model starts it); from 10, no beta returns to P = 0.9
    within the 500 re-exposure ticks. Savings rise steeply as R_bar0 falls.

    On seed 0 (n 100 per cell) the cells meeting it are (beta, R_bar0) = (0.2, 14),
    (0.25, 15), (0.3, 15), (0.4, 16), checked below with the savings at beta 0.3.
    """
    meets = dezfouli_map_holds(relapse_map.frame)
    assert set(zip(meets["x"], meets["y"], strict=True)) == REPORT_CELLS
    f = relapse_map.frame
    dez = f[(f["learner"] == "dezfouli2009") & (f["x"] == 0.3)].set_index("y")["savings"]
    assert quoted((dez[15.0], dez[14.0], dez[13.0]), "1.23, 2.41, 4.35")  # seed 0, n 100


def redish_map_holds(f: pd.DataFrame) -> pd.DataFrame:
    """The Redish checks of the relapse map on one seed; returns the cells in range."""
    red = f[f["learner"] == "redish2004"]
    in_range = red[red["savings_in_range"] & red["acquired"]]
    assert len(in_range) >= 5, red
    assert not red["meets_report"].any()
    assert (~in_range["extinguished"] | ~in_range["kept_abstinent"]).all(), in_range
    return in_range


def test_relapse_map_redish_never_meets_the_report_at_the_protocols_extinction(
    relapse_map: Result,
) -> None:
    """Item 4 sensitivity: over softmax beta x discount gamma, Redish's savings fall in
    0.6-1.5 only where another check fails (mostly P >= 0.1 after extinction and relapse
    with the improved reward kept), so no cell meets the report at extinction reward 15.
    See test_relapse_redish_calibrated_has_the_reports_pace for the corner at extinction
    reward 18.
    """
    in_range = redish_map_holds(relapse_map.frame)
    assert quoted(len(in_range), "8")  # of 42 cells; seed 0, n 100 per cell


@pytest.mark.slow
def test_relapse_map_on_every_seed() -> None:
    """Both learners' map checks on each of evidence.SEEDS (fixed before any run), 100 per
    cell; Dezfouli meets the report in the same cells as on seed 0."""
    for seed in SEEDS:
        f = rmap.relapse_map(n=100, seed=seed).frame
        with on_seed(seed):
            meets = dezfouli_map_holds(f)
            redish_map_holds(f)
        assert set(zip(meets["x"], meets["y"], strict=True)) == REPORT_CELLS, (seed, meets)


def kept_rewards_hold(kept: dict) -> None:
    """Item 4's kept-rewards variant on one run (the assertions)."""
    dual = kept["dual_process"]["reexposure"]  # per individual, censored (item 4 statistics)
    assert dual["median"] is not None and dual["median"] <= 0.25 * max(
        kept["dual_process"]["acquisition"]["median"], 1.0), dual
    assert kept["dual_process/reward-constant"]["effect"]["ci"][0] > 0.5
    acting = kept["dual_process"]["acting_state"]
    assert acting["acquisition"] + acting["other_acquisition"] > 0.8, acting
    for name in ("dezfouli2009", "redish2004"):
        assert kept[name]["reexposure"]["reached_ci"][1] < 0.1, name
        assert kept[name]["p_end_reexposure"] < 0.1, name


def test_relapse_kept_rewards_only_dual_process_relapses(relapse_kept: Result) -> None:
    """Item 4 variant: with improved rewards kept, dual-process still relapses at once, with
    the natural reward kept constant too, in states the acquisition phase made; neither
    model-free learner relapses within the re-exposure phase."""
    kept = relapse_kept.summary
    kept_rewards_hold(kept)
    assert quoted(kept["dual_process"]["reexposure"]["median"], "0")  # ticks; seed 11, n 300
    for name in ("dezfouli2009", "redish2004"):
        assert quoted(kept[name]["reexposure"]["reached"], "0.000"), name  # seed 11, n 300


@pytest.mark.slow
def test_relapse_kept_rewards_on_every_seed() -> None:
    """The same on each of evidence.SEEDS (fixed before any run), 300 per arm."""
    for seed in SEEDS:
        with on_seed(seed):
            kept_rewards_hold(rel.relapse_kept_rewards(n=300, seed=seed).summary)


@pytest.fixture(scope="module")
def state_counts() -> Result:
    return st.states(n=200, seed=5)


def latent_state_directions_hold(summary: dict) -> None:
    """Item 5's directions on one run (the assertions)."""
    acq, ext = summary["always_rewarded"], summary["extinction"]
    assert acq["fraction_by_count"].get(2, 0.0) > 0.5
    assert sum(f for k, f in ext["fraction_by_count"].items() if k >= 3) >= 0.9
    assert ext["extinction-always"]["ci"][0] > 1.0
    assert ext["acting_state"]["created_in_test_ci"][0] > 0.5
    assert summary["dual_process/reward-constant"]["extinction-always"]["ci"][0] > 1.0
    off = summary["dual_process/history off"]["extinction-always"]
    assert off["ci"][1] < ext["extinction-always"]["ci"][0]
    assert acq["overflow"] == 0 and ext["overflow"] == 0


def test_latent_state_counts_direction(state_counts: Result) -> None:
    """Item 5, direction: mostly 2 states when always rewarded; extinction adds states, which
    the individuals act in at its end; the extra states do not hinge on the natural reward's
    change (with it kept at 10 extinction still adds them) and the history adds to them."""
    summary = state_counts.summary
    latent_state_directions_hold(summary)
    acq, ext = summary["always_rewarded"], summary["extinction"]  # seed 5, n 200
    assert quoted(acq["fraction_by_count"].get(2, 0.0), "0.99")
    assert quoted(sum(f for k, f in ext["fraction_by_count"].items() if k >= 3), "1.0")
    assert quoted(ext["extinction-always"]["difference"], "1.79")
    assert quoted(ext["acting_state"]["created_in_test"], "99.5%")
    assert quoted(summary["dual_process/history off"]["extinction-always"]["difference"],
                  "1.19")


@pytest.mark.slow
def test_latent_state_counts_direction_on_every_seed() -> None:
    for seed in SEEDS:
        with on_seed(seed):
            latent_state_directions_hold(st.states(n=200, seed=seed).summary)


@pytest.mark.xfail(strict=True, reason="not reproduced: measured 99% with 2 states always "
                   "rewarded [96%, 100%] and 75.5% with 4 after extinction [69%, 81%] (200 "
                   "individuals, seed 5); report: 89% and 85%")
def test_latent_state_counts_match_the_report(state_counts: Result) -> None:
    """Item 5 at the report's numbers (docs/reproductions.md): kept as an expected failure."""
    acq, ext = state_counts.summary["always_rewarded"], state_counts.summary["extinction"]
    assert acq["fraction_by_count"].get(2, 0.0) >= 0.89
    assert ext["fraction_by_count"].get(4, 0.0) >= 0.85


def impulsivity_rises(summary: dict) -> None:
    """Item 7 on one run: for both learners each paired rise (500 - 0 and 2000 - 500
    exposures; the same individuals and task draws at every level) has its interval above 0."""
    for name in ("dezfouli2009", "dual_process"):
        for rise in ("500-0", "2000-500"):
            assert summary[name][rise]["ci"][0] > 0.0, (name, rise, summary[name][rise])


def test_impulsivity_rises_with_drug_exposure() -> None:
    """Item 7: P(impulsive) rises with prior drug exposures, 0 < 500 < 2000, as paired
    differences with intervals (the levels used to run on unpaired streams, compared with a
    bare <: Dezfouli's last gap was 0.009 with no interval)."""
    res = imp.impulsivity(n=400, seed=7)
    impulsivity_rises(res.summary)
    dez = res.summary["dezfouli2009"]  # seed 7, n 400
    assert quoted([dez[e]["p_impulsive"] for e in imp.EXPOSURES], "0.27, 0.29, 0.30")
    kappas = [res.summary["dezfouli2009"][e]["kappa_at_test"] for e in imp.EXPOSURES]
    assert kappas[0] == 0.0 < kappas[1] < kappas[2]
    # Every exposure is forced: kappa is exactly the recursion over (drug, return) step pairs.
    lam, target = 0.0003, 3.0
    for e, kappa in zip(imp.EXPOSURES, kappas, strict=True):
        k = 0.0
        for _ in range(e):
            k = (1 - lam) * (k + lam * (target - k))
        assert kappa == pytest.approx(k, rel=1e-9), (e, kappa, k)


@pytest.mark.slow
def test_impulsivity_rises_on_every_seed() -> None:
    for seed in SEEDS:
        with on_seed(seed):
            impulsivity_rises(imp.impulsivity(n=400, seed=seed).summary)


def heatmap_directions_hold(res: Result) -> pd.DataFrame:
    """Item 8's directions on one coarse grid (the assertions); returns the grid."""
    grid = res.frame.pivot(index="natural_reward", columns="surge", values="fraction_addicted")
    rich_low_surge = grid.loc[12.5, 12.5]
    assert rich_low_surge < grid.loc[12.5, 17.5] - 0.3, grid
    assert rich_low_surge < grid.loc[7.5, 12.5] - 0.3, grid
    assert grid.loc[7.5, 17.5] > 0.9, grid
    return grid


def test_heatmap_addiction_rises_with_surge_and_falls_with_natural_reward() -> None:
    """Item 8 direction (report Fig 5.15), on a coarse grid through the batch path."""
    grid = heatmap_directions_hold(hm.heatmap(n=100, step=2.5))
    corners = (grid.loc[12.5, 12.5], grid.loc[12.5, 17.5], grid.loc[7.5, 12.5])
    assert quoted(corners, "0.05, 1.00, 1.00")  # seed 0, n 100 per cell


@pytest.mark.slow
def test_heatmap_directions_on_every_seed() -> None:
    for seed in SEEDS:
        with on_seed(seed):
            heatmap_directions_hold(hm.heatmap(n=100, seed=seed, step=2.5))
