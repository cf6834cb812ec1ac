"""Render the docs' generated blocks from the files they come from, or check them.

A generated block sits in a Markdown file between two marker lines::

    <!-- NAME:begin -->
    ...rendered text...
    <!-- NAME:end -->

and :data:`BLOCKS` says, per block, the file, the marker name and the function that renders
it: the validation table from the JSON ``addsim validate`` writes, the benchmark tables from
benchmarks/results/*.json (each measurement with machine, date and commit), the config
reference from the config's pydantic schema, the CLI reference from the argparse parsers, the
default run's figures from the file docs/_scripts/figures.py wrote. Numbers in the docs come
from these files, never from typing; ``tests/test_docs.py`` fails when a committed block
differs from what its source renders today.

    python docs/_scripts/tables.py           # rewrite every block
    python docs/_scripts/tables.py --check   # list stale blocks, exit 1 if any

To add a block: write its markers in the page, a ``render_*`` function returning the text,
and one :class:`Block` line in :data:`BLOCKS` (the reproductions table is rendered by the
reproductions' own renderer and registered the same way).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
RESULTS = ROOT / "benchmarks" / "results"


@dataclass(frozen=True)
class Block:
    """A generated block: the Markdown file (relative to the repository), its marker name
    and the function that renders its text from its source file."""

    file: str
    name: str
    render: Callable[[], str]


# --------------------------------------------------------------------------------------------
# Formatting


def table(header: Iterable[str], rows: Iterable[Iterable[Any]], align: str = "") -> str:
    """A Markdown table; ``align`` gives one letter per column (l or r, default l)."""
    header = list(header)
    marks = [":---" if (align[i:i + 1] or "l") == "l" else "---:" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(marks) + " |"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def number(x: Any, digits: int = 3) -> str:
    """A figure with ``digits`` significant digits (NaN and None as a dash)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return f"{x:,}"
    return f"{x:,.{digits}g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.{digits}g}"


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _measurements(name: str) -> list[dict[str, Any]]:
    path = RESULTS / f"{name}.json"
    return _load(path)["measurements"] if path.exists() else []


def _code(m: dict[str, Any]) -> str:
    return f"`{m['commit'][:9]}`" + (" (changed)" if m.get("dirty") else "")


def _machine(m: dict[str, Any]) -> str:
    mach = m["machine"]
    return (f"{mach['cpu']}, {mach['cpus']} cores, {mach['memory_gib']} GiB, "
            f"Python {mach['python']}")


# --------------------------------------------------------------------------------------------
# Renderers


def render_validation(name: str = "validation.json") -> str:
    """The calibrated default against the substance targets: docs/calibration/validation.json
    (written by docs/_scripts/default_checks.py, the table ``addsim validate`` writes)."""
    data = _load(DOCS / "calibration" / name)
    rows = [(r["target"], f"{number(r['observed'])} [{number(r['observed_low'])}, "
             f"{number(r['observed_high'])}]", number(r["value"]),
             f"[{number(r['low'])}, {number(r['high'])}]", number(bool(r["within"])))
            for r in data["rows"]]
    seeds = data["seeds"]
    head = (f"{data['within']} of {data['of']} targets within their interval; the model's "
            f"mean over seeds {seeds[0]}-{seeds[-1]} ({data['runs']} runs) with its 2.5-97.5% "
            f"range across runs (`{data['targets']}`).\n\n")
    return head + table(["target", "model", "target", "target interval", "within"], rows,
                        "lrrrl")


def render_gambling_validation() -> str:
    """The default against the gambling targets on the same seeds
    (docs/calibration/gambling-validation.json)."""
    return render_validation("gambling-validation.json")


def _ess_sentence(data: dict[str, Any]) -> str:
    """How many particles the shipped posterior's weights rest on: calibration.json's
    effective sample size, or (a calibration written before it had one) the same computed
    from posterior.parquet's last generation."""
    import pandas as pd

    from addsim.population.calibrate import effective_sample_size, last_generation

    ess = data.get("effective_sample_size")
    last = last_generation(pd.read_parquet(DOCS / "calibration" / "posterior.parquet"))
    if ess is None:
        ess = effective_sample_size(last["weight"].to_numpy())
    return (f"Its last generation's weights rest on an effective {number(ess, 2)} of its "
            f"{len(last)} particles (Kish's effective sample size), and the posterior's "
            "quantiles below on them.")


