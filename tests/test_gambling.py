"""Item 6, gambling (docs/reproductions.md): win streaks, late betting and the win/loss split.

1,000 individuals per arm and streak length, seed 0; all arms share one random stream, so
streak lengths and learners are paired comparisons. The payout is shown faintly in the
outcome cue and paid on leaving the outcome state (envs/gambling.py).

Reproduced: wins and losses are classified apart BY OUTCOME within 50-tick blocks (not an
early/late time split), by the negative-error history (attention raised onto the faint
payout; none with the history off), and the win state is valued above the loss state.
Late betting rises with streak length at a fixed lag after the streak, but by less than the
smallest effect that counts and hardly more than the Dezfouli control's rise (ordinary value
learning): a strict expected failure with the numbers.

Commit c89bff7 cut this protocol's test from 10,000 individuals (seed 6) to 1,000 (seed 0)
and dropped two of its bounds (dual-process above 1.5 times the Dezfouli control at every
streak; the Dezfouli control below 0.05). They are back: each old bound is asserted at
1,000 on seed 0 with the paired intervals, or kept at its old value as a strict expected
failure with the numbers.
"""

from __future__ import annotations

import pytest
from evidence import SEEDS, quoted, stale_documentation

from addsim.population.reproduce.gambling import STREAKS, gambling

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def summary() -> dict:
    return gambling(1000, seed=0).summary


def test_the_documentation_data_is_this_run(summary: dict) -> None:
    """docs/reproductions/gambling.json (the table's numbers) holds this run: seed
    0, 1000 per arm."""
    assert not (msg := stale_documentation("gambling", summary, 0, 1000)), msg


def test_wins_and_losses_are_told_apart_by_outcome_through_the_history(summary: dict) -> None:
    v = summary["verdict"]["split"]
    assert v["label"] == "by situation recognition", v
    on = summary["dual_process"]["400"]["wins_and_losses"]["split_by_outcome"]
    off = summary["dual_process/history off"]["400"]["wins_and_losses"]["split_by_outcome"]
    assert on["ci"][0] > 0.3
    assert abs(off["mean"]) < 0.01 and off["ci"][1] < on["ci"][0]
    assert quoted(on, "0.53 [0.52, 0.53]") and quoted(off["mean"], "0.00")  # seed 0, 1,000


def test_the_win_state_is_valued_above_the_loss_state(summary: dict) -> None:
    w = summary["dual_process"]["400"]["wins_and_losses"]
    assert w["modes_differ_ci"][0] > 0.5
    assert w["win-loss_value"]["ci"][0] > 0
    assert quoted(w["modes_differ"], "64%")  # seed 0, 1,000 per arm
    assert quoted(w["win-loss_value"], "15.8 [15.2, 16.4]")


def test_dual_process_late_betting_rises_with_streak_length(summary: dict) -> None:
    s = summary["dual_process"]
    assert s["200-100"]["ci"][0] > 0
    assert s["400-200"]["ci"][0] > 0
    assert quoted(s["200-100"], "0.010 [0.005, 0.016]")  # seed 0, 1,000 per arm
    assert quoted(s["400-200"], "0.021 [0.013, 0.029]")


def test_old_bounds_the_first_rise_and_the_dezfouli_control_below_005(summary: dict) -> None:
    """Two of the bounds of the 10,000-individual test (commit c89bff7 dropped or loosened
    them), restored at 1,000 with intervals: the dual-process rise 200 - 100 above 0.003 (its
    interval's lower end), and the Dezfouli control's late betting below 0.05 at every streak
    (its interval's upper end)."""
    assert summary["dual_process"]["200-100"]["ci"][0] > 0.003
    for streak in STREAKS:
        assert summary["dezfouli2009"][str(streak)]["late_bet"]["ci"][1] < 0.05, streak
    # the numbers of the second xfail below (an xfail cannot check its own); seed 0, 1,000
    dual = [summary["dual_process"][str(k)]["late_bet"]["mean"] for k in STREAKS]
    dez = [1.5 * summary["dezfouli2009"][str(k)]["late_bet"]["mean"] for k in STREAKS]
    assert quoted(dual, "0.024, 0.034, 0.055") and quoted(dez, "0.024, 0.032, 0.052")


@pytest.mark.xfail(strict=True, reason="not shown at 1,000 per arm (seed 0): the dual-process "
                   "rise 400 - 200 is 0.021 [0.013, 0.029], its lower end below the old bound "
                   "0.015 (measured at 10,000 on seed 6 as a difference of means, paired sd "
                   "about 0.0006)")
def test_old_bound_the_second_rise_above_0015(summary: dict) -> None:
    assert summary["dual_process"]["400-200"]["ci"][0] > 0.015


