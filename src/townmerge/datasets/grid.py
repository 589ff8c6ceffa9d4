"""The raster a synthetic county is drawn on: its cells, outline, noise and ruggedness.

:func:`make_grid` rasterises an irregular star-shaped outline into square :class:`Grid`
cells; :func:`smooth_noise` draws a smooth random field over them and :func:`ruggedness`
makes one side of the county plain and the other mountainous, placing the county seat on the
plain side. :func:`gumbel` gives the Gumbel keys of weighted draws without replacement.

Examples
--------
>>> import numpy as np
>>> grid = make_grid(np.random.default_rng(0), 100e6, 500.0)
>>> grid.n, grid.n * 0.25  # cells, km²
(397, 99.25)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from .spec import CountySpec

__all__ = ["BoolArray", "FloatArray", "Grid", "IntArray", "gumbel", "make_grid", "ruggedness",
           "smooth_noise"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Grid:
    """Square cells over the county; "inside" cells are numbered 0..n-1.

    Attributes
    ----------
    x0, y0 : float
        Lower-left corner of the raster, metres.
    cell : float
        Cell side, metres.
    ny, nx : int
        Rows and columns of the raster.
    rows, cols, x, y : ndarray
        Row, column and centre coordinates of each inside cell.
    pos : ndarray
        Inside index of each raster cell (row-major), -1 outside the county.

    Examples
    --------
    >>> import numpy as np
    >>> grid = make_grid(np.random.default_rng(0), 100e6, 500.0)
    >>> int(grid.locate(grid.x[:3], grid.y[:3]).tolist() == [0, 1, 2]), grid.raster(
    ...     np.arange(grid.n)).shape == (grid.ny, grid.nx)
    (1, True)
    """

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
        """Number of inside cells."""
        return int(self.x.size)

    @property
    def radius(self) -> float:
        """Radius of a disc of the county's area, metres."""
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


def make_grid(rng: np.random.Generator, area_m2: float, cell: float) -> Grid:
    """Rasterise an irregular star-shaped outline of the given area.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the outline's waves.
    area_m2 : float
        Area of the outline, m² (the inside cells cover about as much).
    cell : float
        Cell side, metres.

    Returns
    -------
    Grid
        One 4-connected piece without holes.

    Examples
    --------
    >>> import numpy as np
    >>> grid = make_grid(np.random.default_rng(0), 100e6, 500.0)
    >>> 0.9 < grid.n * 500.0**2 / 100e6 < 1.1
    True
    """
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
    return Grid(
        x0=x0, y0=y0, cell=cell, ny=n_side, nx=n_side, rows=rows, cols=cols,
        x=x0 + (cols + 0.5) * cell, y=y0 + (rows + 0.5) * cell, pos=pos,
    )


def smooth_noise(
    rng: np.random.Generator, grid: Grid, scale: float, x: FloatArray | None = None,
    y: FloatArray | None = None,
) -> FloatArray:
    """Standardised smooth noise (cubic spline through a random lattice).

    Values at the cell centres, or at points ``x``, ``y``; ``scale`` (metres, at least two
    cells) is the lattice spacing: the size of the field's features.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> v = smooth_noise(rng, make_grid(rng, 100e6, 500.0), 2000.0)
    >>> round(float(v.mean()), 6) == 0.0, round(float(v.std()), 3)
    (True, 1.0)
    """
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


def ruggedness(rng: np.random.Generator, grid: Grid, spec: CountySpec) -> tuple[FloatArray, int]:
    """Terrain ruggedness in [0, 1] per cell (uniform ranks), and the county seat cell.

    Ruggedness rises across the county along a random direction and away from the county
    seat, which sits on the plain side, plus smooth noise at the scale of the county and of
    a unit.

    Examples
    --------
    >>> import numpy as np
    >>> from townmerge.datasets.spec import CountySpec
    >>> rng = np.random.default_rng(0)
    >>> grid = make_grid(rng, 6 * 60e6, 275.0)
    >>> rugged, cs_cell = ruggedness(rng, grid, CountySpec.build(n_units=6))
    >>> bool(rugged[cs_cell] < 0.5), bool(0.0 < rugged.min() and rugged.max() < 1.0)
    (True, True)
    """
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
    large = smooth_noise(rng, grid, max(radius / 2.5, 2 * unit_len))
    medium = smooth_noise(rng, grid, 1.3 * unit_len)
    raw = 0.9 * along + 0.45 * dist + 0.35 * large + 0.3 * medium
    ranks = np.empty(grid.n, dtype=np.float64)
    ranks[np.argsort(raw, kind="stable")] = (np.arange(grid.n) + 0.5) / grid.n
    return ranks, cs_cell


def gumbel(rng: np.random.Generator, n: int) -> FloatArray:
    """``n`` standard Gumbel draws: ``log w + gumbel`` ranks a weighted draw without repeats.

    Examples
    --------
    >>> import numpy as np
    >>> gumbel(np.random.default_rng(0), 3).shape
    (3,)
    """
    return np.asarray(-np.log(-np.log(rng.uniform(1e-300, 1.0, n))), dtype=np.float64)