def render_calibrated() -> str:
    """The calibrated values (the best particle) beside the last generation's posterior and
    the prior, from docs/calibration/calibration.json and posterior_summary.csv."""
    import csv

    data = _load(DOCS / "calibration" / "calibration.json")
    with (DOCS / "calibration" / "posterior_summary.csv").open(encoding="utf-8") as f:
        post = {r["param"]: r for r in csv.DictReader(f)}
    from addsim.population.config import Config

    default = Config().model_dump()

    def current(key: str) -> Any:
        value: Any = default
        for part in key.split("."):
            value = value[part]
        return value

    rows = [(f"`{key}`", number(current(key)), number(value),
             number(float(post[key]["q500"])),
             f"[{number(float(post[key]['q025']))}, {number(float(post[key]['q975']))}]",
             f"[{number(float(post[key]['prior_low']))}, "
             f"{number(float(post[key]['prior_high']))}] ({post[key]['scale']})")
            for key, value in data["best"].items()]
    cal = data["calibration"]
    best = _load(DOCS / "calibration" / "abc-best-validation.json")
    head = (f"{cal['population_size']} particles x {len(data['generations'])} generations, "
            f"{sum(g['simulations'] for g in data['generations']):,} simulations"
            + (f" of {k} runs each" if (k := cal.get("seeds_per_particle", 1)) > 1 else "")
            + ", "
            f"{number(data['abc_seconds'] / 60, 2)} min of ABC-SMC; its best particle met "
            f"{best['within']} of {best['of']} targets on seeds {best['seeds'][0]}-"
            f"{best['seeds'][-1]} (`abc-best-validation.json`{_reading(best)}). "
            + _ess_sentence(data) + "\n\n")
    return head + table(["key", "default", "ABC best", "posterior median", "posterior 95%",
                         "prior"], rows, "lrrrrl")


def _reading(report: dict[str, Any]) -> str:
    """How a stored validation report read its targets, where that is not how the shipped
    targets files read them now (a report from before the band 18+: every target over all
    ages)."""
    from addsim.population.targets import load_targets

    now = {t.name: t.age_band for f in ("substance", "gambling")
           for t in load_targets(ROOT / "examples" / "targets" / f"{f}.toml").target}
    then = {r["target"]: r.get("age_band", "all") for r in report["rows"]}
    if all(now.get(k, v) == v for k, v in then.items()):
        return ""
    return (", every target read over all ages as the targets were then: not comparable with "
            "the default's count below, read among adults where the source surveyed adults")


def _checks() -> dict[str, Any]:
    return _load(DOCS / "calibration" / "default_checks.json")


def _arm_line(name: str, arm: dict[str, Any]) -> tuple[str, ...]:
    m = arm["measures"]
    return (name, number(arm["km_median_years"], 2), f"{arm['episodes']:,}",
            number(m["past_year_remission"]["mean"]), number(m["past_year_disorder"]["mean"]),
            number(m["relapse_frequent_12m"]["mean"]), number(m["relapse_12m"]["mean"]))


def _among(data: dict[str, Any]) -> str:
    """Whose measures default_checks.json holds: its ``band`` (everyone before it had one)."""
    band = data.get("band", "all")
    return " among adults (band 18+)" if band == "18+" else f" (band {band})"


def render_default_checks() -> str:
    """The default's episodes, stationarity, age profile and the two ablations on the
    validation seeds: docs/calibration/default_checks.json (docs/_scripts/default_checks.py)."""
    data = _checks()
    seeds, arms = data["seeds"], data["arms"]
    head = (f"The default and {len(arms) - 1} ablations on seeds {seeds[0]}-{seeds[-1]} "
            f"({len(seeds)} runs "
            f"each, 1,000 people, 20 recorded years after a burn-in of "
            f"{data['burn_in_ticks']:,} ticks; `docs/_scripts/default_checks.py`, commit "
            f"{data['commit']}). Median episode: Kaplan-Meier over the disorder episodes that "
            f"start in the recorded years, censored at the end and when the person leaves; "
            f"the measures are means over years 1-20 and seeds{_among(data)}.\n\n")
    ablations = table(["run", "median episode (years)", "episodes", "remission a year",
                       "past-year disorder", "back to frequent use in 12 months",
                       "any use in 12 months"],
                      [_arm_line(k, v) for k, v in arms.items()], "lrrrrrr")
    st = arms["default"]["stationarity"]
    e, late = data["early_years"], data["late_years"]
    station = table(
        ["measure", f"years {e[0]}-{e[1]}", f"years {late[0]}-{late[1]}", "difference",
         "seed-to-seed 95% half-width", "stationary"],
        [(k, number(v["early"]), number(v["late"]), number(v["difference"]),
          number(v["seed_interval_half_width"]), number(v["stationary"])) for k, v in st.items()],
        "lrrrrl")
    bands = arms["default"]["lifetime_disorder_by_band"]
    profile = table(["age band", *bands], [
        ("lifetime disorder", *(number(b["mean"]) for b in bands.values())),
        ("2.5-97.5% over seeds", *(f"[{number(b['low'])}, {number(b['high'])}]"
                                   for b in bands.values()))], "l" + "r" * len(bands))
    return (head + ablations + "\n\nStationarity (the default):\n\n" + station
            + "\n\nLifetime disorder by age band (the default, years 1-20):\n\n" + profile)


