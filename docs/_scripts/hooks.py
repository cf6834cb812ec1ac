"""MkDocs hook: let mkdocstrings read the package from this checkout.

The repository root is the package ``addsim`` (pyproject maps it with ``package-dir``), so
no folder here is named ``addsim`` and griffe, which reads sources without importing them,
cannot find it through an editable install. Before the build this hook makes
``build/griffe/addsim``, which mkdocs.yml's mkdocstrings ``paths`` points at: a folder of
links to the package's own modules and subpackages in the checkout (the top-level ``.py``
files and the folders pyproject's ``packages`` name), so the API pages always document the
checkout being built. Not a link to the root itself: griffe would then walk every folder
under it looking for submodules, the virtual environments included (1.4 million paths in
a CI checkout: about 110 s of a 115-s build without the tutorials, measured here).
"""

from __future__ import annotations

import os
import shutil
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LINK = ROOT / "build" / "griffe" / "addsim"


def package_entries(root: Path = ROOT) -> list[Path]:
    """The package's top-level modules and subpackages in the checkout: the root's ``.py``
    files and the first-level folders of pyproject's ``packages``."""
    with open(root / "pyproject.toml", "rb") as f:
        packages = tomllib.load(f)["tool"]["setuptools"]["packages"]
    folders = {p.split(".")[1] for p in packages if p.count(".") >= 1}
    return sorted([*root.glob("*.py"), *(root / name for name in folders)])


def on_startup(**kwargs: Any) -> None:
    """Bring ``build/griffe/addsim`` in line with the package: add the missing links, drop
    stale ones, keep the rest (two builds at once, a ``build`` beside a ``serve``, find the
    links in place). A top-level module added while ``mkdocs serve`` runs appears at its
    next start."""
    if LINK.is_symlink():  # the earlier form: one link to the whole root
        LINK.unlink()
    LINK.mkdir(parents=True, exist_ok=True)
    wanted = {entry.name: entry for entry in package_entries()}
    for child in LINK.iterdir():
        if child.is_symlink() and Path(os.readlink(child)) == wanted.get(child.name):
            continue
        if child.is_symlink() or child.is_file():
            child.unlink(missing_ok=True)
        else:
            shutil.rmtree(child, ignore_errors=True)
    for name, entry in wanted.items():
        try:
            os.symlink(entry, LINK / name, target_is_directory=entry.is_dir())
        except FileExistsError:  # ours already, or another build's (the same target)
            pass
