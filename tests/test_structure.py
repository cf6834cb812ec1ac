"""One implementation per equation (issue 28 item 3): structural checks over the package.

The non-compensable surge (max(TD + D, D)) is written once per paper, in its paper's file;
Dezfouli's sensed reward and running averages once; no ``_jit.ENABLED`` branch outside
_jit.py (no numpy twin beside a kernel); the substance and gambling tasks' transition and cue
once, as their kernels. tests/reference.py, the independent oracle, is not
part of the package and is not scanned.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP = {"tests", "benchmarks", "docs", "build", "site", "examples"}


def _package_files() -> list[Path]:
    return [p for p in ROOT.rglob("*.py")
            if not any(part.startswith(".") or part in SKIP
                       for part in p.relative_to(ROOT).parts)]


def _functions_with(predicate) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(file, enclosing function) of every node the predicate accepts."""
    found = set()
    for path in _package_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef):
                continue
            for node in ast.walk(fn):
                if predicate(node):
                    found.add((str(path.relative_to(ROOT)), fn.name))
    return found


def _surge_max(node: ast.AST) -> bool:
    """A max over the surge: max(x + surge, surge) or np.maximum(x + surge, surge)."""
    if not isinstance(node, ast.Call):
        return False
    name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
    return name in ("max", "maximum") and any("surge" in ast.unparse(a) for a in node.args)


def test_the_surge_rule_is_written_once_per_paper() -> None:
    found = _functions_with(_surge_max)
    # the kernels' enclosing functions may not hold it: they call these
    assert found == {("agents/redish2004.py", "redish_delta"),
                     ("agents/dezfouli2009.py", "dezfouli_delta")}, found


def test_dezfouli_running_averages_are_written_once() -> None:
    def sensed(node: ast.AST) -> bool:
        return (isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "r_sensed" for t in node.targets))

    assert _functions_with(sensed) == {("agents/dezfouli2009.py", "dezfouli_average")}


def test_no_numpy_twin_is_switched_outside_jit() -> None:
    users = [str(p.relative_to(ROOT)) for p in _package_files()
             if "_jit.ENABLED" in p.read_text(encoding="utf-8")]
    assert users == [], users


def test_the_hot_tasks_have_one_transition_and_one_cue() -> None:
    """The substance and gambling tasks' transition and cue are their kernels: no compiled
    form beside a numpy one (``_transition_compiled``, ``_cue_compiled``), no noiseless-cue
    helper left for a second path, and the methods call the kernels of their own module."""
    from addsim.envs import GamblingCore, SubstanceCore

    for cls in (SubstanceCore, GamblingCore):
        path = ROOT / "envs" / f"{cls.__module__.rsplit('.', 1)[1]}.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        (klass,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls.__name__]
        methods = {n.name: ast.unparse(n) for n in klass.body if isinstance(n, ast.FunctionDef)}
        assert "_transition_kernel(" in methods["_transition"]
        assert "_cue_kernel(" in methods["_cue"]
        assert not {"_transition_compiled", "_cue_compiled", "_add_clean_cue"} & set(methods)
    core_src = (ROOT / "envs" / "_core.py").read_text(encoding="utf-8")
    assert "_compiled" not in core_src
