"""addsim calibrate: ABC-SMC recovers parameters from targets the model made itself, a killed
calibration continues where it stopped, and bad files are one line with nothing written.

Calibrations run in a child process (``python -m addsim``): the engine's runs set the
compiled kernels to one thread, which must not leak into the rest of the suite.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from evidence import pixels_of, quoted, read_png

from addsim.population import config as C
from addsim.population.batches.plan import canonical, run_hash
from addsim.population.calibrate import SEED_BASE, Distance, _generations, particle_seed
from addsim.population.cli import main
from addsim.population.model import PopulationModel
from addsim.population.targets import Target, observe

MEASURES = ("lifetime_use", "past_year_use", "past_year_disorder", "conditional_dependence")
# run.burn_in set: the targets are made in this process (where tests run without the default
# burn-in, tests/conftest.py) and the calibration in another, which would otherwise simulate
# the default 68 years first; 10 years give the small population some use to measure. The
# two fields the default's recalibration of de1cd45 changed beside status.addicted_fraction
# keep their earlier values, so that recalibrating the default does not change the scenario
# this test measures recovery in (with the new ones, p_peer's 95% interval spans 0.86 of the
# prior's log range on this test's seeds: the targets say less about it there).
SMALL = ["population.size=200", 'run.ticks="6 years"', 'run.burn_in="10 years"',
         "life.roles_gain=8", "treatment.entry_per_year=0.05",
         # and gambling as it was before its stake (issue 29 item 5), for the same reason
         'risk.stake={dist="fixed", value=1.0}', "activities.gambling.access_scale=1",
         "comorbidity.factors={surge=1, natural_reward=-1, perceived_win=1}"]
TRUTH = {"exposure.p_peer": 0.05, "status.addicted_fraction": 0.3}
PARAMS = """
[[param]]
key = "exposure.p_peer"
low = 0.005
high = 0.1
scale = "log"

[[param]]
key = "status.addicted_fraction"
low = 0.1
high = 0.6

[calibration]
population_size = {pop}
generations = {gens}
validation_seeds = 2
validation_first_seed = 7
"""


def _as_a_terminal_job() -> None:
    """preexec_fn: the child starts with Ctrl-C at its default, as a shell's foreground job
    does (a suite run in the background, as .ci/run's is, passes SIGINT on ignored, and an
    ignored SIGINT stays ignored across exec; tests/test_faults.py has the same)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _calibrate(tmp: Path, sets: list[str], *extra: str, wait: bool = True,
               terminal_job: bool = False,
               ) -> subprocess.CompletedProcess[str] | subprocess.Popen[str]:
    argv = [sys.executable, "-m", "addsim", "calibrate", "--targets", str(tmp / "targets.toml"),
            "--params", str(tmp / "params.toml"), "--out", str(tmp / "out"), *extra]
    for s in sets:
        argv += ["--set", s]
    if not wait:
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True,
                                preexec_fn=_as_a_terminal_job if terminal_job else None)
    return subprocess.run(argv, capture_output=True, text=True, timeout=900)


def _until_a_generation_is_stored(proc: subprocess.Popen[str], db: Path) -> None:
    """Wait (at most 300 s) until the calibration ``proc`` has stored a generation in ``db``,
    or has ended."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists() and _generations(db) >= 1:
            return
        time.sleep(0.05)


def _synthetic_targets(path: Path, sets: list[str], truth: dict[str, float], years: int,
                       seeds: int = 4) -> None:
    """Targets made by the model at ``truth``: each measure's mean over seeds 0..seeds-1
    (below SEED_BASE, so no calibration run repeats them) and its sd across them."""
    values: dict[str, list[float]] = {m: [] for m in MEASURES}
    for seed in range(seeds):
        cfg = C.load(sets=[*sets, *(f"{k}={v}" for k, v in truth.items()), f"run.seed={seed}"])
        model = PopulationModel(cfg)
        model.run(cfg.run.ticks)
        survey = pd.DataFrame(model.survey_table())
        for m in MEASURES:
            t = Target(name=m, measure=m, years=[2, years], value=0.0, sd=1.0, source="-")
            values[m].append(observe(survey, t))
    path.write_text("\n".join(
        f'[[target]]\nname = "{m}"\nmeasure = "{m}"\nyears = [2, {years}]\n'
        f"value = {np.mean(v):.6g}\nsd = {max(np.std(v, ddof=1), 0.01):.6g}\n"
        'source = "synthetic: the model at known parameters"\n' for m, v in values.items()))


@pytest.fixture(scope="module")
def recovered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One calibration of two parameters (200 people, 6 years; 30 particles, 3
    generations, one worker) against targets the model made at TRUTH. With 20 particles (the
    earlier size) the last generation's weights piled onto one particle at p_peer's prior
    edge (an effective sample size of 1.4 of 20, issue 29 item 5's default) and the true
    p_peer fell outside its interval; 30 keep the weights spread."""
    tmp = tmp_path_factory.mktemp("recover")
    _synthetic_targets(tmp / "targets.toml", SMALL, TRUTH, 6)
    (tmp / "params.toml").write_text(PARAMS.format(pop=30, gens=3))
    res = _calibrate(tmp, SMALL)
    assert res.returncode == 0, res.stderr
    return tmp


