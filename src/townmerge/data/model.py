"""The study area: units (polygons), settlements (points), flows and roads.

A :class:`StudyArea` is built once from the caller's frames, validated at
construction (every fatal problem is reported at once through
:class:`townmerge.errors.InputError`) and never mutated afterwards: its frames
are handed out as copies that cannot write back.

Geometry is kept in a local metric CRS chosen from the bounds, or given
(:func:`townmerge.data.crs.metric_frame`); the input CRS is kept as
:attr:`StudyArea.input_crs` for writing and for maps.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import box
>>> units = gpd.GeoDataFrame(
...     {"code": ["A", "B"], "名称": ["甲镇", "乙乡"], "pop": [12000, 8000]},
...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs="EPSG:32648")
>>> area = StudyArea(units, unit_id="code", unit_name="名称", population="pop")
>>> area.units[["name", "population"]]
        name  population
unit_id
A         甲镇     12000.0
B         乙乡      8000.0
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from ..errors import InputError, TopologyWarning
from .columns import (
    FLOW_TYPES,
    ColumnMap,
    normalize_flows,
    normalize_settlements,
    normalize_units,
    parse_flags,
)
from .crs import metric_frame, require_crs
from .problems import ValidationReport
from .validation import check_layers

__all__ = ["StudyArea", "unit_label"]

T = TypeVar("T")

#: Relative difference between unit population and the sum of its settlements that warns.
POPULATION_TOLERANCE = 0.01


def unit_label(uid: str, name: object) -> str:
    """Format an id with its name for messages: ``"511025101 (青杠镇)"``.

    Examples
    --------
    >>> unit_label("A", "甲镇"), unit_label("B", None)
    ('A (甲镇)', 'B')
    """
    if name is None or (isinstance(name, float) and name != name) or str(name) == "":
        return str(uid)
    return f"{uid} ({name})"


def _as_gdf(frame: Any, layer: str) -> gpd.GeoDataFrame:
    if isinstance(frame, gpd.GeoDataFrame):
        return frame
    raise InputError(
        f"The {layer} layer must be a GeoDataFrame with a geometry column, "
        f"got {type(frame).__name__}."
    )


class StudyArea:
    """Units, settlements, flows and roads of one study area (a county, a province).

    Parameters
    ----------
    units : GeoDataFrame
        Polygons of the current units (townships, or villages). Needs an id
        column; ``name``, ``population``, ``kind``, ``terrain``, ``parent``,
        ``locked`` and ``seat`` are used where present.
    settlements : GeoDataFrame, optional
        Points of villages, communities and towns, with ``name``,
        ``population``, ``kind`` and ``unit`` (found by a spatial join where
        missing).
    flows : DataFrame, optional
        Directed flows between settlements: ``origin``, ``destination`` and
        any of ``population``, ``traffic``, ``economic``.
    roads : GeoDataFrame, optional
        Road lines, with an optional ``speed_kmh`` or ``road_class``.
    crs : object, optional
        The projected CRS in metres to measure in (e.g. ``"EPSG:2154"``);
        default: the input CRS when it is projected and distorts lengths and
        areas by at most :data:`townmerge.data.crs.MAX_DISTORTION`, else a local
        UTM or Lambert azimuthal equal-area CRS. Units the CRS distorts beyond
        that are named in a warning.
    columns : ColumnMap, optional
        Column roles; alternatively give them as keywords.
    **column_keywords : str
        Column roles by keyword: ``unit_id="code"``, ``unit_name="nom"``,
        ``population="POP2020"``, ``settlement_unit="township"`` …
        (see :class:`townmerge.data.columns.ColumnMap`).

    Raises
    ------
    InputError
        When the layers have fatal problems; every problem is listed.
    CRSError
        When a spatial layer has no CRS.

    Warns
    -----
    TopologyWarning
        For non-fatal problems (gaps, slivers, islands …), also kept in
        :attr:`report`.
    """

    __slots__ = (
        "_derived", "_flows", "_input_crs", "_population_source", "_report", "_roads",
        "_settlements", "_units",
    )

    def __init__(
        self,
        units: gpd.GeoDataFrame,
        settlements: gpd.GeoDataFrame | None = None,
        flows: pd.DataFrame | None = None,
        roads: gpd.GeoDataFrame | None = None,
        *,
        crs: object = None,
        columns: ColumnMap | None = None,
        **column_keywords: str,
    ) -> None:
        if columns is not None and column_keywords:
            raise TypeError("Give the column roles either as columns=ColumnMap(...) or as "
                            "keywords, not both.")
        cm = columns or ColumnMap.from_kwargs(**column_keywords)
        u = normalize_units(_as_gdf(units, "units"), cm)
        s = (normalize_settlements(_as_gdf(settlements, "settlements"), cm)
             if settlements is not None else None)
        f = normalize_flows(flows, cm) if flows is not None else None
        r = _as_gdf(roads, "roads") if roads is not None else None

        report = check_layers(u, s, f, r, crs=crs)
        report.raise_if_errors()
        if report.warnings:
            warnings.warn(
                f"The study area has {len(report.warnings)} warning(s):\n"
                + "\n".join(f"  - {p}" for p in report.warnings),
                TopologyWarning, stacklevel=2,
            )
        self._report = report

        input_crs = require_crs(u.crs, "units")
        metric = metric_frame(input_crs, u.geometry.array, requested=crs).crs
        self._input_crs = input_crs
        u = u.to_crs(metric)
        if s is not None:
            s = s.to_crs(metric)
        if r is not None:
            r = r.to_crs(metric)
        u, s, source = _prepare(u, s)
        f = _prepare_flows(f)
        r = r.copy() if r is not None else None
        self._settlements = s
        self._population_source = source
        self._flows = f
        self._roads = r
        self._derived: dict[Hashable, Any] = {}
        self._units = u  # set last: from here on the object refuses attribute writes

    # -- views --------------------------------------------------------------------------------
    @property
    def units(self) -> gpd.GeoDataFrame:
        """Units in the metric CRS, index ``unit_id`` (a copy: edits do not write back)."""
        return self._units.copy(deep=False)

    @property
    def settlements(self) -> gpd.GeoDataFrame | None:
        """Settlements in the metric CRS, index ``settlement_id``, with their ``unit``."""
        return None if self._settlements is None else self._settlements.copy(deep=False)

    @property
    def flows(self) -> pd.DataFrame | None:
        """Directed flows between settlements (``origin``, ``destination``, flow columns)."""
        return None if self._flows is None else self._flows.copy(deep=False)

    @property
    def roads(self) -> gpd.GeoDataFrame | None:
        """Road lines in the metric CRS."""
        return None if self._roads is None else self._roads.copy(deep=False)

    @property
    def crs(self) -> CRS:
        """The metric CRS in which geometry is kept."""
        return CRS.from_user_input(self._units.crs)

    @property
    def input_crs(self) -> CRS:
        """The CRS of the input, used for writing and maps."""
        return self._input_crs

    @property
    def report(self) -> ValidationReport:
        """The validation report of the input (warnings only: errors raise)."""
        return self._report

    @property
    def population_source(self) -> str:
        """Where unit population comes from: ``"units"``, ``"settlements"`` or ``"none"``."""
        return self._population_source

    @property
    def has_population(self) -> bool:
        """Whether every unit has a population."""
        return bool(self._units["population"].notna().all())

    @property
    def flow_types(self) -> tuple[str, ...]:
        """The flow types present in :attr:`flows`, in canonical order."""
        if self._flows is None:
            return ()
        return tuple(t for t in FLOW_TYPES if t in self._flows.columns)

    @property
    def unit_ids(self) -> pd.Index:
        """The unit ids, in input order."""
        return self._units.index

    def label(self, unit_id: str) -> str:
        """``"id (name)"`` of a unit, for messages.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import box
        >>> a = StudyArea(gpd.GeoDataFrame({"id": ["A"], "name": ["甲镇"]},
        ...     geometry=[box(0, 0, 1, 1)], crs="EPSG:32648"))
        >>> a.label("A")
        'A (甲镇)'
        """
        return unit_label(unit_id, self._units.at[unit_id, "name"])

    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        """The structure derived from this area under ``key``, built by ``build`` once.

        The store behind :func:`townmerge.graph.derived.derived`: the first call with a
        key builds and keeps the value, every later call returns the same object
        (an :class:`~townmerge.errors.InputError` raised by ``build`` is kept and
        raised again, so a failing build is not retried either). The store is
        not pickled: an unpickled area starts empty and builds again.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import box
        >>> a = StudyArea(gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 1, 1)],
        ...                                crs="EPSG:32648"))
        >>> a.memo("x", lambda: [1]) is a.memo("x", lambda: [2])
        True
        """
        store = self._derived
        if key not in store:
            try:
                store[key] = (build(), None)
            except InputError as failed:
                store[key] = (None, failed)
        value, error = store[key]
        if error is not None:
            raise error
        return value

    def __getstate__(self) -> tuple[None, dict[str, Any]]:
        return None, {k: getattr(self, k) for k in self.__slots__ if k != "_derived"}

    def __setstate__(self, state: tuple[None, dict[str, Any]]) -> None:
        slots = dict(state[1])
        object.__setattr__(self, "_derived", {})
        for k in sorted(slots, key=lambda k: k == "_units"):  # _units last, as in __init__
            object.__setattr__(self, k, slots[k])

    def __len__(self) -> int:
        return len(self._units)

    def __repr__(self) -> str:
        parts = [f"{len(self._units)} units"]
        if self._settlements is not None:
            parts.append(f"{len(self._settlements)} settlements")
        if self._flows is not None:
            parts.append(f"{len(self._flows)} flows")
        if self._roads is not None:
            parts.append(f"{len(self._roads)} roads")
        return f"<StudyArea: {', '.join(parts)}; CRS {self.crs.name}>"

    def __setattr__(self, name: str, value: object) -> None:
        if hasattr(self, "_units"):
            raise AttributeError("A StudyArea is never mutated; build a new one instead.")
        object.__setattr__(self, name, value)


def _numeric(col: pd.Series) -> pd.Series:
    return pd.to_numeric(col, errors="coerce").astype(float)


def _prepare(
    units: gpd.GeoDataFrame, settlements: gpd.GeoDataFrame | None
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None, str]:
    """Fill derived columns: settlement units by spatial join, unit population."""
    units = units.copy()
    if "name" not in units.columns:
        units["name"] = pd.Series(list(units.index), index=units.index, dtype=object)
    units["name"] = _names(units["name"])
    if "locked" in units.columns:
        units["locked"] = parse_flags(units["locked"], column="locked", labels=[
            unit_label(str(u), n) for u, n in zip(units.index, units["name"], strict=True)])
    else:
        units["locked"] = False
    has_unit_pop = "population" in units.columns
    if has_unit_pop:
        units["population"] = _numeric(units["population"])

    if settlements is not None:
        settlements = settlements.copy()
        if "name" not in settlements.columns:
            settlements["name"] = pd.Series(list(settlements.index), index=settlements.index,
                                            dtype=object)
        settlements["name"] = _names(settlements["name"])
        if "unit" not in settlements.columns:
            settlements["unit"] = None
        missing = settlements["unit"].isna()
        if missing.any():
            joined = gpd.sjoin(settlements.loc[missing, ["geometry"]], units[["geometry"]],
                               how="left", predicate="covered_by")
            found = joined.groupby(level=0)["unit_id"].first()
            settlements.loc[found.index, "unit"] = found.values
        if "population" in settlements.columns:
            settlements["population"] = _numeric(settlements["population"])

    source = "none"
    if has_unit_pop:
        source = "units"
        if settlements is not None and "population" in settlements.columns:
            sums = settlements.groupby("unit")["population"].sum()
            sums = sums.reindex(units.index, fill_value=0.0)
            given = units["population"]
            diff = (given - sums).abs() > POPULATION_TOLERANCE * given.clip(lower=1.0)
            if diff.any():
                shown = [f"{unit_label(str(i), units.at[i, 'name'])}: {given[i]:.0f} vs "
                         f"{sums[i]:.0f}" for i in units.index[diff]]
                warnings.warn(
                    f"{int(diff.sum())} unit(s) have a population that differs by more than "
                    f"{POPULATION_TOLERANCE:.0%} from the sum of their settlements (unit vs "
                    f"settlements): {'; '.join(shown[:10])}"
                    + (f" and {len(shown) - 10} more" if len(shown) > 10 else "")
                    + ". The units' figures are used.",
                    TopologyWarning, stacklevel=3,
                )
    elif settlements is not None and "population" in settlements.columns:
        source = "settlements"
        sums = settlements.groupby("unit")["population"].sum()
        units["population"] = sums.reindex(units.index, fill_value=0.0).astype(float)
    else:
        units["population"] = np.nan
    return units, settlements, source


def _names(names: pd.Series) -> pd.Series:
    """Names as text; a missing or blank name is replaced by the id (validation warns)."""
    text = [str(n).strip() if n is not None and n == n else "" for n in names]
    return pd.Series([t or str(i) for t, i in zip(text, names.index, strict=True)],
                     index=names.index, dtype=object)


def _prepare_flows(flows: pd.DataFrame | None) -> pd.DataFrame | None:
    if flows is None:
        return None
    flows = flows.copy()
    for t in FLOW_TYPES:
        if t in flows.columns:
            flows[t] = _numeric(flows[t]).fillna(0.0)
    return flows.reset_index(drop=True)
