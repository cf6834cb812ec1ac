"""The ``addsim`` command line: one module per command (only ``view`` imports the viewer).

A user's mistake (unknown name, out-of-range number, unwritable output) ends in one line on
stderr naming the field, the value and what is allowed, exit status 2, and nothing written.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from addsim.population.cli import (
    batch,
    calibrate,
    config,
    export,
    reproduce,
    run,
    sensitivity,
    validate,
    view,
)
from addsim.population.cli._common import EXIT_USAGE, Parser, UsageError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``addsim`` with its subcommands."""
    from addsim import __version__

    parser = Parser(prog="addsim", description="Simulate addiction in populations of "
                    "dual-process reinforcement learners.")
    parser.add_argument("--version", action="version", version=f"addsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for command in (reproduce, run, export, config, batch, validate, calibrate, sensitivity,
                    view):
        command.add_parser(sub)
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
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (UsageError, ConfigError) as exc:
        print(f"addsim: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except MemoryError:
        print(f"addsim: error: {_out_of_memory()}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("addsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and closed: not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
