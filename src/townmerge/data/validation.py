"""Check the layers of a study area and report every problem at once.

:func:`check_layers` runs every check on the normalised layers (see
:mod:`townmerge.data.columns`) and returns a :class:`ValidationReport` that lists
each :class:`Problem`: fatal ones (``severity="error"``), which stop a study
area from being built, and warnings, which do not. Each problem names the
features concerned by id *and* name (``511025101 (青杠镇)``), says what was
expected and how to fix the input.

Geometry is measured in metres: a geographic layer is projected to the local
metric CRS of :func:`townmerge.data.crs.local_metric_crs` for the checks (the
inputs are never modified).

Examples
--------
>>> import geopandas as gpd
>>> import pandas as pd
>>> from shapely import box
>>> units = gpd.GeoDataFrame(
...     {"name": ["青杠镇", "石桥镇"]},
...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
...     index=pd.Index(["A", "B"], name="unit_id"), crs="EPSG:32648")
>>> check_layers(units).ok
True
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from ..config import TERRAINS, Config, TravelParams
from ..errors import CRSError, InputError, TopologyWarning, format_ids
from .columns import FLOW_TYPES, bad_flags_message, flag_values
from .crs import MetricFrame, describe_crs, local_metric_crs, metric_frame, require_crs, suggest_crs
from .roads import node_roads, road_checks

if TYPE_CHECKING:  # pragma: no cover
    from pyproj import CRS

__all__ = [
    "CRS_CODES",
    "MAX_FLOW",
    "MAX_POPULATION",
    "MAX_SPEED_KMH",
    "Problem",
    "ValidationReport",
    "check_layers",
    "flag_problems",
    "gdp_problems",
    "road_speed_problems",
    "terrain_problems",
    "unknown_seat_problems",
]

Severity = Literal["error", "warning"]
LayerName = Literal["units", "settlements", "flows", "roads"]

#: Codes of the problems about coordinate reference systems.
CRS_CODES = frozenset({"missing-crs", "bad-crs", "crs-mismatch"})

#: Largest believable population of one unit or settlement (the most populous
#: country has 1.4 billion people); more is a data error (a sum, a unit mix-up).
MAX_POPULATION = 2e9
#: Largest believable flow value between two settlements (people, trips or yuan).
MAX_FLOW = 1e12
#: Largest believable road speed, km/h (expressways are limited to 120 km/h).
MAX_SPEED_KMH = 200.0

#: Distance (m) within which a ring of the union of the units is taken to run
#: along a unit's border.
_RING_TOLERANCE_M = 1e-3
_POLYGONAL = ("Polygon", "MultiPolygon")
_POINT = "Point"
_LINEAR = ("LineString", "MultiLineString", "LinearRing")


# -- public types ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One problem found in the input layers.

    Attributes
    ----------
    severity : {"error", "warning"}
        Errors are fatal: a study area is not built while any remains.
    code : str
        Short stable slug such as ``"overlap"`` or ``"gap"``.
    layer : {"units", "settlements", "flows", "roads"}
        The layer concerned.
    message : str
        A full sentence: what is wrong, which features (ids and names), what
        was expected and how to fix it.
    ids : tuple of str
        Every offending id (for flows ``"origin→destination"``).
    figures : mapping of str to float
        Measurements such as ``{"area_m2": 1250.0}``.

    Examples
    --------
    >>> p = Problem("error", "overlap", "units", "A (甲镇) and B (乙镇) overlap.", ("A", "B"))
    >>> str(p)
    '[error] units: A (甲镇) and B (乙镇) overlap.'
    """

    severity: Severity
    code: str
    layer: LayerName
    message: str
    ids: tuple[str, ...] = ()
    figures: Mapping[str, float] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.severity not in ("error", "warning"):
            raise ValueError(f"severity must be 'error' or 'warning', not {self.severity!r}")
        object.__setattr__(self, "ids", tuple(str(i) for i in self.ids))
        frozen = {str(k): float(v) for k, v in dict(self.figures).items()}
        object.__setattr__(self, "figures", MappingProxyType(frozen))

    def __reduce__(self) -> tuple[type[Problem], tuple[object, ...]]:
        # the read-only figures view does not pickle: rebuild it from a plain dict
        return (Problem, (self.severity, self.code, self.layer, self.message, self.ids,
                          dict(self.figures)))

    @property
    def is_error(self) -> bool:
        """Whether the problem is fatal."""
        return self.severity == "error"

    def __str__(self) -> str:
        return f"[{self.severity}] {self.layer}: {self.message}"


