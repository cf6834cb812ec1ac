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
import hashlib
import os
import shutil
import signal
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
AHEAD_MAX = 10_000  # individuals up to which a cold first run shares compiling with a helper
AHEAD_WAIT = 120.0  # seconds this process waits for one kernel from the helper at most


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
        _KERNELS.append(self)

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
        n = args[self.axis].shape[0] if self.axis is not None else self.individuals(args)
        big = n >= THREADED_FROM and numba.get_num_threads() > 1
        form = self.last = self.threaded if big else self.serial
        if _ahead.active:
            return _ahead.call(self, form, args)
        if big:
            _ahead.threads_started = True
        return form(*args)

    def __getattr__(self, name: str) -> Any:  # stats, signatures: of the form that ran last
        if name == "last":  # not set yet (an object being copied)
            raise AttributeError(name)
        return getattr(self.last, name)


_KERNELS: list[Kernel] = []  # every population kernel, for the helper of compile_ahead


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


class _Ahead:
    """A cold first compilation shared between this process and a forked helper.

    Compiling is most of a first run (13-17 s here at 1,000 people, one kernel after the
    other: numba holds one lock, so threads cannot share it), and the machine has a second
    core. Within :func:`compile_ahead`, the first call of a kernel that is not in the disk
    cache forks a helper. The helper runs the rest of the block on its copy of the process
    with every kernel as plain Python (its numbers are thrown away), noting which kernels
    and signatures the block calls, then compiles them from the last one backwards, into the
    shared disk cache. This process compiles them from the first one forwards. Each
    (kernel, form, signature) is claimed by whoever reaches it first (an exclusively created
    file); where the helper has claimed one, this process waits for it and loads it from the
    cache. The two meet in the middle. This process always runs compiled code it compiled or
    loaded itself, so results are those of a warm run.
    """

    def __init__(self) -> None:
        self.active = False  # inside compile_ahead's block (and a fork may still happen)
        self.helper = False  # this process is the helper
        self.forked = False
        self.pid = 0  # the helper's, in this process (0: dead or reaped)
        self.folder = ""  # claims and done markers
        self.passed: set[str] = set()  # keys this process has called
        self.recorded: list[tuple[Any, tuple[Any, ...], str]] = []  # the helper's, in order
        self.swapped: list[tuple[dict[str, Any], str, Any]] = []  # the helper's Python forms
        self.threads_started = False  # a threaded kernel ran: no fork after that
        self.waited = 0.0
        self.from_helper = 0  # kernels this process waited for and loaded from the helper

    @staticmethod
    def key(form: Any, sig: tuple[Any, ...]) -> str:
        fn = form.py_func
        text = f"{fn.__module__}.{fn.__qualname__}|{sig}"
        return hashlib.sha1(text.encode()).hexdigest()[:20]

    def claim(self, key: str) -> bool:
        """Claim ``key`` for this process; False if the other one already has."""
        try:
            os.close(os.open(os.path.join(self.folder, key), os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            return False
        return True

    def call(self, kernel: Kernel, form: Any, args: tuple[Any, ...]) -> Any:
        sig = tuple(numba.typeof(a) for a in args)
        key = self.key(form, sig)
        if self.helper:
            if key not in self.passed:
                self.passed.add(key)
                self.recorded.append((form, sig, key))
            return kernel.fn(*args)
        if key in self.passed or sig in form.overloads:
            self.passed.add(key)
            return form(*args)
        self.passed.add(key)
        if not self.forked:
            if _cached(form, sig):  # a warm cache: nothing to share, no helper
                self.active = False
                return form(*args)
            self.fork(key)
            if self.helper:
                return self.call(kernel, form, args)
            return form(*args)
        if not self.claim(key) and self.wait(key):
            self.from_helper += 1
        return form(*args)

    def fork(self, first: str) -> None:
        self.forked = True
        self.folder = tempfile.mkdtemp(prefix="addsim-compile-")
        self.claim(first)  # before the fork: the helper sees it taken
        parent = os.getpid()
        pid = os.fork()
        if pid:
            self.pid = pid
            return
        _die_with(parent)
        self.helper = True  # the helper: silent, and killed by Ctrl-C like any process
        self.passed = set()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        self.swapped = _python_helpers()

    def wait(self, key: str) -> bool:
        """Until the helper has compiled ``key`` (True) or has stopped without it (False)."""
        t0 = time.perf_counter()
        done = os.path.join(self.folder, key + ".done")
        while self.pid and not os.path.exists(done):
            if os.waitpid(self.pid, os.WNOHANG)[0]:
                self.pid = 0
            elif time.perf_counter() - t0 > AHEAD_WAIT:  # stuck: compile it here instead
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
                self.pid = 0
            else:
                time.sleep(0.005)
        seconds = time.perf_counter() - t0
        self.waited += seconds
        with _watch.lock:
            _watch.seconds += seconds  # compile time, as far as the progress bar is concerned
        return os.path.exists(done)

    def compile_backwards(self) -> None:
        """The helper's part: the recorded kernels from the last, until one is claimed."""
        for g, name, value in self.swapped:
            g[name] = value
        for form, sig, key in reversed(self.recorded):
            if not self.claim(key):
                break
            form.compile(sig)
            os.close(os.open(os.path.join(self.folder, key + ".done"), os.O_CREAT))

    def finish(self) -> None:
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
        global last_ahead
        last_ahead = {"helper": self.forked, "from_helper": self.from_helper,
                      "waited_s": round(self.waited, 3)}
        threads = self.threads_started
        self.__init__()  # type: ignore[misc]
        self.threads_started = threads


_ahead = _Ahead()
# the last compile_ahead block of this process: whether a helper was forked, how many kernels
# came from it, and the seconds spent waiting for them
last_ahead: dict[str, Any] = {}


def _die_with(parent: int) -> None:
    """In the helper: be killed when ``parent`` ends, however it ends (Linux's
    PR_SET_PDEATHSIG; elsewhere the helper ends when its compiling does)."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it ended before the request took hold
        os._exit(0)


def _cached(form: Any, sig: tuple[Any, ...]) -> bool:
    """Whether numba's disk cache holds ``form`` for ``sig`` (numba's own index and key;
    where that cannot be read, True: no helper is started)."""
    try:
        cache = form._cache
        key = cache._index_key(sig, form.targetctx.codegen())
        return key in cache._cache_file._load_index()
    except Exception:  # numba internals: any change there means no helper
        return True


def _python_helpers() -> list[tuple[dict[str, Any], str, Any]]:
    """In the helper: every compiled helper the kernels call replaced by its Python source
    (so running the kernels as Python compiles nothing); the list to put them back."""
    swapped: list[tuple[dict[str, Any], str, Any]] = []
    todo = [k.fn.__globals__ for k in _KERNELS]
    seen: set[int] = set()
    while todo:
        g = todo.pop()
        if id(g) in seen:
            continue
        seen.add(id(g))
        for name, value in list(g.items()):
            py = getattr(value, "py_func", None)
            if py is not None and isinstance(value, numba.core.dispatcher.Dispatcher):
                swapped.append((g, name, value))
                g[name] = py
                todo.append(py.__globals__)
    return swapped


@contextlib.contextmanager
def compile_ahead(n: int) -> Iterator[None]:
    """Run the block (a model's first ticks, nothing but model code) with a cold first
    compilation shared with a forked helper process (:class:`_Ahead`).

    Only where it is safe and pays: numba on, a disk cache to share, ``os.fork``, this
    process single-threaded with no threaded kernel run yet, at most ``AHEAD_MAX``
    individuals (the helper runs the block as plain Python), and not switched off by
    ``ADDSIM_COMPILE_AHEAD=0``. With a warm cache no helper is started. In the helper the
    block ends the process (``os._exit``): nothing after it runs there.
    """
    usable = (ENABLED and CACHE and hasattr(os, "fork") and n <= AHEAD_MAX
              and os.environ.get("ADDSIM_COMPILE_AHEAD", "1") != "0"
              and threading.active_count() == 1 and not _ahead.threads_started
              and not _ahead.active)
    if not usable:
        yield
        return
    _ahead.active = True
    try:
        yield
    finally:
        if _ahead.helper:
            try:
                _ahead.compile_backwards()
            finally:
                os._exit(0)
        _ahead.finish()
