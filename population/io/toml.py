"""TOML in and out: reading a file into one-line errors, writing plain tables back."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from addsim._errors import ConfigError

MAX_BYTES = 8 * 1024 * 1024  # a config or sweep file: far above any real one
MAX_DEPTH = 32  # nesting of tables and arrays, and parts of one dotted key

# Strings and comments (skipped), brackets, newlines, and dots that are not inside a number.
_TOKENS = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\\n])*"|\'[^\'\n]*\'|#[^\n]*'
    r"|[\[\]{}\n]|(?<![0-9])\.|\.(?![0-9])"
)


def too_deep(text: str) -> str | None:
    """Why ``text`` nests deeper than MAX_DEPTH (brackets, braces or dotted key parts), or None.

    Checked before parsing: tomllib recurses per level (a 5,000-deep inline table is a
    RecursionError) and a 100,000-part dotted key makes it allocate gigabytes.
    """
    depth = dots = 0
    for m in _TOKENS.finditer(text):
        tok = m.group()
        if tok in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                return f"nests tables or arrays more than {MAX_DEPTH} deep"
        elif tok in ("]", "}"):
            depth = max(0, depth - 1)
        elif tok == "\n":
            dots = 0
        elif tok == ".":
            dots += 1
            if dots >= MAX_DEPTH:
                return f"has a dotted key of more than {MAX_DEPTH} parts"
    return None


def read_toml(path: str | Path, field: str) -> dict[str, Any]:
    """Parse a TOML file; a missing, oversized, too deeply nested or malformed file is a
    one-line ConfigError naming ``field`` (size and depth are checked before parsing)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{field}: file {str(p)!r} not found")
    try:
        with p.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{field}: cannot read {str(p)!r}: {exc.strerror}") from None
    if len(data) > MAX_BYTES:
        raise ConfigError(f"{field}: {str(p)!r} is larger than {MAX_BYTES:,} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{field}: {str(p)!r} is not UTF-8 text (byte {exc.start})") from None
    problem = too_deep(text)
    if problem:
        raise ConfigError(f"{field}: {str(p)!r} {problem}")
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise ConfigError(f"{field}: {str(p)!r} is not valid TOML: {exc}") from None


def parse_value(text: str) -> Any:
    """A --set value as TOML (numbers, booleans, strings, arrays); bare words are strings."""
    if len(text) > MAX_BYTES or too_deep(text):
        raise ConfigError(f"--set: the value {text[:40]!r}... is too large or nests more than "
                          f"{MAX_DEPTH} deep")
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def value(v: Any) -> str | None:
    """One value as TOML (None: leave the key out)."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v) if v == v and abs(v) != float("inf") else ("inf" if v > 0 else "-inf")
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, dict):
        inner = ", ".join(f"{k} = {value(x)}" for k, x in v.items() if x is not None)
        return "{ " + inner + " }"
    if isinstance(v, list):
        return "[" + ", ".join(str(value(x)) for x in v) + "]"
    raise TypeError(f"cannot render {v!r} as TOML")


def dump(data: dict[str, Any]) -> str:
    """A document of tables (dicts) and arrays of tables (lists of dicts) as TOML."""
    lines: list[str] = []
    for name, table in data.items():
        if isinstance(table, list):
            for item in table:
                lines.append(f"[[{name}]]")
                lines += [f"{k} = {value(v)}" for k, v in item.items()]
                lines.append("")
        elif isinstance(table, dict):
            lines.append(f"[{name}]")
            lines += [f"{k} = {value(v)}" for k, v in table.items() if v is not None]
            lines.append("")
    return "\n".join(lines)