@dataclass(frozen=True)
class ValidationReport:
    """Every problem found by :func:`check_layers`, errors first.

    Examples
    --------
    >>> r = ValidationReport((Problem("warning", "island", "units", "C (丙镇) touches no unit.",
    ...                               ("C",)),))
    >>> r.ok, len(r.errors), len(r.warnings)
    (True, 0, 1)
    >>> print(r)
    0 errors, 1 warning
      [warning] units: C (丙镇) touches no unit.
    """

    problems: tuple[Problem, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "problems", tuple(self.problems))

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The fatal problems."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """The non-fatal problems."""
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def ok(self) -> bool:
        """Whether there is no fatal problem (warnings allowed)."""
        return not self.errors

    @property
    def codes(self) -> tuple[str, ...]:
        """The distinct problem codes, in report order."""
        return tuple(dict.fromkeys(p.code for p in self.problems))

    def __str__(self) -> str:
        head = f"{_plural(len(self.errors), 'error')}, {_plural(len(self.warnings), 'warning')}"
        if not self.problems:
            return head + ": the layers passed every check."
        return "\n".join([head, *(f"  {p}" for p in self.problems)])

    def raise_if_errors(self) -> None:
        """Raise :class:`~townmerge.errors.InputError` listing every fatal problem.

        A :class:`~townmerge.errors.CRSError` (a subclass) is raised when every
        fatal problem is about coordinate reference systems.

        Raises
        ------
        InputError
            When there is at least one error; ``problems`` holds them.

        Examples
        --------
        >>> ValidationReport().raise_if_errors()
        >>> bad = Problem("error", "missing-crs", "units", "The units layer has no CRS.")
        >>> ValidationReport((bad,)).raise_if_errors()
        Traceback (most recent call last):
        ...
        townmerge.errors.CRSError: The study area has 1 fatal problem; fix the input and try again:
          - [error] units: The units layer has no CRS.
        """
        errors = self.errors
        if not errors:
            return
        n_warn = len(self.warnings)
        also = f" (and {_plural(n_warn, 'warning')})" if n_warn else ""
        message = (f"The study area has {_plural(len(errors), 'fatal problem')}{also}; "
                   "fix the input and try again:")
        cls = CRSError if all(p.code in CRS_CODES for p in errors) else InputError
        raise cls(message, problems=errors)

    def warn(self, stacklevel: int = 2) -> None:
        """Issue one :class:`~townmerge.errors.TopologyWarning` per warning.

        Examples
        --------
        >>> ValidationReport().warn()
        """
        for p in self.warnings:
            warnings.warn(str(p), TopologyWarning, stacklevel=stacklevel + 1)

    def to_frame(self) -> pd.DataFrame:
        """The problems as a table, one line each.

        Returns
        -------
        DataFrame
            Columns ``severity``, ``code``, ``layer``, ``message``, ``n_ids``,
            ``ids`` (tuple) and ``figures`` (dict).

        Examples
        --------
        >>> p = Problem("error", "duplicate-id", "units", "A is used twice.", ("A",))
        >>> ValidationReport((p,)).to_frame()[["severity", "code", "n_ids"]]
          severity          code  n_ids
        0    error  duplicate-id      1
        """
        columns = ["severity", "code", "layer", "message", "n_ids", "ids", "figures"]
        return pd.DataFrame(
            [[p.severity, p.code, p.layer, p.message, len(p.ids), p.ids, dict(p.figures)]
             for p in self.problems],
            columns=columns,
        )


# -- entry point -----------------------------------------------------------------------------
def check_layers(
    units: gpd.GeoDataFrame,
    settlements: gpd.GeoDataFrame | pd.DataFrame | None = None,
    flows: pd.DataFrame | None = None,
    roads: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    *,
    sliver_width_m: float = 1.0,
    gap_area_m2: float = 1.0,
    overlap_area_m2: float = 1.0,
    crs: object = None,
    travel: TravelParams | None = None,
    config: Config | None = None,
) -> ValidationReport:
    """Check the layers of a study area and list every problem.

    Every check is run, whatever the others find. Fatal problems (errors):
    duplicate or missing ids, empty, non-polygonal or invalid unit geometry,
    overlapping units, a missing or unusable CRS, missing, negative or
    non-numeric population, a terrain other than those of
    :data:`townmerge.config.TERRAINS` (compared lower-cased), settlements that
    are not points, lie outside every unit or in another unit than their
    ``unit`` column names, a ``seat`` that is not a settlement or lies in a
    unit it can never merge with, flag columns (``locked``, border towns,
    hazard zones, specialty settlements) holding anything but a yes/no flag,
    a flows table without rows, flows naming unknown settlements or carrying
    bad values, roads with a speed that is not a positive believable number,
    and populations above :data:`MAX_POPULATION`. Warnings: gaps and slivers
    between units, overlaps below ``overlap_area_m2``, multi-part units, units
    touching no other unit, units without a settlement or without a name,
    flows from a settlement to itself, a pair of settlements listed in several
    flow rows (their values are added up), a ``seat`` in another unit, a
    projected CRS replaced as not metric in practice, units the metric CRS
    distorts, road ends just short of another road, parts of the road network
    that do not connect, settlements far from every road.

    Each check that a later step also makes is one public function used by
    both (:func:`terrain_problems`, :func:`unknown_seat_problems`,
    :func:`flag_problems`, :func:`road_speed_problems`), so a study area that
    passes is never refused later for the same reason.

    Parameters
    ----------
    units : GeoDataFrame
        Normalised units (:func:`townmerge.data.columns.normalize_units`): index
        ``unit_id``, optional ``name``, ``population``, ``seat`` columns.
    settlements : GeoDataFrame, optional
        Normalised settlements: index ``settlement_id``, point geometry,
        optional ``name``, ``population``, ``unit`` columns.
    flows : DataFrame, optional
        Normalised flows: ``origin``, ``destination`` and any of
        ``population``, ``traffic``, ``economic``.
    roads : GeoDataFrame or GeoSeries, optional
        Road lines.
    sliver_width_m : float, default 1.0
        A gap or an overlap between units whose mean width (2 × area /
        perimeter) is below this is a sliver (a warning), not a gap or an
        overlap; units this close to each other are not islands.
    gap_area_m2 : float, default 1.0
        Holes between units smaller than this are ignored.
    overlap_area_m2 : float, default 1.0
        Two units sharing less area than this do not overlap.
    crs : object, optional
        The projected CRS in metres to measure in (default: chosen by
        :func:`townmerge.data.crs.metric_frame`). Whatever the CRS, units where it
        distorts lengths or areas by more than
        :data:`townmerge.data.crs.MAX_DISTORTION` are named in a warning.
    travel : TravelParams, optional
        For the road checks: ``snap_m``, ``join_crossings`` (how roads are
        joined), ``dangle_m`` (road ends just short of another road) and
        ``max_access_m`` (settlements far from every road node).
    config : Config, optional
        Names of the flag columns (border towns, hazard zones, specialty
        settlements); default :class:`townmerge.Config`.

    Returns
    -------
    ValidationReport
        Errors first, then warnings.

    Raises
    ------
    ValueError
        When a tolerance is negative or not finite (the layers themselves
        never raise: their problems are reported).

    Examples
    --------
    >>> import geopandas as gpd
    >>> import pandas as pd
    >>> from shapely import box
    >>> units = gpd.GeoDataFrame(
    ...     {"name": ["青杠镇", "石桥镇", "白鹤乡"], "population": [5000, -3, 1200]},
    ...     geometry=[box(0, 0, 1000, 1000), box(500, 0, 1500, 1000),
    ...               box(3000, 0, 4000, 1000)],
    ...     index=pd.Index(["A", "B", "C"], name="unit_id"), crs="EPSG:32648")
    >>> report = check_layers(units)
    >>> report.ok, report.codes
    (False, ('bad-population', 'overlap', 'island'))
    >>> print(report.errors[1])  # doctest: +ELLIPSIS
    [error] units: 1 pair of units overlaps (500,000 m² in all): A (青杠镇) / B (石桥镇): ...
    """
    for label, value in (("sliver_width_m", sliver_width_m), ("gap_area_m2", gap_area_m2),
                         ("overlap_area_m2", overlap_area_m2)):
        if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
            raise ValueError(f"{label} must be a finite number >= 0, not {value!r}.")
    tol = _Tolerances(float(sliver_width_m), float(gap_area_m2), float(overlap_area_m2))
    problems: list[Problem] = []

    urows = _Rows.of(units, "unit")
    if len(urows) == 0:
        problems.append(Problem(
            "error", "no-units", "units",
            "The units layer has no units: give the township polygons of the study area."))
    cfg = config or Config()
    problems += _id_problems("units", urows)
    problems += _population_problems("units", units, urows)
    problems += _name_problems("units", units, urows)
    problems += terrain_problems(units)
    problems += flag_problems(units, ("locked", cfg.constraints.border_town_column))
    problems += _approximate_problems(units, urows)

    frame = _Frame.of_units(units, problems, crs)
    topo: _Topology | None = None
    if frame.units is not None:
        problems += _unit_geometry_problems(units, urows)
        problems += _distortion_problems(frame, units, urows)
        topo = _Topology.build(frame.units)
        problems += _topology_problems(topo, urows, tol)

    srows: _Rows | None = None
    located: _Located | None = None
    points: np.ndarray | None = None
    if settlements is not None:
        srows = _Rows.of(settlements, "settlement")
        problems += _id_problems("settlements", srows)
        problems += _population_problems("settlements", settlements, srows)
        problems += _name_problems("settlements", settlements, srows)
        problems += gdp_problems(settlements)
        problems += flag_problems(settlements, (cfg.seats.hazard_column,
                                                cfg.tiers.specialty_column), "settlement")
        points = frame.other_layer("settlements", settlements, problems)
        if points is not None:
            problems += _settlement_geometry_problems(settlements, srows)
            if topo is not None:
                located = _locate(points, topo, tol)
        problems += _settlement_unit_problems(settlements, srows, urows, located)
        problems += unknown_seat_problems(units, [s for s in srows.ids if s is not None])
        problems += _seat_problems(units, urows, settlements, srows, located, cfg, topo)

    if flows is not None:
        problems += _flow_problems(flows, srows)

    if roads is not None:
        road_frame = roads.to_frame() if isinstance(roads, gpd.GeoSeries) else roads
        lines = frame.other_layer("roads", road_frame, problems)
        if lines is not None:
            problems += _road_problems(road_frame)
            problems += _road_network_problems(road_frame, lines, frame, points, srows,
                                               travel or TravelParams())
            problems += road_speed_problems(road_frame)

    ordered = [p for p in problems if p.is_error] + [p for p in problems if not p.is_error]
    return ValidationReport(tuple(ordered))


def _approximate_problems(units: pd.DataFrame, rows: _Rows) -> list[Problem]:
    """A warning naming the units whose territory was approximated (``approximate`` column)."""
    if "approximate" not in units.columns:
        return []
    flag = units["approximate"].map(lambda v: v is True or v is np.True_ or v == 1).to_numpy()
    if not flag.any():
        return []
    labels, ids = rows.pick(np.flatnonzero(flag))
    return [Problem(
        "warning", "approximate-territories", "units",
        f"village territories approximated from points: {_plural(len(labels), 'unit')} "
        f"({format_ids(labels)}) are Voronoi cells of their points clipped to their township, "
        "not surveyed boundaries; areas, neighbours and maps of these units are approximate. "
        "Give the village polygons (a villages layer) for exact results.", ids)]


# -- small helpers ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Tolerances:
    sliver_width_m: float
    gap_area_m2: float
    overlap_area_m2: float


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def _are(n: int) -> str:
    return "is" if n == 1 else "are"


def _area(a: float) -> str:
    text = f"{a:,.0f} m²" if a >= 10 else f"{a:,.2f} m²"
    return text + (f" ({a / 1e6:,.2f} km²)" if a >= 1e6 else "")


def _is_missing(v: object) -> bool:
    if v is None:
        return True
    try:
        value: Any = v
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _ident(v: object) -> str | None:
    """An id as townmerge.data.columns writes it: str, integers without ``.0``."""
    if _is_missing(v):
        return None
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    s = str(v).strip()
    return s or None


def _text(v: object) -> str | None:
    if _is_missing(v):
        return None
    s = str(v).strip()
    return s or None


def _has_geometry(df: object) -> bool:
    if not isinstance(df, gpd.GeoDataFrame):
        return False
    try:
        df.geometry  # noqa: B018  (raises when there is no active geometry column)
    except AttributeError:
        return False
    return True


def _geoms(df: gpd.GeoDataFrame) -> np.ndarray:
    return np.asarray(df.geometry.array, dtype=object)


def _type_names(geoms: np.ndarray) -> np.ndarray:
    out = shapely.get_type_id(geoms)
    names = np.array(["Point", "LineString", "LinearRing", "Polygon", "MultiPoint",
                      "MultiLineString", "MultiPolygon", "GeometryCollection", "CircularString",
                      "CompoundCurve", "CurvePolygon", "MultiCurve", "MultiSurface"])
    return np.where(out >= 0, names[np.clip(out, 0, len(names) - 1)], "no geometry")


def _missing_geometry(geoms: np.ndarray) -> np.ndarray:
    return np.asarray(shapely.is_missing(geoms) | shapely.is_empty(geoms), dtype=bool)


@dataclass(frozen=True)
class _Rows:
    """Ids, names and display labels of a layer's features, by position."""

    noun: str
    ids: tuple[str | None, ...]
    names: tuple[str | None, ...]
    labels: tuple[str, ...]

    @classmethod
    def of(cls, df: pd.DataFrame, noun: str) -> _Rows:
        ids = tuple(_ident(v) for v in df.index)
        names: tuple[str | None, ...] = (
            tuple(_text(v) for v in df["name"]) if "name" in df.columns else (None,) * len(ids))
        labels = tuple(cls.label(noun, i, n) for i, n in zip(ids, names, strict=True))
        return cls(noun, ids, names, labels)

    @staticmethod
    def label(noun: str, ident: str | None, name: str | None) -> str:
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


# -- ids and values --------------------------------------------------------------------------
def _id_problems(layer: LayerName, rows: _Rows) -> list[Problem]:
    out: list[Problem] = []
    noun = rows.noun
    missing = [i for i, v in enumerate(rows.ids) if v is None]
    if missing:
        named = [n for n in (rows.names[i] for i in missing) if n]
        unnamed = len(missing) - len(named)
        which = f" ({format_ids(named)})" if named else ""
        if named and unnamed:
            which = f" ({format_ids(named)}; {unnamed:,} without a name either)"
        out.append(Problem(
            "error", "missing-id", layer,
            f"{_plural(len(missing), noun)} {'has' if len(missing) == 1 else 'have'} no id"
            f"{which}. Every {noun} needs a unique id in the {noun} id column: fill in the "
            f"missing ids, or drop the features that are not {noun}s.",
            figures={"count": len(missing)}))
    seen: dict[str, list[int]] = {}
    for i, v in enumerate(rows.ids):
        if v is not None:
            seen.setdefault(v, []).append(i)
    dups = {k: v for k, v in seen.items() if len(v) > 1}
    if dups:
        labels = []
        for ident, pos in dups.items():
            names = [rows.names[i] or "no name" for i in pos]
            labels.append(f"{ident} ×{len(pos)} ({' / '.join(names)})")
        fix = ("give each unit its own id, or dissolve the parts of one unit into a single "
               "(multi)polygon" if noun == "unit" else
               "give each settlement its own id, or remove the duplicated settlements")
        out.append(Problem(
            "error", "duplicate-id", layer,
            f"{_plural(len(dups), noun + ' id')} {_are(len(dups))} used by more than one "
            f"feature: {format_ids(labels)}. Ids must be unique: {fix}.",
            tuple(dups), figures={"count": len(dups)}))
    return out