def _interval_share(row: pd.Series) -> float:
    """The posterior's 95% interval as a share of the prior's range, on the parameter's
    scale."""
    f = np.log if row["scale"] == "log" else (lambda x: x)
    return float((f(row["q975"]) - f(row["q025"])) / (f(row["prior_high"]) - f(row["prior_low"])))


@pytest.mark.slow
def test_calibration_recovers_known_parameters(recovered: Path) -> None:
    """Every true value inside its posterior's 95% interval, on weights spread over the
    particles (effective sample size at least half of them), and status.addicted_fraction's
    interval narrower than 0.8 of its prior's range: the targets carried information."""
    summary = pd.read_csv(recovered / "out" / "posterior_summary.csv").set_index("param")
    meta = json.loads((recovered / "out" / "calibration.json").read_text())
    assert meta["effective_sample_size"] >= 15, meta["effective_sample_size"]
    for key, truth in TRUTH.items():
        row = summary.loc[key]
        assert row["q025"] <= truth <= row["q975"], (key, row.to_dict())
    share = _interval_share(summary.loc["status.addicted_fraction"])
    assert share < 0.8, share
    assert quoted(_interval_share(summary.loc["exposure.p_peer"]), "0.94")  # the xfail below


@pytest.mark.xfail(strict=True, reason="not shown since issue 29 item 5's default (200 "
                   "people, 6 years, 30 particles): p_peer's 95% interval spans 0.94 of its "
                   "prior's log range (0.86 in an earlier scenario, below 0.8 once): use and "
                   "disorder move little with p_peer at this size, so the targets say little "
                   "about it")
@pytest.mark.slow
def test_calibration_narrows_p_peer(recovered: Path) -> None:
    summary = pd.read_csv(recovered / "out" / "posterior_summary.csv").set_index("param")
    assert _interval_share(summary.loc["exposure.p_peer"]) < 0.8


def test_effective_sample_size_counts_the_particles_the_weights_rest_on() -> None:
    """Kish's (sum w)^2 / sum w^2: equal weights count every particle, one weight one, and
    two equal weights among negligible ones about two."""
    from addsim.population.calibrate import effective_sample_size

    assert effective_sample_size(np.full(20, 0.05)) == pytest.approx(20.0)
    assert effective_sample_size(np.array([0.0, 1.0, 0.0])) == pytest.approx(1.0)
    assert effective_sample_size(np.array([0.5, 0.5, 1e-9, 1e-9])) == pytest.approx(2.0)
    assert effective_sample_size(np.array([0.85, *[0.15 / 19] * 19])) < 1.5


def test_a_posterior_on_few_particles_is_a_warning() -> None:
    """Below half its particles, the effective sample size is reported in one line naming
    both numbers and what to change; at or above, nothing."""
    from addsim.population.calibrate import ess_warning

    line = ess_warning(1.4, 20)
    assert line is not None and "1.4 of its 20 particles" in line
    assert "calibration.population_size" in line and "\n" not in line
    assert ess_warning(10.0, 20) is None and ess_warning(27.5, 30) is None


