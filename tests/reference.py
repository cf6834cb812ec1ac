"""Slow per-individual reference learners: the equations of agents/ written plainly, one person.

Used only by the tests (step-for-step agreement with the batched learners under the same random
numbers) and by benchmarks/bench_learners.py (the per-individual loop the batched engine is
measured against). Deliberately independent of agents/'s array code: Python floats and lists,
its own softmax, inverse-CDF choice, Gauss-Jordan inverse and log-determinant. The equations
are those of docs/model/learners.md (and each agents/ module docstring):

- Q-learning:   delta = r + gamma max Q(s') - Q(s, a)
- Redish 2004:  delta = gamma (r + max Q(s')) - Q(s, a), on drug steps max(that + D, D)
- Dezfouli 2009: delta = r + max Q(s') - Q(s, a) - rho, on drug steps max(td + D, D) - rho;
  R_bar <- R_bar + sigma (r_sensed - R_bar), kappa <- kappa + lam (N * drug - kappa);
  with epsilon_greedy 1 (the paper): epsilon-greedy choice, R_bar only after greedy choices
- latent states (Pettine 2023 / Redish 2007): prototypes; per-feature attention from the
  established states' informativeness times the task's salience (baseline weights
  attention * salience screen candidates, w_A raised by the negative-error history chooses);
  a new state above a threshold that falls from -ln(upsilon) towards a fresh prototype's
  mean surprise with the history (Redish's bias), after burn-in; softmax over normalised
  activations with a temperature lowered by the fast trace; new states' values zero, a copy
  of the least surprising state, or the mean over established states.
- the planner (agents/model_based.py): a learned model (transitions, natural reward,
  outcome; first-visit averages then fixed rates), lookahead of depth H with the habit's
  values or 0 at the leaves, the habit's diagonal Kalman variances, arbitration (habit,
  planner, weight w, Daw 2005's less uncertain controller, Keramati 2011's VPI >= rho tau),
  a one-step eligibility, and the homeostatic state and reward (HRRL: r_h = d(h) - d(h + k),
  d = |h* - h|^(n/m); absorption, degradation, setpoint shift and recovery).
"""

from __future__ import annotations

import math
from typing import Any

LOG_2PI = math.log(2.0 * math.pi)
CANDIDATE_F = -math.log(1e-100)
FAST_DECAY, FAST_GAIN = 0.981, 2.85
SLOW_DECAY, SLOW_GAIN = 0.994, 0.9


def scalar_params(params: Any, index: int = 0) -> dict[str, float]:
    """One individual's parameters as floats from a resolved (array) parameter set."""
    import dataclasses

    return {
        f.name: float(getattr(params, f.name)[index])
        for f in dataclasses.fields(params)
    }


def softmax(values: list[float], beta: float, allowed: list[bool] | None = None) -> list[float]:
    """Softmax with inverse temperature beta; disallowed actions get probability 0."""
    v = [beta * q if (allowed is None or allowed[i]) else -math.inf for i, q in enumerate(values)]
    top = max(v)
    e = [math.exp(x - top) if x != -math.inf else 0.0 for x in v]
    total = sum(e)
    return [x / total for x in e]


def epsilon_greedy(values: list[float], eps: float, allowed: list[bool] | None = None
                   ) -> list[float]:
    """1 - eps over the max set of allowed actions, eps over every allowed action."""
    ok = [True] * len(values) if allowed is None else allowed
    top = max(v for v, a in zip(values, ok, strict=True) if a)
    best = [a and v == top for v, a in zip(values, ok, strict=True)]
    nb, na = sum(best), sum(ok)
    return [(1.0 - eps) * b / nb + eps * a / na for b, a in zip(best, ok, strict=True)]


def choose(p: list[float], u: float) -> int:
    """Inverse-CDF choice: the first index whose cumulative probability exceeds u * total."""
    cum, acc = [], 0.0
    for x in p:
        acc += x
        cum.append(acc)
    target = u * cum[-1]
    return min(sum(1 for c in cum if c <= target), len(p) - 1)


