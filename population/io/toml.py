"""TOML in and out: reading a file into one-line errors, writing plain tables back."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from addsim._errors import ConfigError


def read_toml(path: str | Path, field: str) -> dict[str, Any]:
    """Parse a TOML file; a missing or malformed file is a one-line ConfigError naming ``field``."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{field}: file {str(p)!r} not found")
    try:
        return tomllib.loads(p.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{field}: {str(p)!r} is not valid TOML: {exc}") from None


def parse_value(text: str) -> Any:
    """A --set value as TOML (numbers, booleans, strings, arrays); bare words are strings."""
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
