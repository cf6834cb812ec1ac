"""addsim batch and summarize: same tables on any executor, resume after a kill, failures kept."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from evidence import pixels_of, read_png

from addsim.population import risk
from addsim.population.batches.execute import open_executor, run_batch
from addsim.population.batches.plan import heatmap_sweep, load_sweep, plan_from_dict
from addsim.population.batches.store import completed
from addsim.population.batches.summarize import summarize
from addsim.population.cli import main
from addsim.population.config import ConfigError, Levels

ROOT = Path(__file__).resolve().parents[1]

SMALL = """
[base]
population.size = 40
network.kind = "watts_strogatz"
network.k = 4
activities.gambling.enabled = false
run.ticks = {ticks}
run.burn_in = 0  # spawned workers would run the default's 68-year past; nothing here needs it
interventions = [{{ kind = "treatment", tick = 20 }}]

[sweep]
grid = {{ "exposure.p_peer" = [0.0, 0.1], "network.k" = [4, 6] }}
seeds = {seeds}
"""


def _sweep(tmp: Path, text: str, name: str = "sweep.toml") -> Path:
    path = tmp / name
    path.write_text(text)
    return path


def _tables(out: Path) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_parquet(p) for p in sorted((out / "runs").glob("*.parquet"))}


def _same(a: Path, b: Path) -> None:
    ta, tb = _tables(a), _tables(b)
    assert ta.keys() == tb.keys() and len(ta) > 0
    for key in ta:
        pd.testing.assert_frame_equal(ta[key], tb[key], check_exact=True)


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The small sweep (8 runs) run once with one worker process."""
    tmp = tmp_path_factory.mktemp("one")
    sweep = _sweep(tmp, SMALL.format(ticks=40, seeds=2))
    assert main(["batch", str(sweep), "--out", str(tmp / "out"), "--workers", "1"]) == 0
    return sweep, tmp / "out"


def test_one_and_two_workers_identical(one_worker: tuple[Path, Path], tmp_path: Path) -> None:
    """Every run's prevalence table is bit for bit the same with 1 and 2 worker processes."""
    sweep, out1 = one_worker
    assert main(["batch", str(sweep), "--out", str(tmp_path / "two"), "--workers", "2"]) == 0
    _same(out1, tmp_path / "two")
    index = pd.read_parquet(out1 / "index.parquet")
    assert len(index) == 8 and set(index["status"]) == {"ok"}
    assert index["run_id"].is_unique and set(index["run_id"]) == completed(out1)


def test_dask_cluster_identical_to_pool(one_worker: tuple[Path, Path], tmp_path: Path) -> None:
    """A Dask LocalCluster (2 worker processes) started here gives the pool's tables."""
    distributed = pytest.importorskip("distributed")
    sweep, out1 = one_worker
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        code = main(["batch", str(sweep), "--out", str(tmp_path / "dask"),
                     "--scheduler", cluster.scheduler_address])
    assert code == 0
    _same(out1, tmp_path / "dask")


def test_rerun_skips_everything(one_worker: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
                                ) -> None:
    """The same command again finds every run complete and runs nothing."""
    sweep, out1 = one_worker
    before = {p: p.stat().st_mtime_ns for p in (out1 / "runs").iterdir()}
    capsys.readouterr()
    assert main(["batch", str(sweep), "--out", str(out1), "--workers", "1"]) == 0
    assert "0 done, 0 failed, 8 skipped" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in (out1 / "runs").iterdir()} == before


def test_a_heatmap_cell_has_the_colour_of_its_value(tmp_path: Path) -> None:
    """Four grid points with four different shares: each cell is drawn in magma's colour of
    its own value on the plot's scale (0 to 1.05 x the largest), each filling about a
    quarter of the axes, so swapping, averaging or dropping a cell fails."""
    from matplotlib import colormaps

    from addsim.population.batches.summarize import plot_heatmap

    values = {(0.0, 4): 0.05, (0.0, 8): 0.3, (0.2, 4): 0.55, (0.2, 8): 0.8}
    table = pd.DataFrame([{"p": p, "k": k, "fraction_addicted_mean": v}
                          for (p, k), v in values.items()])
    path = tmp_path / "heat.png"
    plot_heatmap(table, "p", "k", "fraction_addicted_mean", path, "test")
    heat = read_png(path)
    top = 1.05 * max(values.values())
    share = [pixels_of(heat, colormaps["magma"](v / top), tol=3) / heat[..., 0].size
             for v in values.values()]
    assert all(0.08 < x < 0.2 for x in share), share
    # which cell is where: x is p (columns), y is k (rows, from the bottom)
    rows, cols = np.nonzero(np.abs(heat.astype(int) - np.round(
        255 * np.asarray(colormaps["magma"](values[(0.2, 8)] / top)[:3])).astype(int)
    ).sum(axis=-1) <= 3)
    assert cols.mean() > heat.shape[1] * 0.4 and rows.mean() < heat.shape[0] * 0.5


