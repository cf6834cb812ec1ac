"""One home for atomic file writes, output folders and the user cache folder.

Every output is written under a temporary name beside its destination (same folder, so the
same file system) and renamed into place: an interrupted command never leaves half a file.
A run folder is filled in a hidden temporary folder inside it (``.addsim-tmp-*``: on the
destination's own file system even when the destination is a mount point) and its old
contents are swapped out whole, so no file of an earlier run survives a rerun; until the new
run is whole the old one stays in a hidden folder that the next command puts back (a kill
during the swap loses nothing). Destinations are checked before the work: a file in the way,
a missing or unwritable folder, a destination that exists and is not a regular file (a
device, a FIFO: renaming over it would replace it) or not a folder; a symlink is written
through to what it names, and refused when it names nothing (dangling) or itself (a loop).
Temporary folders left by a killed command are removed by the next one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from addsim._errors import ConfigError, shown
from addsim._read import node_kind

TMP_PREFIX = ".addsim-tmp-"
OLD_PREFIX = ".addsim-old-"  # a swap moving the old run out: put back whole
SWAP_PREFIX = ".addsim-swap-"  # the old run, whole, while the new one moves in: put back
GONE_PREFIX = ".addsim-gone-"  # the old run after the new one is whole: removed
HIDDEN = (TMP_PREFIX, OLD_PREFIX, SWAP_PREFIX, GONE_PREFIX)


def _shareable(tmp: str | Path) -> None:
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; outputs are for sharing


def atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path`` (same suffix), then rename it.

    A symlink is written through (the file it names is replaced, the link stays); a
    destination that is not a regular file (a device, a FIFO, a folder) is refused, never
    replaced."""
    path = writable_target(path, "output")
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


def records_json(frame: Any) -> str:
    """A pandas DataFrame as a JSON list of records, numbers to 15 decimal places (pandas'
    most; its default of 10 cut a share such as 0.00071951528032 to 0.0007195153)."""
    return frame.to_json(orient="records", double_precision=15)


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


def _why(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _lstat(path: Path, what: str, value: str) -> os.stat_result | None:
    """``os.lstat`` of a destination: None when nothing is there; a name too long or any
    other reason the system gives is one line."""
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None  # under a file: the ancestor check names it
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{what}: cannot use {shown(value)} ({_why(exc)})") from None


def _through_link(path: Path, what: str, value: str) -> os.stat_result:
    """What a symlink destination names (written through), or one line refusing a
    dangling link or a loop."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        raise ConfigError(f"{what}: {shown(value)} is a symlink to {shown(target)}, which does "
                          "not exist; refused (create it, or give another path)") from None
    except OSError as exc:  # ELOOP
        raise ConfigError(f"{what}: {shown(value)} is a symlink that cannot be followed "
                          f"({_why(exc)}); refused") from None


def _existing_ancestor(path: Path, what: str, value: str) -> Path:
    """The nearest ancestor of ``path`` that exists (the folder that must be writable); a
    dangling symlink on the way is refused."""
    path = Path(os.path.abspath(path))
    while path != path.parent:
        path = path.parent
        st = _lstat(path, what, value)
        if st is None:
            continue
        if stat.S_ISLNK(st.st_mode):
            _through_link(path, what, value)
        return path
    return path


MIN_FREE = 16 * 1024 * 1024  # an output folder with less free space is full already


def _probe(folder: Path, what: str, value: str) -> None:
    """Refuse an unwritable or full folder: create (and at once remove) a file in it, and
    look at the free space."""
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".addsim-probe-"):
            pass
    except OSError as exc:
        raise ConfigError(
            f"{what}: cannot write in {shown(str(folder))} ({exc.strerror or exc}) for "
            f"{shown(value)}"
        ) from None
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    if free < MIN_FREE:
        raise ConfigError(f"{what}: {shown(str(folder))} has only {free // 1024:,} KiB free, "
                          f"expected at least {MIN_FREE // 2**20} MiB for {shown(value)}")


def _under(path: Path, what: str, value: str) -> Path:
    """The folder ``path`` would be created in: it must be a folder (not a file) and
    writable."""
    base = _existing_ancestor(path, what, value)
    if not os.path.isdir(base):
        raise ConfigError(f"{what}: {shown(value)} lies under {shown(str(base))}, which is "
                          "a file")
    return base


def _text_name(value: str, what: str) -> None:
    """Refuse a name that is not valid text (bytes the locale cannot decode, e.g. a
    non-ASCII name under LC_ALL=C): Parquet and other libraries cannot write to it, which
    would fail after the work."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigError(f"{what}: {shown(value)} is not valid text in this locale; use "
                          "another name, or a UTF-8 locale (LC_ALL=C.UTF-8)") from None


def check_folder(value: str, what: str) -> Path:
    """An output folder named on the command line, checked before any work: not empty text,
    not a file, FIFO or device, not under a file, in a writable place (it may not exist
    yet). A symlink to a folder is written through; a dangling one or a loop is refused."""
    if not value.strip():
        raise ConfigError(f"{what}: got {value!r}, expected a folder path")
    _text_name(value, what)
    path = Path(value)
    st = _lstat(path, what, value)
    if st is not None and stat.S_ISLNK(st.st_mode):
        st = _through_link(path, what, value)
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise ConfigError(f"{what}: {shown(value)} exists and is {node_kind(st.st_mode)}, "
                          "not a folder")
    _probe(path if st is not None else _under(path, what, value), what, value)
    return path


