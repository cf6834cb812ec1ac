"""MkDocs hook: let mkdocstrings read the package from this checkout.

The repository root is the package ``addsim`` (pyproject maps it with ``package-dir``), so
no folder here is named ``addsim`` and griffe, which reads sources without importing them,
cannot find it through an editable install. Before the build this hook makes
``build/griffe/addsim``, a link to the repository root, which mkdocs.yml's mkdocstrings
``paths`` points at: the API pages always document the checkout being built.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LINK = ROOT / "build" / "griffe" / "addsim"


def on_startup(**kwargs: Any) -> None:
    LINK.parent.mkdir(parents=True, exist_ok=True)
    if not LINK.is_symlink():
        os.symlink(ROOT, LINK, target_is_directory=True)
