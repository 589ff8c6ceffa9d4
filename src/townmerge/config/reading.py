"""Checking a settings mapping laid out like the TOML file, every problem reported at once.

:func:`settings_from_mapping` updates a :class:`~townmerge.config.Config` table by table:
``[thresholds]`` with its case-insensitive terrain tables, ``[weights]`` whose unknown keys
weigh user criteria, the other tables field by field
(:func:`~townmerge.config.tomlio.update_fields`) and the top-level scalars, then raises one
:class:`~townmerge.errors.InputError` listing every problem, or returns the new settings.

Examples
--------
>>> from townmerge.config import Config
>>> settings_from_mapping(Config(), {"max_members": 3}, "The settings").max_members
3
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from ..errors import InputError
from .scoring import BUILTIN_CRITERIA, Weights
from .terrain import TERRAINS, Thresholds, terrain_name
from .tomlio import as_table, number, problems_of, unknown_keys, update_fields

__all__ = ["SETTINGS_TABLES", "settings_from_mapping"]

#: The tables of the settings read field by field, in the order the TOML file writes them.
SETTINGS_TABLES = ("bands", "constraints", "criteria", "seats", "tiers", "travel", "gravity")

@dataclass
class _TopLevel:
    """The top-level scalar keys of the settings, typed for :func:`update_fields`."""

    flow_type: str = "population"
    max_members: int = 4


def settings_from_mapping(base: Any, data: Mapping[str, Any], source: str) -> Any:
    """``base`` (a :class:`~townmerge.config.Config`) updated from a mapping like the TOML file.

    Parameters
    ----------
    base : Config
        The settings that keys left out keep (the defaults, when reading a file).
    data : mapping
        Tables as nested mappings, top-level scalars as values.
    source : str
        What the settings are, plural, in the message: ``"The settings in 'a.toml'"``.

    Raises
    ------
    InputError
        Listing every unknown key, value of the wrong type and value out of range, each with
        its table and key.

    Examples
    --------
    >>> from townmerge.config import Config
    >>> settings_from_mapping(Config(), {"bands": {"reject": 2}, "max_members": 0}, "It")
    Traceback (most recent call last):
    ...
    townmerge.errors.InputError: It have 2 problems; fix them and try again:
      - [bands] Bands need 0 ≤ reject ≤ recommend ≤ 1; got reject=2.0, recommend=0.6.
      - max_members must be a whole number >= 1, not 0.
    """
    problems: list[str] = []
    data = dict(data)
    top = {f.name for f in fields(base)}
    problems += unknown_keys(data, top, "the settings (top level)")
    thresholds = base.thresholds
    try:
        thresholds = _thresholds(thresholds, as_table(data.get("thresholds", {}),
                                                      "[thresholds]"), problems)
    except InputError as exc:
        problems += problems_of(exc)
    weights = base.weights
    try:
        weights = _weights(as_table(data.get("weights", {}), "[weights]"))
    except InputError as exc:
        problems += problems_of(exc)
    parts: dict[str, Any] = {}
    for name in SETTINGS_TABLES:
        try:
            parts[name] = update_fields(getattr(base, name), data.get(name, {}), f"[{name}]")
        except InputError as exc:
            problems += problems_of(exc)
    scalars: dict[str, Any] = {}
    try:
        scalars = update_fields(_TopLevel(), {k: data[k] for k in ("flow_type", "max_members")
                                              if k in data}, "").__dict__
        replace(base, **scalars)  # checks the values
    except InputError as exc:
        problems += [q.strip() for q in problems_of(exc)]
    if problems:
        raise InputError(f"{source} have {len(problems)} problem"
                         f"{'' if len(problems) == 1 else 's'}; fix them and try again:",
                         problems)
    return replace(base, thresholds=thresholds, weights=weights, **scalars, **parts)


def _thresholds(base: Thresholds, data: dict[str, Any], problems: list[str]) -> Thresholds:
    """``base`` updated from ``[thresholds]``; terrain tables are case-insensitive."""
    updates: dict[str, Any] = {}
    unknown = []
    for key, value in data.items():
        name = terrain_name(key) if isinstance(value, Mapping) else key
        if name in TERRAINS:
            try:
                updates[str(name)] = update_fields(base.for_terrain(name), value,
                                                   f"[thresholds.{key}]")
            except InputError as exc:
                problems += problems_of(exc)
        elif key == "default_terrain":
            updates[key] = value
        else:
            unknown.append(key)
    if unknown:
        problems.append(f"Unknown key(s) {sorted(unknown)} in [thresholds]; the known keys are "
                        f"default_terrain and the terrain tables {', '.join(TERRAINS)} (upper "
                        "or lower case)")
    if "default_terrain" in updates and not isinstance(updates["default_terrain"], str):
        raise InputError(f"[thresholds] default_terrain = {updates['default_terrain']!r} is "
                         f"not a terrain name; the known terrains are {', '.join(TERRAINS)}")
    try:
        return replace(base, **updates)
    except InputError as exc:
        raise InputError(f"[thresholds] {exc}") from None


def _weights(w: dict[str, Any]) -> Weights:
    """``[weights]``: built-in criteria by name, other keys weigh user criteria."""
    if "extra" in w:
        raise InputError("[weights] takes one key per criterion (my_criterion = 0.1), "
                         "not an 'extra' table.")
    problems = []
    values: dict[str, float] = {}
    for k, v in w.items():
        try:
            values[str(k)] = number(v, f"[weights] {k}")
        except InputError as exc:
            problems.append(str(exc))
    if problems:
        raise InputError("[weights] has problems", problems)
    own = {k: values.pop(k) for k in BUILTIN_CRITERIA if k in values}
    return replace(Weights(), **own, extra=tuple(values.items()))
