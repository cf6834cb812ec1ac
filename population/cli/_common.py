"""What every command shares: the one-line user error, the argument parser, --out, configs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from addsim._errors import shown

EXIT_USAGE = 2


class UsageError(Exception):
    """A user's mistake on the command line: reported in one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse with its own errors as one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"addsim: error: {message}\n")


def out_dir(value: str, what: str = "--out") -> Path:
    """``--out`` as a folder path, checked before any work: not empty, not a file or under
    one, in a writable place (it may not exist yet)."""
    from addsim._errors import ConfigError
    from addsim._files import check_folder

    try:
        return check_folder(value, what)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def out_file(value: str, what: str) -> Path:
    """An output file (``--to``, ``--record``), checked before any work: its folder exists
    and is writable, the name is not a folder."""
    from addsim._errors import ConfigError
    from addsim._files import check_file

    try:
        return check_file(value, what)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def check_workers(workers: int | None, scheduler: str | None = None) -> None:
    """``--workers``: a whole number in [1, MAX_WORKERS], and not beside ``--scheduler``."""
    from addsim._errors import ConfigError
    from addsim.population.batches.execute import check_workers as check

    try:
        check(workers, scheduler)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def write_error(what: str, where: object, exc: OSError) -> UsageError:
    """A failed write (full disk, read-only, vanished folder) as the one-line user error."""
    return UsageError(f"{what}: cannot write {shown(str(where))}: {exc.strerror or exc}")


def load_config(args: argparse.Namespace) -> Any:
    """The config named by ``args`` (CONFIG, --set, --ticks, --seed) or a UsageError."""
    from addsim.population.config import ConfigError, load

    sets = list(args.set or [])
    if getattr(args, "ticks", None) is not None:
        sets.append(f"run.ticks={args.ticks}")
    if getattr(args, "seed", None) is not None:
        sets.append(f"run.seed={args.seed}")
    if getattr(args, "history", False):
        sets.append("run.history=true")  # validated with the rest (its memory estimate)
    try:
        return load(args.config, sets)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
