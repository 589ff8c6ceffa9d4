"""Read study areas: the layers from files, checked, and the area built.

A study area is stored as a folder (``units.geojson``, ``settlements.geojson``,
``flows.csv``, ``roads.geojson``) or as a GeoPackage with layers of those names;
units alone may also come from GeoParquet or a Shapefile. :func:`read_layers` reads
the layers as they are (:class:`Layers`), :func:`read_study_area` builds the
:class:`~townmerge.data.model.StudyArea` (township or village level) and
:func:`validate` lists every problem without building it. Writing is
:mod:`townmerge.data.writers`'s job, plans are read and written by
:mod:`townmerge.data.plan_csv`.

Examples
--------
>>> import tempfile, pathlib, geopandas as gpd
>>> from shapely import box
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> gpd.GeoDataFrame({"id": ["A"], "name": ["甲镇"]}, geometry=[box(104, 30, 104.1, 30.1)],
...                  crs="EPSG:4490").to_file(d / "units.geojson")
>>> read_layers(d).settlements is None, validate(d).ok
(True, True)
"""

from __future__ import annotations

import os
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
from ..errors import InputError
from .columns import ColumnMap, normalize_flows, normalize_settlements, normalize_units
from .crs import require_crs
from .model import StudyArea
from .problems import ValidationReport
from .territories import approximate_villages
from .textio import read_csv_table
from .validation import check_layers

__all__ = [
    "Layers",
    "read_layers",
    "read_study_area",
    "validate",
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
