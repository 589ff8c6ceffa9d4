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
same frames every time.

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

import itertools
import math
from dataclasses import dataclass
from types import MappingProxyType

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from scipy import ndimage, sparse
from scipy.sparse import csgraph
from scipy.spatial import Delaunay, cKDTree

from ..config import ROAD_SPEEDS_KMH, TERRAIN_SPEED_FACTOR
from ..data.crs import local_metric_crs

__all__ = [
    "GEOGRAPHIC_CRS",
    "ROAD_CLASSES",
    "ROAD_SPEEDS_KMH",
    "SAMPLE_COUNTS",
    "SAMPLE_SEED",
    "TERRAIN_SPEED_FACTOR",
    "SyntheticCounty",
    "sample_county",
    "synthetic_county",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

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
#: Road classes, lowest first.
ROAD_CLASSES = ("village", "township", "county", "provincial", "national", "expressway")
_TERRAINS = ("plain", "hill", "mountain", "plateau")
#: Share of units per terrain (in the order given), by number of terrains used.
_TERRAIN_SHARES = MappingProxyType(
    {1: (1.0,), 2: (0.5, 0.5), 3: (0.3, 0.4, 0.3), 4: (0.25, 0.35, 0.28, 0.12)}
)
#: Village population medians by terrain (户籍, persons).
_VILLAGE_POP = MappingProxyType(
    {"plain": 1650.0, "hill": 1400.0, "mountain": 1050.0, "plateau": 700.0}
)
#: Share of towns (镇) among the non-urban units (Sichuan 2019: 2,236 of 4,259).
_TOWN_SHARE = 0.53
#: Group counts per settlement in the sample county.
_GROUPS_PER_VILLAGE = 190 / 132
_GROUPS_PER_COMMUNITY = 83 / 110
#: Most units one six-digit county code can hold per kind (codes x01..x99).
_MAX_PER_CODE = 99
#: Units per pseudo-county when a large area needs several county codes.
_UNITS_PER_BLOCK = 90
#: Fewest cells a settlement may have on average.
_MIN_CELLS_PER_SETTLEMENT = 12

# Name material: first and second characters of two-character stems, modifiers
# for three-character stems, urban stems for communities and subdistricts.
_FIRST = (
    "青石白黄红金银龙凤马鹤云双三五新长高大小东西南北兴太永安福宝万桂柏桃杨柳松竹梅兰玉"
    "清明光平和仁义文天观古河溪狮象鹿盘锦乐顺灵华富庆丰吉泰利合星岩茶花水德"
)
_SECOND = (
    "杠龙鹤桥坝溪河山岩湾沟塘林坪场堰田井峰台门口庙寺观坡岭滩洞池园庄店阳华兴安丰福寿宁和"
    "平合星光明泉石江湖松竹柏凤云马狮垭嘴包梁冲铺院营堡关渡"
)
_MODIFIERS = "上下新老大小中前后高东西南北里外"
_URBAN_STEMS = (
    "东街", "南街", "西街", "北街", "正街", "新街", "老街", "上街", "下街", "中街", "后街",
    "河街", "滨江", "滨河", "文昌", "书院", "文庙", "桂花", "龙泉", "玉带", "清风", "明月",
    "锦绣", "和平", "建设", "解放", "人民", "幸福", "团结", "花园", "府前", "学府", "迎宾",
    "红光", "光华", "新华", "育才", "朝阳", "向阳", "城隍", "盐市", "米市", "鼓楼", "南门",
    "北门", "东门", "西门", "水井", "沙湾", "紫荆",
)
_SUBDISTRICT_STEMS = (
    "城北", "城南", "城东", "城西", "城中", "城关", "东城", "西城", "南城", "北城",
    "江北", "江南", "河东", "河西", "新城",
)
_ETHNIC = ("彝族", "藏族", "羌族", "回族", "苗族", "土家族")


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
    spec = _Spec.build(
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
    rng = np.random.default_rng(seed)
    grid = _make_grid(rng, spec.n_units * spec.unit_area_km2 * 1e6, spec.cell_size_m)
    rugged, cs_cell = _ruggedness(rng, grid, spec)
    pairs = grid.neighbour_pairs()
    units = _place_units(rng, grid, rugged, cs_cell, pairs, spec)
    places = _place_settlements(rng, grid, rugged, units, pairs, spec)
    people = _populate(rng, units, places, spec)
    names = _name_everything(rng, units, places, people, spec)
    codes = _code_everything(units, places, people, spec)
    metric_crs = local_metric_crs(CRS.from_epsg(4490), (*origin, *origin))
    to_geo = Transformer.from_crs(metric_crs, GEOGRAPHIC_CRS, always_xy=True)
    fwd = Transformer.from_crs(GEOGRAPHIC_CRS, metric_crs, always_xy=True)
    ox, oy = fwd.transform(origin[0], origin[1])
    geoms = _geometries(rng, grid, places, to_geo, (float(ox), float(oy)), spec)
    roads = _build_roads(rng, grid, units, places, people, geoms, spec)
    flows = _build_flows(rng, units, places, people, geoms, roads, spec)
    return _assemble(seed, units, places, people, names, codes, geoms, roads, flows, spec)


# --------------------------------------------------------------------------- spec


@dataclass(frozen=True)
class _Spec:
    """Validated parameters."""

    n_units: int
    n_villages: int
    n_communities: int
    n_subdistricts: int
    n_ethnic: int
    village_groups: int
    resident_groups: int
    unit_area_km2: float
    cell_size_m: float
    county_code: str
    terrains: tuple[str, ...]

    @classmethod
    def build(
        cls,
        *,
        n_units: int,
        villages_per_unit: float,
        communities_per_unit: float,
        n_villages: int | None,
        n_communities: int | None,
        n_subdistricts: int | None,
        n_ethnic: int | None,
        village_groups: int | None,
        resident_groups: int | None,
        unit_area_km2: float,
        cell_size_m: float,
        county_code: str,
        terrains: tuple[str, ...],
    ) -> _Spec:
        if int(n_units) != n_units or n_units < 2:
            raise ValueError(f"n_units must be an integer of at least 2, got {n_units!r}.")
        n_units = int(n_units)
        nv = round(n_units * villages_per_unit) if n_villages is None else int(n_villages)
        nc = round(n_units * communities_per_unit) if n_communities is None else int(n_communities)
        if nc < n_units:
            raise ValueError(
                f"Every unit's seat is a community: need at least {n_units} communities, got {nc}."
            )
        if nv < 0:
            raise ValueError(f"n_villages must be non-negative, got {nv}.")
        ns = min(max(1, round(n_units / 11)), 9) if n_subdistricts is None else int(n_subdistricts)
        if not 1 <= ns < n_units:
            raise ValueError(f"n_subdistricts must be between 1 and n_units - 1, got {ns}.")
        ne = round(n_units / 33) if n_ethnic is None else int(n_ethnic)
        if not 0 <= ne <= (n_units - ns) // 2:
            raise ValueError(f"n_ethnic must be between 0 and {(n_units - ns) // 2}, got {ne}.")
        vg = round(nv * _GROUPS_PER_VILLAGE) if village_groups is None else int(village_groups)
        rg = round(nc * _GROUPS_PER_COMMUNITY) if resident_groups is None else int(resident_groups)
        if vg < 0 or rg < 0 or (nv == 0 and vg > 0):
            raise ValueError("Group totals must be non-negative (and zero without villages).")
        if not (len(county_code) == 6 and county_code.isdigit() and county_code[0] != "0"):
            raise ValueError(f"county_code must be six digits, got {county_code!r}.")
        n_blocks = max(1, math.ceil(n_units / _UNITS_PER_BLOCK))
        if n_units > _MAX_PER_CODE and int(county_code) + n_blocks > 999_999:
            raise ValueError(f"county_code {county_code} leaves no room for {n_blocks} codes.")
        if ns > _MAX_PER_CODE:
            raise ValueError(f"At most {_MAX_PER_CODE} subdistricts, got {ns}.")
        if not terrains or len(set(terrains)) != len(terrains) or set(terrains) - set(_TERRAINS):
            raise ValueError(f"terrains must be distinct values among {_TERRAINS}, got {terrains}.")
        if unit_area_km2 <= 0 or cell_size_m <= 0:
            raise ValueError("unit_area_km2 and cell_size_m must be positive.")
        return cls(
            n_units=n_units,
            n_villages=nv,
            n_communities=nc,
            n_subdistricts=ns,
            n_ethnic=ne,
            village_groups=vg,
            resident_groups=rg,
            unit_area_km2=float(unit_area_km2),
            cell_size_m=float(cell_size_m),
            county_code=county_code,
            terrains=tuple(terrains),
        )


# --------------------------------------------------------------------------- raster


@dataclass(frozen=True)
class _Grid:
    """Square cells over the county; "inside" cells are numbered 0..n-1."""

    x0: float
    y0: float
    cell: float
    ny: int
    nx: int
    rows: IntArray
    cols: IntArray
    x: FloatArray
    y: FloatArray
    pos: IntArray  # flat grid index -> inside index, or -1

    @property
    def n(self) -> int:
        return int(self.x.size)

    @property
    def radius(self) -> float:
        return math.sqrt(self.n * self.cell**2 / math.pi)

    def locate(self, x: FloatArray, y: FloatArray) -> IntArray:
        """Inside index of the cells containing points, or -1."""
        j = np.floor((x - self.x0) / self.cell).astype(np.int64)
        i = np.floor((y - self.y0) / self.cell).astype(np.int64)
        ok = (i >= 0) & (i < self.ny) & (j >= 0) & (j < self.nx)
        out = np.full(x.shape, -1, dtype=np.int64)
        out[ok] = self.pos[i[ok] * self.nx + j[ok]]
        return out

    def raster(self, values: IntArray) -> IntArray:
        """Full (ny, nx) raster of per-cell labels, -1 outside."""
        full = np.full(self.ny * self.nx, -1, dtype=np.int64)
        full[self.rows * self.nx + self.cols] = values
        return full.reshape(self.ny, self.nx)

    def neighbour_pairs(self) -> tuple[IntArray, IntArray]:
        """Pairs of 4-adjacent inside cells (each pair once)."""
        a_parts, b_parts = [], []
        for di, dj in ((0, 1), (1, 0)):
            i, j = self.rows + di, self.cols + dj
            ok = (i < self.ny) & (j < self.nx)
            b = np.full(self.n, -1, dtype=np.int64)
            b[ok] = self.pos[i[ok] * self.nx + j[ok]]
            keep = b >= 0
            a_parts.append(np.nonzero(keep)[0])
            b_parts.append(b[keep])
        return np.concatenate(a_parts), np.concatenate(b_parts)


def _make_grid(rng: np.random.Generator, area_m2: float, cell: float) -> _Grid:
    """Rasterise an irregular star-shaped outline of the given area."""
    k = np.arange(2, 9, dtype=np.float64)
    amp = rng.normal(0.0, 0.2, k.size) / k**0.9
    phase = rng.uniform(0.0, 2 * np.pi, k.size)

    def shape(theta: FloatArray) -> FloatArray:
        waves = amp[:, None] * np.cos(k[:, None] * theta[None, :] + phase[:, None])
        return np.clip(1.0 + waves.sum(axis=0), 0.45, None)

    theta = np.linspace(0.0, 2 * np.pi, 4097)
    r = shape(theta)
    scale = math.sqrt(area_m2 / (math.pi * float(np.mean(r[:-1] ** 2))))
    half = math.ceil(scale * float(r.max()) / cell) + 2
    n_side = 2 * half
    x0 = y0 = -half * cell
    ii, jj = np.divmod(np.arange(n_side * n_side, dtype=np.int64), n_side)
    cx = x0 + (jj + 0.5) * cell
    cy = y0 + (ii + 0.5) * cell
    inside = np.hypot(cx, cy) <= scale * np.interp(np.arctan2(cy, cx) % (2 * np.pi), theta, r)
    mask = inside.reshape(n_side, n_side)
    comp, n_comp = ndimage.label(mask)
    if n_comp > 1:
        sizes = np.bincount(comp.ravel())
        sizes[0] = 0
        mask = comp == int(np.argmax(sizes))
    mask = ndimage.binary_fill_holes(mask)
    flat = np.flatnonzero(mask.ravel()).astype(np.int64)
    pos = np.full(n_side * n_side, -1, dtype=np.int64)
    pos[flat] = np.arange(flat.size)
    rows, cols = np.divmod(flat, n_side)
    return _Grid(
        x0=x0, y0=y0, cell=cell, ny=n_side, nx=n_side, rows=rows, cols=cols,
        x=x0 + (cols + 0.5) * cell, y=y0 + (rows + 0.5) * cell, pos=pos,
    )


def _smooth_noise(
    rng: np.random.Generator, grid: _Grid, scale: float, x: FloatArray | None = None,
    y: FloatArray | None = None,
) -> FloatArray:
    """Standardised smooth noise (cubic spline through a random lattice)."""
    scale = max(scale, 2 * grid.cell)
    width = grid.nx * grid.cell
    n_lat = int(width / scale) + 6
    lattice = rng.standard_normal((n_lat, n_lat))
    px = grid.x if x is None else x
    py = grid.y if y is None else y
    fx = (px - grid.x0) / scale + 2.5
    fy = (py - grid.y0) / scale + 2.5
    v = ndimage.map_coordinates(lattice, [fy, fx], order=3, mode="nearest")
    return np.asarray((v - v.mean()) / (v.std() + 1e-12), dtype=np.float64)


def _ruggedness(rng: np.random.Generator, grid: _Grid, spec: _Spec) -> tuple[FloatArray, int]:
    """Terrain ruggedness in [0, 1] per cell (uniform ranks), and the county seat cell."""
    radius = grid.radius
    phi = rng.uniform(0.0, 2 * np.pi)
    ux, uy = math.cos(phi), math.sin(phi)
    off = rng.normal(0.0, 0.12 * radius)
    tx = -0.35 * radius * ux - off * uy
    ty = -0.35 * radius * uy + off * ux
    cs_cell = int(np.argmin((grid.x - tx) ** 2 + (grid.y - ty) ** 2))
    along = (grid.x * ux + grid.y * uy) / radius
    dist = np.hypot(grid.x - grid.x[cs_cell], grid.y - grid.y[cs_cell]) / radius
    unit_len = math.sqrt(spec.unit_area_km2 * 1e6)
    large = _smooth_noise(rng, grid, max(radius / 2.5, 2 * unit_len))
    medium = _smooth_noise(rng, grid, 1.3 * unit_len)
    raw = 0.9 * along + 0.45 * dist + 0.35 * large + 0.3 * medium
    ranks = np.empty(grid.n, dtype=np.float64)
    ranks[np.argsort(raw, kind="stable")] = (np.arange(grid.n) + 0.5) / grid.n
    return ranks, cs_cell


def _gumbel(rng: np.random.Generator, n: int) -> FloatArray:
    return np.asarray(-np.log(-np.log(rng.uniform(1e-300, 1.0, n))), dtype=np.float64)


def _grouped_top(keys: FloatArray, group: IntArray, counts: IntArray) -> IntArray:
    """Indices of the ``counts[g]`` largest keys of each group ``g``."""
    order = np.lexsort((-keys, group))
    g = group[order]
    starts = np.searchsorted(g, np.arange(counts.size))
    rank = np.arange(order.size) - starts[g]
    return np.asarray(order[rank < counts[g]], dtype=np.int64)


def _snap_unique(new: IntArray, old: IntArray) -> IntArray:
    """Keep moved seeds on distinct cells: a seed landing on a taken cell stays put."""
    new = new.copy()
    while True:
        moved = new != old
        order = np.lexsort((moved, new))
        dup = np.zeros(new.size, dtype=bool)
        dup[order[1:]] = new[order[1:]] == new[order[:-1]]
        dup &= moved
        if not dup.any():
            return new
        new[dup] = old[dup]


def _lloyd(
    grid: _Grid, weight: FloatArray, seeds: IntArray, fixed: BoolArray, iterations: int,
    cell_group: IntArray | None = None,
) -> IntArray:
    """Density-weighted Lloyd relaxation of seed cells (optionally within groups)."""
    big = 4.0 * grid.nx * grid.cell
    g = np.zeros(grid.n) if cell_group is None else cell_group.astype(np.float64) * big
    pts = np.column_stack([grid.x, grid.y, g])
    wx, wy = weight * grid.x, weight * grid.y
    for _ in range(iterations):
        tree = cKDTree(pts[seeds])
        _, lab = tree.query(pts, workers=-1)
        wsum = np.bincount(lab, weight, minlength=seeds.size)
        with np.errstate(invalid="ignore", divide="ignore"):
            cx = np.bincount(lab, wx, minlength=seeds.size) / wsum
            cy = np.bincount(lab, wy, minlength=seeds.size) / wsum
        ok = np.isfinite(cx) & ~fixed
        target = np.full(seeds.size, -1, dtype=np.int64)
        target[ok] = grid.locate(cx[ok], cy[ok])
        if cell_group is not None:
            good = target >= 0
            good[good] = cell_group[target[good]] == cell_group[seeds[good]]
            target[~good] = -1
        seeds = _snap_unique(np.where(target >= 0, target, seeds), seeds)
    return seeds


def _power_assign(
    grid: _Grid, qx: FloatArray, qy: FloatArray, seeds: IntArray, weight: FloatArray,
    cell_group: IntArray | None = None,
) -> IntArray:
    """Nearest seed in the power diagram (``|x - s|^2 - weight``), within groups."""
    big = 4.0 * grid.nx * grid.cell
    z = np.sqrt(weight.max() - weight)
    g = np.zeros(grid.n) if cell_group is None else cell_group.astype(np.float64) * big
    tree = cKDTree(np.column_stack([grid.x[seeds], grid.y[seeds], z, g[seeds]]))
    _, lab = tree.query(np.column_stack([qx, qy, np.zeros(grid.n), g]), workers=-1)
    lab = np.asarray(lab, dtype=np.int64)
    lab[seeds] = np.arange(seeds.size)
    return lab


def _make_contiguous(
    grid: _Grid, lab: IntArray, anchors: IntArray, pairs: tuple[IntArray, IntArray],
    label_group: IntArray | None = None,
) -> IntArray:
    """Merge every fragment not holding its label's anchor cell into a neighbour."""
    a0, b0 = pairs
    same = lab[a0] == lab[b0]
    graph = sparse.coo_matrix(
        (np.ones(int(same.sum()), dtype=np.int8), (a0[same], b0[same])), shape=(grid.n, grid.n)
    )
    _, comp = csgraph.connected_components(graph, directed=False)
    comp = np.asarray(comp, dtype=np.int64)
    lab = lab.copy()
    orphan = comp != comp[anchors][lab]
    a = np.concatenate([a0, b0])
    b = np.concatenate([b0, a0])
    while orphan.any():
        m = orphan[a] & ~orphan[b]
        if label_group is not None:
            m &= label_group[lab[a]] == label_group[lab[b]]
        if not m.any():
            raise RuntimeError("could not attach stray fragments")  # pragma: no cover
        frag, first = np.unique(comp[a[m]], return_index=True)
        new_label = np.full(int(comp.max()) + 1, -1, dtype=np.int64)
        new_label[frag] = lab[b[m]][first]
        fix = orphan & (new_label[comp] >= 0)
        lab[fix] = new_label[comp[fix]]
        orphan[fix] = False
    return lab


def _warped_regions(
    rng: np.random.Generator, grid: _Grid, seeds: IntArray, weight: FloatArray,
    pairs: tuple[IntArray, IntArray], *, min_cells: int, detail: bool,
    cell_group: IntArray | None = None, label_group: IntArray | None = None,
) -> IntArray:
    """Contiguous regions around seeds with noisy, wiggly borders.

    Cells are displaced by a smooth random field before the power-diagram
    assignment. The displacement is scaled by the smaller of the two nearest
    seeds' plain Voronoi regions, so small regions are not swallowed by large
    neighbours; a region left with fewer than ``min_cells`` cells gets its
    plain Voronoi region back.
    """
    big = 4.0 * grid.nx * grid.cell
    g = np.zeros(grid.n) if cell_group is None else cell_group.astype(np.float64) * big
    tree = cKDTree(np.column_stack([grid.x[seeds], grid.y[seeds], g[seeds]]))
    _, near = tree.query(np.column_stack([grid.x, grid.y, g]), k=2, workers=-1)
    pre = np.asarray(near[:, 0], dtype=np.int64)
    pre[seeds] = np.arange(seeds.size)
    second = np.asarray(near[:, 1], dtype=np.int64)
    size = np.sqrt(np.bincount(pre, minlength=seeds.size) * grid.cell**2 / math.pi)
    other = size[second]
    if label_group is not None:
        other = np.where(label_group[second] == label_group[pre], other, np.inf)
    amp = 0.22 * np.minimum(size[pre], other)
    scale = 0.7 * float(np.median(size))
    shift = []
    for _ in range(2):
        field = _smooth_noise(rng, grid, scale)
        if detail:
            field = field + 0.4 * _smooth_noise(rng, grid, scale / 3)
        shift.append(amp * field)
    lab = _power_assign(grid, grid.x + shift[0], grid.y + shift[1], seeds, weight, cell_group)
    lab = _make_contiguous(grid, lab, seeds, pairs, label_group)
    small = np.bincount(lab, minlength=seeds.size) < min_cells
    if small.any():
        back = small[pre]
        lab[back] = pre[back]
        lab = _make_contiguous(grid, lab, seeds, pairs, label_group)
    return lab


# --------------------------------------------------------------------------- units


@dataclass(frozen=True)
class _Units:
    """Township-level units in generation order (0..n-1)."""

    of_cell: IntArray
    seat_cell: IntArray
    cells: IntArray
    subdistrict: BoolArray
    main: int
    terrain: IntArray  # index into spec.terrains
    dist_cs: FloatArray  # seat distance from the county seat, m
    seat_x: FloatArray
    seat_y: FloatArray
    cs_cell: int


def _place_units(
    rng: np.random.Generator, grid: _Grid, rugged: FloatArray, cs_cell: int,
    pairs: tuple[IntArray, IntArray], spec: _Spec,
) -> _Units:
    n = spec.n_units
    d_cs = np.hypot(grid.x - grid.x[cs_cell], grid.y - grid.y[cs_cell])
    r_urban = math.sqrt(spec.n_subdistricts * 0.35 * spec.unit_area_km2 * 1e6 / math.pi)
    density = np.exp(-4.5 * rugged) * (1.0 + 6.0 * np.exp(-((d_cs / r_urban) ** 2)))
    seeds = np.argsort(-(0.5 * np.log(density) + _gumbel(rng, grid.n)), kind="stable")[:n]
    seeds = _lloyd(grid, density, seeds.astype(np.int64), np.zeros(n, dtype=bool), 4)
    # The seed nearest the county seat becomes the main subdistrict, on the seat itself.
    near = np.argsort(d_cs[seeds], kind="stable")
    main = int(near[0])
    seeds[main] = cs_cell
    subdistrict = np.zeros(n, dtype=bool)
    subdistrict[near[: spec.n_subdistricts]] = True
    # Randomly weighted power diagram over a warped plane: wiggly borders.
    spacing, _ = cKDTree(np.column_stack([grid.x[seeds], grid.y[seeds]])).query(
        np.column_stack([grid.x[seeds], grid.y[seeds]]), k=2
    )
    weight = (0.25 * spacing[:, 1]) ** 2 * rng.uniform(0.0, 1.0, n)
    lab = _warped_regions(rng, grid, seeds, weight, pairs, min_cells=24, detail=True)
    cells = np.bincount(lab, minlength=n).astype(np.int64)
    # Terrain: quantiles of the units' mean ruggedness (subdistricts are flat).
    mean_rugged = np.bincount(lab, rugged, minlength=n) / cells
    terrain = np.zeros(n, dtype=np.int64)
    rural = np.flatnonzero(~subdistrict)
    shares = np.cumsum(_TERRAIN_SHARES[len(spec.terrains)])[:-1]
    cuts = np.quantile(mean_rugged[rural], shares) if shares.size else np.empty(0)
    terrain[rural] = np.searchsorted(cuts, mean_rugged[rural])
    # Seats: the unit's cell nearest a point jittered around its weighted centre.
    w = density
    cx = np.bincount(lab, w * grid.x, minlength=n) / np.bincount(lab, w, minlength=n)
    cy = np.bincount(lab, w * grid.y, minlength=n) / np.bincount(lab, w, minlength=n)
    jitter = 0.25 * np.sqrt(cells * grid.cell**2 / math.pi)
    cx = cx + rng.normal(0.0, 1.0, n) * jitter
    cy = cy + rng.normal(0.0, 1.0, n) * jitter
    d2 = (grid.x - cx[lab]) ** 2 + (grid.y - cy[lab]) ** 2
    order = np.lexsort((d2, lab))
    first = np.searchsorted(lab[order], np.arange(n))
    seat_cell = order[first].astype(np.int64)
    seat_cell[main] = cs_cell
    return _Units(
        of_cell=lab, seat_cell=seat_cell, cells=cells, subdistrict=subdistrict, main=main,
        terrain=terrain, dist_cs=d_cs[seat_cell], seat_x=grid.x[seat_cell],
        seat_y=grid.y[seat_cell], cs_cell=cs_cell,
    )


def _apportion(
    rng: np.random.Generator, total: int, weights: FloatArray, lo: IntArray, hi: IntArray,
    what: str,
) -> IntArray:
    """Split ``total`` into integers within ``[lo, hi]``, roughly proportional to weights."""
    if int(lo.sum()) > total or int(hi.sum()) < total:
        raise ValueError(
            f"Cannot place {total} {what}: the units take between {int(lo.sum())} and "
            f"{int(hi.sum())}. Change the counts, unit_area_km2 or cell_size_m."
        )
    out = lo.copy()
    while (rest := total - int(out.sum())) > 0:
        room = hi - out
        w = np.where(room > 0, weights + 1e-9, 0.0)
        out += np.minimum(rng.multinomial(rest, w / w.sum()), room)
    return out


# --------------------------------------------------------------------------- settlements


@dataclass(frozen=True)
class _Places:
    """Settlements in generation order: grouped by unit, seat first."""

    unit: IntArray
    cell: IntArray
    of_cell: IntArray
    community: BoolArray
    seat: BoolArray
    rank: IntArray  # rank within its unit by distance from the seat (seat = 0)
    n_comm: IntArray  # per unit
    n_vill: IntArray  # per unit


def _place_settlements(
    rng: np.random.Generator, grid: _Grid, rugged: FloatArray, units: _Units,
    pairs: tuple[IntArray, IntArray], spec: _Spec,
) -> _Places:
    n = spec.n_units
    sub = units.subdistrict
    t_factor = np.array([1.3, 1.0, 0.6, 0.5])[units.terrain]
    rel = units.cells / units.cells.mean()
    cap = units.cells // _MIN_CELLS_PER_SETTLEMENT
    rural = (~sub).astype(np.int64)
    lo_v = rural * min(2, spec.n_villages // max(1, int(rural.sum())))
    hi_c = np.clip(cap - lo_v, 1, _MAX_PER_CODE)
    w_c = np.where(sub, 8.0, t_factor * rel**0.3)
    one = np.ones(n, dtype=np.int64)
    n_comm = _apportion(rng, spec.n_communities, w_c, one, hi_c, "communities")
    w_v = np.where(sub, 0.15, np.array([1.1, 1.0, 0.85, 0.7])[units.terrain] * rel**0.6)
    hi_v = np.clip(cap - n_comm, lo_v, _MAX_PER_CODE)
    n_vill = _apportion(rng, spec.n_villages, w_v, lo_v, hi_v, "villages")
    count = n_comm + n_vill
    # Settlement density: sparser on rugged ground, dense in each market town.
    seat_x, seat_y = grid.x[units.seat_cell], grid.y[units.seat_cell]
    d_seat = np.hypot(grid.x - seat_x[units.of_cell], grid.y - seat_y[units.of_cell])
    r_core = np.maximum(np.sqrt(n_comm * np.where(sub, 1.0e6, 0.6e6) / math.pi), 1200.0)
    core = np.exp(-((d_seat / r_core[units.of_cell]) ** 2))
    density = np.exp(-1.5 * rugged) * (1.0 + 8.0 * core)
    keys = 0.5 * np.log(density) + _gumbel(rng, grid.n)
    keys[units.seat_cell] = np.inf
    seeds = _grouped_top(keys, units.of_cell, count)
    seat = np.zeros(seeds.size, dtype=bool)
    seat[np.isin(seeds, units.seat_cell)] = True
    seeds = _lloyd(grid, density, seeds, seat, 3, cell_group=units.of_cell)
    unit = units.of_cell[seeds]
    # Nearest the seat: the seat itself, then the other communities; then villages.
    d = np.hypot(grid.x[seeds] - seat_x[unit], grid.y[seeds] - seat_y[unit])
    order = np.lexsort((d, unit))
    seeds, unit = seeds[order], unit[order]
    start = np.searchsorted(unit, np.arange(n))
    rank = np.arange(seeds.size) - start[unit]
    community = rank < n_comm[unit]
    seat = rank == 0
    # Final territories: warped power diagram inside each unit.
    spacing, _ = cKDTree(np.column_stack([grid.x[seeds], grid.y[seeds]])).query(
        np.column_stack([grid.x[seeds], grid.y[seeds]]), k=2
    )
    half = spacing[:, 1] / 2
    spread = np.where(seat, 0.5, np.where(community, 0.0, 0.6 * rng.uniform(0.7, 1.0, seeds.size)))
    weight = (spread * half) ** 2
    lab = _warped_regions(
        rng, grid, seeds, weight, pairs, cell_group=units.of_cell, label_group=unit,
        min_cells=8, detail=False,
    )
    return _Places(
        unit=unit, cell=seeds, of_cell=lab, community=community, seat=seat, rank=rank,
        n_comm=n_comm, n_vill=n_vill,
    )


# --------------------------------------------------------------------------- people


@dataclass(frozen=True)
class _People:
    """Populations, groups and unit kinds."""

    population: IntArray  # per settlement
    groups: IntArray  # per settlement
    unit_kind: tuple[str, ...]
    unit_population: IntArray


def _populate(rng: np.random.Generator, units: _Units, places: _Places, spec: _Spec) -> _People:
    n = spec.n_units
    u = places.unit
    sub = units.subdistrict[u]
    terr = np.array([_VILLAGE_POP[t] for t in spec.terrains])[units.terrain[u]]
    median = np.where(
        places.community,
        np.where(sub, 3300.0, 1200.0),
        np.where(sub, 2000.0, terr),
    )
    pop = median * rng.lognormal(0.0, 0.35, u.size)
    # Town or township (乡): larger, flatter units are towns.
    prelim = np.bincount(u, pop, minlength=n)
    score = np.log(prelim) - 0.35 * units.terrain + rng.normal(0.0, 0.35, n)
    rural = np.flatnonzero(~units.subdistrict)
    n_town = round(_TOWN_SHARE * rural.size)
    by_score = rural[np.argsort(-score[rural], kind="stable")]
    kind = np.full(n, "subdistrict", dtype=object)
    kind[by_score[:n_town]] = "town"
    kind[by_score[n_town:]] = "township"
    townships = by_score[n_town:]
    if spec.n_ethnic and townships.size:
        remote = units.terrain[townships] + 0.5 * rng.uniform(0.0, 1.0, townships.size)
        ethnic = townships[np.argsort(-remote, kind="stable")[: spec.n_ethnic]]
        kind[ethnic] = "ethnic township"
    seat_median = pd.Series(kind).map(
        {"subdistrict": 5000.0, "town": 2800.0, "township": 1200.0, "ethnic township": 900.0}
    ).to_numpy(dtype=np.float64, copy=True)
    seat_median[units.main] = 9000.0
    seat = places.seat
    pop[seat] = seat_median[u[seat]] * rng.lognormal(0.0, 0.25, int(seat.sum()))
    population = np.maximum(np.rint(pop), 120).astype(np.int64)
    groups = np.zeros(u.size, dtype=np.int64)
    vill = np.flatnonzero(~places.community)
    comm = np.flatnonzero(places.community)
    if vill.size:
        lo = np.full(vill.size, 1 if spec.village_groups >= vill.size else 0, dtype=np.int64)
        groups[vill] = _apportion(
            rng, spec.village_groups, population[vill].astype(np.float64), lo,
            np.full(vill.size, 10**6, dtype=np.int64), "village groups",
        )
    groups[comm] = _apportion(
        rng, spec.resident_groups, population[comm].astype(np.float64),
        np.zeros(comm.size, dtype=np.int64), np.full(comm.size, 10**6, dtype=np.int64),
        "resident groups",
    )
    return _People(
        population=population, groups=groups, unit_kind=tuple(str(k) for k in kind),
        unit_population=np.bincount(u, population, minlength=n).astype(np.int64),
    )


# --------------------------------------------------------------------------- names


def _stem_space() -> tuple[npt.NDArray[np.str_], FloatArray, npt.NDArray[np.str_]]:
    """All candidate stems, a base weight per stem, and the urban stems."""
    first = np.array(list(dict.fromkeys(_FIRST)))
    second = np.array(list(dict.fromkeys(_SECOND)))
    two = np.char.add(first[:, None], second[None, :]).ravel()
    keep_two = np.repeat(first, second.size) != np.tile(second, first.size)
    two = two[keep_two]
    two_first = np.repeat(first, second.size)[keep_two]
    mods = np.array(list(_MODIFIERS))
    three = np.char.add(np.repeat(mods, two.size), np.tile(two, mods.size))
    three = three[np.repeat(mods, two.size) != np.tile(two_first, mods.size)]
    urban = np.array(_URBAN_STEMS)
    stems = np.concatenate([urban, two, three])
    _, first_idx = np.unique(stems, return_index=True)
    keep = np.zeros(stems.size, dtype=bool)
    keep[first_idx] = True
    weight = np.concatenate(
        [np.full(urban.size, -1.0), np.ones(two.size), np.full(three.size, 0.004)]
    )
    return stems[keep], weight[keep], urban


def _draw(rng: np.random.Generator, weight: FloatArray, taken: BoolArray, k: int) -> IntArray:
    """Weighted draw of ``k`` distinct untaken indices (Gumbel top-k)."""
    with np.errstate(divide="ignore"):
        keys = np.log(np.where(taken | (weight <= 0), 0.0, weight)) + _gumbel(rng, weight.size)
    if k > int(np.isfinite(keys).sum()):
        raise ValueError("Not enough distinct names for so many units and settlements.")
    chosen = np.argsort(-keys, kind="stable")[:k]
    taken[chosen] = True
    return np.asarray(chosen, dtype=np.int64)


@dataclass(frozen=True)
class _Names:
    unit: tuple[str, ...]
    settlement: tuple[str, ...]


def _name_everything(
    rng: np.random.Generator, units: _Units, places: _Places, people: _People, spec: _Spec
) -> _Names:
    n = spec.n_units
    stems, base_w, urban = _stem_space()
    taken = np.zeros(stems.size, dtype=bool)
    is_urban = np.isin(stems, urban)
    unit_stem = np.empty(n, dtype=object)
    # Subdistricts, nearest the county seat first: 城北, 城南 ... then ordinary stems.
    subs = np.flatnonzero(units.subdistrict)
    subs = subs[np.argsort(units.dist_cs[subs], kind="stable")]
    sub_pool = list(_SUBDISTRICT_STEMS[:6])
    picks = [sub_pool[i] for i in rng.permutation(len(sub_pool))]
    picks += [s for s in _SUBDISTRICT_STEMS[6:] if s not in picks]
    extra = max(0, subs.size - len(picks))
    taken |= np.isin(stems, picks)
    if extra:
        picks += [str(s) for s in stems[_draw(rng, base_w * (~is_urban), taken, extra)]]
    unit_stem[subs] = picks[: subs.size]
    rural = np.flatnonzero(~units.subdistrict)
    unit_stem[rural] = stems[_draw(rng, np.where(is_urban, 0.0, base_w), taken, rural.size)]
    suffix = {"subdistrict": "街道", "town": "镇", "township": "乡"}
    ethnic_names = np.array(_ETHNIC)[rng.integers(0, len(_ETHNIC), n)]
    unit_name = [
        f"{stem}{ethnic}乡" if k == "ethnic township" else f"{stem}{suffix[k]}"
        for stem, ethnic, k in zip(unit_stem, ethnic_names, people.unit_kind, strict=True)
    ]
    # Seats take their unit's stem (青杠镇 sits at 青杠社区); others draw their own.
    name = np.empty(places.unit.size, dtype=object)
    seat = places.seat
    name[seat] = np.char.add(unit_stem[places.unit[seat]].astype(str), "社区")
    comm = np.flatnonzero(places.community & ~seat)
    w_comm = np.where(is_urban, 30.0, base_w)
    name[comm] = np.char.add(stems[_draw(rng, w_comm, taken, comm.size)], "社区")
    vill = np.flatnonzero(~places.community)
    w_vill = np.where(is_urban, 0.0, base_w)
    name[vill] = np.char.add(stems[_draw(rng, w_vill, taken, vill.size)], "村")
    return _Names(unit=tuple(unit_name), settlement=tuple(str(s) for s in name))


# --------------------------------------------------------------------------- codes


@dataclass(frozen=True)
class _Codes:
    unit: tuple[str, ...]
    parent: tuple[str, ...]
    settlement: tuple[str, ...]


def _code_everything(units: _Units, places: _Places, people: _People, spec: _Spec) -> _Codes:
    """Statistical codes: county + 0xx (街道) / 1xx (镇) / 2xx (乡), then 0xx / 2xx."""
    n = spec.n_units
    kind = np.array(people.unit_kind, dtype=object)
    kind_digit = np.where(kind == "subdistrict", 0, np.where(kind == "town", 1, 2))
    block = np.zeros(n, dtype=np.int64)
    counts = np.bincount(kind_digit, minlength=3)
    if counts.max() > _MAX_PER_CODE:
        # Pseudo-counties: horizontal bands of units, cut into runs of equal size.
        n_blocks = math.ceil(n / _UNITS_PER_BLOCK)
        n_bands = max(1, round(math.sqrt(n_blocks)))
        band = np.empty(n, dtype=np.int64)
        band[np.argsort(units.seat_y, kind="stable")] = np.arange(n) * n_bands // n
        snake = np.where(band % 2 == 0, 1.0, -1.0) * units.seat_x
        block[np.lexsort((snake, band))] = np.arange(n) * n_blocks // n
    parent_int = int(spec.county_code) + block
    # Within a county and kind, number units by distance from the county seat.
    order = np.lexsort((units.dist_cs, kind_digit, block))
    seq = np.zeros(n, dtype=np.int64)
    grp = block[order] * 3 + kind_digit[order]
    start = np.searchsorted(grp, grp, side="left")
    seq[order] = np.arange(n) - start + 1
    unit_code = tuple(f"{p}{d}{s:02d}" for p, d, s in zip(parent_int, kind_digit, seq, strict=True))
    parent = tuple(str(p) for p in parent_int)
    # Settlements: communities 001.. (seat first), villages 201.., both outward from the seat.
    vrank = places.rank - places.n_comm[places.unit]
    num = np.where(places.community, places.rank + 1, 201 + vrank)
    code = tuple(
        f"{unit_code[u]}{k:03d}" for u, k in zip(places.unit, num, strict=True)
    )
    return _Codes(unit=unit_code, parent=parent, settlement=code)


# --------------------------------------------------------------------------- geometry

#: Unit steps of the four edge directions: east, north, west, south.
_STEPS = ((1, 0), (0, 1), (-1, 0), (0, -1))


def _trace(
    labels: IntArray, x0: float, y0: float, cell: float
) -> tuple[npt.NDArray[np.object_], IntArray]:
    """Boundary rings of every labelled region of a raster (``-1`` = outside).

    Each boundary cell edge becomes a directed edge with its region on the
    left; edges are chained into rings by pointer doubling. Where a region
    touches itself at a corner the chain turns right, giving a shell and a hole
    that meet at a point (valid) rather than a self-touching shell. Vertices
    where a ring runs straight on between only two regions are dropped, so
    neighbouring regions share exactly the same vertices. Regions must be
    4-connected: each then has one counter-clockwise shell.
    """
    nx = labels.shape[1]
    p = np.pad(labels, 1, constant_values=-1)
    west, east = p[1:-1, :-1], p[1:-1, 1:]
    vi, vj = np.nonzero(west != east)
    south, north = p[:-1, 1:-1], p[1:, 1:-1]
    hi, hj = np.nonzero(south != north)
    nv, nh = vi.size, hi.size
    sx = np.concatenate([vj, vj, hj, hj + 1]).astype(np.int64)
    sy = np.concatenate([vi, vi + 1, hi, hi]).astype(np.int64)
    dr = np.concatenate(
        [np.full(nv, 1), np.full(nv, 3), np.full(nh, 0), np.full(nh, 2)]
    ).astype(np.int64)
    lb = np.concatenate([west[vi, vj], east[vi, vj], north[hi, hj], south[hi, hj]])
    keep = lb >= 0
    sx, sy, dr, lb = sx[keep], sy[keep], dr[keep], lb[keep]
    n = sx.size
    step_x = np.array([s[0] for s in _STEPS], dtype=np.int64)
    step_y = np.array([s[1] for s in _STEPS], dtype=np.int64)
    n_lab = int(labels.max()) + 1
    start_key = ((sy * (nx + 1) + sx) * n_lab + lb) * 4 + dr
    order = np.argsort(start_key, kind="stable")
    sorted_key = start_key[order]
    end_base = (((sy + step_y[dr]) * (nx + 1) + sx + step_x[dr]) * n_lab + lb) * 4
    succ = np.full(n, -1, dtype=np.int64)
    for turn in (3, 0, 1):  # right, straight on, left
        want = end_base + (dr + turn) % 4
        at = np.minimum(np.searchsorted(sorted_key, want), n - 1)
        hit = (sorted_key[at] == want) & (succ < 0)
        succ[hit] = order[at[hit]]
    # Ring id: the smallest edge index on the ring (pointer doubling).
    ring = np.arange(n, dtype=np.int64)
    jump = succ.copy()
    while True:
        nxt = np.minimum(ring, ring[jump])
        jump = jump[jump]
        if np.array_equal(nxt, ring):
            break
        ring = nxt
    # Position along the ring: distance to the edge before the ring's first edge.
    idx = np.arange(n, dtype=np.int64)
    last = succ == ring
    jump = np.where(last, idx, succ)
    dist = (~last).astype(np.int64)
    while True:
        dist = dist + dist[jump]
        nxt = jump[jump]
        if np.array_equal(nxt, jump):
            break
        jump = nxt
    pred = np.empty(n, dtype=np.int64)
    pred[succ] = idx
    c1, c2 = p[sy, sx], p[sy, sx + 1]
    c3, c4 = p[sy + 1, sx], p[sy + 1, sx + 1]
    n_distinct = (
        1 + (c2 != c1) + ((c3 != c1) & (c3 != c2)) + ((c4 != c1) & (c4 != c2) & (c4 != c3))
    )
    corner = (dr != dr[pred]) | (n_distinct >= 3)
    seq = np.lexsort((-dist, ring))
    seq = seq[corner[seq]]
    _, ring_index = np.unique(ring[seq], return_inverse=True)
    coords = np.column_stack([x0 + sx[seq] * cell, y0 + sy[seq] * cell])
    rings = shapely.linearrings(coords, indices=ring_index)
    firsts = np.r_[0, np.flatnonzero(np.diff(ring_index)) + 1]
    return np.asarray(rings, dtype=object), lb[seq][firsts].astype(np.int64)


def _rings_to_polygons(
    rings: npt.NDArray[np.object_], ring_label: IntArray, n: int
) -> npt.NDArray[np.object_]:
    """One polygon per label: its counter-clockwise shell and clockwise holes."""
    ccw = np.asarray(shapely.is_ccw(rings), dtype=bool)
    if np.bincount(ring_label[ccw], minlength=n).max(initial=0) != 1 or ccw.sum() != n:
        raise RuntimeError("every territory should have exactly one outer ring")  # pragma: no cover
    polys = np.empty(n, dtype=object)
    polys[ring_label[ccw]] = shapely.polygons(rings[ccw])
    for lab in np.unique(ring_label[~ccw]):
        shell = rings[ccw][ring_label[ccw] == lab][0]
        holes = list(rings[~ccw][ring_label[~ccw] == lab])
        polys[lab] = shapely.Polygon(shell, holes)
    return polys


@dataclass(frozen=True)
class _Geoms:
    village: npt.NDArray[np.object_]  # EPSG:4490, per settlement
    unit: npt.NDArray[np.object_]  # EPSG:4490, per unit
    point: npt.NDArray[np.object_]  # EPSG:4490, per settlement
    px: FloatArray  # metric, local (origin-centred) coordinates of the points
    py: FloatArray
    to_geo: Transformer
    offset: tuple[float, float]

    def geo_coords(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Local metric coordinates to rounded EPSG:4490 ones."""
        lon, lat = self.to_geo.transform(x + self.offset[0], y + self.offset[1])
        return np.round(np.column_stack([lon, lat]), 7)


def _geometries(
    rng: np.random.Generator, grid: _Grid, places: _Places, to_geo: Transformer,
    offset: tuple[float, float], spec: _Spec,
) -> _Geoms:
    n = places.unit.size
    rings, ring_label = _trace(grid.raster(places.of_cell), grid.x0, grid.y0, grid.cell)
    metric = _rings_to_polygons(rings, ring_label, n)
    smooth = shapely.coverage_simplify(metric, 2.0 * grid.cell)

    def to_geo_xy(xy: FloatArray) -> FloatArray:
        lon, lat = to_geo.transform(xy[:, 0] + offset[0], xy[:, 1] + offset[1])
        return np.round(np.column_stack([lon, lat]), 7)

    village = np.asarray(shapely.transform(smooth, to_geo_xy), dtype=object)
    # Settlement points: jittered seed cells, moved inside the territory if need be.
    jitter = rng.uniform(-0.35, 0.35, (n, 2)) * grid.cell
    mx = grid.x[places.cell] + jitter[:, 0]
    my = grid.y[places.cell] + jitter[:, 1]
    point = np.asarray(shapely.points(to_geo_xy(np.column_stack([mx, my]))), dtype=object)
    bad = ~np.asarray(shapely.contains_properly(village, point), dtype=bool)
    if bad.any():
        inner = shapely.get_coordinates(shapely.point_on_surface(village[bad]))
        point[bad] = shapely.points(np.round(inner, 7))
        from_geo = Transformer.from_crs(to_geo.target_crs, to_geo.source_crs, always_xy=True)
        bx, by = from_geo.transform(inner[:, 0], inner[:, 1])
        mx[bad] = np.asarray(bx) - offset[0]
        my[bad] = np.asarray(by) - offset[1]
    starts = np.searchsorted(places.unit, np.arange(spec.n_units + 1))
    unit = np.empty(spec.n_units, dtype=object)
    for u in range(spec.n_units):
        unit[u] = shapely.coverage_union_all(village[starts[u] : starts[u + 1]])
    return _Geoms(
        village=village, unit=unit, point=np.asarray(point, dtype=object), px=mx, py=my,
        to_geo=to_geo, offset=offset,
    )


# --------------------------------------------------------------------------- roads


@dataclass(frozen=True)
class _Roads:
    a: IntArray  # settlement indices (generation order)
    b: IntArray
    rank: IntArray  # index into ROAD_CLASSES
    speed: FloatArray  # km/h
    length_m: FloatArray
    geometry: npt.NDArray[np.object_]

    def minutes_graph(self, n: int) -> sparse.csr_matrix:
        minutes = self.length_m / 1000.0 / self.speed * 60.0
        return sparse.coo_matrix((minutes, (self.a, self.b)), shape=(n, n)).tocsr()


def _candidate_edges(px: FloatArray, py: FloatArray) -> tuple[IntArray, IntArray]:
    n = px.size
    if n < 4:
        a, b = np.triu_indices(n, 1)
        return a.astype(np.int64), b.astype(np.int64)
    tri = Delaunay(np.column_stack([px, py]))
    s = tri.simplices
    e = np.concatenate([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
    e = np.unique(np.sort(e, axis=1), axis=0)
    return e[:, 0].astype(np.int64), e[:, 1].astype(np.int64)


def _edge_index(a: IntArray, b: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """Sorted keys of undirected edges and the order that sorts them."""
    key = np.minimum(a, b) * n + np.maximum(a, b)
    order = np.argsort(key, kind="stable")
    return key[order], order


def _find_edges(keys: IntArray, order: IntArray, u: IntArray, v: IntArray, n: int) -> IntArray:
    """Indices of the undirected edges ``(u, v)`` (which must exist)."""
    want = np.minimum(u, v).astype(np.int64) * n + np.maximum(u, v)
    return np.asarray(order[np.searchsorted(keys, want)], dtype=np.int64)


def _build_roads(
    rng: np.random.Generator, grid: _Grid, units: _Units, places: _Places, people: _People,
    geoms: _Geoms, spec: _Spec,
) -> _Roads:
    px, py = geoms.px, geoms.py
    n = px.size
    a, b = _candidate_edges(px, py)
    length = np.hypot(px[a] - px[b], py[a] - py[b])
    mst = csgraph.minimum_spanning_tree(
        sparse.coo_matrix((length, (a, b)), shape=(n, n)).tocsr()
    ).tocoo()
    keys, order = _edge_index(a, b, n)
    in_mst = np.zeros(a.size, dtype=bool)
    in_mst[_find_edges(keys, order, mst.row, mst.col, n)] = True
    nearest, _ = cKDTree(np.column_stack([px, py])).query(np.column_stack([px, py]), k=2)
    nn = nearest[:, 1]
    short = length <= 1.5 * np.sqrt(nn[a] * nn[b])
    on_land = np.ones(a.size, dtype=bool)
    for f in (0.25, 0.5, 0.75):
        on_land &= grid.locate(px[a] + f * (px[b] - px[a]), py[a] + f * (py[b] - py[a])) >= 0
    keep = in_mst | (short & on_land & (rng.uniform(0.0, 1.0, a.size) < 0.6))
    a, b, length = a[keep], b[keep], length[keep]
    graph = sparse.coo_matrix((length, (a, b)), shape=(n, n)).tocsr()
    keys, order = _edge_index(a, b, n)
    # Trunk roads: shortest routes between the seats of neighbouring units.
    seat_idx = np.flatnonzero(places.seat)  # ordered by unit
    dist, pred, src = csgraph.dijkstra(
        graph, directed=False, indices=seat_idx, return_predecessors=True, min_only=True
    )
    region = places.unit[np.asarray(src, dtype=np.int64)]  # unit whose seat is nearest
    cross = region[a] != region[b]
    ca, cb = a[cross], b[cross]
    cost = dist[ca] + length[cross] + dist[cb]
    ra, rb = region[ca], region[cb]
    lo, hi = np.minimum(ra, rb), np.maximum(ra, rb)
    o = np.lexsort((cost, hi, lo))
    first = np.r_[True, (lo[o][1:] != lo[o][:-1]) | (hi[o][1:] != hi[o][:-1])]
    link = o[first]
    la, lb, lu, lv, lcost = lo[link], hi[link], ca[link], cb[link], cost[link]
    kind = np.array(people.unit_kind, dtype=object)
    urban = (kind == "subdistrict") | (kind == "town")
    pop_u = people.unit_population.astype(np.float64)
    pull = pop_u[la] * pop_u[lb] / np.maximum(lcost, 1.0) ** 2
    link_rank = np.where(urban[la] & urban[lb], 2, 1)
    if link.size >= 4:
        link_rank[pull >= np.quantile(pull, 0.85)] = 3
    national, tree = _trunk_links(units, la, lb, lcost, spec.n_units)
    link_rank[tree] = np.maximum(link_rank[tree], 2)
    link_rank[national] = 4
    # Rank of the tree edge from each node towards its seat, then of every edge.
    up = np.zeros(n, dtype=np.int64)
    cur = np.concatenate([lu, lv])
    r = np.concatenate([link_rank, link_rank])
    while cur.size:
        go = pred[cur] >= 0
        cur, r = cur[go], r[go]
        np.maximum.at(up, cur, r)
        cur = pred[cur]
    rank = np.where(places.community[a] | places.community[b], 1, 0)
    child = np.flatnonzero((up > 0) & (pred >= 0))
    at = _find_edges(keys, order, child, pred[child], n)
    np.maximum.at(rank, at, up[child])
    direct = _find_edges(keys, order, lu, lv, n)
    np.maximum.at(rank, direct, link_rank)
    terrain = np.maximum(units.terrain[places.unit[a]], units.terrain[places.unit[b]])
    factor = np.array([TERRAIN_SPEED_FACTOR[t] for t in spec.terrains])[terrain]
    base = np.array([ROAD_SPEEDS_KMH[c] for c in ROAD_CLASSES])[rank]
    speed = np.round(base * factor)
    # Gently bent lines: one interior vertex off the straight line.
    bend = rng.normal(0.0, 0.06, a.size) * np.where(rank >= 3, 0.3, 1.0)
    mx = (px[a] + px[b]) / 2 - bend * (py[b] - py[a])
    my = (py[a] + py[b]) / 2 + bend * (px[b] - px[a])
    length_m = np.hypot(mx - px[a], my - py[a]) + np.hypot(px[b] - mx, py[b] - my)
    ends = shapely.get_coordinates(geoms.point)
    mids = geoms.geo_coords(mx, my)
    coords = np.stack([ends[a], mids, ends[b]], axis=1)
    lines = np.asarray(shapely.linestrings(coords), dtype=object)
    return _Roads(a=a, b=b, rank=rank, speed=speed, length_m=length_m, geometry=lines)


def _trunk_links(
    units: _Units, la: IntArray, lb: IntArray, cost: FloatArray, n: int
) -> tuple[BoolArray, BoolArray]:
    """Seat links on the routes from the county seat to every seat, and national ones.

    The national road has two arms from the county seat: to the farthest town
    and to the farthest one roughly on the opposite side.
    """
    national = np.zeros(la.size, dtype=bool)
    tree = np.zeros(la.size, dtype=bool)
    if la.size == 0:
        return national, tree
    seat_graph = sparse.coo_matrix((cost, (la, lb)), shape=(n, n)).tocsr()
    dist, pred = csgraph.dijkstra(
        seat_graph, directed=False, indices=units.main, return_predecessors=True
    )
    key = np.minimum(la, lb) * n + np.maximum(la, lb)
    child = np.flatnonzero(pred >= 0)
    tree = np.isin(key, np.minimum(child, pred[child]) * n + np.maximum(child, pred[child]))
    dx = units.seat_x - units.seat_x[units.main]
    dy = units.seat_y - units.seat_y[units.main]
    reach = np.isfinite(dist) & ~units.subdistrict
    if not reach.any():
        return national, tree
    far1 = int(np.argmax(np.where(reach, dist, -1.0)))
    ends = [far1]
    norm = np.hypot(dx, dy) * math.hypot(dx[far1], dy[far1])
    cos = (dx * dx[far1] + dy * dy[far1]) / np.maximum(norm, 1.0)
    other = reach & (cos < -0.2)
    if other.any():
        ends.append(int(np.argmax(np.where(other, dist, -1.0))))
    for end in ends:
        path = []
        node = end
        while node != units.main and pred[node] >= 0:
            path.append(min(node, pred[node]) * n + max(node, pred[node]))
            node = int(pred[node])
        national |= np.isin(key, path)
    return national, tree


# --------------------------------------------------------------------------- flows


#: Origins per tile when flows are computed tile by tile.
_TILE_ORIGINS = 600
#: Destinations scored per origin before noise picks the 12-20 kept.
_CANDIDATES = 40
#: Travel-time horizon of the flow model, minutes (the county seat is always in reach).
_FLOW_LIMIT_MIN = 60.0


def _tiles(px: FloatArray, py: FloatArray, margin: float) -> list[tuple[IntArray, IntArray]]:
    """Origins in square tiles, each with the settlements near enough to matter."""
    n = px.size
    every = np.arange(n, dtype=np.int64)
    if n <= 2 * _TILE_ORIGINS:
        return [(every, every)]
    minx, miny = float(px.min()), float(py.min())
    side = math.sqrt((float(px.max()) - minx) * (float(py.max()) - miny) * _TILE_ORIGINS / n)
    ti = np.floor((py - miny) / side).astype(np.int64)
    tj = np.floor((px - minx) / side).astype(np.int64)
    key = ti * (int(tj.max()) + 1) + tj
    order = np.argsort(key, kind="stable")
    bounds = np.r_[0, np.flatnonzero(np.diff(key[order])) + 1, n]
    out = []
    for lo, hi in itertools.pairwise(bounds):
        origins = np.sort(order[lo:hi])
        x_lo, x_hi = px[origins].min() - margin, px[origins].max() + margin
        y_lo, y_hi = py[origins].min() - margin, py[origins].max() + margin
        near = np.flatnonzero((px >= x_lo) & (px <= x_hi) & (py >= y_lo) & (py <= y_hi))
        out.append((origins, near.astype(np.int64)))
    return out


def _build_flows(
    rng: np.random.Generator, units: _Units, places: _Places, people: _People, geoms: _Geoms,
    roads: _Roads, spec: _Spec,
) -> pd.DataFrame:
    """Gravity flows over road travel time, the strongest 12-20 per origin."""
    n = places.unit.size
    graph = roads.minutes_graph(n)
    pop = people.population.astype(np.float64)
    kind = np.array(people.unit_kind, dtype=object)[places.unit]
    cs = int(np.flatnonzero(places.seat & (places.unit == units.main))[0])
    # Attraction: seats, and above all the county seat, pull more than their size.
    attract = pop * np.where(places.seat, 3.0, 1.0)
    attract[cs] *= 3.0
    income = np.where(kind == "subdistrict", 2.2, np.where(places.community, 1.6, 1.0))
    gdp = pop * income * np.where(places.seat, 1.5, 1.0)
    cs_time = np.asarray(csgraph.dijkstra(graph, directed=False, indices=cs), dtype=np.float64)
    margin = max(10_000.0, 2.5 * math.sqrt(spec.unit_area_km2 * 1e6))
    out_o, out_d, out_t = [], [], []
    for origins, near in _tiles(geoms.px, geoms.py, margin):
        t = np.asarray(
            csgraph.dijkstra(
                graph[near][:, near], directed=False, indices=np.searchsorted(near, origins),
                limit=_FLOW_LIMIT_MIN,
            ),
            dtype=np.float64,
        ).reshape(origins.size, near.size)
        cols = near
        at = int(np.searchsorted(near, cs))
        if at == near.size or near[at] != cs:  # the county seat is always a candidate
            cols = np.r_[near, cs]
            t = np.column_stack([t, cs_time[origins]])
        score = np.log(attract[cols])[None, :] - 2.0 * np.log(t + 5.0)
        score[~np.isfinite(t) | (cols[None, :] == origins[:, None])] = -np.inf
        m = min(_CANDIDATES, cols.size - 1)
        top = np.argpartition(-score, m - 1, axis=1)[:, :m]
        noisy = np.take_along_axis(score, top, axis=1) + rng.normal(0.0, 0.5, (origins.size, m))
        pick = np.argsort(-noisy, axis=1, kind="stable")
        ranked = np.take_along_axis(top, pick, axis=1)
        k = rng.integers(12, 21, origins.size)
        ok = (np.arange(m)[None, :] < k[:, None]) & np.isfinite(
            np.take_along_axis(noisy, pick, axis=1)
        )
        rows = np.broadcast_to(np.arange(origins.size)[:, None], ok.shape)
        out_o.append(origins[rows[ok]])
        out_d.append(cols[ranked[ok]])
        out_t.append(np.take_along_axis(t, ranked, axis=1)[ok])
    o = np.concatenate(out_o)
    d = np.concatenate(out_d)
    cost = np.log(np.concatenate(out_t) + 5.0)
    # Per origin: trips a day, vehicles a day, and 10,000 yuan a year.
    models = {
        "population": (np.log(attract[d]) - 2.0 * cost, 0.5, 0.10 * pop),
        "traffic": (0.6 * np.log(attract[d]) - 1.5 * cost, 0.6, 0.06 * pop),
        "economic": (np.log(gdp[d]) - 2.0 * cost, 0.7, 0.05 * gdp),
    }
    frame: dict[str, npt.NDArray[np.generic]] = {"origin": o, "destination": d}
    for name, (logw, sigma, total) in models.items():
        noisy_w = logw + rng.normal(0.0, sigma, o.size)
        top_w = np.full(n, -np.inf)
        np.maximum.at(top_w, o, noisy_w)
        w = np.exp(noisy_w - top_w[o])
        share = w / np.bincount(o, w, minlength=n)[o]
        frame[name] = np.maximum(np.round(total[o] * share, 1), 0.1)
    return pd.DataFrame(frame)


# --------------------------------------------------------------------------- frames


def _assemble(
    seed: int, units: _Units, places: _Places, people: _People, names: _Names, codes: _Codes,
    geoms: _Geoms, roads: _Roads, flows: pd.DataFrame, spec: _Spec,
) -> SyntheticCounty:
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
