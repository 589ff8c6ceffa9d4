"""Gravity-model flows between the settlements of a synthetic county, over road time.

:func:`build_flows` scores destinations by attraction and travel time within a 60-minute
horizon (the county seat always in reach), keeps the 12-20 strongest per origin after noise
and shares each origin's trips (population), vehicles (traffic) and output (economic) among
them. Large counties are done tile by tile.

Examples
--------
>>> from townmerge.datasets import synthetic_county
>>> flows = synthetic_county(6, seed=1).flows
>>> list(flows.columns), bool(flows.groupby("origin").size().between(1, 20).all())
(['origin', 'destination', 'population', 'traffic', 'economic'], True)
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.sparse import csgraph

from .grid import FloatArray, IntArray
from .placement import Places, Units
from .population import People
from .roads import Roads
from .shapes import Geoms
from .spec import CountySpec

__all__ = ["build_flows"]


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


def build_flows(
    rng: np.random.Generator, units: Units, places: Places, people: People, geoms: Geoms,
    roads: Roads, spec: CountySpec,
) -> pd.DataFrame:
    """Gravity flows over road travel time, the strongest 12-20 per origin.

    Returns
    -------
    DataFrame
        ``origin`` and ``destination`` (settlement positions), ``population`` (trips a day),
        ``traffic`` (vehicles a day) and ``economic`` (10,000 yuan a year).

    Examples
    --------
    >>> import numpy as np
    >>> from townmerge.datasets.spec import CountySpec
    >>> from townmerge.datasets.synthetic import draft_county
    >>> d = draft_county(CountySpec.build(n_units=6), seed=1)
    >>> f = build_flows(np.random.default_rng(0), d.units, d.places, d.people, d.geoms,
    ...                 d.roads, d.spec)
    >>> bool((f["origin"] != f["destination"]).all()), bool((f["population"] > 0).all())
    (True, True)
    """
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