def _number_status(v: object, maximum: float = math.inf) -> str:
    """``"ok"``, ``"missing"``, ``"not a number"``, ``"negative"`` or ``"too large"``."""
    if _is_missing(v):
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


def _bad_numbers(values: Sequence[object], maximum: float = math.inf) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {"missing": [], "negative": [], "not a number": [],
                                   "too large": []}
    for i, v in enumerate(values):
        status = _number_status(v, maximum)
        if status != "ok":
            found[status].append(i)
    return {k: v for k, v in found.items() if v}


def _value_repr(v: object) -> str:
    return repr(v) if isinstance(v, str) else str(v)


def _population_problems(layer: LayerName, df: pd.DataFrame, rows: _Rows) -> list[Problem]:
    if "population" not in df.columns:
        return []
    values = list(df["population"])
    bad = _bad_numbers(values, MAX_POPULATION)
    if not bad:
        return []
    parts = []
    for status, pos in bad.items():
        labels = [rows.labels[i] if status == "missing"
                  else f"{rows.labels[i]} = {_value_repr(values[i])}" for i in pos]
        parts.append(f"{status} for {format_ids(labels)}")
    positions = sorted(i for pos in bad.values() for i in pos)
    _, ids = rows.pick(positions)
    noun = rows.noun
    zero = " (0 for an uninhabited one)" if noun == "unit" else ""
    return [Problem(
        "error", "bad-population", layer,
        f"The population of {_plural(len(positions), noun)} is not usable: "
        f"{'; '.join(parts)}. Population must be a number >= 0 for every {noun}, at most "
        f"{MAX_POPULATION:,.0f}: fill in the missing values{zero}, correct the negative "
        "and impossibly large ones and write plain numbers (no units, words or thousands "
        "separators), or drop the population column.",
        ids, figures={k.replace(" ", "_"): len(v) for k, v in bad.items()})]


# -- coordinate reference systems ------------------------------------------------------------
def _looks_geographic(bounds: np.ndarray) -> bool:
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    return -180.0 <= minx <= maxx <= 360.0 and -90.0 <= miny <= maxy <= 90.0


def _crs_name(crs: CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg} ({crs.name})" if epsg else repr(crs.name)


def _bounds(geoms: np.ndarray) -> np.ndarray:
    """Total bounds; NaN when there is no geometry at all."""
    present = geoms[~_missing_geometry(geoms)]
    if len(present) == 0:
        return np.full(4, np.nan)
    return np.asarray(shapely.total_bounds(present), dtype=float)


def _project(geoms: np.ndarray, src: CRS, dst: CRS) -> np.ndarray:
    """Geometries transformed; raises when the transformation fails or is not finite."""
    out = np.asarray(gpd.GeoSeries(geoms, crs=src).to_crs(dst).array, dtype=object)
    coords = shapely.get_coordinates(out)
    if not np.isfinite(coords).all():
        raise ValueError("some coordinates could not be transformed (infinite results)")
    return out


@dataclass(frozen=True)
class _Frame:
    """The metric frame in which every layer is measured."""

    units: np.ndarray | None  # unit geometries in metres (or as given when unmeasurable)
    source: CRS | None  # the units' CRS (or the one assumed when it is missing)
    metric: CRS | None  # the CRS measured in; None: coordinates taken as metres
    chosen: MetricFrame | None = None  # how the metric CRS was chosen, and its distortion

    @classmethod
    def of_units(cls, units: gpd.GeoDataFrame, problems: list[Problem],
                 requested: object = None) -> _Frame:
        if not _has_geometry(units):
            problems.append(Problem(
                "error", "missing-geometry", "units",
                "The units layer has no geometry: give the township polygons as a "
                "GeoDataFrame (or a GeoPackage / GeoJSON / shapefile) with a geometry column."))
            return cls(None, None, None)
        geoms = _geoms(units)
        bounds = _bounds(geoms)
        finite = bool(np.isfinite(bounds).all())
        crs: CRS | None = None
        if units.crs is None:
            assumed = " measured taking the coordinates as metres"
            if finite and _looks_geographic(bounds):
                crs = require_crs("EPSG:4326", "units")
                assumed = " measured as if they were longitude/latitude degrees (EPSG:4326)"
            problems.append(Problem(
                "error", "missing-crs", "units",
                "The units layer has no coordinate reference system (CRS); townmerge does not "
                "guess one. Set it on the file, or call gdf.set_crs('EPSG:4490') (CGCS2000) / "
                "gdf.set_crs('EPSG:4326') before building the study area. (The areas and "
                f"distances in this report were{assumed}.)"))
        else:
            crs = require_crs(units.crs, "units")
        if crs is None or not finite:
            return cls(geoms, crs, None)
        if crs.is_geographic and not _looks_geographic(bounds):
            problems.append(Problem(
                "error", "bad-crs", "units",
                f"The units layer's CRS {_crs_name(crs)} is geographic, but its coordinates "
                f"reach ({bounds[0]:.0f}, {bounds[1]:.0f}) to ({bounds[2]:.0f}, "
                f"{bounds[3]:.0f}), outside longitude/latitude ranges: the data are probably "
                "projected. Set their real CRS with gdf.set_crs(..., allow_override=True)."))
            return cls(geoms, crs, None)
        metric: CRS | None
        chosen: MetricFrame | None = None
        try:
            if crs.is_geographic or crs.is_projected or requested is not None:
                chosen = metric_frame(crs, geoms, requested=requested)
                metric = chosen.crs
            else:
                metric = _metric_crs(crs, bounds)
        except CRSError as exc:
            problems.append(Problem(
                "error", "bad-crs", "units",
                f"The units layer's CRS {_crs_name(crs)} cannot be used: {exc}"))
            metric = _fallback_metric_crs(crs, geoms)
            if metric is None:
                return cls(geoms, crs, None)
        if metric == crs:
            return cls(geoms, crs, metric, chosen)
        try:
            return cls(_project(geoms, crs, metric), crs, metric, chosen)
        except Exception as exc:  # pyproj raises several unrelated classes
            problems.append(Problem(
                "error", "bad-crs", "units",
                f"The units layer cannot be projected from {_crs_name(crs)} to metres "
                f"({exc}). Check that its CRS is the right one."))
            return cls(geoms, crs, None)

    def other_layer(
        self, layer: LayerName, df: pd.DataFrame, problems: list[Problem]
    ) -> np.ndarray | None:
        """The layer's geometries in the units' metric frame, or None (problem reported)."""
        if not _has_geometry(df):
            problems.append(Problem(
                "error", "missing-geometry", layer,
                f"The {layer} layer has no geometry: give it as a GeoDataFrame (or a spatial "
                "file) with a geometry column and a CRS."))
            return None
        geoms = _geoms(df)
        crs: CRS | None
        if df.crs is None:
            crs = self.source
            assumed = (f"; the checks below took it to be in the units' CRS "
                       f"{_crs_name(crs)}" if crs is not None else "")
            problems.append(Problem(
                "error", "missing-crs", layer,
                f"The {layer} layer has no coordinate reference system (CRS){assumed}. "
                "townmerge does not guess one: set it on the file, or call "
                "gdf.set_crs(...) with the CRS the coordinates are in (e.g. 'EPSG:4490' or "
                "'EPSG:4326')."))
        else:
            crs = require_crs(df.crs, layer)
        target = self.metric
        if crs is None or crs == target:
            return geoms
        if target is None:  # the units cannot be measured (reported): compare like with like
            return geoms if crs == self.source else None
        try:
            return _project(geoms, crs, target)
        except Exception as exc:  # pyproj raises several unrelated classes
            units_crs = _crs_name(self.source) if self.source is not None else "?"
            problems.append(Problem(
                "error", "crs-mismatch", layer,
                f"The {layer} layer's CRS {_crs_name(crs)} cannot be transformed to the units' "
                f"CRS {units_crs} ({exc}), so its spatial checks were skipped. Give both "
                "layers the same CRS, or CRSs that can be converted into each other."))
            return None


def _metric_crs(crs: CRS, bounds: np.ndarray) -> CRS:
    box = (float(bounds[0]), float(bounds[1]), float(bounds[2]), float(bounds[3]))
    if crs.is_geographic or crs.is_projected:
        return local_metric_crs(crs, box)
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    if unit in ("metre", "meter", "m"):
        return crs  # a local engineering CRS in metres
    raise CRSError(f"its axes are in {unit!r}, not metres: reproject the layer to EPSG:4490 "
                   "(CGCS2000), EPSG:4326 or a metric CRS.")


def _fallback_metric_crs(crs: CRS, geoms: np.ndarray) -> CRS | None:
    """A metric CRS for measuring a layer whose own CRS is unusable (e.g. in feet)."""
    try:
        wgs84 = require_crs("EPSG:4326", "units")
        bounds = _bounds(_project(geoms, crs, wgs84))
        return local_metric_crs(wgs84, (float(bounds[0]), float(bounds[1]),
                                        float(bounds[2]), float(bounds[3])))
    except Exception:  # pyproj raises several unrelated classes
        return None


