"""The two Gymnasium faces over any :class:`~envs._core.TaskCore`: one individual and N at once.

:class:`CoreEnv` is a ``gymnasium.Env`` over a core with ``n = 1``; :class:`CoreVectorEnv` is a
native ``gymnasium.vector.VectorEnv`` over a core with ``n = num_envs`` (in the style of
Gymnasium's ``CartPoleVectorEnv``: next-step autoreset after truncation). A task gets its faces
by subclassing both with ``core_cls`` set. All randomness comes from the face's ``np_random``,
seeded the Gymnasium way by ``reset(seed=...)``: each step draws the core's numbers
(:meth:`TaskCore.draw`) and then, in ``"cue"`` mode, the cue noise.

The tasks are continuing: ``terminated`` is always False; episodes end only by truncation
(``max_episode_steps``, 1000 in the registration). Conditions persist across resets.
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from addsim.envs._core import TaskCore, Transition

OBS_MODES = ("index", "cue")
CUE_BOUND = 1e3  # cue observations are clipped here (never reached: |features| <= 10, sd <= 10)


def _make_core(
    face: object, n: int, obs_mode: str, core_kwargs: dict[str, Any]
) -> tuple[TaskCore, spaces.Space[Any]]:
    """Build ``face``'s core with ``n`` individuals and the single observation space."""
    core_cls: type[TaskCore] | None = getattr(face, "core_cls", None)
    if core_cls is None:
        raise TypeError(f"{type(face).__name__} has no core_cls; use a task's subclass")
    if obs_mode not in OBS_MODES:
        raise ValueError(f"obs_mode: got {obs_mode!r}, expected one of {OBS_MODES}")
    core = core_cls(n, **core_kwargs)
    if obs_mode == "index":
        space: spaces.Space[Any] = spaces.Discrete(core.n_states)
    else:
        space = spaces.Box(-CUE_BOUND, CUE_BOUND, (core.cue_dim,), np.float64)
    return core, space


def _observe(core: TaskCore, obs_mode: str, rng: np.random.Generator) -> np.ndarray:
    """The (N,) state indices or the (N, cue_dim) noisy cues of every individual."""
    if obs_mode == "index":
        return core.state.copy()
    noise = rng.standard_normal((core.n, core.cue_dim))
    return np.clip(core.cue(noise), -CUE_BOUND, CUE_BOUND)


class CoreEnv(gymnasium.Env[Any, int]):
    """One individual of a task core as a ``gymnasium.Env``; subclasses set ``core_cls``.

    Args:
        obs_mode: ``"index"`` (``Discrete(n_states)``) or ``"cue"`` (``Box`` of ``cue_dim``).
        **core_kwargs: conditions of the task (and core arguments such as ``delay``).
    """

    core_cls: ClassVar[type[TaskCore]]
    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}

    def __init__(self, obs_mode: str = "index", **core_kwargs: Any) -> None:
        self.obs_mode = obs_mode
        self.core, self.observation_space = _make_core(self, 1, obs_mode, core_kwargs)
        self.action_space = spaces.Discrete(self.core.n_actions)

    def _obs(self) -> Any:
        obs = _observe(self.core, self.obs_mode, self.np_random)
        return int(obs[0]) if self.obs_mode == "index" else obs[0]

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Put the individual back in the choice state (conditions are kept)."""
        super().reset(seed=seed)
        self.core.reset()
        return self._obs(), {"state": int(self.core.state[0])}

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """One step; info has ``drug``, ``addictive``, ``optimal`` and the new ``state``."""
        tr = self.core.step(np.asarray(action).reshape(-1), self.core.draw(self.np_random))
        info = {
            "drug": bool(tr.drug[0]),
            "addictive": bool(tr.addictive[0]),
            "optimal": bool(tr.optimal[0]),
            "state": int(tr.next_state[0]),
        }
        return self._obs(), float(tr.reward[0]), False, False, info

    def set_condition(self, key: str, value: float) -> None:
        """Set a condition of the task (validated by the core)."""
        self.core.set_condition(key, value)


class CoreVectorEnv(VectorEnv[np.ndarray, np.ndarray, np.ndarray]):
    """N individuals of a task core as a native ``VectorEnv``; subclasses set ``core_cls``.

    Args:
        num_envs: number of individuals N.
        obs_mode: ``"index"`` or ``"cue"``, as for :class:`CoreEnv`.
        max_episode_steps: steps before truncation; the next step then autoresets that
            individual (reward 0, ``drug``/``addictive``/``optimal`` False, action ignored).
        **core_kwargs: conditions (scalars or (N,) arrays) and core arguments.
    """

    core_cls: ClassVar[type[TaskCore]]
    metadata: ClassVar[dict[str, Any]] = {
        "render_modes": [],
        "autoreset_mode": AutoresetMode.NEXT_STEP,
    }

    def __init__(
        self,
        num_envs: int = 1,
        obs_mode: str = "index",
        max_episode_steps: int = 1000,
        **core_kwargs: Any,
    ) -> None:
        self.obs_mode = obs_mode
        self.core, self.single_observation_space = _make_core(self, num_envs, obs_mode, core_kwargs)
        self.num_envs = self.core.n
        self.max_episode_steps = int(max_episode_steps)
        self.single_action_space = spaces.Discrete(self.core.n_actions)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.steps = np.zeros(self.num_envs, dtype=np.int64)
        self.prev_done = np.zeros(self.num_envs, dtype=np.bool_)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Put every individual back in the choice state (conditions are kept)."""
        super().reset(seed=seed)
        self.core.reset()
        self.steps[:] = 0
        self.prev_done[:] = False
        return _observe(self.core, self.obs_mode, self.np_random), {"state": self.core.state.copy()}

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """One step of all N; info arrays ``drug``, ``addictive``, ``optimal``, ``state``."""
        tr: Transition = self.core.step(actions, self.core.draw(self.np_random))
        reward = tr.reward.astype(np.float64)
        self.steps += 1
        truncated = self.steps >= self.max_episode_steps
        # Next-step autoreset of the individuals truncated at the previous step.
        done = self.prev_done
        self.core.reset(index=done)
        self.steps[done] = 0
        reward[done] = 0.0
        truncated[done] = False
        info = {
            "drug": tr.drug & ~done,
            "addictive": tr.addictive & ~done,
            "optimal": tr.optimal & ~done,
            "state": self.core.state.copy(),
        }
        self.prev_done = truncated.copy()
        obs = _observe(self.core, self.obs_mode, self.np_random)
        return obs, reward, np.zeros(self.num_envs, dtype=np.bool_), truncated, info

    def set_condition(
        self, key: str, value: float | np.ndarray, index: np.ndarray | slice | None = None
    ) -> None:
        """Set a condition for all individuals (or those in ``index``), validated by the core."""
        self.core.set_condition(key, value, index)
