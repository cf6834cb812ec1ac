"""The population: Mesa hosts N dual-process individuals on a social network.

``PopulationModel(mesa.Model)`` owns the seed, the network, the activities and the records;
``Individual(mesa.Agent)`` is a thin view (an index into the arrays) for people to inspect.
A tick is a calendar duration (``run.tick``, default a week) and follows DESIGN.md: the life
course (ageing, deaths and the old leaving, naive newcomers in the same rows:
population/lifecourse.py), then per activity exposure (base access and using neighbours,
scaled by the age curve), seeking, act/step/learn through the same
:class:`~population.rollout.Stepper` the cohort protocols use, consequences, statuses over a
calendar window, records, and the survey's accumulators (population/survey.py). The engine
never loops over agents. All Mesa calls live in this module (Mesa 3.3 and 3.5).

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

import time
from collections.abc import Callable

import mesa
import numpy as np

from addsim import _jit
from addsim._jit import CHUNK, jit, jit_parallel, prange
from addsim.agents import LEARNERS, make_learner
from addsim.population import calendar, lifecourse, network, risk
from addsim.population.activity import (
    LIFE_STREAM,
    MESA_STREAM,
    NETWORK_STREAM,
    RISK_STREAM,
    SPECS,
    TRAIT_STREAM,
    Activity,
    ActivitySpec,
    calendar_inputs,
    core_inputs,
    learner_inputs,
)
from addsim.population.config import Config, ConfigError, InterventionCfg
from addsim.population.firsts import FirstTicks
from addsim.population.rollout import Stepper, split_random
from addsim.population.status import (
    ADDICTED,
    EVENTS,
    NEVER_EXPOSED,
    RELAPSED,
    STATUSES,
    StatusTracker,
)
from addsim.population.survey import Survey

LIFE_COLUMNS = ("deaths", "deaths_addicted", "aged_out")  # leavers this tick (per activity:
# everyone who died, those of them addicted in the activity, and those at the maximum age)
COLUMNS = (*STATUSES, *EVENTS, *LIFE_COLUMNS, "p_addictive")
_LIFE_COL = len(STATUSES) + len(EVENTS)
_P_COL = len(COLUMNS) - 1


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
        if self.pop.history is None:
            raise ValueError("history: this run keeps no history (set run.history = true)")
        j = self.pop.activity_names.index(activity)
        return self.pop.history[: self.pop.tick, j, self.index].copy()


class PopulationModel(mesa.Model):
    """N individuals on a network, each running every enabled activity; array engine."""

    def __init__(self, config: Config) -> None:
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
        self._fixed_factors = set(risk.level_factors(config.risk)) | self._csv_factors
        co = config.comorbidity
        risk.couple(self.risk, co.factors, co.correlation, self._trait_rng, self._fixed_factors)
        self.years_per_tick = calendar.years(1.0, self.days_per_tick)
        life_rng = stream(LIFE_STREAM)
        self._age_rng, self._death_rng, self._newcomer_rng = life_rng.spawn(3)
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
        self.survey = Survey(n, self.activity_names, self.days_per_tick,
                             friends=self.adjacency.count)
        self.tick = 0
        self.degree = self.adjacency.degree()  # neighbours per person (the graph is fixed)
        # using friends per person and activity, updated by who started or stopped using
        self._using_friends = {name: network.ActiveCounts(self.adjacency)
                               for name in self.activity_names}
        self.records = np.zeros((config.run.ticks, len(self.activity_names), len(COLUMNS)))
        self.history = (
            np.zeros((config.run.ticks, len(self.activity_names), n), dtype=np.uint8)
            if config.run.history else None
        )
        self.events_log: list[tuple[int, str, str, int]] = []  # tick, activity, event, count
        self.interventions = sorted(config.interventions, key=lambda c: c.tick)
        self.applied: list[tuple[int, str, str, int]] = []  # tick, kind, activity, people
        self.individuals = [Individual(self, i) for i in range(n)]
        self.datacollector = mesa.DataCollector(model_reporters=self._reporters())
        self.firsts = FirstTicks(n, len(self.activity_names))  # first use and onset ticks
        self.agent_collectors: list[tuple[mesa.DataCollector, int]] = []  # collect_agents
        self.construction_seconds = time.perf_counter() - t0

    # ----------------------------------------------------------------- construction
    def _make_activity(self, spec: ActivitySpec, rng: np.random.Generator) -> Activity:
        cfg, r, n = getattr(self.config.activities, spec.name), self.risk, self.n
        streams = rng.spawn(2)
        core = spec.core(n, **{cond: r[factor] for cond, factor in spec.core_risk.items()},
                         **core_inputs(cfg, spec.core))
        fields = LEARNERS[cfg.learner].params_cls.__dataclass_fields__
        lr = make_learner(
            cfg.learner, n, core.n_states, core.n_actions, core.cue_dim, preset=cfg.preset,
            salience=core.salience(), **calendar_inputs(cfg, fields),
            **learner_inputs(spec, r, fields),
        )
        cond = spec.treatment_condition
        return Activity(
            spec=spec, core=core, learner=lr, stepper=Stepper(lr, core, streams[0]),
            tracker=StatusTracker(n, self.config.status,
                                  seeking=self.config.seeking.enabled
                                  and bool(spec.seek_conditions)),
            rng=streams[1],
            access=r["access"].copy(),
            natural=r[spec.core_risk[cond]].copy() if cond is not None else None,
            p_last=np.full(n, 0.5), treated_until=np.full(n, -1, np.int64),
            boost=np.zeros(n),
            base={k: core[k].copy() for k in (spec.effort_condition, spec.harm_condition)
                  if k is not None},
            harm=np.zeros(n) if self.config.consequences.enabled else None,
            harm_decay=0.5 ** (1.0 / self.config.consequences.half_life),
        )

    def _reporters(self) -> dict[str, Callable[[PopulationModel], float]]:
        out: dict[str, Callable[[PopulationModel], float]] = {}
        for j, act in enumerate(self.activity_names):
            for k, col in enumerate(COLUMNS):
                out[f"{act}.{col}"] = lambda m, j=j, k=k: float(m.records[m.tick - 1, j, k])
        return out

    def collect_agents(self, reporters: dict[str, str | Callable[[Individual], object]],
                       every: int = 1) -> mesa.DataCollector:
        """Mesa's DataCollector with agent reporters (name: an Individual's attribute name,
        or a function of an Individual), collected now and then after every ``every`` ticks
        of :meth:`step`; ``get_agent_vars_dataframe()`` is indexed by Step (ticks done) and
        AgentID (Mesa's unique_id: the person's index + 1). Each collection calls every
        reporter for every person (Python, N calls): choose ``every`` accordingly."""
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ConfigError(f"every: got {every!r}, expected a whole number of ticks >= 1")
        collector = mesa.DataCollector(agent_reporters=dict(reporters))
        collector.collect(self)
        self.agent_collectors.append((collector, every))
        return collector

    def activity(self, name: str) -> Activity:
        """The activity ``name``, or a one-line error naming the enabled ones."""
        if name not in self.activities:
            raise ValueError(
                f"activity: got {name!r}, expected one of {', '.join(self.activities)}"
            )
        return self.activities[name]

    # ----------------------------------------------------------------- the tick
    def step(self) -> None:
        """Advance every individual one tick in every enabled activity."""
        t = self.tick
        if t >= self.records.shape[0]:
            self._grow()
        for cfg in self.interventions:
            if cfg.tick == t:
                self.apply_intervention(cfg)
        left = self._life_course(t)
        for j, name in enumerate(self.activity_names):
            self._step_activity(t, j, self.activities[name])
            self.records[t, j, _LIFE_COL:_P_COL] = left[j]
        acts = [self.activities[name] for name in self.activity_names]
        self.survey.observe(t, self.bands, [a.tracker for a in acts],
                            [a.treated_until for a in acts])
        self.tick += 1
        self.datacollector.collect(self)
        for collector, every in self.agent_collectors:
            if self.tick % every == 0:
                collector.collect(self)

    def _step_activity(self, t: int, j: int, act: Activity) -> None:
        core, n = act.core, self.n
        using = act.tracker.using(t)
        c = self._using_friends[act.name](using)
        u = split_random(act.rng, n)
        treated = act.treated_until > t
        opportunity, context = self._exposure(act, c, u, treated)
        # Conditions the model derives itself are valid by construction (0/1, a fraction of
        # friends): written in place, without set_condition's range check (1-2 ms each at 1M).
        np.copyto(core["context"], context)
        for key in act.spec.exposure:
            np.copyto(core[key], opportunity)
        can_seek = self._seeking(act, c, treated, opportunity)
        any_treated = bool(treated.any())
        cond = act.spec.treatment_condition
        life = self.config.life
        if cond is not None and life.enabled and life.roles_gain > 0:
            # adult roles raise the natural reward with age (valid by construction: copyto)
            value = act.natural + lifecourse.roles(self.age, life)
            if any_treated:
                value += np.where(treated, act.boost, 0.0)
            np.copyto(core[cond], value)
        elif cond is not None and (act.boosted or any_treated):
            core.set_condition(cond, act.natural + np.where(treated, act.boost, 0.0))
            act.boosted = any_treated  # after treatment: the natural reward is restored once
        at_choice = core.state == core.choice_state
        mask = np.ones((n, core.n_actions), dtype=bool)
        mask[:, core.addictive_action] = (
            opportunity | ~at_choice if can_seek is None else opportunity | can_seek | ~at_choice
        )
        out, _, _, _ = act.stepper.tick(mask)
        if act.renewed is not None:
            # The tick just done taught the newcomers' rows the leavers' last transition;
            # start them naive again (their own first choice is pending, learned next tick).
            rows, fresh = act.renewed
            lifecourse.reset_learner_rows(act.learner, fresh, rows)
            act.renewed = None
        chose = at_choice & (out.action == core.addictive_action)
        if can_seek is None:
            used, sought = chose & opportunity, None
        else:
            available = core[act.spec.seek_conditions[0]] > 0.5
            used, sought = chose & available, chose & ~opportunity
        self._consequences(act, used)
        np.copyto(act.p_last, out.p_addictive, where=at_choice)  # the last choice-state visit
        np.copyto(self.last_choice_state[act.name], out.z, where=at_choice)
        events = act.tracker.update(t, opportunity & at_choice, used, sought)
        self.firsts.step(t, j, act.tracker, events)
        row = self.records[t, j]
        row[: len(STATUSES)] = act.tracker.counts()
        row[len(STATUSES) : len(STATUSES) + len(EVENTS)] = events
        row[_P_COL] = act.p_last.mean()
        for name, count in zip(EVENTS, events, strict=True):
            if count:
                self.events_log.append((t, act.name, name, int(count)))
        if self.history is not None:
            self.history[t, j] = act.tracker.status

    def _seeking(
        self, act: Activity, c: np.ndarray, treated: np.ndarray, opportunity: np.ndarray
    ) -> np.ndarray | None:
        """Who may seek this tick (has met the activity, not treated, no offer), with the
        sought drug or bet made available to those whose search succeeds; None: no seeking.

        P(success) = 1 - (1 - base * supply) (1 - peer)^(using friends); a search costs
        ``effort`` (lowering the addictive action's outcome) whether it succeeds or not.
        """
        cfg, spec, core = self.config.seeking, act.spec, act.core
        if not cfg.enabled or not spec.seek_conditions:
            return None
        u = split_random(act.rng, self.n)
        supply = min(cfg.base * act.supply, 1.0)
        first = core[spec.seek_conditions[0]]
        eff = spec.effort_condition
        if _jit.ENABLED:
            can_seek = np.empty(self.n, bool)
            base = act.base[eff] if eff is not None else first
            _seek_kernel(act.tracker.status, treated, opportunity, c, u, supply, cfg.peer,
                         base, cfg.effort, eff is not None, first,
                         core[eff] if eff is not None else first, can_seek)
        else:
            can_seek = (act.tracker.status != NEVER_EXPOSED) & ~treated & ~opportunity
            fail = (1.0 - supply) * np.power(1.0 - cfg.peer, c)
            np.copyto(first, opportunity | (can_seek & (u >= fail)))
            if eff is not None:
                base = act.base[eff]
                np.copyto(core[eff], np.where(opportunity, base, base - cfg.effort))
        for key in spec.seek_conditions[1:]:
            np.copyto(core[key], first)
        return can_seek

    def _consequences(self, act: Activity, used: np.ndarray) -> None:
        """Harm +1 per use, halving every ``consequences.half_life``; the outcome after a use
        (next tick on) lowered by the person's harm: min(scale * harm, max_cost)."""
        cond = act.spec.harm_condition
        if act.harm is None or cond is None:
            return
        cfg = self.config.consequences
        if _jit.ENABLED:
            _harm_kernel(act.harm, used, act.harm_decay, cfg.scale, cfg.max_cost,
                         act.base[cond], act.core[cond])
            return
        act.harm *= act.harm_decay
        act.harm += used
        np.subtract(act.base[cond], np.minimum(cfg.scale * act.harm, cfg.max_cost),
                    out=act.core[cond])

    def _exposure(
        self, act: Activity, c: np.ndarray, u: np.ndarray, treated: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Who has an opportunity this tick, and the social cue (fraction of using friends).

        P(opportunity) = g(age) [1 - (1 - access * supply) * prod over using friends
        (1 - p_peer s)], g the age curve (population/lifecourse.py); none while treated.
        ``u`` are this tick's uniforms, ``c`` the using friends.
        """
        cfg, n = self.config.exposure, self.n
        s = self.risk["susceptibility"]
        if _jit.ENABLED:
            opportunity = np.empty(n, dtype=bool)
            context = np.empty(n)
            _exposure_kernel(c, u, act.access, float(act.supply), float(cfg.p_peer), s, treated,
                             self.degree, bool(cfg.social_cue), self.age_factor, opportunity,
                             context)
            return opportunity, context
        base = 1.0 - np.clip(act.access * act.supply, 0.0, 1.0)
        p_opp = 1.0 - base  # (1 - p_peer s)^0 = 1 where no neighbour uses: skip the power
        peers = np.flatnonzero(c)
        p_opp[peers] = 1.0 - base[peers] * np.power(1.0 - cfg.p_peer * s[peers], c[peers])
        p_opp *= self.age_factor
        p_opp[treated] = 0.0
        context = np.zeros(n)
        if cfg.social_cue:  # c > 0 implies degree > 0
            context[peers] = c[peers] / self.degree[peers]
        return u < p_opp, context

    # ----------------------------------------------------------------- life course
    def _age_factor(self) -> np.ndarray:
        """The age curve of opportunity per person (1 everywhere without the life course)."""
        if not self.config.life.enabled:
            return np.ones(self.n)
        return lifecourse.opportunity_curve(self.age, self.config.life)

    def _life_course(self, t: int) -> np.ndarray:
        """Age everyone a tick; leavers (death, maximum age) are replaced by newcomers in the
        same rows. Returns (activities, 3): deaths, deaths of the addicted, aged out."""
        life, k = self.config.life, len(self.activity_names)
        out = np.zeros((k, len(LIFE_COLUMNS)))
        if not life.enabled:
            return out
        statuses = tuple(self.activities[name].tracker.status for name in self.activity_names)
        ratios = np.array([life.hazard_ratio.get(name, 1.0) for name in self.activity_names])
        u = split_random(self._death_rng, self.n)
        if _jit.ENABLED:
            died, aged_out = np.empty(self.n, bool), np.empty(self.n, bool)
            _life_kernel(
                self.age, self.years_per_tick, self.hazard, self._hazard_growth,
                life.max_age, statuses, ratios, u, life.opportunity_peak,
                life.opportunity_rise, life.opportunity_fall, life.opportunity_floor,
                lifecourse.EDGES, died, aged_out, self.age_factor, self.bands,
            )
        else:
            self.age += self.years_per_tick
            self.hazard *= self._hazard_growth  # Gompertz: the same factor every tick
            multiplier = np.ones(self.n)
            for st, ratio in zip(statuses, ratios, strict=True):
                if ratio != 1.0:
                    multiplier[(st == ADDICTED) | (st == RELAPSED)] *= ratio
            p = -np.expm1(-self.hazard * multiplier * self.years_per_tick)
            died = u < p
            aged_out = (self.age >= life.max_age) & ~died
            self.age_factor = self._age_factor()
            self.bands = lifecourse.band_of(self.age)
        dead = np.flatnonzero(died)
        addicted = [(st[dead] == ADDICTED) | (st[dead] == RELAPSED) for st in statuses]
        for j, a in enumerate(addicted):
            out[j] = dead.size, a.sum(), aged_out.sum()
        self.survey.record_deaths(self.bands[dead], addicted)
        rows = np.flatnonzero(died | aged_out)
        if rows.size:
            self._renew(rows)
        return out

    def _renew(self, rows: np.ndarray) -> None:
        """Newcomers in ``rows``: entry age, fresh risk factors, naive learners, statuses."""
        life, m = self.config.life, rows.size
        self.age[rows] = life.entry_age
        self.age_factor[rows] = lifecourse.opportunity_curve(np.full(m, life.entry_age), life)
        self.bands[rows] = lifecourse.band_of(np.array([life.entry_age]))[0]
        self.hazard[rows] = lifecourse.annual_hazard(np.array([life.entry_age]), life)[0]
        self.survey.reset(rows)
        self.firsts.reset_rows(rows)
        if life.redraw_risk:
            # a pool of at least 256 newcomers' draws, coupled by the shared trait, of which
            # the first m enter (a rank coupling needs more than one person to order)
            pool, fresh = max(m, 256), {}
            subs = self._newcomer_rng.spawn(len(risk.RISK_FACTORS))
            for name, sub in zip(risk.RISK_FACTORS, subs, strict=True):
                dist = getattr(self.config.risk, name)
                if dist is not None and name not in self._fixed_factors and name in self.risk:
                    fresh[name] = risk.sample(dist, pool, sub)
            co = self.config.comorbidity
            risk.couple(fresh, co.factors, co.correlation, self._trait_rng)
            for name, values in fresh.items():
                self.risk[name][rows] = values[:m]
        sliced = {k: v[rows] for k, v in self.risk.items()}
        for name, act in self.activities.items():
            cfg, spec, core = getattr(self.config.activities, name), act.spec, act.core
            act.access[rows] = self.risk["access"][rows]
            for cond, factor in spec.core_risk.items():
                core[cond][rows] = self.risk[factor][rows]
            if act.natural is not None and spec.treatment_condition is not None:
                act.natural[rows] = self.risk[spec.core_risk[spec.treatment_condition]][rows]
            fields = LEARNERS[cfg.learner].params_cls.__dataclass_fields__
            fresh = make_learner(
                cfg.learner, m, core.n_states, core.n_actions, core.cue_dim, preset=cfg.preset,
                salience=core.salience(), **calendar_inputs(cfg, fields),
                **learner_inputs(spec, sliced, fields),
            )
            lifecourse.reset_learner_rows(act.learner, fresh, rows)
            act.renewed = (rows, fresh)
            core.reset(rows)
            act.tracker.reset(rows)
            act.treated_until[rows] = -1
            act.boost[rows] = 0.0
            act.p_last[rows] = 0.5
            if act.harm is not None:
                act.harm[rows] = 0.0
                if spec.harm_condition is not None:
                    core[spec.harm_condition][rows] = act.base[spec.harm_condition][rows]
            self.last_choice_state[name][rows] = 0

    def _grow(self) -> None:
        extra = max(1, self.records.shape[0])
        self.records = np.concatenate([self.records, np.zeros_like(self.records[:extra])])
        if self.history is not None:
            self.history = np.concatenate([self.history, np.zeros_like(self.history[:extra])])

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
                self.applied.append((self.tick, cfg.kind, name, self.n))
                continue
            st = act.tracker.status
            addicted = np.flatnonzero((st == ADDICTED) | (st == RELAPSED))
            k = round(cfg.fraction * addicted.size)
            if cfg.targeting == "centrality":
                order = np.argsort(-self.degree[addicted], kind="stable")
                chosen = addicted[order[:k]]
            else:
                chosen = act.rng.choice(addicted, size=k, replace=False) if k else addicted[:0]
            act.treated_until[chosen] = self.tick + cfg.duration
            act.boost[chosen] = cfg.reward_boost
            self.applied.append((self.tick, cfg.kind, name, int(chosen.size)))
            hit += int(chosen.size)
        return hit

    # ----------------------------------------------------------------- running
    def run(self, ticks: int, progress: Callable[[int], None] | None = None) -> None:
        """Advance ``ticks`` ticks (Mesa 3.5's run_for does not exist in 3.3)."""
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
        rec = self.records[:t]
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


__all__ = ["COLUMNS", "ConfigError", "Individual", "PopulationModel"]


@jit
def _power(q: float, e: int) -> float:
    """q ** e for a small whole e >= 0 by squaring: ~5x cheaper than pow in the kernels, equal
    to numpy's power up to the last bits."""
    r = 1.0
    while e > 0:
        if e & 1:
            r *= q
        q *= q
        e >>= 1
    return r


@jit_parallel
def _exposure_kernel(
    c, u, access, supply, p_peer, s, treated, degree, social_cue, age_factor, opportunity,
    context,
):  # pragma: no cover - compiled
    """:meth:`PopulationModel._exposure` as one pass over individuals (same operations, the
    power by repeated squaring)."""
    n = c.size
    chunk = CHUNK
    for k in prange((n + chunk - 1) // chunk):
        for i in range(k * chunk, min(n, (k + 1) * chunk)):
            base = 1.0 - min(max(access[i] * supply, 0.0), 1.0)
            if c[i] > 0:
                # an opportunity could differ from numpy's power only if u fell within
                # ~1e-16 of p; the default run's output is unchanged
                p = 1.0 - base * _power(1.0 - p_peer * s[i], c[i])
                context[i] = c[i] / degree[i] if social_cue else 0.0
            else:
                p = 1.0 - base
                context[i] = 0.0
            p *= age_factor[i]
            if treated[i]:
                p = 0.0
            opportunity[i] = u[i] < p


@jit_parallel
def _life_kernel(
    age, years_per_tick, hazard, growth, max_age, statuses, ratios, u, peak, rise, fall, floor,
    edges, died, aged_out, age_factor, bands,
):  # pragma: no cover - compiled
    """:meth:`PopulationModel._life_course`'s per-person part as one pass: age a tick, the
    death hazard (Gompertz times the ratios of the activities one is addicted to), who dies
    or ages out, the age curve of opportunity and the survey band."""
    n = age.size
    chunk = CHUNK
    for c in prange((n + chunk - 1) // chunk):
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            a = age[i] + years_per_tick
            age[i] = a
            m = 1.0
            for j in range(len(statuses)):
                st = statuses[j][i]
                if ratios[j] != 1.0 and (st == 3 or st == 5):  # ADDICTED, RELAPSED
                    m *= ratios[j]
            h = hazard[i] * growth
            hazard[i] = h
            p = -np.expm1(-h * m * years_per_tick)
            d = u[i] < p
            died[i] = d
            aged_out[i] = (a >= max_age) and not d
            sd = rise if a < peak else fall
            z = (a - peak) / sd
            age_factor[i] = floor + (1.0 - floor) * np.exp(-0.5 * z * z)
            b = 0
            while b < edges.size and a >= edges[b]:
                b += 1
            bands[i] = b


@jit_parallel
def _seek_kernel(
    status, treated, opportunity, c, u, supply, peer, base, effort, has_effort, available,
    effort_out, can_seek,
):  # pragma: no cover - compiled
    """:meth:`PopulationModel._seeking` as one pass: who may seek, whose search succeeds
    (1 - (1 - supply)(1 - peer)^c, the power by squaring) and the effort-lowered outcome."""
    n = c.size
    chunk = CHUNK
    for k in prange((n + chunk - 1) // chunk):
        for i in range(k * chunk, min(n, (k + 1) * chunk)):
            cs = status[i] != 0 and not treated[i] and not opportunity[i]
            can_seek[i] = cs
            found = u[i] >= (1.0 - supply) * _power(1.0 - peer, c[i])
            available[i] = 1.0 if (opportunity[i] or (cs and found)) else 0.0
            if has_effort:
                effort_out[i] = base[i] if opportunity[i] else base[i] - effort


@jit_parallel
def _harm_kernel(harm, used, decay, scale, max_cost, base, out):  # pragma: no cover
    """:meth:`PopulationModel._consequences` as one pass: harm decays and grows with use;
    the outcome condition is its base lowered by min(scale * harm, max_cost)."""
    n = harm.size
    chunk = CHUNK
    for k in prange((n + chunk - 1) // chunk):
        for i in range(k * chunk, min(n, (k + 1) * chunk)):
            h = harm[i] * decay + used[i]
            harm[i] = h
            out[i] = base[i] - min(scale * h, max_cost)
