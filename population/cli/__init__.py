"""The ``addsim`` command line: one module per command (only ``view`` imports the viewer).

A user's mistake (unknown name, out-of-range number, unwritable output) ends in one line on
stderr naming the field, the value and what is allowed, exit status 2, and nothing written.

A command's module, and with it numba, pandas or pyarrow, is imported only when that command
is parsed: ``addsim --version`` and ``addsim --help`` import none of them (the list of
commands and their one-line help live in :data:`COMMANDS`). A command whose optional
dependency is missing (``addsim calibrate`` without pyabc) says in one line which extra to
install, exit status 2, before any work.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from addsim._errors import EXTRAS, missing_extra
from addsim.population.cli._common import EXIT_USAGE, Parser, UsageError


@dataclass(frozen=True)
class Command:
    """One subcommand: the module that defines its options and runs it, its one-line help,
    and the optional modules it cannot run without (with the extra that installs them)."""

    module: str
    help: str
    needs: tuple[str, ...] = ()


# The subcommands in the order `addsim --help` lists them. A module's ``add_parser(sub)``
# adds its subcommands' options; the help text is this table's.
COMMANDS: dict[str, Command] = {
    "reproduce": Command("reproduce", "reproduce a result of the report (docs: reproductions)"),
    "run": Command("run", "run a population and write its prevalence tables"),
    "export": Command("export", "convert a run's table"),
    "config": Command("config", "show the default config or check a file"),
    "batch": Command("batch", "run a sweep across parameters and seeds (resumable)"),
    "summarize": Command("batch", "mean and 95% interval across seeds of a batch"),
    "compare": Command("compare", "scenarios against a baseline on the same seeds: "
                       "differences with 95% intervals, totals averted"),
    "validate": Command("validate", "compare a run's or batch's survey with targets"),
    "calibrate": Command("calibrate", "fit config parameters to survey targets (ABC-SMC)",
                         ("pyabc",)),
    "sensitivity": Command("sensitivity", "rank config parameters by their effect on survey "
                           "outcomes (SALib)", ("SALib",)),
    "view": Command("view", "watch a population in a window (or render headless)"),
}

class _Subcommands:
    """The subparsers as a command module sees them: ``add_parser(name)`` gets the name's
    help from COMMANDS (shown by ``addsim --help``; also the subcommand's description)."""

    def __init__(self, sub: Any) -> None:
        self.sub = sub

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        text = COMMANDS[name].help
        return self.sub.add_parser(name, help=text.replace("%", "%%"),
                                   description=f"{text[:1].upper()}{text[1:]}.", **kwargs)


def build_parser(only: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser of ``addsim``: every subcommand's options, or with ``only`` just
    those commands' (the others listed by name and help, their modules not imported)."""
    from addsim import __version__

    parser = Parser(prog="addsim", description="Simulate addiction in populations of "
                    "dual-process reinforcement learners.")
    parser.add_argument("--version", action="version", version=f"addsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    wanted = None if only is None else {COMMANDS[name].module for name in only}
    done: set[str] = set()
    for name, command in COMMANDS.items():
        if name in done:
            continue
        if wanted is None or command.module in wanted:
            module = importlib.import_module(f"addsim.population.cli.{command.module}")
            module.add_parser(_Subcommands(sub))
            done.update(n for n, c in COMMANDS.items() if c.module == command.module)
        else:
            sub.add_parser(name, help=command.help.replace("%", "%%"))
    return parser


def _safe_streams() -> None:
    """Never fail on printing a name the terminal cannot show (LC_ALL=C and a non-ASCII
    --out, a file name that is not UTF-8): escape it instead, after the work is done."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError, AttributeError):
                pass


def _out_of_memory() -> str:
    """The one line for work that met its memory limit after all (the estimate passed)."""
    try:
        from addsim.population.resources import hard_limit

        shown = f"this process may use ({hard_limit()})"
    except (ImportError, MemoryError, OSError):  # pragma: no cover - too little left
        shown = "this process may use"
    return (f"out of memory: the work needed more than {shown}; make it smaller "
            "(population.size, run.ticks, --history) or raise the limit")


def _command(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (its first word that is not an option)."""
    word = next((a for a in argv if not a.startswith("-")), None)
    return word if word in COMMANDS else None


def _missing(args: argparse.Namespace) -> tuple[str, str] | None:
    """What needs an optional module that is not installed, and that module, if anything:
    the command itself (calibrate: pyabc) or its ``--scheduler`` (Dask's distributed)."""
    needs = [(f"addsim {args.command}", m) for m in COMMANDS[args.command].needs]
    if getattr(args, "scheduler", None):
        needs.append((f"addsim {args.command} --scheduler", "distributed"))
    return next(((who, m) for who, m in needs if importlib.util.find_spec(m) is None), None)


MAX_LINES = 25  # lines of one error report (a config's mistakes, each on its line)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script: parse, run, map user mistakes to exit status 2."""
    from addsim._errors import ConfigError, one_line

    _safe_streams()
    try:
        os.getcwd()
    except OSError as exc:  # the folder the command was started in has been deleted
        print(f"addsim: error: the working folder is gone ({exc.strerror}); change to a "
              "folder that exists", file=sys.stderr)
        return EXIT_USAGE
    argv = list(sys.argv[1:] if argv is None else argv)
    command = _command(argv)
    args = build_parser([command] if command else []).parse_args(argv)
    missing = _missing(args)
    if missing:  # before any work: nothing written
        print(f"addsim: error: {missing_extra(*missing)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except (UsageError, ConfigError) as exc:
        # one line per mistake: a config with several mistakes lists them all at once
        for line in str(exc).split("\n")[:MAX_LINES] or [""]:
            print(f"addsim: error: {one_line(line)}", file=sys.stderr)
        return EXIT_USAGE
    except MemoryError:
        print(f"addsim: error: {_out_of_memory()}", file=sys.stderr)
        return EXIT_USAGE
    except ModuleNotFoundError as exc:  # an optional dependency COMMANDS does not foresee
        root = (exc.name or "").split(".")[0]
        if root not in EXTRAS:
            raise
        print(f"addsim: error: {missing_extra(f'addsim {args.command}', root)}",
              file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("addsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and closed: not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
