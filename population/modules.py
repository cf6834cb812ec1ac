"""The tick as declared modules: each mechanism owns its people's state (Starsim's loop).

A population's tick is one ordered list of modules (:func:`plan`), each a mechanism of
DESIGN.md with

- ``states()``: the per-person arrays it owns and each one's value for a newcomer (a number,
  or a function of the newcomers' rows for values that depend on the person);
- ``step(t)``: its part of tick ``t``, for every enabled activity (``t`` is the model's
  clock, the burn-in's ticks included; the recorded tick is ``t - model.burn_in_ticks``);
- ``reset_rows(rows)``: newcomers in ``rows`` get its defaults (the generic form sets every
  declared array; a module with more to do says so).

:meth:`PopulationModel.renew <population.model.PopulationModel.renew>` is one loop over the
modules' ``reset_rows``, in the plan's order; a new mechanism is a new module (and its config
section), inserted with :meth:`PopulationModel.add_module`. ``addsim config --show`` prints
the plan. The modules' kernels live here, beside the code they serve.

The order of the tick, and why: interventions first (a treatment starting this tick acts on
this tick's opportunities), then the life course (ageing, deaths, newcomers), then per
activity exposure, seeking, the activity's step (the natural reward of this tick, then
observe, learn, act and the task's transition through the same
:class:`~population.rollout.Stepper` the cohort protocols use), consequences and statuses,
then the survey and the recorder. Each activity draws from its own random stream, so the
modules' order across activities does not change any number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np

from addsim import _jit
from addsim._jit import CHUNK, jit, jit_parallel, prange
from addsim.agents import LEARNERS, make_learner
from addsim.population import lifecourse, risk
from addsim.population.activity import Activity, calendar_inputs, learner_inputs
from addsim.population.records import LIFE_COLUMNS
from addsim.population.rollout import split_random
from addsim.population.status import ADDICTED, EVENTS, NEVER_EXPOSED, RELAPSED, STATUSES

if TYPE_CHECKING:
    from addsim.population.model import PopulationModel

Default = float | Callable[[np.ndarray], np.ndarray]  # a newcomer's value, or one per row


class Module:
    """A mechanism of the tick: the per-person arrays it owns, its step, its reset."""

    name: str = "module"
    doc: str = ""

    def __init__(self, model: PopulationModel) -> None:
        self.model = model

    def states(self) -> dict[str, tuple[np.ndarray, Default]]:
        """Per-person arrays this module owns (label -> (array, newcomer's value))."""
        return {}

    def step(self, t: int) -> None:
        """This module's part of tick ``t``."""

    def reset_rows(self, rows: np.ndarray) -> None:
        """Newcomers in ``rows`` get every declared array's newcomer value."""
        for array, default in self.states().values():
            array[rows] = default(rows) if callable(default) else default

    def acts(self) -> Iterable[tuple[int, Activity]]:
        """The enabled activities with their record index."""
        m = self.model
        return ((j, m.activities[name]) for j, name in enumerate(m.activity_names))


# ---------------------------------------------------------------------------------- modules
class Interventions(Module):
    """Scheduled interventions at their tick; the treatment process (config ``treatment``):
    a person in disorder, not in treatment, enters it with P = 1 - exp(-h dt) (h the yearly
    hazard, dt a tick in years), one uniform per person and tick from the process's own
    stream whoever is in disorder, so the process never shifts another draw; who is in
    treatment and its reward boost."""

    name = "interventions"
    doc = "scheduled interventions at their tick; entry into treatment over time"

    def states(self) -> dict[str, tuple[np.ndarray, Default]]:
        out: dict[str, tuple[np.ndarray, Default]] = {}
        for _, act in self.acts():
            out[f"{act.name}.treated_until"] = (act.treated_until, -1)
            out[f"{act.name}.boost"] = (act.boost, 0.0)
        return out

    def step(self, t: int) -> None:
        m = self.model
        recorded = t - m.burn_in_ticks  # scheduled on recorded ticks
        for cfg in m.interventions:
            if cfg.tick == recorded:
                m.apply_intervention(cfg)
        cfg = m.config.treatment
        if not cfg.enabled:
            return
        p = -np.expm1(-cfg.entry_per_year * m.years_per_tick)
        for _, act in self.acts():
            if cfg.activity not in ("all", act.name):
                continue
            u = split_random(m._treatment_rng, m.n)
            st = act.tracker.status
            enter = ((st == ADDICTED) | (st == RELAPSED)) & (act.treated_until <= t) & (u < p)
            if enter.any():
                m.treat(act, np.flatnonzero(enter), cfg.duration, cfg.reward_boost)


class LifeCourse(Module):
    """Ageing, deaths (Gompertz, raised while addicted) and the old leaving; the leavers'
    rows are renewed (:meth:`PopulationModel.renew`) by naive newcomers."""

    name = "life course"
    doc = "age a tick; deaths and the old leaving, newcomers in their rows"
    COLUMNS = LIFE_COLUMNS  # leavers this tick, per activity

    def __init__(self, model: PopulationModel) -> None:
        super().__init__(model)
        self.left = np.zeros((len(model.activity_names), len(self.COLUMNS)))

    def _entry(self, what: Callable[[np.ndarray], np.ndarray]) -> Default:
        entry = self.model.config.life.entry_age
        return lambda rows: what(np.full(rows.size, entry))

    def states(self) -> dict[str, tuple[np.ndarray, Default]]:
        m, life = self.model, self.model.config.life
        return {
            "sex": (m.sex, lambda rows: m.draw_sex(rows.size)),
            "age": (m.age, float(life.entry_age)),
            "age_factor": (m.age_factor, self._entry(
                lambda a: lifecourse.opportunity_curve(a, life))),
            "band": (m.bands, float(lifecourse.band_of(np.array([life.entry_age]))[0])),
            "hazard": (m.hazard, float(lifecourse.annual_hazard(
                np.array([life.entry_age]), life)[0])),
        }

    def step(self, t: int) -> None:
        """Age everyone a tick; leavers (death, maximum age) are replaced by newcomers in the
        same rows. ``left`` holds, per activity: deaths, deaths of the addicted, aged out."""
        m, life = self.model, self.model.config.life
        self.left = np.zeros((len(m.activity_names), len(self.COLUMNS)))
        if not life.enabled:
            return
        statuses = tuple(m.activities[name].tracker.status for name in m.activity_names)
        ratios = np.array([life.hazard_ratio.get(name, 1.0) for name in m.activity_names])
        u = split_random(m._death_rng, m.n)
        died, aged_out = np.empty(m.n, bool), np.empty(m.n, bool)
        _life_kernel(
            m.age, m.years_per_tick, m.hazard, m._hazard_growth, life.max_age, statuses,
            ratios, u, life.opportunity_peak, life.opportunity_rise, life.opportunity_fall,
            life.opportunity_floor, lifecourse.EDGES, died, aged_out, m.age_factor, m.bands,
        )
        dead = np.flatnonzero(died)
        addicted = [(st[dead] == ADDICTED) | (st[dead] == RELAPSED) for st in statuses]
        for j, a in enumerate(addicted):
            self.left[j] = dead.size, a.sum(), aged_out.sum()
        m.survey.record_deaths(m.bands[dead], addicted)
        rows = np.flatnonzero(died | aged_out)
        if rows.size:
            m.renew(rows)


class Newcomers(Module):
    """Risk factors of newcomers: fresh draws (``life.redraw_risk``), coupled by the shared
    trait, from the life course's newcomer stream."""

    name = "risk factors"
    doc = "newcomers' risk factors (no step: drawn when a row is renewed)"

    def reset_rows(self, rows: np.ndarray) -> None:
        m, life = self.model, self.model.config.life
        if not life.redraw_risk:
            return
        # a pool of at least 256 newcomers' draws, coupled by the shared trait, of which the
        # first len(rows) enter (a rank coupling needs more than one person to order)
        k = rows.size
        pool, fresh = max(k, 256), {}
        # one child stream per factor, as Generator.spawn makes them (a child seed sequence
        # each, in order), a generator built only for the factors drawn
        bit = m._newcomer_rng.bit_generator
        seeds = bit.seed_seq.spawn(len(risk.RISK_FACTORS))
        for name, seed in zip(risk.RISK_FACTORS, seeds, strict=True):
            dist = getattr(m.config.risk, name)
            if dist is not None and name not in m._fixed_factors and name in m.risk:
                fresh[name] = risk.sample(dist, pool, np.random.Generator(type(bit)(seed)))
        co = m.config.comorbidity
        risk.couple(fresh, co.factors, co.correlation, m._trait_rng)
        for name, values in fresh.items():
            m.risk[name][rows] = values[:k]


class Exposure(Module):
    """Who has an opportunity this tick, and the social cue (fraction of using friends):

        P(opportunity) = g(age) [1 - (1 - access * supply) * prod over using friends
        (1 - p_peer s)], g the age curve (population/lifecourse.py); none while treated.
    """

    name = "exposure"
    doc = "opportunities from access, using friends and age; the social cue"

    def __init__(self, model: PopulationModel) -> None:
        super().__init__(model)
        self.opportunity: dict[str, np.ndarray] = {}
        self.using_friends: dict[str, np.ndarray] = {}
        self.treated: dict[str, np.ndarray] = {}
        # the opportunity as the tasks' 0/1 input (one array, rewritten each tick)
        self.offered = {name: np.zeros(model.n) for name in model.activity_names}

    def states(self) -> dict[str, tuple[np.ndarray, Default]]:
        m = self.model
        return {f"{act.name}.access": (act.access, lambda rows, name=act.name: m.risk[
            "access"][rows] * m.access_factor(name, m.sex[rows])) for _, act in self.acts()}

    def step(self, t: int) -> None:
        m = self.model
        cfg, n = m.config.exposure, m.n
        s = m.risk["susceptibility"]
        for _, act in self.acts():
            using = act.tracker.using(t)
            c = m._using_friends[act.name](using)
            u = split_random(act.rng, n)
            treated = act.treated_until > t
            opportunity, context = np.empty(n, dtype=bool), np.empty(n)
            _exposure_kernel(c, u, act.access, float(act.supply), float(cfg.p_peer), s,
                             treated, m.degree, bool(cfg.social_cue), m.age_factor,
                             opportunity, context)
            # the task's inputs: who is offered (1 or 0) on every condition an opportunity
            # drives, and the fraction of using friends as the context
            offered = self.offered[act.name]
            np.copyto(offered, opportunity)
            act.inputs["context"] = context
            for key in act.spec.exposure:
                act.inputs[key] = offered
            self.opportunity[act.name], self.using_friends[act.name] = opportunity, c
            self.treated[act.name] = treated


class Seeking(Module):
    """Who may seek this tick (has met the activity, not treated, no offer), with the sought
    drug or bet made available to those whose search succeeds:

        P(success) = 1 - (1 - base * supply) (1 - peer)^(using friends);

    a search costs ``effort`` (lowering the addictive action's outcome) whether it succeeds or
    not."""

    name = "seeking"
    doc = "searches by those who have met the activity; effort; supply"

    def __init__(self, model: PopulationModel) -> None:
        super().__init__(model)
        self.can_seek: dict[str, np.ndarray | None] = {}
        # the tasks' inputs this module makes (rewritten each tick): offered or found (1/0),
        # and the addictive action's outcome lowered by effort
        self.available = {name: np.zeros(model.n) for name in model.activity_names}
        self.outcome = {name: np.zeros(model.n) for name in model.activity_names}

    def step(self, t: int) -> None:
        m = self.model
        cfg = m.config.seeking
        ex: Exposure = m.module(Exposure)
        for _, act in self.acts():
            spec, core = act.spec, act.core
            if not cfg.enabled or not spec.seek_conditions:
                self.can_seek[act.name] = None
                continue
            u = split_random(act.rng, m.n)
            supply = min(cfg.base * act.supply, 1.0)
            available = self.available[act.name]
            eff = spec.effort_condition
            can_seek = np.empty(m.n, bool)
            # the addictive action's outcome, the task's own, lowered by effort for seekers
            base = core.conditions[eff] if eff is not None else available
            outcome = self.outcome[act.name] if eff is not None else available
            _seek_kernel(act.tracker.status, ex.treated[act.name], ex.opportunity[act.name],
                         ex.using_friends[act.name], u, supply, cfg.peer, base, cfg.effort,
                         eff is not None, available, outcome, can_seek)
            for key in spec.seek_conditions:  # offered, or found by a search
                act.inputs[key] = available
            if eff is not None:
                act.inputs[eff] = outcome
            self.can_seek[act.name] = can_seek


class Act(Module):
    """Each activity's step: this tick's natural reward (adult roles, treatment's boost), the
    allowed actions, then observe, learn, act and the task's transition (the Stepper); who
    used and who sought. Owns the learner, the task and the last choice per person."""

    name = "activity step"
    doc = "natural reward; observe, learn, act; the task's transition"
    check_inputs = False  # range-check the task's inputs each tick (the tests do)

    def __init__(self, model: PopulationModel) -> None:
        super().__init__(model)
        self.used: dict[str, np.ndarray] = {}
        self.sought: dict[str, np.ndarray | None] = {}
        self.at_choice: dict[str, np.ndarray] = {}

    def states(self) -> dict[str, tuple[np.ndarray, Default]]:
        m = self.model
        return {**{f"{act.name}.p_last": (act.p_last, 0.5) for _, act in self.acts()},
                **{f"{name}.last_choice_state": (m.last_choice_state[name], 0)
                   for name in m.activity_names}}

    def reset_rows(self, rows: np.ndarray) -> None:
        """Newcomers: a naive learner (reset again after this tick's step, which teaches the
        rows the leavers' last transition), the task's state; p_last and the last choice
        state. (Their risk factors reach the task as inputs: nothing to reset there.)"""
        m = self.model
        sliced = {k: v[rows] for k, v in m.risk.items()}
        for _, act in self.acts():
            cfg, spec, core = getattr(m.config.activities, act.name), act.spec, act.core
            fields = LEARNERS[cfg.learner].params_cls.__dataclass_fields__
            fresh = make_learner(
                cfg.learner, rows.size, core.n_states, core.n_actions, core.cue_dim,
                preset=cfg.preset, salience=core.salience(), **calendar_inputs(cfg, fields),
                **learner_inputs(spec, sliced, fields),
            )
            lifecourse.reset_learner_rows(act.learner, fresh, rows)
            act.renewed = (rows, fresh)
            core.reset(rows)
        super().reset_rows(rows)

    def step(self, t: int) -> None:
        m = self.model
        ex: Exposure = m.module(Exposure)
        seek: Seeking = m.module(Seeking)
        life = m.config.life
        no_access = m.config.seeking.failed == "no access"
        for _, act in self.acts():
            core, n = act.core, m.n
            treated, opportunity = ex.treated[act.name], ex.opportunity[act.name]
            can_seek = seek.can_seek.get(act.name)
            any_treated = bool(treated.any())
            cond = act.spec.treatment_condition
            if cond is not None:  # this tick's natural reward: the person's own, adult roles
                # (with age) and treatment's boost on top
                value = m.risk[act.spec.core_risk[cond]]
                if life.enabled and life.roles_gain > 0:
                    value = value + lifecourse.roles(m.age, life)
                    if any_treated:
                        value += np.where(treated, act.boost, 0.0)
                elif any_treated:
                    value = value + np.where(treated, act.boost, 0.0)
                act.inputs[cond] = value
            at_choice = core.state == core.choice_state
            mask = np.ones((n, core.n_actions), dtype=bool)
            # offered or found by a search this tick (the seeking module's input)
            available = None if can_seek is None else act.inputs[
                act.spec.seek_conditions[0]] > 0.5
            if available is None:
                allowed = opportunity
            elif no_access:  # a failed search: the action unavailable (no access)
                allowed = available
            else:  # the old rule: any seeker may take the action
                allowed = opportunity | can_seek
            mask[:, core.addictive_action] = allowed | ~at_choice
            # the task's inputs in one value; valid by construction (0/1, fractions, the
            # outcomes of validated risk factors), so not range-checked each tick
            out, _, _, u_act = act.stepper.tick(mask, act.inputs, check=self.check_inputs)
            if act.renewed is not None:
                # The tick just done taught the newcomers' rows the leavers' last transition;
                # start them naive again (their own first choice is pending, learned next).
                rows, fresh = act.renewed
                lifecourse.reset_learner_rows(act.learner, fresh, rows)
                act.renewed = None
            chose = at_choice & (out.action == core.addictive_action)
            used = out.transition.used  # the task reports who used
            if available is None:
                sought = None
            else:
                sought = chose & ~opportunity
                if no_access:  # who would have taken it: the same uniform against the
                    # unmasked P (two actions, the addictive last: sample() picks it when
                    # u >= 1 - P), so a failed search is time spent obtaining
                    wanted = at_choice & can_seek & ~available & (
                        u_act >= 1.0 - out.p_addictive)
                    sought = sought | wanted
            np.copyto(act.p_last, out.p_addictive, where=at_choice)  # the last visit
            np.copyto(m.last_choice_state[act.name], out.z, where=at_choice)
            self.used[act.name], self.sought[act.name] = used, sought
            self.at_choice[act.name] = at_choice


class Consequences(Module):
    """Harm +1 per use, halving every ``consequences.half_life``; the outcome after a use
    (next tick on) lowered by the person's harm: min(scale * harm, max_cost)."""

    name = "consequences"
    doc = "harm from use lowers the outcome after use"

    def __init__(self, model: PopulationModel) -> None:
        super().__init__(model)
        # the outcome after use lowered by harm: the task's input (the task's own at first)
        self.outcome = {act.name: act.core.conditions[act.spec.harm_condition].copy()
                        for _, act in self.acts()
                        if act.harm is not None and act.spec.harm_condition is not None}
        for _, act in self.acts():
            if act.name in self.outcome:
                act.inputs[act.spec.harm_condition] = self.outcome[act.name]

    def states(self) -> dict[str, tuple[np.ndarray, Default]]:
        out: dict[str, tuple[np.ndarray, Default]] = {}
        for _, act in self.acts():
            if act.harm is not None:
                out[f"{act.name}.harm"] = (act.harm, 0.0)
            if act.name in self.outcome:  # a newcomer's: the task's own (no harm yet)
                own = act.core.conditions[act.spec.harm_condition]
                out[f"{act.name}.harm_outcome"] = (self.outcome[act.name],
                                                   lambda rows, own=own: own[rows])
        return out

    def step(self, t: int) -> None:
        cfg = self.model.config.consequences
        used = self.model.module(Act).used
        for _, act in self.acts():
            if act.name not in self.outcome:
                continue
            _harm_kernel(act.harm, used[act.name], act.harm_decay, cfg.scale, cfg.max_cost,
                         act.core.conditions[act.spec.harm_condition], self.outcome[act.name])


class Status(Module):
    """Statuses over a calendar window of choices (population/status.py) and the events
    counted as they happen."""

    name = "status"
    doc = "statuses from a calendar window of choices; onset, cessation, relapse events"

    def __init__(self, model: PopulationModel) -> None:
        super().__init__(model)
        self.events: dict[str, np.ndarray] = {}

    def reset_rows(self, rows: np.ndarray) -> None:
        for _, act in self.acts():
            act.tracker.reset(rows)

    def step(self, t: int) -> None:
        step: Act = self.model.module(Act)
        ex: Exposure = self.model.module(Exposure)
        for _, act in self.acts():
            self.events[act.name] = act.tracker.update(
                t, ex.opportunity[act.name] & step.at_choice[act.name], step.used[act.name],
                step.sought[act.name])


class SurveyModule(Module):
    """The survey's accumulators (population/survey.py): per simulated year, age band and
    activity."""

    name = "survey"
    doc = "the yearly survey's accumulators"

    def reset_rows(self, rows: np.ndarray) -> None:
        self.model.survey.reset(rows)

    def step(self, t: int) -> None:
        m = self.model
        acts = [m.activities[name] for name in m.activity_names]
        m.survey.observe(t, m.bands, [a.tracker for a in acts], [a.treated_until for a in acts])


class Recorder(Module):
    """Writes the one record sink (population/records.py, ``model.records``): per tick and
    activity the status counts, events, leavers and mean P(addictive); the events as they
    happen; the per-person status history (``run.history``)."""

    name = "recorder"
    doc = "records per tick: counts, events, leavers; events log; status history"

    def step(self, t: int) -> None:
        m = self.model
        t -= m.burn_in_ticks  # the recorded tick; the burn-in records nothing
        if t < 0:
            return
        events: dict[str, np.ndarray] = m.module(Status).events
        left = m.module(LifeCourse).left
        n_st, n_ev = len(STATUSES), len(EVENTS)
        for j, act in self.acts():
            row = m.records.table[t, j]
            row[:n_st] = act.tracker.counts()
            row[n_st:n_st + n_ev] = events[act.name]
            row[-1] = act.p_last.mean()
            for name, count in zip(EVENTS, events[act.name], strict=True):
                if count:
                    m.records.events.append((t, act.name, name, int(count)))
            if m.records.history is not None:
                m.records.history[t, j] = act.tracker.status
            row[n_st + n_ev:-1] = left[j]


# The tick's modules in order. Risk factors of newcomers come after the life course (whose
# step renews the rows) and before the modules that read them.
PLAN: tuple[type[Module], ...] = (
    Interventions, LifeCourse, SurveyModule, Newcomers, Exposure, Seeking, Act,
    Consequences, Status, Recorder,
)
# The order the modules run in each tick (the survey observes after every activity's
# statuses, though it is reset with the life course: newcomers' rows are cleared first).
TICK_ORDER: tuple[type[Module], ...] = (
    Interventions, LifeCourse, Newcomers, Exposure, Seeking, Act, Consequences, Status,
    SurveyModule, Recorder,
)


def plan() -> list[tuple[str, str]]:
    """The tick's modules in order, (name, what it does): what ``addsim config --show``
    prints."""
    return [(cls.name, cls.doc) for cls in TICK_ORDER]


# ---------------------------------------------------------------------------------- kernels
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
    """:class:`Exposure`'s opportunity and social cue as one pass over individuals (the power
    by repeated squaring)."""
    n = c.size
    chunk = CHUNK
    for k in prange((n + chunk - 1) // chunk):
        for i in range(k * chunk, min(n, (k + 1) * chunk)):
            base = 1.0 - min(max(access[i] * supply, 0.0), 1.0)
            if c[i] > 0:
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
    """:class:`LifeCourse`'s per-person part as one pass: age a tick, the death hazard
    (Gompertz times the ratios of the activities one is addicted to), who dies or ages out,
    the age curve of opportunity and the survey band."""
    n = age.size
    chunk = CHUNK
    for c in prange((n + chunk - 1) // chunk):
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            a = age[i] + years_per_tick
            age[i] = a
            m = 1.0
            for j in range(len(statuses)):
                st = statuses[j][i]
                if ratios[j] != 1.0 and (st == ADDICTED or st == RELAPSED):
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
    """:class:`Seeking` as one pass: who may seek, whose search succeeds (1 - (1 - supply)
    (1 - peer)^c, the power by squaring) and the effort-lowered outcome."""
    n = c.size
    chunk = CHUNK
    for k in prange((n + chunk - 1) // chunk):
        for i in range(k * chunk, min(n, (k + 1) * chunk)):
            cs = status[i] != NEVER_EXPOSED and not treated[i] and not opportunity[i]
            can_seek[i] = cs
            found = u[i] >= (1.0 - supply) * _power(1.0 - peer, c[i])
            available[i] = 1.0 if (opportunity[i] or (cs and found)) else 0.0
            if has_effort:
                effort_out[i] = base[i] if opportunity[i] else base[i] - effort


@jit_parallel
def _harm_kernel(harm, used, decay, scale, max_cost, base, out):  # pragma: no cover
    """:class:`Consequences` as one pass: harm decays and grows with use; the outcome
    condition is its base lowered by min(scale * harm, max_cost)."""
    n = harm.size
    chunk = CHUNK
    for k in prange((n + chunk - 1) // chunk):
        for i in range(k * chunk, min(n, (k + 1) * chunk)):
            h = harm[i] * decay + used[i]
            harm[i] = h
            out[i] = base[i] - min(scale * h, max_cost)


__all__ = ["PLAN", "TICK_ORDER", "Act", "Consequences", "Exposure", "Interventions",
           "LifeCourse", "Module", "Newcomers", "Recorder", "Seeking", "Status",
           "SurveyModule", "plan"]
_ = _jit  # the switch and cache belong to addsim._jit
