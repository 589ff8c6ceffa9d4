r"""TOML text to and from the settings dataclasses, every problem named by table and key.

Reading: :func:`parse_toml` and :func:`read_toml_file` turn text or a file into a mapping (a
clear :class:`~townmerge.errors.InputError` for a missing file, text that is not UTF-8 or not
TOML); :func:`update_fields` replaces fields of a frozen dataclass from a table, coercing each
value to its field's type and listing every unknown key (:func:`unknown_keys`) and bad value
at once. Writing: :func:`table_lines`, :func:`toml_key` and :func:`toml_value`. Nothing here
knows the layout of :class:`~townmerge.config.Config`; :mod:`townmerge.config.reading` does.

Examples
--------
>>> from townmerge.config.scoring import Bands
>>> update_fields(Bands(), parse_toml("recommend = 0.7\n", "The settings"), "[bands]")
Bands(recommend=0.7, reject=0.4)
>>> table_lines(Bands())
['recommend = 0.6', 'reject = 0.4']
"""

from __future__ import annotations

import json
import math
import numbers
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import fields, is_dataclass, replace
from pathlib import Path
from typing import Any, Literal

from ..errors import InputError

__all__ = ["as_table", "number", "parse_toml", "problems_of", "read_toml_file", "table_lines",
           "toml_key", "toml_value", "unknown_keys", "update_fields"]


def parse_toml(text: str, source: str) -> dict[str, Any]:
    r"""The tables of TOML ``text``; ``source`` (plural, "The settings") names it in errors.

    Raises
    ------
    InputError
        For text that is not TOML, with the parser's line and column.

    Examples
    --------
    >>> parse_toml("[bands]\nreject = 0.3\n", "The settings")
    {'bands': {'reject': 0.3}}
    >>> parse_toml("[bands\n", "The settings")
    Traceback (most recent call last):
    ...
    townmerge.errors.InputError: The settings are not valid TOML: ...
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{source} are not valid TOML: {exc}. Check the brackets, quotes "
                         "and '=' on that line (Config().to_toml() shows the layout).",
                         ) from None


def read_toml_file(path: str | Path) -> str:
    """The text of a settings file (UTF-8, a byte-order mark allowed).

    Raises
    ------
    InputError
        Naming the file: when it is missing, a folder, not UTF-8 or unreadable.

    Examples
    --------
    >>> read_toml_file("no/such/townmerge.toml")
    Traceback (most recent call last):
    ...
    townmerge.errors.InputError: The settings file 'no/such/townmerge.toml' does not exist; ...
    """
    p = Path(path)
    where = f"The settings file {str(p)!r}"
    try:
        return p.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{where} does not exist; check the path (--config). "
                         "Config().to_toml() writes every setting with its default.",
                         ) from None
    except IsADirectoryError:
        raise InputError(f"{where} is a folder; give the TOML file.") from None
    except UnicodeDecodeError:
        raise InputError(f"{where} is not UTF-8 text (TOML files are always UTF-8); "
                         "save it again as UTF-8.") from None
    except OSError as exc:
        raise InputError(f"Cannot read {where[4:]}: {exc.strerror or exc}.") from None


def problems_of(exc: InputError) -> list[str]:
    """The problems an InputError lists, or its message.

    Examples
    --------
    >>> problems_of(InputError("[bands] has problems", ["a", "b"])), problems_of(InputError("c"))
    (['a', 'b'], ['c'])
    """
    return [str(p) for p in exc.problems] if exc.problems else [str(exc)]


def as_table(value: Any, where: str) -> dict[str, Any]:
    """``value`` as a dict when it is a TOML table (a mapping).

    Raises
    ------
    InputError
        Naming the table ``where`` when ``value`` is not a mapping.

    Examples
    --------
    >>> as_table({"b": 2.0}, "[gravity]")
    {'b': 2.0}
    >>> as_table(3, "[gravity]")
    Traceback (most recent call last):
    ...
    townmerge.errors.InputError: [gravity] must be a table, got 3.
    """
    if not isinstance(value, Mapping):
        raise InputError(f"{where} must be a table, got {value!r}.")
    return dict(value)


def number(value: Any, where: str) -> float:
    """A TOML number as float; booleans, text and NaN are refused.

    Raises
    ------
    InputError
        ``"{where} = {value!r} is not a number"`` (or not a usable one, for NaN).

    Examples
    --------
    >>> number(3, "[weights] access")
    3.0
    >>> number(True, "[weights] access")
    Traceback (most recent call last):
    ...
    townmerge.errors.InputError: [weights] access = True is not a number
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"{where} = {value!r} is not a number")
    if math.isnan(value):
        raise InputError(f"{where} = nan is not a usable number")
    return float(value)


def toml_key(k: str) -> str:
    """A TOML key: bare when possible, else quoted.

    Examples
    --------
    >>> toml_key("county_seat"), toml_key("county seat"), toml_key("县城")
    ('county_seat', '"county seat"', '"县城"')
    """
    if k and all(c.isascii() and (c.isalnum() or c in "_-") for c in k):
        return k
    return json.dumps(k, ensure_ascii=False)


