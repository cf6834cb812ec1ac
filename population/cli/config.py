"""``addsim config``: the documented default, a file's check, or the resolved parameters."""

from __future__ import annotations

import argparse
from typing import Any

from addsim.population.cli._common import UsageError


def cmd_config(args: argparse.Namespace) -> int:
    """Show the documented default config, or check a config file."""
    from addsim.population.config import ConfigError, documented_default, load

    if args.check:
        try:
            cfg = load(args.check)
        except ConfigError as exc:
            raise UsageError(str(exc)) from None
        print(f"ok: {args.check} ({cfg.population.size} people, network {cfg.network.kind}, "
              f"{cfg.run.ticks} ticks, activities {', '.join(cfg.enabled_activities)})")
        return 0
    print(documented_default())
    return 0


def add_parser(sub: Any) -> None:
    """Register ``addsim config``."""
    cfg = sub.add_parser("config", help="show the default config or check a file")
    group = cfg.add_mutually_exclusive_group(required=True)
    group.add_argument("--show", action="store_true", help="print the documented default")
    group.add_argument("--check", metavar="FILE", help="validate FILE")
    cfg.set_defaults(func=cmd_config)
