"""One home for atomic file writes, output folders and the user cache folder.

Every output is written under a temporary name beside its destination (same folder, so the
same file system) and renamed into place: an interrupted command never leaves half a file.
A run folder is filled in a hidden temporary folder inside it (``.addsim-tmp-*``: on the
destination's own file system even when the destination is a mount point) and its old
contents are swapped out whole, so no file of an earlier run survives a rerun. Destinations are
checked before the work (a file in the way, a missing or unwritable folder) and temporary
folders left by a killed command are removed by the next one.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from addsim._errors import ConfigError

TMP_PREFIX = ".addsim-tmp-"
OLD_PREFIX = ".addsim-old-"


def _shareable(tmp: str | Path) -> None:
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; outputs are for sharing


def atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path`` (same suffix), then rename it."""
    # the name is chosen before the file exists, so an interrupt at any point leaves either
    # nothing or a file the handler below knows about (mkstemp would open it out of our reach)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp{path.suffix}"
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        write(Path(tmp))
        _shareable(tmp)
        move(Path(tmp), path)
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


def move(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst`` (replacing it); across file systems (EXDEV), copy to a
    temporary name beside ``dst`` first, then rename, so ``dst`` is never half written."""
    try:
        os.replace(src, dst)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        tmp = dst.with_name(f".{dst.name}.{os.getpid()}.xdev")
        try:
            if src.is_dir():
                shutil.copytree(src, tmp)
            else:
                shutil.copy2(src, tmp)
            os.replace(tmp, dst)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True) if tmp.is_dir() else tmp.unlink(
                missing_ok=True)
            raise
        shutil.rmtree(src) if src.is_dir() else src.unlink()


def _existing_ancestor(path: Path) -> Path:
    """``path`` itself or its nearest ancestor that exists (the folder that must be writable)."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


MIN_FREE = 16 * 1024 * 1024  # an output folder with less free space is full already


def _probe(folder: Path, what: str, shown: str) -> None:
    """Refuse an unwritable or full folder: create (and at once remove) a file in it, and
    look at the free space."""
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".addsim-probe-"):
            pass
    except OSError as exc:
        raise ConfigError(
            f"{what}: cannot write in {str(folder)!r} ({exc.strerror or exc}) for {shown!r}"
        ) from None
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    if free < MIN_FREE:
        raise ConfigError(f"{what}: {str(folder)!r} has only {free // 1024:,} KiB free, "
                          f"expected at least {MIN_FREE // 2**20} MiB for {shown!r}")


def check_folder(value: str, what: str) -> Path:
    """An output folder named on the command line, checked before any work: not empty text,
    not a file, not under a file, and in a writable place (it may not exist yet)."""
    if not value.strip():
        raise ConfigError(f"{what}: got {value!r}, expected a folder path")
    path = Path(value)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{what}: {value!r} exists and is not a folder")
    base = _existing_ancestor(path)
    if not base.is_dir():
        raise ConfigError(f"{what}: {value!r} lies under {str(base)!r}, which is a file")
    _probe(base, what, value)
    return path


def check_file(value: str, what: str) -> Path:
    """An output file named on the command line, checked before any work: its folder exists
    and is writable, and the name is not a folder."""
    if not value.strip():
        raise ConfigError(f"{what}: got {value!r}, expected a file path")
    path = Path(value)
    if path.is_dir():
        raise ConfigError(f"{what}: {value!r} is a folder, expected a file name")
    parent = path.parent
    if not parent.exists():
        base = _existing_ancestor(parent)
        if not base.is_dir():
            raise ConfigError(f"{what}: {value!r} lies under {str(base)!r}, which is a file")
        raise ConfigError(f"{what}: the folder {str(parent)!r} does not exist; create it first")
    if not parent.is_dir():
        raise ConfigError(f"{what}: {value!r} lies under {str(parent)!r}, which is a file")
    _probe(parent, what, value)
    return path


def clean_stale(out: Path) -> None:
    """Remove temporary folders a killed command left in or beside ``out``."""
    if out.is_dir():
        for p in out.iterdir():
            if p.name.startswith((TMP_PREFIX, OLD_PREFIX)) and p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
    legacy = re.compile(rf"^\.{re.escape(out.name)}\.[a-z0-9_]{{8}}$")  # tempfile.mkdtemp's
    parent = out.parent if out.name else None
    if parent is not None and parent.is_dir():
        for p in parent.iterdir():
            if legacy.match(p.name) and p.is_dir() and not (p / "runs").exists():
                shutil.rmtree(p, ignore_errors=True)


def entries(out: Path) -> list[Path]:
    """What ``out`` holds, leaving out our own temporary folders."""
    if not out.is_dir():
        return []
    return sorted(p for p in out.iterdir() if not p.name.startswith((TMP_PREFIX, OLD_PREFIX)))


def replace_folder(out: Path, fill: Callable[[Path], object]) -> list[Path]:
    """Fill a temporary folder inside ``out`` with ``fill(tmp)``, then swap it in: everything
    ``out`` held before is replaced whole. Returns the paths written."""
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out, prefix=TMP_PREFIX))
    old: Path | None = None
    try:
        fill(tmp)
        old = Path(tempfile.mkdtemp(dir=out, prefix=OLD_PREFIX))
        for p in entries(out):
            os.replace(p, old / p.name)  # same folder: a rename, never a copy
        written = []
        for f in sorted(tmp.iterdir()):
            if f.is_file():
                _shareable(f)
            move(f, out / f.name)
            written.append(out / f.name)
        return written
    except BaseException:
        if old is not None:  # put back what was there (where nothing new took its name)
            for p in old.iterdir():
                if not (out / p.name).exists():
                    os.replace(p, out / p.name)
        shutil.rmtree(tmp, ignore_errors=True)
        if created and not entries(out):
            shutil.rmtree(out, ignore_errors=True)  # nothing written
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
