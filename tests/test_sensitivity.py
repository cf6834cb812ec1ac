"""``addsim sensitivity`` (population/sensitivity.py, population/cli/sensitivity.py).

A known answer: in a tiny population a gambling-only parameter (the gambling win
probability's Beta a) cannot move a substance outcome, and with common random numbers its
elementary effects there are exactly 0, while the peer effect on opportunity moves every
outcome. The tables are the same on one worker and two; Sobol' on request gives S1 and ST;
points without a value are filled and counted; bad input is one line naming the field, exit
status 2 and nothing written.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from addsim.population import sensitivity as sa
from addsim.population.cli import main
from addsim.population.cli.sensitivity import MADE
from addsim.population.config import validate

# 1,000 people for 2 years; the gambling win probability's Beta spelled out, so that its a can
# vary (the parameters file sets one field of the config; the distribution needs its table)
# No burn-in and no excess mortality in gambling disorder: a gambling parameter then cannot
# reach the substance through turnover (who dies, and when a newcomer takes the row)
TINY = ["--set", "population.size=1000", "--set", "run.ticks=2 years",
        "--set", "run.burn_in=0", "--set", "life.hazard_ratio.gambling=1",
        "--set", "risk.perceived_win.dist=beta", "--set", "risk.perceived_win.a=5",
        "--set", "risk.perceived_win.b=15"]
PARAMS = """
[[param]]
key = "exposure.p_peer"
low = 0.005
high = 0.2
scale = "log"

[[param]]
key = "risk.perceived_win.a"
low = 2.0
high = 10.0

[calibration]  # ignored by sensitivity
generations = 2
"""
OUTCOMES = ["lifetime_use", "past_year_use:substance:2", "past_year_use:gambling",
            "relapse_12m"]


@pytest.fixture(scope="module")
def params(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("params") / "params.toml"
    path.write_text(PARAMS)
    return path


def _morris(params: Path, out: Path, workers: int) -> int:
    return main(["sensitivity", *TINY, "--params", str(params), "--outcomes", *OUTCOMES,
                 "--trajectories", "4", "--workers", str(workers), "--out", str(out)])


@pytest.fixture(scope="module")
def one_worker(params: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sens") / "w1"
    assert _morris(params, out, 1) == 0
    return out


def test_inert_parameter_has_no_effect_and_the_peer_effect_a_strong_one(
        one_worker: Path) -> None:
    """Morris on a case with a known answer: mu* of the gambling-only parameter is exactly
    0 on substance outcomes (common random numbers: the substance side of the runs is the
    same draw for draw), not 0 on the gambling one (it is live), and far below p_peer's."""
    table = pd.read_csv(one_worker / "sensitivity.csv")
    mu = table.set_index(["outcome", "param"])["mu_star"]
    conf = table.set_index(["outcome", "param"])["mu_star_conf"]
    for outcome in ("lifetime_use", "past_year_use:substance:2"):
        assert mu[outcome, "risk.perceived_win.a"] == 0.0
        # live: its bootstrap interval excludes 0 (0.05 was the size on the default before
        # issue 29, whose base access was scarcer; 0.0075 on lifetime use after it)
        assert mu[outcome, "exposure.p_peer"] - conf[outcome, "exposure.p_peer"] > 0
        assert table.set_index(["outcome", "param"]).loc[
            (outcome, "exposure.p_peer"), "rank"] == 1
    gambling = "past_year_use:gambling"
    assert 0 < mu[gambling, "risk.perceived_win.a"] < mu[gambling, "exposure.p_peer"]
    assert list(table.columns) == ["outcome", "param", "mu", "mu_star", "mu_star_conf",
                                   "sigma", "rank"]


def test_outputs_and_an_outcome_without_any_value(one_worker: Path) -> None:
    """Every file is written; samples.parquet has each point's values and outcomes; the
    JSON states the settings and runs; relapse_12m (nobody is 12 months past remission in
    a 2-year run) has no value anywhere: counted, reported, NaN indices, no traceback."""
    assert {p.name for p in one_worker.iterdir()} == set(MADE)
    meta = json.loads((one_worker / "sensitivity.json").read_text())
    assert meta["method"] == "morris" and meta["trajectories"] == 4
    assert meta["points"] == 4 * 3 and meta["runs"] == 12 and meta["seeds"] == [0]
    assert len(meta["rows"]) == len(OUTCOMES) * 2  # (wall_seconds: a time, not checked)
    assert meta["nan_points"] == {"relapse_12m": 12}
    samples = pd.read_parquet(one_worker / "samples.parquet")
    assert list(samples.columns) == ["point", "seed", "exposure.p_peer",
                                     "risk.perceived_win.a", *OUTCOMES]
    assert len(samples) == 12 and samples["exposure.p_peer"].between(0.005, 0.2).all()
    table = pd.read_csv(one_worker / "sensitivity.csv")
    assert table.loc[table["outcome"] == "relapse_12m", "mu_star"].isna().all()