def render_gambling_stake() -> str:
    """Gambling with and without the stake (issue 29 item 5) on the validation seeds:
    docs/calibration/default_checks.json's ``gambling`` of the default and of the ablation."""
    data = _checks()
    arms = {k: v for k, v in data["arms"].items()
            if "gambling" in v and (k == "default" or "stake" in k)}
    if len(arms) < 2:  # a default_checks.json from before the stake
        return "(default_checks.json has no stake ablation yet)"
    names = {"past_year_use": "past-year gambling", "lifetime_use": "lifetime gambling",
             "past_year_disorder": "past-year pathological gambling",
             "lifetime_disorder": "lifetime pathological gambling"}
    first = next(iter(arms.values()))["gambling"]
    rows = [(names.get(m, m), *(f"{number(a['gambling'][m]['mean'])} "
                                f"[{number(a['gambling'][m]['low'])}, "
                                f"{number(a['gambling'][m]['high'])}]" for a in arms.values()))
            for m in first]
    seeds = data["seeds"]
    return (f"Means over years 1-20 and seeds {seeds[0]}-{seeds[-1]}{_among(data)} with "
            f"their 2.5-97.5% range across seeds (`docs/_scripts/default_checks.py`, commit "
            f"{data['commit']}):\n\n"
            + table(["measure", *arms], rows, "l" + "r" * len(arms)))


def render_default_fit() -> str:
    """The README's short account of the default: targets met on the validation seeds, the
    median episode, stationarity and what the failed-search rule changes."""
    val = _load(DOCS / "calibration" / "validation.json")
    data = _checks()
    d, x = data["arms"]["default"], data["arms"]["failed search as extinction"]
    f = data["arms"]["frequency status rule"]
    missed = [r["target"] for r in val["rows"] if not r["within"]]
    seeds = val["seeds"]
    stationary = [k.replace("_", " ") for k, v in d["stationarity"].items() if v["stationary"]]
    moving = [k.replace("_", " ") for k, v in d["stationarity"].items() if not v["stationary"]]
    lines = [
        f"- {val['within']} of {val['of']} published targets within their interval on seeds "
        f"{seeds[0]}-{seeds[-1]}, which neither the calibration nor the tests use"
        + (f" (missed: {'; '.join(missed)})" if missed else "") + ".",
        f"- Median disorder episode {number(d['km_median_years'], 2)} years (Kaplan-Meier, "
        f"{d['episodes']:,} episodes, censored); remission "
        f"{number(d['measures']['past_year_remission']['mean'])} a year"
        f"{_among(data)}.",
        "- A failed search is no access (the drug action unavailable, nothing learned). "
        "Modelled as an extinction trial instead (the old rule), on the same seeds: "
        + (("no disorder episode starts at all" if x["episodes"] == 0 else
            "hardly any disorder episode starts")
           + f" ({x['episodes']:,} episode{'' if x['episodes'] == 1 else 's'} against "
           f"{d['episodes']:,}; past-year "
           f"disorder {number(x['measures']['past_year_disorder']['mean'])} against "
           f"{number(d['measures']['past_year_disorder']['mean'])}): the searches' errors "
           "end the drug's value before a disorder lasts."
           if x["episodes"] < 0.05 * d["episodes"] else
           f"median episode {number(x['km_median_years'], 2)} years, remission "
           f"{number(x['measures']['past_year_remission']['mean'])} a year, past-year "
           f"disorder {number(x['measures']['past_year_disorder']['mean'])} against "
           f"{number(d['measures']['past_year_disorder']['mean'])}.")
        + f" The old frequency status rule: median episode {number(f['km_median_years'], 2)} "
        f"years, remission {number(f['measures']['past_year_remission']['mean'])} a year.",
        "- Years 1-5 against 16-20 (a burn-in gives people a past): "
        + ("; ".join(filter(None, [
            f"stationary within the seed-to-seed interval: {', '.join(stationary)}"
            if stationary else "",
            f"not stationary: {', '.join(moving)}" if moving else ""]))) + ".",
    ]
    return "\n".join(lines)


