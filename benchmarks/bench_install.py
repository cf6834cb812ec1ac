"""Benchmark: what ``pip install .`` costs a new user: wall time, disk and distributions.

For each requested extra (``core`` is the plain ``pip install .``), a fresh venv is made in a
temporary folder and the project installed into it, as the README's Quick start does; we
record the install's wall time, the size of the venv's site-packages, and the number of
distributions it added (those of an empty venv, pip's own, not counted). pip's download cache
is whatever this machine has (say so when comparing: a cold cache adds the download time).
``--source`` installs another checkout (e.g. ``git archive`` of an older commit, for the
"before" figures); its commit is stored with the figures. Results go to
benchmarks/results/install.json under ``--label``; never asserted in tests.

    python benchmarks/bench_install.py --label after [--extras core calibrate all]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _record import ROOT, commit, save

COUNT = ("import importlib.metadata as m, json; "
         "print(json.dumps(sorted({d.metadata['Name'].lower() for d in m.distributions()})))")


def _distributions(python: Path) -> list[str]:
    out = subprocess.run([str(python), "-c", COUNT], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def _size_mb(folder: Path) -> float:
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return round(total / 1e6, 1)


def install(source: Path, extra: str, python: str) -> dict[str, object]:
    """Install ``source`` (with ``extra`` unless it is ``core``) into a fresh venv."""
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        py = venv / "bin" / "python"
        empty = set(_distributions(py))
        target = str(source) if extra == "core" else f"{source}[{extra}]"
        t0 = time.perf_counter()
        subprocess.run([str(py), "-m", "pip", "install", "-q", target], check=True,
                       env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
        seconds = time.perf_counter() - t0
        added = sorted(set(_distributions(py)) - empty)
        site = next(venv.glob("lib/python*/site-packages"))
        return {"extra": extra, "seconds": round(seconds, 1), "site_packages_mb": _size_mb(site),
                "distributions": len(added), "names": added}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", required=True)
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout to install")
    parser.add_argument("--extras", nargs="+", default=["core"],
                        help="core (plain pip install .), or extras such as calibrate, all")
    parser.add_argument("--python", default=sys.executable, help="the Python of the venvs")
    args = parser.parse_args()
    code = commit(args.source) if (args.source / ".git").exists() else None
    if code is None:  # an exported tree: its commit is in the file git archive leaves
        stamp = args.source / ".commit"
        code = {"commit": stamp.read_text().strip() if stamp.exists() else "unknown",
                "dirty": False}
    rows = [install(args.source.resolve(), extra, args.python) for extra in args.extras]
    print(save("install", args.label, {"rows": rows}, code=code))


if __name__ == "__main__":
    main()