def test_same_tables_on_one_worker_and_two(params: Path, one_worker: Path,
                                           tmp_path: Path) -> None:
    """Reproducible: the design and the bootstrap are seeded and results are put in design
    order, so two workers finishing in another order give the same tables."""
    out = tmp_path / "w2"
    assert _morris(params, out, 2) == 0
    assert (out / "sensitivity.csv").read_bytes() == (one_worker / "sensitivity.csv"
                                                      ).read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(out / "samples.parquet"),
                                  pd.read_parquet(one_worker / "samples.parquet"))


def test_sobol_on_request(params: Path, tmp_path: Path) -> None:
    """--method sobol gives S1, ST and their intervals per outcome and parameter, from
    N (D + 2) runs, every one a number. (Two years: in the first year lifetime use is the
    same at every point, and a constant outcome has no variance to divide.)"""
    out = tmp_path / "sobol"
    assert main(["sensitivity", *TINY, "--params", str(params),
                 "--outcomes", "lifetime_use", "--method", "sobol", "--samples", "4",
                 "--workers", "2", "--out", str(out)]) == 0
    table = pd.read_csv(out / "sensitivity.csv")
    assert list(table.columns) == ["outcome", "param", "S1", "S1_conf", "ST", "ST_conf",
                                   "rank"]
    assert len(table) == 2
    assert np.isfinite(table[["S1", "S1_conf", "ST", "ST_conf"]].to_numpy()).all(), table
    meta = json.loads((out / "sensitivity.json").read_text())
    assert meta["runs"] == 4 * (2 + 2) and meta["samples"] == 4


ISHIGAMI_PARAMS = "".join(f'[[param]]\nkey = "{k}"\nlow = 0.0\nhigh = 1.0\n'
                          for k in ("exposure.p_peer", "seeking.base", "seeking.peer"))


def test_sobol_indices_of_the_ishigami_function(tmp_path: Path) -> None:
    """The code behind --method sobol (sa.design, sa.analyze with SALib) on a function whose
    indices are known: Ishigami's, a = 7, b = 0.1 (Ishigami and Homma 1990; SALib's test
    function), each parameter's [0, 1] mapped linearly onto [-pi, pi] (which leaves the
    indices unchanged). Analytically V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2,
    V1 = (1 + b pi^4/5)^2 / 2, V2 = a^2/8, V3 = 0, V13 = b^2 pi^8 (1/18 - 1/50): S1 = 0.314,
    0.442, 0 and ST = 0.558, 0.442, 0.244. Base samples 1,024 (5,120 points), within 0.05."""
    from SALib.test_functions import Ishigami

    from addsim.population.params import Space, load_params

    path = tmp_path / "ishigami.toml"
    path.write_text(ISHIGAMI_PARAMS)
    space = Space(load_params(path), {})
    a, b, pi = 7.0, 0.1, np.pi
    v1, v2, v13 = (1 + b * pi**4 / 5) ** 2 / 2, a**2 / 8, b**2 * pi**8 * (1 / 18 - 1 / 50)
    v = a**2 / 8 + b * pi**4 / 5 + b**2 * pi**8 / 18 + 0.5
    s1, st = np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v
    assert s1 == pytest.approx([0.3139, 0.4424, 0.0], abs=1e-4)
    assert st == pytest.approx([0.5576, 0.4424, 0.2437], abs=1e-4)
    x = sa.design(space, "sobol", 1024)
    assert x.shape == (1024 * (3 + 2), 3) and x.min() >= 0.0 and x.max() <= 1.0
    y = Ishigami.evaluate(-pi + 2 * pi * x, A=a, B=b)
    table = sa.analyze(space, "sobol", x, y[:, None], ["ishigami"])
    assert table["param"].tolist() == space.keys
    np.testing.assert_allclose(table["S1"], s1, atol=0.05)
    np.testing.assert_allclose(table["ST"], st, atol=0.05)
    assert table["rank"].tolist() == [1, 2, 3]  # by ST
    assert (table["S1_conf"] < 0.1).all() and (table["ST_conf"] < 0.1).all()


def test_missing_points_take_the_outcome_mean() -> None:
    """A point without a value (all its seeds NaN) takes its outcome's mean over the other
    points; an outcome with no value anywhere stays NaN; seeds average with NaNs left out."""
    y = np.array([[[1.0, np.nan]], [[np.nan, np.nan]], [[3.0, np.nan]]])  # 3 points, 1 seed
    means = sa.point_means(y)  # (points, outcomes) from (points, seeds, outcomes)
    filled, counts = sa.fill_missing(means)
    assert counts == [1, 3]
    assert filled[:, 0].tolist() == [1.0, 2.0, 3.0] and np.isnan(filled[:, 1]).all()
    two_seeds = np.array([[[1.0], [np.nan]], [[2.0], [4.0]]])
    assert sa.point_means(two_seeds)[:, 0].tolist() == [1.0, 3.0]