def render_age_profile() -> str:
    """Lifetime disorder by age band (README), and past-year disorder by age beside the
    published profile of examples/targets/age_profile.toml."""
    import tomllib

    data = _checks()["arms"]["default"]
    bands = data["lifetime_disorder_by_band"]
    lifetime = table(["", *bands], [
        ("lifetime disorder (model)", *(number(b["mean"]) for b in bands.values()))],
        "l" + "r" * len(bands))
    if "past_year_disorder_by_band" not in data:  # computed since default_checks.py added it
        return lifetime
    published = tomllib.loads((ROOT / "examples" / "targets" / "age_profile.toml").read_text())
    cols = list(published["past_year_disorder"])
    model = data["past_year_disorder_by_band"]
    past = table(["past-year disorder", *cols], [
        ("model (years 1-20, 10 seeds)",
         *(f"{number(model[c]['mean'])} [{number(model[c]['low'])}, {number(model[c]['high'])}]"
           for c in cols)),
        (f"[{published['source']}]({published['url']})",
         *(number(v) for v in published["past_year_disorder"].values()))],
        "l" + "r" * len(cols))
    return (f"{lifetime}\n\nPast-year disorder by age beside a published profile (another "
            f"survey, year and manual, for the shape: {published['note']}; the model's 26+ "
            f"pools its bands by their people):\n\n{past}")


def render_default_run() -> str:
    """The default run's survey in its last year, all ages, substance, from the figures the
    figure script kept (docs/data/default-run.json)."""
    data = _load(DOCS / "data" / "default-run.json")
    items = list(data["last_year"].items())
    half = (len(items) + 1) // 2
    left, right = items[:half], items[half:] + [("", None)] * (2 * half - len(items))
    rows = [(f"`{a}`", number(x), f"`{b}`" if b else "", number(y) if b else "")
            for (a, x), (b, y) in zip(left, right, strict=True)]
    head = (f"`addsim run` (seed {data['seed']}, {data['people']:,} people, "
            f"{data['ticks']:,} ticks), year {data['year']}, all ages, substance:\n\n")
    return head + table(["measure", "value", "measure", "value"], rows, "lrlr")


def render_bench_cli() -> str:
    """`addsim --version`, `--help`, `run --help`, and the default run cold and warm, per
    measurement in benchmarks/results/cli.json; a measurement with a baseline timed in the
    same sitting (``--baseline``) has the baseline's row above it and the ratios."""

    def line(label: str, commit: str, date: str, r: dict[str, Any], ratio: str
             ) -> tuple[str, ...]:
        run = r.get("default_run", {})
        cold, warm = run.get("cold", {}), run.get("warm", {})
        bare = run.get("warm_no_burn_in", {})
        return (label, commit, date, number(r["version"]["median_s"]),
                number(r["help"]["median_s"]), number(r["run_help"]["median_s"]),
                number(cold.get("median_s")), number(warm.get("median_s")),
                number(bare.get("median_s")), ratio)

    rows = []
    for m in _measurements("cli"):
        r, ratio = m["results"], "–"
        if "baseline" in r:
            base, q = r["baseline"], r["ratio_to_baseline"]
            rows.append(line(f"{m['label']}: its baseline", f"`{base['commit'][:9]}`",
                             m["date"][:10], base, "1 / 1"))
            ratio = (f"{number(q.get('default_run.cold'))} / "
                     f"{number(q.get('default_run.warm'))}")
        rows.append(line(m["label"], _code(m), m["date"][:10], r, ratio))
    return table(["measurement", "commit", "date", "--version (s)", "--help (s)",
                  "run --help (s)", "default run, cold (s)", "default run, warm (s)",
                  "warm, without the burn-in (s)", "cold / warm against the baseline"],
                 rows, "lllrrrrrrr")


