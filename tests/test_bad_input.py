"""The bad-input corpus (issue 17 item 5): every mistake a user can make on the command line,
in a config, a sweep or a data file is refused with exit status 2, one line on stderr naming
the field, no traceback, and nothing written (the working folder is unchanged).

Cases run in-process through ``addsim.population.cli.main`` (a traceback would fail the test
as an uncaught exception); a few run through ``python -m addsim`` to check the real stderr.
"""

from __future__ import annotations

import os
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from addsim.population.cli import main

ROOT = Path(__file__).resolve().parents[1]
SWEEP = '[base]\npopulation.size = 20\n[sweep]\n{}\n'
TRUNCATED = b"PAR1" + b"\0" * 200  # a Parquet file cut short
GRAPHML = ('<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
           '<graph edgedefault="undirected">' + "".join(f'<node id="n{i}"/>' for i in range(10))
           + '<edge source="n0" target="n1"/></graph></graphml>')


def _set(*sets: str) -> list[str]:
    return [x for s in sets for x in ("--set", s)]


# (id, argv, text the one line must contain, files to create first)
CASES: list[tuple[str, list[str], str, dict[str, str | bytes]]] = [
    # numbers: booleans are not numbers, finite bounds everywhere
    ("ticks-true", ["run", "--out", "o", *_set("run.ticks=true")], "run.ticks: got True", {}),
    ("size-true", ["run", "--out", "o", *_set("population.size=true")], "population.size", {}),
    ("ticks-float", ["run", "--out", "o", *_set("run.ticks=1.5")], "run.ticks: got 1.5", {}),
    ("ticks-0", ["run", "--out", "o", "--ticks", "0"], "run.ticks: got 0", {}),
    ("ticks-huge", ["run", "--out", "o", *_set("run.ticks=10000001")], "run.ticks", {}),
    ("seed-negative", ["run", "--out", "o", "--seed", "-1"], "run.seed: got -1", {}),
    ("seed-2^63", ["run", "--out", "o", *_set("run.seed=9223372036854775808")], "run.seed", {}),
    ("size-negative", ["run", "--out", "o", *_set("population.size=-1")], "population.size",
     {}),
    ("p-peer-2", ["run", "--out", "o", *_set("exposure.p_peer=2")], "exposure.p_peer: got 2",
     {}),
    ("p-peer-nan", ["run", "--out", "o", *_set("exposure.p_peer=nan")], "exposure.p_peer", {}),
    ("p-peer-inf", ["run", "--out", "o", *_set("exposure.p_peer=inf")], "exposure.p_peer", {}),
    ("p-peer-text", ["run", "--out", "o", *_set("exposure.p_peer='a'")], "exposure.p_peer",
     {}),
    ("social-cue-1", ["run", "--out", "o", *_set("exposure.social_cue=1")],
     "exposure.social_cue", {}),
    ("use-recency-1e20", ["run", "--out", "o", *_set("status.use_recency=100000000000000000000")],
     "status.use_recency", {}),
    ("window-0", ["run", "--out", "o", *_set("status.window=0")], "status.window", {}),
    ("addicted-fraction-0", ["run", "--out", "o", *_set("status.addicted_fraction=0")],
     "status.addicted_fraction", {}),
    ("duration-1e19", ["run", "--out", "o", *_set(
        "interventions=[{kind='treatment', tick=5, duration=10000000000000000000}]")],
     "interventions.0.duration", {}),
    ("reward-boost-inf", ["run", "--out", "o", *_set(
        "interventions=[{kind='treatment', tick=5, reward_boost=inf}]")],
     "interventions.0.reward_boost", {}),
    ("intervention-tick-negative", ["run", "--out", "o", *_set(
        "interventions=[{kind='treatment', tick=-1}]")], "interventions.0.tick", {}),
    ("intervention-kind", ["run", "--out", "o", *_set("interventions=[{kind='hug', tick=1}]")],
     "interventions.0.kind", {}),
    ("intervention-fraction", ["run", "--out", "o", *_set(
        "interventions=[{kind='treatment', tick=1, fraction=1.5}]")],
     "interventions.0.fraction", {}),
    # risk distributions
    ("uniform-low-inf", ["run", "--out", "o", *_set(
        "risk.access={dist='uniform', low=-inf, high=0.1}")], "risk.access", {}),
    ("uniform-beyond-1", ["run", "--out", "o", *_set(
        "risk.access={dist='uniform', low=0, high=2}")], "risk.access", {}),
    ("uniform-reversed", ["run", "--out", "o", *_set(
        "risk.access={dist='uniform', low=0.5, high=0.1}")], "risk.access", {}),
    ("fixed-nan", ["run", "--out", "o", *_set("risk.surge={dist='fixed', value=nan}")],
     "risk.surge", {}),
    ("fixed-1e20", ["run", "--out", "o", *_set("risk.surge={dist='fixed', value=1e20}")],
     "risk.surge", {}),
    ("fixed-negative-surge", ["run", "--out", "o", *_set("risk.surge={dist='fixed', value=-5}")],
     "risk.surge", {}),
    ("learning-rate-2", ["run", "--out", "o", *_set(
        "risk.learning_rate={dist='fixed', value=2}")], "risk.learning_rate", {}),
    ("truncnormal-sd-0", ["run", "--out", "o", *_set(
        "risk.surge={dist='truncnormal', mean=15, sd=0}")], "risk.surge", {}),
    ("lognormal-sigma", ["run", "--out", "o", *_set(
        "risk.surge={dist='lognormal', median=15, sigma=1000}")], "risk.surge", {}),
    ("dist-unknown", ["run", "--out", "o", *_set("risk.surge={dist='gamma'}")], "risk.surge",
     {}),
    ("levels-bool", ["run", "--out", "o", *_set("risk.surge={dist='levels', values=[1.0, true]}")],
     "risk.surge", {}),
    # networks and resources
    ("network-kind", ["run", "--out", "o", *_set("network.kind=smallworld")],
     "network.kind: got 'smallworld'", {}),
    ("network-k-1", ["run", "--out", "o", *_set("network.k=1")], "network.k", {}),
    ("network-p", ["run", "--out", "o", *_set("network.p=1.5")], "network.p", {}),
    ("ws-k1000-2M", ["run", "--out", "o", *_set("network.k=1000", "population.size=2000000")],
     "network.k", {}),
    ("ba-m1000-2M", ["run", "--out", "o", *_set(
        "network.kind='barabasi_albert'", "network.m=1000", "population.size=2000000")],
     "network.m", {}),
    ("sbm-dense", ["run", "--out", "o", *_set(
        "network.kind='stochastic_block'", "network.mean_degree_in=5000",
        "population.size=2000000")], "network.mean_degree_in", {}),
    ("er-dense", ["run", "--out", "o", *_set(
        "network.kind='erdos_renyi'", "network.mean_degree=10000", "population.size=2000000")],
     "network.mean_degree", {}),
    ("complete-1M", ["run", "--out", "o", *_set("network.kind='complete'",
                                                 "population.size=1000000")],
     "population.size", {}),
    ("history-terabytes", ["run", "--out", "o", "--history", "--ticks", "1000000",
                           *_set("population.size=1000000")], "run.history", {}),
    ("file-missing", ["run", "--out", "o", *_set("network.kind=file", "network.file='no.txt'")],
     "network.file", {}),
    ("file-kind-without-file", ["run", "--out", "o", *_set("network.kind=file")], "network", {}),
    ("edge-list-empty", ["run", "--out", "o", *_set("network.kind=file",
                                                    "network.file='e.txt'")],
     "network.file", {"e.txt": "# no edges\n"}),
    ("edge-list-one-id", ["run", "--out", "o", *_set("network.kind=file",
                                                     "network.file='e.txt'")],
     "network.file", {"e.txt": "1 2\n3\n"}),
    ("graphml-too-big", ["run", "--out", "o", *_set(
        "network.kind=file", "network.file='g.graphml'", "network.max_nodes=5")],
     "network.file", {"g.graphml": GRAPHML}),
    ("graphml-broken", ["run", "--out", "o", *_set("network.kind=file",
                                                   "network.file='g.graphml'")],
     "network.file", {"g.graphml": "<graphml><graph>"}),
    # names
    ("learner-misspelt", ["run", "--out", "o", *_set("activities.gambling.learner=dezfouli")],
     "did you mean 'dezfouli2009'", {}),
    ("preset", ["run", "--out", "o", *_set("activities.substance.preset=foo")],
     "activities.substance.preset", {}),
    ("no-activity", ["run", "--out", "o", *_set("activities.substance.enabled=false",
                                                "activities.gambling.enabled=false")],
     "activities", {}),
    ("unknown-key", ["run", "--out", "o", *_set("run.tiks=5")], "did you mean 'ticks'", {}),
    ("unknown-table", ["run", "--out", "o", *_set("foo.bar=1")], "foo: unknown key", {}),
    ("set-no-equals", ["run", "--out", "o", "--set", "noequals"], "--set", {}),
    ("set-many-dots", ["run", "--out", "o", "--set", ".".join(["k"] * 100) + "=1"], "--set", {}),
    ("set-deep-value", ["run", "--out", "o", "--set", "a=" + "[" * 5000], "--set", {}),
    # config files: missing, malformed, too big, too deep, not UTF-8
    ("config-missing", ["run", "no.toml", "--out", "o"], "config: file 'no.toml' not found", {}),
    ("config-malformed", ["run", "c.toml", "--out", "o"], "config", {"c.toml": "a = = 1"}),
    ("config-deep-table", ["run", "c.toml", "--out", "o"], "config",
     {"c.toml": "a = " + "{b = " * 5000 + "1" + "}" * 5000}),
    ("config-deep-array", ["run", "c.toml", "--out", "o"], "config",
     {"c.toml": "a = " + "[" * 100_000 + "]" * 100_000}),
    ("config-dotted-100000", ["run", "c.toml", "--out", "o"], "config",
     {"c.toml": ".".join(["k"] * 100_000) + " = 1"}),
    ("config-oversized", ["run", "c.toml", "--out", "o"], "config",
     {"c.toml": "# " + "x" * (9 * 1024 * 1024)}),
    ("config-latin-1", ["run", "c.toml", "--out", "o"], "config", {"c.toml": b'a = "\xe9"'}),
    # config --check refuses what run refuses
    ("check-nan-risk", ["config", "--check", "c.toml"], "risk.surge",
     {"c.toml": "[risk]\nsurge = { dist = 'fixed', value = nan }\n"}),
    ("check-inf-boost", ["config", "--check", "c.toml"], "interventions.0.reward_boost",
     {"c.toml": "[[interventions]]\nkind = 'treatment'\ntick = 3\nreward_boost = inf\n"}),
    ("check-ticks-true", ["config", "--check", "c.toml"], "run.ticks",
     {"c.toml": "[run]\nticks = true\n"}),
    ("check-access-beyond", ["config", "--check", "c.toml"], "risk.access",
     {"c.toml": "[risk]\naccess = { dist = 'uniform', low = 0.0, high = 3.0 }\n"}),
    ("check-missing", ["config", "--check", "no.toml"], "not found", {}),
    ("check-sweep-file", ["config", "--check", "s.toml"], "is a sweep file",
     {"s.toml": SWEEP.format("seeds = 2")}),
    # risk CSV
    ("csv-latin-1", ["run", "--out", "o", *_set("population.size=2",
                                                "population.risk_csv='r.csv'")],
     "population.risk_csv", {"r.csv": b"surge\n15\n1\xe9\n"}),
    ("csv-giant-field", ["run", "--out", "o", *_set("population.size=2",
                                                    "population.risk_csv='r.csv'")],
     "population.risk_csv", {"r.csv": "surge\n15\n" + "1" * 200_000 + "\n"}),
    ("csv-id-twice", ["run", "--out", "o", *_set("population.size=2",
                                                 "population.risk_csv='r.csv'")],
     "population.risk_csv column id", {"r.csv": "id,surge\n0,15\n0,16\n"}),
    ("csv-id-out-of-range", ["run", "--out", "o", *_set("population.size=2",
                                                        "population.risk_csv='r.csv'")],
     "population.risk_csv column id", {"r.csv": "id,surge\n0,15\n7,16\n"}),
    ("csv-unknown-column", ["run", "--out", "o", *_set("population.size=2",
                                                       "population.risk_csv='r.csv'")],
     "did you mean 'surge'", {"r.csv": "surges\n15\n16\n"}),
    ("csv-not-number", ["run", "--out", "o", *_set("population.size=2",
                                                   "population.risk_csv='r.csv'")],
     "population.risk_csv: line 3", {"r.csv": "surge\n15\nmany\n"}),
    ("csv-rows", ["run", "--out", "o", *_set("population.size=3",
                                             "population.risk_csv='r.csv'")],
     "population.risk_csv: 2 rows", {"r.csv": "surge\n15\n16\n"}),
    ("csv-out-of-range", ["run", "--out", "o", *_set("population.size=2",
                                                     "population.risk_csv='r.csv'")],
     "population.risk_csv column access", {"r.csv": "access\n0.5\n3\n"}),
    ("csv-missing", ["run", "--out", "o", *_set("population.risk_csv='no.csv'")],
     "population.risk_csv", {}),
    # outputs
    ("out-empty", ["run", "--out", ""], "--out: got ''", {}),
    ("out-is-file", ["run", "--out", "f"], "--out", {"f": "x"}),
    ("out-under-file", ["run", "--out", "f/o"], "--out", {"f": "x"}),
    ("out-not-a-run", ["run", "--out", "d", "--ticks", "2"], "--force", {"d/notes.txt": "mine"}),
    ("out-other-config", ["run", "--out", "d", "--ticks", "2"], "--force",
     {"d/config.toml": "[run]\nticks = 5\n", "d/history.npz": b"old"}),
    # reproduce
    ("reproduce-misspelt", ["reproduce", "relapze", "--out", "o"], "did you mean 'relapse'", {}),
    ("reproduce-step-0.7", ["reproduce", "heatmap", "--step", "0.7", "--out", "o"],
     "--step: got 0.7", {}),
    ("reproduce-step-0", ["reproduce", "heatmap", "--step", "0", "--out", "o"], "--step", {}),
    ("reproduce-individuals-0", ["reproduce", "relapse", "--individuals", "0", "--out", "o"],
     "--individuals: got 0", {}),
    ("reproduce-out-empty", ["reproduce", "relapse", "--out", ""], "--out", {}),
    ("reproduce-individuals-text", ["reproduce", "relapse", "--individuals", "ten"],
     "--individuals", {}),
    # export
    ("export-truncated-parquet", ["export", "r"], "export", {"r/prevalence.parquet": TRUNCATED}),
    ("export-to-missing-folder", ["export", "r", "--to", "no/x.csv"], "--to",
     {"r/prevalence.parquet": TRUNCATED}),
    ("export-to-folder", ["export", "r", "--to", "r"], "--to",
     {"r/prevalence.parquet": TRUNCATED}),
    ("export-not-a-run", ["export", "."], "not found", {}),
    ("export-parquet-stdout", ["export", "r", "--format", "parquet"], "--to",
     {"r/prevalence.parquet": TRUNCATED}),
    # view
    ("view-truncated-npz", ["view", "r", "--headless", "--frames", "1"], "history.npz",
     {"r/history.npz": b"PK\x03\x04" + b"\0" * 50, "r/config.toml": "[run]\nticks = 2\n"}),
    ("view-record-under-file", ["view", "--headless", "--record", "f/x.gif"], "--record",
     {"f": "x"}),
    ("view-record-suffix", ["view", "--headless", "--record", "x.avi"], "--record", {}),
    ("view-frames-0", ["view", "--headless", "--frames", "0"], "--frames: got 0", {}),
    ("view-missing", ["view", "no.toml", "--headless"], "not found", {}),
    ("view-bad-config", ["view", "c.toml", "--headless"], "run.ticks",
     {"c.toml": "[run]\nticks = true\n"}),
    # batch sweeps
    ("sweep-missing", ["batch", "no.toml", "--out", "b"], "sweep: file 'no.toml' not found", {}),
    ("sweep-equivalent-points", ["batch", "s.toml", "--out", "b"], "exposure.p_peer",
     {"s.toml": SWEEP.format('grid = { "exposure.p_peer" = [1, 1.0] }')}),
    ("sweep-duplicate-values", ["batch", "s.toml", "--out", "b"], "appears twice",
     {"s.toml": SWEEP.format('grid = { "exposure.p_peer" = [0.1, 0.1] }')}),
    ("sweep-overlapping-keys", ["batch", "s.toml", "--out", "b"], "network.kind",
     {"s.toml": SWEEP.format('grid = { "network" = [{kind = "empty"}], '
                             '"network.kind" = ["empty"] }')}),
    ("sweep-reversed-range", ["batch", "s.toml", "--out", "b"], "sweep.grid.exposure.p_peer",
     {"s.toml": SWEEP.format('grid = { "exposure.p_peer" = { low = 1, high = 0, step = 0.1 } }')}),
    ("sweep-step-0", ["batch", "s.toml", "--out", "b"], "sweep.grid.exposure.p_peer.step",
     {"s.toml": SWEEP.format('grid = { "exposure.p_peer" = { low = 0, high = 1, step = 0 } }')}),
    ("sweep-seeds-twice", ["batch", "s.toml", "--out", "b"], "sweep.seeds",
     {"s.toml": SWEEP.format("seeds = [1, 1]")}),
    ("sweep-base-nan-risk", ["batch", "s.toml", "--out", "b"], "risk.surge",
     {"s.toml": "[base]\nrisk.surge = { dist = 'fixed', value = nan }\n[sweep]\nseeds = 2\n"}),
    ("sweep-bool-value", ["batch", "s.toml", "--out", "b"], "run.ticks",
     {"s.toml": SWEEP.format('grid = { "run.ticks" = [true, 5] }')}),
    ("sweep-zip-lengths", ["batch", "s.toml", "--out", "b"], "sweep.zip",
     {"s.toml": SWEEP.format('zip = { "run.ticks" = [2, 3], "network.k" = [4] }')}),
    ("sweep-seed-swept", ["batch", "s.toml", "--out", "b"], "run.seed",
     {"s.toml": SWEEP.format('grid = { "run.seed" = [1, 2] }')}),
    ("sweep-deep", ["batch", "s.toml", "--out", "b"], "sweep", {"s.toml": "a = " + "[" * 5000}),
    ("batch-workers-0", ["batch", "s.toml", "--out", "b", "--workers", "0"], "--workers",
     {"s.toml": SWEEP.format("seeds = 1")}),
    ("batch-out-file", ["batch", "s.toml", "--out", "f"], "--out",
     {"s.toml": SWEEP.format("seeds = 1"), "f": "x"}),
    ("batch-out-not-a-batch", ["batch", "s.toml", "--out", "d"], "--out",
     {"s.toml": SWEEP.format("seeds = 1"), "d/notes.txt": "mine"}),
    ("summarize-not-a-batch", ["summarize", "."], "summarize", {}),
]


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else b"/")
            for p in root.rglob("*")}


