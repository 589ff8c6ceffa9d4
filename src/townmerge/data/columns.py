"""Map the caller's column names onto townmerge's canonical ones.

Input files name their columns in many ways (``code``, ``POP2020``, ``名称``).
A :class:`ColumnMap` says which input column plays which role; normalising
renames them, turns ids into strings and makes the id the index. Values are not
coerced here: checking them is :mod:`townmerge.data.validation`'s job.

Examples
--------
>>> import pandas as pd
>>> cm = ColumnMap(unit_id="code", unit_name="nom")
>>> df = pd.DataFrame({"code": [49001, 49002], "nom": ["Angers", "Écouflant"]})
>>> normalize_units(df, cm).index.tolist()
['49001', '49002']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import InputError, format_ids

__all__ = [
    "FLAG_FALSE",
    "FLAG_TRUE",
    "FLOW_TYPES",
    "SETTLEMENT_COLUMNS",
    "UNIT_COLUMNS",
    "ColumnMap",
    "bad_flags_message",
    "flag_values",
    "normalize_flows",
    "normalize_settlements",
    "normalize_units",
    "parse_flags",
]

#: The three kinds of flow between settlements (人口流、交通流、经济流).
FLOW_TYPES = ("population", "traffic", "economic")
#: Canonical optional columns of the units layer, besides ``name`` and ``population``.
UNIT_COLUMNS = ("name", "population", "kind", "terrain", "parent", "locked", "seat")
#: Canonical optional columns of the settlements layer.
SETTLEMENT_COLUMNS = ("name", "population", "kind", "unit", "groups")
#: Words read as true in a flag column (``locked``, ``border_town``, ``hazard`` …), any case.
FLAG_TRUE = ("true", "1", "yes", "是")
#: Words read as false in a flag column, any case; a blank cell takes the column's default.
FLAG_FALSE = ("false", "0", "no", "否")


@dataclass(frozen=True)
class ColumnMap:
    """Which input column plays which role.

    Each field names the *input* column; ``None`` means the canonical name
    itself (``unit_id`` defaults to ``"unit_id"``, then ``"id"``, then
    ``"code"``). Unknown extra columns are kept as they are.

    Examples
    --------
    >>> ColumnMap(unit_id="code", population="POP2020").population
    'POP2020'
    """

    unit_id: str | None = None
    unit_name: str | None = None
    population: str | None = None
    kind: str | None = None
    terrain: str | None = None
    parent: str | None = None
    locked: str | None = None
    seat: str | None = None
    settlement_id: str | None = None
    settlement_name: str | None = None
    settlement_population: str | None = None
    settlement_kind: str | None = None
    settlement_unit: str | None = None
    origin: str | None = None
    destination: str | None = None

    @classmethod
    def from_kwargs(cls, **kwargs: str | None) -> ColumnMap:
        """Build from keyword arguments, rejecting unknown keywords clearly.

        Examples
        --------
        >>> ColumnMap.from_kwargs(unit_id="code").unit_id
        'code'
        """
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(kwargs) - names)
        if unknown:
            raise TypeError(
                f"Unknown column keyword(s) {unknown}; expected some of {sorted(names)}."
            )
        return cls(**kwargs)


def _id_index(values: pd.Series, name: str) -> pd.Index:
    """Ids as strings (integers without a trailing ``.0``); missing stay missing."""

    def to_str(v: object) -> object:
        if v is None or (isinstance(v, float) and v != v):
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        s = str(v).strip()
        return s if s else None

    return pd.Index([to_str(v) for v in values], name=name, dtype=object)


def _rename(
    df: pd.DataFrame, layer: str, id_col: str | None, id_defaults: tuple[str, ...],
    mapping: dict[str, str | None], index_name: str,
) -> pd.DataFrame:
    df = df.copy()
    if id_col is None:
        if df.index.name in (index_name, *id_defaults) and df.index.name is not None:
            df = df.reset_index()
            id_col = df.columns[0]
        else:
            id_col = next((c for c in (index_name, *id_defaults) if c in df.columns), None)
    if id_col is None or id_col not in df.columns:
        wanted = id_col or " / ".join((index_name, *id_defaults))
        raise InputError(
            f"The {layer} layer has no id column {wanted!r}; its columns are "
            f"{[str(c) for c in df.columns if c != 'geometry']}. Name the id column, "
            f"for example read_study_area(..., {index_name}='code') in Python, "
            f"--{index_name.replace('_', '-')} code on the command line."
        )
    missing = [src for src in mapping.values() if src is not None and src not in df.columns]
    if missing:
        raise InputError(
            f"The {layer} layer has no column(s) {missing}; its columns are "
            f"{[str(c) for c in df.columns if c != 'geometry']}."
        )
    renames = {src: dst for dst, src in mapping.items() if src is not None and src != dst}
    # A canonical column that would be overwritten by a mapped one is kept under a new name.
    clashes = {dst: f"{dst}_input" for dst in renames.values() if dst in df.columns}
    df = df.rename(columns=clashes).rename(columns=renames)
    index = _id_index(df[renames.get(id_col, id_col)], index_name)
    df = df.drop(columns=[renames.get(id_col, id_col)])
    df.index = index
    return df


def normalize_units(df: pd.DataFrame, cm: ColumnMap | None = None) -> pd.DataFrame:
    """Rename the units layer's columns and index it by string unit id.

    Parameters
    ----------
    df : DataFrame or GeoDataFrame
        The units as read.
    cm : ColumnMap, optional

    Returns
    -------
    DataFrame or GeoDataFrame
        A copy, index ``unit_id`` (str, possibly duplicated or missing: the
        validator reports those); ``terrain`` names stripped and lower-cased
        (``"Plain"`` is ``"plain"``; unknown names are reported by the validator).

    Examples
    --------
    >>> import pandas as pd
    >>> normalize_units(pd.DataFrame({"id": ["a"], "name": ["A"]})).index.name
    'unit_id'
    """
    cm = cm or ColumnMap()
    mapping = {
        "name": cm.unit_name, "population": cm.population, "kind": cm.kind,
        "terrain": cm.terrain, "parent": cm.parent, "locked": cm.locked, "seat": cm.seat,
    }
    out = _rename(df, "units", cm.unit_id, ("id", "code"), mapping, "unit_id")
    if "seat" in out.columns:  # settlement ids, written as townmerge writes ids
        out["seat"] = pd.Series(list(_id_index(out["seat"], "seat")), index=out.index, dtype=object)
    if "terrain" in out.columns:  # terrain names are case-insensitive: "Plain " is "plain"
        out["terrain"] = out["terrain"].map(
            lambda v: v.strip().lower() or None if isinstance(v, str) else v).astype(object)
    return out


def normalize_settlements(df: pd.DataFrame, cm: ColumnMap | None = None) -> pd.DataFrame:
    """Rename the settlements layer's columns and index it by string settlement id.

    Examples
    --------
    >>> import pandas as pd
    >>> s = normalize_settlements(pd.DataFrame({"id": [1], "unit": [10.0]}))
    >>> s.index.tolist(), s["unit"].tolist()
    (['1'], ['10'])
    """
    cm = cm or ColumnMap()
    mapping = {
        "name": cm.settlement_name, "population": cm.settlement_population,
        "kind": cm.settlement_kind, "unit": cm.settlement_unit,
    }
    out = _rename(df, "settlements", cm.settlement_id, ("id", "code"), mapping, "settlement_id")
    if "unit" in out.columns:
        out["unit"] = pd.Series(list(_id_index(out["unit"], "unit")), index=out.index, dtype=object)
    return out


def normalize_flows(df: pd.DataFrame, cm: ColumnMap | None = None) -> pd.DataFrame:
    """Rename the flows table's endpoint columns to ``origin`` / ``destination``.

    Endpoint ids become strings; flow columns keep their names (any of
    ``population``, ``traffic``, ``economic``).

    Examples
    --------
    >>> import pandas as pd
    >>> flows = pd.DataFrame({"origin": [1], "destination": [2], "traffic": [5]})
    >>> normalize_flows(flows).dtypes["origin"]
    dtype('O')
    """
    cm = cm or ColumnMap()
    df = df.copy()
    renames = {}
    for dst, src in (("origin", cm.origin), ("destination", cm.destination)):
        if src is not None and src != dst:
            renames[src] = dst
    df = df.rename(columns=renames)
    missing = [c for c in ("origin", "destination") if c not in df.columns]
    if missing:
        raise InputError(
            f"The flows table has no column(s) {missing}; its columns are {list(df.columns)}. "
            "Name them with origin=... / destination=...."
        )
    for col in ("origin", "destination"):
        df[col] = pd.Series(list(_id_index(df[col], col)), index=df.index, dtype=object)
    return df


# -- flag columns ------------------------------------------------------------------------------
def _flag(value: object) -> bool | None:
    """True, False, or None for a blank cell; raises ValueError for anything else."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer) and int(value) in (0, 1):
        return bool(int(value))
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        if value in (0.0, 1.0):
            return bool(value)
        raise ValueError(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if not word:
            return None
        if word in FLAG_TRUE:
            return True
        if word in FLAG_FALSE:
            return False
    raise ValueError(value)


def flag_values(values: Sequence[object] | pd.Series, *, default: bool = False,
                ) -> tuple[npt.NDArray[np.bool_], list[int]]:
    """Read a flag column strictly: the flags, and the positions of unreadable cells.

    ``true/false``, ``1/0``, ``yes/no`` and ``是/否`` (any case, around spaces),
    booleans and the numbers 0 and 1 are flags; a blank or missing cell takes
    ``default``; anything else (``"x"``, ``"locked"``, ``2``) is unreadable and
    reads as ``default``, its position listed.

    Examples
    --------
    >>> flags, bad = flag_values(["是", "No", None, "x", 1])
    >>> flags.tolist(), bad
    ([True, False, False, False, True], [3])
    """
    out = np.full(len(values), bool(default), dtype=bool)
    bad: list[int] = []
    for i, v in enumerate(list(values)):
        try:
            f = _flag(v)
        except ValueError:
            bad.append(i)
            continue
        if f is not None:
            out[i] = f
    return out, bad


def bad_flags_message(column: str, shown: Sequence[str], noun: str = "unit") -> str:
    """The one message for unreadable flag cells (``shown``: ``"id (name) = 'x'"`` each).

    Examples
    --------
    >>> print(bad_flags_message("locked", ["A (甲乡) = 'x'"]))  # doctest: +ELLIPSIS
    1 unit has a locked value that is not a yes/no flag: A (甲乡) = 'x'. ...
    """
    n = len(shown)
    return (f"{n} {noun}{'' if n == 1 else 's'} {'has' if n == 1 else 'have'} a {column} value "
            f"that is not a yes/no flag: {format_ids(list(shown))}. Write one of "
            f"{'/'.join(FLAG_TRUE)} or {'/'.join(FLAG_FALSE)} (any case), or leave the cell "
            "empty for the default (no).")


def parse_flags(values: Sequence[object] | pd.Series, *, column: str,
                labels: Sequence[str] | None = None, default: bool = False,
                noun: str = "unit") -> npt.NDArray[np.bool_]:
    """Read a flag column strictly (see :func:`flag_values`); raise on unreadable cells.

    The one reader of every flag column (``locked``, border towns, hazard
    zones, specialty settlements), used by validation and by every later step.

    Parameters
    ----------
    values : sequence or Series
    column : str
        The column's name, for the message.
    labels : sequence of str, optional
        ``"id (name)"`` of each row, for the message (default: the Series'
        index).
    default : bool, default False
        The value of blank cells.
    noun : str, default "unit"
        What a row is (``"settlement"`` …), for the message.

    Raises
    ------
    InputError
        Naming every row whose cell is not a flag, with its value.

    Examples
    --------
    >>> parse_flags(["yes", "", "否"], column="locked").tolist()
    [True, False, False]
    >>> parse_flags(["x"], column="locked", labels=["A (甲乡)"])
    Traceback (most recent call last):
    ...
    townmerge.errors.InputError: 1 unit has a locked value that is not a yes/no flag: ...
    """
    flags, bad = flag_values(values, default=default)
    if bad:
        if labels is None and isinstance(values, pd.Series):
            labels = [str(i) for i in values.index]
        cells = list(values)
        shown = [f"{labels[i]} = {cells[i]!r}" if labels is not None else repr(cells[i])
                 for i in bad]
        raise InputError(bad_flags_message(column, shown, noun))
    return flags
