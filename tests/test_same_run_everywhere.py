"""Issue 29 item 7: one config and seed, one result, whichever way it is run.

The same config and seed go through ``addsim run``, the Python API, a batch and a calibration
particle, once written with its tables and keys in one order and once in the reverse order
(at every level: tables, keys, the comorbidity factors, the sex ratios, distributions); all
eight survey tables must be identical. A mechanism that iterated over a table in its written
order, or a path that resolved the config differently, would make them differ.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import tomli_w

from addsim.api import run as api_run
from addsim.population.calibrate import Simulator
from addsim.population.cli import main
from addsim.population.config import Config
from addsim.population.params import ParamsFile, Space
from addsim.population.survey import COLUMNS
from addsim.population.targets import load_targets

SETS = {"population": {"size": 90}, "network": {"kind": "watts_strogatz", "k": 4},
        "run": {"ticks": "2 years", "burn_in": "1 year", "seed": 123},
        "comorbidity": {"factors": {"surge": 1, "natural_reward": -1, "perceived_win": 1}},
        "sex": {"access_ratio": {"substance": 2.0, "gambling": 3.0}},
        "exposure": {"p_peer": 0.05}}


def _reorder(data: Any, reverse: bool) -> Any:
    """``data`` with every table's keys sorted forwards or backwards (recursively)."""
    if isinstance(data, dict):
        return {k: _reorder(data[k], reverse) for k in sorted(data, reverse=reverse)}
    return data


def _full(reverse: bool) -> dict[str, Any]:
    """The whole resolved config (every field written out) in one key order."""
    cfg = Config.model_validate(SETS)
    data = cfg.model_dump(mode="json", exclude_none=True)
    return _reorder(data, reverse)


def _surveys(tmp: Path, reverse: bool) -> dict[str, pd.DataFrame]:
    data = _full(reverse)
    path = tmp / f"config-{reverse}.toml"
    path.write_text(tomli_w.dumps(data))
    out: dict[str, pd.DataFrame] = {}
    # addsim run
    assert main(["run", str(path), "--out", str(tmp / f"run-{reverse}")]) == 0
    out["run"] = pd.read_parquet(tmp / f"run-{reverse}" / "survey.parquet")
    # the API
    out["api"] = api_run(path).survey
    # a batch of the config file, one seed (the config's own)
    sweep = tmp / f"sweep-{reverse}.toml"
    sweep.write_text(f"[base]\nconfig = {tomli_w.dumps({'p': str(path)})[4:]}\n"
                     f"[sweep]\nseeds = [{SETS['run']['seed']}]\n")
    assert main(["batch", str(sweep), "--out", str(tmp / f"batch-{reverse}"),
                 "--workers", "1"]) == 0
    (one,) = (tmp / f"batch-{reverse}" / "runs").glob("*.survey.parquet")
    out["batch"] = pd.read_parquet(one)
    # a calibration particle whose values are the config's own (p_peer), with its seed
    params = ParamsFile.model_validate({"param": [
        {"key": "exposure.p_peer", "low": 0.01, "high": 0.1}]})
    space = Space(params, data)
    targets = load_targets(Path(__file__).parents[1] / "examples/targets/substance.toml")
    out["particle"] = Simulator(space, targets).survey(
        {"exposure.p_peer": SETS["exposure"]["p_peer"]}, SETS["run"]["seed"])
    return out


def test_run_api_batch_and_particle_agree_whatever_the_key_order(tmp_path: Path) -> None:
    forward, backward = _surveys(tmp_path, False), _surveys(tmp_path, True)
    assert tomli_w.dumps(_full(False)) != tomli_w.dumps(_full(True))  # the orders differ
    ref = forward["run"][list(COLUMNS)].reset_index(drop=True)
    assert len(ref) > 0 and ref["value"].notna().any()
    for label, tables in (("forward", forward), ("backward", backward)):
        for way, frame in tables.items():
            # a batch's table also names its run; the survey's own columns must agree
            pd.testing.assert_frame_equal(frame[list(COLUMNS)].reset_index(drop=True), ref,
                                          check_dtype=False,
                                          obj=f"{way} ({label} key order)")
