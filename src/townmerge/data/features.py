"""A layer's features as the checks see them: ids, names, values and geometry types.

:class:`FeatureRows` holds the ids, names and display labels (``511025101 (青杠镇)``) of a
layer's features by position, so that every message names features by id and name, never
by row number. The other functions read cells the way :mod:`townmerge.data.columns` writes
them (ids as text, numbers with a status saying what is wrong with them) and classify
geometries; every ``check_`` module shares them.

Examples
--------
>>> import pandas as pd
>>> rows = FeatureRows.of(pd.DataFrame({"name": ["青杠镇", None]}, index=[511025101, 7.0]),
...                       "unit")
>>> rows.labels
('511025101 (青杠镇)', '7')
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = [
    "LINEAR",
    "POINT",
    "POLYGONAL",
    "FeatureRows",
    "as_ident",
    "as_text",
    "bad_numbers",
    "geometry_array",
    "has_geometry",
    "is_missing",
    "missing_geometry",
    "number_status",
    "type_names",
    "value_repr",
]

#: Geometry types of a unit.
POLYGONAL = ("Polygon", "MultiPolygon")
#: Geometry type of a settlement.
POINT = "Point"
#: Geometry types of a road.
LINEAR = ("LineString", "MultiLineString", "LinearRing")


@dataclass(frozen=True)
class FeatureRows:
    """Ids, names and display labels of a layer's features, by position.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = FeatureRows.of(pd.DataFrame({"name": ["甲镇", "乙镇"]}, index=["A", None]),
    ...                       "unit")
    >>> rows.labels
    ('A (甲镇)', '乙镇 (no id)')
    >>> rows.pick([1, 0])
    (['乙镇 (no id)', 'A (甲镇)'], ('A',))
    """

    noun: str
    ids: tuple[str | None, ...]
    names: tuple[str | None, ...]
    labels: tuple[str, ...]

    @classmethod
    def of(cls, df: pd.DataFrame, noun: str) -> FeatureRows:
        """The rows of ``df`` (ids from its index, names from its ``name`` column)."""
        ids = tuple(as_ident(v) for v in df.index)
        names: tuple[str | None, ...] = (
            tuple(as_text(v) for v in df["name"]) if "name" in df.columns else (None,) * len(ids))
        labels = tuple(cls.label(noun, i, n) for i, n in zip(ids, names, strict=True))
        return cls(noun, ids, names, labels)

    @staticmethod
    def label(noun: str, ident: str | None, name: str | None) -> str:
        """How a feature is named in messages: ``id (name)``, ``id`` or ``name (no id)``."""
        if ident is not None:
            return f"{ident} ({name})" if name else ident
        return f"{name} (no id)" if name else f"a {noun} with neither id nor name"

    def __len__(self) -> int:
        return len(self.ids)

    def pick(self, positions: Iterable[int]) -> tuple[list[str], tuple[str, ...]]:
        """Labels and distinct ids of the features at ``positions``."""
        pos = list(positions)
        ids = tuple(dict.fromkeys(v for v in (self.ids[i] for i in pos) if v is not None))
        return [self.labels[i] for i in pos], ids


def is_missing(v: object) -> bool:
    """Whether a cell is empty: None, NaN, NaT or ``pd.NA``.

    Examples
    --------
    >>> is_missing(None), is_missing(float("nan")), is_missing(""), is_missing([1])
    (True, True, False, False)
    """
    if v is None:
        return True
    try:
        value: Any = v
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def as_ident(v: object) -> str | None:
    """An id as :mod:`townmerge.data.columns` writes it: text, integers without ``.0``.

    Examples
    --------
    >>> as_ident(511025101.0), as_ident(" A7 "), as_ident(float("nan"))
    ('511025101', 'A7', None)
    """
    if is_missing(v):
        return None
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    s = str(v).strip()
    return s or None


def as_text(v: object) -> str | None:
    """A cell as stripped text; None when it is missing or blank.

    Examples
    --------
    >>> as_text("  青杠镇 "), as_text(""), as_text(None)
    ('青杠镇', None, None)
    """
    if is_missing(v):
        return None
    s = str(v).strip()
    return s or None


def number_status(v: object, maximum: float = math.inf) -> str:
    """``"ok"``, ``"missing"``, ``"not a number"``, ``"negative"`` or ``"too large"``.

    Text holding a plain number counts as that number; booleans and infinities are not
    numbers.

    Examples
    --------
    >>> [number_status(v, maximum=100) for v in (3, " 4.5 ", "", -1, "12 万", True, 1e3)]
    ['ok', 'ok', 'missing', 'negative', 'not a number', 'not a number', 'too large']
    """
    if is_missing(v):
        return "missing"
    if isinstance(v, bool | np.bool_):
        return "not a number"
    if isinstance(v, str):
        s = v.strip()
        if not s:
            return "missing"
        try:
            x = float(s)
        except ValueError:
            return "not a number"
    else:
        try:
            x = float(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return "not a number"
    if math.isnan(x):
        return "missing"
    if not math.isfinite(x):
        return "not a number"
    if x > maximum:
        return "too large"
    return "negative" if x < 0 else "ok"


def bad_numbers(values: Sequence[object], maximum: float = math.inf) -> dict[str, list[int]]:
    """Positions of the values that are not usable numbers, by status.

    The statuses are those of :func:`number_status`; statuses with no value are left out.

    Examples
    --------
    >>> bad_numbers([1, -2, "x", None, 3e9], maximum=2e9)
    {'missing': [3], 'negative': [1], 'not a number': [2], 'too large': [4]}
    """
    found: dict[str, list[int]] = {"missing": [], "negative": [], "not a number": [],
                                   "too large": []}
    for i, v in enumerate(values):
        status = number_status(v, maximum)
        if status != "ok":
            found[status].append(i)
    return {k: v for k, v in found.items() if v}


def value_repr(v: object) -> str:
    """A value as shown in a message: text quoted, anything else as is.

    Examples
    --------
    >>> value_repr("12 万"), value_repr(-3)
    ("'12 万'", '-3')
    """
    return repr(v) if isinstance(v, str) else str(v)


def has_geometry(df: object) -> bool:
    """Whether ``df`` is a GeoDataFrame with an active geometry column.

    Examples
    --------
    >>> import pandas as pd
    >>> has_geometry(pd.DataFrame({"a": [1]}))
    False
    """
    if not isinstance(df, gpd.GeoDataFrame):
        return False
    try:
        df.geometry  # noqa: B018  (raises when there is no active geometry column)
    except AttributeError:
        return False
    return True


def geometry_array(df: gpd.GeoDataFrame) -> np.ndarray:
    """The layer's geometries as a numpy object array (one per row, None where missing).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> geometry_array(gpd.GeoDataFrame(geometry=[Point(0, 0)])).dtype
    dtype('O')
    """
    return np.asarray(df.geometry.array, dtype=object)


def type_names(geoms: np.ndarray) -> np.ndarray:
    """The geometry type name of each geometry (``"no geometry"`` where missing).

    Examples
    --------
    >>> import numpy as np
    >>> from shapely import Point, box
    >>> type_names(np.array([Point(0, 0), box(0, 0, 1, 1), None], dtype=object)).tolist()
    ['Point', 'Polygon', 'no geometry']
    """
    out = shapely.get_type_id(geoms)
    names = np.array(["Point", "LineString", "LinearRing", "Polygon", "MultiPoint",
                      "MultiLineString", "MultiPolygon", "GeometryCollection", "CircularString",
                      "CompoundCurve", "CurvePolygon", "MultiCurve", "MultiSurface"])
    return np.where(out >= 0, names[np.clip(out, 0, len(names) - 1)], "no geometry")


def missing_geometry(geoms: np.ndarray) -> np.ndarray:
    """Where a geometry is missing or empty.

    Examples
    --------
    >>> import numpy as np
    >>> from shapely import Point
    >>> missing_geometry(np.array([Point(0, 0), Point(), None], dtype=object)).tolist()
    [False, True, True]
    """
    return np.asarray(shapely.is_missing(geoms) | shapely.is_empty(geoms), dtype=bool)