def inverse_and_logdet(m: list[list[float]]) -> tuple[list[list[float]], float]:
    """Gauss-Jordan inverse with partial pivoting and ln |det| of a small square matrix."""
    n = len(m)
    a = [row[:] + [1.0 if i == j else 0.0 for j in range(n)] for i, row in enumerate(m)]
    logdet = 0.0
    for col in range(n):
        piv = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[piv] = a[piv], a[col]
        pv = a[col][col]
        logdet += math.log(abs(pv))
        a[col] = [x / pv for x in a[col]]
        for r in range(n):
            if r != col and a[r][col] != 0.0:
                f = a[r][col]
                a[r] = [x - f * y for x, y in zip(a[r], a[col], strict=True)]
    return [row[n:] for row in a], logdet


class Tabular:
    """One individual's Q table and value rule (Q-learning, Redish 2004 or Dezfouli 2009)."""

    uses_cue = False

    def __init__(self, rule: str, p: dict[str, float], n_states: int, n_actions: int) -> None:
        self.rule, self.p = rule, p
        self.q = [[0.0] * n_actions for _ in range(n_states)]
        self.r_bar = p.get("r_bar0", 0.0)
        self.kappa = 0.0
        self.greedy = rule == "dezfouli2009" and p.get("epsilon_greedy", 0.0) > 0.5
        self.explored = False

    def observe(self, obs: Any, u: float | None = None) -> int:
        """The state index is the observation."""
        return int(obs)

    def policy(self, z: int, allowed: list[bool] | None = None) -> list[float]:
        """Softmax (or the paper's epsilon-greedy) action probabilities in state z."""
        if self.greedy:
            return epsilon_greedy(self.q[z], self.p["epsilon"], allowed)
        return softmax(self.q[z], self.p["beta"], allowed)

    def act(self, z: int, u: float, allowed: list[bool] | None = None) -> int:
        """Choose an action from uniform u (and note whether it was exploratory)."""
        a = choose(self.policy(z, allowed), u)
        ok = [True] * len(self.q[z]) if allowed is None else allowed
        top = max(v for v, k in zip(self.q[z], ok, strict=True) if k)
        self.explored = self.greedy and self.q[z][a] < top
        return a

    def error(self, r: float, q_sa: float, v_next: float, drug: bool) -> float:
        """The rule's prediction error."""
        p = self.p
        if self.rule == "q_learning":
            return r + p["gamma"] * v_next - q_sa
        if self.rule == "redish2004":
            td = p["gamma"] * (r + v_next) - q_sa
            return max(td + p["surge"], p["surge"]) if drug else td
        rho = self.r_bar + self.kappa
        td = r + v_next - q_sa
        return (max(td + p["surge"], p["surge"]) if drug else td) - rho

    def learn(self, s: int, a: int, r: float, s_next: int, drug: bool,
              x: list[float] | None = None) -> float:
        """One TD update of Q(s, a); returns delta."""
        q_sa, v_next = self.q[s][a], max(self.q[s_next])
        delta = self.error(r, q_sa, v_next, drug)
        self.q[s][a] = q_sa + self.p["alpha"] * delta
        if self.rule == "dezfouli2009":
            p = self.p
            rho = self.r_bar + self.kappa
            sensed = delta - v_next + q_sa + rho
            if not self.explored:  # the paper: R_bar only after greedy choices
                self.r_bar += p["sigma"] * (sensed - self.r_bar)
            self.kappa += p["lam"] * ((p["kappa_target"] if drug else 0.0) - self.kappa)
        return delta


def history_factor(dbar: float) -> float:
    """f = min(1, min(0, dbar + 4) / -8)."""
    return min(1.0, min(0.0, dbar + 4.0) / -8.0)


