"""The bad-input corpus (issues 17 and 32): every mistake a user can make on the command line,
in a config, a sweep or a data file, or through the Python API, is refused with exit status 2
(a ConfigError from the API), one line of at most 300 characters naming the field, no
traceback, and nothing written (the working folder is unchanged, symlinks, FIFOs and all).

The corpus: 184 command-line cases (CASES: 115 from issue 17, 2 on risk factors'
distributions, 67 from issue 32's probe:
destinations that are symlinks, FIFOs, devices or names too long, input files that are not
regular files, TOML that hides its structure or holds a 5,000-digit integer, archives that would
inflate past the memory limit, caps on edge lists, interventions, targets and dry runs,
damaged batch files, huge values echoed, a tiny run.tick) and 10 Python API cases
(API_CASES). The 14 cases about resources (RESOURCE_CASES) run again in a child process
under an address-space and CPU-time limit (resource.setrlimit): a quadratic parse or an
inflated archive dies there instead of passing slowly.

Cases run in-process through ``addsim.population.cli.main`` (a traceback would fail the test
as an uncaught exception); a few run through ``python -m addsim`` to check the real stderr.
"""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import typing
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import BaseModel

from addsim.population.cli import main

ROOT = Path(__file__).resolve().parents[1]
SWEEP = '[base]\npopulation.size = 20\n[sweep]\n{}\n'
TRUNCATED = b"PAR1" + b"\0" * 200  # a Parquet file cut short
GRAPHML = ('<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
           '<graph edgedefault="undirected">' + "".join(f'<node id="n{i}"/>' for i in range(10))
           + '<edge source="n0" target="n1"/></graph></graphml>')


@dataclass(frozen=True)
class Link:
    """A symlink to ``target`` (relative to the link's folder)."""

    target: str


@dataclass(frozen=True)
class Node:
    """A FIFO or an empty folder."""

    kind: str


FIFO, FOLDER = Node("fifo"), Node("folder")
Content = str | bytes | Link | Node