def test_summarize_means_inside_intervals(one_worker: tuple[Path, Path]) -> None:
    """summary.parquet/.csv hold mean and 95% interval per condition and tick (the CSV the
    same table); curves.png draws a line per condition, heatmap.png a cell per grid point in
    the colour of its final share."""
    _, out1 = one_worker
    assert main(["summarize", str(out1)]) == 0
    summary = pd.read_parquet(out1 / "summary.parquet")
    pd.testing.assert_frame_equal(pd.read_csv(out1 / "summary.csv"), summary,
                                  check_dtype=False, rtol=1e-12)
    assert len(summary) == 4 * 40  # 4 conditions x 40 ticks, one activity
    assert set(summary["n_seeds"]) == {2}
    # lo <= mean <= hi holds by construction (mean -+ half, clipped): this only checks that
    # the columns are not swapped; the interval's width is checked by hand below
    for col in [c[:-5] for c in summary.columns if c.endswith("_mean")]:
        assert (summary[f"{col}_lo"] <= summary[f"{col}_mean"] + 1e-12).all(), col
        assert (summary[f"{col}_mean"] <= summary[f"{col}_hi"] + 1e-12).all(), col
    assert "fraction_addicted_mean" in summary and "addicted_hi" in summary
    # one cell by hand: p_peer 0.1, k 6, the last tick, the mean P(drug) of two seeds (they
    # differ): the mean and the t interval mean +- t(0.975, 1) sd / sqrt(2), t = 12.706 (a
    # table's value), clipped to [0, 1]
    index = pd.read_parquet(out1 / "index.parquet")
    ids = index[(index["exposure.p_peer"] == 0.1) & (index["network.k"] == 6)]["run_id"]
    x = [float(pd.read_parquet(out1 / "runs" / f"{r}.parquet").set_index("tick")
               .loc[39, "p_addictive"]) for r in ids]
    assert len(x) == 2 and x[0] != x[1]
    row = summary[(summary["exposure.p_peer"] == 0.1) & (summary["network.k"] == 6)
                  & (summary["tick"] == 39)].iloc[0]
    mean, half = np.mean(x), 12.706 * np.std(x, ddof=1) / np.sqrt(2)
    assert row["p_addictive_mean"] == pytest.approx(mean, rel=1e-12)
    assert row["p_addictive_lo"] == pytest.approx(max(mean - half, 0.0), rel=1e-4, abs=1e-12)
    assert row["p_addictive_hi"] == pytest.approx(min(mean + half, 1.0), rel=1e-4)
    curves = read_png(out1 / "curves.png")
    assert curves.shape[1] > curves.shape[0] > 300  # one panel and the legend beside it
    for k in range(4):  # matplotlib's first four colours, one per condition (lines, legend)
        assert pixels_of(curves, f"C{k}", tol=60) > 0, k
    assert pixels_of(curves, "C4", tol=60) == 0  # and no fifth
    # the heatmap (two grid keys): 6.5 x 5.2 in at 110 dpi, each cell in magma's colour of
    # its final fraction addicted, on the plot's scale (0 to 1.05 x the largest); here 0 in
    # every cell (40 people, 40 ticks), so the four cells fill most of the axes in one colour
    # (test_a_heatmap_cell_has_the_colour_of_its_value checks distinct values)
    heat = read_png(out1 / "heatmap.png")
    assert heat.shape[:2] == (572, 715)
    final = summary[summary["tick"] == 39]["fraction_addicted_mean"].to_numpy()
    assert final.size == 4
    from matplotlib import colormaps

    top = max(1.05 * final.max(), 1e-9)
    for v in final:
        assert pixels_of(heat, colormaps["magma"](v / top)) > 0.3 * 572 * 715, v
    assert main(["summarize", str(out1), "--statistic", "fraction_adicted"]) == 2


