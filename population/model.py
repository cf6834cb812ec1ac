"""The population: Mesa hosts N dual-process individuals on a social network.

``PopulationModel(mesa.Model)`` owns the seed, the network, the activities, the records and
the tick's modules; ``Individual(mesa.Agent)`` is a thin view (an index into the arrays) for
people to inspect, made when first asked for. A tick is a calendar duration (``run.tick``,
default a week) and runs the modules of population/modules.py in order: interventions, the
life course (ageing, deaths and the old leaving, naive newcomers in the same rows), then per
activity exposure (base access and using neighbours, scaled by the age curve), seeking, the
activity's step through the same :class:`~population.rollout.Stepper` the cohort protocols
use, consequences, statuses over a calendar window, the survey's accumulators
(population/survey.py) and the records. The engine never loops over agents. All Mesa calls
live in this module (Mesa 3.3 and 3.5).

Opportunity of individual i for an activity at a tick::

    p_i = g(age_i) [1 - (1 - access_i * supply) * prod over using neighbours j of (1 - p_peer s_i)]

Without an opportunity the drug cue is absent and the addictive action is a search: allowed to
people who have met the activity (and are not in treatment), costing ``seeking.effort``, and
delivering the drug with P = 1 - (1 - base supply)(1 - peer)^(using neighbours); without
seeking it is masked. Each use adds a unit of harm (halving every ``consequences.half_life``)
that lowers the outcome after use. The fraction of neighbours using is the cue's context
feature (the social context of use).
"""

from __future__ import annotations

import operator
import time
from collections.abc import Callable, Sequence
from typing import TypeVar, overload

import mesa
import numpy as np

from addsim import _jit
from addsim.agents import LEARNERS, make_learner
from addsim.population import calendar, lifecourse, network, risk
from addsim.population.activity import (
    INTERVENTION_STREAM,
    LIFE_STREAM,
    MESA_STREAM,
    NETWORK_STREAM,
    RISK_STREAM,
    SEX_STREAM,
    SPECS,
    TRAIT_STREAM,
    TREATMENT_STREAM,
    Activity,
    ActivitySpec,
    calendar_inputs,
    core_inputs,
    learner_inputs,
)
from addsim.population.config import Config, ConfigError, InterventionCfg, StatusCfg
from addsim.population.firsts import FirstTicks
from addsim.population.modules import PLAN, TICK_ORDER, Module
from addsim.population.records import COLUMNS, Records
from addsim.population.rollout import Stepper
from addsim.population.status import (
    ADDICTED,
    RELAPSED,
    STATUSES,
    StatusTracker,
)
from addsim.population.survey import Survey

M = TypeVar("M", bound=Module)


