"""Frame sources for the viewer (``addsim view``): a live model, or a run's recorded history.

viz/ knows frames, not models: this module adapts a :class:`PopulationModel` (live:
it steps in the viewer's process; ``t`` applies a treatment wave through the model's public
``apply_intervention``) or a RUN_DIR written with ``--history`` (replay: scrub back and forth)
to :class:`addsim.viz.source.FrameSource`. Part of the view command, the one place that
imports the viewer.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from addsim._errors import ConfigError, shown
from addsim._files import user_cache
from addsim._read import input_problem, is_folder, read_npz, read_parquet
from addsim.population.cli._common import UsageError
from addsim.population.config import Config, InterventionCfg, load
from addsim.population.status import STATUSES
from addsim.population.survey import BANDS

if TYPE_CHECKING:  # the model (mesa, agents, envs) is imported only when a view opens
    from addsim.population.model import PopulationModel

HISTORY_BYTES = 400_000_000  # live: keep per-person history (for the panel) below this size


def _person_common(model: PopulationModel, index: int) -> dict[str, Any]:
    from addsim.population.survey import SEXES

    return {
        "degree": int(model.degree[index]),
        "risk_factors": model.individuals[index].risk_factors,
        "sex": SEXES[int(model.sex[index])],
    }


class LiveSource:
    """A PopulationModel stepping in the viewer's process; statuses are the model's own.

    ``threaded=True`` steps the model in a worker thread so that drawing never waits for a
    tick: ``advance`` queues ticks (at most one frame's worth ahead), the frame shows the last
    finished tick (a snapshot), and a treatment wave is applied between ticks. Without it
    (headless recordings, tests) every ``advance`` finishes its ticks: frames are reproducible.
    """

    live = True

    def __init__(self, config: Config, threaded: bool = False) -> None:
        n_est = config.population.size
        if not config.run.history and n_est * config.run.ticks * 2 <= HISTORY_BYTES:
            config = config.model_copy(
                update={"run": config.run.model_copy(update={"history": True})}
            )
        from addsim.population.model import PopulationModel

        self.config = config
        self.model = PopulationModel(config)
        self.n = self.model.n
        self.activities = tuple(self.model.activity_names)
        self.statuses = STATUSES
        net = config.network
        self.title = f"live: {self.n:,} people, {net.kind} network, seed {config.run.seed}"
        self.threaded = False
        self.end = int(config.run.ticks)  # the live model stops here (run.ticks)
        # people per age band and status after each tick (the viewer's age filter), grown
        # as the run goes (a run of millions of ticks allocates only what it reaches)
        self._by_band = np.zeros((min(self.end, 4096), len(self.activities), len(BANDS),
                                  len(STATUSES)), dtype=np.int32)
        self._queued = 0  # ticks done or queued (threaded: never beyond the end)
        self._pending = 0
        self._treat: list[InterventionCfg] = []
        self._cond = threading.Condition()
        self._stop = False
        self._worker: threading.Thread | None = None
        if threaded:
            self.start_thread()

    def start_thread(self) -> None:
        """From now on step the model in a worker thread (drawing never waits for a tick)."""
        if self._worker is not None:
            return
        self._tick = self._queued = int(self.model.tick)
        self._snap = [self.model.activity(a).tracker.status.copy() for a in self.activities]
        self._stop = False
        self.threaded = True
        self._worker = threading.Thread(target=self._work, name="addsim-model", daemon=True)
        self._worker.start()

    def _work(self) -> None:
        while True:
            with self._cond:
                while not (self._stop or self._pending or self._treat):
                    self._cond.wait()
                if self._stop:
                    return
                treat, self._treat = self._treat, []
                step = self._pending > 0
            for cfg in treat:
                self.model.apply_intervention(cfg)
            if step:
                self._step()
                snap = [self.model.activity(a).tracker.status.copy() for a in self.activities]
                with self._cond:
                    self._pending -= 1
                    self._snap, self._tick = snap, int(self.model.tick)
                    self._cond.notify_all()

    def _step(self) -> None:
        """One tick of the model, then its counts per age band and status."""
        self.model.step()
        t = int(self.model.tick) - 1
        if t >= len(self._by_band):
            more = np.zeros_like(self._by_band[: min(len(self._by_band), self.end - t)])
            self._by_band = np.concatenate([self._by_band, more])
        if t < self.end:
            bands = np.asarray(self.model.bands, dtype=np.int64) * len(STATUSES)
            for j, name in enumerate(self.activities):
                st = self.model.activity(name).tracker.status
                self._by_band[t, j] = np.bincount(bands + st, minlength=self._by_band[t, j].size
                                                  ).reshape(len(BANDS), len(STATUSES))

    def age_prevalence(self, activity: int, band: str) -> np.ndarray | None:
        """People of the age band ``band`` (a survey band: 12-17, ..., 65+) per status after
        each tick done, (tick, statuses); None for an unknown band."""
        if band not in BANDS:
            return None
        return self._by_band[: self.tick, activity, BANDS.index(band)]

    def close(self) -> None:
        """Stop the worker thread (threaded mode); the model keeps its state."""
        if self._worker is not None:
            with self._cond:
                self._stop = True
                self._cond.notify_all()
            self._worker.join(timeout=5)
            self._worker = None
            self.threaded = False

    def wait(self) -> None:
        """Block until every queued tick and treatment is done (threaded mode)."""
        with self._cond:
            while self._worker is not None and (self._pending or self._treat):
                self._cond.wait(timeout=1)

    @property
    def tick(self) -> int:
        """Ticks the model has done (threaded: the last finished, shown tick)."""
        return self._tick if self.threaded else int(self.model.tick)

    @property
    def horizon(self) -> int:
        """The configured run length (run.ticks): the live model stops there."""
        return self.end

    def edges(self) -> np.ndarray:
        """The model's network edges (E, 2)."""
        return self.model.adjacency.edges()

    def layout_path(self) -> Path | None:
        """A per-user cache keyed by the graph (a live run has no folder of its own)."""
        from addsim.viz.layout import graph_key

        return user_cache("layouts") / f"{graph_key(self.n, self.edges())}.npz"

    def status(self, activity: int) -> np.ndarray:
        """Current status codes of the activity."""
        if self.threaded:
            return self._snap[activity]
        return self.model.activity(self.activities[activity]).tracker.status

    def prevalence(self, activity: int) -> np.ndarray:
        """Status counts per tick done."""
        return self.model.status_counts()[: self.tick, activity]

    def markers(self, activity: int) -> list[tuple[int, str]]:
        """Interventions applied to this activity, and those scheduled and not yet applied
        (within the run)."""
        name = self.activities[activity]
        done = [(t, kind, k) for t, kind, act, k in self.model.applied if act == name]
        applied = [(t, kind) for t, kind, _ in done]
        out = [(t, f"{kind} ({k})") for t, kind, k in done]
        out += [
            (c.tick, f"{c.kind} (scheduled)") for c in self.model.interventions
            if self.tick <= c.tick < self.end and c.activity in (name, "all")
            and (c.tick, c.kind) not in applied
        ]
        return out

    def advance(self, ticks: int) -> int:
        """Step the model ``ticks`` times (never backwards, never beyond run.ticks); threaded:
        queue them. Returns the ticks stepped or queued (fewer at the end of the run)."""
        if self.threaded:
            with self._cond:  # at most one frame's ticks queued: a slow model slows the speed
                ticks = min(max(ticks, 0), self.end - self._queued)
                pending = min(self._pending + ticks, ticks + 1)
                self._queued += pending - self._pending  # ticks dropped are not queued
                self._pending = pending
                self._cond.notify_all()
            return ticks
        ticks = min(max(ticks, 0), self.end - int(self.model.tick))
        for _ in range(ticks):
            self._step()
        return ticks

    def person(self, index: int, activity: int) -> Any:
        """Risk factors, status history, latent states and current action values."""
        from addsim.viz.source import Person

        name = self.activities[activity]
        ind = self.model.individuals[index]
        act = self.model.activity(name)
        q = ind.q_values(name)
        hist = ind.history(name) if self.model.history is not None else None
        planner = {key: float(getattr(act.learner, key)[index])
                   for key in ("withdrawal", "habit") if hasattr(act.learner, key)}
        return Person(
            index=index, status=int(self.status(activity)[index]), n_latent=ind.n_latent(name),
            action_values={a: float(v) for a, v in zip(act.core.action_names, q, strict=False)},
            history=hist, age=float(self.model.age[index]), planner=planner,
            **_person_common(self.model, index),
        )

    @property
    def years_per_tick(self) -> float:
        """Calendar years in one tick (the viewer shows time in years)."""
        return float(self.model.years_per_tick)

    def ages(self) -> np.ndarray:
        """Everyone's current age in years."""
        return self.model.age.copy()

    def treat(self) -> str:
        """Treat half of the addicted in every activity now (the config's treatment defaults)."""
        cfg = InterventionCfg(kind="treatment", tick=self.model.tick)
        if self.threaded:
            with self._cond:
                self._treat.append(cfg)
                self._cond.notify_all()
            return f"treatment wave (half of the addicted, {cfg.duration} ticks) queued"
        hit = self.model.apply_intervention(cfg)
        return (f"treatment wave at tick {self.model.tick}: {hit} people treated for "
                f"{cfg.duration} ticks")


class ReplaySource:
    """A run folder's history.npz, scrubbed back and forth; the graph rebuilt from its config."""

    live = False

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        hist_path = run_dir / "history.npz"
        if not is_folder(run_dir):
            raise UsageError(f"view: {shown(str(run_dir))} is not a run folder or a .toml "
                             "config")
        if not os.path.lexists(hist_path):
            raise UsageError(f"view: {shown(str(run_dir))} has no history.npz "
                             "(write one with: addsim run --history --out DIR)")
        from addsim.population.io.export import read_run_config

        try:
            cfg = read_run_config(run_dir, "view")
        except ConfigError as exc:
            raise UsageError(str(exc)) from None
        from addsim.population.resources import memory_limit

        # sizes checked before inflating: a small archive can claim gigabytes; the run's
        # history holds at most ticks x activities x people bytes
        expected = cfg.run.ticks * len(cfg.enabled_activities) * cfg.population.size
        try:
            data = read_npz(hist_path, "view", ("status", "activities", "statuses"),
                            min(memory_limit()[0], expected + 2**20))
        except ConfigError as exc:
            raise UsageError(str(exc)) from None
        try:
            self.history = np.asarray(data["status"], dtype=np.uint8)
            self.activities = tuple(str(a) for a in data["activities"])
            self.statuses = tuple(str(s) for s in data["statuses"])
        except (TypeError, ValueError) as exc:
            raise UsageError(f"view: {shown(str(hist_path))} is not a readable history "
                             f"({shown(str(exc))})") from None
        if self.history.ndim != 3 or self.history.shape[1] != len(self.activities):
            raise UsageError(f"view: {shown(str(hist_path))} has status of shape "
                             f"{self.history.shape}, expected (ticks, activities, individuals)")
        from addsim.population.model import PopulationModel

        small = cfg.run.model_copy(update={"history": False, "ticks": 1})
        try:
            self.model = PopulationModel(cfg.model_copy(update={"run": small}))
        except (ConfigError, ValueError, OSError) as exc:
            raise UsageError(f"view: cannot rebuild the run's network: {exc}") from None
        self.n = self.model.n
        if self.history.shape[2] != self.n:
            raise UsageError(f"view: history has {self.history.shape[2]} individuals, the config "
                         f"builds {self.n}")
        self.config = cfg
        self.years_per_tick = float(self.model.years_per_tick)  # time shown in years
        years = self.history.shape[0] * self.years_per_tick
        self.title = f"replay: {run_dir.name} ({self.n:,} people, {years:.1f} years)"
        self._tick = 0
        ticks, n_act = self.history.shape[0], len(self.activities)
        self._prev = np.zeros((ticks, n_act, len(self.statuses)), dtype=np.int64)
        for s in range(len(self.statuses)):
            self._prev[:, :, s] = (self.history == s).sum(axis=2)
        self._markers: list[tuple[int, str, str]] = []
        self._final: Any = None
        events = run_dir / "events.parquet"
        try:
            if os.path.lexists(events):
                ev = read_parquet(events, "view", ("tick", "activity", "event", "count"))
                ev = ev[ev["event"].astype(str).str.startswith("intervention:")]
                self._markers = [(int(r.tick), str(r.activity),
                                  f"{str(r.event)[13:]} ({r.count})") for r in ev.itertuples()]
            individuals = run_dir / "individuals.parquet"
            if os.path.lexists(individuals):
                self._final = read_parquet(individuals, "view")
        except ConfigError as exc:
            raise UsageError(str(exc)) from None
        except (TypeError, ValueError) as exc:  # a column of the wrong kind
            raise UsageError(f"view: {shown(str(events))} is not a run's events table "
                             f"({shown(str(exc))})") from None
        self._initial = np.zeros(self.n, dtype=np.uint8)  # everyone starts never exposed

    @property
    def tick(self) -> int:
        """The tick shown (0: before the first tick)."""
        return self._tick

    @property
    def horizon(self) -> int:
        """The run's length."""
        return int(self.history.shape[0])

    def edges(self) -> np.ndarray:
        """The run's network edges, rebuilt from its config and seed."""
        return self.model.adjacency.edges()

    def layout_path(self) -> Path | None:
        """Beside the run: RUN_DIR/layout.npz."""
        return self.run_dir / "layout.npz"

    def status(self, activity: int) -> np.ndarray:
        """Status codes after the shown tick."""
        if self._tick == 0:
            return self._initial
        return self.history[self._tick - 1, activity]

    def prevalence(self, activity: int) -> np.ndarray:
        """Status counts up to the shown tick (the whole population)."""
        return self._prev[: self._tick, activity]

    def markers(self, activity: int) -> list[tuple[int, str]]:
        """Interventions recorded in events.parquet for this activity."""
        name = self.activities[activity]
        return [(t, label) for t, act, label in self._markers if act == name]

    def advance(self, ticks: int) -> int:
        """Move the shown tick, clamped to [0, run length]; returns the ticks moved."""
        new = min(max(self._tick + ticks, 0), self.horizon)
        moved, self._tick = new - self._tick, new
        return moved

    def person(self, index: int, activity: int) -> Any:
        """Risk factors and status history; latent states and values at the end of the run."""
        from addsim.viz.source import Person

        name = self.activities[activity]
        n_latent, values, note = None, {}, "recorded runs keep no action values"
        if self._final is not None:
            row = self._final.iloc[index]
            if f"{name}_latent_states" in row:
                n_latent = int(row[f"{name}_latent_states"])
            if f"{name}_p_addictive" in row:
                values = {"P(addictive)": float(row[f"{name}_p_addictive"])}
            note = "latent states and P(addictive) at the end of the run"
        return Person(
            index=index, status=int(self.status(activity)[index]), n_latent=n_latent,
            action_values=values, history=self.history[: self._tick, activity, index].copy(),
            note=note, **_person_common(self.model, index),
        )

    def treat(self) -> str:
        """A replay cannot change: says so."""
        return "replay: interventions can only be applied live (view a config instead)"


def open_source(
    target: str | None, sets: list[str] | None = None, threaded: bool = False,
) -> LiveSource | ReplaySource:
    """A replay for a run folder, else a live model for a config file or the embedded default."""
    if target is not None and is_folder(target):
        if sets:
            raise UsageError("--set: only a live view (a config) takes overrides, not a run folder")
        return ReplaySource(Path(target))
    problem = input_problem(target) if target is not None else None
    if problem:
        raise UsageError(f"view: {shown(target)} {problem} (expected a .toml config or a run "
                         "folder)")
    try:
        cfg = load(target, sets)
        return LiveSource(cfg, threaded=threaded)
    except (ConfigError, ValueError, OSError) as exc:
        raise UsageError(str(exc)) from None
