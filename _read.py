"""One reader for every file the project stores or accepts: TOML text, JSON, Parquet and npz.

A file named by a user, or one of our own files that a user may have damaged, is read here.
Whatever goes wrong (missing, a folder, a FIFO or device where a file belongs, a name too
long, unreadable, truncated, foreign, larger than the memory it would take) is one
:class:`ConfigError` line naming the field and the file; nothing is read before its size is
known (a FIFO would block, an archive member would inflate before anyone looked at it).
"""

from __future__ import annotations

import json
import os
import stat
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from addsim._errors import ConfigError, shown

JSON_BYTES = 64 * 1024 * 1024  # batch.json, calibration.json: a few KB in practice
CHUNK = 16 * 1024 * 1024  # an array is read into place this much at a time


def size(b: float) -> str:
    """Bytes as text with a binary unit (1.8 TiB)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if b < 1024 or unit == "PiB":
            return f"{b:.0f} {unit}" if unit == "B" else f"{b:.1f} {unit}"
        b /= 1024
    raise AssertionError("unreachable")


def node_kind(mode: int) -> str:
    """What a file-system node is, for an error ("a folder", "a FIFO (named pipe)", ...)."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a regular file" if stat.S_ISREG(mode) else "a special file"


def input_problem(path: str | Path) -> str | None:
    """Why ``path`` cannot be read as an input file, or None: "not found", "is a folder, not
    a regular file" (a FIFO would block the reader, a device never ends), or the system's
    reason (a name too long, a symlink loop, no permission)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "not found"
    except (OSError, ValueError) as exc:  # ENAMETOOLONG, ELOOP, EACCES, ENOTDIR; NUL byte
        return f"cannot be opened ({getattr(exc, 'strerror', None) or exc})"
    if not stat.S_ISREG(st.st_mode):
        return f"is {node_kind(st.st_mode)}, not a regular file"
    return None


def input_file(path: str | Path, field: str) -> Path:
    """``path`` checked as an input file (:func:`input_problem`), else one line naming
    ``field``."""
    problem = input_problem(path)
    if problem:
        raise ConfigError(f"{field}: file {shown(str(path))} {problem}")
    return Path(path)


def is_input_file(path: str | Path) -> bool:
    """Whether ``path`` names a regular file (False, not an error, for a name too long)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def is_folder(path: str | Path) -> bool:
    """Whether ``path`` names a folder (False, not an error, for a name too long)."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def read_bytes(path: str | Path, field: str, limit: int) -> bytes:
    """The bytes of an input file of at most ``limit`` bytes (checked as :func:`input_file`)."""
    p = input_file(path, field)
    try:
        with p.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise ConfigError(f"{field}: cannot read {shown(str(p))} ({exc.strerror or exc})"
                          ) from None
    if len(data) > limit:
        raise ConfigError(f"{field}: {shown(str(p))} is larger than {limit:,} bytes")
    return data


def read_json(path: str | Path, field: str, limit: int = JSON_BYTES) -> dict[str, Any]:
    """A JSON object from a file; malformed, deeply nested or not an object: one line."""
    p = Path(path)
    try:
        data = json.loads(read_bytes(p, field, limit))
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError
        first = (str(exc) or type(exc).__name__).splitlines()[0]
        raise ConfigError(f"{field}: {shown(str(p))} is not valid JSON ({shown(first)})"
                          ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{field}: {shown(str(p))} holds a JSON {type(data).__name__}, "
                          "expected an object")
    return data


def _unreadable(field: str, p: Path, what: str, exc: BaseException) -> ConfigError:
    first = (str(exc) or type(exc).__name__).splitlines()[0]
    return ConfigError(f"{field}: {shown(str(p))} is not a readable {what} ({shown(first)})")


def parquet_rows_bytes(path: Path) -> tuple[int, int]:
    """(rows, uncompressed bytes) of a Parquet file, from its footer alone."""
    import pyarrow.parquet as pq

    meta = pq.read_metadata(path)
    return meta.num_rows, sum(meta.row_group(i).total_byte_size
                              for i in range(meta.num_row_groups))


def parquet_readable(path: Path) -> bool:
    """Whether a Parquet file has a readable footer (a truncated or garbled one has not)."""
    try:
        parquet_rows_bytes(path)
    except Exception:  # any failure to read the footer means: not a finished file
        return False
    return True


def read_parquet(path: str | Path, field: str, columns: Iterable[str] = (),
                 limit: int | None = None) -> Any:
    """A Parquet table as a DataFrame; unreadable (truncated, foreign, garbled), lacking one
    of ``columns``, or larger uncompressed than ``limit`` bytes: one line naming the file."""
    import pandas as pd

    p = input_file(path, field)
    try:
        _, nbytes = parquet_rows_bytes(p)
        if limit is not None and nbytes > limit:
            raise ConfigError(f"{field}: {shown(str(p))} holds {size(nbytes)} of data, more "
                              f"than the {size(limit)} limit")
        frame = pd.read_parquet(p)
    except ConfigError:
        raise
    except Exception as exc:  # pyarrow and pandas raise many kinds: all mean unreadable
        raise _unreadable(field, p, "Parquet table", exc) from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ConfigError(f"{field}: {shown(str(p))} lacks the column {missing[0]!r} (is it "
                          "a file written by addsim?)")
    return frame


def _read_member(zf: zipfile.ZipFile, name: str, field: str, p: Path, limit: int) -> Any:
    """One .npy member of an npz archive, its size checked from the archive's directory and
    the array's header before any byte is inflated."""
    import numpy as np

    try:
        info = zf.getinfo(f"{name}.npy")
    except KeyError:
        raise ConfigError(f"{field}: {shown(str(p))} has no array {name!r}") from None
    if info.file_size > limit:
        raise ConfigError(f"{field}: {shown(str(p))}: array {name!r} inflates to "
                          f"{size(info.file_size)}, more than the {size(limit)} limit")
    with zf.open(info) as fh:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
        else:
            raise ValueError(f"unsupported .npy version {version}")
        if dtype.hasobject:
            raise ValueError(f"array {name!r} holds Python objects")
        count = 1
        for d in shape:
            count *= int(d)
        nbytes = count * dtype.itemsize
        body = info.file_size - fh.tell()
        if nbytes != body:
            raise ValueError(f"array {name!r}: its header says {size(nbytes)}, the archive "
                             f"holds {size(body)}")
        arr = np.empty(count, dtype=dtype)
        view = memoryview(arr.view(np.uint8))
        done = 0
        while done < nbytes:
            got = fh.readinto(view[done: done + CHUNK])
            if not got:
                raise EOFError(f"array {name!r} ends early")
            done += got
    return arr.reshape(shape, order="F" if fortran else "C")


def read_npz(path: str | Path, field: str, names: Iterable[str], limit: int) -> dict[str, Any]:
    """Arrays of an npz archive (no pickle), each checked against ``limit`` bytes before it
    is inflated; damaged, foreign or oversized: one line naming the file."""
    p = input_file(path, field)
    try:
        with zipfile.ZipFile(p) as zf:
            return {n: _read_member(zf, n, field, p, limit) for n in names}
    except ConfigError:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error,
            NotImplementedError, RuntimeError, MemoryError) as exc:
        raise _unreadable(field, p, "npz archive", exc) from None
