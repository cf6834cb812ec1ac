"""The Python API (api.py): a Result that follows its model, saves, loads, plots and
validates itself; the people table; Mesa's agent reporters; dir(addsim); misspelt names."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from evidence import pixels_of, read_png

import addsim
from addsim._errors import ConfigError
from addsim.population.cli import main


def test_dir_lists_the_api() -> None:
    """dir(addsim) shows the API (not the helpers of __init__); a misspelt name gets a
    did-you-mean."""
    names = [n for n in dir(addsim) if not n.startswith("_")]
    assert {"run", "load", "load_config", "batch", "compare", "Result"} <= set(names)
    assert not {"Any", "annotations", "_API"} & set(names)
    with pytest.raises(AttributeError, match="did you mean 'run'"):
        addsim.runn  # noqa: B018


def test_a_misspelt_shortcut_gets_did_you_mean() -> None:
    """run(tick=5) is refused, naming the shortcut it was probably meant to be."""
    with pytest.raises(ConfigError, match=r"tick: not a shortcut.*did you mean 'ticks'"):
        addsim.run(tick=5)


def test_tables_follow_the_model() -> None:
    """r.prevalence, r.events and r.individuals follow r.model.step(), not a snapshot."""
    r = addsim.run(ticks=20, size=50)
    assert r.prevalence["tick"].max() == 19
    r.model.step()
    r.model.step()
    assert r.prevalence["tick"].max() == 21 and len(r.prevalence) == 22 * 2
    assert r.individuals["age"].to_numpy() == pytest.approx(r.model.age)


@pytest.fixture(scope="module")
def long_run() -> addsim.Result:
    """300 people for 4 years, nobody leaving (the history is each row's whole life)."""
    return addsim.run(size=300, ticks="4 years", history=True, life__enabled=False,
                      interventions=[])


def test_people_table_first_use_onset_and_ever_addicted(long_run: addsim.Result) -> None:
    """The people table has age, and per activity ever used / ever addicted and the ticks
    of first use and first onset, equal to what the status history shows (the first tick a
    person is a user or beyond; the first tick addicted)."""
    ind = long_run.individuals
    hist = long_run.model.history[: long_run.model.tick]
    assert "age" in ind and ind["age"].between(0, 120).all()
    from addsim.population.status import ADDICTED, RELAPSED, USER

    for j, act in enumerate(long_run.model.activity_names):
        first_use = ind[f"{act}_first_use_tick"]
        onset = ind[f"{act}_onset_tick"]
        assert str(first_use.dtype) == "Int64" and str(onset.dtype) == "Int64"
        assert (first_use.notna() == ind[f"{act}_ever_used"]).all()
        assert (onset.notna() == ind[f"{act}_ever_addicted"]).all()
        h = hist[:, j, :]
        user = (h >= USER).any(axis=0)
        want_first = np.where(user, (h >= USER).argmax(axis=0), -1)
        got_first = first_use.fillna(-1).to_numpy(dtype=np.int64)
        assert np.array_equal(got_first, want_first)
        dis = (h == ADDICTED) | (h == RELAPSED)
        want_onset = np.where(dis.any(axis=0), dis.argmax(axis=0), -1)
        assert np.array_equal(onset.fillna(-1).to_numpy(dtype=np.int64), want_onset)
    assert long_run.individuals["substance_onset_tick"].notna().sum() >= 1


def test_save_and_load_round_trip(long_run: addsim.Result, tmp_path: Path) -> None:
    """Result.save writes the run folder `addsim run` writes; addsim.load reads it (and a
    CLI run folder) back into the same tables; a loaded Result saves again."""
    out = long_run.save(tmp_path / "run")
    names = {p.name for p in out.iterdir()}
    assert {"config.toml", "prevalence.parquet", "survey.parquet", "individuals.parquet",
            "events.parquet", "prevalence.png", "run.json", "history.npz"} <= names
    back = addsim.load(out)
    assert back.model is None and back.folder == out
    for name in ("prevalence", "events", "individuals", "survey"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(long_run, name))
    assert back.config == long_run.config
    again = back.save(tmp_path / "again")
    pd.testing.assert_frame_equal(addsim.load(again).individuals, long_run.individuals)
    cli = tmp_path / "cli"
    assert main(["run", "--out", str(cli), "--ticks", "30", "--set", "population.size=40"]) == 0
    assert addsim.load(cli).prevalence["tick"].max() == 29


def test_load_refuses_what_is_not_a_run(tmp_path: Path) -> None:
    """A folder without a run's files, or a file, is one ConfigError line."""
    with pytest.raises(ConfigError, match=r"has no config\.toml"):
        addsim.load(tmp_path)
    (tmp_path / "f").write_text("x")
    with pytest.raises(ConfigError, match="is not a folder"):
        addsim.load(tmp_path / "f")


def test_save_refuses_a_folder_of_another_run(long_run: addsim.Result, tmp_path: Path) -> None:
    """Saving over a folder holding something else is refused (force replaces it)."""
    other = tmp_path / "o"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="force"):
        long_run.save(other)
    assert (other / "notes.txt").read_text() == "mine"
    long_run.save(other, force=True)
    assert not (other / "notes.txt").exists()