def _distortion_problems(frame: _Frame, units: gpd.GeoDataFrame, rows: _Rows) -> list[Problem]:
    """Warnings: a projected CRS replaced as too distorted; units the metric CRS distorts."""
    chosen, out = frame.chosen, list[Problem]()
    if chosen is None or frame.source is None:
        return out
    if chosen.replaced is not None:
        out.append(Problem(
            "warning", "crs-replaced", "units",
            f"The units' CRS {describe_crs(chosen.replaced)} is projected but not metric in "
            f"practice: over the study area it distorts lengths or areas by more than "
            f"{chosen.tolerance:.0%}. Lengths and areas are measured in "
            f"{describe_crs(chosen.crs)} instead (the input CRS is kept for writing). Give "
            "crs=... (--crs) to measure in another projected CRS.",
            figures={"tolerance": chosen.tolerance}))
    worst = chosen.worst
    if len(worst):
        labels = [f"{rows.labels[i]}: {chosen.distortion[i]:.1%}" for i in worst]
        _, ids = rows.pick(worst)
        if chosen.requested:
            advice = "It is the CRS asked for, so it is used; check that it suits the area."
        else:
            try:
                better = suggest_crs(frame.source, _geoms(units), tolerance=chosen.tolerance)
            except Exception:  # pyproj raises several unrelated classes
                better = None
            advice = ("Give a CRS suited to the area with crs=... (--crs)"
                      + (f", e.g. crs={str(better.to_epsg() or '')!r} for "
                         f"{describe_crs(better)}" if better is not None else "")
                      + ", or study distant parts separately.")
        out.append(Problem(
            "warning", "crs-distortion", "units",
            f"The CRS the study area is measured in, {describe_crs(chosen.crs)}, distorts "
            f"lengths or areas by more than {chosen.tolerance:.0%} at "
            f"{_plural(len(worst), 'unit')} (worst first): {format_ids(labels)}. Border "
            f"lengths, areas and distances there are off by that much. {advice}",
            ids, figures={"count": len(worst),
                          "max_distortion": float(chosen.distortion[worst[0]])}))
    return out


# -- unit geometry ---------------------------------------------------------------------------
def _unit_geometry_problems(units: gpd.GeoDataFrame, rows: _Rows) -> list[Problem]:
    out: list[Problem] = []
    geoms = _geoms(units)
    empty = _missing_geometry(geoms)
    types = _type_names(geoms)
    if empty.any():
        labels, ids = rows.pick(np.flatnonzero(empty))
        out.append(Problem(
            "error", "empty-geometry", "units",
            f"{_plural(len(labels), 'unit')} {'has' if len(labels) == 1 else 'have'} an empty "
            f"or missing geometry: {format_ids(labels)}. Every unit needs its polygon: add the "
            "missing boundaries, or drop the features that are not units.",
            ids))
    polygonal = np.isin(types, _POLYGONAL)
    wrong = ~empty & ~polygonal
    if wrong.any():
        pos = np.flatnonzero(wrong)
        labels = [f"{rows.labels[i]} is a {types[i]}" for i in pos]
        _, ids = rows.pick(pos)
        out.append(Problem(
            "error", "not-polygon", "units",
            f"{_plural(len(pos), 'unit')} {_are(len(pos))} not "
            f"{'a polygon or multipolygon' if len(pos) == 1 else 'polygons or multipolygons'}: "
            f"{format_ids(labels)}. Units are areas: give their boundaries as Polygon or "
            "MultiPolygon geometries (points belong in the settlements layer).",
            ids))
    check = ~empty & polygonal
    invalid = np.zeros(len(geoms), dtype=bool)
    invalid[check] = ~shapely.is_valid(geoms[check])
    if invalid.any():
        pos = np.flatnonzero(invalid)
        reasons = shapely.is_valid_reason(geoms[pos])
        labels = [f"{rows.labels[i]}: {r}" for i, r in zip(pos, reasons, strict=True)]
        _, ids = rows.pick(pos)
        out.append(Problem(
            "error", "invalid-geometry", "units",
            f"{_plural(len(pos), 'unit')} {'has' if len(pos) == 1 else 'have'} an invalid "
            f"geometry: {format_ids(labels)}. Repair them (QGIS: Fix geometries; PostGIS: "
            "ST_MakeValid; shapely.make_valid) and check the result.",
            ids))
    multi = np.zeros(len(geoms), dtype=bool)
    multi[check] = shapely.get_num_geometries(geoms[check]) > 1
    if multi.any():
        pos = np.flatnonzero(multi)
        nparts = shapely.get_num_geometries(geoms[pos])
        labels = [f"{rows.labels[i]}: {n} parts" for i, n in zip(pos, nparts, strict=True)]
        _, ids = rows.pick(pos)
        out.append(Problem(
            "warning", "multipart", "units",
            f"{_plural(len(pos), 'unit')} {'is' if len(pos) == 1 else 'are'} made of several "
            f"separate parts: {format_ids(labels)}. This is allowed (islands, exclaves), but "
            "check that no part belongs to a neighbouring unit; if one does, move it there.",
            ids, figures={"count": len(pos)}))
    return out


def _polygonal_only(geoms: np.ndarray) -> np.ndarray:
    """Each geometry reduced to its polygonal parts (None when it has none)."""
    types = _type_names(geoms)
    out = geoms.copy()
    mixed = np.flatnonzero(~np.isin(types, _POLYGONAL) & ~_missing_geometry(geoms))
    for i in mixed:  # rare: collections left by make_valid
        parts = shapely.get_parts(geoms[i])
        parts = parts[np.isin(_type_names(parts), _POLYGONAL)]
        out[i] = shapely.union_all(parts) if len(parts) else None
    out[_missing_geometry(out)] = None
    return out


@dataclass(frozen=True)
class _Topology:
    """The units' usable polygons in metres and their spatial index."""

    geoms: np.ndarray  # None where the unit has no usable polygon
    tree: shapely.STRtree

    @classmethod
    def build(cls, metric: np.ndarray) -> _Topology:
        geoms = np.array(metric, dtype=object)
        types = _type_names(geoms)
        usable = np.isin(types, _POLYGONAL) & ~_missing_geometry(geoms)
        geoms[~usable] = None
        idx = np.flatnonzero(usable)
        bad = idx[~shapely.is_valid(geoms[idx])]
        if len(bad):
            geoms[bad] = shapely.make_valid(geoms[bad], method="structure", keep_collapsed=False)
            geoms = _polygonal_only(geoms)
        return cls(geoms, shapely.STRtree(geoms))

    @property
    def usable(self) -> np.ndarray:
        return np.flatnonzero(~shapely.is_missing(self.geoms))


def _pairs(tree: shapely.STRtree, geoms: np.ndarray, **query: Any) -> tuple[np.ndarray, np.ndarray]:
    left, right = tree.query(geoms, **query)
    keep = left < right
    return left[keep], right[keep]


def _polygon_perimeter(geoms: np.ndarray) -> np.ndarray:
    """Perimeter of the polygonal parts of each geometry (lines and points ignored)."""
    parts, owner = shapely.get_parts(geoms, return_index=True)
    poly = np.isin(_type_names(parts), _POLYGONAL)
    return np.bincount(owner[poly], weights=shapely.length(parts[poly]), minlength=len(geoms))


