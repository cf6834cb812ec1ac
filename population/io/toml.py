"""TOML in and out: reading a file into one-line errors, writing with tomli-w.

Reading is guarded before the parser runs: tomllib recurses once per level of nesting (a
5,000-deep inline table is a RecursionError) and keeps every prefix of a dotted key (a
20,000-part key costs gigabytes, growing quadratically), so :func:`too_deep` measures the
document's real structure first with a TOML-aware scan (strings, escapes and comments are
skipped exactly as TOML reads them; keys are told from values). Writing goes through tomli-w,
so every string, key and number is quoted and escaped as TOML requires and reads back equal.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from addsim._errors import ConfigError, shown
from addsim._read import read_bytes

MAX_BYTES = 8 * 1024 * 1024  # a config or sweep file: far above any real one
MAX_DEPTH = 32  # nesting of tables and arrays, and parts of one dotted key
MAX_TABLES = 10_000  # table headers and inline tables in one document

# What the scan looks at: string openers, comments, structure, newlines; all else is skipped.
_TOKENS = re.compile(r'"""|\'\'\'|"|\'|#[^\n]*|[\[\]{}=,.\n]')
# The rest of a string after its opener, exactly as TOML ends it (escapes in basic strings;
# up to two quotes of a multi-line string's content may touch its closing three).
_REST = {
    '"""': re.compile(r'(?:[^"\\]|\\[\s\S]|"{1,2}(?!"))*"{3,5}'),
    "'''": re.compile(r"(?:[^']|'{1,2}(?!'))*'{3,5}"),
    '"': re.compile(r'(?:[^"\\\n]|\\.)*"'),
    "'": re.compile(r"[^'\n]*'"),
}


def too_deep(text: str) -> str | None:
    """Why ``text`` is too large a structure to parse, or None: nesting of arrays and inline
    tables deeper than MAX_DEPTH, a key of more than MAX_DEPTH dotted parts, or more than
    MAX_TABLES tables.

    A scan in linear time: strings are skipped as TOML ends them (an escaped quote does not
    end one), dots count only in keys (table headers, the left of ``=``, inline tables), not
    in numbers. An unterminated string stops the scan: the parser fails there too.
    """
    stack: list[str] = []  # "array", "inline" or "header"
    key, dots, tables, last = True, 0, 0, ""
    pos = 0
    while m := _TOKENS.search(text, pos):
        tok, pos = m.group(), m.end()
        if tok in _REST:
            end = _REST[tok].match(text, pos)
            if end is None:
                return None  # unterminated: tomllib stops with an error at this point
            pos, last = end.end(), "s"
            continue
        if tok[0] == "#":
            continue
        if tok == "\n":
            if not stack or stack[-1] == "header":
                stack.clear()
                key, dots = True, 0
        elif tok == "=":
            key, dots = False, 0
        elif tok == ".":
            if key:
                dots += 1
                if dots >= MAX_DEPTH:
                    return f"has a dotted key of more than {MAX_DEPTH} parts"
        elif tok == ",":
            if stack and stack[-1] == "inline":
                key, dots = True, 0
        elif tok == "{" or (tok == "[" and not (key and (not stack or stack[-1] == "header"))):
            stack.append("inline" if tok == "{" else "array")
            key, dots = tok == "{", 0
            if len(stack) > MAX_DEPTH:
                return f"nests tables or arrays more than {MAX_DEPTH} deep"
            tables += tok == "{"
        elif tok == "[":  # a table header [a.b] or [[a.b]]
            tables += last != "["
            stack.append("header")
        elif tok in "]}":
            if stack:
                opened = stack.pop()
                key = opened == "header" and bool(stack) and stack[-1] == "header"
            else:
                key = False
        if tables > MAX_TABLES:
            return f"has more than {MAX_TABLES:,} tables"
        last = tok
    return None


def loads(text: str, field: str, name: str) -> dict[str, Any]:
    """Parse TOML ``text`` (from ``name``) after the structure guard; one-line errors."""
    problem = too_deep(text)
    if problem:
        raise ConfigError(f"{field}: {name} {problem}")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{field}: {name} is not valid TOML: {exc}") from None
    except ValueError as exc:  # an integer of more than 4,300 digits (int() refuses it)
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"{field}: {name} is not valid TOML ({shown(first)})") from None
    except RecursionError:
        raise ConfigError(f"{field}: {name} nests too deeply to read") from None


def read_toml(path: str | Path, field: str) -> dict[str, Any]:
    """Parse a TOML file; a missing, non-regular, oversized, too deeply nested or malformed
    file is a one-line ConfigError naming ``field`` (size and structure before parsing)."""
    p = Path(path)
    data = read_bytes(p, field, MAX_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{field}: {shown(str(p))} is not UTF-8 text (byte {exc.start})"
                          ) from None
    return loads(text, field, shown(str(p)))


def parse_value(text: str) -> Any:
    """A --set value as TOML (numbers, booleans, strings, arrays); bare words are strings."""
    doc = f"v = {text}"
    if len(text) > MAX_BYTES or too_deep(doc):
        raise ConfigError(f"--set: the value {shown(text, 40)} is too large or nests more than "
                          f"{MAX_DEPTH} deep")
    try:
        return tomllib.loads(doc)["v"]
    except tomllib.TOMLDecodeError:
        return text
    except ValueError:  # an integer of more than 4,300 digits
        raise ConfigError(f"--set: got {shown(text)}, a number too long to read; expected a "
                          "value such as 200, 0.05 or 'text'") from None


def key(name: str) -> str:
    """A key as TOML writes it (bare when it can be, else quoted)."""
    return tomli_w.dumps({name: 0}).rsplit(" = ", 1)[0]


def value(v: Any) -> str | None:
    """One value as inline TOML (None: leave the key out); through tomli-w, so strings are
    escaped and nan, inf and -inf are written as TOML spells them."""
    if v is None:
        return None
    if isinstance(v, dict):
        inner = ", ".join(f"{key(k)} = {value(x)}" for k, x in v.items() if x is not None)
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(str(value(x)) for x in v) + "]"
    try:
        return tomli_w.dumps({"v": v}).removeprefix("v = ").rstrip("\n")
    except TypeError:
        raise TypeError(f"cannot render {v!r} as TOML") from None


def _without_none(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_none(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [_without_none(v) for v in data]
    return data


def dump(data: dict[str, Any]) -> str:
    """A document as TOML (keys set to None are left out), written by tomli-w."""
    return tomli_w.dumps(_without_none(data))
