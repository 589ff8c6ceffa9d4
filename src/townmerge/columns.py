"""Map the caller's column names onto townmerge's canonical ones.

Input files name their columns in many ways (``code``, ``POP2020``, ``名称``).
A :class:`ColumnMap` says which input column plays which role; normalising
renames them, turns ids into strings and makes the id the index. Values are not
coerced here: checking them is :mod:`townmerge.validation`'s job.

Examples
--------
>>> import pandas as pd
>>> cm = ColumnMap(unit_id="code", unit_name="nom")
>>> df = pd.DataFrame({"code": [49001, 49002], "nom": ["Angers", "Écouflant"]})
>>> normalize_units(df, cm).index.tolist()
['49001', '49002']
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd

from .errors import InputError

__all__ = [
    "FLOW_TYPES",
    "SETTLEMENT_COLUMNS",
    "UNIT_COLUMNS",
    "ColumnMap",
    "normalize_flows",
    "normalize_settlements",
    "normalize_units",
]

#: The three kinds of flow between settlements (人口流、交通流、经济流).
FLOW_TYPES = ("population", "traffic", "economic")
#: Canonical optional columns of the units layer, besides ``name`` and ``population``.
UNIT_COLUMNS = ("name", "population", "kind", "terrain", "parent", "locked", "seat")
#: Canonical optional columns of the settlements layer.
SETTLEMENT_COLUMNS = ("name", "population", "kind", "unit", "groups")


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
            f"for example read_study_area(..., {index_name}='code')."
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
