"""The viewer under SDL's dummy driver: recording, replay, clicks, keys, import directions."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import numpy as np
import pytest
from evidence import pixels_of, read_png

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


MODEL_CODE = {"population", "agents", "envs"}


def model_imports(source: str) -> list[str]:
    """The imports in ``source`` (a module of addsim.viz) of addsim's model code, absolute
    (``addsim.population...``) or relative (``from ..population import x``), as absolute names.

    Every import of the package is spelled ``addsim.x``: the sub-package is the second part of
    the name, not the first (the first part is always ``addsim``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative to addsim.viz: one dot is addsim.viz, two are addsim
                anchor = ["addsim", "viz"][: 3 - node.level]
                base = ".".join([*anchor, *([base] if base else [])])
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "addsim" and len(parts) > 1 and parts[1] in MODEL_CODE:
                found.append(name)
    return sorted(set(found))


def test_model_imports_finds_absolute_and_relative_imports_of_model_code() -> None:
    """The check can fail: hand-made sources importing model code are caught, the viewer's own
    and the helpers' imports are not."""
    assert model_imports("from addsim.population.model import PopulationModel") == [
        "addsim.population.model", "addsim.population.model.PopulationModel"]
    assert model_imports("import addsim.agents.dual_process") == ["addsim.agents.dual_process"]
    assert model_imports("from ..envs import substance") == ["addsim.envs",
                                                             "addsim.envs.substance"]
    assert model_imports("from addsim import envs") == ["addsim.envs"]
    assert model_imports("from addsim.viz import layout\nfrom addsim._errors import shown\n"
                         "from . import record\nimport numpy as np") == []


def test_viz_imports_no_model_code() -> None:
    """viz/ imports nothing from population/, agents/ or envs/ (DESIGN.md's import direction;
    test_layout.py checks every layer's rules, this one names the viewer's)."""
    files = sorted((ROOT / "viz").glob("*.py"))
    assert len(files) >= 4, files  # the check ran over the viewer's modules
    for path in files:
        assert model_imports(path.read_text()) == [], path


def test_layout_is_cached_and_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The layout is in [0, 1]^2, written once, and read back for the same graph (the second
    call cannot compute one)."""
    from addsim.viz import layout
    from addsim.viz.layout import cached_layout, snowball_sample

    rng = np.random.default_rng(0)
    edges = rng.integers(0, 300, (900, 2))
    path = tmp_path / "layout.npz"
    pos = cached_layout(300, edges, path)
    assert pos.shape == (300, 2) and pos.min() >= 0 and pos.max() <= 1 and path.is_file()
    with monkeypatch.context() as mp:
        mp.setattr(layout, "layout_graph", lambda *a, **k: pytest.fail("recomputed"))
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
    """The live source reports years per tick and ages; the person panel gets the age and
    the sex (issue 29 item 6), and draws the sex in its heading."""
    src = LiveSource(load(sets=["population.size=100"]))
    assert src.years_per_tick == pytest.approx(7 / 365.25)
    ages = src.ages()
    assert ages.shape == (100,) and ages.min() >= 12 and ages.max() <= 80
    assert src.person(5, 0).age == pytest.approx(ages[5])
    sexes = [src.person(i, 0).sex for i in range(100)]
    assert sexes == ["male" if s else "female" for s in src.model.sex]
    assert {"female", "male"} <= set(sexes)
    view = _viewer(src)
    view.selected = 5
    view.render()
    assert any(t.startswith(f"person 5  ({sexes[5]}, degree") for _, t, _ in view.texts)
    view.close()


SCRIPTS = ROOT / "docs" / "_scripts"


def _screenshots() -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location("screenshots", SCRIPTS / "screenshots.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_the_docs_screenshot_script_draws_no_overlapping_texts(tmp_path: Path) -> None:
    """The script that draws the docs' viewer pictures (live with a person panel, replay at
    the end) writes both, and no two texts of either frame overlap or leave the window."""
    found = _screenshots().screenshots(tmp_path, small=True)
    assert set(found) == {"viewer.png", "viewer-replay.png"}
    assert found == {"viewer.png": [], "viewer-replay.png": []}
    for name in found:
        _is_a_frame(tmp_path / name)


def _is_a_frame(path: Path) -> None:
    """A viewer's frame as the script saves it: 1280 x 720, mostly the window's background,
    with people drawn in the colours of the statuses every small run has by then (never
    exposed and exposed; which others are there depends on the run)."""
    from addsim.viz.app import BG, COLOURS

    image = read_png(path)
    assert image.shape[:2] == (720, 1280), path
    assert pixels_of(image, np.divide(BG, 255), tol=0) > 0.4 * 720 * 1280, path
    for status in ("never_exposed", "exposed"):
        assert pixels_of(image, np.divide(COLOURS[status], 255), tol=0) > 100, (path, status)


@pytest.mark.slow  # 20 s on this machine; the dummy-driver run above (5 s) stays fast
@pytest.mark.skipif(__import__("shutil").which("xvfb-run") is None,
                    reason="Xvfb is not installed (apt-get install xvfb)")
def test_the_screenshot_script_in_a_real_x_window(tmp_path: Path) -> None:
    """The same script in a real, resizable X window under Xvfb (not SDL's dummy driver):
    it exits 0 (no overlapping texts) and writes both pictures."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("SDL_VIDEODRIVER", "DISPLAY")}
    proc = subprocess.run(
        ["xvfb-run", "-a", sys.executable, str(SCRIPTS / "screenshots.py"), "--small",
         "--window", "--out", str(tmp_path)], env=env, capture_output=True, text=True,
        timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no texts overlap" in proc.stdout
    _is_a_frame(tmp_path / "viewer.png")
    _is_a_frame(tmp_path / "viewer-replay.png")


class _Marked(_Scripted):
    """A scripted source with many interventions, some at the same tick and near the end."""

    def markers(self, activity: int) -> list[tuple[int, str]]:
        near = [(t, f"treatment ({t})") for t in range(0, 20, 2)]
        return [*near, (1, "treatment (scheduled)"), (1, "treatment (3)"),
                (self.horizon, "supply_reduction (150)")]


@pytest.mark.parametrize("size", [(640, 400), (960, 600), (1280, 720)])
def test_no_two_texts_overlap_in_a_busy_frame(size: tuple[int, int]) -> None:
    """Many interventions close together (applied and scheduled at one tick), a long
    message, the age filter, the help box and a person panel: no two texts of a layer
    overlap, none leaves the window, labels are merged ("+") or counted, never run
    together; the status line stays left of the key hint."""
    rng = np.random.default_rng(0)
    status = rng.integers(0, 6, (30, 60)).astype(np.uint8)
    ages = np.tile(rng.uniform(12, 80, 60), (30, 1))
    view = _viewer(_Marked(status, ages), speed=30)
    view.screen = view.pg.display.set_mode(size)
    view._geometry()
    view.playing = False
    view.source.advance(25)
    view.age_band = 2
    view.flash("saved screenshot /a/very/long/folder/name/that/goes/on/" + "x" * 120 + ".png")
    view.selected = 3
    view.show_help = True
    view.step_frame()
    assert view.text_overlaps() == []
    drawn = [t for _, t, _ in view.texts]
    assert not any("treatmenttreatment" in t for t in drawn)
    assert any("+" in t for t in drawn if "treatment" in t or "intervention" in t)
    hint = next(r for _, t, r in view.texts if t == "h: keys")
    line = [r for lay, t, r in view.texts if r.y >= view.line_rect.y and t != "h: keys"]
    assert all(r.right < hint.x for r in line)
    help_box = view.help_rect
    assert all(help_box.contains(r) for lay, _, r in view.texts if lay == "help")
    view.close()


def test_the_screenshot_key_shows_the_path(tmp_path: Path) -> None:
    """'s' saves a PNG and says where, in a message box drawn over the network."""
    import pygame

    src = LiveSource(load(sets=["population.size=60"]))
    view = _viewer(src, out_dir=tmp_path)
    view.playing = False
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_s, mod=0, unicode=""))
    view.step_frame()
    saved = list(tmp_path.glob("addsim-tick-*.png"))
    assert len(saved) == 1
    shown = [t for lay, t, _ in view.texts if lay == "message"]
    assert shown and shown[0].endswith(saved[0].name)  # a long path is cut in its middle
    assert str(saved[0].resolve()) in view._message[0]
    view.close()


