"""The compiled kernels' two forms and the first-run notice (addsim._jit): a small
population runs the serial form, a large one the threaded form, with the same numbers; a
compilation is announced once and its time counted, a cache load is silent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from addsim import _jit

needs_numba = pytest.mark.skipif(_jit.numba is None, reason="numba is not installed")


def _records(size: int) -> np.ndarray:
    from addsim.population import config as C
    from addsim.population.model import PopulationModel

    model = PopulationModel(C.load(sets=[f"population.size={size}", "run.ticks=60"]))
    model.run(60)
    return model.records.table


@needs_numba
def test_serial_and_threaded_forms_give_the_same_population(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """3,000 people (12 work items of 256) run once with every kernel threaded and once with
    every kernel serial: identical records, and each run really used the form it was meant
    to (checked on the classifier, the status and the network kernels)."""
    if _jit.numba.get_num_threads() < 2:
        pytest.skip("one thread: the threaded form is never chosen")
    from addsim.agents import _kernels
    from addsim.population import network, status

    kernels = (_kernels.latent_observe, status._update_kernel, network._count_kernel)
    runs = []
    for threaded_from, form in ((1, "threaded"), (10**9, "serial")):
        monkeypatch.setattr(_jit, "THREADED_FROM", threaded_from)
        runs.append(_records(3000))
        assert all(k.last is getattr(k, form) for k in kernels), form
    np.testing.assert_array_equal(runs[0], runs[1])
    assert runs[0][..., 0].min() < runs[0][..., 0].max()  # statuses moved


@needs_numba
def test_the_individual_axis_is_the_common_length_of_the_vectors() -> None:
    """The network count takes offsets (N + 1), neighbours (edges), flags and counts (N):
    the individual axis is N, not the number of edges; the argument found on the first call
    is the one read on later calls (other sizes)."""
    kernel = _jit.Kernel(lambda indptr, indices, active, out: None)
    n, edges = 500, 5000
    args = (np.zeros(n + 1, np.int64), np.zeros(edges, np.int32), np.zeros(n, bool),
            np.zeros(n, np.int64))
    assert kernel.individuals(args) == n
    assert kernel.axis == 2
    assert kernel.individuals((None, np.zeros(7), np.zeros(3), np.zeros(7))) == 3
    other = _jit.Kernel(lambda s, scale, x: None)
    assert other.individuals((np.zeros(9), 2.0, np.zeros((9, 4)))) == 9


@needs_numba
def test_a_compilation_is_announced_once_and_timed() -> None:
    """Inside ``compiling``, the first compilation calls back once (two compile); the time is
    counted; outside the block nothing is called."""
    calls: list[int] = []
    before = _jit.compile_seconds()
    with _jit.compiling(lambda: calls.append(1)):
        f = _jit.numba.njit(lambda x: x + 1)
        assert f(1) == 2 and f(2.5) == 3.5  # two signatures: two compilations
    assert calls == [1]
    assert _jit.compile_seconds() > before
    g = _jit.numba.njit(lambda x: x * 2)
    g(3)
    assert calls == [1]


PROBE = """
import json, numpy as np
from addsim import _jit
from addsim.population import network
said = []
with _jit.compiling(lambda: said.append(1)):
    out = np.zeros(3, dtype=np.int64)
    network._count_kernel(np.array([0, 1, 2, 2]), np.array([1, 0], np.int32),
                          np.array([1, 1, 0], bool), out)
print(json.dumps({"said": len(said), "seconds": _jit.compile_seconds()}))
"""


@needs_numba
def test_a_cache_load_is_silent(tmp_path: Path) -> None:
    """The first process compiles (one notice, seconds counted); the second loads the kernel
    from the cache folder: no notice, no compile time."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    seen = []
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                              env=env, timeout=300, check=True)
        seen.append(json.loads(done.stdout.splitlines()[-1]))
    assert seen[0]["said"] == 1 and seen[0]["seconds"] > 0
    assert seen[1] == {"said": 0, "seconds": 0.0}


AHEAD = """
import hashlib, json, os
from addsim import _jit
from addsim.population import config as C
from addsim.population.model import PopulationModel
model = PopulationModel(C.load(sets=["population.size=200", "run.ticks=30", "run.burn_in=6"]))
model.run(30)
try:
    os.waitpid(-1, os.WNOHANG)
    children = True
except ChildProcessError:
    children = False
print(json.dumps({"records": hashlib.sha256(model.records.table.tobytes()).hexdigest(),
                  "children": children, **_jit.last_ahead}))
"""


@needs_numba
@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="compile_ahead forks")
def test_a_cold_first_run_shares_compiling_with_a_helper_and_keeps_its_numbers(
    tmp_path: Path,
) -> None:
    """From an empty cache, the first ticks fork a helper that compiles kernels from the end
    of the tick backwards; the run loads at least one of them from it, leaves no process
    behind, and records exactly what a run compiled alone (ADDSIM_COMPILE_AHEAD=0, its own
    empty cache) records. With the cache filled, no helper is forked."""
    seen = {}
    for name, ahead, cache in (("cold", "1", "a"), ("alone", "0", "b"), ("warm", "1", "a")):
        (tmp_path / "tmp").mkdir(exist_ok=True)
        env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / cache),
               "ADDSIM_COMPILE_AHEAD": ahead, "TMPDIR": str(tmp_path / "tmp")}
        done = subprocess.run([sys.executable, "-c", AHEAD], capture_output=True, text=True,
                              env=env, timeout=600, check=True)
        seen[name] = json.loads(done.stdout.splitlines()[-1])
    assert seen["cold"]["helper"] and seen["cold"]["from_helper"] >= 1, seen["cold"]
    assert seen["alone"].get("helper") is None  # the block never started a helper
    assert not seen["warm"]["helper"] and seen["warm"]["from_helper"] == 0, seen["warm"]
    assert seen["cold"]["records"] == seen["alone"]["records"] == seen["warm"]["records"]
    assert not any(s["children"] for s in seen.values())
    assert not list((tmp_path / "tmp").iterdir())  # the claims folder removed
