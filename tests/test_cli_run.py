"""addsim run / export / config: outputs, formats, and mistakes that exit 2 writing nothing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from evidence import coloured, read_png, same_table

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
    same_table(prev, pd.read_parquet(run_dir / "prevalence.parquet"))
    assert coloured(read_png(run_dir / "prevalence.png")) > 0  # the curves are drawn
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
    """export converts each table to csv, json or parquet: read back, it is the run's
    people table (every row and column; numbers equal, JSON's to its 15 decimal places)."""
    to = tmp_path / f"individuals.{fmt}"
    assert main(["export", str(run_dir), "--format", fmt, "--what", "individuals",
                 "--to", str(to)]) == 0
    want = pd.read_parquet(run_dir / "individuals.parquet")
    got = {"csv": pd.read_csv, "json": pd.read_json, "parquet": pd.read_parquet}[fmt](to)
    assert list(got.columns) == list(want.columns) and len(got) == len(want) == 150
    assert set(want.columns) - set(want.select_dtypes("number").columns)  # some are not
    same_table(got, want)  # every column (issue 34: the strings were compared by name only)


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


def test_ticks_takes_a_duration(tmp_path: Path) -> None:
    """--ticks "2 years" is 104 weekly ticks, as run.ticks takes durations everywhere."""
    out = tmp_path / "o"
    assert main(["run", "--out", str(out), "--ticks", "2 years", "--set",
                 "population.size=40"]) == 0
    assert json.loads((out / "run.json").read_text())["ticks"] == 104


def test_ticks_mistake_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--ticks that is neither ticks nor a duration: one line naming run.ticks, exit 2."""
    assert main(["run", "--out", str(tmp_path / "o"), "--ticks", "soon"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("addsim: error: run.ticks: got 'soon'")
    assert not (tmp_path / "o").exists()


def test_export_the_survey_events_and_people(tmp_path: Path) -> None:
    """export --what survey (the yearly measures), events and individuals: each CSV read back
    is the run's parquet table, every row and column (a run of a year and a half: run_dir's
    40 ticks complete no survey year)."""
    run_dir = tmp_path / "run"
    assert main(["run", "--out", str(run_dir), "--ticks", "80", "--set",
                 "population.size=100"]) == 0
    for what, column in (("survey", "measure"), ("events", "event"),
                         ("individuals", "substance_status")):
        to = tmp_path / f"{what}.csv"
        assert main(["export", str(run_dir), "--what", what, "--to", str(to)]) == 0
        want = pd.read_parquet(run_dir / f"{what}.parquet")
        assert column in want.columns and len(want) > 0, what
        same_table(pd.read_csv(to), want)


@pytest.mark.parametrize("suffix, reader", [(".parquet", pd.read_parquet),
                                            (".json", pd.read_json), (".csv", pd.read_csv)])
def test_export_format_follows_the_suffix(run_dir: Path, tmp_path: Path, suffix: str,
                                          reader: object) -> None:
    """Without --format, --to x.parquet writes Parquet (not CSV text), .json JSON; read back,
    the file is the run's prevalence table: its columns in order, its 80 rows (40 ticks x 2
    activities) and its values."""
    to = tmp_path / f"x{suffix}"
    assert main(["export", str(run_dir), "--to", str(to)]) == 0
    head = to.read_bytes()[:4]
    assert (head == b"PAR1") == (suffix == ".parquet")  # Parquet's magic bytes, only there
    frame = reader(to)  # type: ignore[operator]
    want = pd.read_parquet(run_dir / "prevalence.parquet")
    want = want.astype({c: str for c in want.columns if isinstance(want[c].dtype,
                                                                    pd.CategoricalDtype)})
    assert list(frame.columns) == list(want.columns) and list(frame.columns[:3]) == PREVALENCE[:3]
    assert len(frame) == len(want) == 80
    pd.testing.assert_frame_equal(frame.astype({"activity": str}), want, check_dtype=False)


def test_export_format_against_the_suffix_is_refused(
        run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--format csv --to x.parquet contradicts itself: one line, exit 2, nothing written."""
    to = tmp_path / "x.parquet"
    assert main(["export", str(run_dir), "--format", "csv", "--to", str(to)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("addsim: error: --format: got csv")
    assert ".parquet" in err and not to.exists()


def test_every_mistake_of_a_config_at_once(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A config with three mistakes reports all three, each on its own line naming its
    field, exit 2, nothing written."""
    cfg = tmp_path / "c.toml"
    cfg.write_text("population.size = -5\nrun.tics = 3\n[exposure]\np_peer = 7\n")
    out = tmp_path / "o"
    assert main(["run", str(cfg), "--out", str(out)]) == 2
    lines = capsys.readouterr().err.strip().split("\n")
    assert len(lines) == 3 and all(line.startswith("addsim: error: ") for line in lines)
    joined = "\n".join(lines)
    for field in ("population.size: got -5", "exposure.p_peer: got 7",
                  "run.tics: unknown key"):
        assert field in joined
    assert "Traceback" not in joined and not out.exists()
    assert main(["config", "--check", str(cfg)]) == 2
    assert len(capsys.readouterr().err.strip().split("\n")) == 3


def test_the_first_ticks_run_with_no_thread_of_ours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command starts no thread before or during the run's first two ticks, where a cold
    first run forks a compile helper (addsim._jit.compile_ahead, which gives up in a process
    with other threads): the progress bar, whose refresh thread could outlive a stop (the
    helper was then forked in about one cold run of three), is shown from the third tick on.
    The bar still counts every tick."""
    import contextlib
    import threading

    from addsim import _jit
    from addsim.population.io import console

    started: list[str] = []
    start = threading.Thread.start

    def noted(self: threading.Thread) -> None:
        started.append(self.name)
        start(self)

    at_entry: list[tuple[list[str], int]] = []
    ahead = _jit.compile_ahead

    @contextlib.contextmanager
    def watched(n: int):  # type: ignore[no-untyped-def]
        at_entry.append((list(started), threading.active_count()))
        with ahead(n):
            yield
        at_entry.append((list(started), threading.active_count()))

    bars = []

    def kept(*args):  # type: ignore[no-untyped-def]
        bars.append(console.progress_bar(*args))
        return bars[-1]

    monkeypatch.setattr(threading.Thread, "start", noted)
    monkeypatch.setattr(_jit, "compile_ahead", watched)
    monkeypatch.setattr("addsim.population.cli.run.progress_bar", kept)
    threads = threading.active_count()
    assert main(["run", "--out", str(tmp_path / "o"), "--ticks", "6", "--set",
                 "population.size=40", "--set", "run.burn_in=4"]) == 0
    assert at_entry == [([], threads), ([], threads)]  # entering the block, leaving it
    task = bars[0].tasks[0]
    assert task.completed == task.total == 10
