"""Small study areas drawn as ASCII grids, for tests and examples.

Each character is one square cell of a unit whose id is that character; ``.``
or a space is no unit (a gap, or the sea). Rows are separated by newlines or
``/``.

Examples
--------
>>> units = grid_units("AAB / ACB")
>>> units.index.tolist(), units.loc["A"].geometry.area
(['A', 'B', 'C'], 3000000.0)
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["grid_cells", "grid_units"]


def grid_cells(text: str) -> dict[str, list[tuple[int, int]]]:
    """Cells ``(row, col)`` of each letter, top row first.

    Examples
    --------
    >>> grid_cells("AB / A.")
    {'A': [(0, 0), (1, 0)], 'B': [(0, 1)]}
    """
    rows = [r.strip() for r in text.replace("/", "\n").splitlines() if r.strip()]
    cells: dict[str, list[tuple[int, int]]] = {}
    for i, row in enumerate(rows):
        for j, ch in enumerate(row.replace(" ", "")):
            if ch != ".":
                cells.setdefault(ch, []).append((i, j))
    return dict(sorted(cells.items()))


def grid_units(
    text: str,
    *,
    cell: float = 1000.0,
    crs: str = "EPSG:32648",
    origin: tuple[float, float] = (500_000.0, 3_300_000.0),
    names: Mapping[str, str] | None = None,
    population: Mapping[str, float] | None = None,
    **columns: Mapping[str, object],
) -> gpd.GeoDataFrame:
    """Units drawn as an ASCII grid, one polygon per letter.

    Parameters
    ----------
    text : str
        The grid; letters are unit ids, ``.`` is no unit.
    cell : float, default 1000
        Cell side in CRS units (metres).
    crs : str, default "EPSG:32648"
        UTM zone 48N, which covers Sichuan.
    origin : tuple of float
        Coordinates of the grid's top-left corner.
    names : mapping, optional
        Unit id → name (default ``"<id>镇"``).
    population : mapping, optional
        Unit id → population (column left out when not given).
    **columns : mapping
        Further columns, each a mapping of unit id → value.

    Returns
    -------
    GeoDataFrame
        Index ``unit_id``; columns ``name``, optional ``population`` and the
        extra columns; geometry.
    """
    cells = grid_cells(text)
    x0, y0 = origin
    ids = list(cells)
    geoms = []
    for uid in ids:
        rc = np.array(cells[uid], dtype=float)
        boxes = shapely.box(x0 + rc[:, 1] * cell, y0 - (rc[:, 0] + 1) * cell,
                            x0 + (rc[:, 1] + 1) * cell, y0 - rc[:, 0] * cell)
        geoms.append(shapely.normalize(shapely.coverage_union_all(boxes)))
    data: dict[str, list[object]] = {
        "name": [(names or {}).get(u, f"{u}镇") for u in ids]}
    if population is not None:
        data["population"] = [population.get(u) for u in ids]
    for col, values in columns.items():
        data[col] = [values.get(u) for u in ids]
    return gpd.GeoDataFrame(data, geometry=geoms, crs=crs,
                            index=pd.Index(ids, name="unit_id", dtype=object))