class Latent(Tabular):
    """One individual's latent-state classifier over a value rule (Redish or Dezfouli)."""

    uses_cue = True

    def __init__(self, rule: str, p: dict[str, float], capacity: int, n_actions: int,
                 cue_dim: int, salience: list[float] | None = None) -> None:
        super().__init__(rule, p, capacity, n_actions)
        self.capacity, self.d = capacity, cue_dim
        self.salience = [1.0] * cue_dim if salience is None else [float(v) for v in salience]
        self.mu: list[list[float]] = []
        self.cov: list[list[list[float]]] = []
        self.prec: list[list[list[float]]] = []
        self.logdet: list[float] = []
        self.count: list[float] = []
        self.n_obs = 0
        self.fast = self.slow = 0.0
        self.overflow = 0

    @property
    def dbar_eff(self) -> float:
        """min(0, fast - slow): the negative-error history."""
        return min(0.0, self.fast - self.slow)

    def established(self, i: int) -> bool:
        """State i holds enough rewarded cues (it informs attention and the prior mean)."""
        return self.count[i] >= self.p["min_cov_samples"]

    def baseline(self) -> list[float]:
        """w_0 = attention * salience: the screen's weights."""
        return [self.p["attention"] * s for s in self.salience]

    def feature_weights(self) -> list[float]:
        """w_k: salience times the share of each feature's variance the established states
        explain, or the baseline with fewer than two of them."""
        p = self.p
        est = [i for i in range(len(self.mu)) if self.established(i)]
        if len(est) < 2:
            return self.baseline()
        out = []
        for j in range(self.d):
            grand = sum(self.mu[i][j] for i in est) / len(est)
            between = sum((self.mu[i][j] - grand) ** 2 for i in est) / len(est)
            within = sum(self.cov[i][j][j] for i in est) / len(est)
            eta = between / max(between + within, 1e-300)
            out.append(((1.0 - p["xi_cw"]) * eta + p["xi_cw"]) * self.salience[j])
        return out

    def distance(self, x: list[float], w: list[float]) -> list[float]:
        """F_i(w) = 0.5 (ln 2 pi + ln det Sigma_i) + 0.5 D2_i with feature weights w."""
        b = self.p["b"]
        out = []
        for i, mu in enumerate(self.mu):
            dev = [(1.0 - b) * wj * (xj - mj) for wj, xj, mj in zip(w, x, mu, strict=True)]
            prec = self.prec[i]
            d2 = sum(dev[a] * prec[a][c] * dev[c] for a in range(self.d) for c in range(self.d))
            out.append(0.5 * (LOG_2PI + self.logdet[i]) + 0.5 * d2)
        return out

    def surprise(self, x: list[float]) -> list[float]:
        """F_i under attention w_A = (1 - f) w_k + f."""
        f_att = history_factor(self.dbar_eff)
        w = [(1.0 - f_att) * wk + f_att for wk in self.feature_weights()]
        return self.distance(x, w)

    def observe(self, obs: Any, u: float | None = None) -> int:
        """Classify cue ``obs`` into a latent state (creating one when surprised enough)."""
        p = self.p
        x = [float(v) for v in obs]
        base = self.distance(x, self.baseline())
        f = self.surprise(x)
        k = len(f)
        cands = [i for i in range(k) if base[i] <= CANDIDATE_F]
        c = p["creation_bias"] * history_factor(self.dbar_eff)
        fresh = 0.5 * (LOG_2PI + self.d * math.log(p["sigma0"])) + 0.5 * self.d
        theta = (1.0 - c) * -math.log(p["upsilon"]) + c * fresh
        want = k == 0 or (
            (not cands or min(f[i] for i in cands) > theta) and self.n_obs >= p["burn_in"]
        )
        if want and k >= self.capacity:
            self.overflow += 1
            want = False
        if want:
            z = k
            source = min(range(k), key=lambda i: f[i]) if k else -1
            self._create(x, source)
        else:
            if not cands:
                cands = [i for i in range(k) if f[i] == min(f)]
            g = {i: -f[i] for i in cands}
            top = max(g.values())
            a = {i: math.exp(v - top) for i, v in g.items()}
            total = sum(a.values())
            f_fast = history_factor(self.fast)
            beta_s = (1.0 - f_fast) * p["beta_state"] + f_fast * p["beta_state_min"]
            h = {i: beta_s * v / total for i, v in a.items()}
            top = max(h.values())
            weights = [math.exp(h[i] - top) if i in h else 0.0 for i in range(self.capacity)]
            z = max(range(self.capacity), key=lambda i: weights[i]) if u is None \
                else choose(weights, u)
        self.n_obs += 1
        return z

    def _new_values(self, source: int) -> list[float]:
        """Q of a new state: zero, a copy of ``source``, or the mean over established (else
        all) states (``new_values`` 0, 1, 2)."""
        rule, k = self.p["new_values"], len(self.mu)
        if k == 0 or rule == 0.0:
            return [0.0] * len(self.q[0])
        if rule == 1.0:
            return self.q[source][:]
        pool = [i for i in range(k) if self.established(i)] or list(range(k))
        return [sum(self.q[i][a] for i in pool) / len(pool) for a in range(len(self.q[0]))]

    def _create(self, x: list[float], source: int) -> None:
        s0, d = self.p["sigma0"], self.d
        q_new = self._new_values(source)
        self.mu.append(x[:])
        self.cov.append([[0.0] * d for _ in range(d)])
        self.prec.append([[1.0 / s0 if i == j else 0.0 for j in range(d)] for i in range(d)])
        self.logdet.append(d * math.log(s0))
        self.count.append(0.0)
        self.q[len(self.mu) - 1] = q_new
        self.fast = self.slow = 0.0

    def learn(self, s: int, a: int, r: float, s_next: int, drug: bool,
              x: list[float] | None = None) -> float:
        """TD update over latent states, the prototype of s, then the error history."""
        p = self.p
        delta = super().learn(s, a, r, s_next, drug)
        neg = min(delta, 0.0) / p["rpe_scale"] * p["history"]
        if x is not None and r + (p["surge"] if drug else 0.0) > 0.0:
            self.update_prototype(s, [float(v) for v in x])
        self.fast = FAST_DECAY * self.fast + FAST_GAIN * neg
        self.slow = SLOW_DECAY * self.slow + SLOW_GAIN * neg
        return delta

    def update_prototype(self, s: int, x: list[float]) -> None:
        """Running mean/covariance (exact up to ``window`` cues, then weight 1 / window)."""
        p, d = self.p, self.d
        n = min(self.count[s] + 1.0, p["window"])
        w = 1.0 / n
        dd = [xi - mi for xi, mi in zip(x, self.mu[s], strict=True)]
        self.mu[s] = [mi + w * di for mi, di in zip(self.mu[s], dd, strict=True)]
        c = self.cov[s]
        self.cov[s] = [[(1.0 - w) * (c[i][j] + w * dd[i] * dd[j]) for j in range(d)]
                       for i in range(d)]
        self.count[s] = n
        if n >= p["min_cov_samples"]:
            sigma = [[self.cov[s][i][j] + (p["ridge"] / n if i == j else 0.0) for j in range(d)]
                     for i in range(d)]
            self.prec[s], self.logdet[s] = inverse_and_logdet(sigma)


