"""Reproduction tests: docs/reproductions.md, items 1 to 7, against the published directions.

Every test runs a protocol of population/reproduce/ with a fixed seed and enough
individuals for the effect to stand far outside seed noise; thresholds come from this
project's own runs (the figures measured are quoted beside each assertion).
"""

from __future__ import annotations

import pytest

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
        assert s["p_optimal_final"] > 0.9, name  # measured: >= 0.9998 for all five


def test_addictive_task_surge_learners_addicted_q_learning_not() -> None:
    """Item 2: Redish, Dezfouli and dual-process addicted by t=500; Q-learning is not."""
    res = acq.addiction(n=400, seed=2)
    for name in SURGE_LEARNERS:
        # measured: Redish 0.88-0.91 (n=400, seeds 0-5; ~10% never take to it), others 0.92-1.0
        assert res.summary[name]["p_addictive_t500"] > 0.8, name
    assert res.summary["q_learning"]["p_addictive_t500"] < 0.2  # measured 4e-5


@pytest.fixture(scope="module")
def values() -> Result:
    return val.values(n=1000, seed=3)


@pytest.mark.slow
def test_redish_drug_value_unbounded_and_error_at_least_surge(values: Result) -> None:
    """Item 3: Redish's Q(drug) keeps rising and every drug-step error is >= D."""
    s = values.summary["redish2004"]
    assert s["min_drug_delta_minus_surge"] >= 0.0
    assert s["q_addictive_final"] > 1.8 * s["q_addictive_mid"]  # measured: linear growth, 2.0x
    assert s["advantage_final"] > 1.8 * s["advantage_mid"]


@pytest.mark.slow
def test_dezfouli_drug_value_bounded(values: Result) -> None:
    """Item 3: Dezfouli's drug advantage converges (< 1% change over the last 2,000 ticks)."""
    s = values.summary["dezfouli2009"]
    assert s["advantage_change_last_2000"] < 0.01  # measured 0.10-0.23% (n=1000, seeds 0-3)
    assert s["advantage_change_last_2000_of_mean"] < 0.01  # the population mean: 0.16%
    assert 0.0 < s["advantage_final"] < 20.0  # measured 4.2: bounded, drug still preferred


@pytest.mark.slow
def test_dual_process_drug_value_bounded(values: Result) -> None:
    """Item 3: the dual-process drug advantage converges (< 1% over the last 2,000 ticks).

    Judged on the typical individual (median of per-individual window means); the mean
    over individuals is reported in values.json (it moved 0.37% here).
    """
    s = values.summary["dual_process"]
    assert s["advantage_change_last_2000"] < 0.01  # measured 0.33% (n=1000, seed 3)
    assert s["advantage_final"] > 0.0


@pytest.mark.slow
def test_dual_process_drug_advantage_level_is_flat(values: Result) -> None:
    """The dual-process mean advantage stays at its mid-run level: with the per-state error
    record gone (issue 27) almost nobody opens a state late in the run (0.3%; it was 44.6%,
    carrying 93% of a mean that rose 7.0 -> 44.6). The history-off ablation is flat too."""
    on, off = values.summary["dual_process"], values.summary["dual_process/ablation"]
    assert on["advantage_final"] < 20.0  # measured 1.21
    assert abs(on["advantage_final"] - on["advantage_mid"]) < 0.2 * on["advantage_mid"]
    assert on["new_state_second_half"] < 0.05  # measured 0.003
    assert off["new_state_second_half"] < 0.05  # measured 0.006


def test_relapse_all_learners_extinguished(relapse: Result) -> None:
    """Item 4 precondition: every surge learner below P = 0.1 at the end of extinction."""
    for name in (*SURGE_LEARNERS, "latent_state"):
        assert relapse.summary[name]["p_end_acquisition"] > 0.8, name
        assert relapse.summary[name]["p_end_extinction"] < 0.1, name  # measured <= 0.004


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
    assert re["median"] <= 0.25 * acq["median"], s  # measured 0 vs 8 ticks (seed 11)
    assert relapse.summary["verdict"]["label"] == "by retrieval", relapse.summary["verdict"]


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