def _parquet(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def _npz(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(f"{name}.npy", data)
    return buf.getvalue()


def _npy(array: np.ndarray, header: dict[str, typing.Any] | None = None) -> bytes:
    buf = io.BytesIO()
    if header is None:
        np.save(buf, array, allow_pickle=True)
    else:  # a header that says something else than the data that follows it
        np.lib.format.write_array_header_1_0(buf, header)
        buf.write(array.tobytes())
    return buf.getvalue()


def _claiming(npz: bytes, size: int) -> bytes:
    """An npz whose directory says its first member inflates to ``size`` bytes (a zip bomb's
    promise, without the gigabytes): local header and central directory both patched."""
    data = bytearray(npz)
    local = data.index(b"PK\x03\x04")
    data[local + 22: local + 26] = size.to_bytes(4, "little")
    central = data.index(b"PK\x01\x02")
    data[central + 24: central + 28] = size.to_bytes(4, "little")
    return bytes(data)


NAMES = _npy(np.array(["substance"])), _npy(np.array(["never_exposed", "user"]))
HISTORY_OK_CONFIG = "[population]\nsize = 4\n[run]\nticks = 2\n"
NPZ_HUGE_HEADER = _npz({"status": _npy(np.zeros(16, np.uint8), {
    "descr": "|u1", "fortran_order": False, "shape": (80_000_000_000,)}),
    "activities": NAMES[0], "statuses": NAMES[1]})
NPZ_INFLATES = _claiming(_npz({"status": _npy(np.zeros((2, 1, 4), np.uint8)),
                               "activities": NAMES[0], "statuses": NAMES[1]}), 0xF000_0000)
NPZ_BOMB = _npz({"status": _npy(np.zeros((8, 1, 2**23), np.uint8)),  # 64 MiB in 64 KB
                 "activities": NAMES[0], "statuses": NAMES[1]})
NPZ_OBJECTS = _npz({"status": _npy(np.array([{"a": 1}], dtype=object)),
                    "activities": NAMES[0], "statuses": NAMES[1]})
TARGETS = ('[[target]]\nname = "t"\nmeasure = "lifetime_use"\nyears = 1\nvalue = 0.5\n'
           'sd = 0.1\nsource = "x"\n')
PARAMS = '[[param]]\nkey = "exposure.p_peer"\nlow = 0.01\nhigh = 0.05\n'
SURVEY = _parquet(pd.DataFrame({"year": [1], "age_band": ["all"], "activity": ["substance"],
                                "measure": ["lifetime_use"], "value": [0.5]}))
META = '{"keys": [], "levels": [], "individuals": false, "signature": "x"}'
INDEX = _parquet(pd.DataFrame({"run_id": ["r1"], "condition": ["c"], "seed": [0],
                               "status": ["ok"], "duration": [1.0], "error": [""]}))
FOREIGN = _parquet(pd.DataFrame({"a": [1, 2]}))
BIG_INT = "9" * 5000  # more digits than int() reads (4,300)
DOTS = ".".join(["k"] * 20_000)
HUGE = "x" * 100_000


def _set(*sets: str) -> list[str]:
    return [x for s in sets for x in ("--set", s)]


def _file_net(name: str) -> list[str]:
    return _set("network.kind=file", f"network.file='{name}'")


# (id, argv, text the one line must contain, files to create first)
CASES: list[tuple[str, list[str], str, dict[str, Content]]] = [
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
    # a risk factor's distribution: one parameter set alone, or an unknown dist
    ("dist-part", ["run", "--out", "o", *_set("risk.perceived_win.a=6")],
     "risk.perceived_win: a distribution table needs dist, one of fixed, truncnormal", {}),
    ("dist-name-typo", ["run", "--out", "o", *_set("risk.access={dist='unifrom', high=1}")],
     "risk.access: got dist 'unifrom'", {}),
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
    # ---- issue 32: destinations that are not files or folders, symlinks, long names
    ("export-to-fifo", ["export", "r", "--to", "p"], "FIFO (named pipe), not a regular file",
     {"r/prevalence.parquet": TRUNCATED, "p": FIFO}),
    ("export-to-dangling-link", ["export", "r", "--to", "p"], "does not exist; refused",
     {"r/prevalence.parquet": TRUNCATED, "p": Link("gone.csv")}),
    ("export-to-link-loop", ["export", "r", "--to", "p"], "cannot be followed",
     {"r/prevalence.parquet": TRUNCATED, "p": Link("p")}),
    ("export-to-name-too-long", ["export", "r", "--to", "x" * 300], "--to",
     {"r/prevalence.parquet": TRUNCATED}),
    ("run-out-dangling-link", ["run", "--out", "o"], "--out: 'o' is a symlink",
     {"o": Link("nowhere")}),
    ("run-out-link-loop", ["run", "--out", "o"], "cannot be followed", {"o": Link("o")}),
    ("run-out-fifo", ["run", "--out", "o"], "FIFO (named pipe), not a folder", {"o": FIFO}),
    ("run-out-device", ["run", "--out", "/dev/null"], "character device, not a folder", {}),
    ("run-out-name-too-long", ["run", "--out", "o" * 300], "--out", {}),
    # the parent folders it would have made are not left behind (found by an audit)
    ("run-out-name-too-long-in-new-folders", ["run", "--out", f"a/b/{'o' * 300}/x"], "--out",
     {}),
    ("run-out-under-dangling-link", ["run", "--out", "l/o"], "--out", {"l": Link("gone")}),
    ("batch-out-dangling-link", ["batch", "s.toml", "--out", "b"], "--out",
     {"s.toml": SWEEP.format("seeds = 1"), "b": Link("gone")}),
    ("reproduce-out-link-loop", ["reproduce", "relapse", "--out", "o"], "--out",
     {"o": Link("o")}),
    ("view-record-fifo", ["view", "--headless", "--record", "x.gif"], "--record",
     {"x.gif": FIFO}),
    ("view-record-dangling-link", ["view", "--headless", "--record", "x.png"], "--record",
     {"x.png": Link("gone/x.png")}),
    ("validate-out-is-file", ["validate", "r", "--targets", "t.toml", "--out", "f"], "--out",
     {"r/survey.parquet": SURVEY, "t.toml": TARGETS, "f": "x"}),
    ("calibrate-workers-million", ["calibrate", "--targets", "t.toml", "--params", "p.toml",
                                   "--out", "o", "--workers", "1000000"], "--workers",
     {"t.toml": TARGETS, "p.toml": PARAMS}),
    ("sensitivity-workers-million", ["sensitivity", "--params", "p.toml", "--outcomes",
                                     "lifetime_use", "--out", "o", "--workers", "1000000"],
     "--workers", {"p.toml": PARAMS}),
    ("batch-workers-million", ["batch", "s.toml", "--out", "b", "--workers", "1000000"],
     "--workers", {"s.toml": SWEEP.format("seeds = 1")}),
    # ---- input files: not regular files, names too long
    ("config-name-too-long", ["run", "c" * 300 + ".toml", "--out", "o"], "File name too long",
     {}),
    ("config-is-folder", ["run", "d", "--out", "o"], "is a folder, not a regular file",
     {"d": FOLDER}),
    ("config-is-device", ["run", "/dev/null", "--out", "o"],
     "character device, not a regular file", {}),
    ("config-is-fifo", ["run", "p", "--out", "o"], "FIFO (named pipe), not a regular file",
     {"p": FIFO}),
    ("check-is-folder", ["config", "--check", "d"], "not a regular file", {"d": FOLDER}),
    ("sweep-is-fifo", ["batch", "p", "--out", "b"], "sweep: file 'p' is a FIFO", {"p": FIFO}),
    ("targets-is-folder", ["validate", "r", "--targets", "d"], "--targets",
     {"r/survey.parquet": SURVEY, "d": FOLDER}),
    ("risk-csv-is-folder", ["run", "--out", "o", *_set("population.risk_csv='d'")],
     "population.risk_csv", {"d": FOLDER}),
    ("network-file-is-fifo", ["run", "--out", "o", *_file_net("p")], "network.file",
     {"p": FIFO}),
    ("base-config-is-folder", ["batch", "s.toml", "--out", "b"], "base.config",
     {"s.toml": "[base]\nconfig = 'd'\n[sweep]\nseeds = 1\n", "d": FOLDER}),
    ("view-target-fifo", ["view", "p", "--headless"], "not a regular file", {"p": FIFO}),
    # ---- TOML: structure hidden from the guard, integers of 5,000 digits, too many tables
    ("config-escaped-quote-dotted", ["run", "c.toml", "--out", "o"], "dotted key",
     {"c.toml": 'x = """a\\"""b"""\n' + DOTS + ' = 1\ny = """c"""\n'}),
    ("config-digit-dotted", ["run", "c.toml", "--out", "o"], "dotted key",
     {"c.toml": ".".join(["0"] * 20_000) + " = 1\n"}),
    ("config-table-dotted", ["run", "c.toml", "--out", "o"], "dotted key",
     {"c.toml": f"[{DOTS}]\n"}),
    ("config-20000-tables", ["run", "c.toml", "--out", "o"], "more than 10,000 tables",
     {"c.toml": "[[interventions]]\nkind = 'treatment'\ntick = 1\n" * 20_000}),
    ("config-2000-interventions", ["run", "c.toml", "--out", "o"],
     "interventions: got 2,000 entries, expected at most 1,000",
     {"c.toml": "[[interventions]]\nkind = 'treatment'\ntick = 1\n" * 2_000}),
    ("config-big-int", ["run", "c.toml", "--out", "o"], "config", {"c.toml": f"a = {BIG_INT}"}),
    ("sweep-big-int", ["batch", "s.toml", "--out", "b"], "sweep",
     {"s.toml": f"[base]\n[sweep]\nseeds = {BIG_INT}\n"}),
    ("targets-big-int", ["validate", "r", "--targets", "t.toml"], "--targets",
     {"r/survey.parquet": SURVEY, "t.toml": TARGETS.replace("years = 1", f"years = {BIG_INT}")}),
    ("params-big-int", ["calibrate", "--targets", "t.toml", "--params", "p.toml", "--out", "o"],
     "--params", {"t.toml": TARGETS, "p.toml": PARAMS + f"x = {BIG_INT}\n"}),
    ("set-big-int", ["run", "--out", "o", *_set(f"run.seed={BIG_INT}")], "--set", {}),
    ("targets-1001", ["validate", "r", "--targets", "t.toml"], "at most 1000",
     {"r/survey.parquet": SURVEY,
      "t.toml": "".join(TARGETS.replace('"t"', f'"t{i}"') for i in range(1001))}),
    # ---- archives checked before they inflate
    ("view-npz-header-80GB", ["view", "r", "--headless", "--frames", "1"], "header says",
     {"r/history.npz": NPZ_HUGE_HEADER, "r/config.toml": HISTORY_OK_CONFIG}),
    ("view-npz-inflates", ["view", "r", "--headless", "--frames", "1"], "history.npz",
     {"r/history.npz": NPZ_INFLATES, "r/config.toml": HISTORY_OK_CONFIG}),
    ("view-npz-bomb-64MiB", ["view", "r", "--headless", "--frames", "1"],
     "array 'status' inflates to 64.0 MiB",
     {"r/history.npz": NPZ_BOMB, "r/config.toml": HISTORY_OK_CONFIG}),
    ("view-npz-objects", ["view", "r", "--headless", "--frames", "1"], "Python objects",
     {"r/history.npz": NPZ_OBJECTS, "r/config.toml": HISTORY_OK_CONFIG}),
    # ---- graph files: size caps, a population.size that differs
    ("edge-list-over-bytes", ["run", "--out", "o", *_file_net("e.txt"),
                              *_set("network.max_edges=10")], "network.max_edges=10",
     {"e.txt": "0 1\n" + "# padding\n" * 200_000}),
    ("edge-list-long-line", ["run", "--out", "o", *_file_net("e.txt")], "longer than 4,096",
     {"e.txt": "0 " + "1" * 10_000 + "\n"}),
    ("graph-size-differs", ["run", "--out", "o", *_file_net("e.txt"),
                            *_set("population.size=5")], "has 2 nodes", {"e.txt": "0 1\n"}),
    # ---- batches: dry runs counted before expansion, damaged batch files
    ("dry-run-million", ["batch", "s.toml", "--out", "b", "--dry-run"], "--dry-run",
     {"s.toml": SWEEP.format('grid = { "exposure.p_peer" = '
                             '{ low = 0, high = 1, step = 0.000002 } }')}),
    ("batch-json-broken-resume", ["batch", "s.toml", "--out", "b"], "remove it",
     {"s.toml": SWEEP.format("seeds = 1"), "b/batch.json": "{"}),
    ("summarize-batch-json-broken", ["summarize", "d"], "batch.json",
     {"d/batch.json": "{", "d/index.parquet": INDEX}),
    ("summarize-batch-json-list", ["summarize", "d"], "expected an object",
     {"d/batch.json": "[1, 2]", "d/index.parquet": INDEX}),
    ("summarize-batch-json-no-keys", ["summarize", "d"], "not a batch's batch.json",
     {"d/batch.json": "{}", "d/index.parquet": INDEX}),
    ("summarize-index-truncated", ["summarize", "d"], "index.parquet",
     {"d/batch.json": META, "d/index.parquet": TRUNCATED}),
    ("summarize-index-foreign", ["summarize", "d"], "lacks the column",
     {"d/batch.json": META, "d/index.parquet": FOREIGN}),
    ("summarize-run-truncated", ["summarize", "d"], "r1.parquet",
     {"d/batch.json": META, "d/index.parquet": INDEX, "d/runs/r1.parquet": TRUNCATED}),
    ("validate-survey-foreign", ["validate", "r", "--targets", "t.toml"], "lacks the column",
     {"r/survey.parquet": FOREIGN, "t.toml": TARGETS}),
    ("validate-survey-not-numbers", ["validate", "r", "--targets", "t.toml"], "not numbers",
     {"r/survey.parquet": _parquet(pd.DataFrame({"year": ["a"], "age_band": ["all"],
                                                  "activity": ["substance"],
                                                  "measure": ["lifetime_use"],
                                                  "value": [0.5]})), "t.toml": TARGETS}),
    # ---- messages: huge values cut, the field the user set, a spreadsheet's CSV
    ("value-100KB-set", ["run", "--out", "o", *_set(f"run.tick='{HUGE}'")], "run.tick", {}),
    ("value-7MB-config", ["run", "c.toml", "--out", "o"], "run.tick",
     {"c.toml": f'[run]\ntick = "{"x" * 7_000_000}"\n'}),
    ("unknown-key-100KB", ["run", "c.toml", "--out", "o"], "unknown key",
     {"c.toml": f"{'k' * 100_000} = 1\n"}),
    ("sweep-value-100KB", ["batch", "s.toml", "--out", "b"], "run.tick",
     {"s.toml": SWEEP.format(f'grid = {{ "run.tick" = ["{HUGE}"] }}')}),
    ("set-key-100KB", ["run", "--out", "o", "--set", f"{HUGE}=1"], "unknown key", {}),
    ("tick-tiny", ["run", "--out", "o", *_set("run.tick='0.001 days'")],
     "run.tick: got '0.001 days'", {}),
    ("tick-long", ["run", "--out", "o", *_set("run.tick='10 years'")],
     "run.tick: got '10 years'", {}),
    ("outcomes-superscript", ["sensitivity", "--params", "p.toml", "--outcomes",
                              "lifetime_use:substance:\u00b2", "--out", "o"], "--outcomes",
     {"p.toml": PARAMS}),
    ("csv-bom-then-text", ["run", "--out", "o", *_set("population.size=2",
                                                      "population.risk_csv='r.csv'")],
     "population.risk_csv: line 3", {"r.csv": "\ufeffsurge\n15\nmany\n"}),
]

# cases about time and memory: again in a child process under resource limits
RESOURCE_CASES = ["config-escaped-quote-dotted", "config-digit-dotted", "config-table-dotted",
                  "config-20000-tables", "config-2000-interventions", "config-dotted-100000",
                  "config-deep-array", "view-npz-header-80GB", "view-npz-inflates",
                  "view-npz-bomb-64MiB", "edge-list-over-bytes", "dry-run-million",
                  "value-7MB-config", "targets-1001"]


def _snapshot(root: Path) -> dict[str, bytes | str]:
    """Every node under ``root`` as it is (symlinks and FIFOs not followed or opened)."""
    out: dict[str, bytes | str] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            p = Path(folder) / name
            mode = os.lstat(p).st_mode
            key = str(p.relative_to(root))
            if stat.S_ISLNK(mode):
                out[key] = "-> " + os.readlink(p)
            elif stat.S_ISREG(mode):
                out[key] = p.read_bytes()
            else:
                out[key] = "folder" if stat.S_ISDIR(mode) else f"node {stat.S_IFMT(mode)}"
    return out


def _write(root: Path, files: dict[str, Content]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Link):
            path.symlink_to(content.target)
        elif content == FIFO:
            os.mkfifo(path)
        elif content == FOLDER:
            path.mkdir()
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            assert isinstance(content, str)
            path.write_text(content)


def _one_line(err: str, text: str) -> None:
    """Exactly one line of at most 300 characters, ``addsim: error:`` and ``text`` in it."""
    assert err.endswith("\n") and err.count("\n") == 1, err[:2000]
    assert len(err) <= 301, f"{len(err)} characters: {err[:400]}"
    assert err.startswith("addsim: error: ") and text in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize(("argv", "text", "files"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_mistake_is_one_line_exit_2_nothing_written(
    argv: list[str], text: str, files: dict[str, Content], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """Exit status 2, exactly one line on stderr (at most 300 characters) naming the field, no
    traceback, and the working folder exactly as it was (no output folder, no temporary
    file, every symlink and FIFO left as it was)."""
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, files)
    before = _snapshot(tmp_path)
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, err[:2000]
    _one_line(err, text)
    assert _snapshot(tmp_path) == before


def test_guard_the_corpus_is_large_and_its_ids_unique() -> None:
    """A guard on the test data, not on the package (no change to the code can fail it): at
    least 160 distinct command-line cases (issue 32 item 7), as many as the module's
    docstring says, and every resource case is one of them."""
    ids = [c[0] for c in CASES]
    assert len(ids) >= 160 and len(set(ids)) == len(ids)
    doc = __doc__ or ""
    assert f"{len(ids)} command-line cases" in doc and f"{len(API_CASES)} Python API" in doc
    assert f"The {len(RESOURCE_CASES)} cases about resources" in doc
    assert set(RESOURCE_CASES) <= set(ids)


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


MEMORY = 1536 * 2**20  # address space of the child: an import of everything fits, 1.65 GB not
CPU_S = 60  # CPU seconds of the child: every case takes a few


def _limits() -> None:  # pragma: no cover - runs in the child before exec
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_S, CPU_S))


@pytest.mark.parametrize("case", RESOURCE_CASES)
def test_resource_cases_hold_under_memory_and_time_limits(case: str, tmp_path: Path) -> None:
    """Each case about resources, run by ``python -m addsim`` limited to 1.5 GiB of address
    space and 60 s of CPU: one line, exit 2 (a quadratic parse or an archive inflated
    before its size is checked is killed or raises MemoryError instead)."""
    _, argv, text, files = next(c for c in CASES if c[0] == case)
    _write(tmp_path, files)
    before = _snapshot(tmp_path)
    env = {**os.environ, "ADDSIM_NUMBA": "0", "OPENBLAS_NUM_THREADS": "1"}
    res = subprocess.run([sys.executable, "-m", "addsim", *argv], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=180, preexec_fn=_limits)
    assert res.returncode == 2, res.stderr[-2000:]
    _one_line(res.stderr, text)
    assert _snapshot(tmp_path) == before


def _sweep_dict() -> dict[str, typing.Any]:
    return {"base": {"population": {"size": 20}, "run": {"ticks": 2}}, "sweep": {"seeds": 1}}


# (id, call, text the one line must contain): the API raises ConfigError with the CLI's line
API_CASES: list[tuple[str, typing.Callable[[], object], str]] = [
    ("run-progress-5", lambda: __import__("addsim").run(progress=5), "progress: got 5"),
    ("run-config-int", lambda: __import__("addsim").run(config=5), "config: got int"),
    ("run-ticks-float64", lambda: __import__("addsim").run(ticks=np.float64(2.5)),
     "run.ticks: got 2.5"),
    ("run-unknown-key", lambda: __import__("addsim").run(run__tiks=5), "did you mean 'ticks'"),
    ("load-config-sets-text", lambda: __import__("addsim").load_config(sets="run.ticks=5"),
     "sets: got"),
    ("batch-sweep-int", lambda: __import__("addsim").batch(123, "out"), "sweep: got 123"),
    ("batch-workers-negative", lambda: __import__("addsim").batch(_sweep_dict(), "out",
                                                                   workers=-1),
     "workers: got -1, expected a whole number in [1, 4096]"),
    ("batch-workers-true", lambda: __import__("addsim").batch(_sweep_dict(), "out",
                                                               workers=True),
     "workers: got True"),
    ("batch-out-none", lambda: __import__("addsim").batch(_sweep_dict(), None),
     "out: got None"),
    ("batch-scheduler-int", lambda: __import__("addsim").batch(_sweep_dict(), "out",
                                                                scheduler=8786), "scheduler"),
]


@pytest.mark.parametrize(("call", "text"), [c[1:] for c in API_CASES],
                         ids=[c[0] for c in API_CASES])
def test_api_mistake_is_a_config_error(call: typing.Callable[[], object], text: str,
                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad argument to the Python API is a ConfigError (a ValueError), never a raw
    TypeError, with one line naming the argument; nothing is written."""
    from addsim._errors import ConfigError

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        call()
    line = str(info.value)
    assert "\n" not in line and len(line) <= 300 and text in line, line
    assert isinstance(info.value, ValueError)
    assert list(tmp_path.iterdir()) == []


def test_api_accepts_numpy_scalars() -> None:
    """Numbers from numpy (np.int64, np.float32, np.bool_) are taken where Python's are."""
    import addsim

    r = addsim.run(size=np.int64(30), ticks=np.int64(3), seed=np.uint8(2),
                   exposure__p_peer=np.float64(0.05), history=np.bool_(True))
    assert (r.config.population.size, r.config.run.ticks, r.config.run.seed) == (30, 3, 2)
    assert r.config.exposure.p_peer == 0.05 and r.config.run.history is True


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