class Planner:
    """One individual's planner beside its habit (agents/model_based.py): a learned model
    (transitions, natural reward, outcome), lookahead of ``depth`` steps with the habit's
    values (or 0) at the leaves, the habit's variances (a diagonal Kalman filter), the
    arbitration (habit, planner, weight w, Daw 2005's uncertainty, Keramati 2011's value of
    information against rho tau), an eligibility one step back and the homeostatic state
    (Keramati and Gutkin 2014; HRRL-Addiction): r_h = d(h) - d(h + k), d = |h* - h|^(n/m)."""

    def __init__(self, inner: Tabular, p: dict[str, float], n_states: int,
                 n_actions: int) -> None:
        self.inner, self.p, self.S, self.A = inner, p, n_states, n_actions
        self.uses_cue = inner.uses_cue
        self.var = [[p["var0"]] * n_actions for _ in range(n_states)]
        self.R = [[0.0] * n_actions for _ in range(n_states)]
        self.K = [[0.0] * n_actions for _ in range(n_states)]
        self.n = [[0.0] * n_actions for _ in range(n_states)]
        start = 0.0 if p["model_start"] > 0.5 else 1.0 / n_states  # HRRL's: uniform
        self.T = [[[start] * n_states for _ in range(n_actions)] for _ in range(n_states)]
        self.h, self.buf, self.hs = p["h_min"], 0.0, p["setpoint0"]
        self.prev: tuple[int, int] | None = None
        self.planned = 0.0
        self.share = [0.0] * n_actions

    @property
    def q(self) -> list[list[float]]:
        """The habit's values."""
        return self.inner.q

    def rho(self) -> float:
        """The habit's basal level R_bar + kappa."""
        return self.inner.r_bar + self.inner.kappa

    def reward_h(self, k: float) -> float:
        """drive_scale (d(h) - d(h + k)) at the current internal state (0 when off)."""
        p = self.p
        if p["homeostasis"] <= 0.5:
            return 0.0
        e = p["drive_n"] / p["drive_m"]
        return p["drive_scale"] * (abs(self.hs - self.h) ** e - abs(self.hs - self.h - k) ** e)

    def observe(self, obs: Any, u: float | None = None) -> int:
        """The habit's state (index or latent state)."""
        return self.inner.observe(obs, u)

    def plan(self, z: int) -> list[float]:
        """Q_MB(z, .) by lookahead over the model."""
        p, S, A, q = self.p, self.S, self.A, self.q
        rho, habit = self.rho(), p["leaf"] > 0.5
        reward = [[self.R[s][a] + self.reward_h(self.K[s][a]) - rho for a in range(A)]
                  for s in range(S)]

        def backup(s: int, v: list[float]) -> list[float]:
            out = []
            for a in range(A):
                if self.n[s][a] > 0 or p["model_start"] < 0.5:
                    future = sum(t * v[j] for j, t in enumerate(self.T[s][a]) if t >= p["prune"])
                    out.append(reward[s][a] + future)
                else:
                    out.append(q[s][a] if habit else reward[s][a])
            return out

        v = [max(q[s]) if habit else 0.0 for s in range(S)]
        for _ in range(int(p["depth"]) - 1):
            v = [max(backup(s, v)) for s in range(S)]
        return backup(z, v)

    def vpi(self, mu: list[float], var: list[float]) -> list[float]:
        """Value of perfect information per action (Keramati et al. 2011)."""
        def cdf(x: float) -> float:
            return 0.5 * math.erfc(-x / math.sqrt(2.0))

        def pdf(x: float) -> float:
            return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)

        sd = [math.sqrt(max(v, 1e-300)) for v in var]
        best = max(range(len(mu)), key=lambda i: mu[i])
        m1 = mu[best]
        m2 = max(mu[i] for i in range(len(mu)) if i != best)
        out = []
        for i, m in enumerate(mu):
            if i == best:
                z = (m2 - m1) / sd[i]
                out.append((m2 - m1) * cdf(z) + sd[i] * pdf(z))
            else:
                z = (m1 - m) / sd[i]
                out.append((m - m1) * (1.0 - cdf(z)) + sd[i] * pdf(z))
        return out

    def values(self, z: int) -> list[float]:
        """The arbitrated values in state z (and the planner's share per action)."""
        p, A = self.p, self.A
        mf = self.q[z][:]
        code = p["arbitration"]
        if code == 0.0:
            self.share = [0.0] * A
            return mf
        mb = self.plan(z)
        if code == 2.0:
            self.share = [p["w"]] * A
            return [p["w"] * b + (1.0 - p["w"]) * f for b, f in zip(mb, mf, strict=True)]
        if code == 1.0:
            use = [True] * A
        elif code == 3.0:
            use = [p["var_obs"] / (self.n[z][a] + 1.0) + p["depth"] * p["nu"] < self.var[z][a]
                   for a in range(A)]
        else:
            info = self.vpi(mf, self.var[z])
            use = [v >= self.rho() * p["tau"] for v in info]
        self.share = [1.0 if u else 0.0 for u in use]
        return [b if u else f for b, f, u in zip(mb, mf, use, strict=True)]

    def act(self, z: int, u: float, allowed: list[bool] | None = None) -> int:
        """Softmax (or epsilon-greedy) over the arbitrated values."""
        p = self.p
        v = self.values(z)
        if p["value_norm"] > 0.5:
            scale = max(abs(x) for x in v)
            v = [x / (scale if scale > 0.0 else 1.0) for x in v]
        greedy = self.inner.greedy
        probs = epsilon_greedy(v, p["epsilon"], allowed) if greedy else \
            softmax(v, p["beta"], allowed)
        a = choose(probs, u)
        if greedy:
            ok = [True] * len(v) if allowed is None else allowed
            self.inner.explored = v[a] < max(x for x, k in zip(v, ok, strict=True) if k)
        self.planned = self.share[a]
        return a

    def learn(self, s: int, a: int, r: float, s_next: int, drug: bool,
              x: list[float] | None = None) -> float:
        """Internal state, the habit's variance and values, the eligibility, the model."""
        p = self.p
        k = p["dose"] if drug else 0.0
        r_h = self.reward_h(k)
        if p["homeostasis"] > 0.5:
            buf = self.buf + k
            self.h = max(p["h_min"], self.h + p["absorption"] * buf
                         - p["degradation"] * (self.h - p["h_min"]))
            self.hs = min(p["setpoint_max"], max(p["setpoint0"],
                                                 self.hs + p["shift"] * k - p["recovery"]))
            self.buf = (1.0 - p["absorption"]) * buf
        self.var = [[v * (1.0 + p["eta"]) for v in row] for row in self.var]
        nxt = self.q[s_next]
        a_star = max(range(len(nxt)), key=lambda i: nxt[i])
        p_sa = self.var[s][a]
        total = p_sa + self.var[s_next][a_star] + p["var_obs"]
        gain = p_sa / total
        self.var[s][a] = p_sa - gain * gain * total
        alpha = p["alpha"]
        if p["kalman_gain"] > 0.5:
            self.inner.p = {**p, "alpha": gain}
        delta = self.inner.learn(s, a, r + r_h, s_next, drug, x)
        self.inner.p = p
        if self.prev is not None and p["trace"] > 0.0:
            ps, pa = self.prev
            self.q[ps][pa] += alpha * p["trace"] * delta
        self.prev = (s, a)
        self.n[s][a] += 1.0
        exact = p["model_start"] > 0.5  # first visits averaged exactly, else fixed rates
        e = max(p["phi"], 1.0 / self.n[s][a]) if exact else p["phi"]
        self.T[s][a] = [(1.0 - e) * t for t in self.T[s][a]]
        self.T[s][a][s_next] += e
        f = max(p["rau"], 1.0 / self.n[s][a]) if exact else p["rau"]
        self.R[s][a] += f * (r - self.R[s][a])
        self.K[s][a] += f * (k - self.K[s][a])
        return delta


