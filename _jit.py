"""The numba switch: one home for whether the compiled kernels run and where they are cached.

The batched learners, the population passes and the hot task cores (substance, gambling) are
written once, as kernels over the individual axis; numba compiles them. Compiled when numba is
installed, unless ``ADDSIM_NUMBA=0``: then numba is not even imported, nothing is compiled, and
the same kernels run as plain Python loops (slow, for debugging; tests/reference.py is the
independent oracle). Kernels are cached on disk in the user cache directory
(``NUMBA_CACHE_DIR`` if set, else platformdirs' ``user_cache_dir("addsim")/numba``), never next
to the installed modules: a read-only site-packages works, an uninstall leaves nothing behind,
and a second run loads instead of compiling. Where no cache folder is writable (a container
with a random user id and no home), kernels compile in memory in each process: a slower start,
no failure.

Each population kernel exists twice: threaded (``prange`` split over the cores) and serial.
A call runs the serial one when there is one thread (batch workers) or fewer than
``THREADED_FROM`` individuals: threads gain nothing on a thousand people, and the serial form
compiles in well under half the time, which is most of a first run. Both give the same
numbers (every kernel writes per individual or per chunk of ``CHUNK``, never a shared sum),
and each is compiled only when first called, so a run compiles what it uses.
:func:`compiling` reports the first compilation (the CLI says "compiling kernels") and
:func:`compile_seconds` its time, which the progress bar leaves out of the time left.

envs/, agents/ and population/ import this module and nothing of each other for it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time
import types
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

WANTED = os.environ.get("ADDSIM_NUMBA", "1") != "0"
CHUNK = 256  # individuals per parallel work item of a population pass
THREADED_FROM = 2048  # individuals from which a kernel runs threaded (8 work items)


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
    try:  # numba is optional: without it the kernels run as plain Python
        import numba
    except ImportError:  # pragma: no cover - exercised only where numba is not installed
        numba = None
    if numba is not None and CACHE_DIR is not None:
        numba.config.CACHE_DIR = CACHE_DIR  # numba may have been imported before us

ENABLED = numba is not None
CACHE = CACHE_DIR is not None


def jit_parallel(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Compile ``fn`` with numba as a :class:`Kernel`: threaded over ``prange`` for large
    populations, serial for small ones (each cached on disk where possible)."""
    if numba is None:
        return fn
    return Kernel(fn)


class Kernel:
    """A population kernel with a threaded and a serial compilation, each made on first use.

    The individual axis is the most common length among the 1-D array arguments (every
    kernel takes several per-individual vectors); which argument carries it is found on the
    first call. The serial form is a copy of the function under another name, so that numba
    caches the two in different files.
    """

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.__doc__, self.__name__, self.__wrapped__ = fn.__doc__, fn.__name__, fn
        self.threaded = numba.njit(parallel=True, cache=CACHE, fastmath=False, nogil=True)(fn)
        twin = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                                  fn.__closure__)
        twin.__qualname__ = f"{fn.__qualname__}__serial"
        twin.__module__, twin.__doc__ = fn.__module__, fn.__doc__
        self.serial = numba.njit(cache=CACHE, fastmath=False, nogil=True)(twin)
        self.axis: int | None = None  # index of an argument whose length is the individuals
        self.last: Any = self.serial

    def individuals(self, args: tuple[Any, ...]) -> int:
        """The length of the individual axis in this call."""
        if self.axis is None:
            lengths = [(i, a.shape[0]) for i, a in enumerate(args)
                       if isinstance(a, np.ndarray) and a.ndim == 1]
            if not lengths:
                return 0
            common = Counter(n for _, n in lengths).most_common(1)[0][0]
            self.axis = next(i for i, n in lengths if n == common)
        return int(args[self.axis].shape[0])

    def __call__(self, *args: Any) -> Any:
        big = self.individuals(args) >= THREADED_FROM and numba.get_num_threads() > 1
        self.last = self.threaded if big else self.serial
        return self.last(*args)

    def __getattr__(self, name: str) -> Any:  # stats, signatures: of the form that ran last
        if name == "last":  # not set yet (an object being copied)
            raise AttributeError(name)
        return getattr(self.last, name)


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


_Listener: Any = object
if numba is not None:
    from numba.core import event as _event

    _Listener = _event.Listener


class _CompileWatch(_Listener):  # type: ignore[misc,valid-type]
    """A numba event listener: the wall time spent compiling addsim's kernels in this
    process, and a callback at the start of the first compilation (not a cache load)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.depth = 0
        self.started = 0.0
        self.callbacks: list[Callable[[], None]] = []
        self.lock = threading.Lock()

    def on_start(self, event: Any) -> None:
        with self.lock:
            self.depth += 1
            if self.depth > 1:
                return  # a helper compiled inside a kernel's compilation
            self.started = time.perf_counter()
            callbacks, self.callbacks = self.callbacks, []
        for callback in callbacks:
            callback()

    def on_end(self, event: Any) -> None:
        with self.lock:
            self.depth -= 1
            if self.depth == 0:
                self.seconds += time.perf_counter() - self.started



_watch = _CompileWatch()
if numba is not None:
    _event.register("numba:compile", _watch)


def compile_seconds() -> float:
    """Wall seconds this process has spent compiling kernels (0 when all came from cache)."""
    return _watch.seconds


@contextlib.contextmanager
def compiling(say: Callable[[], None]) -> Iterator[None]:
    """Within the block, call ``say()`` once if a kernel starts compiling (the first run
    after an install or a change; later runs load the kernels from the cache and stay
    silent)."""
    with _watch.lock:
        _watch.callbacks.append(say)
    try:
        yield
    finally:
        with _watch.lock:
            if say in _watch.callbacks:
                _watch.callbacks.remove(say)


def describe() -> dict[str, Any]:
    """Whether the kernels run compiled (numba version, threads, cache) or as plain Python."""
    if not ENABLED:
        return {"kernels": "plain Python (ADDSIM_NUMBA=0 or numba not installed)"}
    return {"kernels": f"numba {numba.__version__}", "threads": numba.get_num_threads(),
            "cache": CACHE_DIR or "none (in memory)"}