@pytest.mark.slow
def test_calibration_writes_its_outputs(recovered: Path) -> None:
    """posterior per generation with weights summing to 1; epsilon falling; best.toml a
    config addsim accepts, with the best particle's values; validation on new seeds."""
    import json

    out = recovered / "out"
    post = pd.read_parquet(out / "posterior.parquet")
    assert sorted(post["generation"].unique()) == [0, 1, 2]
    assert np.allclose(post.groupby("generation")["weight"].sum(), 1.0)
    meta = json.loads((out / "calibration.json").read_text())
    eps = [g["epsilon"] for g in meta["generations"]]
    assert eps[0] == float("inf") and eps[2] < eps[1]
    assert meta["validation_seeds"] == [7, 8] and all(s < SEED_BASE for s in [7, 8])
    assert 1.0 <= meta["effective_sample_size"] <= 30.0
    assert json.loads((out / "validation.json").read_text())["seeds"] == [7, 8]
    cfg = C.load(out / "best.toml")
    assert cfg.exposure.p_peer == pytest.approx(meta["best"]["exposure.p_peer"])
    assert cfg.population.size == 200
    val = pd.read_csv(out / "validation.csv")
    assert len(val) == len(MEASURES) and set(val["runs"]) == {2}
    # posterior.png: a 3.6 x 3.0 in panel per parameter at 120 dpi, the best particle's red
    # line and the generations' histograms (shades of blue) in it
    post_png = read_png(out / "posterior.png")
    assert post_png.shape[:2] == (360, 2 * 432)
    assert pixels_of(post_png, "tab:red", tol=60) > 0
    import matplotlib.pyplot as plt

    assert all(pixels_of(post_png, plt.cm.Blues(0.25 + 0.75 * (g + 1) / 3), tol=30) > 0
               for g in range(3))
    # validation.png: a row per target (0.32 in, 1 in more, 7.5 in wide, 120 dpi); the model
    # blue where inside the target's interval, red where outside, as validation.csv says
    image = read_png(out / "validation.png")
    assert image.shape[1] == 900 and abs(image.shape[0] - (0.32 * len(val) + 1) * 120) <= 1
    inside = int(val["within"].sum())
    assert (pixels_of(image, "tab:blue") > 0) == (inside > 0)
    assert (pixels_of(image, "tab:red") > 0) == (inside < len(val))


def test_a_particle_with_several_seeds_scores_the_mean_of_their_runs(
        tmp_path: Path) -> None:
    """``seeds_per_particle = 2``: a particle runs on two seeds (its first is the seed a
    one-run particle has), and its statistics are the two runs' means; one run per
    particle keeps the signature calibrations had before the setting existed."""
    from addsim import _jit
    from addsim.population import calibrate as cal
    from addsim.population.config import load_raw
    from addsim.population.params import Space, load_params
    from addsim.population.targets import load_targets

    (tmp_path / "targets.toml").write_text("".join(
        f'[[target]]\nname = "{m}"\nmeasure = "{m}"\nyears = [1, 2]\nvalue = 0.5\n'
        'sd = 0.1\nsource = "-"\n' for m in ("lifetime_use", "past_year_use")))
    targets = load_targets(tmp_path / "targets.toml")
    raw = load_raw(None, ["population.size=100", 'run.ticks="2 years"', "run.burn_in=0"])
    spaces = {}
    for k in (1, 2):
        (tmp_path / f"p{k}.toml").write_text(
            PARAMS.format(pop=4, gens=1) + f"seeds_per_particle = {k}\n")
        spaces[k] = Space(load_params(tmp_path / f"p{k}.toml"), raw)
    values = {"exposure.p_peer": 0.05, "status.addicted_fraction": 0.3}
    text = canonical({k: float(v) for k, v in sorted(values.items())})  # the one-run seed
    assert cal.particle_seed(values, 0) == SEED_BASE + int(run_hash(text, 12), 16) % (
        2**31 - 1 - SEED_BASE)
    seeds = [cal.particle_seed(values, j) for j in (0, 1)]
    assert seeds[0] != seeds[1] and min(seeds) >= SEED_BASE
    threads = _jit.numba.get_num_threads()
    try:  # the engine's runs set the kernels to one thread: not for the rest of the suite
        one = cal.Simulator(spaces[1], targets)
        runs = [cal.statistics(one.survey(values, s), targets) for s in seeds]
        both = cal.Simulator(spaces[2], targets)(values)
        alone = one(values)
    finally:
        _jit.set_threads(threads)
    assert alone == runs[0]  # one run per particle: the first seed's statistics
    assert runs[0] != runs[1]  # two seeds, two outcomes: the mean is neither
    assert both == pytest.approx({k: (runs[0][k] + runs[1][k]) / 2 for k in runs[0]})
    assert cal.mean_statistics([{"a": math.nan}, {"a": 0.2}]) == {"a": 0.2}
    assert math.isnan(cal.mean_statistics([{"a": math.nan}])["a"])
    sig = [cal.signature(raw, spaces[k], targets) for k in (1, 2)]
    assert sig[0] != sig[1]
    # one run per particle: the signature as it was before the setting existed
    params = spaces[1].params.model_dump()
    params["calibration"] = {k: v for k, v in params["calibration"].items()
                             if k not in (*cal.NOT_SIGNED, "seeds_per_particle")}
    assert sig[0] == run_hash(canonical({"config": raw, "params": params,
                                         "targets": targets.model_dump()}))