class Individual(mesa.Agent):
    """A person: a read-only view of row ``index`` of the population's arrays."""

    def __init__(self, model: PopulationModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def pop(self) -> PopulationModel:
        """The population this individual belongs to."""
        return self.model  # type: ignore[return-value]

    def status(self, activity: str = "substance") -> str:
        """Current status in ``activity`` (one of population.status.STATUSES)."""
        return STATUSES[int(self.pop.activity(activity).tracker.status[self.index])]

    @property
    def statuses(self) -> dict[str, str]:
        """Status per enabled activity."""
        return {name: self.status(name) for name in self.pop.activities}

    @property
    def sex(self) -> str:
        """This person's sex: "female" or "male"."""
        from addsim.population.survey import SEXES

        return SEXES[int(self.pop.sex[self.index])]

    @property
    def age(self) -> float:
        """This person's age in years (a newcomer in this row starts at life.entry_age)."""
        return float(self.pop.age[self.index])

    @property
    def risk_factors(self) -> dict[str, float]:
        """This person's risk factors."""
        return {k: float(v[self.index]) for k, v in self.pop.risk.items()}

    def n_latent(self, activity: str = "substance") -> int:
        """Latent states this person's learner uses (0 for a tabular learner)."""
        lr = self.pop.activity(activity).learner
        return int(lr.n_latent[self.index]) if hasattr(lr, "n_latent") else 0

    def q_values(self, activity: str = "substance") -> np.ndarray:
        """Action values in the state of this person's last choice."""
        act = self.pop.activity(activity)
        return act.learner.q[self.index, self.pop.last_choice_state[activity][self.index]].copy()

    def neighbours(self) -> np.ndarray:
        """Indices of this person's neighbours."""
        return self.pop.adjacency.neighbours(self.index)

    def history(self, activity: str = "substance") -> np.ndarray:
        """Status codes per tick (needs run.history = true)."""
        j = self.pop.activity_names.index(activity)
        return self.pop.status_history()[:, j, self.index].copy()


class Individuals(Sequence[Individual]):
    """The people of a population as :class:`Individual` views, each created (and registered
    with Mesa) when first asked for: the engine works on arrays, so N views up front would
    only cost memory and construction time."""

    def __init__(self, model: PopulationModel) -> None:
        self._model = model
        self._made: dict[int, Individual] = {}

    def __len__(self) -> int:
        return self._model.n

    @overload
    def __getitem__(self, index: int) -> Individual: ...

    @overload
    def __getitem__(self, index: slice) -> list[Individual]: ...

    def __getitem__(self, index: int | slice) -> Individual | list[Individual]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        i = operator.index(index)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(f"individual {index} out of range for {len(self)} people")
        person = self._made.get(i)
        if person is None:
            person = self._made[i] = Individual(self._model, i)
        return person


def _seed_of(rng: object) -> int:
    """A run seed from Mesa's ``rng`` argument: a whole number in [0, 2**63), or a
    SeedSequence (its first 63-bit state word)."""
    if isinstance(rng, np.random.SeedSequence):
        return int(rng.generate_state(1, np.uint64)[0] >> np.uint64(1))
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and 0 <= rng < 2**63:
        return int(rng)
    raise ConfigError(f"rng: got {rng!r}, expected a whole number in [0, 2**63), a "
                      "numpy SeedSequence, or None (the config's run.seed)")


class PopulationModel(mesa.Model):
    """N individuals on a network, each running every enabled activity; array engine.

    Built the way Mesa models are: ``PopulationModel()`` is the embedded default,
    ``PopulationModel(config, rng=7, exposure__p_peer=0.05)`` a config (a
    :class:`~population.config.Config`; None: the default) with the run seed taken from
    ``rng`` and keyword overrides (``ticks``, ``seed``, ``size``, ``history``, ``network``, or
    any dotted key with ``__`` for the dots), so ``mesa.batch_run(PopulationModel,
    parameters={"exposure__p_peer": [0.0, 0.1]}, rng=[1, 2])`` sweeps it (Mesa 3.5; with Mesa
    3.3 put ``"rng": [1, 2]`` among the parameters).
    """

    def __init__(self, config: Config | None = None, *, rng: object = None,
                 **overrides: object) -> None:
        from addsim.population.config import load, with_overrides

        if config is None:
            config = load()
        if not isinstance(config, Config):
            raise ConfigError(f"config: got {type(config).__name__}, expected a Config or "
                              "None (the embedded default)")
        if rng is not None:
            overrides = {**overrides, "seed": _seed_of(rng)}
        config = with_overrides(config, overrides)
        seed = config.run.seed

        def stream(key: int) -> np.random.Generator:  # sub-streams keyed, not by position
            return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))

        super().__init__(rng=stream(MESA_STREAM))
        t0 = time.perf_counter()
        self.config = config
        self.days_per_tick = config.days_per_tick
        net = config.network
        if net.kind == "file":
            self.adjacency = network.load(net.file or "", net.max_nodes, net.max_edges)
        else:
            self.adjacency = network.build(
                net.kind, config.population.size, stream(NETWORK_STREAM),
                **network.generator_params(net.kind, net),
            )
        n = self.n = self.adjacency.n
        self.risk = risk.draw(config.risk, n, stream(RISK_STREAM))
        self._csv_factors: set[str] = set()
        if config.population.risk_csv:
            from_csv = risk.read_csv(config.population.risk_csv, n)
            self.risk.update(from_csv)
            self._csv_factors = set(from_csv)
        self._trait_rng = stream(TRAIT_STREAM)
        self._intervention_rng = stream(INTERVENTION_STREAM)  # waves: their own draws
        self._treatment_rng = stream(TREATMENT_STREAM)  # the treatment process's uniforms
        self._fixed_factors = set(risk.level_factors(config.risk)) | self._csv_factors
        co = config.comorbidity
        risk.couple(self.risk, co.factors, co.correlation, self._trait_rng, self._fixed_factors)
        self.years_per_tick = calendar.years(1.0, self.days_per_tick)
        life_rng = stream(LIFE_STREAM)
        self._age_rng, self._death_rng, self._newcomer_rng = life_rng.spawn(3)
        self._sex_rng = stream(SEX_STREAM)
        self.sex = self.draw_sex(n)  # 1 man, 0 woman
        self.age = risk.sample(config.life.initial_age, n, self._age_rng)
        np.clip(self.age, 0.0, config.life.max_age, out=self.age)
        self.age_factor = self._age_factor()
        self.bands = lifecourse.band_of(self.age)  # survey age band per person
        self.hazard = lifecourse.annual_hazard(self.age, config.life)  # baseline, per year
        self._hazard_growth = 2.0 ** (self.years_per_tick / config.life.mortality_doubling)
        self.activity_names = config.enabled_activities
        self.activities: dict[str, Activity] = {}
        self.last_choice_state: dict[str, np.ndarray] = {}
        for name in self.activity_names:
            spec = SPECS[name]
            self.activities[name] = self._make_activity(spec, stream(spec.stream))
            self.last_choice_state[name] = np.zeros(n, dtype=np.int64)
        self.burn_in_ticks = config.burn_in_ticks
        self.survey = Survey(n, self.activity_names, self.days_per_tick,
                             friends=self.adjacency.count, origin=self.burn_in_ticks,
                             sex=self.sex)
        self.tick = 0  # recorded ticks done
        self.clock = 0  # ticks simulated, the burn-in's included (the modules' t)
        self.degree = self.adjacency.degree()  # neighbours per person (the graph is fixed)
        # using friends per person and activity, updated by who started or stopped using
        self._using_friends = {name: network.ActiveCounts(self.adjacency)
                               for name in self.activity_names}
        # the one record sink (population/records.py): the recorder module and interventions
        # write it; exports, the viewer, the API and Mesa's DataCollector read it
        self.records = Records(config.run.ticks, self.activity_names, n, config.run.history)
        self.interventions = sorted(config.interventions, key=lambda c: c.tick)
        self.individuals = Individuals(self)
        # the tick's modules (population/modules.py): PLAN's order renews newcomers,
        # TICK_ORDER's runs the tick
        self.modules: list[Module] = [cls(self) for cls in PLAN]
        self.tick_order: list[Module] = [self.module(cls) for cls in TICK_ORDER]
        self.firsts = FirstTicks(self)  # first use and onset ticks (the people table)
        self.add_module(self.firsts, after="status")
        # Mesa's DataCollector: one model variable per activity and record column, read from
        # the records' row of the tick just done. Collected each tick, as Mesa expects
        # (Mesa 3.5's batch_run reads the steps collect() notes; 34 reads of a row a tick)
        self.datacollector = mesa.DataCollector(model_reporters={
            f"{act}.{col}": (lambda m, j=j, k=k: float(m.records.table[m.tick - 1, j, k]))
            for j, act in enumerate(self.activity_names) for k, col in enumerate(COLUMNS)})
        self.agent_collectors: list[tuple[mesa.DataCollector, int]] = []  # collect_agents
        self.construction_seconds = time.perf_counter() - t0

    # ----------------------------------------------------------------- construction
    def _make_activity(self, spec: ActivitySpec, rng: np.random.Generator) -> Activity:
        cfg, r, n = getattr(self.config.activities, spec.name), self.risk, self.n
        streams = rng.spawn(2)
        core = spec.core(n, **core_inputs(cfg, spec.core))
        fields = LEARNERS[cfg.learner].params_cls.__dataclass_fields__
        lr = make_learner(
            cfg.learner, n, core.n_states, core.n_actions, core.cue_dim, preset=cfg.preset,
            salience=core.salience(), **calendar_inputs(cfg, fields),
            **learner_inputs(spec, r, fields),
        )
        return Activity(
            spec=spec, core=core, learner=lr, stepper=Stepper(lr, core, streams[0]),
            tracker=StatusTracker(n, self._status_rules(spec.name),
                                  seeking=self.config.seeking.enabled
                                  and bool(spec.seek_conditions), use_ticks=core.use_ticks),
            rng=streams[1],
            access=r["access"] * self.access_factor(spec.name, self.sex),
            # the risk factors that are task inputs, by reference: newcomers' draws land
            # in these arrays (the risk-factors module), so the inputs follow them
            inputs={c: r[factor] for c, factor in spec.core_risk.items()},
            p_last=np.full(n, 0.5), treated_until=np.full(n, -1, np.int64),
            boost=np.zeros(n),
            harm=np.zeros(n) if self.config.consequences.enabled else None,
            harm_decay=0.5 ** (1.0 / self.config.consequences.half_life),
        )

    def _status_rules(self, activity: str) -> StatusCfg:
        """The status rules of ``activity``: config ``status`` with the activity's own
        frequent-use threshold where it sets one."""
        own = getattr(self.config.activities, activity).addicted_fraction
        rules = self.config.status
        return rules if own is None else rules.model_copy(update={"addicted_fraction": own})

    def draw_sex(self, k: int) -> np.ndarray:
        """Sex of ``k`` people entering (1 man, 0 woman), from the run's sex stream."""
        return (self._sex_rng.random(k) < self.config.sex.male_share).astype(np.uint8)

    def access_factor(self, activity: str, sex: np.ndarray) -> np.ndarray:
        """Access multipliers for ``activity`` of people of sex ``sex``: the activity's
        ``access_scale`` times the sex factor (config ``sex``)."""
        women, men = self.config.sex.access_factors(activity)
        scale = getattr(self.config.activities, activity).access_scale
        return np.where(sex == 1, men * scale, women * scale)

    def collect_agents(self, reporters: dict[str, str | Callable[[Individual], object]],
                       every: int = 1) -> mesa.DataCollector:
        """Mesa's DataCollector with agent reporters (name: an Individual's attribute name,
        or a function of an Individual) and ``index`` (the person's row), collected now and
        then after every ``every`` ticks of :meth:`step`; ``get_agent_vars_dataframe()`` is
        indexed by Step (ticks done) and AgentID (Mesa's unique_id). Every person's view is
        made now (Mesa's reporters walk ``model.agents``), and each collection calls every
        reporter for every person (Python, N calls): choose ``every`` accordingly."""
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ConfigError(f"every: got {every!r}, expected a whole number of ticks >= 1")
        made = [self.individuals[i] for i in range(self.n)]  # Mesa's reporters walk them
        assert len(self.agents) >= len(made)
        collector = mesa.DataCollector(agent_reporters={"index": "index", **reporters})
        collector.collect(self)
        self.agent_collectors.append((collector, every))
        return collector

    @property
    def graph(self) -> object:
        """The social network as a networkx.Graph (built on each call: for analysis and
        layouts, not the hot path)."""
        return self.adjacency.to_networkx()

    def activity(self, name: str) -> Activity:
        """The activity ``name``, or a one-line error naming the enabled ones."""
        if name not in self.activities:
            raise ValueError(
                f"activity: got {name!r}, expected one of {', '.join(self.activities)}"
            )
        return self.activities[name]

    # ----------------------------------------------------------------- the tick
    def step(self) -> None:
        """Advance every individual one recorded tick: every module of the plan in order
        (population/modules.py); the burn-in first if it has not run."""
        if self.clock < self.burn_in_ticks:
            self.burn_in()
        if self.tick >= self.records.table.shape[0]:
            self.records.grow()
        self._modules()
        self.tick += 1
        self.datacollector.collect(self)
        for collector, every in self.agent_collectors:
            if self.tick % every == 0:
                collector.collect(self)

    def burn_in(self, progress: Callable[[int], None] | None = None) -> None:
        """Simulate the ticks before the first recorded one (``run.burn_in``), recording
        nothing, so that people enter the recorded years with histories that fit their age;
        ``progress(k)`` after each tick (k = 2 after the first two, which share a cold first
        compilation with a helper process: addsim._jit.compile_ahead). Idempotent:
        :meth:`step` calls it when needed."""
        if self.clock == 0 and self.burn_in_ticks >= 2:
            self._first_two(self._modules, progress)
        while self.clock < self.burn_in_ticks:
            self._modules()
            if progress is not None:
                progress(1)

    def _first_two(self, tick: Callable[[], None],
                   progress: Callable[[int], None] | None) -> None:
        """The first two ticks, which call every kernel a tick calls: on a cold cache a
        helper process compiles half of them (addsim._jit.compile_ahead); then
        ``progress(2)``."""
        with _jit.compile_ahead(self.n):
            tick()
            tick()
        if progress is not None:
            progress(2)

    def _modules(self) -> None:
        """One tick of every module of the plan, in order."""
        for module in self.tick_order:
            module.step(self.clock)
        self.clock += 1

    def module(self, cls: type[M]) -> M:
        """The module of class ``cls`` in this model's plan."""
        for module in self.modules:
            if isinstance(module, cls):
                return module
        raise KeyError(f"no {cls.__name__} module in this model")

    def renew(self, rows: np.ndarray) -> None:
        """Newcomers in ``rows``: every module's newcomer values, in the plan's order (risk
        factors redrawn before the modules that read them)."""
        for module in self.modules:
            module.reset_rows(rows)

    def add_module(self, module: Module, after: str) -> None:
        """Insert ``module`` into the tick after the module named ``after`` (its step runs
        then; its ``reset_rows`` runs for newcomers after that module's too)."""
        for order in (self.tick_order, self.modules):
            names = [m.name for m in order]
            if after not in names:
                raise ValueError(f"after: got {after!r}, expected one of {', '.join(names)}")
            order.insert(names.index(after) + 1, module)

    def _age_factor(self) -> np.ndarray:
        """The age curve of opportunity per person (1 everywhere without the life course)."""
        if not self.config.life.enabled:
            return np.ones(self.n)
        return lifecourse.opportunity_curve(self.age, self.config.life)

    # ----------------------------------------------------------------- interventions
    def apply_intervention(self, cfg: InterventionCfg) -> int:
        """Apply an intervention now (scheduled, or live from the viewer); returns people hit."""
        names = self.activity_names if cfg.activity == "all" else (cfg.activity,)
        hit = 0
        for name in names:
            if name not in self.activities:
                continue
            act = self.activities[name]
            if cfg.kind == "supply_reduction":
                act.supply = cfg.scale
                self.records.intervention(self.tick, cfg.kind, name, self.n)
                continue
            st = act.tracker.status
            addicted = np.flatnonzero((st == ADDICTED) | (st == RELAPSED))
            k = round(cfg.fraction * addicted.size)
            if cfg.targeting == "centrality":
                order = np.argsort(-self.degree[addicted], kind="stable")
                chosen = addicted[order[:k]]
            else:
                chosen = (self._intervention_rng.choice(addicted, size=k, replace=False)
                          if k else addicted[:0])
            self.treat(act, chosen, cfg.duration, cfg.reward_boost)
            self.records.intervention(self.tick, cfg.kind, name, int(chosen.size))
            hit += int(chosen.size)
        return hit

    def treat(self, act: Activity, rows: np.ndarray, duration: int, boost: float) -> None:
        """People ``rows`` start treatment now: ``act`` out of reach for ``duration`` ticks,
        their natural reward raised by ``boost``; they count as ever treated."""
        act.treated_until[rows] = self.clock + duration
        act.boost[rows] = boost
        act.tracker.ever_treated[rows] = True

    # ----------------------------------------------------------------- running
    def run(self, ticks: int, progress: Callable[[int], None] | None = None) -> None:
        """Advance ``ticks`` ticks (Mesa 3.5's run_for does not exist in 3.3), the burn-in
        first if it has not run; ``progress(k)`` after ticks as :meth:`burn_in`."""
        self.burn_in()
        if self.clock == 0 and ticks >= 2:  # no burn-in: the first two ticks as burn_in's
            self._first_two(self.step, progress)
            ticks -= 2
        for _ in range(ticks):
            self.step()
            if progress is not None:
                progress(1)

    def survey_table(self) -> dict[str, np.ndarray]:
        """Survey measures per simulated year, age band and activity (population/survey.py)."""
        return self.survey.table()

    def prevalence(self) -> dict[str, np.ndarray]:
        """Columnar per-tick records so far: tick, activity, the status counts and events, and
        the time in years."""
        t, k = self.tick, len(self.activity_names)
        rec = self.records.table[:t]
        ticks = np.repeat(np.arange(t), k)
        out: dict[str, np.ndarray] = {
            "tick": ticks,
            "activity": np.tile(np.array(self.activity_names, dtype=object), t),
        }
        for c, col in enumerate(COLUMNS):
            values = rec[:, :, c].reshape(-1)
            out[col] = values if col == "p_addictive" else values.astype(np.int64)
        out["time"] = calendar.years(ticks, self.days_per_tick)  # last: older readers unchanged
        return out


    @property
    def history(self) -> np.ndarray | None:
        """Status code per recorded tick, activity and person (``run.history``; the rows
        after ``tick`` are room to grow), or None."""
        return self.records.history

    @property
    def applied(self) -> list[tuple[int, str, str, int]]:
        """The interventions applied so far: (tick, kind, activity, people reached)."""
        return self.records.applied()

    def events(self) -> list[tuple[int, str, str, int]]:
        """Every event so far, (tick, activity, event, count), in order of tick, activity
        and event: the status events and the interventions (``intervention:<kind>``)."""
        return sorted(self.records.events, key=lambda e: (e[0], e[1], e[2]))

    def status_counts(self) -> np.ndarray:
        """People per status, (recorded ticks, activities, statuses)."""
        return self.records.table[: self.tick, :, : len(STATUSES)]

    def status_history(self) -> np.ndarray:
        """Status codes per recorded tick, activity and person (needs ``run.history``)."""
        if self.records.history is None:
            raise ValueError("history: this run keeps no history (set run.history = true)")
        return self.records.history[: self.tick]


    @property
    def n_edges(self) -> int:
        """Friendships in the social network."""
        return int(self.adjacency.n_edges)

    def capacity_overflow(self) -> dict[str, int]:
        """Per activity with a latent-state learner: choices made by people whose learner
        had no room for a new state (0 when the capacity sufficed)."""
        return {name: int(act.learner.overflow.sum()) for name, act in self.activities.items()
                if hasattr(act.learner, "overflow")}

    def people(self) -> dict[str, np.ndarray]:
        """One value per person (the person now in that row): id, sex, degree, age in years,
        risk factors, and per activity the status, whether ever treated, latent states and
        P(addictive) at the last choice, whether they ever used and were ever addicted, and
        the recorded ticks of their first use and first onset (negative: during the burn-in;
        ``status.NEVER`` when none). Copies."""
        from addsim.population.survey import SEXES

        data: dict[str, np.ndarray] = {
            "id": np.arange(self.n), "sex": np.array(SEXES, dtype=object)[self.sex],
            "degree": self.degree.copy(), "age": np.asarray(self.age, dtype=float).copy()}
        data.update({k: v.copy() for k, v in self.risk.items()})
        firsts = getattr(self, "firsts", None)
        for j, (name, act) in enumerate(self.activities.items()):
            data[f"{name}_status"] = np.array(STATUSES, dtype=object)[act.tracker.status]
            data[f"{name}_ever_treated"] = act.tracker.ever_treated.copy()
            lr = act.learner
            data[f"{name}_latent_states"] = (lr.n_latent.copy() if hasattr(lr, "n_latent")
                                             else np.zeros(self.n, np.int64))
            data[f"{name}_p_addictive"] = act.p_last.copy()
            data[f"{name}_ever_used"] = act.tracker.ever_used.copy()
            data[f"{name}_ever_addicted"] = act.tracker.ever_addicted.copy()
            if firsts is not None:
                data[f"{name}_first_use_tick"] = firsts.first_use[j].copy()
                data[f"{name}_onset_tick"] = firsts.onset[j].copy()
        return data


__all__ = ["COLUMNS", "ConfigError", "Individual", "Individuals", "PopulationModel"]
