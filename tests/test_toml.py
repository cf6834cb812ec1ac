"""TOML in and out (population/io/toml.py, issue 32 items 2 and 4): the structure guard sees
what the parser will see (escaped quotes, keys of digits, keys in headers and inline tables,
not the dots of numbers), and every written config reads back to the same Config (a property
test over generated configs, file names with newlines and quotes included)."""

from __future__ import annotations

import math
import random
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from addsim.population.config import LEARNERS, Config, _field_at, to_toml
from addsim.population.io.toml import MAX_DEPTH, MAX_TABLES, dump, too_deep, value
from addsim.population.network import CONFIG_KINDS

KEY = ".".join(["k"] * (MAX_DEPTH + 1))  # one part too many


@pytest.mark.parametrize(("text", "problem"), [
    (f'x = """a\\"""b"""\n{KEY} = 1\ny = """c"""\n', "dotted key"),  # \" does not end it
    ('x = """a""""\n' + KEY + ' = 1\ny = """c"""\n', "dotted key"),  # 4 quotes end it
    (f"x = '''a'''\n{KEY} = 1\n", "dotted key"),
    (".".join(["0"] * (MAX_DEPTH + 1)) + " = 1\n", "dotted key"),  # a key of digits is a key
    (" . ".join(["a"] * (MAX_DEPTH + 1)) + " = 1\n", "dotted key"),  # spaces around the dots
    (f"[{KEY}]\n", "dotted key"),
    (f"[[{KEY}]]\n", "dotted key"),
    (f"a = {{ b = 1, {KEY} = 2 }}\n", "dotted key"),
    (f"a = [{{ {KEY} = 2 }}]\n", "dotted key"),
    ("a = " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "deep"),
    ("a = " + "{b = " * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1), "deep"),
    ("[[t]]\n" * (MAX_TABLES + 1), "tables"),
    ("a = [" + "{}, " * (MAX_TABLES + 1) + "]\n", "tables"),
])
def test_the_guard_sees_the_structure(text: str, problem: str) -> None:
    """Each document hides a structure too large for the parser from a naive scan; the
    guard names it."""
    found = too_deep(text)
    assert found is not None and problem in found, found


@pytest.mark.parametrize("text", [
    "a = [" + ", ".join(["1.5"] * 5000) + "]\n",  # the dots of numbers are not keys
    "a = 1.5\nb = 2.5e-3\nc = 1979-05-27T07:32:00.999\n" * 100,
    f'a = "{KEY}"\nb = \'{KEY}\'\n# {KEY}\n',  # in strings and comments
    f'a = """\n{KEY} = 1\n"""\n',  # inside a multi-line string
    '"a.b.c" = 1\n[x."y.z"]\nq = { "r.s" = 1 }\n',
    "[[t]]\n" * MAX_TABLES,
    'a = """unterminated\n' + KEY,  # the parser stops at the string
])
def test_the_guard_lets_real_documents_through(text: str) -> None:
    """Numbers, dates, strings, comments and quoted keys are not counted as structure."""
    assert too_deep(text) is None


def test_writer_quotes_and_escapes_what_toml_needs() -> None:
    """tomli-w: a dotted key is quoted, NaN is nan (the hand-written writer wrote -inf), a
    newline and quotes in a string are escaped; all of it reads back equal."""
    data = {"t": {"a.b": 1, "s": 'x\n"y"\\', "n": math.inf, "m": -math.inf},
            "arr": [{"k": 1}, {"k": 2}]}
    back = tomllib.loads(dump(data))
    assert back == data
    assert value(math.nan) == "nan" and math.isnan(tomllib.loads(f"v = {value(math.nan)}")["v"])
    inline = value({"a.b": [1, "x\n"], "c": None})
    assert tomllib.loads(f"v = {inline}")["v"] == {"a.b": [1, "x\n"]}


# --------------------------------------------------------------------- property: round trip

WEIRD_NAMES = ['g\n"x".txt', "g 'q' \\.txt", "g\tü.txt", "g#[x].txt"]
DISTS = ("fixed", "truncnormal", "lognormal", "beta", "uniform", "levels")


def _number(rng: random.Random, loc: tuple[Any, ...], current: float | int) -> Any:
    """A random value within the numeric field's bounds (its ends, one in between with many
    digits, or the current one)."""
    found = _field_at(loc, Config)
    lo, hi = -1e6, 1e6
    for m in found[1].metadata if found is not None and found[1] is not None else ():
        if getattr(m, "ge", None) is not None or getattr(m, "gt", None) is not None:
            lo = m.ge if getattr(m, "ge", None) is not None else m.gt + 1e-9
        if getattr(m, "le", None) is not None or getattr(m, "lt", None) is not None:
            hi = m.le if getattr(m, "le", None) is not None else m.lt - 1
    if isinstance(current, int):
        lo, hi = math.ceil(lo), math.floor(hi)
        return rng.choice([lo, hi, rng.randint(lo, min(hi, lo + 10**6)), current])
    return rng.choice([float(lo), float(hi), rng.uniform(lo, hi), current])


