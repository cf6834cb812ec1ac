"""The package's layout: who may import whom, no import cycle, every sub-package in the wheel.

The repository root is the package ``addsim`` (pyproject's ``package-dir``), so these tests read
the source files themselves with ``ast`` (no module is imported) and, for the wheel, build one
from a copy of the repository.
"""

from __future__ import annotations

import ast
import itertools
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "addsim"
# Folders of the repository that are not part of the package (hidden ones and .venv* as well).
NOT_PACKAGE = {"tests", "benchmarks", "examples", "docs", "build", "results", "__pycache__",
               "site"}  # site/: a local `mkdocs build` of the docs
HELPERS = {"addsim._jit", "addsim._errors", "addsim._files"}
SUBPACKAGES = ("envs", "agents", "population", "viz")
VIEW = "addsim.population.cli.view"  # the only place outside viz/ that may import addsim.viz
TOP = {"addsim.api", "addsim.__main__"}  # the API and the command line sit on top of everything


class Imp(NamedTuple):
    """One import of an addsim module: its target module, where it is, and how it is guarded."""

    target: str
    line: int = 0
    text: str = ""
    lazy: bool = False  # inside a function body (runs on call, not at load)
    type_checking: bool = False  # inside ``if TYPE_CHECKING:`` (never runs)

    def where(self, module: str) -> str:
        """``module:line: text`` for a failure message."""
        return f"{module}:{self.line}: {self.text or 'import ' + self.target}"


# --------------------------------------------------------------------------------------------
# Reading the package


def _pruned_walk(root: Path) -> Iterator[tuple[Path, list[str], list[str]]]:
    """os.walk over the package's folders only (no tests/, build/, .venv*, hidden folders...)."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d for d in dirs
            if d not in NOT_PACKAGE and not d.startswith(".") and not d.endswith(".egg-info")
        )
        yield Path(folder), dirs, sorted(files)


def module_name(path: Path, root: Path = ROOT) -> str:
    """The dotted name of a source file: __init__.py is its package, the root one ``addsim``."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


def source_files(root: Path = ROOT) -> dict[str, Path]:
    """Every .py file of the package by module name."""
    return {
        module_name(folder / f, root): folder / f
        for folder, _, files in _pruned_walk(root) for f in files if f.endswith(".py")
    }


def _is_addsim(name: str) -> bool:
    return name == PACKAGE or name.startswith(PACKAGE + ".")


