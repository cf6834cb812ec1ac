"""Install-time behaviour of the compiled kernels (addsim._jit): where numba caches, that a
second process loads instead of compiling, that no writable cache folder is no failure, and
that ADDSIM_NUMBA=0 never imports numba."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from addsim import _jit

PROBE = """
import json, numpy as np
from addsim import _jit
from addsim.population import network
out = np.zeros(3, dtype=np.int64)
network._count_kernel(np.array([0, 1, 2, 2]), np.array([1, 0]), np.array([1, 1, 0], bool), out)
stats = network._count_kernel.stats
print(json.dumps({"cache_dir": _jit.CACHE_DIR, "hits": sum(stats.cache_hits.values()),
                  "misses": sum(stats.cache_misses.values()), "counts": out.tolist()}))
"""


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=full, timeout=300, cwd=env.get("CWD", None))


needs_numba = pytest.mark.skipif(_jit.numba is None, reason="numba is not installed")


@needs_numba
def test_kernels_cache_in_the_cache_folder_and_a_second_process_loads_them(
    tmp_path: Path,
) -> None:
    """The first process compiles into NUMBA_CACHE_DIR (nothing beside the modules); the
    second finds every kernel there (cache hits, no misses)."""
    cache = tmp_path / "cache"
    first = _python(PROBE, NUMBA_CACHE_DIR=str(cache))
    assert first.returncode == 0, first.stderr
    a = json.loads(first.stdout)
    assert a["cache_dir"] == str(cache) and a["counts"] == [1, 1, 0]
    assert list(cache.rglob("*.nbi")) and a["misses"] >= 1
    second = json.loads(_python(PROBE, NUMBA_CACHE_DIR=str(cache)).stdout)
    assert second["hits"] >= 1 and second["misses"] == 0
    package = Path(_jit.__file__).parent
    assert not [p for p in package.rglob("*.nbi") if ".venv" not in p.parts]


@needs_numba
def test_no_writable_cache_folder_is_no_failure(tmp_path: Path) -> None:
    """With no writable cache folder (and no usable home) the kernels compile in memory:
    `addsim --version` and a compiled pass still work."""
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    env = {"NUMBA_CACHE_DIR": str(blocker / "numba"), "HOME": str(blocker),
           "XDG_CACHE_HOME": str(blocker)}
    probe = _python(PROBE, **env)
    assert probe.returncode == 0, probe.stderr
    assert json.loads(probe.stdout)["cache_dir"] is None
    version = _python("from addsim.population.cli import main; main(['--version'])", **env)
    assert version.returncode == 0 and version.stdout.startswith("addsim "), version.stderr


def test_addsim_numba_0_never_imports_numba() -> None:
    """ADDSIM_NUMBA=0 selects the numpy form everywhere: numba is not even imported."""
    code = ("import sys; from addsim import _jit; import addsim.population.model; "
            "print(_jit.ENABLED, 'numba' in sys.modules)")
    res = _python(code, ADDSIM_NUMBA="0")
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["False", "False"]
