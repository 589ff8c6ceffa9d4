"""Seeded synthetic counties: townships, villages, roads and flows.

:func:`synthetic_county` builds a plausible Sichuan-style county of any size:
township-level units (街道 / 镇 / 乡 / 民族乡) and their village-level
territories (村 / 社区) as a clean polygon coverage, settlements as points
with population and group counts, a road network with speeds by road class and
terrain, and gravity-model flows (population, traffic, economic) between the
settlements. :func:`sample_county` is the committed sample county: 33 units,
132 villages and 110 communities.

How it is built (everything in a metric CRS, then transformed to EPSG:4490):

1. An irregular, star-shaped county outline is rasterised into square cells.
2. A smooth "ruggedness" field makes one side of the county plain and the other
   mountainous; the county seat sits on the plain side.
3. Township seeds are spread by density-weighted Lloyd relaxation (dense on the
   plain and around the county seat, sparse in the mountains). Cells go to the
   nearest seed in a randomly weighted power diagram over a noise-warped plane,
   so borders wiggle; stray fragments are merged into a neighbour, which keeps
   every unit contiguous.
4. Inside each unit the same is done for its settlements: the seat and the
   other communities cluster into the market town (场镇), villages spread out.
5. Cell regions are traced into rings, smoothed with
   :func:`shapely.coverage_simplify` (a clean coverage with shared vertices),
   and units are the coverage union of their villages.
6. Roads are a Euclidean minimum spanning tree over the Delaunay triangulation
   of the settlements plus short extra links; trunk routes between neighbouring
   seats are upgraded to county / provincial / national roads.
7. Flows follow a gravity model over road travel time with lognormal noise;
   each origin keeps its 12–20 strongest destinations.

Everything is drawn from ``numpy.random.default_rng(seed)``: a seed gives the
same frames every time. The steps live in their own modules of this folder
(:mod:`~townmerge.datasets.spec`, :mod:`~townmerge.datasets.grid`,
:mod:`~townmerge.datasets.regions`, :mod:`~townmerge.datasets.placement`,
:mod:`~townmerge.datasets.population`, :mod:`~townmerge.datasets.names`,
:mod:`~townmerge.datasets.codes`, :mod:`~townmerge.datasets.shapes`,
:mod:`~townmerge.datasets.roads`, :mod:`~townmerge.datasets.flows`); this one runs them in
order, drawing from one generator, and assembles the frames.

Examples
--------
>>> county = synthetic_county(10, seed=1)
>>> len(county.units), county.units.crs.to_epsg()
(10, 4490)
>>> bool((county.units["population"]
...       == county.settlements.groupby("unit")["population"].sum()).all())
True
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from ..data.crs import local_metric_crs
from .codes import Codes, code_everything
from .flows import build_flows
from .grid import FloatArray, Grid, make_grid, ruggedness
from .names import Names, name_everything
from .placement import Places, Units, place_settlements, place_units
from .population import People, populate
from .roads import ROAD_CLASSES, Roads, build_roads
from .shapes import Geoms, build_geometries
from .spec import CountySpec

__all__ = [
    "GEOGRAPHIC_CRS",
    "SAMPLE_COUNTS",
    "SAMPLE_SEED",
    "CountyDraft",
    "SyntheticCounty",
    "draft_county",
    "sample_county",
    "synthetic_county",
]

#: Geographic CRS of every generated layer (CGCS2000).
GEOGRAPHIC_CRS = "EPSG:4490"
#: Seed of the committed sample county.
SAMPLE_SEED = 2019
#: The sample county's counts (modelled on a Sichuan county).
SAMPLE_COUNTS = MappingProxyType(
    {
        "units": 33,
        "subdistricts": 3,
        "ethnic": 1,
        "villages": 132,
        "communities": 110,
        "village_groups": 190,
        "resident_groups": 83,
    }
)


@dataclass(frozen=True, eq=False)
class SyntheticCounty:
    """A generated county: units, village territories, settlements, flows and roads.

    All layers are in EPSG:4490 (CGCS2000 longitude/latitude).

    Attributes
    ----------
    units : GeoDataFrame
        Township-level units, index ``unit_id`` (9-digit code); columns
        ``name``, ``kind``, ``terrain``, ``parent``, ``population``, ``seat``,
        ``locked`` and a Polygon ``geometry``.
    villages : GeoDataFrame
        One territory per settlement (村 or 社区), index ``village_id`` (the
        settlement id); columns ``name``, ``unit``, ``population``, ``groups``
        and a Polygon ``geometry``.
    settlements : GeoDataFrame
        Settlement points, index ``settlement_id`` (12-digit code); columns
        ``name``, ``kind``, ``unit``, ``population``, ``groups``, ``geometry``.
    flows : DataFrame
        ``origin``, ``destination``, ``population``, ``traffic``, ``economic``.
    roads : GeoDataFrame
        LineStrings with ``road_class``, ``speed_kmh``, ``from_settlement``,
        ``to_settlement``.
    seed : int
        The seed the county was generated from.

    Examples
    --------
    >>> c = synthetic_county(10, seed=3)
    >>> sorted(c.settlements["kind"].unique())[:2]
    ['community', 'county seat']
    >>> c.seed
    3
    """

    units: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame
    settlements: gpd.GeoDataFrame
    flows: pd.DataFrame
    roads: gpd.GeoDataFrame
    seed: int


def sample_county(seed: int = SAMPLE_SEED) -> SyntheticCounty:
    """The sample county: 33 units, 132 villages and 110 communities.

    Modelled on a Sichuan county: 3 urban subdistricts (街道) around the county
    seat, towns (镇) and townships (乡, one of them a 民族乡) on plain, hill and
    mountain terrain; 190 village groups and 83 resident groups.

    Parameters
    ----------
    seed : int, default 2019
        Random seed.

    Returns
    -------
    SyntheticCounty

    Examples
    --------
    >>> c = sample_county()
    >>> len(c.units), len(c.settlements), int(c.settlements["groups"].sum())
    (33, 242, 273)
    """
    return synthetic_county(
        SAMPLE_COUNTS["units"],
        seed=seed,
        n_subdistricts=SAMPLE_COUNTS["subdistricts"],
        n_ethnic=SAMPLE_COUNTS["ethnic"],
        n_villages=SAMPLE_COUNTS["villages"],
        n_communities=SAMPLE_COUNTS["communities"],
        village_groups=SAMPLE_COUNTS["village_groups"],
        resident_groups=SAMPLE_COUNTS["resident_groups"],
    )


def synthetic_county(
    n_units: int,
    *,
    seed: int = 0,
    villages_per_unit: float = 4.0,
    communities_per_unit: float = 3.3,
    origin: tuple[float, float] = (104.0, 30.5),
    n_villages: int | None = None,
    n_communities: int | None = None,
    n_subdistricts: int | None = None,
    n_ethnic: int | None = None,
    village_groups: int | None = None,
    resident_groups: int | None = None,
    unit_area_km2: float = 60.0,
    cell_size_m: float = 275.0,
    county_code: str = "511025",
    terrains: tuple[str, ...] = ("plain", "hill", "mountain"),
) -> SyntheticCounty:
    """Generate a synthetic county with ``n_units`` township-level units.

    Parameters
    ----------
    n_units : int
        Number of township-level units (at least 2).
    seed : int, default 0
        Random seed; the same seed gives identical frames.
    villages_per_unit, communities_per_unit : float
        Average settlements per unit, used when ``n_villages`` /
        ``n_communities`` are not given. Every unit's seat is a community, so
        there are at least ``n_units`` communities.
    origin : (float, float), default (104.0, 30.5)
        Longitude and latitude (EPSG:4490) of the county's centre.
    n_villages, n_communities : int, optional
        Exact numbers of villages (村) and communities (社区).
    n_subdistricts : int, optional
        Urban subdistricts (街道) around the county seat; default about one in
        eleven units, at least 1 and at most 9.
    n_ethnic : int, optional
        Ethnic townships (民族乡, ``locked``); default about one in 33 units.
    village_groups, resident_groups : int, optional
        Totals of 村民小组 over villages and 居民小组 over communities;
        default 190/132 per village and 83/110 per community.
    unit_area_km2 : float, default 60.0
        Mean unit area; the county covers ``n_units * unit_area_km2``.
    cell_size_m : float, default 275.0
        Raster cell size in metres from which territories are built.
    county_code : str, default "511025"
        Six-digit county code. Areas needing more than 99 units of a kind are
        split into pseudo-counties of at most 90 units with consecutive codes.
    terrains : tuple of str, default ("plain", "hill", "mountain")
        Terrain classes used, from the flattest; "plateau" may be added.

    Returns
    -------
    SyntheticCounty

    Raises
    ------
    ValueError
        If the counts are inconsistent (fewer communities than units, too
        many settlements for the area, bad codes or terrains).

    Notes
    -----
    Units and village territories form clean coverages (shared vertices, no
    gaps or overlaps); each is one Polygon, with a hole only where it encloses
    another territory. Populations are 户籍 persons. Flows are per day for
    ``population`` (trips) and ``traffic`` (vehicles) and 10,000 yuan a year
    for ``economic``; each origin sends a fixed share of its population (or
    economic mass) to its kept destinations, within a 60-minute horizon plus
    the county seat. A road's travel time is its length (in a metric CRS)
    divided by ``speed_kmh``. No expressways are generated.

    Generation is vectorised: about 0.3 s for the sample county and about
    20 s for 5,000 units (36,500 settlements).

    Examples
    --------
    >>> c = synthetic_county(12, seed=7, n_villages=40, n_communities=30)
    >>> int((c.settlements["kind"] == "village").sum()), len(c.villages)
    (40, 70)
    >>> c.units.index[0][:6], c.units["kind"].iloc[0]
    ('511025', 'subdistrict')
    >>> bool(c.roads.crs == c.units.crs)
    True
    """
    spec = CountySpec.build(
        n_units=n_units,
        villages_per_unit=villages_per_unit,
        communities_per_unit=communities_per_unit,
        n_villages=n_villages,
        n_communities=n_communities,
        n_subdistricts=n_subdistricts,
        n_ethnic=n_ethnic,
        village_groups=village_groups,
        resident_groups=resident_groups,
        unit_area_km2=unit_area_km2,
        cell_size_m=cell_size_m,
        county_code=county_code,
        terrains=terrains,
    )
    return _assemble(draft_county(spec, seed, origin))


@dataclass(frozen=True, eq=False)
class CountyDraft:
    """Every step of a synthetic county before it becomes frames, in generation order.

    Arrays are indexed by generation order (units 0..n-1; settlements grouped by unit, seat
    first); :func:`synthetic_county` turns a draft into a :class:`SyntheticCounty`.

    Attributes
    ----------
    spec : CountySpec
        The checked parameters.
    seed : int
        The seed everything was drawn from.
    grid : Grid
        The raster.
    rugged : ndarray
        Ruggedness in [0, 1] per cell.
    units, places, people, names, codes, geoms, roads : the steps' results
        See :mod:`~townmerge.datasets.placement`, :mod:`~townmerge.datasets.population`,
        :mod:`~townmerge.datasets.names`, :mod:`~townmerge.datasets.codes`,
        :mod:`~townmerge.datasets.shapes` and :mod:`~townmerge.datasets.roads`.
    flows : DataFrame
        Flows between settlement positions (:func:`~townmerge.datasets.flows.build_flows`).

    Examples
    --------
    >>> d = draft_county(CountySpec.build(n_units=6), seed=1)
    >>> d.places.unit.size == len(d.names.settlement) == d.geoms.px.size
    True
    """

    spec: CountySpec
    seed: int
    grid: Grid
    rugged: FloatArray
    units: Units
    places: Places
    people: People
    names: Names
    codes: Codes
    geoms: Geoms
    roads: Roads
    flows: pd.DataFrame


def draft_county(
    spec: CountySpec, seed: int, origin: tuple[float, float] = (104.0, 30.5),
) -> CountyDraft:
    """Run the steps of the generator in order, all drawing from one seeded generator.

    Parameters
    ----------
    spec : CountySpec
        Checked parameters (:meth:`CountySpec.build`).
    seed : int
        Seed of ``numpy.random.default_rng``.
    origin : (float, float), default (104.0, 30.5)
        Longitude and latitude (EPSG:4490) of the county's centre.

    Returns
    -------
    CountyDraft

    Examples
    --------
    >>> d = draft_county(CountySpec.build(n_units=6), seed=1)
    >>> d.units.seat_cell.size, bool(d.people.unit_population.min() > 0)
    (6, True)
    """
    rng = np.random.default_rng(seed)
    grid = make_grid(rng, spec.n_units * spec.unit_area_km2 * 1e6, spec.cell_size_m)
    rugged, cs_cell = ruggedness(rng, grid, spec)
    pairs = grid.neighbour_pairs()
    units = place_units(rng, grid, rugged, cs_cell, pairs, spec)
    places = place_settlements(rng, grid, rugged, units, pairs, spec)
    people = populate(rng, units, places, spec)
    names = name_everything(rng, units, places, people, spec)
    codes = code_everything(units, places, people, spec)
    metric_crs = local_metric_crs(CRS.from_epsg(4490), (*origin, *origin))
    to_geo = Transformer.from_crs(metric_crs, GEOGRAPHIC_CRS, always_xy=True)
    fwd = Transformer.from_crs(GEOGRAPHIC_CRS, metric_crs, always_xy=True)
    ox, oy = fwd.transform(origin[0], origin[1])
    geoms = build_geometries(rng, grid, places, to_geo, (float(ox), float(oy)), spec)
    roads = build_roads(rng, grid, units, places, people, geoms, spec)
    flows = build_flows(rng, units, places, people, geoms, roads, spec)
    return CountyDraft(spec=spec, seed=seed, grid=grid, rugged=rugged, units=units,
                       places=places, people=people, names=names, codes=codes, geoms=geoms,
                       roads=roads, flows=flows)


# --------------------------------------------------------------------------- frames


def _assemble(draft: CountyDraft) -> SyntheticCounty:
    """The frames of a county from its draft, in EPSG:4490 and sorted by id."""
    seed, spec, units, places, people = (draft.seed, draft.spec, draft.units, draft.places,
                                         draft.people)
    names, codes, geoms, roads, flows = (draft.names, draft.codes, draft.geoms, draft.roads,
                                         draft.flows)
    sid = np.array(codes.settlement, dtype=object)
    uid = np.array(codes.unit, dtype=object)
    cs = int(np.flatnonzero(places.seat & (places.unit == units.main))[0])
    s_kind = np.where(places.seat, "town seat", np.where(places.community, "community", "village"))
    s_kind = s_kind.astype(object)
    s_kind[cs] = "county seat"
    s_name = list(names.settlement)
    s_unit = uid[places.unit]
    settlements = gpd.GeoDataFrame(
        {
            "name": s_name,
            "kind": s_kind,
            "unit": s_unit,
            "population": people.population,
            "groups": people.groups,
        },
        geometry=list(geoms.point),
        crs=GEOGRAPHIC_CRS,
        index=pd.Index(sid, name="settlement_id"),
    ).sort_index()
    villages = gpd.GeoDataFrame(
        {
            "name": s_name,
            "unit": s_unit,
            "population": people.population,
            "groups": people.groups,
        },
        geometry=list(geoms.village),
        crs=GEOGRAPHIC_CRS,
        index=pd.Index(sid, name="village_id"),
    ).sort_index()
    seat_of = np.empty(spec.n_units, dtype=object)
    seat_of[places.unit[places.seat]] = sid[places.seat]
    kind = np.array(people.unit_kind, dtype=object)
    unit_frame = gpd.GeoDataFrame(
        {
            "name": list(names.unit),
            "kind": kind,
            "terrain": np.array(spec.terrains, dtype=object)[units.terrain],
            "parent": list(codes.parent),
            "population": people.unit_population,
            "seat": seat_of,
            "locked": kind == "ethnic township",
        },
        geometry=list(geoms.unit),
        crs=GEOGRAPHIC_CRS,
        index=pd.Index(uid, name="unit_id"),
    ).sort_index()
    a_id, b_id = sid[roads.a], sid[roads.b]
    swap = a_id > b_id
    lines = roads.geometry.copy()
    lines[swap] = shapely.reverse(lines[swap])
    road_frame = gpd.GeoDataFrame(
        {
            "road_class": np.array(ROAD_CLASSES, dtype=object)[roads.rank],
            "speed_kmh": roads.speed,
            "from_settlement": np.where(swap, b_id, a_id),
            "to_settlement": np.where(swap, a_id, b_id),
        },
        geometry=list(lines),
        crs=GEOGRAPHIC_CRS,
    )
    road_frame = road_frame.sort_values(["from_settlement", "to_settlement"]).reset_index(drop=True)
    flow_frame = pd.DataFrame(
        {
            "origin": sid[flows["origin"].to_numpy()],
            "destination": sid[flows["destination"].to_numpy()],
            "population": flows["population"].to_numpy(),
            "traffic": flows["traffic"].to_numpy(),
            "economic": flows["economic"].to_numpy(),
        }
    )
    flow_frame = flow_frame.sort_values(
        ["origin", "population", "destination"], ascending=[True, False, True]
    ).reset_index(drop=True)
    return SyntheticCounty(
        units=unit_frame, villages=villages, settlements=settlements, flows=flow_frame,
        roads=road_frame, seed=int(seed),
    )