@pytest.mark.xfail(strict=True, reason="not reproduced (seed 0, 1,000 per arm): dual-process "
                   "late betting is not 1.5 times the Dezfouli control's at streak 100 (0.024 "
                   "against 1.5 x 0.016 = 0.024); at 200 0.034 against 0.032, at 400 0.055 "
                   "against 0.052")
def test_old_bound_dual_process_bets_over_15_times_the_control(summary: dict) -> None:
    """The comparison commit c89bff7 dropped: dual-process above 1.5 times the Dezfouli
    control at every streak length (the same individuals' draws: paired arms)."""
    dual, dez = summary["dual_process"], summary["dezfouli2009"]
    assert all(dual[str(k)]["late_bet"]["mean"] > 1.5 * dez[str(k)]["late_bet"]["mean"]
               for k in STREAKS)


ON_SEEDS_ARMS = ("dual_process", "dual_process/history off")  # the arms read below


@pytest.fixture(scope="module")
def on_seeds() -> dict[int, dict]:
    """The protocol on each of evidence.SEEDS (fixed before any run), 1,000 per arm: only
    the two arms the tests below read (every arm shares one stream, so they are the numbers
    of the whole protocol: test_an_arm_run_alone_gives_its_numbers_in_the_whole_protocol)."""
    return {seed: gambling(1000, seed=seed, arms=ON_SEEDS_ARMS).summary for seed in SEEDS}


def test_an_arm_run_alone_gives_its_numbers_in_the_whole_protocol(summary: dict) -> None:
    """``arms`` runs a subset: the history-off arm alone (seed 0, 1,000) is exactly that arm
    of the whole protocol; the comparison and the verdicts whose arms did not all run are
    left out; an unknown arm is refused naming the labels."""
    alone = gambling(1000, seed=0, arms=("dual_process/history off",)).summary
    assert alone["dual_process/history off"] == summary["dual_process/history off"]
    assert set(alone) == {"dual_process/history off"}
    with pytest.raises(ValueError, match="arms: got \\['dual'\\], expected some of"):
        gambling(2, seed=0, arms=("dual",))


def test_split_and_values_on_every_seed(on_seeds: dict[int, dict]) -> None:
    """On each of the five seeds: wins and losses split by outcome through the history (none
    with it off), and the win state valued above the loss state."""
    for seed, summary in on_seeds.items():
        on = summary["dual_process"]["400"]["wins_and_losses"]
        off = summary["dual_process/history off"]["400"]["wins_and_losses"]["split_by_outcome"]
        assert on["split_by_outcome"]["ci"][0] > 0.3, (seed, on)
        assert abs(off["mean"]) < 0.01 and off["ci"][1] < on["split_by_outcome"]["ci"][0], seed
        assert on["modes_differ_ci"][0] > 0.5 and on["win-loss_value"]["ci"][0] > 0, (seed, on)


def test_late_betting_rises_from_100_to_200_and_to_400_on_every_seed(
        on_seeds: dict[int, dict]) -> None:
    """On each of the five seeds the paired rises 200 - 100 and 400 - 100 have their
    intervals above 0; 400 - 200 has its own test (its numbers are checked here: an xfail
    cannot check them)."""
    for seed, summary in on_seeds.items():
        s = summary["dual_process"]
        assert s["200-100"]["ci"][0] > 0 and s["400-100"]["ci"][0] > 0, (seed, s)
    rises = [summary["dual_process"]["400-200"] for summary in on_seeds.values()]
    assert quoted([r["mean"] for r in rises], "0.013, 0.006, 0.015, 0.008, 0.016")  # 20-24
    assert quoted(rises[3], "0.008 [-0.000, 0.016]")  # seed 23, 1,000 per arm


@pytest.mark.xfail(strict=True, reason="not reproduced on 1 of 5 seeds (1,000 per arm): the "
                   "dual-process rise 400 - 200 is 0.008 [-0.000, 0.016] on seed 23; 0.006 to "
                   "0.016 with intervals above 0 on seeds 20-22 and 24")
def test_late_betting_rises_from_200_to_400_on_every_seed(on_seeds: dict[int, dict]) -> None:
    lows = {seed: s["dual_process"]["400-200"]["ci"][0] for seed, s in on_seeds.items()}
    assert all(low > 0 for low in lows.values()), lows


@pytest.mark.xfail(strict=True, reason="not reproduced: the dual-process rise 400 - 100 at "
                   "600-800 ticks after the streak is 0.031 [0.023, 0.040], below the 0.05 "
                   "that counts, against the Dezfouli control's 0.019 [0.013, 0.024] "
                   "(difference 0.012 [0.003, 0.023])")
def test_late_betting_rise_is_the_latent_states(summary: dict) -> None:
    assert summary["verdict"]["streak"]["label"] == "by retrieval"
