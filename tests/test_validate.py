"""Targets files and ``addsim validate`` (population/targets.py, population/cli/validate.py).

A run's survey table set against targets made from it (inside) and far from it (outside),
by hand; a batch of seeds gives an interval across runs; a bad targets file is one line
naming the field, exit 2, nothing written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from evidence import pixels_of, read_png

from addsim.population.cli import main
from addsim.population.targets import Target, Targets, observe, validate

SURVEY = pd.DataFrame({
    "year": [1, 2, 3, 1, 2, 3],
    "age_band": ["all"] * 6,
    "activity": ["substance"] * 3 + ["gambling"] * 3,
    "measure": ["past_year_use"] * 6,
    "value": [0.1, 0.2, float("nan"), 0.5, 0.5, 0.5],
})


def _target(**over: object) -> Target:
    base = {"name": "t", "measure": "past_year_use", "years": [1, 3], "value": 0.15,
            "interval": [0.1, 0.2], "source": "test"}
    return Target.model_validate({**base, **over})


def test_observe_averages_the_slice_by_hand() -> None:
    assert observe(SURVEY, _target()) == pytest.approx(0.15)  # NaN year left out
    assert observe(SURVEY, _target(years=2)) == pytest.approx(0.2)
    assert observe(SURVEY, _target(activity="gambling")) == pytest.approx(0.5)
    assert pd.isna(observe(SURVEY, _target(years=[4, 9])))


def test_observe_pools_a_peer_risk_ratio_over_the_years() -> None:
    """A peer-effect target sums the counts of the years in its slice, then takes the ratio
    (year 1: 10/40 against 5/100; year 2: 20/60 against 15/100; year 3 outside the slice)."""
    parts = ("_n_exposed", "_k_exposed", "_n_unexposed", "_k_unexposed")
    values = {1: [40, 10, 100, 5], 2: [60, 20, 100, 15], 3: [10, 10, 10, 0]}
    rows = [(y, "all", "substance", f"peer_onset_rr{p}", v)
            for y, vs in values.items() for p, v in zip(parts, vs, strict=True)]
    survey = pd.DataFrame(rows, columns=["year", "age_band", "activity", "measure", "value"])
    t = _target(measure="peer_onset_rr", years=[1, 2], value=1.5, interval=[1.0, 2.0])
    assert observe(survey, t) == pytest.approx((30 / 100) / (20 / 200))


def test_validate_within_and_outside_with_an_interval_across_runs() -> None:
    other = SURVEY.assign(value=SURVEY["value"] + 0.02)
    table = validate([SURVEY, other], Targets(target=[
        _target(), _target(name="far", value=0.9, interval=None, sd=0.01)]))
    inside, far = table.iloc[0], table.iloc[1]
    assert inside["within"] and not far["within"]
    assert inside["observed"] == pytest.approx(0.16) and inside["runs"] == 2
    assert inside["observed_low"] < inside["observed"] < inside["observed_high"]
    assert far["low"] == pytest.approx(0.9 - 1.959963984540054 * 0.01)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("v") / "run"
    assert main(["run", "--out", str(out), "--set", "population.size=150",
                 "--set", "run.ticks=3 years"]) == 0
    return out


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_validate_a_run_writes_the_report(run_dir: Path, tmp_path: Path) -> None:
    survey = pd.read_parquet(run_dir / "survey.parquet")
    got = survey.query("year == 2 and age_band == 'all' and sex == 'all' "
                       "and activity == 'substance' and measure == 'lifetime_use'")["value"].item()
    targets = _write(tmp_path / "t.toml", f"""
[[target]]
name = "lifetime use"
measure = "lifetime_use"
years = 2
value = {got}
interval = [{got - 0.01}, {got + 0.01}]
source = "made from the run itself"

