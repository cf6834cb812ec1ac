"""One home for atomic file writes and the user cache folder (used by population/ and viz/).

Every output is written under a temporary name beside its destination (same folder, so the
same file system) and renamed into place: an interrupted command never leaves half a file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def _shareable(tmp: str | Path) -> None:
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; outputs are for sharing


def atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path`` (same suffix), then rename it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
                               + path.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        _shareable(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically, flushed to disk before the rename."""

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    return atomic_write(path, write)


def user_cache(*parts: str) -> Path:
    """A folder in the user cache directory (platformdirs), e.g. ``user_cache("layouts")``."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("addsim", appauthor=False), *parts)