def test_plot_and_validate(long_run: addsim.Result, tmp_path: Path) -> None:
    """plot() gives the prevalence figure (no overlapping texts), plot(path) a PNG;
    validate(targets) sets the survey beside targets; targets beyond the run are refused."""
    from addsim.population.io.figures import text_overlaps

    fig = long_run.plot()
    assert text_overlaps(fig) == []
    # the PNG is that figure: the size of what it draws (cropped, 0.1 in around, 110 dpi) and
    # every line's colour in it
    image = read_png(long_run.plot(tmp_path / "p.png"))
    fig.set_dpi(110)
    fig.canvas.draw()
    box = fig.get_tightbbox(fig.canvas.get_renderer())
    want = np.array([box.height + 0.2, box.width + 0.2]) * 110
    assert np.abs(np.array(image.shape[:2]) - want).max() <= 1, (image.shape, want)
    lines = [line for ax in fig.axes for line in ax.get_lines()]
    assert len(lines) > 6 and all(pixels_of(image, line.get_color()) > 0 for line in lines)
    got = long_run.survey.query("year == 3 and age_band == 'all' and sex == 'all' "
                                "and activity == 'substance' and measure == 'lifetime_use'"
                                )["value"].item()
    targets = tmp_path / "t.toml"
    targets.write_text(f'[[target]]\nname = "use"\nmeasure = "lifetime_use"\nyears = 3\n'
                       f'value = {got}\ninterval = [{got - 0.01}, {got + 0.01}]\n'
                       'source = "the run itself"\n')
    table = long_run.validate(targets)
    assert table["within"].tolist() == [True]
    shipped = Path(__file__).parents[1] / "examples" / "targets" / "substance.toml"
    with pytest.raises(ConfigError, match="needs years 1-20"):
        long_run.validate(shipped)


def test_agent_reporters_of_mesa(tmp_path: Path) -> None:
    """run(agent_reporters=True, collect_every=...) fills Mesa's DataCollector with each
    person's age and statuses at tick 0 and every collect_every ticks; a dict of reporters
    works too; a bad one is one line."""
    r = addsim.run(size=40, ticks=30, agent_reporters=True, collect_every=10)
    table = r.agents
    assert set(table.index.get_level_values("Step")) == {0, 10, 20, 30}
    last = table.xs(30, level="Step").set_index("index").sort_index()
    assert list(last.index) == list(range(40))  # every person, by their row
    assert last["age"].to_numpy() == pytest.approx(r.model.age)
    assert (last["substance_status"].to_numpy() == r.individuals["substance_status"]).all()
    r2 = addsim.run(size=20, ticks=4, agent_reporters={"degree": lambda a: len(a.neighbours())})
    assert len(r2.agents) == 5 * 20
    with pytest.raises(ConfigError, match="agent_reporters"):
        addsim.run(size=20, ticks=2, agent_reporters=["age"])