def test_live_stops_at_run_ticks() -> None:
    """The live model stops at run.ticks: advance stops there, the viewer pauses and says
    so; the curves' time axis is the run's length."""
    src = LiveSource(load(sets=["population.size=60", "run.ticks=12"]))
    assert src.horizon == 12 and src.advance(10) == 10 and src.advance(10) == 2
    assert src.tick == 12 and src.advance(1) == 0
    src2 = LiveSource(load(sets=["population.size=60", "run.ticks=12"]))
    view = _viewer(src2, speed=240)
    for _ in range(10):
        view.step_frame()
    assert src2.tick == 12 and not view.playing and "end of the run" in view._message[0]
    view.close()


def test_threaded_live_source_stops_at_run_ticks() -> None:
    """Queued ticks never pass run.ticks in the window's threaded mode either."""
    src = LiveSource(load(sets=["population.size=60", "run.ticks=5"]), threaded=True)
    try:
        total = sum(src.advance(2) or 0 for _ in range(2))
        src.wait()
        total += src.advance(10)
        src.wait()
        total += src.advance(10)
        src.wait()
        assert src.tick == 5 and src.model.tick == 5 and src.advance(1) == 0
    finally:
        src.close()


def test_the_age_filter_filters_legend_counts_and_curves() -> None:
    """With an age band chosen, the legend counts, the status line and the curves are of
    that band's people only (the live source's per-band counts per tick)."""
    from addsim.population.survey import BANDS

    src = LiveSource(load(sets=["population.size=300"]))
    src.advance(30)
    view = _viewer(src)
    view.playing = False
    view.age_band = 2  # 18-25
    view.step_frame()
    ages = src.ages()
    inside = (ages >= 18) & (ages < 26)
    curves, total = view._curves()
    assert curves.shape == (30, 6) and total[-1] == inside.sum()
    assert np.array_equal(curves[-1], np.bincount(src.status(0)[inside], minlength=6))
    assert np.array_equal(src.age_prevalence(0, BANDS[1])[-1], curves[-1])
    drawn = [t for _, t, _ in view.texts]
    assert f"{inside.sum():,} people aged 18-25" in drawn
    view.close()