RULES = {
    "q_learning": "q_learning", "redish2004": "redish2004", "dezfouli2009": "dezfouli2009",
    "latent_state": "redish2004", "dual_process": "dezfouli2009",
    "model_based": "dezfouli2009", "dual_process_mb": "dezfouli2009",
}


def make_reference(name: str, params: Any, n_states: int, n_actions: int, cue_dim: int,
                   capacity: int = 8, index: int = 0,
                   salience: list[float] | None = None) -> Any:
    """The reference of learner ``name`` for individual ``index`` of resolved ``params``."""
    p = scalar_params(params, index)
    if name == "model_based":
        return Planner(Tabular(RULES[name], p, n_states, n_actions), p, n_states, n_actions)
    if name == "dual_process_mb":
        inner = Latent(RULES[name], p, capacity, n_actions, cue_dim, salience)
        return Planner(inner, p, capacity, n_actions)
    if name in ("latent_state", "dual_process"):
        return Latent(RULES[name], p, capacity, n_actions, cue_dim, salience)
    return Tabular(RULES[name], p, n_states, n_actions)


# ------------------------------------------------------------------------------ two tasks
# The substance and gambling tasks (envs/substance.py, envs/gambling.py) for one individual,
# written from their docstrings: the oracle the tasks' kernels are checked against. ``c`` is
# the individual's conditions, a dict of floats.
def substance_step(s: int, a: int, z: float, c: dict[str, float], dose: float
                   ) -> tuple[float, int, bool, bool, bool, float]:
    """(reward, next state, drug, addictive, optimal, dose after): in s0 the addictive action
    goes to s1 with r ~ N(r1_mean, r1_sd), the natural action stays with r ~ N(r0_mean,
    r0_sd); s1 returns to s0 with r ~ N(r2_mean, r2_sd). The drug when the addictive action
    meets drug_available > 0.5; the dose trace 1 then, else halved every dose_half_life."""
    addictive = s == 0 and a == 1
    if addictive:
        reward = c["r1_mean"] + c["r1_sd"] * z
    elif s == 0:
        reward = c["r0_mean"] + c["r0_sd"] * z
    else:
        reward = c["r2_mean"] + c["r2_sd"] * z
    drug = addictive and c["drug_available"] > 0.5
    dose = 1.0 if drug else dose * 0.5 ** (1.0 / c["dose_half_life"])
    best = 0 if 2.0 * c["r0_mean"] >= c["r1_mean"] + c["r2_mean"] else 1
    return reward, 1 if addictive else 0, drug, addictive, s != 0 or a == best, dose


