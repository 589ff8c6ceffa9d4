"""A synthetic province of several counties, and the two study areas of a synthetic county.

:func:`synthetic_province` places synthetic counties (:func:`~townmerge.datasets.synthetic.
synthetic_county`) side by side, each with its own county code (the ``parent`` of its
townships), and joins their layers: test and benchmark data for province runs
(:func:`townmerge.evaluate.province.plan_province`). :func:`level_areas` turns a synthetic
county (or province) into its township and village study areas.

Examples
--------
>>> p = synthetic_province(3, 6, seed=1)
>>> sorted(p.units["parent"].unique())
['510101', '510102', '510103']
>>> towns, villages = level_areas(p)
>>> len(towns), bool(villages.units["parent"].isin(towns.unit_ids).all())
(18, True)
"""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import pandas as pd

from ..data.model import StudyArea
from ..errors import TopologyWarning
from .synthetic import SyntheticCounty, synthetic_county

__all__ = ["level_areas", "synthetic_province"]

#: Kilometres per degree of longitude at 30.5° N (where the counties are placed).
KM_PER_DEGREE_LON = 111.32 * math.cos(math.radians(30.5))


def synthetic_province(n_counties: int, units_per_county: int, *, seed: int = 0,
                       first_code: str = "510101", unit_area_km2: float = 60.0,
                       ) -> SyntheticCounty:
    """``n_counties`` synthetic counties in a row, with consecutive county codes.

    Parameters
    ----------
    n_counties : int
        Counties (at least 1).
    units_per_county : int
        Township-level units of each county (at least 2).
    seed : int, default 0
        County ``k`` is generated with seed ``seed + k``.
    first_code : str, default "510101"
        Six-digit code of the first county; the next ones count up.
    unit_area_km2 : float, default 60.0

    Returns
    -------
    SyntheticCounty
        Every layer of every county (``seed`` is the given seed); ids are unique
        because each county has its own code. Counties do not touch.

    Examples
    --------
    >>> p = synthetic_province(2, 5, first_code="510190")
    >>> p.units.groupby("parent").size().to_dict()
    {'510190': 5, '510191': 5}
    """
    if n_counties < 1:
        raise ValueError(f"n_counties must be >= 1, not {n_counties}")
    width_km = 1.8 * math.sqrt(units_per_county * unit_area_km2)
    parts = [synthetic_county(units_per_county, seed=seed + k, unit_area_km2=unit_area_km2,
                              county_code=f"{int(first_code) + k:06d}",
                              origin=(104.0 + k * width_km / KM_PER_DEGREE_LON, 30.5))
             for k in range(n_counties)]

    def join(frames: list[gpd.GeoDataFrame], ignore_index: bool = False) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(pd.concat(frames, ignore_index=ignore_index),
                                crs=frames[0].crs)

    return SyntheticCounty(
        units=join([c.units for c in parts]),
        villages=join([c.villages for c in parts]),
        settlements=join([c.settlements for c in parts]),
        flows=pd.concat([c.flows for c in parts], ignore_index=True),
        roads=join([c.roads for c in parts], ignore_index=True),
        seed=seed,
    )


def level_areas(county: SyntheticCounty) -> tuple[StudyArea, StudyArea]:
    """The township and village study areas of a synthetic county or province.

    The villages' ``parent`` is their township, their ``terrain`` the township's and
    their ``seat`` their settlement (each village territory holds one). Topology
    warnings are not raised (the counties of a synthetic province are not joined by
    roads); they stay in each area's ``report``.

    Returns
    -------
    (StudyArea, StudyArea)
    """
    c = county
    villages = c.villages.rename(columns={"unit": "parent"}).rename_axis("unit_id")
    villages["terrain"] = villages["parent"].map(c.units["terrain"])
    villages["seat"] = villages.index.astype(str)
    settlements = c.settlements.assign(unit=c.settlements.index.astype(str))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TopologyWarning)
        return (StudyArea(c.units, c.settlements, c.flows, c.roads),
                StudyArea(villages, settlements, c.flows, c.roads))