def test_replay_shows_years(run_dir: Path) -> None:
    """A replay knows the run's years per tick: the status line says the year."""
    src = ReplaySource(run_dir)
    assert src.years_per_tick == pytest.approx(7 / 365.25)
    src.advance(20)
    view = _viewer(src)
    view.playing = False
    view.step_frame()
    assert any(t.startswith("year 0.4 (tick 20)") for _, t, _ in view.texts)
    view.close()


def test_disorder_is_drawn_on_top_and_larger() -> None:
    """An addicted person among many others is drawn larger than the others, on top: with
    exposed people laid at the same spot, before and after it in the arrays (drawn in array
    order, the last would cover it), its centre is the addicted colour."""
    from addsim.viz.app import COLOURS

    status = np.full((2, 400), 1, dtype=np.uint8)
    status[:, 7] = 3  # addicted
    view = _viewer(_Scripted(status, np.full((2, 400), 30.0)))
    assert np.array_equal(view.sample, np.arange(400))  # pos is indexed by person
    for other in (0, 6, 8, 399):  # exposed neighbours over the same pixel
        view.pos[other] = view.pos[7]
    view.playing = False
    view.step_frame()
    x, y = view.node_screen(7)
    assert view.node_screen(8) == (x, y) and view.node_screen(399) == (x, y)
    assert tuple(view.screen.get_at((x, y))[:3]) == COLOURS["addicted"]  # on top
    r = view._radius()
    colour = tuple(view.screen.get_at((x + r + 1, y))[:3])
    assert colour in (COLOURS["addicted"], (250, 250, 250))  # the larger disc or its ring
    view.close()


