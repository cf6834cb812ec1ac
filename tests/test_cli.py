"""The addsim command line: reproduce writes its files; mistakes exit 2 and write nothing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from evidence import pixels_of, read_png

from addsim.population.cli import main


def test_reproduce_list_names_every_protocol(capsys: pytest.CaptureFixture[str]) -> None:
    """--list prints one line per protocol."""
    assert main(["reproduce", "--list"]) == 0
    out = capsys.readouterr().out
    for name in ("acquisition", "relapse", "relapse-kept-rewards", "gambling", "heatmap"):
        assert name in out


def test_reproduce_relapse_writes_tidy_csv_png_json(tmp_path: Path) -> None:
    """relapse.csv has learner,arm,t,p_addictive with one row per arm (each learner, and the
    dual-process controls) and tick from 0; the JSON carries the verdict."""
    from addsim.population.reproduce._controls import DUAL_ARMS

    assert main(["reproduce", "relapse", "--out", str(tmp_path), "--individuals", "10"]) == 0
    frame = pd.read_csv(tmp_path / "relapse.csv")
    assert list(frame.columns) == ["learner", "arm", "t", "p_addictive"]
    assert set(frame["learner"]) == {
        "q_learning", "redish2004", "dezfouli2009", "latent_state", "dual_process"
    }
    assert set(frame["arm"]) == set(frame["learner"]) | {a for a, _, _ in DUAL_ARMS}
    assert frame.groupby("arm")["t"].min().eq(0).all()
    summary = json.loads((tmp_path / "relapse.json").read_text())["summary"]
    assert summary["verdict"]["label"] in ("by retrieval", "by another cause", "not reproduced")
    assert (tmp_path / "relapse.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*.tmp"))


def test_reproduce_relapse_map_writes_one_row_per_cell(tmp_path: Path) -> None:
    """relapse-map.csv has one row per learner and grid cell with the README's columns, and
    meets_report is exactly the conjunction of the checks beside it."""
    from addsim.population.reproduce.relapse_map import MAP_AXES

    assert main(["reproduce", "relapse-map", "--out", str(tmp_path), "--individuals", "4"]) == 0
    frame = pd.read_csv(tmp_path / "relapse-map.csv")
    checks = ["acquired", "extinguished", "savings_in_range", "kept_abstinent", "item1", "item2"]
    assert list(frame.columns[:5]) == ["learner", "x_param", "x", "y_param", "y"]
    assert set(checks) | {"savings", "relapsed", "meets_report"} <= set(frame.columns)
    for name, ((_, xs), (_, ys)) in MAP_AXES.items():
        assert (frame["learner"] == name).sum() == len(xs) * len(ys)
    assert frame["meets_report"].equals(frame[checks].all(axis=1))
    # relapse-map.png: a 6.0 x 4.2 in panel per learner at 110 dpi; each cell first acquired
    # in coolwarm's colour of its savings on [0, 3] (grey, the axes' face, where it was not)
    image = read_png(tmp_path / "relapse-map.png")
    learners = frame["learner"].nunique()
    assert image.shape[:2] == (462, 660 * learners)
    from matplotlib import colormaps

    acquired = frame[frame["acquired"] & np.isfinite(frame["savings"])]
    assert len(acquired) > 0
    for v in acquired["savings"]:
        assert pixels_of(image, colormaps["coolwarm"](min(v, 3.0) / 3.0), tol=12) > 100, v
    assert (pixels_of(image, "0.85") > 100) == (not frame["acquired"].all())


def test_reproduce_gambling_and_heatmap_columns(tmp_path: Path) -> None:
    """gambling.csv and a coarse heatmap.csv carry the documented columns."""
    assert main(["reproduce", "gambling", "--out", str(tmp_path), "--individuals", "5"]) == 0
    assert list(pd.read_csv(tmp_path / "gambling.csv").columns) == [
        "learner", "arm", "streak", "t", "p_bet"
    ]
    assert main(["reproduce", "heatmap", "--out", str(tmp_path), "--individuals", "2",
                 "--step", "2.5"]) == 0
    heat = pd.read_csv(tmp_path / "heatmap.csv")
    assert list(heat.columns) == ["natural_reward", "surge", "fraction_addicted"]
    assert len(heat) == 9


def test_same_seed_same_table_other_seed_differs(tmp_path: Path) -> None:
    """Reproducible: the same seed gives an identical CSV; another seed a different one."""
    for d, seed in (("a", "4"), ("b", "4"), ("c", "5")):
        assert main(["reproduce", "addiction", "--out", str(tmp_path / d),
                     "--individuals", "8", "--seed", seed]) == 0
    a, b, c = ((tmp_path / d / "addiction.csv").read_bytes() for d in "abc")
    assert a == b
    assert a != c


@pytest.mark.parametrize(
    ("argv", "text"),
    [
        (["reproduce", "relapze"], "did you mean 'relapse'"),
        (["reproduce", "relapse", "--individuals", "0"], "--individuals: got 0"),
        (["reproduce", "heatmap", "--step", "0"], "--step: got 0.0"),
        (["reproduce", "relapse", "--seed", "-1"], "--seed: got -1"),
        (["reproduce", "relapse", "--individuals", "ten"], "invalid int value: 'ten'"),
    ],
)
def test_mistakes_exit_2_one_line_nothing_written(
    argv: list[str], text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A user's mistake: one line naming field and value, exit 2, no output folder."""
    out = tmp_path / "out"
    try:
        code = main([*argv, "--out", str(out)])
    except SystemExit as exc:  # argparse's own type errors
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert text in err and "\n" not in err and "Traceback" not in err
    assert not out.exists()
