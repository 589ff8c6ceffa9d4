"""Where units and settlements go: seeds, territories, seats and terrain classes.

:func:`place_units` spreads township seeds densely on the plain and around the county seat,
grows the units' territories, classes each unit's terrain and picks its seat
(:class:`Units`); :func:`place_settlements` does the same for the settlements inside each
unit, the seat and the other communities clustering into the market town (场镇)
(:class:`Places`). :func:`apportion` splits a total into bounded integer counts.

Examples
--------
>>> import numpy as np
>>> from townmerge.datasets.grid import make_grid, ruggedness
>>> from townmerge.datasets.spec import CountySpec
>>> spec, rng = CountySpec.build(n_units=6), np.random.default_rng(1)
>>> grid = make_grid(rng, 6 * 60e6, 275.0)
>>> rugged, cs_cell = ruggedness(rng, grid, spec)
>>> units = place_units(rng, grid, rugged, cs_cell, grid.neighbour_pairs(), spec)
>>> places = place_settlements(rng, grid, rugged, units, grid.neighbour_pairs(), spec)
>>> int(units.subdistrict.sum()), int(places.seat.sum()), places.unit.size
(1, 6, 44)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from scipy.spatial import cKDTree

from .grid import BoolArray, FloatArray, Grid, IntArray, gumbel
from .regions import grouped_top, lloyd, warped_regions
from .spec import MAX_PER_CODE, CountySpec

__all__ = ["Places", "Units", "apportion", "place_settlements", "place_units"]

#: Share of units per terrain (in the order given), by number of terrains used.
_TERRAIN_SHARES = MappingProxyType(
    {1: (1.0,), 2: (0.5, 0.5), 3: (0.3, 0.4, 0.3), 4: (0.25, 0.35, 0.28, 0.12)}
)
#: Fewest cells a settlement may have on average.
_MIN_CELLS_PER_SETTLEMENT = 12


@dataclass(frozen=True)
class Units:
    """Township-level units in generation order (0..n-1).

    Attributes
    ----------
    of_cell : ndarray
        Unit of each grid cell.
    seat_cell, cells : ndarray
        Seat cell and number of cells of each unit.
    subdistrict : ndarray of bool
        Urban subdistricts (街道), nearest the county seat.
    main : int
        The unit holding the county seat.
    terrain : ndarray
        Index into ``spec.terrains``.
    dist_cs, seat_x, seat_y : ndarray
        Seat distance from the county seat and seat coordinates, metres.
    cs_cell : int
        The county seat's cell.

    Examples
    --------
    >>> from townmerge.datasets.spec import CountySpec
    >>> from townmerge.datasets.synthetic import draft_county
    >>> d = draft_county(CountySpec.build(n_units=6), seed=1)
    >>> bool(d.units.seat_cell[d.units.main] == d.units.cs_cell)
    True
    """

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


def place_units(
    rng: np.random.Generator, grid: Grid, rugged: FloatArray, cs_cell: int,
    pairs: tuple[IntArray, IntArray], spec: CountySpec,
) -> Units:
    """Seed, grow and class the township-level units.

    Seeds are spread by Lloyd relaxation over a density that is high on the plain and around
    the county seat; the seeds nearest the county seat become the subdistricts (the nearest
    on the county seat itself). Territories are :func:`warped_regions`; terrain classes are
    quantiles of the rural units' mean ruggedness; each seat is the cell nearest a jittered,
    density-weighted centre.

    Examples
    --------
    >>> import numpy as np
    >>> from townmerge.datasets.grid import make_grid, ruggedness
    >>> from townmerge.datasets.spec import CountySpec
    >>> spec, rng = CountySpec.build(n_units=6), np.random.default_rng(1)
    >>> grid = make_grid(rng, 6 * 60e6, 275.0)
    >>> rugged, cs_cell = ruggedness(rng, grid, spec)
    >>> units = place_units(rng, grid, rugged, cs_cell, grid.neighbour_pairs(), spec)
    >>> bool((units.of_cell[units.seat_cell] == np.arange(6)).all())
    True
    """
    n = spec.n_units
    d_cs = np.hypot(grid.x - grid.x[cs_cell], grid.y - grid.y[cs_cell])
    r_urban = math.sqrt(spec.n_subdistricts * 0.35 * spec.unit_area_km2 * 1e6 / math.pi)
    density = np.exp(-4.5 * rugged) * (1.0 + 6.0 * np.exp(-((d_cs / r_urban) ** 2)))
    seeds = np.argsort(-(0.5 * np.log(density) + gumbel(rng, grid.n)), kind="stable")[:n]
    seeds = lloyd(grid, density, seeds.astype(np.int64), np.zeros(n, dtype=bool), 4)
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
    lab = warped_regions(rng, grid, seeds, weight, pairs, min_cells=24, detail=True)
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
    return Units(
        of_cell=lab, seat_cell=seat_cell, cells=cells, subdistrict=subdistrict, main=main,
        terrain=terrain, dist_cs=d_cs[seat_cell], seat_x=grid.x[seat_cell],
        seat_y=grid.y[seat_cell], cs_cell=cs_cell,
    )


def apportion(
    rng: np.random.Generator, total: int, weights: FloatArray, lo: IntArray, hi: IntArray,
    what: str,
) -> IntArray:
    """Split ``total`` into integers within ``[lo, hi]``, roughly proportional to weights.

    Raises
    ------
    ValueError
        When the bounds cannot hold ``total`` (naming ``what`` is placed).

    Examples
    --------
    >>> import numpy as np
    >>> out = apportion(np.random.default_rng(0), 10, np.array([1.0, 3.0]),
    ...                 np.array([2, 2]), np.array([9, 6]), "villages")
    >>> int(out.sum()), bool(out[1] <= 6)
    (10, True)
    """
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


@dataclass(frozen=True)
class Places:
    """Settlements in generation order: grouped by unit, seat first.

    Attributes
    ----------
    unit, cell : ndarray
        Unit and seed cell of each settlement.
    of_cell : ndarray
        Settlement (territory) of each grid cell.
    community, seat : ndarray of bool
        Communities (社区, nearest the seat) and the seats.
    rank : ndarray
        Rank within its unit by distance from the seat (seat = 0).
    n_comm, n_vill : ndarray
        Communities and villages per unit.

    Examples
    --------
    >>> from townmerge.datasets.spec import CountySpec
    >>> from townmerge.datasets.synthetic import draft_county
    >>> d = draft_county(CountySpec.build(n_units=6), seed=1)
    >>> int(d.places.community.sum()), int(d.places.n_comm.sum())
    (20, 20)
    """

    unit: IntArray
    cell: IntArray
    of_cell: IntArray
    community: BoolArray
    seat: BoolArray
    rank: IntArray  # rank within its unit by distance from the seat (seat = 0)
    n_comm: IntArray  # per unit
    n_vill: IntArray  # per unit


def place_settlements(
    rng: np.random.Generator, grid: Grid, rugged: FloatArray, units: Units,
    pairs: tuple[IntArray, IntArray], spec: CountySpec,
) -> Places:
    """Count, seed and grow the settlements of every unit.

    Communities and villages are apportioned to units (subdistricts get mostly
    communities); seeds are drawn densely around each seat (the market town) and sparsely on
    rugged ground, relaxed within their unit, ranked by distance from the seat (the nearest
    are the communities) and grown into territories inside the unit.

    Examples
    --------
    >>> from townmerge.datasets.spec import CountySpec
    >>> from townmerge.datasets.synthetic import draft_county
    >>> d = draft_county(CountySpec.build(n_units=6), seed=1)
    >>> import numpy as np
    >>> p = place_settlements(np.random.default_rng(2), d.grid, d.rugged, d.units,
    ...                       d.grid.neighbour_pairs(), d.spec)
    >>> int(p.seat.sum()), int(p.community.sum()), int((~p.community).sum())
    (6, 20, 24)
    """
    n = spec.n_units
    sub = units.subdistrict
    t_factor = np.array([1.3, 1.0, 0.6, 0.5])[units.terrain]
    rel = units.cells / units.cells.mean()
    cap = units.cells // _MIN_CELLS_PER_SETTLEMENT
    rural = (~sub).astype(np.int64)
    lo_v = rural * min(2, spec.n_villages // max(1, int(rural.sum())))
    hi_c = np.clip(cap - lo_v, 1, MAX_PER_CODE)
    w_c = np.where(sub, 8.0, t_factor * rel**0.3)
    one = np.ones(n, dtype=np.int64)
    n_comm = apportion(rng, spec.n_communities, w_c, one, hi_c, "communities")
    w_v = np.where(sub, 0.15, np.array([1.1, 1.0, 0.85, 0.7])[units.terrain] * rel**0.6)
    hi_v = np.clip(cap - n_comm, lo_v, MAX_PER_CODE)
    n_vill = apportion(rng, spec.n_villages, w_v, lo_v, hi_v, "villages")
    count = n_comm + n_vill
    # Settlement density: sparser on rugged ground, dense in each market town.
    seat_x, seat_y = grid.x[units.seat_cell], grid.y[units.seat_cell]
    d_seat = np.hypot(grid.x - seat_x[units.of_cell], grid.y - seat_y[units.of_cell])
    r_core = np.maximum(np.sqrt(n_comm * np.where(sub, 1.0e6, 0.6e6) / math.pi), 1200.0)
    core = np.exp(-((d_seat / r_core[units.of_cell]) ** 2))
    density = np.exp(-1.5 * rugged) * (1.0 + 8.0 * core)
    keys = 0.5 * np.log(density) + gumbel(rng, grid.n)
    keys[units.seat_cell] = np.inf
    seeds = grouped_top(keys, units.of_cell, count)
    seat = np.zeros(seeds.size, dtype=bool)
    seat[np.isin(seeds, units.seat_cell)] = True
    seeds = lloyd(grid, density, seeds, seat, 3, cell_group=units.of_cell)
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
    lab = warped_regions(
        rng, grid, seeds, weight, pairs, cell_group=units.of_cell, label_group=unit,
        min_cells=8, detail=False,
    )
    return Places(
        unit=unit, cell=seeds, of_cell=lab, community=community, seat=seat, rank=rank,
        n_comm=n_comm, n_vill=n_vill,
    )