def _mean_width(area: np.ndarray, perimeter: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(perimeter > 0, 2.0 * area / perimeter, 0.0)


def _topology_problems(topo: _Topology, rows: _Rows, tol: _Tolerances) -> list[Problem]:
    out: list[Problem] = []
    geoms = topo.geoms
    n_usable = len(topo.usable)
    if n_usable == 0:
        return out
    slivers: list[tuple[str, float | None, tuple[int, ...]]] = []

    # Overlaps: pairs whose interiors meet in an area (not just along borders).
    left, right = _pairs(topo.tree, geoms, predicate="intersects")
    inner = shapely.relate_pattern(geoms[left], geoms[right], "2********")
    ol, orr = left[inner], right[inner]
    overlap_pairs: list[tuple[int, int, float]] = []
    if len(ol):
        inter = shapely.intersection(geoms[ol], geoms[orr])
        area = shapely.area(inter)
        width = _mean_width(area, _polygon_perimeter(inter))
        big = area >= tol.overlap_area_m2
        thin = width < tol.sliver_width_m
        tiny = np.flatnonzero(~big & (area > 0))
        if len(tiny):
            out.append(_tiny_overlap_problem(rows, ol[tiny], orr[tiny], area[tiny], tol))
        for k in np.flatnonzero(big & ~thin):
            overlap_pairs.append((int(ol[k]), int(orr[k]), float(area[k])))
        for k in np.flatnonzero(big & thin):
            a, b = int(ol[k]), int(orr[k])
            slivers.append((f"{rows.labels[a]} / {rows.labels[b]} overlap by {_area(area[k])}",
                            float(area[k]), (a, b)))
    if overlap_pairs:
        overlap_pairs.sort(key=lambda t: -t[2])
        labels = [f"{rows.labels[a]} / {rows.labels[b]}: {_area(x)}"
                  for a, b, x in overlap_pairs]
        total = sum(x for _, _, x in overlap_pairs)
        _, ids = rows.pick(i for a, b, _ in overlap_pairs for i in (a, b))
        n = len(overlap_pairs)
        out.append(Problem(
            "error", "overlap", "units",
            f"{_plural(n, 'pair')} of units {'overlaps' if n == 1 else 'overlap'} "
            f"({_area(total)} in all): {format_ids(labels)}. Units must not overlap: every "
            "place belongs to exactly one unit. Remove the shared area from one unit of each "
            "pair (QGIS: Vector > Geoprocessing > Difference), or, if the two features are the "
            "same unit, dissolve them into one.",
            ids, figures={"pairs": n, "area_m2": total,
                          "max_area_m2": overlap_pairs[0][2]}))

    # Units within sliver_width_m of each other: neighbours for the island check, and
    # near-coincident borders that do not touch are slivers.
    dl, dr = _pairs(topo.tree, geoms, predicate="dwithin", distance=max(tol.sliver_width_m, 0.0))
    n = len(geoms)
    touching = np.isin(dl * n + dr, left * n + right)
    near = list(zip(dl[~touching].tolist(), dr[~touching].tolist(), strict=True))

    gaps, hole_slivers = _gaps(topo, rows, tol)
    slivers += hole_slivers
    if gaps:
        gaps.sort(key=lambda g: -g[1])
        total = sum(a for _, a, _ in gaps)
        labels = [f"between {_and(rows.labels[i] for i in around)}: {_area(a)}"
                  for around, a, _ in gaps]
        _, ids = rows.pick(i for around, _, _ in gaps for i in around)
        out.append(Problem(
            "warning", "gap", "units",
            f"{_plural(len(gaps), 'gap')} between units ({_area(total)} in all) "
            f"{_are(len(gaps))} covered by no unit: {format_ids(labels)}. If a gap is real "
            "(a lake, a reservoir, land outside the study area) nothing needs doing; "
            "otherwise add it to one of the units around it.",
            ids, figures={"count": len(gaps), "area_m2": total,
                          "max_area_m2": gaps[0][1]}))

    grouped = {(a, b) for s in slivers for a in s[2] for b in s[2]}
    for a, b in near:
        if (a, b) not in grouped:
            slivers.append((f"{rows.labels[a]} / {rows.labels[b]} are less than "
                            f"{tol.sliver_width_m:g} m apart but do not touch", None, (a, b)))
    if slivers:
        areas = [a for _, a, _ in slivers if a is not None]
        _, ids = rows.pick(i for s in slivers for i in s[2])
        out.append(Problem(
            "warning", "sliver", "units",
            f"{_plural(len(slivers), 'sliver')} (gaps or overlaps thinner than "
            f"{tol.sliver_width_m:g} m on average, or borders that nearly meet) between units: "
            f"{format_ids([s[0] for s in slivers])}. They come from borders digitised or "
            "simplified separately and can hide that two units are neighbours; snap the "
            "borders together (QGIS: Snap geometries to layer; shapely.coverage_simplify on "
            "a clean coverage) so that neighbours share their border exactly.",
            ids, figures={"count": len(slivers), "area_m2": float(sum(areas))}))

    # Islands: usable units with no other unit within sliver_width_m.
    if n_usable > 1:
        has_neighbour = np.zeros(n, dtype=bool)
        has_neighbour[dl] = True
        has_neighbour[dr] = True
        lonely = np.setdiff1d(topo.usable, np.flatnonzero(has_neighbour))
        if len(lonely):
            labels, ids = rows.pick(lonely)
            out.append(Problem(
                "warning", "island", "units",
                f"{_plural(len(lonely), 'unit')} {'touches' if len(lonely) == 1 else 'touch'} "
                f"no other unit: {format_ids(labels)}. Such a unit can only be merged with "
                "units it is linked to otherwise (a bridge, a ferry, a road); check that it "
                "is not misplaced or in the wrong CRS.",
                ids, figures={"count": len(lonely)}))
    return out


def _tiny_overlap_problem(rows: _Rows, a: np.ndarray, b: np.ndarray, area: np.ndarray,
                          tol: _Tolerances) -> Problem:
    """Overlaps below the overlap tolerance: harmless for areas, but badly noded borders."""
    order = np.argsort(-area, kind="stable")
    labels = [f"{rows.labels[a[k]]} / {rows.labels[b[k]]}: {area[k]:.2g} m²" for k in order]
    _, ids = rows.pick(i for k in order for i in (a[k], b[k]))
    n = len(order)
    return Problem(
        "warning", "tiny-overlap", "units",
        f"{_plural(n, 'pair')} of units {'overlaps' if n == 1 else 'overlap'} by less than "
        f"{tol.overlap_area_m2:g} m²: {format_ids(labels)}. Too small to change any figure, "
        "but their borders are not noded together: merged units are dissolved with a slower, "
        "robust union. Snap the borders together (QGIS: Snap geometries to layer) so that "
        "neighbours share their border exactly.",
        ids, figures={"pairs": n, "area_m2": float(area.sum())})


def _and(labels: Iterable[str]) -> str:
    items = list(labels)
    if len(items) <= 1:
        return "".join(items)
    shown = items[:4]
    rest = f" and {len(items) - 4} more" if len(items) > 4 else ""
    if rest:
        return ", ".join(shown) + rest
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def _gaps(
    topo: _Topology, rows: _Rows, tol: _Tolerances
) -> tuple[list[tuple[tuple[int, ...], float, float]],
           list[tuple[str, float | None, tuple[int, ...]]]]:
    """Holes of the union of the units bordered by two units or more.

    Returns the gaps ``(around, area, width)`` and the slivers among them. (The
    general union is used: ``coverage_union_all`` silently gives wrong results
    on overlapping or badly noded units.)
    """
    union = shapely.union_all(topo.geoms[~shapely.is_missing(topo.geoms)])
    polys = shapely.get_parts(union)
    polys = polys[np.isin(_type_names(polys), ("Polygon",))]
    n_rings = shapely.get_num_interior_rings(polys)
    if n_rings.sum() == 0:
        return [], []
    owners = np.repeat(polys, n_rings)
    index = np.arange(n_rings.sum()) - np.repeat(np.cumsum(n_rings) - n_rings, n_rings)
    rings = shapely.get_interior_ring(owners, index)
    holes = np.asarray(shapely.polygons(rings), dtype=object)
    keep = shapely.area(holes) >= tol.gap_area_m2
    rings, holes = rings[keep], holes[keep]
    if len(holes) == 0:
        return [], []
    ring_h, ring_u = topo.tree.query(rings, predicate="dwithin", distance=_RING_TOLERANCE_M)
    in_h, in_u = topo.tree.query(holes, predicate="contains_properly")
    # Units bordering each hole or lying in it (an island in a lake), grouped by hole.
    pairs = np.unique(np.stack([np.concatenate([ring_h, in_h]),
                                np.concatenate([ring_u, in_u])], axis=1), axis=0)
    counts = np.bincount(pairs[:, 0], minlength=len(holes))
    around_of = np.split(pairs[:, 1], np.cumsum(counts)[:-1])
    # A hole bordered by one unit only is that unit's own (a lake, an enclave left out).
    between = np.flatnonzero(counts >= 2)
    gap_geoms = holes[between].copy()
    inside_order = np.argsort(in_h, kind="stable")
    inside_sorted = in_h[inside_order]
    inside_n = np.bincount(in_h, minlength=len(holes))
    for k, h in enumerate(between):
        if inside_n[h]:  # rare: subtract the units lying in the hole
            first = int(np.searchsorted(inside_sorted, h))
            members = in_u[inside_order[first:first + inside_n[h]]]
            gap_geoms[k] = shapely.difference(holes[h], shapely.union_all(topo.geoms[members]))
    areas = shapely.area(gap_geoms)
    widths = _mean_width(areas, _polygon_perimeter(gap_geoms))
    gaps: list[tuple[tuple[int, ...], float, float]] = []
    slivers: list[tuple[str, float | None, tuple[int, ...]]] = []
    for k, h in enumerate(between):  # the holes found
        area, width = float(areas[k]), float(widths[k])
        around = tuple(int(u) for u in around_of[h])
        if area < tol.gap_area_m2:
            continue
        if width < tol.sliver_width_m:
            slivers.append((f"a gap of {_area(area)} between "
                            f"{_and(rows.labels[i] for i in around)}", area, around))
        else:
            gaps.append((around, area, width))
    return gaps, slivers


# -- settlements -----------------------------------------------------------------------------
def _settlement_geometry_problems(settlements: gpd.GeoDataFrame, rows: _Rows) -> list[Problem]:
    out: list[Problem] = []
    geoms = _geoms(settlements)
    empty = _missing_geometry(geoms)
    types = _type_names(geoms)
    if empty.any():
        labels, ids = rows.pick(np.flatnonzero(empty))
        out.append(Problem(
            "error", "empty-geometry", "settlements",
            f"{_plural(len(labels), 'settlement')} {'has' if len(labels) == 1 else 'have'} no "
            f"location (empty or missing geometry): {format_ids(labels)}. Give every "
            "settlement its point (the village committee or community seat).",
            ids))
    wrong = ~empty & (types != _POINT)
    if wrong.any():
        pos = np.flatnonzero(wrong)
        labels = [f"{rows.labels[i]} is a {types[i]}" for i in pos]
        _, ids = rows.pick(pos)
        out.append(Problem(
            "error", "not-point", "settlements",
            f"{_plural(len(pos), 'settlement')} {_are(len(pos))} not points: "
            f"{format_ids(labels)}. Settlements are located by one point each: use the "
            "village seat, or the polygon's representative point "
            "(gdf.geometry.representative_point()).",
            ids))
    return out


@dataclass(frozen=True)
class _Located:
    """Which units each settlement lies in (positions), by settlement position."""

    within: tuple[tuple[int, ...], ...]
    usable: np.ndarray  # settlements with a usable point
    nearest: dict[int, tuple[int, float]]  # outside settlements: nearest unit, distance


def _locate(points: np.ndarray, topo: _Topology, tol: _Tolerances) -> _Located:
    pts = np.array(points, dtype=object)
    ok = (_type_names(pts) == _POINT) & ~_missing_geometry(pts)
    pts[~ok] = None
    p_idx, u_idx = topo.tree.query(pts, predicate="intersects")
    within: list[list[int]] = [[] for _ in range(len(pts))]
    for p, u in zip(p_idx.tolist(), u_idx.tolist(), strict=True):
        within[p].append(u)
    outside = [i for i in np.flatnonzero(ok) if not within[i]]
    nearest: dict[int, tuple[int, float]] = {}
    if outside and len(topo.usable):
        q_idx, t_idx = topo.tree.query_nearest(pts[outside], all_matches=False)
        dist = shapely.distance(pts[outside][q_idx], topo.geoms[t_idx])
        for q, t, d in zip(q_idx.tolist(), t_idx.tolist(), dist.tolist(), strict=True):
            i = outside[q]
            if d <= tol.sliver_width_m:
                within[i].append(int(t))  # on the border, within tolerance
            else:
                nearest[i] = (int(t), float(d))
    return _Located(tuple(tuple(w) for w in within), np.flatnonzero(ok), nearest)


def _distance(d: float) -> str:
    return f"{d / 1000:,.1f} km" if d >= 1000 else f"{d:,.0f} m"


def _settlement_unit_problems(
    settlements: pd.DataFrame, srows: _Rows, urows: _Rows, located: _Located | None
) -> list[Problem]:
    out: list[Problem] = []
    unit_label = {i: urows.labels[k] for k, i in reversed(list(enumerate(urows.ids)))
                  if i is not None}
    named: list[str | None] = (
        [_ident(v) for v in settlements["unit"]] if "unit" in settlements.columns
        else [None] * len(srows))

    unknown = [i for i, u in enumerate(named) if u is not None and u not in unit_label]
    if unknown:
        labels = [f"{srows.labels[i]} names unit {named[i]}" for i in unknown]
        _, ids = srows.pick(unknown)
        out.append(Problem(
            "error", "unknown-unit", "settlements",
            f"{_plural(len(unknown), 'settlement')} {'names' if len(unknown) == 1 else 'name'} "
            f"a unit that is not in the units layer: {format_ids(labels)}. The unit column "
            "must hold unit ids: correct it (ids lost their leading zeros? read as numbers?), "
            "or leave it empty to locate the settlement by its point.",
            ids))

    if located is None:
        return out
    outside = [i for i in located.usable.tolist() if not located.within[i]]
    if outside:
        labels = []
        for i in outside:
            near = located.nearest.get(i)
            where = (f", {_distance(near[1])} from {urows.labels[near[0]]}"
                     if near is not None else "")
            labels.append(srows.labels[i] + where)
        _, ids = srows.pick(outside)
        out.append(Problem(
            "error", "settlement-outside", "settlements",
            f"{_plural(len(outside), 'settlement')} {'lies' if len(outside) == 1 else 'lie'} "
            f"outside every unit: {format_ids(labels)}. Every settlement must lie in a unit "
            "of the study area: check its coordinates (longitude and latitude swapped? wrong "
            "CRS?), add the missing unit, or remove settlements outside the study area.",
            ids))

    wrong = []
    for i in located.usable.tolist():
        want = named[i]
        if want is None or want not in unit_label or not located.within[i]:
            continue
        actual_ids = {urows.ids[u] for u in located.within[i]}
        if want not in actual_ids:
            actual = _and(urows.labels[u] for u in located.within[i])
            wrong.append((i, f"{srows.labels[i]} is listed in {unit_label[want]} but lies in "
                             f"{actual}"))
    if wrong:
        _, ids = srows.pick(i for i, _ in wrong)
        n = len(wrong)
        out.append(Problem(
            "error", "settlement-wrong-unit", "settlements",
            f"{_plural(n, 'settlement')} {'lies' if n == 1 else 'lie'} in another unit than "
            f"the one {'its' if n == 1 else 'their'} unit column names: "
            f"{format_ids([w for _, w in wrong])}. Correct the unit column or the "
            "coordinates, or leave the unit empty to locate the settlement by its point.",
            ids))

    # Units without any settlement (located by point or named in the unit column).
    has = np.zeros(len(urows), dtype=bool)
    for w in located.within:
        has[list(w)] = True
    named_units = {u for u in named if u is not None}
    lonely = [k for k in range(len(urows))
              if not has[k] and (urows.ids[k] is None or urows.ids[k] not in named_units)]
    if lonely:
        labels, ids = urows.pick(lonely)
        out.append(Problem(
            "warning", "no-settlement", "units",
            f"{_plural(len(lonely), 'unit')} {'has' if len(lonely) == 1 else 'have'} no "
            f"settlement: {format_ids(labels)}. Each unit should hold at least its seat: "
            "add the missing villages or communities, or check their coordinates.",
            ids, figures={"count": len(lonely)}))
    return out


def _seat_problems(
    units: pd.DataFrame, urows: _Rows, settlements: pd.DataFrame, srows: _Rows,
    located: _Located | None, cfg: Config, topo: _Topology | None,
) -> list[Problem]:
    if "seat" not in units.columns:
        return []
    where: dict[str, tuple[int, set[str]]] = {}
    named = ([_ident(v) for v in settlements["unit"]] if "unit" in settlements.columns
             else [None] * len(srows))
    for i, sid in enumerate(srows.ids):
        if sid is None or sid in where:
            continue
        homes: set[str] = set()
        if named[i] is not None:
            homes = {named[i]}  # type: ignore[arg-type]
        elif located is not None:
            homes = {u for u in (urows.ids[k] for k in located.within[i]) if u is not None}
        where[sid] = (i, homes)
    elsewhere: list[tuple[int, str]] = []
    links: list[tuple[int, int, str]] = []
    for k, v in enumerate(units["seat"]):
        seat = _ident(v)
        if seat is None or seat not in where:  # unknown seats: unknown_seat_problems
            continue
        i, homes = where[seat]
        if homes and urows.ids[k] not in homes:
            home = _and(sorted(homes))
            elsewhere.append((k, f"{urows.labels[k]} names {srows.labels[i]}, which is in "
                                 f"{home}"))
            links += [(k, h, srows.labels[i]) for h in _positions(urows, homes)]
    if not elsewhere:
        return []
    out = _must_link_problems(units, urows, links, cfg, topo)
    _, ids = urows.pick(k for k, _ in elsewhere)
    n = len(elsewhere)
    return [*out, Problem(
        "warning", "bad-seat", "units",
        f"{_plural(n, 'unit')} {'has' if n == 1 else 'have'} a seat that is not its own — "
        f"a seat in another unit: {format_ids([t for _, t in elsewhere])}. A seat really "
        "lying in another unit (一地两府) is kept: scoring then requires the two units to "
        "merge (must-link); otherwise correct the seat, or leave it empty to let townmerge "
        "choose it.",
        ids, figures={"elsewhere": n})]


def _positions(rows: _Rows, ids: Iterable[str]) -> list[int]:
    want = set(ids)
    return [k for k, i in enumerate(rows.ids) if i in want]


def _hops(topo: _Topology, start: int, limit: int) -> dict[int, int]:
    """Units within ``limit`` steps of ``start`` across shared borders (rook), with their steps."""
    geoms = topo.geoms
    seen = {start: 0}
    frontier = [start]
    for step in range(1, limit + 1):
        if not frontier:
            break
        src = np.array(frontier)
        a, b = topo.tree.query(geoms[src], predicate="intersects")
        a, b = src[a], b
        new = ~np.isin(b, list(seen))
        a, b = a[new], b[new]
        shared = shapely.length(shapely.intersection(shapely.boundary(geoms[a]),
                                                     shapely.boundary(geoms[b]))) > 0
        frontier = sorted({int(x) for x in b[shared]})
        seen.update(dict.fromkeys(frontier, step))
    return seen


def _must_link_problems(units: pd.DataFrame, urows: _Rows, links: list[tuple[int, int, str]],
                        cfg: Config, topo: _Topology | None) -> list[Problem]:
    """Units that must merge with the unit their seat lies in (一地两府) but never can.

    Locked units never merge, counties never mix, and a new unit of at most
    ``max_members`` units cannot join two units more than ``max_members - 1``
    shared borders apart (units joined by no chain of borders at all are left
    to reviewed virtual links).
    """
    cons = cfg.constraints
    if not cons.must_link or not links:
        return []
    locked = np.zeros(len(urows), dtype=bool)
    if cons.locked:
        for col in ("locked", cons.border_town_column):
            if col in units.columns:
                locked |= flag_values(list(units[col]))[0]
    parent = ([_ident(v) for v in units["parent"]] if cons.same_parent
              and "parent" in units.columns else [None] * len(urows))
    why: list[tuple[int, str]] = []
    for k, h, seat in links:
        pair = f"{urows.labels[k]} (seat {seat} in {urows.labels[h]})"
        if locked[k] or locked[h]:
            lk = _and(urows.labels[u] for u in (k, h) if locked[u])
            why.append((k, f"{pair}: {lk} {'is' if locked[k] != locked[h] else 'are'} locked"))
        elif parent[k] is not None and parent[h] is not None and parent[k] != parent[h]:
            why.append((k, f"{pair}: they lie in different counties ({parent[k]}, "
                           f"{parent[h]})"))
        elif cons.contiguity and cons.size and topo is not None and topo.geoms[k] is not None \
                and topo.geoms[h] is not None:
            steps = _hops(topo, k, len(urows)).get(h)
            if steps is not None and steps > cfg.max_members - 1:
                why.append((k, f"{pair}: they are {steps} borders apart, and a new unit "
                               f"of at most {cfg.max_members} units spans at most "
                               f"{cfg.max_members - 1}"))
    if not why:
        return []
    _, ids = urows.pick(k for k, _ in why)
    n = len(why)
    return [Problem(
        "error", "impossible-must-link", "units",
        f"{_plural(n, 'unit')} must merge with the unit {'its' if n == 1 else 'their'} seat "
        f"lies in (一地两府), which no plan can do: {format_ids([t for _, t in why])}. Correct "
        "the seat (or the settlement's unit), unlock the unit, or switch the rule off "
        "(Constraints.must_link = false).",
        ids, figures={"count": n})]


def unknown_seat_problems(units: pd.DataFrame, settlement_ids: Iterable[str]) -> list[Problem]:
    """An error for every unit whose ``seat`` is not a settlement id.

    The one check of the seat column, made by :func:`check_layers` and by
    :class:`townmerge.score.seats.SeatSelector`.

    Parameters
    ----------
    units : DataFrame
        Normalised units (index ``unit_id``; ``name``, ``seat`` columns).
    settlement_ids : iterable of str

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"name": ["甲镇"], "seat": ["S9"]}, index=["A"])
    >>> print(unknown_seat_problems(units, ["S1"])[0])  # doctest: +ELLIPSIS
    [error] units: 1 unit names a seat that is not in the settlements layer: A (甲镇) names S9. ...
    """
    if "seat" not in units.columns:
        return []
    known = set(settlement_ids)
    rows = _Rows.of(units, "unit")
    bad = [(k, s) for k, s in enumerate(_ident(v) for v in units["seat"])
           if s is not None and s not in known]
    if not bad:
        return []
    _, ids = rows.pick(k for k, _ in bad)
    n = len(bad)
    return [Problem(
        "error", "unknown-seat", "units",
        f"{_plural(n, 'unit')} {'names' if n == 1 else 'name'} a seat that is not in the "
        f"settlements layer: {format_ids([f'{rows.labels[k]} names {s}' for k, s in bad])}. "
        "A seat (驻地) is the id of a settlement: correct it (leading zeros lost? read as a "
        "number?), or leave it empty to take the unit's strongest town-level settlement.",
        ids, figures={"count": n})]


def terrain_problems(units: pd.DataFrame) -> list[Problem]:
    """An error for every unit whose ``terrain`` is not one of :data:`townmerge.config.TERRAINS`.

    Names are compared lower-cased and stripped; a blank terrain takes the
    default terrain. The one check of the terrain column, made by
    :func:`check_layers` and by :func:`townmerge.score.seats.unit_thresholds`.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"name": ["甲镇", "乙乡", "丙乡"],
    ...                       "terrain": ["swamp", None, "Plain"]}, index=["A", "B", "C"])
    >>> print(terrain_problems(units)[0].message)  # doctest: +ELLIPSIS
    1 unit has an unknown terrain: A (甲镇) = 'swamp'. The known terrains are plain, ...
    """
    if "terrain" not in units.columns:
        return []
    values = list(units["terrain"])
    bad = [i for i, v in enumerate(values)
           if not _is_missing(v) and str(v).strip() and str(v).strip().lower() not in TERRAINS]
    if not bad:
        return []
    rows = _Rows.of(units, "unit")
    labels, ids = rows.pick(bad)
    shown = [f"{label} = {_value_repr(values[i])}" for label, i in zip(labels, bad, strict=True)]
    return [Problem(
        "error", "bad-terrain", "units",
        f"{_plural(len(bad), 'unit')} {'has' if len(bad) == 1 else 'have'} an unknown terrain: "
        f"{format_ids(shown)}. The known terrains are {', '.join(TERRAINS)} (upper or lower "
        "case); correct the values, or leave them empty for the default terrain "
        "([thresholds] default_terrain).",
        ids, figures={"count": len(bad)})]


def flag_problems(frame: pd.DataFrame, columns: Iterable[str],
                  noun: Literal["unit", "settlement"] = "unit") -> list[Problem]:
    """An error per flag column holding anything but a yes/no flag.

    Flags are read by :func:`townmerge.data.columns.flag_values`; the message is
    :func:`townmerge.data.columns.bad_flags_message`, the one the later steps raise.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"name": ["松和藏族乡"], "locked": ["x"]}, index=["A"])
    >>> print(flag_problems(units, ["locked", "border_town"])[0])  # doctest: +ELLIPSIS
    [error] units: 1 unit has a locked value that is not a yes/no flag: A (松和藏族乡) = 'x'. ...
    """
    out: list[Problem] = []
    layer: LayerName = "units" if noun == "unit" else "settlements"
    rows: _Rows | None = None
    for col in dict.fromkeys(columns):
        if col not in frame.columns:
            continue
        values = list(frame[col])
        _, bad = flag_values(values)
        if not bad:
            continue
        rows = rows or _Rows.of(frame, noun)
        _, ids = rows.pick(bad)
        out.append(Problem(
            "error", "bad-flag", layer,
            bad_flags_message(col, [f"{rows.labels[k]} = {values[k]!r}" for k in bad], noun),
            ids, figures={"count": len(bad)}))
    return out


def gdp_problems(settlements: pd.DataFrame) -> list[Problem]:
    """An error for every settlement whose ``gdp`` is missing, negative or not a number.

    The one check of the gdp column, made by :func:`check_layers` and by
    :func:`townmerge.graph.flows.gravity_masses` (the economic mass is √(population × gdp)).

    Examples
    --------
    >>> import pandas as pd
    >>> st = pd.DataFrame({"name": ["甲村", "乙村"], "gdp": [4.0, None]}, index=["a", "b"])
    >>> print(gdp_problems(st)[0].message)  # doctest: +ELLIPSIS
    1 settlement has a missing or negative gdp: b (乙村). Fill it in, or drop the gdp column ...
    """
    if "gdp" not in settlements.columns:
        return []
    values = list(settlements["gdp"])
    bad = [i for i, v in enumerate(values) if _number_status(v) != "ok"]
    if not bad:
        return []
    rows = _Rows.of(settlements, "settlement")
    labels, ids = rows.pick(bad)
    n = len(bad)
    return [Problem(
        "error", "bad-gdp", "settlements",
        f"{_plural(n, 'settlement')} {'has' if n == 1 else 'have'} a missing or negative gdp: "
        f"{format_ids(labels)}. Fill {'it' if n == 1 else 'them'} in, or drop the gdp column "
        "to use the proxy population × weight of the settlement kind.",
        ids, figures={"count": n})]


def _name_problems(layer: LayerName, frame: pd.DataFrame, rows: _Rows) -> list[Problem]:
    if "name" not in frame.columns:
        return []
    nameless = [k for k, (i, n) in enumerate(zip(rows.ids, rows.names, strict=True))
                if n is None and i is not None]
    if not nameless:
        return []
    labels, ids = rows.pick(nameless)
    n = len(nameless)
    return [Problem(
        "warning", "missing-name", layer,
        f"{_plural(n, rows.noun)} {'has' if n == 1 else 'have'} no name: {format_ids(labels)}. "
        "The id stands in for the name in messages, reports and maps: fill in the names.",
        ids, figures={"count": n})]


# -- flows -----------------------------------------------------------------------------------
def _flow_problems(flows: pd.DataFrame, srows: _Rows | None) -> list[Problem]:
    out: list[Problem] = []
    missing_cols = [c for c in ("origin", "destination") if c not in flows.columns]
    if missing_cols:
        return [Problem(
            "error", "missing-column", "flows",
            f"The flows table has no column(s) {missing_cols}; its columns are "
            f"{[str(c) for c in flows.columns]}. Name them with origin=... / destination=....")]
    if len(flows) == 0:
        out.append(Problem(
            "error", "no-flows", "flows",
            "The flows table has a header but no rows, which would mean no flow at all between "
            "any settlements. List the observed flows (origin, destination and population, "
            "traffic or economic), or remove the table: flows are then estimated by the "
            "gravity model."))
    origin = [_ident(v) for v in flows["origin"]]
    dest = [_ident(v) for v in flows["destination"]]
    label_of: dict[str, str] = {}
    if srows is not None:
        for i, sid in enumerate(srows.ids):
            if sid is not None and sid not in label_of:
                label_of[sid] = srows.labels[i]

    def show(sid: str | None) -> str:
        return "(none)" if sid is None else label_of.get(sid, sid)

    value_cols = [c for c in FLOW_TYPES if c in flows.columns]
    if not value_cols:
        out.append(Problem(
            "error", "missing-column", "flows",
            f"The flows table has none of the flow columns {list(FLOW_TYPES)}; its columns "
            f"are {[str(c) for c in flows.columns]}. Name the flow values population, "
            "traffic or economic (人口流、交通流、经济流)."))

    if srows is not None:
        known = set(label_of)
        counts: dict[str, int] = {}
        blank = 0
        for o, d in zip(origin, dest, strict=True):
            for sid in (o, d):
                if sid is None:
                    blank += 1
                elif sid not in known:
                    counts[sid] = counts.get(sid, 0) + 1
        if counts or blank:
            labels = [f"{sid} (in {_plural(c, 'flow')})" for sid, c in counts.items()]
            none = (f"{_plural(blank, 'endpoint')} {_are(blank)} empty. " if blank else "")
            listed = (f"{_plural(len(counts), 'settlement id')} {_are(len(counts))} not in the "
                      f"settlements layer: {format_ids(labels)}. " if counts else "")
            out.append(Problem(
                "error", "unknown-flow-endpoint", "flows",
                f"Flows name settlements that do not exist: {listed}{none}Every origin and "
                "destination must be a settlement id: correct the ids (leading zeros lost? "
                "numbers read as decimals?), add the settlements, or drop those flows.",
                tuple(counts), figures={"unknown": len(counts), "empty": blank}))

    pair = [f"{o}→{d}" for o, d in zip(origin, dest, strict=True)]
    bad_labels: list[str] = []
    bad_pos: set[int] = set()
    counts_by: dict[str, int] = {}
    for col in value_cols:
        values = list(flows[col])
        for status, pos in _bad_numbers(values, MAX_FLOW).items():
            key = status.replace(" ", "_")
            counts_by[key] = counts_by.get(key, 0) + len(pos)
            for i in pos:
                shown = "missing" if status == "missing" else f"{_value_repr(values[i])}"
                bad_labels.append(f"{show(origin[i])} → {show(dest[i])} {col} = {shown}")
                bad_pos.add(i)
    if bad_labels:
        ids = tuple(dict.fromkeys(pair[i] for i in sorted(bad_pos)))
        out.append(Problem(
            "error", "bad-flow", "flows",
            f"{_plural(len(bad_labels), 'flow value')} {_are(len(bad_labels))} missing, "
            f"negative, not a number or above {MAX_FLOW:,.0f}: {format_ids(bad_labels)}. "
            "Flows must be numbers >= 0: write 0 where there is no flow, and plain numbers "
            "without units or thousands separators.",
            ids, figures=counts_by))

    seen: dict[tuple[str, str], int] = {}
    for o, d in zip(origin, dest, strict=True):
        if o is not None and d is not None:
            seen[(o, d)] = seen.get((o, d), 0) + 1
    twice = {k: c for k, c in seen.items() if c > 1}
    if twice:
        labels = [f"{show(o)} → {show(d)} ×{c}" for (o, d), c in twice.items()]
        n = len(twice)
        out.append(Problem(
            "warning", "duplicate-flow", "flows",
            f"{_plural(n, 'origin → destination pair')} {_are(n)} listed more than once: "
            f"{format_ids(labels)}. The values of a pair's rows are added up (a pair listed "
            "twice counts twice): if the rows repeat one flow rather than parts of it (by mode, "
            "by purpose), remove the repeated rows.",
            tuple(f"{o}→{d}" for o, d in twice), figures={"pairs": n}))

    loops = [i for i, (o, d) in enumerate(zip(origin, dest, strict=True))
             if o is not None and o == d]
    if loops:
        sids = tuple(dict.fromkeys(o for o in (origin[i] for i in loops) if o is not None))
        out.append(Problem(
            "warning", "self-flow", "flows",
            f"{_plural(len(loops), 'flow')} {'goes' if len(loops) == 1 else 'go'} from a "
            f"settlement to itself: {format_ids([show(s) for s in sids])}. Such flows link "
            "nothing and are not used: remove them from the table.",
            sids, figures={"count": len(loops)}))
    return out


# -- roads -----------------------------------------------------------------------------------
def _road_problems(roads: gpd.GeoDataFrame) -> list[Problem]:
    out: list[Problem] = []
    geoms = _geoms(roads)
    rows = _road_rows(roads, geoms)
    empty = _missing_geometry(geoms)
    types = _type_names(geoms)
    wrong = ~empty & ~np.isin(types, _LINEAR)
    if wrong.any():
        pos = np.flatnonzero(wrong)
        labels = [f"{rows.labels[i]} is a {types[i]}" for i in pos]
        _, ids = rows.pick(pos)
        out.append(Problem(
            "error", "not-line", "roads",
            f"{_plural(len(pos), 'road')} {_are(len(pos))} not lines: {format_ids(labels)}. "
            "Roads are given as LineString or MultiLineString geometries: convert or drop the "
            "others.",
            ids))
    if empty.any():
        labels, ids = rows.pick(np.flatnonzero(empty))
        out.append(Problem(
            "warning", "empty-geometry", "roads",
            f"{_plural(len(labels), 'road')} {'has' if len(labels) == 1 else 'have'} an empty "
            f"or missing geometry: {format_ids(labels)}. They carry no road and are ignored; "
            "drop them from the layer.",
            ids))
    return out


def road_speed_problems(roads: pd.DataFrame) -> list[Problem]:
    """An error for every road whose ``speed_kmh`` is not a speed in (0, :data:`MAX_SPEED_KMH`].

    A blank speed takes the road class speed. Roads are named by their id or
    name column, else by a point on them in the layer's own CRS. The one check
    of road speeds, made by :func:`check_layers` and by
    :func:`townmerge.graph.travel.road_graph`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString
    >>> roads = gpd.GeoDataFrame({"road_id": ["R1", "R2"], "name": ["G318", None],
    ...     "speed_kmh": [0, None]}, geometry=[LineString([(0, 0), (1, 1)])] * 2,
    ...     crs="EPSG:4326")
    >>> p = road_speed_problems(roads)[0]
    >>> p.code, p.ids, "R1 (G318) = 0" in p.message
    ('bad-speed', ('R1',), True)
    """
    if "speed_kmh" not in roads.columns:
        return []
    values = list(roads["speed_kmh"])
    bad = [k for k, v in enumerate(values) if _bad_speed(v)]
    if not bad:
        return []
    if _has_geometry(roads):
        rows = _road_rows(roads, _geoms(roads))
    else:
        rows = _road_rows(roads, np.full(len(roads), None, dtype=object))
    _, ids = rows.pick(bad)
    n = len(bad)
    shown = [f"{rows.labels[k]} = {_value_repr(values[k])}" for k in bad]
    return [Problem(
        "error", "bad-speed", "roads",
        f"{_plural(n, 'road')} {'has' if n == 1 else 'have'} a speed_kmh that is not a speed "
        f"above 0 and up to {MAX_SPEED_KMH:,.0f} km/h: {format_ids(shown)}. Give the road's "
        "speed in km/h as a plain number, or leave it empty to use its road class speed.",
        ids, figures={"count": n})]


def _bad_speed(v: object) -> bool:
    status = _number_status(v, MAX_SPEED_KMH)
    if status == "missing":
        return False
    return status != "ok" or float(v) <= 0  # type: ignore[arg-type]


def _road_rows(roads: gpd.GeoDataFrame, geoms: np.ndarray) -> _Rows:
    """Roads are named by an id or name column, else by where they are (never by position)."""
    id_col = next((c for c in ("road_id", "id", "osm_id", "code") if c in roads.columns), None)
    if id_col is not None:
        ids = tuple(_ident(v) for v in roads[id_col])
    elif isinstance(roads.index, pd.RangeIndex):
        ids = (None,) * len(roads)
    else:
        ids = tuple(_ident(v) for v in roads.index)
    names = (tuple(_text(v) for v in roads["name"]) if "name" in roads.columns
             else (None,) * len(roads))
    points = shapely.point_on_surface(geoms)
    labels = []
    for i, (ident, name) in enumerate(zip(ids, names, strict=True)):
        if ident is not None or name is not None:
            labels.append(_Rows.label("road", ident, name))
        elif shapely.is_missing(points[i]) or shapely.is_empty(points[i]):
            labels.append("a road without id, name or geometry")
        else:
            labels.append(f"a road at ({points[i].x:.6g}, {points[i].y:.6g})")
    return _Rows("road", ids, names, tuple(labels))


def _road_network_problems(
    roads: gpd.GeoDataFrame, lines: np.ndarray, frame: _Frame, points: np.ndarray | None,
    srows: _Rows | None, travel: TravelParams,
) -> list[Problem]:
    """Warnings: road ends just short of a road, network parts apart, settlements off-road."""
    usable = np.isin(_type_names(lines), _LINEAR) & ~_missing_geometry(lines)
    if not usable.any():
        return []
    geoms = np.array(lines, dtype=object)
    geoms[~usable] = None
    noded = node_roads(geoms, snap_m=travel.snap_m, join_crossings=travel.join_crossings)
    checks = road_checks(noded, geoms, dangle_m=travel.dangle_m)
    rows = _road_rows(roads, _geoms(roads))
    back = None
    if frame.metric is not None and frame.source is not None and frame.metric != frame.source:
        back = frame.metric, frame.source
    geographic = frame.source is not None and frame.source.is_geographic

    def located_at(xy: np.ndarray) -> list[str]:
        """Coordinates in the input CRS, and the nearest settlement."""
        pts: np.ndarray = np.asarray(shapely.points(xy), dtype=object)
        if back is not None:
            pts = _project(pts, back[0], back[1])
        coords = shapely.get_coordinates(pts)
        fmt = "{:.5f}, {:.5f}" if geographic else "{:.1f}, {:.1f}"
        out = [f"({fmt.format(x, y)})" for x, y in coords]
        if srows is not None and points is not None:
            ok = np.flatnonzero((_type_names(points) == _POINT) & ~_missing_geometry(points))
            if len(ok):
                d, k = cKDTree(shapely.get_coordinates(points[ok])).query(xy)
                out = [f"{o} near {srows.labels[ok[j]]} ({_distance(dd)})"
                       for o, j, dd in zip(out, k, d, strict=True)]
        return out

    out: list[Problem] = []
    if checks.dangles.size:
        owner = np.full(noded.n_nodes, -1, dtype=np.int64)
        owner[noded.end_node.ravel()] = np.repeat(noded.part_row, 2)
        own = owner[checks.dangles]
        labels = [f"{rows.labels[r]} ends {g:.1f} m from another road at {w}"
                  for r, g, w in zip(own, checks.dangle_gap_m, located_at(noded.xy[checks.dangles]),
                                     strict=True)]
        _, ids = rows.pick(own)
        n = len(labels)
        out.append(Problem(
            "warning", "road-dangle", "roads",
            f"{_plural(n, 'road end')} {'stops' if n == 1 else 'stop'} short of another road "
            f"(closer than {travel.dangle_m:g} m, farther than snap_m = {travel.snap_m:g} m), "
            f"so {'it does' if n == 1 else 'they do'} not join it: {format_ids(labels)}. "
            "Travel times cannot use such a junction. Snap the ends to the road (QGIS: Snap "
            "geometries to layer), or raise [travel] snap_m if these gaps are all junctions.",
            ids, figures={"count": n, "max_gap_m": float(checks.dangle_gap_m.max())}))
    if checks.minor.size:
        comp = checks.components
        _, first_of = np.unique(comp, return_index=True)
        first = first_of[checks.minor]
        pieces = np.bincount(comp[noded.u], minlength=first_of.size)[checks.minor]
        labels = [f"{k} road piece(s) at {w}"
                  for k, w in zip(pieces.tolist(), located_at(noded.xy[first]), strict=True)]
        n = len(labels)
        out.append(Problem(
            "warning", "road-disconnected", "roads",
            f"The road network falls into {n + 1} parts that do not connect; besides the "
            f"largest: {format_ids(labels)}. Trips between settlements on different parts "
            "use the straight-line fallback. Join the parts where roads really meet (a "
            "missing link, an end short of a junction), or set [travel] join_crossings = true "
            "if the layer has no vertices where roads cross.",
            figures={"parts": n + 1}))
    if points is not None and srows is not None and noded.n_nodes:
        ok = np.flatnonzero((_type_names(points) == _POINT) & ~_missing_geometry(points))
        if len(ok):
            d, _ = cKDTree(noded.xy).query(shapely.get_coordinates(points[ok]))
            far = ok[d > travel.max_access_m]
            if far.size:
                dist = d[d > travel.max_access_m]
                pts = np.asarray(shapely.get_coordinates(points[far]))
                coords = located_at(pts)
                labels = [f"{srows.labels[i]} at {c.split(' near ')[0]}: {_distance(x)}"
                          for i, c, x in zip(far, coords, dist, strict=True)]
                _, ids = srows.pick(far)
                out.append(Problem(
                    "warning", "far-from-road", "settlements",
                    f"{_plural(far.size, 'settlement')} {_are(far.size)} farther than "
                    f"{_distance(travel.max_access_m)} (max_access_m) from every road node: "
                    f"{format_ids(labels)}. Their travel times are straight-line estimates. "
                    "Add the roads that serve them, or check their coordinates.",
                    ids, figures={"count": int(far.size)}))
    return out