def substance_cue(s: int, noise: list[float], c: dict[str, float], dose: float) -> list[float]:
    """[is_s0, is_s1, cue_shown, context, dose] plus cue_noise times the noise."""
    clean = [float(s == 0), float(s == 1), c["cue_shown"], c["context"], dose]
    return [c["cue_noise"] * e + v for e, v in zip(noise, clean, strict=True)]


def gambling_step(s: int, a: int, z: float, u: float, c: dict[str, float], payout: float
                  ) -> tuple[float, int, bool, bool, bool, float]:
    """(reward, next state, drug (never), bet, optimal, payout after): in s_init a bet (with
    available > 0.5) wins when u < p_win, to s_win with the payout stake x N(win_mean,
    win_sd), or loses, to s_loss with stake x N(loss_mean, loss_sd) + loss_offset; an outcome
    state pays the payout shown and returns to s_init. Betting is optimal only when the
    game's expected value is above 0."""
    reward = 0.0 if s == 0 else payout
    bet = s == 0 and a == 1 and c["available"] > 0.5
    if bet and u < c["p_win"]:
        payout, nxt = c["stake"] * (c["win_mean"] + c["win_sd"] * z), 1
    elif bet:
        payout, nxt = c["stake"] * (c["loss_mean"] + c["loss_sd"] * z) + c["loss_offset"], 2
    else:
        payout, nxt = 0.0, 0
    ev = (c["stake"] * (c["p_win"] * c["win_mean"] + (1.0 - c["p_win"]) * c["loss_mean"])
          + (1.0 - c["p_win"]) * c["loss_offset"])
    return reward, nxt, False, bet, s != 0 or a == (1 if ev > 0.0 else 0), payout


def gambling_cue(s: int, noise: list[float], c: dict[str, float], payout: float,
                 unit: float = 20.0) -> list[float]:
    """[is_init, is_outcome, near_miss * is_loss, context, payout / unit] plus cue_noise
    times the noise."""
    clean = [float(s == 0), float(s != 0), c["near_miss"] * float(s == 2), c["context"],
             payout / unit]
    return [c["cue_noise"] * e + v for e, v in zip(noise, clean, strict=True)]