def render_bench_install() -> str:
    """`pip install .` (and the extras) in a fresh venv, per measurement in
    benchmarks/results/install.json."""
    rows = []
    for m in _measurements("install"):
        for r in m["results"]["rows"]:
            what = "pip install ." if r["extra"] == "core" else f"pip install '.[{r['extra']}]'"
            rows.append((m["label"], _code(m), m["date"][:10], f"`{what}`",
                         number(r["seconds"]), number(r["site_packages_mb"], 4),
                         r["distributions"]))
    return table(["measurement", "commit", "date", "command", "time (s)",
                  "site-packages (MB)", "distributions"], rows, "llllrrr")


def render_bench_machines() -> str:
    """The machines the stored measurements ran on (from every results file)."""
    seen: dict[str, list[str]] = {}
    for path in sorted(RESULTS.glob("*.json")):
        for m in _load(path)["measurements"]:
            seen.setdefault(_machine(m), []).append(f"{path.stem}: {m['label']}")
    return table(["machine", "measurements"], [(k, ", ".join(v)) for k, v in seen.items()])


def _allowed(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    """What a config field accepts, from its JSON schema."""
    if "enum" in prop:
        return ", ".join(f"`{v}`" for v in prop["enum"])
    if "discriminator" in prop:
        return "a distribution: " + ", ".join(f"`{k}`" for k in prop["discriminator"]["mapping"])
    if "anyOf" in prop:
        parts = [p for p in prop["anyOf"] if p.get("type") != "null"]
        inner = _allowed(parts[0], defs) if len(parts) == 1 else ""
        return (inner + " or unset").strip() if inner else "unset or a value"
    low = ("> " if "exclusiveMinimum" in prop else "≥ ") + number(
        prop.get("exclusiveMinimum", prop.get("minimum"))) if (
        "minimum" in prop or "exclusiveMinimum" in prop) else ""
    high = ("< " if "exclusiveMaximum" in prop else "≤ ") + number(
        prop.get("exclusiveMaximum", prop.get("maximum"))) if (
        "maximum" in prop or "exclusiveMaximum" in prop) else ""
    kind = {"integer": "whole number", "number": "number", "boolean": "true or false",
            "string": "text"}.get(prop.get("type", ""), "")
    return ", ".join(p for p in (kind, low, high) if p)


def _default(value: Any) -> str:
    from addsim.population.io.toml import value as toml

    if value is None:
        return "unset"
    rendered = toml(value)
    return f"`{rendered}`" if rendered is not None else "unset"


def render_config() -> str:
    """Every config table and key with its default, what it accepts and its meaning, from
    the pydantic schema of population/config.py (Config.model_json_schema)."""
    from addsim.population.config import Config

    schema = Config.model_json_schema()
    defs = schema["$defs"]
    # a default made by a factory (a dict) is not in the schema: the default instance's
    instance = Config().model_dump(mode="json")
    out = []
    for section, prop in schema["properties"].items():
        ref = (prop.get("$ref") or prop.get("items", {}).get("$ref", "")).split("/")[-1]
        model = defs[ref]
        array = prop.get("type") == "array"
        out.append(f"### `[{'[' if array else ''}{section}{']' if array else ''}]`\n")
        out.append(model.get("description", "") + "\n")
        rows = []
        for key, field in model["properties"].items():
            default = field.get("default")
            if "default" not in field and not array and "$ref" not in field:
                default = instance.get(section, {}).get(key)
            if "$ref" in field:  # a nested table (an activity)
                sub = defs[field["$ref"].split("/")[-1]]
                allowed = "a table: " + ", ".join(f"`{k}`" for k in sub["properties"])
            else:
                allowed = _allowed(field, defs)
            rows.append((f"`{key}`", _default(default) if not array else "–", allowed,
                         field.get("description", "")))
        out.append(table(["key", "default", "accepts", "meaning"], rows) + "\n")
        if array:
            out.append(f"Default: {_default(prop.get('default'))}.\n")
    dists = [name for name, d in defs.items()
             if "dist" in d.get("properties", {})]
    out.append("### Distributions of risk factors\n")
    rows = []
    for name in dists:
        d = defs[name]
        keys = ", ".join(f"`{k}`" for k in d["properties"] if k != "dist")
        rows.append((f"`{d['properties']['dist'].get('const', name.lower())}`", keys,
                     (d.get("description") or "").splitlines()[0]))
    out.append(table(["dist", "keys", "meaning"], rows))
    return "\n".join(out)


def render_cli() -> str:
    """Every subcommand's usage, description and options, from the argparse parsers."""
    import argparse

    from addsim.population.cli import COMMANDS, build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    out = ["`addsim --version` prints the version; `addsim COMMAND --help` prints what "
           "follows for that command.\n"]
    for name in COMMANDS:
        p = sub.choices[name]
        p.formatter_class = lambda prog: argparse.HelpFormatter(prog, width=92)
        usage = " ".join(p.format_usage().split()).removeprefix("usage: ")
        out.append(f"### `addsim {name}`\n\n{COMMANDS[name].help[:1].upper()}"
                   f"{COMMANDS[name].help[1:]}.\n\n```\n{usage}\n```\n")
        rows = []
        for action in p._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            flag = ", ".join(action.option_strings) or action.metavar or action.dest
            if action.option_strings and action.nargs != 0:
                flag += f" {action.metavar or action.dest.upper()}"
            text = (action.help or "") % {"default": action.default, "prog": p.prog} \
                if action.help else ""
            if action.choices and not isinstance(action.choices, dict):
                text += f" (one of {', '.join(map(str, action.choices))})"
            required = "yes" if action.required or not action.option_strings else ""
            rows.append((f"`{flag}`", required, text.replace("%%", "%")))
        out.append(table(["argument", "required", "meaning"], rows) + "\n")
    return "\n".join(out)


def render_reproductions() -> str:
    """The reproductions table from docs/reproductions/*.json (addsim's own renderer,
    population/reproduce/table.py; tests/test_reproductions_table.py checks it too)."""
    from addsim.population.reproduce.table import render

    return render(DOCS / "reproductions")


def render_bench_learners() -> str:
    """The batched dual-process learner against its per-individual loop, per measurement
    in benchmarks/results/learners.json (before and after measured in one run)."""
    rows = []
    for m in _measurements("learners"):
        r = m["results"]
        for b in r["batched"]:
            rounds = [x["ratio_to_reference"] for rnd in r.get("rounds", []) for x in rnd
                      if x["n"] == b["n"]]
            spread = (f"{number(min(rounds))}-{number(max(rounds))}" if rounds else "–")
            rows.append((m["label"], _code(m), m["date"][:10], f"{b['n']:,}",
                         number(b["steps_per_s"] / 1e6), number(r["reference_loop"]
                                                                ["steps_per_s"] / 1e3),
                         number(b["ratio_to_reference"]), spread))
    return table(["measurement", "commit", "date", "individuals", "batched (M steps/s)",
                  "per-individual loop (k steps/s)", "ratio (median round)",
                  "ratio, every round"], rows, "llllrrrr")


def render_bench_population() -> str:
    """The population tick (a million people, or the default's 1,000), the code before and
    after measured in one sitting (bench_population.py --against), from
    benchmarks/results/population.json."""
    rows = []
    for m in _measurements("population"):
        r = m["results"]
        if "summary" not in r:
            continue
        for n, x in r["summary"].items():
            rows.append((m["label"], f"`{r['before_commit'][:9]}` -> {_code(m)}",
                         m["date"][:10], f"{int(n):,}", f"{r['warmup']} + {r['ticks']}",
                         number(x["before_individual_activity_ticks_per_s"] / 1e6),
                         number(x["after_individual_activity_ticks_per_s"] / 1e6),
                         number(x["after_over_before"]),
                         f"{number(x['before_construction_s'])} / "
                         f"{number(x['after_construction_s'])}",
                         f"{number(x['before_peak_rss_mb'] / 1024)} / "
                         f"{number(x['after_peak_rss_mb'] / 1024)}"))
    return table(["measurement", "before -> after", "date", "people", "ticks (warm-up + timed)",
                  "before (M steps/s)", "after (M steps/s)", "after / before",
                  "construction (s), before / after", "peak memory (GB), before / after"],
                 rows, "llllrrrrrr")


def render_bench_planner() -> str:
    """The planner learner beside the dual-process learner in one run (bench_learners.py
    --compare), with bytes per individual, from benchmarks/results/planner.json."""
    rows = []
    for m in _measurements("planner"):
        r = m["results"]
        base, other = r["base"], r["learner"]
        mem = r["bytes_per_individual"]
        for b in r["batched"]:
            rows.append((other, _code(m), m["date"][:10], f"{b['n']:,}",
                         number(b[base]["steps_per_s"] / 1e6),
                         number(b[other]["steps_per_s"] / 1e6), number(b["ratio"]),
                         f"{mem[base]['state']:,} / {mem[other]['state']:,}"))
    if not rows:
        return "(no measurement yet: python benchmarks/bench_learners.py --compare ... --save)"
    return table(["learner", "commit", "date", "individuals",
                  "dual-process (M steps/s)", "planner (M steps/s)", "ratio",
                  "state bytes per individual (dual-process / planner)"], rows, "llllrrrr")


PLANNER_MEASURES = ("ever_used", "ever_addicted_of_users", "disorder_last_5_years", "onsets",
                    "cessations", "relapses", "setpoint_above_baseline",
                    "setpoint_in_disorder", "habit_in_disorder")
PLANNER_ONLY = {  # the planner's own measures (benchmarks/compare_planner.py)
    "setpoint_above_baseline": "people whose setpoint is above 100 at the end",
    "setpoint_in_disorder": "setpoint of people in disorder at the end (seeds with any)",
    "habit_in_disorder": "habit's share in their last choice (seeds with any)",
}


def render_planner_population() -> str:
    """The default population against the planner learner on the same seeds
    (benchmarks/compare_planner.py), from benchmarks/results/planner-population.json."""
    ms = _measurements("planner-population")
    if not ms:
        return "(no measurement yet: python benchmarks/compare_planner.py --save)"
    m = ms[-1]
    r = m["results"]
    seeds = ", ".join(map(str, r["seeds"]))
    head = (f"The embedded default and the same with `learner = \"dual_process_mb\"` for "
            f"the substance activity ({_code(m)}), the mean over seeds {seeds}; the "
            f"difference with a bootstrap interval over the seeds:\n\n")
    rows = []
    for k in PLANNER_MEASURES:
        if k in r["mean"]:
            e = r["mean"][k]
            ci = e["ci"] or [None, None]
            rows.append((DEFAULT_RUN_MEASURES.get(k, k), number(e["default"]),
                         number(e["planner"]), f"{number(e['planner-default'])} "
                         f"[{number(ci[0])}, {number(ci[1])}]"))
        else:
            vals = [v.get(k) for v in r["by_seed"]["planner"].values()]
            vals = [v for v in vals if v is not None]
            rows.append((PLANNER_ONLY[k], "–",
                         number(sum(vals) / len(vals)) if vals else "–", "–"))
    return head + table(["measure", "default", "planner", "planner - default"], rows, "lrrr")


DEFAULT_RUN_MEASURES = {
    "ever_used": "lifetime use", "ever_addicted_of_users": "users ever addicted",
    "disorder_last_5_years": "disorder over the last 5 years (share of people)",
    "onsets": "onsets in 20 years", "cessations": "cessations in 20 years",
    "relapses": "relapses in 20 years",
    "kappa_median_in_disorder": "median allostatic shift kappa in disorder at the end (N = 3)",
    "latent_states_mean": "latent states a person",
}


def render_default_change() -> str:
    """The default run's substance outputs before and after a change (the mean over the
    seeds benchmarks/compare_default.py ran), from benchmarks/results/default-run.json."""
    ms = {m["label"]: m for m in _measurements("default-run")}
    if not {"before", "after"} <= set(ms):
        return "(no measurement yet: python benchmarks/compare_default.py --against REF --save)"
    before, after = ms["before"], ms["after"]
    seeds = ", ".join(map(str, after["results"]["seeds"]))
    head = (f"The embedded default before ({_code(before)}) and after ({_code(after)}), "
            f"substance, the mean over seeds {seeds} (seeds the tests never use):\n\n")
    rows = [(label, number(before["results"]["mean"][k]), number(after["results"]["mean"][k]))
            for k, label in DEFAULT_RUN_MEASURES.items()]
    return head + table(["measure", "before", "after"], rows, "lrr")


COMPARE_MEASURES = {"disorder_years": "disorder-years (person-years in disorder)",
                    "onsets": "onsets", "relapses": "relapses", "cessations": "cessations",
                    "initiations": "initiations (first use)", "deaths": "deaths",
                    "deaths_in_disorder": "deaths in disorder"}


def render_compare_example() -> str:
    """The scenarios page's example: totals averted with their 95% intervals and the share
    in disorder every five years, from docs/data/compare-example.json (written by
    docs/_scripts/figures.py, which ran ``addsim compare``)."""
    data = _load(DOCS / "data" / "compare-example.json")
    rows = []
    for r in data["totals"]:
        if r["measure"] not in COMPARE_MEASURES:
            continue
        rows.append((r["activity"], COMPARE_MEASURES[r["measure"]], number(r["baseline_mean"]),
                     number(r["scenario_mean"]),
                     f"{number(r['averted'])} [{number(r['averted_lo'])}, "
                     f"{number(r['averted_hi'])}]"))
    head = (f"`{data['command']}`: {data['years']} simulated years, the mean over "
            f"{data['seeds']} paired seeds; averted = baseline - scenario, with the t-based "
            "95% interval of the paired differences.\n\n")
    out = head + table(["activity", "total over the run", "baseline", "yearly treatment",
                        "averted [95% interval]"], rows, "llrrl")
    years = [(r["activity"], r["year"], f"{number(100 * r['baseline_mean'])}%",
              f"{number(100 * r['scenario_mean'])}%",
              f"{number(100 * r['difference'])} [{number(100 * r['lo'])}, "
              f"{number(100 * r['hi'])}]") for r in data["disorder_by_year"]]
    out += ("\n\nIn disorder (addicted or relapsed; the mean share over the year), every five "
            "years:\n\n")
    return out + table(["activity", "year", "baseline", "yearly treatment",
                        "difference, percentage points [95%]"], years, "lrrrl")


BLOCKS: list[Block] = [
    Block("docs/scenarios.md", "compare-example", render_compare_example),
    Block("docs/reproductions.md", "reproductions-table", render_reproductions),
    Block("docs/benchmarks.md", "bench-learners", render_bench_learners),
    Block("docs/benchmarks.md", "bench-planner", render_bench_planner),
    Block("docs/benchmarks.md", "bench-population", render_bench_population),
    Block("docs/benchmarks.md", "planner-population", render_planner_population),
    Block("docs/getting-started.md", "default-run-change", render_default_change),
    Block("docs/calibration.md", "calibrated-values", render_calibrated),
    Block("docs/calibration.md", "validation-table", render_validation),
    Block("docs/calibration.md", "default-checks", render_default_checks),
    Block("docs/calibration.md", "gambling-validation", render_gambling_validation),
    Block("docs/calibration.md", "gambling-stake", render_gambling_stake),
    Block("README.md", "default-fit", render_default_fit),
    Block("README.md", "validation-table", render_validation),
    Block("README.md", "age-profile", render_age_profile),
    Block("docs/getting-started.md", "default-run-table", render_default_run),
    Block("docs/benchmarks.md", "bench-cli", render_bench_cli),
    Block("docs/benchmarks.md", "bench-install", render_bench_install),
    Block("docs/benchmarks.md", "bench-machines", render_bench_machines),
    Block("docs/reference/config.md", "config-reference", render_config),
    Block("docs/reference/cli.md", "cli-reference", render_cli),
]


# --------------------------------------------------------------------------------------------
# Replacing and checking


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- {re.escape(name)}:begin -->\n)(.*?)(<!-- {re.escape(name)}:end -->)",
                      re.DOTALL)


