"""``addsim config``: the documented default, a file's check, or the resolved parameters."""

from __future__ import annotations

import argparse
from typing import Any

from addsim._errors import shown
from addsim.population.cli._common import UsageError


def cmd_config(args: argparse.Namespace) -> int:
    """Show the documented default config, or check a config file."""
    from addsim.population.config import ConfigError, documented_default, load, to_toml

    if args.check:
        try:
            cfg = load(args.check)
        except ConfigError as exc:
            if _is_sweep(args.check):
                raise UsageError(f"config: {shown(args.check)} is a sweep file ([base], [sweep]); "
                                 "check it with: addsim batch FILE --out DIR --dry-run") from None
            raise UsageError(str(exc)) from None
        print(f"ok: {args.check} ({cfg.population.size} people, network {cfg.network.kind}, "
              f"{cfg.run.ticks} ticks, activities {', '.join(cfg.enabled_activities)})")
        return 0
    if args.show is True:
        print(documented_default())
        cfg = load()
    else:
        try:
            cfg = load(args.show)
        except ConfigError as exc:
            raise UsageError(str(exc)) from None
        print(to_toml(cfg))
    print(tick_plan())
    print(learner_table(cfg))
    return 0


def tick_plan() -> str:
    """The tick's modules in order (population/modules.py), as TOML comments."""
    from addsim.population.modules import plan

    return "\n".join(["# The tick: these modules, in this order (population/modules.py):",
                      *(f"#   {name}: {doc}" for name, doc in plan())])


def _is_sweep(path: str) -> bool:
    """Whether ``path`` reads as a sweep file rather than a run config."""
    from addsim._errors import ConfigError
    from addsim.population.io.toml import read_toml

    try:
        data = read_toml(path, "config")
    except ConfigError:
        return False
    return bool({"base", "sweep"} & set(data))


def learner_table(cfg: Any) -> str:
    """The resolved learner parameters of each activity, as TOML comments."""
    from addsim.population.activity import resolved_learner_params
    from addsim.population.io.toml import value

    lines = ["# Resolved learner parameters (what the config names > the preset > built-in "
             "defaults):"]
    for name, rows in resolved_learner_params(cfg).items():
        act = getattr(cfg.activities, name)
        lines.append(f"# {name}: {act.learner}, preset {act.preset!r}")
        width = max(map(len, rows))
        for key, (v, source) in rows.items():
            lines.append(f"#   {key:<{width}} = {value(v)}  ({source})")
    return "\n".join(lines)


def add_parser(sub: Any) -> None:
    """Register ``addsim config``."""
    cfg = sub.add_parser("config")
    group = cfg.add_mutually_exclusive_group(required=True)
    group.add_argument("--show", nargs="?", const=True, metavar="FILE",
                       help="print the documented default (or FILE resolved) and the learner "
                            "parameters each activity gets")
    group.add_argument("--check", metavar="FILE", help="validate FILE")
    cfg.set_defaults(func=cmd_config)