def _dist(rng: random.Random, low: float, high: float) -> dict[str, Any]:
    kind = rng.choice(DISTS)
    a, b = sorted(rng.uniform(low, high) for _ in range(2))
    if kind == "fixed":
        return {"dist": "fixed", "value": a}
    if kind == "truncnormal":
        return {"dist": "truncnormal", "mean": (a + b) / 2, "sd": rng.uniform(0.01, 3),
                "low": a, "high": b + 1e-3}
    if kind == "lognormal":
        return {"dist": "lognormal", "median": max(a, 1e-3), "sigma": rng.uniform(0, 0.01)}
    if kind == "beta":
        return {"dist": "beta", "a": rng.uniform(0.1, 9), "b": rng.uniform(0.1, 9), "low": a,
                "high": b}
    if kind == "uniform":
        return {"dist": "uniform", "low": a, "high": b}
    return {"dist": "levels", "values": [rng.uniform(low, high) for _ in range(rng.randint(1, 5))],
            "each": rng.randint(1, 50)}


def _randomize(rng: random.Random, data: Any, loc: tuple[Any, ...] = ()) -> Any:
    """Every numeric leaf of a dumped config's fields, half the time, replaced by a random
    value in its field's bounds (booleans drawn)."""
    if isinstance(data, dict) and ("dist" in data or loc[-1:] in (("hazard_ratio",),
                                                                   ("factors",))):
        return data  # distributions come from _dist; free-form tables keep their values
    if isinstance(data, dict):
        return {k: _randomize(rng, v, (*loc, k)) for k, v in data.items()}
    if isinstance(data, list):
        return [_randomize(rng, v, (*loc, i)) for i, v in enumerate(data)]
    if isinstance(data, bool):
        return rng.random() < 0.5
    if isinstance(data, (int, float)) and rng.random() < 0.5:
        return _number(rng, loc, data)
    return data


def _config(rng: random.Random, files: list[Path]) -> dict[str, Any]:
    data = _randomize(rng, Config().model_dump(mode="json"))
    data["network"]["kind"] = rng.choice(CONFIG_KINDS)
    if rng.random() < 0.5 or data["network"]["kind"] == "file":
        data["network"]["file"] = str(rng.choice(files))
    if rng.random() < 0.5:
        data["population"]["risk_csv"] = str(rng.choice(files))
    for act in data["activities"].values():
        act["learner"] = rng.choice(list(LEARNERS))
        act["preset"] = rng.choice(["report", "paper"])
    for name, (lo, hi) in {"surge": (0, 30), "access": (0, 1), "learning_rate": (0, 1),
                           "inverse_temperature": (0, 10)}.items():
        if rng.random() < 0.5:
            data["risk"][name] = _dist(rng, lo, hi)
    data["run"]["tick"] = rng.choice(["1 week", "1 day", "2 weeks", "1 month"])
    data["status"]["rule"] = rng.choice(["dsm5", "frequency"])
    data["seeking"]["failed"] = rng.choice(["no access", "extinction"])
    data["sex"]["access_ratio"] = {a: rng.choice([1e-9, 1.0, rng.uniform(0, 1000), 1000.0])
                                   for a in data["sex"]["access_ratio"]}
    data["interventions"] = [
        {"kind": rng.choice(["treatment", "supply_reduction"]), "tick": rng.randint(0, 10**6),
         "fraction": rng.random(), "reward_boost": rng.uniform(0, 1e6),
         "targeting": rng.choice(["random", "centrality"])} for _ in range(rng.randint(0, 3))]
    return data


def test_every_written_config_reads_back_to_the_same_config(tmp_path: Path) -> None:
    """Property, over 400 generated configs (the 130 or so the schema accepts: random values
    at their fields' bounds and in between, every network kind and learner, random
    distributions and interventions, file names with newlines, quotes, tabs, backslashes
    and #): ``to_toml`` then reading the TOML gives the same Config."""
    files = []
    for name in WEIRD_NAMES:
        path = tmp_path / name
        path.write_text("0 1\n")
        files.append(path)
    rng = random.Random(32)
    checked = 0
    for _ in range(400):
        try:
            cfg = Config.model_validate(_config(rng, files))
        except ValidationError:
            continue  # a combination the schema refuses (e.g. entry_age above max_age)
        back = Config.model_validate(tomllib.loads(to_toml(cfg)))
        assert back.model_dump() == cfg.model_dump()
        checked += 1
    assert checked >= 100, checked


def test_the_generator_reaches_the_corners(tmp_path: Path) -> None:
    """The generated configs are not all alike: file names with newlines, levels and
    lognormal distributions, several interventions and every network kind appear."""
    path = tmp_path / WEIRD_NAMES[0]
    path.write_text("0 1\n")
    rng = random.Random(32)
    seen: dict[str, set[Any]] = {"kind": set(), "dist": set(), "iv": set(), "file": set()}
    for _ in range(400):
        data = _config(rng, [path])
        seen["file"].update({data["network"].get("file"), data["population"].get("risk_csv")})
        seen["kind"].add(data["network"]["kind"])
        seen["dist"].update(d["dist"] for d in data["risk"].values() if isinstance(d, dict))
        seen["iv"].add(len(data["interventions"]))
    assert seen["kind"] == set(CONFIG_KINDS)
    assert set(DISTS) <= seen["dist"] and seen["iv"] == {0, 1, 2, 3}
    assert str(path) in seen["file"] and "\n" in str(path)  # the docstring's newline name
