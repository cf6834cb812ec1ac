"""The numba switch: one home for whether the compiled kernels run and where they are cached.

The batched learners, task cores and population passes are written as numpy expressions (the
reference form); on the hot path the same equations run as numba kernels over the individual
axis. Compiled when numba is installed, unless ``ADDSIM_NUMBA=0``: then numba is not even
imported, so nothing is ever compiled. Kernels are cached on disk in the user cache directory
(``NUMBA_CACHE_DIR`` if set, else platformdirs' ``user_cache_dir("addsim")/numba``), never next
to the installed modules: a read-only site-packages works, an uninstall leaves nothing behind,
and a second run loads instead of compiling. Where no cache folder is writable (a container
with a random user id and no home), kernels compile in memory in each process: a slower start,
no failure.

envs/, agents/ and population/ import this module and nothing of each other for it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

WANTED = os.environ.get("ADDSIM_NUMBA", "1") != "0"
CHUNK = 256  # individuals per parallel work item of a population pass


def cache_dir() -> str | None:
    """The writable folder numba caches kernels in, or None when there is none."""
    path = os.environ.get("NUMBA_CACHE_DIR")
    if not path:
        try:
            from platformdirs import user_cache_dir

            path = str(Path(user_cache_dir("addsim", appauthor=False)) / "numba")
        except (ImportError, OSError, RuntimeError, KeyError):
            return None
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError:
        return None
    return path


numba: Any = None
CACHE_DIR: str | None = None
if WANTED:
    CACHE_DIR = cache_dir()
    if CACHE_DIR is not None:
        os.environ["NUMBA_CACHE_DIR"] = CACHE_DIR  # read by numba's config at its import
    try:  # numba is optional: without it the numpy form runs
        import numba
    except ImportError:  # pragma: no cover - exercised only where numba is not installed
        numba = None
    if numba is not None and CACHE_DIR is not None:
        numba.config.CACHE_DIR = CACHE_DIR  # numba may have been imported before us

ENABLED = numba is not None
CACHE = CACHE_DIR is not None


def jit_parallel(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Compile ``fn`` with numba (threads over ``prange``, cached on disk where possible)."""
    if numba is None:
        return fn
    return numba.njit(parallel=True, cache=CACHE, fastmath=False, nogil=True)(fn)


def jit(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Compile a serial helper with numba (inlined into the kernels that call it)."""
    if numba is None:
        return fn
    return numba.njit(cache=CACHE)(fn)


def _prange(n: int) -> range:  # pragma: no cover - replaced under numba
    return range(n)


prange: Callable[..., Any] = numba.prange if numba is not None else _prange


def set_threads(n: int) -> None:
    """Use ``n`` compute threads in the parallel kernels (no-op without numba)."""
    if numba is not None:
        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))


def describe() -> dict[str, Any]:
    """Whether the compiled kernels run (numba version, threads, cache) or the numpy form."""
    if not ENABLED:
        return {"kernels": "numpy (ADDSIM_NUMBA=0 or numba not installed)"}
    return {"kernels": f"numba {numba.__version__}", "threads": numba.get_num_threads(),
            "cache": CACHE_DIR or "none (in memory)"}