def writable_target(path: Path, what: str, value: str | None = None) -> Path:
    """The file a write to ``path`` replaces: ``path`` itself, or what a symlink names
    (written through); one line when it exists and is not a regular file (a device, a FIFO,
    a folder: renaming over it would replace it), or is a dangling symlink or a loop."""
    value = str(path) if value is None else value
    st = _lstat(path, what, value)
    if st is not None and stat.S_ISLNK(st.st_mode):
        _through_link(path, what, value)
        path = Path(os.path.realpath(path))
        st = os.lstat(path)
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise ConfigError(f"{what}: {shown(value)} is a folder, expected a file name")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise ConfigError(f"{what}: {shown(value)} is {node_kind(st.st_mode)}, not a regular "
                          "file; refused (it would be replaced)")
    return path


def check_file(value: str, what: str) -> Path:
    """An output file named on the command line, checked before any work: a regular file or
    a new name (not a folder, FIFO or device), its folder exists and is writable; a symlink
    is written through (the path returned is the file it names)."""
    if not value.strip():
        raise ConfigError(f"{what}: got {value!r}, expected a file path")
    _text_name(value, what)
    path = writable_target(Path(value), what, value)
    parent = path.parent
    st = _lstat(parent, what, value)
    if st is None:
        base = _under(parent, what, value)
        raise ConfigError(f"{what}: the folder {shown(str(parent))} does not exist (the "
                          f"nearest is {shown(str(base))}); create it first")
    if not os.path.isdir(parent):
        raise ConfigError(f"{what}: {shown(value)} lies under {shown(str(parent))}, which is "
                          "not a folder")
    _probe(parent, what, value)
    return path


@contextlib.contextmanager
def hold_folder(out: Path, what: str = "--out") -> Iterator[None]:
    """Hold an OS lock on the folder ``out`` (created if missing) while writing into it: a
    second command on the same folder gets one line instead of both claiming to have
    written it; the lock ends with the process, even by SIGKILL. Folders created here (``out``
    and any missing parents) and left empty (the command failed) are removed."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        yield
        return
    made = [p for p in (out, *out.parents) if not os.path.lexists(p)]  # deepest first
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(out, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        _remove_if_empty(made)
        raise ConfigError(f"{what}: cannot create {shown(str(out))} ({_why(exc)})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ConfigError(f"{what}: {shown(str(out))} is in use by another addsim command; "
                              "wait for it to finish or use another folder") from None
        yield
    finally:
        os.close(fd)
        _remove_if_empty(made)  # only the folders made here, and only when nothing was written


def _remove_if_empty(folders: list[Path]) -> None:
    """Remove each of ``folders`` (deepest first) that is an empty folder; leave the rest."""
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()


def _put_back(saved: Path, out: Path, partial: bool) -> None:
    """Restore an old run that a killed swap left in ``saved``; ``partial``: first remove
    what the new run had already moved into ``out``. Nothing of the old run is deleted: an
    entry whose name is taken (by a file made after the kill) stays in ``saved``."""
    if partial:
        for p in entries(out):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
    for p in saved.iterdir():
        if not os.path.lexists(out / p.name):
            os.replace(p, out / p.name)
    with contextlib.suppress(OSError):
        saved.rmdir()  # only when empty


def clean_stale(out: Path) -> None:
    """Recover what a killed command left in or beside ``out``: an old run caught in the
    middle of a swap is put back whole; temporary folders are removed. Call it holding
    :func:`hold_folder` (no other command is writing there)."""
    if out.is_dir():
        for p in sorted(out.iterdir()):
            if not p.is_dir() or p.is_symlink():
                continue
            if p.name.startswith(OLD_PREFIX):
                _put_back(p, out, partial=False)
            elif p.name.startswith(SWAP_PREFIX):
                _put_back(p, out, partial=True)
        for p in out.iterdir():
            if p.name.startswith((TMP_PREFIX, GONE_PREFIX)) and p.is_dir():
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
    return sorted(p for p in out.iterdir() if not p.name.startswith(HIDDEN))


def replace_folder(out: Path, fill: Callable[[Path], object]) -> list[Path]:
    """Fill a temporary folder inside ``out`` with ``fill(tmp)``, then swap it in: everything
    ``out`` held before is replaced whole. Returns the paths written.

    The swap has three steps, each ended by renaming the folder that holds the old run, so
    a kill at any point leaves a state :func:`clean_stale` recovers: the old run moving out
    (``.addsim-old-*``: put back), the new run moving in (``.addsim-swap-*``: the new files
    removed, the old run put back), done (``.addsim-gone-*``: removed)."""
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out, prefix=TMP_PREFIX))
    old: Path | None = None
    try:
        fill(tmp)
        old = Path(tempfile.mkdtemp(dir=out, prefix=OLD_PREFIX))
        for p in entries(out):
            os.replace(p, old / p.name)  # same folder: a rename, never a copy
        swap = out / (SWAP_PREFIX + old.name.removeprefix(OLD_PREFIX))
        os.replace(old, swap)
        old = swap
        written = []
        for f in sorted(tmp.iterdir()):
            if f.is_file():
                _shareable(f)
            move(f, out / f.name)
            written.append(out / f.name)
        gone = out / (GONE_PREFIX + old.name.removeprefix(SWAP_PREFIX))
        os.replace(old, gone)
        old = gone
        return written
    except BaseException:
        if old is not None and not old.name.startswith(GONE_PREFIX):
            _put_back(old, out, partial=old.name.startswith(SWAP_PREFIX))
            old = None
        shutil.rmtree(tmp, ignore_errors=True)
        if created and not entries(out):
            shutil.rmtree(out, ignore_errors=True)  # nothing written
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