def test_relapse_redish_calibrated_has_the_reports_pace() -> None:
    """Item 4 at a calibrated Redish (beta 0.035, gamma 0.96; extinction reward 18): items 1,
    2 and 4 and the kept-rewards variant hold together, with 0.6-1.5x savings.

    A narrow window, which is why the preset keeps beta 0.1, gamma 0.9: first acquisition only
    just reaches P = 0.9 (plateau 0.89-0.93, ~9% of individuals never take to the drug; T_acq
    223-250 ticks over seeds 0-3 and 5, never reached on seed 3; report: ~190); with beta 0.045 and
    gamma 0.9 the pace also holds but item 1 fails (P(natural) ~0.75). Measured (n=300, seed 11):
    acquisition 233 ticks, re-exposure 325 (savings 1.39; 1.27-1.38 on the other seeds), P at
    the end of extinction 0.048, kept rewards P 0.085 after 500 ticks (0.055-0.089), item 1
    P(natural) 0.988, item 2 P(drug) 0.98 at t = 500.
    """
    ext = dict(rel.EXTINCTION, r0_mean=18.0)
    kw = {"n": 300, "seed": 11, "learners": ("redish2004",), "overrides": REDISH_CALIBRATED}
    s = rel.relapse(extinction=ext, **kw).summary["redish2004"]
    assert s["p_end_acquisition"] > 0.9 and s["p_end_extinction"] < 0.1, s
    assert 0.6 <= s["savings"] <= 1.5, s
    kept = rel.relapse(extinction=ext, keep_rewards=True, **kw).summary["redish2004"]
    assert kept["p_end_reexposure"] < 0.1, kept
    kw.pop("n")
    item1 = acq.acquisition(n=100, **{**kw, "seed": 1}).summary["redish2004"]
    assert item1["p_optimal_final"] > 0.9, item1
    item2 = acq.acquisition(n=400, addictive=True, **{**kw, "seed": 2}).summary["redish2004"]
    assert item2["p_addictive_t500"] > 0.8, item2


@pytest.fixture(scope="module")
def relapse_map() -> Result:
    return rmap.relapse_map(n=100, seed=0)


def test_relapse_map_dezfouli_meets_the_report_only_with_r_bar_started_high(
    relapse_map: Result,
) -> None:
    """Item 4 sensitivity: over softmax beta x initial R_bar, Dezfouli meets every check of
    the report's relapse result (0.6-1.5x savings, extinction, kept rewards, items 1-2) only
    where R_bar starts at 14-16, near its drug-adapted level (~14.5), not at the natural
    reward 10 (where the population model starts it); from 10, no beta returns to P = 0.9
    within the 500 re-exposure ticks.

    Measured (n=100 per cell, the same cells on seeds 0-4): (beta, R_bar0) = (0.2, 14),
    (0.25, 15), (0.3, 15), (0.4, 16), savings 0.70-1.23; savings rise steeply as R_bar0 falls
    (beta 0.3: 1.21-1.28 at 15, 2.30-2.43 at 14, 4.0-4.35 at 13).
    """
    f = relapse_map.frame
    dez = f[f["learner"] == "dezfouli2009"]
    meets = dez[dez["meets_report"]]
    assert len(meets) >= 3, meets
    assert meets["y"].min() >= 14.0, meets
    assert not dez.loc[dez["y"] == 10.0, "relapsed"].any()
    beta = dez[dez["x"] == 0.3].set_index("y")["savings"]
    assert beta[15.0] < beta[14.0] < beta[13.0], beta


def test_relapse_map_redish_never_meets_the_report_at_the_protocols_extinction(
    relapse_map: Result,
) -> None:
    """Item 4 sensitivity: over softmax beta x discount gamma, Redish's savings fall in
    0.6-1.5 only where another check fails (mostly P >= 0.1 after extinction and relapse
    with the improved reward kept), so no cell meets the report at extinction reward 15.

    Measured (n=100 per cell, seeds 0-4): 7-8 of 42 cells acquire and have savings in range,
    each failing extinction or kept rewards; none meets every check. See
    test_relapse_redish_calibrated_has_the_reports_pace for the corner at extinction reward 18.
    """
    f = relapse_map.frame
    red = f[f["learner"] == "redish2004"]
    in_range = red[red["savings_in_range"] & red["acquired"]]
    assert len(in_range) >= 5, red
    assert not red["meets_report"].any()
    assert (~in_range["extinguished"] | ~in_range["kept_abstinent"]).all(), in_range