def toml_value(v: Any) -> str:
    """A TOML value for a scalar, tuple or tuple of pairs.

    Examples
    --------
    >>> toml_value(True), toml_value(0.5), toml_value(("a", 1)), toml_value(float("inf"))
    ('true', '0.5', '["a", 1]', 'inf')
    """
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, tuple | list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(f"Cannot write {v!r} to TOML.")  # pragma: no cover - internal


def table_lines(obj: Any) -> list[str]:
    """``key = value`` lines of a dataclass's scalars and tuples.

    ``None`` values (defaults) and mappings (written as sub-tables) are left out.

    Examples
    --------
    >>> from townmerge.config.centres import TierSettings
    >>> table_lines(TierSettings())[:2]
    ['method = "natural_breaks"', 'town_thresholds = [0.5, 0.25]']
    """
    return [f"{f.name} = {toml_value(getattr(obj, f.name))}" for f in fields(obj)
            if getattr(obj, f.name) is not None
            and not isinstance(getattr(obj, f.name), Mapping)]


def _to_tuple(v: Any) -> Any:
    if isinstance(v, list | tuple):
        return tuple(_to_tuple(x) for x in v)
    return v


def update_fields(obj: Any, data: Any, where: str) -> Any:
    """``obj`` with the keys of ``data`` replaced, each coerced to its field's type.

    Parameters
    ----------
    obj : dataclass instance
        The settings to update (frozen: a new instance is returned).
    data : mapping
        The TOML table of ``obj``.
    where : str
        The table's name in messages, e.g. ``"[bands]"``.

    Raises
    ------
    InputError
        Naming every unknown key and every value of the wrong type (text for a
        number, NaN, a number for a flag), then a value the settings refuse.

    Examples
    --------
    >>> from townmerge.config.scoring import Constraints
    >>> update_fields(Constraints(), {"area": False}, "[constraints]").area
    False
    >>> update_fields(Constraints(), {"area": 0, "size": "no"}, "[constraints]")
    Traceback (most recent call last):
    ...
    townmerge.errors.InputError: [constraints] has problems
      - [constraints] area = 0 is not true or false
      - [constraints] size = 'no' is not true or false
    """
    data = as_table(data, where)
    problems = unknown_keys(data, {f.name for f in fields(obj)}, where)
    hints = typing.get_type_hints(type(obj))
    changes: dict[str, Any] = {}
    for name, value in data.items():
        if name not in hints:
            continue
        try:
            changes[name] = _coerce(getattr(obj, name), hints[name], value, where, name)
        except InputError as exc:
            problems.append(str(exc))
    if problems:
        raise InputError(f"{where} has problems", problems)
    try:
        return replace(obj, **changes)
    except InputError as exc:
        raise InputError(f"{where} {exc}".strip()) from None


def _coerce(current: Any, hint: Any, value: Any, where: str, name: str) -> Any:
    """One TOML value as the type of its field (see :func:`update_fields`)."""
    if is_dataclass(current):  # pragma: no cover - no nested tables below the top level
        return update_fields(current, value, f"{where[:-1]}.{name}]")
    if isinstance(current, Mapping):
        # a sub-table replaces the default table whole, as the keyword does in Python
        table = as_table(value, f"{where[:-1]}.{name}]")
        return {str(k): number(v, f"{where[:-1]}.{name}] {k}") for k, v in table.items()}
    optional = hint == (int | None)
    if optional:
        hint = int
    elif typing.get_origin(hint) is Literal:
        hint = str
    what = {bool: "true or false", int: "a whole number", float: "a number",
            str: "text in quotes"}.get(hint, "a list")
    wrong = InputError(f"{where} {name} = {value!r} is not {what}")
    if hint is bool:
        if not isinstance(value, bool):
            raise wrong
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                or not math.isfinite(value) or not float(value).is_integer():
            raise wrong
        return int(float(value))
    if hint is float:
        return number(value, f"{where} {name}")
    if hint is str:
        if not isinstance(value, str):
            raise wrong
        return value
    if not isinstance(value, list | tuple):
        raise wrong
    return _to_tuple(value)


def unknown_keys(data: Mapping[str, Any], known: set[str], where: str) -> list[str]:
    """A problem naming the unknown keys of ``data`` and the known ones (none: []).

    Examples
    --------
    >>> unknown_keys({"recomend": 0.7}, {"recommend", "reject"}, "[bands]")
    ["Unknown key(s) ['recomend'] in [bands]; the known keys are recommend, reject"]
    >>> unknown_keys({"reject": 0.3}, {"recommend", "reject"}, "[bands]")
    []
    """
    unknown = sorted(set(data) - known)
    if not unknown:
        return []
    return [f"Unknown key(s) {unknown} in {where}; the known keys are "
            f"{', '.join(sorted(known))}"]