def test_community_layout_puts_friend_groups_apart() -> None:
    """Two groups of friends joined by one friendship are laid out as two separate patches
    (each group's people nearer each other than any of the other group)."""
    from addsim.viz.layout import layout_graph

    rng = np.random.default_rng(1)
    a = np.array([(i, j) for i in range(40) for j in range(i + 1, 40) if rng.random() < 0.3])
    edges = np.concatenate([a, a + 40, [[0, 40]]])
    pos, group = layout_graph(80, edges)
    assert pos.min() >= 0 and pos.max() <= 1
    assert len(set(group[:40])) == 1 and len(set(group[40:])) == 1 and group[0] != group[40]
    ca, cb = pos[:40].mean(axis=0), pos[40:].mean(axis=0)
    da = np.linalg.norm(pos[:40] - ca, axis=1).max()
    assert np.linalg.norm(ca - cb) > 2 * da * 0.9


def test_headless_record_samples_the_whole_run(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A headless --record without --speed spreads the frames over the whole run (the last
    frame shows its end) and says so in one line."""
    from addsim.population.cli import main

    cfg = tmp_path / "c.toml"
    cfg.write_text("population.size = 60\nrun.ticks = 80\n")
    gif = tmp_path / "x.gif"
    assert main(["view", str(cfg), "--headless", "--frames", "8", "--record", str(gif),
                 "--size", "480x320", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out.strip()
    assert out.count("\n") == 0 and out.startswith("view: 8 frames, years 0.0 to 1.5")
    assert "(ticks 0-80)" in out and str(gif) in out
    assert main(["view", str(cfg), "--headless", "--frames", "2", "--json", "--size",
                 "480x320", "--out", str(tmp_path), "--speed", "30"]) == 0
    import json

    assert json.loads(capsys.readouterr().out)["tick"] == 2


def test_age_band_counts_grow_with_the_run() -> None:
    """The live source's per-band counts are allocated as the run reaches them (a run of
    millions of ticks does not allocate them all up front) and stay right when grown."""
    from addsim.population.survey import BANDS

    src = LiveSource(load(sets=["population.size=50", "run.ticks=12"]))
    src._by_band = src._by_band[:3]  # as if the first allocation were 3 ticks
    src.advance(12)
    band = src.age_prevalence(0, BANDS[2])
    assert band.shape == (12, 6) and len(src._by_band) >= 12
    assert src.age_prevalence(0, "no such band") is None
    total = sum(src.age_prevalence(0, b)[-1].sum() for b in BANDS)
    assert total == 50


def test_an_mp4_recording_holds_every_frame_cropped_to_even_sides(tmp_path: Path) -> None:
    """An .mp4 through imageio-ffmpeg: every frame added is in the video, at the frame's size
    less the odd row and column (yuv420p needs even sides); until close nothing is at the
    destination (ffmpeg writes a hidden file beside it, renamed over it at the end)."""
    ffmpeg = pytest.importorskip("imageio_ffmpeg")
    from addsim.viz.record import Recorder, check_path

    path = tmp_path / "clips" / "run.mp4"
    assert check_path(path) is None
    rec = Recorder(path, fps=10)
    for k in range(7):
        rec.add(bytes([40 * k % 256, 0, 255 - 30 * k]) * (33 * 21), (33, 21))
    assert not path.exists()
    assert rec.close() == path and path.read_bytes()[4:8] == b"ftyp"
    assert [p.name for p in path.parent.iterdir()] == ["run.mp4"]
    reader = ffmpeg.read_frames(str(path))
    meta = next(reader)
    frames = list(reader)
    assert tuple(meta["size"]) == (32, 20) and len(frames) == 7
    first = np.frombuffer(frames[0], np.uint8).reshape(20, 32, 3).mean(axis=(0, 1))
    last = np.frombuffer(frames[-1], np.uint8).reshape(20, 32, 3).mean(axis=(0, 1))
    assert first[2] > last[2] + 100  # the blue fades over the frames (lossy: roughly)