def test_relapse_kept_rewards_only_dual_process_relapses(
    relapse: Result, relapse_kept: Result
) -> None:
    """Item 4 variant: with improved rewards kept, dual-process still relapses at once, with
    the natural reward kept constant too, in states the acquisition phase made; neither
    model-free learner relapses within the re-exposure phase."""
    kept = relapse_kept.summary
    dual = kept["dual_process"]["reexposure"]  # per individual, censored (item 4 statistics)
    assert dual["median"] is not None and dual["median"] <= 0.25 * max(
        kept["dual_process"]["acquisition"]["median"], 1.0)  # measured 0 ticks
    assert kept["dual_process/reward-constant"]["effect"]["ci"][0] > 0.5
    acting = kept["dual_process"]["acting_state"]
    assert acting["acquisition"] + acting["other_acquisition"] > 0.8
    for name in ("dezfouli2009", "redish2004"):
        assert kept[name]["reexposure"]["reached_ci"][1] < 0.1, name  # measured 0 of 100
        assert kept[name]["p_end_reexposure"] < 0.1, name


@pytest.fixture(scope="module")
def state_counts() -> Result:
    return st.states(n=200, seed=5)


def test_latent_state_counts_direction(state_counts: Result) -> None:
    """Item 5, direction: mostly 2 states when always rewarded; extinction adds states, which
    the individuals act in at its end; the extra states do not hinge on the natural reward's
    change (with it kept at 10 extinction still adds them) and the history adds to them."""
    summary = state_counts.summary
    acq, ext = summary["always_rewarded"], summary["extinction"]
    assert acq["fraction_by_count"].get(2, 0.0) > 0.5  # measured 0.99
    assert sum(f for k, f in ext["fraction_by_count"].items() if k >= 3) >= 0.9  # measured 1.0
    assert ext["extinction-always"]["ci"][0] > 1.0  # measured 1.79
    assert ext["acting_state"]["created_in_test_ci"][0] > 0.5  # measured 99.5%
    assert summary["dual_process/reward-constant"]["extinction-always"]["ci"][0] > 1.0
    off = summary["dual_process/history off"]["extinction-always"]
    assert off["ci"][1] < ext["extinction-always"]["ci"][0]  # measured 1.19 vs 1.79
    assert acq["overflow"] == 0 and ext["overflow"] == 0


@pytest.mark.xfail(strict=True, reason="not reproduced: measured 99% with 2 states always "
                   "rewarded [96%, 100%] and 75.5% with 4 after extinction [69%, 81%] (200 "
                   "individuals, seed 5); report: 89% and 85%")
def test_latent_state_counts_match_the_report(state_counts: Result) -> None:
    """Item 5 at the report's numbers (docs/reproductions.md): kept as an expected failure."""
    acq, ext = state_counts.summary["always_rewarded"], state_counts.summary["extinction"]
    assert acq["fraction_by_count"].get(2, 0.0) >= 0.89
    assert ext["fraction_by_count"].get(4, 0.0) >= 0.85


def test_impulsivity_rises_with_drug_exposure() -> None:
    """Item 7: P(impulsive) rises with prior drug exposures, 0 < 500 < 2000."""
    res = imp.impulsivity(n=400, seed=7)
    for name in ("dezfouli2009", "dual_process"):
        p = [res.summary[name][e]["p_impulsive"] for e in imp.EXPOSURES]
        assert p[0] < p[1] < p[2], (name, p)  # Dezfouli measured 0.273 < 0.293 < 0.302
    kappas = [res.summary["dezfouli2009"][e]["kappa_at_test"] for e in imp.EXPOSURES]
    assert kappas[0] == 0.0 < kappas[1] < kappas[2]
    # Every exposure is forced: kappa is exactly the recursion over (drug, return) step pairs.
    lam, target = 0.0003, 3.0
    for e, kappa in zip(imp.EXPOSURES, kappas, strict=True):
        k = 0.0
        for _ in range(e):
            k = (1 - lam) * (k + lam * (target - k))
        assert kappa == pytest.approx(k, rel=1e-9), (e, kappa, k)


def test_heatmap_addiction_rises_with_surge_and_falls_with_natural_reward() -> None:
    """Item 8 direction (report Fig 5.15), on a coarse grid through the batch path."""
    res = hm.heatmap(n=100, step=2.5)
    grid = res.frame.pivot(index="natural_reward", columns="surge", values="fraction_addicted")
    rich_low_surge = grid.loc[12.5, 12.5]
    assert rich_low_surge < grid.loc[12.5, 17.5] - 0.3  # measured 0.16 vs 0.98
    assert rich_low_surge < grid.loc[7.5, 12.5] - 0.3  # measured 0.16 vs 0.99
    assert grid.loc[7.5, 17.5] > 0.9
