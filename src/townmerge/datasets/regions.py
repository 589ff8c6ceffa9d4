"""Regions of grid cells around seeds: relaxed seeds, wiggly borders, contiguous pieces.

:func:`lloyd` spreads seed cells by density-weighted Lloyd relaxation;
:func:`warped_regions` gives every cell to a seed through a randomly weighted power diagram
over a noise-warped plane and merges stray fragments into a neighbour, so that each region is
one 4-connected piece. :func:`grouped_top` picks the highest keys within groups. Units and
settlement territories are both made this way (the latter inside their unit).

Examples
--------
>>> import numpy as np
>>> from townmerge.datasets.grid import make_grid
>>> rng = np.random.default_rng(0)
>>> grid = make_grid(rng, 100e6, 500.0)
>>> seeds = np.array([0, 150, grid.n - 1])
>>> lab = warped_regions(rng, grid, seeds, np.zeros(3), grid.neighbour_pairs(), min_cells=8,
...                      detail=False)
>>> int(np.bincount(lab).sum()) == grid.n, bool((lab[seeds] == [0, 1, 2]).all())
(True, True)
"""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from .grid import BoolArray, FloatArray, Grid, IntArray, smooth_noise

__all__ = ["grouped_top", "lloyd", "warped_regions"]


def grouped_top(keys: FloatArray, group: IntArray, counts: IntArray) -> IntArray:
    """Indices of the ``counts[g]`` largest keys of each group ``g``.

    Examples
    --------
    >>> import numpy as np
    >>> grouped_top(np.array([0.1, 0.9, 0.5, 0.7]), np.array([0, 0, 1, 1]), np.array([1, 2]))
    array([1, 3, 2])
    """
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


def lloyd(
    grid: Grid, weight: FloatArray, seeds: IntArray, fixed: BoolArray, iterations: int,
    cell_group: IntArray | None = None,
) -> IntArray:
    """Density-weighted Lloyd relaxation of seed cells (optionally within groups).

    Each iteration moves every seed that is not ``fixed`` to the ``weight``-weighted centre
    of its nearest cells; with ``cell_group``, seeds gather only cells of their own group and
    stay inside it. Seeds stay on distinct cells.

    Examples
    --------
    >>> import numpy as np
    >>> from townmerge.datasets.grid import make_grid
    >>> grid = make_grid(np.random.default_rng(0), 100e6, 500.0)
    >>> seeds = lloyd(grid, np.ones(grid.n), np.arange(4), np.zeros(4, dtype=bool), 5)
    >>> np.unique(seeds).size
    4
    """
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
    grid: Grid, qx: FloatArray, qy: FloatArray, seeds: IntArray, weight: FloatArray,
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
    grid: Grid, lab: IntArray, anchors: IntArray, pairs: tuple[IntArray, IntArray],
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


def warped_regions(
    rng: np.random.Generator, grid: Grid, seeds: IntArray, weight: FloatArray,
    pairs: tuple[IntArray, IntArray], *, min_cells: int, detail: bool,
    cell_group: IntArray | None = None, label_group: IntArray | None = None,
) -> IntArray:
    """Contiguous regions around seeds with noisy, wiggly borders.

    Cells are displaced by a smooth random field before the power-diagram
    assignment. The displacement is scaled by the smaller of the two nearest
    seeds' plain Voronoi regions, so small regions are not swallowed by large
    neighbours; a region left with fewer than ``min_cells`` cells gets its
    plain Voronoi region back.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the displacement fields.
    grid : Grid
        The cells.
    seeds : ndarray
        Seed cell of each region; each keeps its seed.
    weight : ndarray
        Power-diagram weight of each seed (larger: a larger region).
    pairs : (ndarray, ndarray)
        The grid's 4-adjacent cell pairs (:meth:`Grid.neighbour_pairs`).
    min_cells : int
        Fewest cells a warped region may keep.
    detail : bool
        Add a finer noise to the displacement.
    cell_group, label_group : ndarray, optional
        Group of each cell and of each seed: cells go to seeds of their own group only.

    Returns
    -------
    ndarray
        Region (seed position) of each cell.

    Examples
    --------
    >>> import numpy as np
    >>> from townmerge.datasets.grid import make_grid
    >>> rng = np.random.default_rng(0)
    >>> grid = make_grid(rng, 100e6, 500.0)
    >>> lab = warped_regions(rng, grid, np.array([0, grid.n - 1]), np.zeros(2),
    ...                      grid.neighbour_pairs(), min_cells=8, detail=True)
    >>> sorted(set(lab.tolist()))
    [0, 1]
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
        field = smooth_noise(rng, grid, scale)
        if detail:
            field = field + 0.4 * smooth_noise(rng, grid, scale / 3)
        shift.append(amp * field)
    lab = _power_assign(grid, grid.x + shift[0], grid.y + shift[1], seeds, weight, cell_group)
    lab = _make_contiguous(grid, lab, seeds, pairs, label_group)
    small = np.bincount(lab, minlength=seeds.size) < min_cells
    if small.any():
        back = small[pre]
        lab[back] = pre[back]
        lab = _make_contiguous(grid, lab, seeds, pairs, label_group)
    return lab
