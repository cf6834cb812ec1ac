"""``addsim export``: a run's table as CSV, Parquet or JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from addsim._errors import ConfigError, shown
from addsim._files import atomic_write
from addsim._read import input_problem
from addsim.population.cli._common import UsageError, out_file, write_error

FORMATS = ("csv", "parquet", "json")


def output_format(fmt: str | None, to: str | None) -> str:
    """The format: ``--format``, else the suffix of ``--to`` (.csv, .parquet, .json), else
    CSV; a ``--format`` that contradicts the suffix of ``--to`` is refused."""
    suffix = Path(to).suffix.lower().lstrip(".") if to is not None else ""
    if suffix == "pq":
        suffix = "parquet"
    if fmt is None:
        return suffix if suffix in FORMATS else "csv"
    if suffix in FORMATS and suffix != fmt:
        raise UsageError(f"--format: got {fmt}, but --to {shown(to)} ends in .{suffix}; drop "
                         f"--format (the suffix decides) or name the file *.{fmt}")
    return fmt


def cmd_export(args: argparse.Namespace) -> int:
    """Convert a run's table to CSV, Parquet or JSON."""
    from addsim.population.io.export import export, read_table

    args.format = output_format(args.format, args.to)
    run_dir = Path(args.dir)
    src = run_dir / f"{args.what}.parquet"
    problem = input_problem(src)
    if problem == "not found":
        raise UsageError(f"export: {shown(str(src))} not found (is {shown(args.dir)} a run "
                         "folder?)")
    if problem:
        raise UsageError(f"export: {shown(str(src))} {problem}")
    if args.format == "parquet" and args.to is None:
        raise UsageError("--to: parquet is binary; give --to FILE")
    to = out_file(args.to, "--to") if args.to is not None else None
    try:
        frame = read_table(src)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    try:
        if to is not None:
            atomic_write(to, lambda p: export(frame, args.format, p))
        else:
            sys.stdout.write(export(frame, args.format, None) or "")
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        raise write_error("--to", to or "standard output", exc) from None
    return 0


def add_parser(sub: Any) -> None:
    """Register ``addsim export``."""
    exp = sub.add_parser("export")
    exp.add_argument("dir", help="a folder written by addsim run")
    exp.add_argument("--format", choices=FORMATS, default=None,
                     help="output format (default: the suffix of --to, else csv)")
    exp.add_argument("--what", choices=("prevalence", "survey", "events", "individuals"),
                     default="prevalence",
                     help="which table: per-tick prevalence, the yearly survey, events, or "
                          "one row per person")
    exp.add_argument("--to", help="output file (default: standard output); its suffix "
                     "(.csv, .parquet, .json) sets the format")
    exp.set_defaults(func=cmd_export)
