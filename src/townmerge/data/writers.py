"""Write study areas: deterministic GeoJSON, folders of layers, GeoPackages.

GeoJSON is written by our own deterministic writer (:func:`write_geojson`: fixed
coordinate precision, properties in column order, UTF-8 names as given) so that the
same data gives the same bytes. :func:`write_layers` writes a folder of GeoJSON + CSV
or a GeoPackage, :func:`write_study_area` a :class:`~townmerge.data.model.StudyArea`
in its input CRS; every output is written whole or not at all
(:mod:`townmerge.data.atomic`).

Examples
--------
>>> import tempfile, pathlib, geopandas as gpd
>>> from shapely import box
>>> from townmerge.data.io import read_study_area
>>> a = StudyArea(gpd.GeoDataFrame({"id": ["A"], "name": ["甲镇"]},
...     geometry=[box(104, 30, 104.1, 30.1)], crs="EPSG:4490"))
>>> d = write_study_area(a, pathlib.Path(tempfile.mkdtemp()) / "area")
>>> sorted(p.name for p in d.iterdir()), read_study_area(d).units.loc["A", "name"]
(['units.geojson'], '甲镇')
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from ..errors import InputError
from .atomic import PathLike, atomic_folder, atomic_open, atomic_write_with
from .io import Layers
from .model import StudyArea

__all__ = ["write_geojson", "write_layers", "write_study_area"]


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
    >>> from townmerge.data.io import read_study_area
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
