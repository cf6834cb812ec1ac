"""Odd machines (issue 17 item 4): a random user id with no home directory, an install it
cannot write to and an unwritable NUMBA_CACHE_DIR still runs every command; ADDSIM_NUMBA=0
never imports numba, even through the command line."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from addsim import _jit

ROOT = Path(__file__).resolve().parents[1]
STRANGER = 54_321
PROBE = """
import json, numpy as np
from addsim import _jit
from addsim.population import network
out = np.zeros(3, dtype=np.int64)
network._count_kernel(np.array([0, 1, 2, 2]), np.array([1, 0]), np.array([1, 1, 0], bool), out)
print(json.dumps({**_jit.describe(), "counts": out.tolist()}))
"""  # a user id with no passwd entry, as containers run with random ids


def _as_stranger(argv: list[str], cwd: Path, prefix: tuple[str, ...], **env: str
                 ) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` with HOME=/nonexistent, behind ``prefix`` (``stranger()``: as a user id
    that owns nothing, so the install and the home are really read-only to it; () as
    ourselves)."""
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent",
            "XDG_CACHE_HOME": "/nonexistent/.cache", **env}
    return subprocess.run([*prefix, *argv], capture_output=True, text=True, env=full,
                          cwd=cwd, timeout=240)


@functools.cache
def stranger() -> tuple[str, ...]:
    """The command prefix that runs as a user id owning nothing (when we are root and that
    user can still start this interpreter), else nothing (we run as ourselves)."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        return ()
    prefix = (setpriv, f"--reuid={STRANGER}", f"--regid={STRANGER}", "--clear-groups",
              "--inh-caps=-all")
    probe = subprocess.run([*prefix, sys.executable, "-c", "import addsim"], cwd="/",
                           capture_output=True, timeout=60)
    return prefix if probe.returncode == 0 else ()


def _unwritable(tmp_path: Path) -> str:
    """A NUMBA_CACHE_DIR nobody can create: a path under a regular file."""
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    return str(blocker / "numba")


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder the stranger can reach and write (pytest's tmp_path is private to us)."""
    path = Path(tempfile.mkdtemp(prefix="addsim-stranger-"))
    path.chmod(0o777)  # the stranger's only writable place: the output folder
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _no_home_and_no_cache(out: Path, prefix: tuple[str, ...]) -> None:
    """`addsim --version` and a small `addsim run` succeed with no home and an unwritable
    NUMBA_CACHE_DIR, run behind ``prefix``; the kernels compile in memory (no cache folder
    reported)."""
    cache = _unwritable(out)
    version = _as_stranger([sys.executable, "-m", "addsim", "--version"], out, prefix,
                           NUMBA_CACHE_DIR=cache)
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("addsim ") and "Traceback" not in version.stderr
    probe = _as_stranger([sys.executable, "-c", PROBE], out, prefix, NUMBA_CACHE_DIR=cache)
    assert probe.returncode == 0, probe.stderr
    result = json.loads(probe.stdout)
    assert result["counts"] == [1, 1, 0]  # a compiled kernel ran, in memory
    if _jit.numba is not None:
        assert result["kernels"].startswith("numba") and result["cache"] == "none (in memory)"
    # The whole command on the numpy form (compiling every kernel in memory takes 30 s).
    run = _as_stranger([sys.executable, "-m", "addsim", "run", "--out", str(out / "r"),
                        "--ticks", "3", "--set", "population.size=30", "--set",
                        "run.burn_in=0"], out, prefix,
                       NUMBA_CACHE_DIR=cache, ADDSIM_NUMBA="0")
    assert run.returncode == 0, run.stderr
    assert (out / "r" / "prevalence.parquet").is_file()


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX user ids")
def test_version_and_a_run_with_no_home_and_a_read_only_install(shared: Path) -> None:
    """As a user id that owns nothing (so the install and the home are really read-only to
    it): skipped, saying why, where this process cannot drop privileges (not root, no
    setpriv, or the stranger cannot start this interpreter); it used to run as ourselves
    there, exercising no read-only install and saying nothing."""
    if not stranger():
        pytest.skip("cannot run as another user id (needs root, setpriv and an interpreter "
                    "that user can start): the read-only install is not exercised here")
    probe = subprocess.run([*stranger(), "sh", "-c", f"test -w {ROOT / '__init__.py'}"],
                           capture_output=True, timeout=60)
    assert probe.returncode != 0, "the stranger can write the install: nothing is read-only"
    _no_home_and_no_cache(shared, stranger())


def test_version_and_a_run_with_no_home_and_no_writable_cache(tmp_path: Path) -> None:
    """Where the test above is skipped: the same commands as ourselves, HOME=/nonexistent and
    an unwritable NUMBA_CACHE_DIR (the install stays writable: not the read-only case)."""
    if stranger():
        pytest.skip("covered as the stranger by the read-only install test")
    _no_home_and_no_cache(tmp_path, ())


def test_addsim_numba_0_never_imports_numba_through_the_cli(tmp_path: Path) -> None:
    """ADDSIM_NUMBA=0: the whole command line (parser, run, batch modules) runs without numba
    in sys.modules, so nothing can be compiled."""
    code = ("import sys; from addsim.population.cli import main; "
            f"rc = main(['run', '--out', {str(tmp_path / 'r')!r}, '--ticks', '2', "
            "'--set', 'population.size=20', '--set', 'run.burn_in=0']); "
            "print(rc, 'numba' in sys.modules)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "ADDSIM_NUMBA": "0"}, timeout=240, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split()[-2:] == ["0", "False"]