def _known(name: str, modules: set[str]) -> str:
    """The longest prefix of ``name`` that is a module (``addsim.x.y.attr`` -> ``addsim.x.y``)."""
    while name not in modules and "." in name:
        name = name.rpartition(".")[0]
    return name


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Collector(ast.NodeVisitor):
    """Collects the addsim imports of one module, anywhere in it."""

    def __init__(self, module: str, is_package: bool, modules: set[str], source: str) -> None:
        self.module, self.modules, self.source = module, modules, source
        self.package = module if is_package else module.rpartition(".")[0]
        self.lazy = 0
        self.type_checking = 0
        self.found: list[Imp] = []

    def _add(self, target: str, node: ast.stmt) -> None:
        if _is_addsim(target):
            text = (ast.get_source_segment(self.source, node) or "").split("\n")[0]
            self.found.append(Imp(_known(target, self.modules), node.lineno, text,
                                  self.lazy > 0, self.type_checking > 0))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "__future__":
            return
        base = node.module or ""
        if node.level:  # relative: from the module's package, one level up per extra dot
            package = self.package.split(".")
            anchor = ".".join(package[: len(package) - (node.level - 1)])
            base = f"{anchor}.{base}" if base else anchor
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            self._add(sub if alias.name != "*" and sub in self.modules else base, node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        self.lazy += 1
        self.generic_visit(node)
        self.lazy -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self.type_checking += 1
        for stmt in node.body:
            self.visit(stmt)
        self.type_checking -= 1
        for stmt in node.orelse:
            self.visit(stmt)


def imports_of(source: str, module: str, is_package: bool, modules: set[str]) -> list[Imp]:
    """The addsim imports in ``source`` (the text of ``module``), relative ones resolved."""
    collector = _Collector(module, is_package, modules, source)
    collector.visit(ast.parse(source))
    return collector.found


def import_graph(root: Path = ROOT) -> dict[str, list[Imp]]:
    """Every package module -> its addsim imports."""
    files = source_files(root)
    modules = set(files)
    return {
        module: imports_of(path.read_text(encoding="utf-8"), module,
                           path.name == "__init__.py", modules)
        for module, path in files.items()
    }


# --------------------------------------------------------------------------------------------
# The rules


def layer(module: str) -> str:
    """``envs``, ``agents``, ``population``, ``viz``, ``helpers`` or ``root``."""
    if module in HELPERS:
        return "helpers"
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in SUBPACKAGES else "root"


def _under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def rule_broken(importer: str, target: str) -> str | None:
    """Why ``importer`` may not import ``target``, or None when it may."""
    src, dst = layer(importer), layer(target)
    if dst == "viz" and src != "viz" and not _under(importer, VIEW):
        return f"only {VIEW} may import addsim.viz"
    if target in TOP and importer != PACKAGE:
        return f"nothing inside the package imports {target} (it sits on top)"
    forbidden = {
        "envs": {"agents", "population", "viz"},
        "agents": {"envs", "population", "viz"},
        "viz": {"envs", "agents", "population"},
        "helpers": {"envs", "agents", "population", "viz"},
    }
    if dst in forbidden.get(src, ()):
        return f"{src} may not import {dst}"
    return None


def violations(graph: Mapping[str, list[Imp]]) -> list[str]:
    """One line per import that breaks the direction rules (TYPE_CHECKING and lazy ones too)."""
    return [
        f"{imp.where(module)}  ({reason})"
        for module, imps in sorted(graph.items()) for imp in imps
        if (reason := rule_broken(module, imp.target))
    ]


def load_graph(graph: Mapping[str, list[Imp]]) -> nx.DiGraph:
    """The imports that run when a module loads: not those in functions or under TYPE_CHECKING."""
    g = nx.DiGraph()
    g.add_nodes_from(graph)
    g.add_edges_from(
        (module, imp.target) for module, imps in graph.items() for imp in imps
        if not imp.lazy and not imp.type_checking and imp.target != module
    )
    return g


def cycles(graph: Mapping[str, list[Imp]], limit: int = 5) -> list[str]:
    """Up to ``limit`` load-time import cycles, each as ``a -> b -> a``."""
    found = itertools.islice(nx.simple_cycles(load_graph(graph)), limit)
    lines = []
    for cycle in found:
        start = cycle.index(min(cycle))  # each cycle read from its smallest module
        cycle = cycle[start:] + cycle[:start]
        lines.append(" -> ".join([*cycle, cycle[0]]))
    return sorted(lines)


# --------------------------------------------------------------------------------------------
# Self-checks: the helpers can fail


def test_violations_reports_a_forbidden_import() -> None:
    """A hand-made graph with envs importing population is reported; the sanctioned ones are not."""
    graph = {
        "addsim.envs.gambling": [
            Imp("addsim.population.model", 3, "from addsim.population.model import X"),
            Imp("addsim._jit", 4, "from addsim import _jit"),
        ],
        "addsim.population.model": [Imp("addsim.envs.gambling"), Imp("addsim.agents")],
        "addsim.population.cli.view.sources": [Imp("addsim.viz.app", lazy=True)],
        "addsim.population.rollout": [Imp("addsim.viz.app", 9, "import addsim.viz.app",
                                          type_checking=True)],
        "addsim._errors": [Imp("addsim.agents", 2, "import addsim.agents", lazy=True)],
    }
    found = violations(graph)
    assert len(found) == 3, found
    assert any(f.startswith("addsim.envs.gambling:3: from addsim.population.model import X")
               and "envs may not import population" in f for f in found), found
    assert any(f.startswith("addsim.population.rollout:9") for f in found), found
    assert any(f.startswith("addsim._errors:2") for f in found), found


def test_import_collector_resolves_and_classifies() -> None:
    """Relative, from-package and guarded imports resolve to modules and are marked lazy/typing."""
    modules = {"addsim", "addsim.agents", "addsim.agents.tabular", "addsim.agents._base",
               "addsim.population", "addsim.population.model"}
    source = (
        "from __future__ import annotations\n"
        "from typing import TYPE_CHECKING\n"
        "import numpy\n"
        "from . import _base\n"
        "from .tabular import Learner\n"
        "from addsim.agents import LEARNERS\n"
        "if TYPE_CHECKING:\n"
        "    from addsim.population.model import PopulationModel\n"
        "def f():\n"
        "    import addsim.population.model\n"
    )
    found = imports_of(source, "addsim.agents.dual", False, modules)
    assert [(i.target, i.line, i.lazy, i.type_checking) for i in found] == [
        ("addsim.agents._base", 4, False, False),
        ("addsim.agents.tabular", 5, False, False),
        ("addsim.agents", 6, False, False),
        ("addsim.population.model", 8, False, True),
        ("addsim.population.model", 10, True, False),
    ]
    assert cycles({"a": [Imp("b")], "b": [Imp("a")]}) == ["a -> b -> a"]
    assert cycles({"a": [Imp("b")], "b": [Imp("a", lazy=True)]}) == []
    assert cycles({"a": [Imp("b")], "b": [Imp("a", type_checking=True)]}) == []


# --------------------------------------------------------------------------------------------
# The package itself


@pytest.fixture(scope="module")
def graph() -> dict[str, list[Imp]]:
    """The package's import graph, read once."""
    found = import_graph()
    assert {"addsim", "addsim.envs", "addsim.agents", "addsim.population", "addsim.viz"} <= set(
        found), sorted(found)
    assert sum(map(len, found.values())) > 50, "the walk found almost no addsim imports"
    return found


def test_imports_follow_the_layers(graph: dict[str, list[Imp]]) -> None:
    """envs/agents/viz/helpers import no other sub-package; only cli.view imports addsim.viz."""
    found = violations(graph)
    assert not found, "imports against the design:\n" + "\n".join(found)


def test_no_import_cycle(graph: dict[str, list[Imp]]) -> None:
    """No load-time import cycle (an import inside a function is the sanctioned way out)."""
    found = cycles(graph)
    assert not found, "load-time import cycles:\n" + "\n".join(found)


def test_pyproject_lists_every_subpackage() -> None:
    """pyproject's packages are exactly the folders with an __init__.py, which hold all the code.

    A new sub-package left out of the list would be missing from the wheel; a folder of .py
    files without an __init__.py would be left out too.
    """
    listed = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = listed["tool"]["setuptools"]["packages"]
    assert len(packages) == len(set(packages)), packages
    folders = {
        module_name(folder / "__init__.py")
        for folder, _, files in _pruned_walk(ROOT) if "__init__.py" in files
    }
    assert set(packages) == folders, (
        f"missing from pyproject: {sorted(folders - set(packages))}; "
        f"no such package folder: {sorted(set(packages) - folders)}"
    )
    loose = [
        str(folder.relative_to(ROOT)) for folder, _, files in _pruned_walk(ROOT)
        if "__init__.py" not in files and any(f.endswith(".py") for f in files)
    ]
    assert not loose, f"folders of .py files without an __init__.py: {loose}"


def _build_wheel(source: Path, out: Path) -> Path:
    """Build the wheel of ``source`` into ``out``: the venv's setuptools, else an isolated one."""
    base = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-input", "-w", str(out)]
    logs = []
    for extra in (["--no-build-isolation"], []):
        done = subprocess.run([*base, *extra, str(source)], cwd=out.parent, capture_output=True,
                              text=True, timeout=300)
        logs.append(done.stdout[-2000:] + done.stderr[-2000:])
        if done.returncode == 0:
            break
    else:
        pytest.fail("pip wheel failed:\n" + "\n---\n".join(logs))
    (wheel,) = out.glob("*.whl")
    return wheel


def test_wheel_holds_only_addsim(tmp_path: Path) -> None:
    """A built wheel installs the one name addsim (and its dist-info), with no cache files.

    The build runs on a copy, so build/ and *.egg-info never land in the repository; a numba
    cache planted in the copy's __pycache__ must not reach the wheel either.
    """
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv*", ".git", "build", "*.egg-info", "__pycache__", "results",
        ".pytest_cache", ".ruff_cache", ".cache", "site"))
    cache = source / "envs" / "__pycache__"
    cache.mkdir()
    (cache / "_kernels.step-10.py311.nbi").write_bytes(b"index")
    (cache / "_kernels.step-10.py311.1.nbc").write_bytes(b"code")
    (cache / "_core.cpython-311.pyc").write_bytes(b"pyc")
    wheel = _build_wheel(source, tmp_path / "wheel")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    top = {name.split("/")[0] for name in names}
    dist_info = {name for name in top if name.endswith(".dist-info")}
    assert len(dist_info) == 1 and next(iter(dist_info)).startswith("addsim-"), sorted(top)
    assert top - dist_info == {"addsim"}, sorted(top)
    cached = [n for n in names if "__pycache__" in n.split("/") or n.endswith((".nbi", ".nbc"))]
    assert not cached, cached
    assert "addsim/envs/gambling.py" in names and "addsim/__init__.py" in names


def _python(code: str, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONSAFEPATH"}  # keep cwd on sys.path
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, f"{code!r} failed in {cwd}:\n{done.stderr[-3000:]}"
    return done.stdout.strip()


def test_user_folders_do_not_shadow_the_package(tmp_path: Path) -> None:
    """addsim and addsim.agents import from the install even where cwd has agents/, envs/ ...

    A user's own folders named like the sub-packages (first on sys.path with ``python -c``)
    are never picked up: the sub-packages live only under the one name addsim.
    """
    for name in (*SUBPACKAGES, "api"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(
            f"raise ImportError('the user folder {name}/ was imported')\n", encoding="utf-8")
    where = Path(_python("import addsim; print(addsim.__file__)", tmp_path))
    assert where.name == "__init__.py" and tmp_path not in where.parents, where
    learners = _python("import addsim.agents as a; print(sorted(a.LEARNERS))", tmp_path)
    assert learners.startswith("[") and "dual_process" in learners, learners
