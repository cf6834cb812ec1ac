"""The viewer under SDL's dummy driver: recording, replay, clicks, keys, import directions."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import numpy as np
import pytest

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from addsim.population.cli.view.sources import LiveSource, ReplaySource, open_source
from addsim.population.config import load

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _layout_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from addsim.population.io.export import write_run
    from addsim.population.model import PopulationModel

    cfg = load(sets=["population.size=120", "run.ticks=40", "run.history=true",
                     "interventions=[{kind='treatment', tick=20}]"])
    model = PopulationModel(cfg)
    model.run(cfg.run.ticks)
    out = tmp_path_factory.mktemp("run") / "out"
    write_run(model, cfg, out, 0.0)
    return out


def _viewer(source: object, **kw: object) -> object:
    from addsim.viz.app import Viewer

    return Viewer(source, headless=True, size=(960, 600), **kw)  # type: ignore[arg-type]


def test_headless_recording_of_the_default_config(tmp_path: Path) -> None:
    """30 headless frames of the default config make a 30-frame GIF whose nodes change colour."""
    from PIL import Image

    from addsim.viz.app import run_viewer

    gif = tmp_path / "view.gif"
    result = run_viewer(open_source(None), headless=True, frames=30, record=gif,
                        size=(640, 400))
    assert result["frames"] == 30 and result["ticks"] == 30 and gif.is_file()
    with Image.open(gif) as img:
        assert img.n_frames == 30
        img.seek(0)
        first = np.asarray(img.convert("RGB"), dtype=np.int16)
        img.seek(29)
        last = np.asarray(img.convert("RGB"), dtype=np.int16)
    net = slice(0, 370), slice(0, 380)  # the network panel, above the status line
    changed = np.abs(first[net] - last[net]).sum(axis=2) > 60
    assert changed.sum() > 50


def test_replay_source_matches_the_history(run_dir: Path) -> None:
    """Statuses, prevalence and person history of a replay equal the run's history.npz."""
    hist = np.load(run_dir / "history.npz")["status"]
    src = ReplaySource(run_dir)
    assert src.n == hist.shape[2] and src.horizon == hist.shape[0] == 40
    assert (src.status(0) == 0).all() and src.tick == 0
    for t in (1, 17, 40):
        src.advance(t - src.tick)
        for a in range(len(src.activities)):
            assert np.array_equal(src.status(a), hist[t - 1, a])
            counts = np.bincount(hist[t - 1, a], minlength=6)
            assert np.array_equal(src.prevalence(a)[-1], counts)
    assert src.advance(5) == 0 and src.advance(-3) == -3 and src.tick == 37
    person = src.person(7, 1)
    assert np.array_equal(person.history, hist[:37, 1, 7]) and person.risk_factors
    assert any(t == 20 for t, _ in src.markers(0))
    edges = src.edges()
    assert edges.shape[1] == 2 and len(edges) > 0


def test_replay_mistakes_are_one_line(tmp_path: Path) -> None:
    """A folder without history, or a missing path, is a one-line UsageError."""
    from addsim.population.cli._common import UsageError

    with pytest.raises(UsageError, match=r"no history\.npz"):
        ReplaySource(tmp_path)
    with pytest.raises(UsageError, match="not found"):
        open_source(str(tmp_path / "nope.toml"))


def test_click_opens_the_person_panel(run_dir: Path) -> None:
    """A posted click on a node selects that person and renders their panel."""
    import pygame

    src = ReplaySource(run_dir)
    src.advance(30)
    view = _viewer(src)
    view.render()
    target = 42
    x, y = view.node_screen(target)
    assert view.pick(x, y) == target
    view.playing = False
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y), button=1))
    view.step_frame()
    assert view.selected == target
    person = src.person(target, view.activity)
    assert person.index == target and len(person.history) == 30
    view.close()


def test_keys_pause_and_change_speed() -> None:
    """Space pauses, up/down change the speed, right steps one tick, tab switches activity."""
    import pygame

    src = LiveSource(load(sets=["population.size=200"]))
    view = _viewer(src, speed=30)
    view.step_frame()
    assert view.playing and src.tick == 1

    def press(key: int) -> None:
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode=""))
        view.step_frame()

    press(pygame.K_SPACE)
    assert not view.playing
    tick = src.tick
    view.step_frame()
    assert src.tick == tick  # paused: no ticks
    press(pygame.K_UP)
    assert view.speed == 60
    press(pygame.K_DOWN)
    press(pygame.K_DOWN)
    assert view.speed == 15
    press(pygame.K_RIGHT)
    assert src.tick == tick + 1
    press(pygame.K_TAB)
    assert view.activity == 1
    press(pygame.K_h)
    assert view.show_help
    press(pygame.K_t)
    assert "treatment wave" in view._message[0]
    press(pygame.K_ESCAPE)
    assert not view.running
    view.close()


def test_viz_imports_no_model_code() -> None:
    """viz/ imports nothing from population/, agents/ or envs/ (DESIGN.md's import direction)."""
    for path in (ROOT / "viz").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in {"population", "agents", "envs"}, (path, name)