[[target]]
name = "impossible"
measure = "lifetime_use"
years = 2
value = {got + 0.5}
sd = 0.01
source = "far from the run"
""")
    out = tmp_path / "report"
    out.mkdir()
    assert main(["validate", str(run_dir), "--targets", str(targets), "--out", str(out)]) == 0
    table = pd.read_csv(out / "validation.csv")
    assert table["within"].tolist() == [True, False]
    assert json.loads((out / "validation.json").read_text())["within"] == 1
    # validation.png: 7.5 in wide, 0.32 in a target and 1 in more, at 120 dpi; the model's
    # dot blue where it is inside the target's interval and red where outside (one of each)
    image = read_png(out / "validation.png")
    assert image.shape[1] == 900 and abs(image.shape[0] - (0.32 * 2 + 1.0) * 120) <= 1
    assert pixels_of(image, "tab:blue") > 0 and pixels_of(image, "tab:red") > 0
    assert pixels_of(image, "0.8") > 0  # the targets' intervals


BAD = {
    "unknown-measure": ('measure = "prevalence"', "target.0.measure"),
    "no-spread": ("", "target.0"),
    "both-spreads": ("sd = 0.1", "target.0"),
    "value-outside": ("value = 0.9", "target.0"),
    "bad-band": ('age_band = "20-29"', "target.0.age_band"),
    # the peer effects are surveyed for everyone only; the rows by sex for 18+ and all only
    "peer-in-a-band": ('measure = "peer_onset_rr"\nage_band = "18+"', "target.0"),
    "sex-in-a-band": ('sex = "male"\nage_band = "18-25"', "target.0"),
    "reversed-years": ("years = [5, 2]", "target.0.years"),
    "text-value": ('value = "high"', "target.0.value"),
    "unknown-key": ("weight = 2", "target.0.weight"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_targets_are_one_line_and_nothing_written(
    case: str, run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line, field = BAD[case]
    spread = "" if case in ("no-spread",) else "interval = [0.1, 0.2]"
    body = {"name": '"t"', "measure": '"lifetime_use"', "years": "2", "value": "0.15",
            "source": '"s"'}
    for key in list(body):
        if line.startswith(f"{key} "):
            del body[key]
    text = "[[target]]\n" + "".join(f"{k} = {v}\n" for k, v in body.items()) + \
        f"{spread}\n{line}\n"
    targets = _write(tmp_path / "bad.toml", text)
    before = sorted(p.name for p in run_dir.iterdir())
    assert main(["validate", str(run_dir), "--targets", str(targets)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert err.startswith(f"addsim: error: --targets: {field}"), err
    assert sorted(p.name for p in run_dir.iterdir()) == before


def test_validate_refuses_a_folder_without_a_survey(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    targets = Path(__file__).parents[1] / "examples" / "targets" / "substance.toml"
    assert main(["validate", str(tmp_path), "--targets", str(targets)]) == 2
    assert "holds no survey table" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_shipped_targets_files_load() -> None:
    from addsim.population.targets import load_targets

    root = Path(__file__).parents[1] / "examples" / "targets"
    for name in ("substance.toml", "gambling.toml"):
        assert len(load_targets(root / name).target) >= 3, name


def test_validate_refuses_targets_beyond_the_run(run_dir: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A run shorter than a target's years is refused in one line naming the target and
    what the run covers, exit 2, nothing written (not "0 of 7" and exit 0)."""
    years = int(pd.read_parquet(run_dir / "survey.parquet")["year"].max())
    targets = Path(__file__).parents[1] / "examples" / "targets" / "substance.toml"
    out = tmp_path / "report"
    out.mkdir()
    assert main(["validate", str(run_dir), "--targets", str(targets), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert err.startswith("addsim: error: --targets: target ")
    assert f"simulated years 1-{years}" in err and "run at least 20 years" in err
    assert not list(out.iterdir())


def test_a_survey_from_before_the_adults_band_is_named_in_the_warning(
        run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A survey table written before the band 18+ existed, against a target read among
    adults: the report is written (no value for that target), and the warning says which band
    the tables lack and to run them again, not only "years beyond the run"."""
    old = tmp_path / "old"
    old.mkdir()
    survey = pd.read_parquet(run_dir / "survey.parquet")
    survey[survey["age_band"] != "18+"].to_parquet(old / "survey.parquet", index=False)
    targets = _write(tmp_path / "t.toml", """[[target]]
name = "adults"
measure = "lifetime_use"
age_band = "18+"
years = 2
value = 0.5
sd = 0.1
source = "test"
""")
    out = tmp_path / "report"
    out.mkdir()
    assert main(["validate", str(old), "--targets", str(targets), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "no band 18+" in err and "run them again" in err and err.count("\n") == 1
    assert pd.read_csv(out / "validation.csv")["runs"].tolist() == [0]
    # the same target against the run's own table: a value, no warning
    assert main(["validate", str(run_dir), "--targets", str(targets), "--out", str(out)]) == 0
    assert "warning" not in capsys.readouterr().err
