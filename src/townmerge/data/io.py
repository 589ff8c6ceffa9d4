"""Read and write study areas and plans.

A study area is stored as a folder (``units.geojson``, ``settlements.geojson``,
``flows.csv``, ``roads.geojson``) or as a GeoPackage with layers of those names;
units alone may also come from GeoParquet or a Shapefile. GeoJSON is written by
our own deterministic writer (fixed coordinate precision, properties in column
order, UTF-8 names as given) so that the same data gives the same bytes.

Plans are CSV files with ``unit_id,new_unit_id`` and optional ``new_name,seat``.

Examples
--------
>>> import tempfile, pathlib
>>> from townmerge.data.plan import Plan
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> p = Plan.from_mapping({"A": "A", "B": "A"}, names={"A": "甲镇"})
>>> read_plan(write_plan(p, d / "plan.csv")) == p
True
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from ..config import Config
from ..errors import InputError, PlanError, format_ids
from .atomic import atomic_folder, atomic_open, atomic_write_with
from .columns import ColumnMap, normalize_flows, normalize_settlements, normalize_units
from .crs import require_crs
from .model import StudyArea
from .plan import Plan
from .territories import approximate_villages
from .textio import read_csv_table
from .validation import ValidationReport, check_layers

__all__ = [
    "Layers",
    "read_layers",
    "read_plan",
    "read_study_area",
    "validate",
    "write_geojson",
    "write_layers",
    "write_plan",
    "write_study_area",
]

PathLike = str | os.PathLike[str]
LAYERS = ("units", "settlements", "flows", "roads")
_UNIT_SUFFIXES = (".geojson", ".json", ".gpkg", ".parquet", ".shp", ".fgb")


@dataclass(frozen=True)
class Layers:
    """The layers of a study area as read, before validation."""

    units: gpd.GeoDataFrame
    settlements: gpd.GeoDataFrame | None = None
    flows: pd.DataFrame | None = None
    roads: gpd.GeoDataFrame | None = None
    crs: CRS | None = None  # the CRS to measure in, when the user gave one


def _read_vector(path: Path, layer: str | None = None) -> gpd.GeoDataFrame:
    what = f"layer {layer!r} of {str(path)!r}" if layer else repr(str(path))
    try:
        if path.stat().st_size == 0:
            raise InputError(f"The file {str(path)!r} is empty (0 bytes): export the layer "
                             "again, or remove the file if the layer is optional.")
        if path.suffix == ".parquet":
            return gpd.read_parquet(path)
        return gpd.read_file(path, layer=layer, engine="pyogrio")
    except InputError:
        raise
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
            pyogrio.errors.FieldError, pyogrio.errors.GeometryError, OSError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"Cannot read {what}: {reason[:300]}. The file is damaged or "
                         "truncated, or not in the format its name says; export it again "
                         "(GeoJSON, GeoPackage, Shapefile or GeoParquet).") from None


def _read_flows_csv(path: Path, cm: ColumnMap, encoding: str | None = None) -> pd.DataFrame:
    ids = {cm.origin or "origin": str, cm.destination or "destination": str}
    return read_csv_table(path, "flows table", encoding=encoding, dtype=ids,
                          keep_default_na=True)


def read_layers(path: PathLike, *, columns: ColumnMap | None = None,
                units_layer: str = "units", encoding: str | None = None,
                crs: object = None) -> Layers:
    """Read the layers of a study area from a folder, a GeoPackage or a units file.

    Parameters
    ----------
    path : str or PathLike
        A folder holding ``units.*`` (GeoJSON, GeoPackage, GeoParquet,
        Shapefile) and optionally ``settlements.*``, ``flows.csv``,
        ``roads.*``; or a GeoPackage with layers ``units`` (or a single layer),
        ``settlements``, ``flows``, ``roads``; or one file of units.
    columns : ColumnMap, optional
        Used to read the flows' endpoint columns as text.
    units_layer : str, default "units"
        Name of the layer (file stem) that holds the units, e.g. ``"villages"``.
    encoding : str, optional
        Encoding of ``flows.csv``; by default UTF-8 (with or without BOM), else
        GB18030/GBK (see :mod:`townmerge.data.textio`).
    crs : object, optional
        The projected CRS in metres to measure the study area in, kept as
        :attr:`Layers.crs` (see :class:`townmerge.StudyArea`); the layers
        themselves stay in their own CRS.

    Returns
    -------
    Layers

    Raises
    ------
    InputError
        When the path or the units layer does not exist, or a file is empty,
        truncated, damaged or in an encoding that cannot be decoded.
    """
    cm = columns or ColumnMap()
    wanted = require_crs(crs, "requested") if crs is not None else None
    p = Path(path)
    if not p.exists():
        raise InputError(f"No such file or folder: {str(p)!r}.")
    if p.is_dir():
        found: dict[str, Any] = {}
        for layer in LAYERS:
            if layer == "flows":
                f = p / "flows.csv"
                found[layer] = _read_flows_csv(f, cm, encoding) if f.exists() else None
                continue
            stem = units_layer if layer == "units" else layer
            files = [p / f"{stem}{s}" for s in _UNIT_SUFFIXES if (p / f"{stem}{s}").exists()]
            found[layer] = _read_vector(files[0]) if files else None
        if found["units"] is None:
            raise InputError(
                f"The folder {str(p)!r} has no {units_layer} file: expected one of "
                f"{[f'{units_layer}{s}' for s in _UNIT_SUFFIXES]}."
            )
        return Layers(**found, crs=wanted)
    if p.suffix == ".gpkg":
        try:
            names = [str(n) for n, _ in pyogrio.list_layers(p)]
        except (pyogrio.errors.DataSourceError, OSError) as exc:
            raise InputError(f"Cannot read the GeoPackage {str(p)!r}: {str(exc)[:300]}. It is "
                             "empty, damaged or not a GeoPackage; export it again.") from None
        if units_layer not in names:
            if units_layer == "units" and len(names) == 1:
                units_layer = names[0]
            else:
                raise InputError(f"The GeoPackage {str(p)!r} has no layer {units_layer!r}; its "
                                 f"layers are {names}.")
        layers: dict[str, Any] = {"units": _read_vector(p, units_layer)}
        for layer in ("settlements", "roads"):
            layers[layer] = _read_vector(p, layer) if layer in names else None
        if "flows" in names:
            flows = pyogrio.read_dataframe(p, layer="flows", read_geometry=False)
            for c in (cm.origin or "origin", cm.destination or "destination"):
                if c in flows.columns:
                    flows[c] = flows[c].astype(object).where(flows[c].notna(), None)
            layers["flows"] = pd.DataFrame(flows)
        else:
            layers["flows"] = None
        return Layers(**layers, crs=wanted)
    if p.suffix in _UNIT_SUFFIXES:
        return Layers(units=_read_vector(p), crs=wanted)
    raise InputError(f"Cannot read {str(p)!r}: expected a folder, a GeoPackage, or a units file "
                     f"ending in one of {list(_UNIT_SUFFIXES)}.")


def read_study_area(
    path: PathLike, *, level: Literal["townships", "villages"] = "townships",
    columns: ColumnMap | None = None, encoding: str | None = None, crs: object = None,
    **column_keywords: str
) -> StudyArea:
    """Read and validate a study area.

    Parameters
    ----------
    path : str or PathLike
        See :func:`read_layers`.
    level : {"townships", "villages"}, default "townships"
        ``villages``: the units are the village territories of the
        ``villages`` layer (id ``village_id``), their township (column
        ``unit``) becomes their ``parent`` and gives them its terrain, each
        village's seat is its most populous settlement, and settlements are
        placed in villages by their points. Use with
        :meth:`townmerge.Config.for_villages` and ``within=`` of
        :func:`townmerge.generate_plan` to nest a village plan in a township plan.
    columns : ColumnMap, optional
        Column roles; alternatively give them as keywords.
    encoding : str, optional
        Encoding of ``flows.csv`` (default: UTF-8 with or without BOM, else
        GB18030/GBK).
    crs : object, optional
        The projected CRS in metres to measure in, e.g. ``"EPSG:2154"`` (see
        :class:`townmerge.StudyArea`).
    **column_keywords : str
        Column roles such as ``unit_id="code"``, ``unit_name="nom"``,
        ``population="POP2020"``.

    Returns
    -------
    StudyArea

    Raises
    ------
    InputError
        Listing every fatal problem of the input.

    Examples
    --------
    >>> import tempfile, pathlib, geopandas as gpd
    >>> from shapely import box
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> gpd.GeoDataFrame({"code": ["A"], "nom": ["Angers"]}, geometry=[box(0, 47, .1, 47.1)],
    ...                  crs="EPSG:4326").to_file(d / "units.geojson")
    >>> read_study_area(d, unit_id="code", unit_name="nom").units.loc["A", "name"]
    'Angers'
    """
    cm = columns or ColumnMap.from_kwargs(**column_keywords)
    if level not in ("townships", "villages"):
        raise InputError(f"level must be 'townships' or 'villages', not {level!r}.")
    lay = (_village_layers(path, cm, encoding, crs) if level == "villages"
           else read_layers(path, columns=cm, encoding=encoding, crs=crs))
    return StudyArea(lay.units, lay.settlements, lay.flows, lay.roads, columns=cm,
                     crs=crs)


def _village_layers(path: PathLike, cm: ColumnMap, encoding: str | None = None,
                    crs: object = None) -> Layers:
    """The layers of a village-level study area (see :func:`read_study_area`)."""
    has_villages = _has_layer(Path(path), "villages")
    lay = read_layers(path, columns=cm, units_layer="villages" if has_villages else "units",
                      encoding=encoding, crs=crs)
    villages = lay.units.copy()
    if not has_villages or _all_points(villages):
        villages = approximate_villages(read_layers(path, columns=cm).units,
                                        villages if has_villages else lay.settlements, cm,
                                        from_settlements=not has_villages, crs=crs)
    if cm.unit_id is None and "village_id" in villages.columns:
        villages = villages.rename(columns={"village_id": "unit_id"})
    if cm.parent is None and "parent" not in villages.columns and "unit" in villages.columns:
        villages = villages.rename(columns={"unit": "parent"})
    upper = read_layers(path, columns=cm).units
    if "terrain" not in villages.columns and "parent" in villages.columns \
            and "terrain" in upper.columns:
        id_col = cm.unit_id or next((c for c in ("unit_id", "id", "code") if c in upper.columns),
                                    None)
        if id_col is not None:
            terrain = dict(zip(upper[id_col].astype(str), upper["terrain"], strict=True))
            villages["terrain"] = villages["parent"].astype(str).map(terrain)
    settlements = lay.settlements
    if settlements is not None:
        settlements = settlements.drop(columns=[cm.settlement_unit or "unit"], errors="ignore")
        if "seat" not in villages.columns and cm.seat is None:
            id_col = "unit_id" if "unit_id" in villages.columns else cm.unit_id
            sid = cm.settlement_id or next(
                (c for c in ("settlement_id", "id", "code") if c in settlements.columns), None)
            pop = cm.settlement_population or "population"
            if id_col and sid and pop in settlements.columns:
                pts = settlements.to_crs(villages.crs) if villages.crs is not None else settlements
                joined = gpd.sjoin(pts[[sid, pop, "geometry"]], villages[[id_col, "geometry"]],
                                   predicate="covered_by")
                top = joined.sort_values(pop, ascending=False).drop_duplicates(id_col)
                villages["seat"] = villages[id_col].map(dict(zip(top[id_col], top[sid],
                                                                 strict=True)))
    return Layers(villages, settlements, lay.flows, lay.roads, crs=lay.crs)


def _has_layer(p: Path, name: str) -> bool:
    """Whether a folder or GeoPackage holds the layer ``name`` (a single file: assumed so)."""
    if p.is_dir():
        return any((p / f"{name}{s}").exists() for s in _UNIT_SUFFIXES)
    if p.suffix == ".gpkg" and p.exists():
        try:
            return name in [str(n) for n, _ in pyogrio.list_layers(p)]
        except (pyogrio.errors.DataSourceError, OSError):
            return True  # let read_layers name the damage
    return True


def _all_points(gdf: gpd.GeoDataFrame) -> bool:
    kinds = shapely.get_type_id(np.asarray(gdf.geometry.array, dtype=object))
    return len(gdf) > 0 and bool(np.isin(kinds, (0, -1)).all() and (kinds == 0).any())


def validate(
    area_or_path: StudyArea | PathLike, *, columns: ColumnMap | None = None,
    encoding: str | None = None, crs: object = None, config: Config | None = None,
    level: Literal["townships", "villages"] = "townships", **column_keywords: str,
) -> ValidationReport:
    """List every problem of a study area or of the files of one.

    A :class:`StudyArea` has passed validation when it was built, so its
    report holds warnings only; a path is read and checked without building
    the area, so fatal problems are listed rather than raised.

    Parameters
    ----------
    area_or_path : StudyArea or str or PathLike
    columns : ColumnMap, optional
    config : Config, optional
        Names of the flag columns checked (border towns, hazard zones,
        specialty settlements); default :class:`townmerge.Config`.
    encoding : str, optional
        Encoding of ``flows.csv``, as for :func:`read_study_area`.
    crs : object, optional
        The projected CRS in metres to measure in, as for :func:`read_study_area`.
    config : Config, optional
        Its ``travel`` settings say how roads are joined for the road checks.
    level : {"townships", "villages"}, default "townships"
        Which units to check, as for :func:`read_study_area`; village
        territories approximated from points are named in an
        ``approximate-territories`` warning.
    **column_keywords : str
        Column roles, as for :func:`read_study_area`.

    Returns
    -------
    ValidationReport

    Examples
    --------
    >>> import tempfile, pathlib, geopandas as gpd
    >>> from shapely import box
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> gpd.GeoDataFrame({"id": ["A", "A"], "name": ["甲", "乙"]},
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:32648").to_file(d / "u.gpkg")
    >>> validate(d / "u.gpkg").ok
    False
    """
    if isinstance(area_or_path, StudyArea):
        return area_or_path.report
    cm = columns or ColumnMap.from_kwargs(**column_keywords)
    if level not in ("townships", "villages"):
        raise InputError(f"level must be 'townships' or 'villages', not {level!r}.")
    lay = (_village_layers(area_or_path, cm, encoding, crs) if level == "villages"
           else read_layers(area_or_path, columns=cm, encoding=encoding, crs=crs))
    return check_layers(
        normalize_units(lay.units, cm),
        normalize_settlements(lay.settlements, cm) if lay.settlements is not None else None,
        normalize_flows(lay.flows, cm) if lay.flows is not None else None,
        lay.roads, crs=lay.crs, travel=config.travel if config is not None else None,
        config=config,
    )


# -- writing -----------------------------------------------------------------------------------
def _precision(crs: CRS) -> int:
    return 7 if crs.is_geographic else 3


def _json_value(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) else f
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_json_value(x) for x in v]
    if v is pd.NA or v is pd.NaT:
        return None
    return str(v)


def _column_values(col: pd.Series) -> list[Any]:
    values = [_json_value(v) for v in col.tolist()]
    if pd.api.types.is_float_dtype(col.dtype):
        finite = [v for v in values if v is not None]
        if finite and all(float(v).is_integer() and abs(v) < 2**53 for v in finite):
            values = [None if v is None else int(v) for v in values]
    return values


def _round_coords(obj: Any, ndigits: int) -> Any:
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(float(c), ndigits) for c in obj]
        return [_round_coords(o, ndigits) for o in obj]
    return obj


def write_geojson(gdf: gpd.GeoDataFrame, path: PathLike, *, id_name: str | None = None,
                  precision: int | None = None) -> Path:
    """Write a GeoDataFrame as GeoJSON, deterministically.

    The index is written as the first property (named ``id_name`` or the
    index's name); coordinates are rounded to ``precision`` decimals (7 for
    geographic CRSs, 3 for projected ones); a CRS other than EPSG:4326 is
    recorded in a ``crs`` member that GDAL reads back. The file is written
    whole or not at all (:mod:`townmerge.data.atomic`).

    Parameters
    ----------
    gdf : GeoDataFrame
    path : str or PathLike
    id_name : str, optional
    precision : int, optional

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile, pathlib, geopandas as gpd
    >>> from shapely import Point
    >>> g = gpd.GeoDataFrame({"name": ["白鹤村"]}, geometry=[Point(104.1, 30.6)],
    ...                      index=pd.Index(["1"], name="settlement_id"), crs="EPSG:4490")
    >>> out = write_geojson(g, pathlib.Path(tempfile.mkdtemp()) / "s.geojson")
    >>> gpd.read_file(out).crs.to_epsg(), gpd.read_file(out).loc[0, "name"]
    (4490, '白鹤村')
    """
    if gdf.crs is None:
        raise InputError("Cannot write a layer without a CRS; set one with gdf.set_crs(...).")
    crs = CRS.from_user_input(gdf.crs)
    epsg = crs.to_epsg()
    if epsg is None:
        raise InputError(f"GeoJSON can only record an EPSG CRS; {crs.name!r} has no EPSG code. "
                         "Write a GeoPackage instead, or reproject.")
    ndigits = _precision(crs) if precision is None else precision
    geom_col = gdf.geometry.name
    props = gdf.drop(columns=[geom_col])
    id_name = id_name or (str(gdf.index.name) if gdf.index.name is not None else None)
    columns: dict[str, list[Any]] = {}
    if id_name is not None:
        columns[id_name] = [_json_value(v) for v in gdf.index.tolist()]
    for c in props.columns:
        columns[str(c)] = _column_values(props[c])
    geoms = gdf.geometry.array
    features = []
    for i in range(len(gdf)):
        g = geoms[i]
        geometry = None
        if g is not None and not g.is_empty:
            mapping = shapely.geometry.mapping(g)
            geometry = {"type": mapping["type"],
                        "coordinates": _round_coords(mapping["coordinates"], ndigits)}
        features.append({
            "type": "Feature",
            "properties": {k: v[i] for k, v in columns.items()},
            "geometry": geometry,
        })
    doc: dict[str, Any] = {"type": "FeatureCollection"}
    if epsg != 4326:
        doc["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{epsg}"}}
    doc["features"] = features
    out = Path(path)
    with atomic_open(out, encoding="utf-8", newline="\n") as fh:
        fh.write('{"type": "FeatureCollection",\n')
        if "crs" in doc:
            fh.write('"crs": ' + json.dumps(doc["crs"], ensure_ascii=False) + ",\n")
        fh.write('"features": [\n')
        fh.write(",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":"))
                            for f in features))
        fh.write("\n]}\n")
    return out


def write_layers(path: PathLike, layers: Layers, *,
                 extra: dict[str, gpd.GeoDataFrame] | None = None) -> Path:
    """Write layers (ids as index) to a folder of GeoJSON + CSV, or to a GeoPackage.

    All the folder's files are replaced together, or none
    (:func:`townmerge.data.atomic.atomic_folder`); a GeoPackage is written whole or not at all.

    Parameters
    ----------
    path : str or PathLike
        A folder, or a file ending in ``.gpkg``.
    layers : Layers
        Frames indexed by id (``unit_id``, ``settlement_id``); flows and roads as they are.
    extra : dict, optional
        Further spatial layers to write beside them (e.g. ``villages``).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    OutputError
        When the output cannot be written; the previous files are left as they were.
    """
    out = Path(path)
    spatial = {"units": layers.units, "settlements": layers.settlements, "roads": layers.roads,
               **(extra or {})}
    flows = layers.flows
    if out.suffix == ".gpkg":
        def write_gpkg(tmp: Path) -> None:
            for name, gdf in spatial.items():
                if gdf is not None:
                    frame = gdf.reset_index() if gdf.index.name is not None else gdf
                    pyogrio.write_dataframe(frame, tmp, layer=name, driver="GPKG")
            if flows is not None:
                pyogrio.write_dataframe(flows.reset_index(drop=True), tmp, layer="flows",
                                        driver="GPKG")

        return atomic_write_with(out, write_gpkg)  # whole file or the previous one
    with atomic_folder(out) as files:  # every file of the folder, or the previous ones
        for name, gdf in spatial.items():
            if gdf is not None:
                write_geojson(gdf, files.path(f"{name}.geojson"))
            else:
                files.remove(f"{name}.geojson")
        if flows is not None:
            atomic_write_with(files.path("flows.csv"), lambda tmp: flows.to_csv(
                tmp, index=False, encoding="utf-8", lineterminator="\n"))
    return out


def write_study_area(area: StudyArea, path: PathLike) -> Path:
    """Write a study area in its input CRS to a folder or a GeoPackage.

    Reading it back with :func:`read_study_area` gives the same ids, names,
    attributes, geometry (to 1e-7° or 1 mm) and CRS.

    Parameters
    ----------
    area : StudyArea
    path : str or PathLike
        A folder (GeoJSON + CSV), or a file ending in ``.gpkg``.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile, pathlib, geopandas as gpd
    >>> from shapely import box
    >>> a = StudyArea(gpd.GeoDataFrame({"id": ["A"], "name": ["甲镇"]},
    ...     geometry=[box(104, 30, 104.1, 30.1)], crs="EPSG:4490"))
    >>> d = write_study_area(a, pathlib.Path(tempfile.mkdtemp()) / "area")
    >>> read_study_area(d).input_crs.to_epsg()
    4490
    """
    crs = area.input_crs
    units = area.units
    if area.population_source == "none":
        units = units.drop(columns="population")  # do not invent a column the input lacked
    settlements = area.settlements
    roads = area.roads
    return write_layers(path, Layers(
        units=units.to_crs(crs),
        settlements=settlements.to_crs(crs) if settlements is not None else None,
        flows=area.flows,
        roads=roads.to_crs(crs) if roads is not None else None,
    ))


# -- plans -------------------------------------------------------------------------------------
PLAN_COLUMNS = ("unit_id", "new_unit_id", "new_name", "seat")


def write_plan(plan: Plan, path: PathLike, *, unit_order: Iterable[str] | None = None) -> Path:
    """Write a plan as CSV: ``unit_id,new_unit_id,new_name,seat`` (one row per current unit).

    Parameters
    ----------
    plan : Plan
    path : str or PathLike
    unit_order : iterable of str, optional
        Row order (default: sorted unit ids).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    OutputError
        When ``path`` cannot be written (its folder is a file, it is a folder, the disk
        is full, the folder is read-only); a previous file is left as it was.
    """
    out = Path(path)
    order = list(unit_order) if unit_order is not None else sorted(plan.assignment)
    plan.check_units(order)
    with atomic_open(out, encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(PLAN_COLUMNS)
        for u in order:
            new = plan.assignment[u]
            w.writerow([u, new, plan.names.get(new, ""), plan.seats.get(new, "")])
    return out


def read_plan(path: PathLike, *, encoding: str | None = None) -> Plan:
    """Read a plan CSV with ``unit_id,new_unit_id`` and optional ``new_name,seat``.

    Parameters
    ----------
    path : str or PathLike
    encoding : str, optional
        Default: UTF-8 (with or without BOM), else GB18030/GBK.

    Returns
    -------
    Plan

    Raises
    ------
    PlanError
        For missing columns, no rows, empty or repeated unit ids, or a new unit
        given two different names or seats; every problem is listed.
    InputError
        For a file that is missing, empty or cannot be decoded.
    """
    df = read_csv_table(path, "plan", encoding=encoding, dtype=str, keep_default_na=False)
    missing = [c for c in ("unit_id", "new_unit_id") if c not in df.columns]
    if missing:
        raise PlanError(f"The plan file {str(path)!r} lacks column(s) {missing}; its columns are "
                        f"{list(df.columns)}. Expected unit_id,new_unit_id[,new_name,seat].")
    if df.empty:
        raise PlanError(f"The plan file {str(path)!r} has a header but no rows: list every "
                        "current unit with its new unit (unit_id,new_unit_id; a unit that "
                        "stays as it is maps to itself).")
    problems: list[str] = []
    empty = df.index[(df["unit_id"].str.strip() == "") | (df["new_unit_id"].str.strip() == "")]
    if len(empty):
        shown = [df.at[i, "unit_id"] or "(no unit_id)" for i in empty]
        problems.append(f"{len(empty)} row(s) lack a unit_id or new_unit_id: {format_ids(shown)}")
    dup = df["unit_id"][df["unit_id"].duplicated() & (df["unit_id"] != "")]
    if len(dup):
        problems.append(f"unit ids listed more than once: {format_ids(sorted(set(dup)))}")
    names: dict[str, str] = {}
    seats: dict[str, str] = {}
    for col, table in (("new_name", names), ("seat", seats)):
        if col not in df.columns:
            continue
        given = df[df[col] != ""].groupby("new_unit_id")[col].unique()
        clash = [k for k, v in given.items() if len(v) > 1]
        if clash:
            problems.append(f"new units given several values of {col}: {format_ids(clash)}")
        table.update({str(k): str(v[0]) for k, v in given.items()})
    if problems:
        raise PlanError(f"The plan file {str(path)!r} has problems; fix them and read it again.",
                        problems)
    return Plan(dict(zip(df["unit_id"], df["new_unit_id"], strict=True)), names, seats)