def test_outcome_syntax() -> None:
    """Defaults: activity substance (all for the comorbidity odds ratio), every year of the
    run, age band all."""
    cfg = validate({"run": {"ticks": "20 years"}})
    t = sa.parse_outcome("lifetime_use", cfg)
    assert (t.activity, t.age_band, t.year_range) == ("substance", "all", (1, 20))
    t = sa.parse_outcome("conditional_dependence:substance:11-20:18-25", cfg)
    assert (t.activity, t.age_band, t.year_range) == ("substance", "18-25", (11, 20))
    assert sa.parse_outcome("lifetime_use:gambling:5", cfg).year_range == (5, 5)
    assert sa.parse_outcome("odds_ratio_gambling_given_substance", cfg).activity == "all"
    # weekly ticks: years end after 52, 104, 157 ticks (checked against the survey's rows)
    assert [sa.run_years(validate({"run": {"ticks": t}})) for t in (51, 52, 156, 157)] == [
        0, 1, 2, 3]


BAD_PARAMS = {
    "not-numeric": ('[[param]]\nkey = "exposure.social_cue"\nlow = 0\nhigh = 1\n',
                    "param[0].key"),
    "reversed": ('[[param]]\nkey = "exposure.p_peer"\nlow = 0.5\nhigh = 0.1\n', "param.0"),
    "out-of-range": ('[[param]]\nkey = "exposure.p_peer"\nlow = 0.1\nhigh = 2\n', "param[0]"),
    # each range valid beside the other's default, yet the (default) 10 trajectories reach
    # roles_start 25 > roles_end 20: refused before any run
    "combination": ('[[param]]\nkey = "life.roles_start"\nlow = 10\nhigh = 25\n'
                    '[[param]]\nkey = "life.roles_end"\nlow = 20\nhigh = 35\n',
                    "design point 19"),
}


@pytest.mark.parametrize(("argv", "needle"), [
    pytest.param(["--outcomes", "lifetime_uses"], "did you mean 'lifetime_use'",
                 id="unknown-measure"),
    pytest.param(["--outcomes", "lifetime_use:cocaine"], "activity", id="bad-activity"),
    pytest.param(["--outcomes", "lifetime_use:substance:11-20"], "beyond the run",
                 id="years-beyond-run"),
    pytest.param(["--outcomes", "lifetime_use:substance:x"], "years 'x'", id="bad-years"),
    pytest.param(["--outcomes", "lifetime_use:substance:1:20-30"], "age_band",
                 id="bad-band"),
    pytest.param(["--outcomes", "peer_onset_rr:substance:1:18-25"],
                 "surveyed for age_band 'all' only", id="peer-band"),
    pytest.param(["--outcomes", "lifetime_use", "lifetime_use"], "given twice", id="twice"),
    pytest.param([], "--outcomes-from", id="no-outcomes"),
    pytest.param(["--outcomes", "lifetime_use", "--samples", "8"], "--samples",
                 id="samples-with-morris"),
    pytest.param(["--outcomes", "lifetime_use", "--method", "sobol", "--samples", "6"],
                 "power of 2", id="sobol-not-power-of-2"),
    pytest.param(["--outcomes", "lifetime_use", "--trajectories", "1"], "--trajectories",
                 id="one-trajectory"),
    pytest.param(["--outcomes", "lifetime_use", "--workers", "0"], "--workers",
                 id="workers-0"),
    pytest.param(["--outcomes-from", "missing.toml"], "--outcomes-from",
                 id="targets-missing"),
    *(pytest.param(["--outcomes", "lifetime_use", "--params", name], needle, id=name)
      for name, (_, needle) in BAD_PARAMS.items()),
])
def test_bad_input_is_one_line_and_writes_nothing(
        argv: list[str], needle: str, params: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Exit status 2, one line on stderr naming the field, no output folder made."""
    monkeypatch.chdir(tmp_path)
    for name, (text, _) in BAD_PARAMS.items():
        (tmp_path / name).write_text(text)
    if "--params" not in argv:
        argv = [*argv, "--params", str(params)]
    out = tmp_path / "out"
    assert main(["sensitivity", *TINY, *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("addsim: error: ")
    assert needle in err
    assert not out.exists()


def test_a_folder_with_other_files_is_refused(params: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """--out must be new, empty or an earlier sensitivity analysis."""
    (tmp_path / "keep.txt").write_text("x")
    assert main(["sensitivity", *TINY, "--params", str(params), "--outcomes", "lifetime_use",
                 "--out", str(tmp_path)]) == 2
    assert "--out" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
