"""The command table of the CLI (population/cli/__init__.py): a command's module is imported
only when that command is parsed, the lazy parser says what the full one says, and a command
whose optional dependency is missing names the extra to install in one line, exit 2."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from addsim._errors import EXTRAS
from addsim.population.cli import COMMANDS, build_parser, main

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numba", "pandas", "pyarrow", "matplotlib", "mesa", "pydantic")

PROBE = """
import json, sys
from addsim.population.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.startswith(("addsim", *{heavy!r})))))
"""


def _imported(argv: list[str]) -> set[str]:
    """The addsim and heavy modules a fresh process has imported after ``addsim argv``."""
    code = PROBE.format(argv=argv, heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize("argv", [["--version"], ["--help"]], ids=" ".join)
def test_version_and_help_import_no_command_and_no_heavy_library(argv: list[str]) -> None:
    """`addsim --version` and `--help` load none of the command modules, nor numba, pandas,
    pyarrow, matplotlib, Mesa or pydantic (what made them take seconds)."""
    loaded = _imported(argv)
    commands = {f"addsim.population.cli.{c.module}" for c in COMMANDS.values()}
    assert not loaded & commands, loaded & commands
    assert not {m.split(".")[0] for m in loaded} & set(HEAVY), sorted(loaded)


def test_a_command_imports_its_own_module_only() -> None:
    """`addsim run --help` imports run's module and no other command's."""
    loaded = _imported(["run", "--help"])
    assert "addsim.population.cli.run" in loaded
    others = {f"addsim.population.cli.{c.module}" for n, c in COMMANDS.items() if n != "run"}
    assert not loaded & others, loaded & others


def test_the_lazy_listing_is_the_full_parsers() -> None:
    """`addsim --help` from the table alone equals the help of the parser with every module
    loaded: every command a module registers is in COMMANDS and the reverse (else KeyError or
    a different listing)."""
    assert build_parser([]).format_help() == build_parser().format_help()


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_parses_alone_as_in_the_full_parser(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`addsim NAME --help` through the lazy parser prints what the full parser prints, and
    the subcommand's description is its line in COMMANDS."""
    helps = []
    for parser in (build_parser([name]), build_parser()):
        with pytest.raises(SystemExit) as stop:
            parser.parse_args([name, "--help"])
        assert stop.value.code == 0
        helps.append(capsys.readouterr().out)
    assert helps[0] == helps[1]
    first = COMMANDS[name].help
    assert f"{first[:1].upper()}{first[1:]}." in " ".join(helps[0].split())


@pytest.mark.parametrize(("command", "module", "argv"), [
    ("calibrate", "pyabc", ["--targets", "examples/targets/substance.toml", "--params",
                            "examples/calibrate/params.toml"]),
    ("sensitivity", "SALib", ["--params", "examples/sensitivity/params.toml", "--outcomes",
                              "past_year_disorder"]),
    ("batch", "distributed", ["examples/peers.toml", "--scheduler", "tcp://127.0.0.1:9"]),
])
def test_a_missing_extra_is_one_line_naming_it_and_nothing_written(
    command: str, module: str, argv: list[str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """With the optional module unimportable (as after a core-only install), the command
    stops before any work: one line naming the extra, exit status 2, no output folder."""
    monkeypatch.setitem(sys.modules, module, None)  # `import module` now fails
    monkeypatch.chdir(ROOT)
    out = tmp_path / "out"
    assert main([command, *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert err.startswith("addsim: error: addsim ")
    assert err.endswith(f"pip install 'addsim[{EXTRAS[module]}]'")
    assert not out.exists()


def test_extras_match_pyproject() -> None:
    """Every optional module's extra exists in pyproject and installs that module; the core
    dependencies hold none of them; `all` brings every extra and `test` brings `all`."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]

    def names(requirements: list[str]) -> set[str]:
        return {re.split(r"[<>=\[; ]", r, maxsplit=1)[0].lower() for r in requirements}

    def brought(requirements: list[str]) -> str:
        return " ".join(requirements).lower()

    for module, extra in EXTRAS.items():
        assert module.lower() in brought(extras[extra]), (module, extra)
        assert module.lower() not in names(project["dependencies"])
    assert set(EXTRAS.values()) <= set(re.findall(r"\w+", brought(extras["all"])))
    assert "addsim[all]" in extras["test"]