def _write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


@pytest.mark.parametrize(("argv", "text", "files"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_mistake_is_one_line_exit_2_nothing_written(
    argv: list[str], text: str, files: dict[str, str | bytes], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """Exit status 2, exactly one line on stderr naming the field, no traceback, and the
    working folder exactly as it was (no output folder, no temporary file)."""
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, files)
    before = _snapshot(tmp_path)
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("addsim: error: ") and text in err, err
    assert "Traceback" not in err
    assert _snapshot(tmp_path) == before


def test_the_corpus_is_large_and_its_ids_unique() -> None:
    """At least 60 distinct cases (issue 17 item 5)."""
    ids = [c[0] for c in CASES]
    assert len(ids) >= 60 and len(set(ids)) == len(ids)


@pytest.mark.parametrize("case", ["ticks-true", "config-deep-table", "csv-giant-field"])
def test_the_console_prints_one_line_and_no_traceback(case: str, tmp_path: Path) -> None:
    """The same through ``python -m addsim``: the real stderr is one line, exit status 2."""
    _, argv, text, files = next(c for c in CASES if c[0] == case)
    _write(tmp_path, files)
    before = _snapshot(tmp_path)
    env = {**os.environ, "ADDSIM_NUMBA": "0"}
    res = subprocess.run([sys.executable, "-m", "addsim", *argv], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2, res.stderr
    assert res.stderr.count("\n") == 1 and text in res.stderr and "Traceback" not in res.stderr
    assert _snapshot(tmp_path) == before


def _numeric_fields(model: type[BaseModel], prefix: str = "") -> list[tuple[str, object]]:
    """(dotted name, FieldInfo or item metadata) of every int or float field under ``model``."""
    out: list[tuple[str, object]] = []
    for name, info in model.model_fields.items():
        stack = [info.annotation]
        while stack:
            ann = stack.pop()
            origin, args = typing.get_origin(ann), typing.get_args(ann)
            if origin is typing.Annotated:
                if args[0] in (int, float):  # a list item with its own bounds
                    out.append((f"{prefix}{name}[]", args[1:]))
                else:
                    stack.append(args[0])
                continue
            if args:
                stack.extend(args)
            elif ann in (int, float):
                out.append((f"{prefix}{name}", info))
            elif isinstance(ann, type) and issubclass(ann, BaseModel):
                out += _numeric_fields(ann, f"{prefix}{name}.")
    return out


def test_every_numeric_field_has_finite_bounds() -> None:
    """Each int and float of the run config (distributions included) has a lower and an upper
    bound, so inf, -inf, 1e19 and 1e20 are refused by the schema itself."""
    from addsim.population.config import Config

    fields = _numeric_fields(Config)
    assert len(fields) > 30
    unbounded = []
    for name, info in fields:
        metadata = info if isinstance(info, tuple) else info.metadata
        flat = [m for x in metadata for m in getattr(x, "metadata", [x])]
        low = any(getattr(m, a, None) is not None for m in flat for a in ("ge", "gt"))
        high = any(getattr(m, a, None) is not None for m in flat for a in ("le", "lt"))
        if not (low and high):
            unbounded.append(name)
    assert not unbounded, f"fields without finite bounds: {unbounded}"