@pytest.mark.slow
def test_ctrl_c_stops_a_calibration_with_local_workers_in_one_message(
        tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the terminal's process group) during a calibration on two local
    workers: the command says which generations are stored and exits 130; the workers,
    which pyabc forks into the same group, print no traceback of the run they were in."""
    sets = ["population.size=100", 'run.ticks="3 years"', 'run.burn_in="3 years"']
    _synthetic_targets(tmp_path / "targets.toml", sets, TRUTH, 3, seeds=2)
    (tmp_path / "params.toml").write_text(PARAMS.format(pop=8, gens=4))
    proc = _calibrate(tmp_path, sets, "--workers", "2", wait=False, terminal_job=True)
    try:
        _until_a_generation_is_stored(proc, tmp_path / "out" / "calibration.db")
        time.sleep(1.0)  # the next generation's workers are running
        assert proc.poll() is None, "finished before it could be interrupted"
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:  # whatever happened: no calibration or worker left running
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == 130, (out, err)
    assert "complete generation(s) are in" in out and "run the same command" in out
    assert "Traceback" not in err, err


@pytest.mark.slow
def test_a_killed_calibration_continues_where_it_stopped(tmp_path: Path) -> None:
    """SIGKILL after the first generation is stored; the same command continues from the
    stored generations and ends with the posterior of an uninterrupted calibration. The
    runs are small and short (a 3-year burn-in: 23 s a calibration here, against 66 s with
    10 years): what is checked is the continuation, not what the posterior says."""
    sets = ["population.size=100", 'run.ticks="3 years"', 'run.burn_in="3 years"']
    _synthetic_targets(tmp_path / "targets.toml", sets, TRUTH, 3, seeds=2)
    (tmp_path / "params.toml").write_text(PARAMS.format(pop=8, gens=3))
    whole = tmp_path / "whole"
    whole.mkdir()
    for name in ("targets.toml", "params.toml"):
        (whole / name).write_text((tmp_path / name).read_text())
    res = _calibrate(whole, sets)
    assert res.returncode == 0, res.stderr

    proc = _calibrate(tmp_path, sets, wait=False)
    db = tmp_path / "out" / "calibration.db"
    _until_a_generation_is_stored(proc, db)
    assert proc.poll() is None, "finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    stored = _generations(db)
    assert 1 <= stored < 3
    res = _calibrate(tmp_path, sets)
    assert res.returncode == 0, res.stderr
    assert f"continuing from generation {stored} of 3" in res.stdout
    a = pd.read_parquet(whole / "out" / "posterior.parquet")
    b = pd.read_parquet(tmp_path / "out" / "posterior.parquet")
    pd.testing.assert_frame_equal(a, b)

    (tmp_path / "params.toml").write_text(PARAMS.format(pop=9, gens=3))  # another calibration
    res = _calibrate(tmp_path, sets)
    assert res.returncode == 2 and "holds a calibration of another" in res.stderr


@pytest.mark.parametrize(("params", "field"), [
    ('[[param]]\nkey = "exposure.nope"\nlow = 0\nhigh = 1\n', "param[0].key"),
    ('[[param]]\nkey = "exposure.social_cue"\nlow = 0\nhigh = 1\n', "param[0].key"),
    ('[[param]]\nkey = "exposure.p_peer"\nlow = 0.5\nhigh = 0.1\n', "param.0"),
    ('[[param]]\nkey = "exposure.p_peer"\nlow = 0\nhigh = 0.1\nscale = "log"\n', "param.0"),
    ('[[param]]\nkey = "exposure.p_peer"\nlow = 0\nhigh = 2\n', "param[0] (exposure.p_peer = 2)"),
    ('[[param]]\nkey = "exposure.p_peer"\nlow = 0\nhigh = 0.1\n[calibration]\n'
     'population_size = 1\n', "calibration.population_size"),
])
def test_bad_parameters_are_one_line_and_nothing_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], params: str, field: str) -> None:
    (tmp_path / "targets.toml").write_text(
        '[[target]]\nname = "a"\nmeasure = "lifetime_use"\nyears = 1\nvalue = 0.5\n'
        'sd = 0.1\nsource = "-"\n')
    (tmp_path / "params.toml").write_text(params)
    out = tmp_path / "out"
    code = main(["calibrate", "--targets", str(tmp_path / "targets.toml"), "--params",
                 str(tmp_path / "params.toml"), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and field in err, err
    assert "--params" in err and not out.exists()


def test_bad_targets_are_one_line_each_and_nothing_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A targets file's mistakes (an unknown measure, three keys missing) are reported all
    at once, one line each naming --targets and the field; exit 2, nothing written."""
    (tmp_path / "targets.toml").write_text('[[target]]\nname = "a"\nmeasure = "nope"\n')
    (tmp_path / "params.toml").write_text(PARAMS.format(pop=8, gens=2))
    out = tmp_path / "out"
    code = main(["calibrate", "--targets", str(tmp_path / "targets.toml"), "--params",
                 str(tmp_path / "params.toml"), "--out", str(out)])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 4, lines
    assert all(line.startswith("addsim: error: --targets: target.0.") for line in lines)
    assert [line.split(":")[3].strip() for line in lines] == [
        "target.0.measure", "target.0.years", "target.0.value", "target.0.source"]
    assert not out.exists()


def test_distance_and_seeds() -> None:
    """sd-scaled Euclidean distance with NaN as 10 sd; a particle's seed is a function of
    its values, at least SEED_BASE."""
    d = Distance(["a", "b"], np.array([0.1, 2.0]))
    assert d({"a": 0.3, "b": 1.0}, {"a": 0.1, "b": 5.0}) == pytest.approx(np.hypot(2.0, 2.0))
    assert d({"a": float("nan"), "b": 5.0}, {"a": 0.1, "b": 5.0}) == pytest.approx(10.0)
    s = particle_seed({"x": 0.25, "y": 3.0})
    assert s == particle_seed({"y": 3.0, "x": 0.25}) >= SEED_BASE
    assert s != particle_seed({"x": 0.26, "y": 3.0})


@pytest.mark.slow
def test_calibration_on_a_dask_cluster(tmp_path: Path) -> None:
    """--scheduler: pyabc's Dask sampler runs the particles on a LocalCluster's workers
    (two generations of six particles), and the best config is validated there too."""
    distributed = pytest.importorskip("distributed")
    sets = ["population.size=80", 'run.ticks="2 years"', "run.burn_in=0"]  # the sampler here
    (tmp_path / "targets.toml").write_text(
        '[[target]]\nname = "use"\nmeasure = "lifetime_use"\nyears = [1, 2]\nvalue = 0.2\n'
        'sd = 0.05\nsource = "-"\n')
    (tmp_path / "params.toml").write_text(
        '[[param]]\nkey = "exposure.p_peer"\nlow = 0.005\nhigh = 0.1\n\n[calibration]\n'
        "population_size = 6\ngenerations = 2\nvalidation_seeds = 2\n")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        res = _calibrate(tmp_path, sets, "--scheduler", cluster.scheduler_address)
    assert res.returncode == 0, res.stderr
    post = pd.read_parquet(tmp_path / "out" / "posterior.parquet")
    assert sorted(post["generation"].unique()) == [0, 1] and len(post) == 12
    assert set(pd.read_csv(tmp_path / "out" / "validation.csv")["runs"]) == {2}
