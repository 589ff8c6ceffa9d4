"""Check the layers of a study area and report every problem at once.

:func:`check_layers` runs every check on the normalised layers (see
:mod:`townmerge.data.columns`) and returns a :class:`~townmerge.data.problems.ValidationReport`
that lists each :class:`~townmerge.data.problems.Problem`: fatal ones (``severity="error"``),
which stop a study area from being built, and warnings, which do not. Each problem names the
features concerned by id *and* name (``511025101 (青杠镇)``), says what was expected and
how to fix the input.

The checks themselves live by the layer they check: :mod:`~townmerge.data.check_columns`
(attribute columns), :mod:`~townmerge.data.check_crs` (the metric frame),
:mod:`~townmerge.data.check_units`, :mod:`~townmerge.data.check_settlements`,
:mod:`~townmerge.data.check_flows` and :mod:`~townmerge.data.check_roads`; this module
runs them in order, each whatever the others find.

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

import geopandas as gpd
import numpy as np
import pandas as pd

from ..config import Config, TravelParams
from .check_columns import (
    approximate_problems,
    flag_problems,
    gdp_problems,
    id_problems,
    name_problems,
    population_problems,
    terrain_problems,
)
from .check_crs import CheckFrame, distortion_problems
from .check_flows import flow_problems
from .check_roads import road_network_problems, road_problems, road_speed_problems
from .check_settlements import (
    Located,
    locate_settlements,
    seat_problems,
    settlement_geometry_problems,
    settlement_unit_problems,
    unknown_seat_problems,
)
from .check_units import Tolerances, UnitTopology, topology_problems, unit_geometry_problems
from .features import FeatureRows
from .problems import Problem, ValidationReport

__all__ = ["check_layers"]


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
    and populations above
    :data:`~townmerge.data.check_columns.MAX_POPULATION`. Warnings: gaps and slivers
    between units, overlaps below ``overlap_area_m2``, multi-part units, units
    touching no other unit, units without a settlement or without a name,
    flows from a settlement to itself, a pair of settlements listed in several
    flow rows (their values are added up), a ``seat`` in another unit, a
    projected CRS replaced as not metric in practice, units the metric CRS
    distorts, road ends just short of another road, parts of the road network
    that do not connect, settlements far from every road.

    Each check that a later step also makes is one public function used by
    both (:func:`~townmerge.data.check_columns.terrain_problems`,
    :func:`~townmerge.data.check_settlements.unknown_seat_problems`,
    :func:`~townmerge.data.check_columns.flag_problems`,
    :func:`~townmerge.data.check_roads.road_speed_problems`), so a study area
    that passes is never refused later for the same reason.

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
    tol = Tolerances(float(sliver_width_m), float(gap_area_m2), float(overlap_area_m2))
    problems: list[Problem] = []

    urows = FeatureRows.of(units, "unit")
    if len(urows) == 0:
        problems.append(Problem(
            "error", "no-units", "units",
            "The units layer has no units: give the township polygons of the study area."))
    cfg = config or Config()
    problems += id_problems("units", urows)
    problems += population_problems("units", units, urows)
    problems += name_problems("units", units, urows)
    problems += terrain_problems(units)
    problems += flag_problems(units, ("locked", cfg.constraints.border_town_column))
    problems += approximate_problems(units, urows)

    frame = CheckFrame.of_units(units, problems, crs)
    topo: UnitTopology | None = None
    if frame.units is not None:
        problems += unit_geometry_problems(units, urows)
        problems += distortion_problems(frame, units, urows)
        topo = UnitTopology.build(frame.units)
        problems += topology_problems(topo, urows, tol)

    srows: FeatureRows | None = None
    located: Located | None = None
    points: np.ndarray | None = None
    if settlements is not None:
        srows = FeatureRows.of(settlements, "settlement")
        problems += id_problems("settlements", srows)
        problems += population_problems("settlements", settlements, srows)
        problems += name_problems("settlements", settlements, srows)
        problems += gdp_problems(settlements)
        problems += flag_problems(settlements, (cfg.seats.hazard_column,
                                                cfg.tiers.specialty_column), "settlement")
        points = frame.other_layer("settlements", settlements, problems)
        if points is not None:
            problems += settlement_geometry_problems(settlements, srows)
            if topo is not None:
                located = locate_settlements(points, topo, tol)
        problems += settlement_unit_problems(settlements, srows, urows, located)
        problems += unknown_seat_problems(units, [s for s in srows.ids if s is not None])
        problems += seat_problems(units, urows, settlements, srows, located, cfg, topo)

    if flows is not None:
        problems += flow_problems(flows, srows)

    if roads is not None:
        road_frame = roads.to_frame() if isinstance(roads, gpd.GeoSeries) else roads
        lines = frame.other_layer("roads", road_frame, problems)
        if lines is not None:
            problems += road_problems(road_frame)
            problems += road_network_problems(road_frame, lines, frame, points, srows,
                                               travel or TravelParams())
            problems += road_speed_problems(road_frame)

    ordered = [p for p in problems if p.is_error] + [p for p in problems if not p.is_error]
    return ValidationReport(tuple(ordered))