def replace(text: str, name: str, body: str) -> str:
    """``text`` with the block ``name`` holding ``body`` (ValueError without its markers)."""
    pattern = _pattern(name)
    if len(pattern.findall(text)) != 1:
        raise ValueError(f"markers of {name!r}: expected one begin/end pair")
    return pattern.sub(lambda m: m.group(1) + body.rstrip("\n") + "\n" + m.group(3), text)


def stale(blocks: Iterable[Block] = BLOCKS, root: Path = ROOT) -> list[str]:
    """The blocks whose committed text differs from what their source renders today."""
    found = []
    for block in blocks:
        text = (root / block.file).read_text(encoding="utf-8")
        if replace(text, block.name, block.render()) != text:
            found.append(f"{block.file}: {block.name}")
    return found


def write(blocks: Iterable[Block] = BLOCKS, root: Path = ROOT) -> list[str]:
    """Rewrite every block from its source; return those that changed."""
    changed = []
    for block in blocks:
        path = root / block.file
        text = path.read_text(encoding="utf-8")
        new = replace(text, block.name, block.render())
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(f"{block.file}: {block.name}")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="list stale blocks; exit 1 if any")
    args = parser.parse_args(argv)
    if args.check:
        found = stale()
        for line in found:
            print(f"stale: {line} (run python docs/_scripts/tables.py)")
        return 1 if found else 0
    for line in write():
        print(f"rewrote {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
