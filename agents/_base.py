"""Shared machinery of the batched learners: parameters, softmax choice, the learner shell.

Vectorization contract: a learner holds N individuals. Parameters are scalars or (N,) arrays
(per-individual risk factors); state arrays have a leading individual axis. Randomness is
drawn by the caller (uniforms) and passed in, so a batched run and the per-individual
reference in tests/ consume the same numbers.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

import numpy as np

from addsim._errors import did_you_mean


def param(default: float, low: float, high: float, doc: str) -> Any:
    """A learner parameter: its default, the closed interval it must lie in, and what it is."""
    return field(default=default, metadata={"low": low, "high": high, "doc": doc})


@dataclass(frozen=True)
class Params:
    """Base of the frozen parameter sets; fields are floats or per-individual arrays."""

    presets: ClassVar[dict[str, dict[str, float]]] = {}

    @classmethod
    def preset(cls, name: str = "report", **overrides: Any) -> Self:
        """The named parameter preset (``paper`` or ``report``) with ``overrides`` applied."""
        if name not in cls.presets:
            allowed = sorted(cls.presets)
            raise ValueError(
                f"preset: got {name!r}, expected one of {allowed}" + did_you_mean(name, allowed)
            )
        values = {**cls.presets[name], **overrides}
        return cls(**values)

    @classmethod
    def describe(cls) -> dict[str, dict[str, Any]]:
        """Every field with its default, range and documentation (for --help and configs)."""
        return {
            f.name: {"default": f.default, **f.metadata}
            for f in dataclasses.fields(cls)
            if f.metadata
        }

    def resolve(self, n: int) -> Self:
        """Validate every field and broadcast it to a float64 (N,) array."""
        out = {}
        for f, low, high in self._bounds():
            value = getattr(self, f.name)
            if isinstance(value, float | int):  # a scalar: checked without numpy (newcomers
                v = float(value)  # build a learner each time, most fields scalars)
                if not (math.isfinite(v) and low <= v <= high):
                    raise self._out_of_range(f, v)
                out[f.name] = np.full(n, v)
                continue
            arr = np.asarray(value, dtype=np.float64)
            if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != n):
                raise ValueError(
                    f"{type(self).__name__}.{f.name}: got shape {arr.shape}, "
                    f"expected a scalar or ({n},)"
                )
            bad = ~(np.isfinite(arr) & (arr >= low) & (arr <= high))
            if bad.any():
                raise self._out_of_range(f, float(np.atleast_1d(arr)[np.atleast_1d(bad)][0]))
            out[f.name] = np.broadcast_to(arr, (n,)).astype(np.float64, copy=True)
        # the same values as arrays: what dataclasses.replace makes, without running the
        # constructor's checks a second time (they passed on these values when self was made)
        resolved = object.__new__(type(self))
        resolved.__dict__.update(vars(self))
        resolved.__dict__.update(out)
        return resolved

    @classmethod
    @functools.cache
    def _bounds(cls) -> tuple[tuple[dataclasses.Field[Any], float, float], ...]:
        """Every field with the closed interval it must lie in (once per class: a newcomer's
        learner resolves its parameters each time)."""
        return tuple((f, f.metadata.get("low", -np.inf), f.metadata.get("high", np.inf))
                     for f in dataclasses.fields(cls))

    def _out_of_range(self, f: dataclasses.Field[Any], shown: float) -> ValueError:
        """The one-line error for field ``f`` holding ``shown``, outside its interval."""
        low, high = f.metadata.get("low", -np.inf), f.metadata.get("high", np.inf)
        return ValueError(
            f"{type(self).__name__}.{f.name}: got {shown!r}, "
            f"expected a value in [{low}, {high}] ({f.metadata.get('doc', '')})"
        )


def softmax_policy(
    values: np.ndarray, beta: np.ndarray, mask: np.ndarray | None = None
) -> np.ndarray:
    """Softmax over the last axis of ``values`` (N, A) with inverse temperature ``beta`` (N,).

    The max is subtracted before exponentiating (values grow without bound under Redish 2004).
    ``mask`` (N, A) bool marks allowed actions; a masked action gets probability 0.
    """
    v = beta[:, None] * values
    if mask is not None:
        v = np.where(mask, v, -np.inf)
    v = v - v.max(axis=1, keepdims=True)
    e = np.exp(v)
    return e / e.sum(axis=1, keepdims=True)


def epsilon_greedy_policy(
    values: np.ndarray, epsilon: np.ndarray, mask: np.ndarray | None = None
) -> np.ndarray:
    """Epsilon-greedy probabilities (N, A): 1 - epsilon shared by the max set of allowed
    actions (ties at random), epsilon spread over every allowed action (Dezfouli 2009)."""
    allowed = np.ones(values.shape, bool) if mask is None else np.asarray(mask, bool)
    v = np.where(allowed, values, -np.inf)
    best = allowed & (v == v.max(axis=1, keepdims=True))
    n_best = best.sum(axis=1, keepdims=True)
    n_allowed = allowed.sum(axis=1, keepdims=True)
    eps = epsilon[:, None]
    return (1.0 - eps) * best / n_best + eps * allowed / n_allowed


def flat_arrays(*arrays: Any, dtypes: tuple[type, ...]) -> list[np.ndarray]:
    """The arrays broadcast together, contiguous and 1-D, each of its dtype: the form the
    per-transition rules' loops take (agents/redish2004.py, agents/dezfouli2009.py)."""
    shape = np.shape(arrays[0])
    if len(shape) == 1 and all(  # already so (each tick's usual case): no copies, no views
        type(a) is np.ndarray and a.shape == shape and a.dtype == t and a.flags.c_contiguous
        for a, t in zip(arrays, dtypes, strict=True)
    ):
        return list(arrays)
    out = np.broadcast_arrays(*(np.asarray(a, t) for a, t in zip(arrays, dtypes, strict=True)))
    return [np.ascontiguousarray(a.reshape(-1)) for a in out]


def sample(p: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF choice: per row of ``p`` (N, A), the index where cumsum(p) first exceeds u
    (the last index with p > 0 if u * total rounds up to the total)."""
    c = np.cumsum(p, axis=1)
    idx = (c <= u[:, None] * c[:, -1:]).sum(axis=1)
    last = p.shape[1] - 1 - np.argmax(p[:, ::-1] > 0, axis=1)
    return np.minimum(idx, last).astype(np.int64)


@dataclass
class Step:
    """What one learning step computed, per individual (for records and tests)."""

    delta: np.ndarray  # (N,) the prediction error that updated Q
    created: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # (N,) new latent state