def test_resume_after_sigkill_runs_each_once(tmp_path: Path) -> None:
    """Kill a running batch (SIGKILL); the same command finishes every run exactly once."""
    sweep = _sweep(tmp_path, SMALL.format(ticks=150, seeds=2))  # 8 runs
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "addsim", "batch", str(sweep), "--out", str(out),
            "--workers", "2"]
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(completed(out)) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    kept = completed(out)
    assert 2 <= len(kept) < 8
    for run in kept:  # finished runs are whole
        assert len(pd.read_parquet(out / "runs" / f"{run}.parquet")) == 150
    result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    done, skipped = map(int, re.search(r"(\d+) done, 0 failed, (\d+) skipped",
                                       result.stdout).groups())
    assert skipped == len(kept) and done + skipped == 8
    index = pd.read_parquet(out / "index.parquet")
    assert len(index) == 8 and index["run_id"].is_unique and set(index["status"]) == {"ok"}
    assert completed(out) == set(index["run_id"])
    assert not list((out / "runs").glob(".*"))  # no temporary files left


def test_failing_run_recorded_others_complete(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A run that raises at run time is recorded with its error; the rest finish; exit 1."""
    sweep = _sweep(tmp_path, """
[base]
population.size = 30
network.kind = "empty"
activities.gambling.enabled = false
run.ticks = 20
run.burn_in = 0
risk.surge = { dist = "truncnormal", mean = 15.0, sd = 1.0, low = 10.0, high = 200.0 }
[sweep]
grid = { "risk.surge.low" = [10.0, 100.0, 12.0] }
""")
    out = tmp_path / "out"
    assert main(["batch", str(sweep), "--out", str(out), "--workers", "2"]) == 1
    assert "1 run(s) failed" in capsys.readouterr().err
    index = pd.read_parquet(out / "index.parquet").set_index("risk.surge.low")
    assert index.loc[100.0, "status"] == "failed"
    assert "too far in the tail" in index.loc[100.0, "error"]
    assert list(index.loc[[10.0, 12.0], "status"]) == ["ok", "ok"]
    assert len(completed(out)) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[swep]\nseeds = 2\n", "swep: unknown key; allowed: base, sweep, output"),
        ("[sweep]\ngird = { 'exposure.p_peer' = [0.1] }\n", "sweep.gird: unknown key"),
        ("[sweep]\ngrid = { 'exposure.p_per' = [0.1] }\n", "exposure.p_per: unknown key"),
        ("[sweep]\ngrid = { 'exposure.p_peer' = [0.1, 2.0] }\n", "exposure.p_peer=2.0"),
        ("[sweep]\ngrid = { 'exposure.p_peer' = 0.1 }\n", "sweep.grid.exposure.p_peer: got 0.1"),
        ("[sweep]\nseeds = -1\n", "sweep.seeds: got -1"),
        ("[sweep]\nzip = { 'exposure.p_peer' = [0.1], 'network.k' = [4, 6] }\n",
         "sweep.zip.network.k: got 2 values"),
        ("[base]\nrun.tiks = 5\n", "base: run.tiks: unknown key"),
        ("[base]\nconfig = 'missing.toml'\n", "base.config: file"),
        ("[base]\npopulation.size = 50\n"
         "risk.surge = { dist = 'levels', values = [14.0, 16.0], each = 10 }\n",
         "population.size: got 50, expected a multiple of 20"),
        ("[sweep]\ngrid = { 'run.seed' = [1, 2] }\n", "sweep.seeds"),
    ],
)
def test_bad_sweep_refused_key_named_nothing_written(
    text: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mistake in a sweep file: one line naming the key, exit 2, no output folder."""
    sweep = _sweep(tmp_path, text)
    out = tmp_path / "out"
    assert main(["batch", str(sweep), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err
    assert not out.exists()


def test_levels_distribution_tiles_individuals() -> None:
    """Individual i gets level (i // each) mod k of its part; no random numbers are used."""
    d = Levels(dist="levels", low=1.0, high=2.0, step=0.5, each=2)
    got = risk.sample(d, 12, np.random.default_rng(0))
    assert got.tolist() == [1.0, 1.0, 1.5, 1.5, 2.0, 2.0] * 2
    part = Levels(dist="levels", values=[1.0, 2.0, 3.0, 4.0, 5.0], parts=2, part=1)
    assert part.levels() == [4.0, 5.0]
    with pytest.raises(ConfigError, match=r"population\.size: got 5"):
        risk.sample(d, 5, np.random.default_rng(0))


def test_heatmap_example_is_the_reproduce_sweep(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    """examples/heatmap.toml passes --dry-run and is the sweep `reproduce heatmap` runs."""
    out = tmp_path / "never"
    assert main(["batch", str(ROOT / "examples/heatmap.toml"), "--out", str(out),
                 "--dry-run"]) == 0
    assert "batch: 9 runs" in capsys.readouterr().out and not out.exists()
    example = load_sweep(ROOT / "examples" / "heatmap.toml")
    assert [r.run_id for r in example.runs] == [
        r.run_id for r in plan_from_dict(heatmap_sweep(0.1, 100, 2000, 0)).runs
    ]
    assert main(["batch", str(ROOT / "examples/peers.toml"), "--out", str(out),
                 "--dry-run"]) == 0


def test_coarse_heatmap_batch_matches_reproduce(tmp_path: Path) -> None:
    """A coarse heatmap through run_batch + summarize equals `reproduce heatmap`'s table."""
    from addsim.population.reproduce.heatmap import heatmap

    plan = plan_from_dict(heatmap_sweep(2.5, 4, 60, 3))
    out = tmp_path / "heat"
    with open_executor(1) as (executor, _):
        outcome = run_batch(plan, out, executor)
    assert outcome.done == len(plan.runs) and outcome.failed == 0
    summarize(out)
    levels = pd.read_parquet(out / "summary_levels.parquet")
    assert len(levels) == 9 and read_png(out / "heatmap.png").shape[:2] == (572, 715)
    ref = heatmap(n=4, seed=3, step=2.5, ticks=60, workers=1).frame
    got = levels.sort_values(["natural_reward", "surge"])["fraction_addicted_mean"].to_numpy()
    np.testing.assert_array_equal(got, ref["fraction_addicted"].to_numpy())


def test_summary_intervals_stay_within_what_a_column_can_be() -> None:
    """Shares' intervals lie in [0, 1] and counts' at 0 or above, even over 3 seeds with a
    wide t interval (clipped, not reaching below 0 or above 1)."""
    from addsim.population.batches.summarize import mean_interval

    frame = pd.DataFrame({"c": [0, 0, 0], "fraction_addicted": [0.0, 0.0, 0.9],
                          "addicted": [0, 0, 30], "p_addictive": [0.99, 1.0, 0.2]})
    out = mean_interval(frame, ["c"], ["fraction_addicted", "addicted", "p_addictive"])
    row = out.iloc[0]
    assert row["fraction_addicted_lo"] == 0.0 and row["fraction_addicted_hi"] <= 1.0
    assert row["addicted_lo"] == 0.0 and row["p_addictive_hi"] == 1.0
    assert row["fraction_addicted_mean"] == pytest.approx(0.3)


def test_a_small_grid_is_an_annotated_table(tmp_path: Path) -> None:
    """A 2 x 2 grid is drawn as four labelled cells (value and interval), the axes' values
    as tick labels, a share's colours from 0 (not a continuous image from -0.02)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from addsim.population.batches import summarize as s

    table = pd.DataFrame({"a": [0.0, 0.0, 0.1, 0.1], "b": [4, 6, 4, 6],
                          "fraction_addicted_mean": [0.0, 0.01, 0.02, 0.03],
                          "fraction_addicted_lo": [0.0, 0.0, 0.01, 0.02],
                          "fraction_addicted_hi": [0.0, 0.02, 0.03, 0.04]})
    shown: list = []
    real = plt.close
    try:
        plt.close = lambda fig=None: shown.append(fig)  # keep the figure to inspect it
        s.plot_heatmap(table, "a", "b", "fraction_addicted_mean", tmp_path / "h.png", "t")
    finally:
        plt.close = real
    fig = shown[0]
    ax = fig.axes[0]
    cells = [t.get_text() for t in ax.texts]
    assert len(cells) == 4 and "0.03\n[0.02, 0.04]" in cells
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "0.1"]
    assert ax.images[0].get_clim()[0] == 0.0
    plt.close(fig)