def test_layout_is_cached_and_bounded(tmp_path: Path) -> None:
    """The layout is in [0, 1]^2, written once, and read back for the same graph."""
    from addsim.viz.layout import cached_layout, snowball_sample

    rng = np.random.default_rng(0)
    edges = rng.integers(0, 300, (900, 2))
    path = tmp_path / "layout.npz"
    pos = cached_layout(300, edges, path)
    assert pos.shape == (300, 2) and pos.min() >= 0 and pos.max() <= 1 and path.is_file()
    assert np.array_equal(cached_layout(300, edges, path), pos)
    sample = snowball_sample(300, edges, 50)
    assert sample.size == 50 and np.all(np.diff(sample) > 0)


def test_threaded_live_source_steps_in_the_background() -> None:
    """The window's mode: queued ticks and a treatment wave run in the worker; close stops it."""
    src = LiveSource(load(sets=["population.size=150"]), threaded=True)
    try:
        assert src.advance(3) == 3
        src.wait()
        assert src.tick == 2 or src.tick == 3  # at most one frame's ticks (+1) are queued
        assert "queued" in src.treat()
        src.wait()
        assert src.prevalence(0).shape == (src.tick, 6)
        assert np.array_equal(src.status(0), src.model.activity("substance").tracker.status)
    finally:
        src.close()
    assert not src.threaded


def test_node_limit_draws_a_sample() -> None:
    """Above the node limit the network view draws a connected sample; curves keep everyone."""
    src = LiveSource(load(sets=["population.size=400"]))
    view = _viewer(src, node_limit=100)
    view.render()
    assert view.sample.size == 100 and len(view.pos) == 100
    assert view.node_screen(int(view.sample[0])) is not None
    assert src.prevalence(0).shape[0] == 0 and len(src.status(0)) == 400
    view.close()


class _Scripted:
    """A frame source whose statuses and ages follow a script (one row per tick)."""

    live = True
    title = "scripted"

    def __init__(self, status: np.ndarray, ages: np.ndarray) -> None:
        from addsim.population.status import STATUSES

        self.statuses = STATUSES
        self.activities = ("substance",)
        self._status, self._ages, self._t = status, ages, 0
        self.n = status.shape[1]
        self.years_per_tick = 7 / 365.25

    tick = property(lambda self: self._t)
    horizon = property(lambda self: len(self._status) - 1)

    def edges(self) -> np.ndarray:
        return np.array([[i, i + 1] for i in range(self.n - 1)], dtype=np.int64)

    def layout_path(self) -> None:
        return None

    def status(self, activity: int) -> np.ndarray:
        return self._status[self._t]

    def ages(self) -> np.ndarray:
        return self._ages[self._t]

    def prevalence(self, activity: int) -> np.ndarray:
        return np.stack([np.bincount(s, minlength=6) for s in self._status[1 : self._t + 1]]
                        ) if self._t else np.zeros((0, 6))

    def markers(self, activity: int) -> list[tuple[int, str]]:
        return []

    def advance(self, ticks: int) -> int:
        moved = min(ticks, len(self._status) - 1 - self._t)
        self._t += moved
        return moved

    def person(self, index: int, activity: int) -> object:
        from addsim.viz.source import Person

        return Person(index=index, status=int(self.status(0)[index]), age=float(self.ages()[index]))

    def treat(self) -> str:
        return "no"


def test_events_flash_time_in_years_and_the_age_filter() -> None:
    """Onset, relapse, cessation and a new person (age fell) each start a flash; the status
    line says the year; 'a' cycles the age bands and fades the other ages."""
    import pygame

    from addsim.population.status import ABSTINENT, ADDICTED, EXPOSED, NEVER_EXPOSED, RELAPSED

    status = np.full((3, 6), EXPOSED, dtype=np.uint8)
    status[1, 0], status[1, 1], status[1, 2] = ADDICTED, RELAPSED, ABSTINENT
    status[1, 3] = NEVER_EXPOSED  # a leaver replaced by a newcomer
    status[2] = status[1]
    ages = np.array([[15.0, 20, 30, 70, 40, 50]] * 3)
    ages[1:, 3] = 12.0
    ages[1:, :3] += 7 / 365.25
    view = _viewer(_Scripted(status, ages), speed=30)
    view.playing = False
    view.step_frame()
    assert sum(view.flashing().values()) == 0
    view.source.advance(1)
    view.step_frame()
    assert view.flashing() == {"onset": 1, "relapse": 1, "cessation": 1, "new": 1}
    for _ in range(20):
        view.step_frame()  # the flashes fade, with the tick unchanged
    assert sum(view.flashing().values()) == 0
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_a, mod=0, unicode=""))
    view.step_frame()
    assert view.age_band == 1 and "12-17" in view._message[0]
    view.selected = 3
    view.render()
    assert view.source.person(3, 0).age == 12.0
    view.close()


def test_live_source_gives_years_and_ages() -> None:
    """The live source reports years per tick and ages; the person panel gets the age."""
    src = LiveSource(load(sets=["population.size=100"]))
    assert src.years_per_tick == pytest.approx(7 / 365.25)
    ages = src.ages()
    assert ages.shape == (100,) and ages.min() >= 12 and ages.max() <= 80
    assert src.person(5, 0).age == pytest.approx(ages[5])
