"""addsim run / export / config: outputs, formats, and mistakes that exit 2 writing nothing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from addsim.population.cli import main

PREVALENCE = ["tick", "activity", "never_exposed", "exposed", "user", "addicted", "abstinent",
              "relapsed", "initiations", "onsets", "cessations", "relapses"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "out"
    assert main(["run", "--out", str(out), "--ticks", "40", "--set", "population.size=150",
                 "--set", "interventions=[{kind='treatment', tick=20}]", "--history"]) == 0
    return out


def test_run_writes_every_output(run_dir: Path) -> None:
    """config.toml, prevalence and survey parquet+csv, events, individuals, history, run.json,
    png."""
    names = {p.name for p in run_dir.iterdir()}
    assert names == {"config.toml", "prevalence.parquet", "prevalence.csv", "events.parquet",
                     "individuals.parquet", "history.npz", "run.json", "prevalence.png",
                     "survey.parquet", "survey.csv"}
    prev = pd.read_csv(run_dir / "prevalence.csv")
    assert list(prev.columns[: len(PREVALENCE)]) == PREVALENCE
    assert set(prev["activity"]) == {"substance", "gambling"} and prev["tick"].max() == 39
    meta = json.loads((run_dir / "run.json").read_text())
    assert meta["seed"] == 0 and meta["individuals"] == 150 and "mesa" in meta["versions"]
    hist = np.load(run_dir / "history.npz", allow_pickle=False)
    assert hist["status"].shape == (40, 2, 150)
    ind = pd.read_parquet(run_dir / "individuals.parquet")
    assert len(ind) == 150 and {"surge", "substance_status", "degree"} <= set(ind.columns)
    events = pd.read_parquet(run_dir / "events.parquet")
    assert "intervention:treatment" in set(events["event"])


def test_resolved_config_reruns_identically(run_dir: Path, tmp_path: Path) -> None:
    """DIR/config.toml is the resolved config: running it again gives the same table."""
    again = tmp_path / "again"
    assert main(["run", str(run_dir / "config.toml"), "--out", str(again)]) == 0
    a = pd.read_parquet(run_dir / "prevalence.parquet")
    b = pd.read_parquet(again / "prevalence.parquet")
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_export_formats(run_dir: Path, tmp_path: Path, fmt: str) -> None:
    """export converts each table to csv, json or parquet."""
    to = tmp_path / f"events.{fmt}"
    assert main(["export", str(run_dir), "--format", fmt, "--what", "individuals",
                 "--to", str(to)]) == 0
    assert to.stat().st_size > 0


def test_config_show_and_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """config --show prints a documented default that config --check accepts."""
    assert main(["config", "--show"]) == 0
    shown = capsys.readouterr().out
    path = tmp_path / "default.toml"
    path.write_text(shown)
    assert main(["config", "--check", str(path)]) == 0
    assert "ok:" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "text"),
    [
        (["--set", "population.size=-1"], "population.size: got -1"),
        (["--set", "exposure.p_peer=2"], "exposure.p_peer: got 2"),
        (["--set", "network.kind=smallworld"], "network.kind: got 'smallworld'"),
        (["--set", "activities.gambling.learner=dezfouli"], "did you mean 'dezfouli2009'"),
        (["--set", "network.kind=file", "--set", "network.file=/nope.txt"], "network.file"),
        (["--set", "population.risk_csv=/nope.csv"], "population.risk_csv"),
        (["/no/such/config.toml"], "not found"),
        (["--ticks", "0"], "run.ticks: got 0"),
    ],
)
def test_bad_run_input_exits_2_and_writes_nothing(
    argv: list[str], text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad config value: one line naming the field, exit 2, no output folder."""
    out = tmp_path / "out"
    assert main(["run", *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert text in err and "\n" not in err and "Traceback" not in err
    assert not out.exists() and not list(tmp_path.iterdir())


def test_export_of_a_missing_run_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """export on a folder that is not a run: one line, exit 2."""
    assert main(["export", str(tmp_path), "--what", "events"]) == 2
    assert "not found" in capsys.readouterr().err
