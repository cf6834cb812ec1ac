"""Measuring the code at another git revision beside the working tree, in the same run.

``checkout(root, rev)`` puts REV's code in a temporary git worktree and returns a folder from
which it imports as ``addsim`` (a symlink to the worktree; put it first on PYTHONPATH in a
child process) and REV's full commit; ``env_for(base)`` is that child's environment;
``release(root, base)`` removes the worktree. ``alternate(root, rev, commands, rounds)`` runs
commands with REV's code and the working tree's in turn. ``provenance(root)`` says which
commit the working tree is, the date and the machine, for the JSON a benchmark writes.
"""

from __future__ import annotations

import datetime
import os
import platform
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path


def checkout(root: Path, rev: str) -> tuple[Path, str]:
    """REV's code in a temporary git worktree (``base/tree``), importable as ``addsim`` from
    ``base/import``; returns ``base`` and REV's full commit."""
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", rev], check=True,
                            capture_output=True, text=True).stdout.strip()
    base = Path(tempfile.mkdtemp(prefix="addsim-bench-"))
    tree = base / "tree"
    subprocess.run(["git", "-C", str(root), "worktree", "add", "--detach", "-q", str(tree),
                    commit], check=True)
    (base / "import").mkdir()
    (base / "import" / "addsim").symlink_to(tree, target_is_directory=True)
    return base, commit


def env_for(base: Path) -> dict[str, str]:
    """The environment of a child process that imports the checked-out code as addsim."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(base / "import"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["ADDSIM_BENCH_TESTS"] = str(base / "tree" / "tests")
    return env


def release(root: Path, base: Path) -> None:
    """Remove the worktree and the temporary folder."""
    subprocess.run(["git", "-C", str(root), "worktree", "remove", "--force",
                    str(base / "tree")], check=False)
    shutil.rmtree(base, ignore_errors=True)


def alternate(root: Path, rev: str, commands: list[list[str]], rounds: int,
              done: Callable[[str, str], None] | None = None,
              ) -> tuple[str, dict[str, list[str]]]:
    """Each command ``rounds`` times, REV's code ("before") and the working tree's ("after")
    alternating, each run a fresh process; returns REV's full commit and, per side, each
    run's stdout in order (command by command, round by round). ``done(side, stdout)`` after
    each run (progress)."""
    base, commit = checkout(root, rev)
    out: dict[str, list[str]] = {"before": [], "after": []}
    try:
        for argv in commands:
            for _ in range(rounds):
                for key in ("before", "after"):
                    env = env_for(base) if key == "before" else dict(os.environ)
                    out[key].append(subprocess.run(argv, env=env, check=True,
                                                   capture_output=True, text=True).stdout)
                    if done is not None:
                        done(key, out[key][-1])
    finally:
        release(root, base)
    return commit, out


def provenance(root: Path) -> dict[str, object]:
    """The working tree's commit (and whether it has uncommitted changes), date, machine."""
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],
                          capture_output=True, text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "-C", str(root), "status", "--porcelain"],
                                capture_output=True, text=True).stdout.strip())
    return {"after_commit": head + (" (with uncommitted changes)" if dirty else ""),
            "date": datetime.date.today().isoformat(),
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                        "platform": platform.platform()}}
