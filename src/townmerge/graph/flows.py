r"""Flows between settlements: gravity model, settlement graph, aggregation to units.

Flows are directed (``origin`` → ``destination``) between settlements and come
in three types: ``population`` (人口流), ``traffic`` (交通流) and ``economic``
(经济流). Each type is taken from the study area's flow table where the table
has it, and otherwise estimated with the gravity model (引力模型)

.. math:: I_{ij} = k \, M_i M_j / \max(t_{ij}, t_0)^b

over every pair of settlements within the travel-time cut-off
(:mod:`townmerge.graph.travel`). The masses (:func:`gravity_masses`) are

- population flow: the settlement's population;
- economic flow: :math:`\sqrt{P \cdot G}` with ``G`` the settlement's ``gdp``
  column, or the proxy ``G = P × w(kind)`` (per-capita output weights by kind,
  :attr:`GravityParams.gdp_weight`);
- traffic flow: population × road weight, where the road weight
  ``max(S, v) / 2v`` grows with the summed speed ``S`` of the roads at the
  settlement's road node (``v`` = :attr:`GravityParams.traffic_reference_kmh`:
  1 on a through village road, 0.5 at a dead end or off the network, more at
  junctions of fast roads).

Where a type is observed, ``k`` and ``b`` are fitted by Poisson
pseudo-maximum-likelihood (:func:`fit_gravity`) and reported; where it is not,
the documented defaults are used (``b = 2``, ``k = 1``: flows are then a
relative index).

Aggregating to units conserves the total exactly: every settlement flow lands
in exactly one unit pair. Per unit, the membership 隶属度 F(i→j) is the share of
its outflow to other units that goes to ``j``; the dominant direction is the
unit with the largest membership; the potential index 潜力指数 V_i = Σ_j I_ij
sums its settlements' flows; self-containment is the share that stays inside.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import Point, box
>>> units = gpd.GeoDataFrame({"id": ["A", "B"]}, geometry=[box(0, 0, 10, 10),
...     box(10, 0, 20, 10)], crs="EPSG:32648")
>>> st = gpd.GeoDataFrame({"id": ["a1", "a2", "b1"]},
...     geometry=[Point(1, 1), Point(2, 2), Point(15, 5)], crs="EPSG:32648")
>>> fl = pd.DataFrame({"origin": ["a1", "a2", "b1"], "destination": ["b1", "a1", "a1"],
...                    "population": [5.0, 2.0, 1.0]})
>>> unit_flows(StudyArea(units, st, fl), "population")
  origin_unit destination_unit  flow
0           A                A   2.0
1           A                B   5.0
2           B                A   1.0
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd

from ..config import FitMethod, GravityParams
from ..data.check_columns import gdp_problems
from ..data.columns import FLOW_TYPES
from ..data.model import StudyArea, unit_label
from ..data.problems import ValidationReport
from ..errors import InputError, format_ids
from .travel import TravelNetwork, TravelParams

__all__ = [
    "GravityFit",
    "GravityParams",
    "SettlementFlows",
    "build_settlement_graph",
    "fit_gravity",
    "gravity_masses",
    "pair_exchange",
    "settlement_flows",
    "unit_flows",
    "unit_pair_flows",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Pairs processed at once when computing flows, fits and aggregates.
_CHUNK = 2_000_000


# -- existing aggregation of the observed table ---------------------------------------------
def _flow_column(area: StudyArea, flow_type: str | None) -> str | None:
    present = area.flow_types
    if flow_type is None:
        return present[0] if present else None
    if flow_type not in FLOW_TYPES:
        raise InputError(f"Unknown flow type {flow_type!r}; expected one of {FLOW_TYPES}.")
    if flow_type not in present:
        return present[0] if present else None
    return flow_type


def unit_flows(area: StudyArea, flow_type: str | None = None) -> pd.DataFrame:
    """Directed observed flows summed per pair of units (including flows inside a unit).

    Only the study area's flow table is used; for gravity estimates where it
    has no flows, see :func:`unit_pair_flows`.

    Parameters
    ----------
    area : StudyArea
    flow_type : {"population", "traffic", "economic"}, optional
        The flow to aggregate; when absent from the data, the first flow type
        present is used. ``None`` takes the first present.

    Returns
    -------
    DataFrame
        ``origin_unit``, ``destination_unit``, ``flow``; empty when the area
        has no flows.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point, box
    >>> units = gpd.GeoDataFrame({"id": ["A", "B"]}, geometry=[box(0, 0, 10, 10),
    ...     box(10, 0, 20, 10)], crs="EPSG:32648")
    >>> st = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(1, 1), Point(15, 5)],
    ...     crs="EPSG:32648")
    >>> len(unit_flows(StudyArea(units, st)))
    0
    """
    empty = pd.DataFrame({"origin_unit": pd.Series(dtype=object),
                          "destination_unit": pd.Series(dtype=object),
                          "flow": pd.Series(dtype=float)})
    flows, settlements = area.flows, area.settlements
    col = _flow_column(area, flow_type)
    if flows is None or settlements is None or col is None:
        return empty
    unit_of = settlements["unit"]
    flows = flows[flows["origin"] != flows["destination"]]  # self-flows are not used
    df = pd.DataFrame({
        "origin_unit": flows["origin"].map(unit_of),
        "destination_unit": flows["destination"].map(unit_of),
        "flow": flows[col].astype(float),
    }).dropna(subset=["origin_unit", "destination_unit"])
    return df.groupby(["origin_unit", "destination_unit"], as_index=False, sort=True)["flow"].sum()


def pair_exchange(area: StudyArea, flow_type: str | None = None) -> pd.Series:
    """Flow exchanged between two different units, both directions summed.

    Returns
    -------
    Series
        Indexed by (``unit_a``, ``unit_b``) with ``unit_a < unit_b``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point, box
    >>> units = gpd.GeoDataFrame({"id": ["A", "B"]}, geometry=[box(0, 0, 10, 10),
    ...     box(10, 0, 20, 10)], crs="EPSG:32648")
    >>> st = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(1, 1), Point(15, 5)],
    ...     crs="EPSG:32648")
    >>> fl = pd.DataFrame({"origin": ["a", "b"], "destination": ["b", "a"],
    ...                    "population": [5.0, 1.0]})
    >>> pair_exchange(StudyArea(units, st, fl)).to_dict()
    {('A', 'B'): 6.0}
    """
    uf = unit_flows(area, flow_type)
    uf = uf[uf["origin_unit"] != uf["destination_unit"]]
    a = uf[["origin_unit", "destination_unit"]].min(axis=1)
    b = uf[["origin_unit", "destination_unit"]].max(axis=1)
    out = uf["flow"].groupby([a.rename("unit_a"), b.rename("unit_b")]).sum()
    return out.astype(float)


# -- parameters and fits ----------------------------------------------------------------------
@dataclass(frozen=True)
class GravityFit:
    """A fitted gravity model ``I = k · M_i · M_j / max(t, t_0)^b``.

    Attributes
    ----------
    flow_type : str
    k, b : float
        Scale and distance-decay exponent.
    n : int
        Pairs used (zeros included).
    n_positive : int
        Pairs with a positive flow.
    deviance, null_deviance : float
        Poisson deviance of the fit and of the null model ``k · M_i · M_j``
        (no distance decay; as in R's ``glm``, the null model keeps the mass
        offset).
    deviance_explained : float
        ``1 − deviance / null_deviance``, a pseudo-R² in [0, 1]: the share of
        the deviance left by the masses that travel time explains. For the
        log-linear method, the R² of the log regression.
    method : str
    converged : bool
    iterations : int

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> t = rng.uniform(5, 60, 500)
    >>> m1, m2 = rng.uniform(100, 1000, 500), rng.uniform(100, 1000, 500)
    >>> f = fit_gravity(0.01 * m1 * m2 / t**2, m1, m2, t)
    >>> print(f)
    flow: k = 0.01, b = 2, n = 500, deviance explained 100.0% (poisson)
    """

    flow_type: str
    k: float
    b: float
    n: int
    n_positive: int
    deviance: float
    null_deviance: float
    deviance_explained: float
    method: str
    converged: bool
    iterations: int

    def __str__(self) -> str:
        return (f"{self.flow_type}: k = {self.k:.4g}, b = {self.b:.4g}, n = {self.n}, "
                f"deviance explained {self.deviance_explained:.1%} ({self.method})")


def _bincount(idx: npt.NDArray[np.integer], weights: npt.ArrayLike, n: int) -> FloatArray:
    out: FloatArray = np.bincount(idx, weights, minlength=n).astype(float, copy=False)
    return out


def _fit(off: FloatArray, x: FloatArray, pos: IntArray, y: FloatArray, method: FitMethod,
         flow_type: str, max_iter: int = 100, tol: float = 1e-10) -> GravityFit:
    """Fit ``log μ = a + off − b·x`` to flows that are zero except ``y`` at positions ``pos``.

    Pairs with ``off = -inf`` are not in the sample. The Poisson deviance
    ``2 Σ [y log(y/μ) − (y − μ)]`` only needs ``Σ μ`` besides sums over the
    positive flows, so each Newton step is one pass of ``exp`` over the pairs.
    """
    sample = np.isfinite(off)
    n = int(sample.sum())
    npos = int(pos.size)
    big_y = float(y.sum())
    if n < 3 or npos < 2 or big_y <= 0:
        raise InputError(f"Cannot fit the {flow_type} gravity model: it needs at least 3 pairs "
                         f"and 2 positive flows, got {n} pairs and {npos} positive.")
    xbar = float(x[sample].mean())
    xp, offp = x[pos] - xbar, off[pos]
    z = np.log(y) - offp
    design = np.column_stack([np.ones(npos), xp])
    if np.ptp(xp) <= 1e-12:
        raise InputError(f"Cannot fit the {flow_type} gravity model: every pair with a flow "
                         "has the same travel time, so the distance decay b is not identified.")
    (a_ll, c_ll), *_ = np.linalg.lstsq(design, z, rcond=None)
    c_y_log_y = float((y * np.log(y)).sum())
    y_off = float((y * offp).sum())
    y_x = float((y * xp).sum())

    def mu_sums(a: float, c: float) -> tuple[float, float, float]:
        s0 = s1 = s2 = 0.0
        for s in range(0, off.size, _CHUNK):
            xc = x[s:s + _CHUNK] - xbar
            mu = np.exp(np.minimum(a + off[s:s + _CHUNK] + c * xc, 700.0))
            mx = mu * xc
            s0 += float(mu.sum())
            s1 += float(mx.sum())
            s2 += float((mx * xc).sum())
        return s0, s1, s2

    def deviance(a: float, c: float, s0: float) -> float:
        return 2.0 * (c_y_log_y - (a * big_y + y_off + c * y_x) - big_y + s0)

    sum_exp_off, _, _ = mu_sums(0.0, 0.0)
    a_null = math.log(big_y / sum_exp_off)  # null model: intercept and masses, no decay
    dev0 = deviance(a_null, 0.0, big_y)
    if method == "loglinear":
        resid = z - design @ np.array([a_ll, c_ll])
        ss_tot = float(((z - z.mean()) ** 2).sum())
        r2 = 1.0 - float((resid**2).sum()) / ss_tot if ss_tot > 0 else 1.0
        dev = deviance(float(a_ll), float(c_ll), mu_sums(float(a_ll), float(c_ll))[0])
        return GravityFit(flow_type, math.exp(a_ll - c_ll * xbar), -float(c_ll), npos, npos,
                          dev, dev0, r2, "loglinear", True, 1)

    a, c = float(a_ll), float(c_ll)
    # Rescale the start so that fitted and observed totals agree.
    a += math.log(big_y / mu_sums(a, c)[0])
    s0, s1, s2 = mu_sums(a, c)
    dev = deviance(a, c, s0)
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        g = np.array([big_y - s0, y_x - s1])
        h = np.array([[s0, s1], [s1, s2]])
        try:
            step = np.linalg.solve(h, g)
        except np.linalg.LinAlgError:
            break
        for _ in range(40):  # step halving keeps the deviance decreasing
            na, nc = a + float(step[0]), c + float(step[1])
            sums = mu_sums(na, nc)
            new_dev = deviance(na, nc, sums[0])
            if np.isfinite(new_dev) and new_dev <= dev + 1e-12 * abs(dev):
                break
            step = step / 2
        change = abs(dev - new_dev)
        a, c, dev = na, nc, new_dev
        s0, s1, s2 = sums
        if change <= tol * (abs(dev) + 0.1):
            converged = True
            break
    explained = 1.0 - dev / dev0 if dev0 > 0 else 1.0
    return GravityFit(flow_type, math.exp(a - c * xbar), -c, n, npos, dev, dev0, explained,
                      "poisson", converged, it)


def fit_gravity(
    flow: npt.ArrayLike,
    mass_origin: npt.ArrayLike,
    mass_destination: npt.ArrayLike,
    minutes: npt.ArrayLike,
    *,
    method: FitMethod = "poisson",
    min_minutes: float = 5.0,
    flow_type: str = "flow",
) -> GravityFit:
    """Fit ``I = k · M_i · M_j / max(t, t_0)^b`` to observed flows.

    Parameters
    ----------
    flow : array_like
        Observed flows (non-negative; zeros are kept by the Poisson method).
    mass_origin, mass_destination : array_like
        Positive masses of each pair's ends.
    minutes : array_like
        Travel times.
    method : {"poisson", "loglinear"}, default "poisson"
        See :attr:`GravityParams.method`.
    min_minutes : float, default 5.0
        ``t_0``.
    flow_type : str, default "flow"
        Name reported in the result.

    Returns
    -------
    GravityFit

    Raises
    ------
    InputError
        When the arrays differ in length, hold negative or non-finite values
        or non-positive masses, or too few pairs have a flow.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> t = rng.uniform(5, 60, 2000)
    >>> m1, m2 = rng.lognormal(7, 1, 2000), rng.lognormal(7, 1, 2000)
    >>> y = rng.poisson(0.002 * m1 * m2 / t**1.5)
    >>> f = fit_gravity(y, m1, m2, t, flow_type="population")
    >>> round(f.b, 1), f.n
    (1.5, 2000)
    """
    y = np.asarray(flow, dtype=float).ravel()
    m1 = np.asarray(mass_origin, dtype=float).ravel()
    m2 = np.asarray(mass_destination, dtype=float).ravel()
    t = np.asarray(minutes, dtype=float).ravel()
    if not (y.size == m1.size == m2.size == t.size):
        raise InputError(f"flow, masses and minutes differ in length: {y.size}, {m1.size}, "
                         f"{m2.size}, {t.size}.")
    problems = []
    if not np.all(np.isfinite(y) & (y >= 0)):
        problems.append("flows must be finite and non-negative")
    if not np.all(np.isfinite(m1) & (m1 > 0) & np.isfinite(m2) & (m2 > 0)):
        problems.append("masses must be finite and positive")
    if not np.all(np.isfinite(t) & (t >= 0)):
        problems.append("minutes must be finite and non-negative")
    if problems:
        raise InputError("Cannot fit the gravity model:", problems)
    off = np.log(m1) + np.log(m2)
    x = np.log(np.maximum(t, min_minutes))
    pos = np.flatnonzero(y > 0)
    return _fit(off, x, pos, y[pos], method, flow_type)


# -- masses -------------------------------------------------------------------------------------
def _settlement_labels(settlements: pd.DataFrame, mask: npt.ArrayLike) -> list[str]:
    names = settlements["name"] if "name" in settlements.columns else None
    idx = np.flatnonzero(np.asarray(mask))
    return [unit_label(str(settlements.index[i]), None if names is None else names.iloc[i])
            for i in idx]


def gravity_masses(
    area: StudyArea,
    params: GravityParams | None = None,
    network: TravelNetwork | None = None,
) -> pd.DataFrame:
    """Masses of every settlement for the three flow types.

    Parameters
    ----------
    area : StudyArea
        Settlements need a ``population``; a ``gdp`` column is used for the
        economic mass where present (else the proxy, see
        :attr:`GravityParams.gdp_weight`).
    params : GravityParams, optional
    network : TravelNetwork, optional
        For the road weight of the traffic mass; built from ``area`` if not
        given.

    Returns
    -------
    DataFrame
        ``population``, ``traffic``, ``economic``, indexed by settlement id.

    Raises
    ------
    InputError
        When settlements lack a population or a usable ``gdp``, naming them.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point, box
    >>> units = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 9, 9)], crs="EPSG:32648")
    >>> st = gpd.GeoDataFrame({"id": ["a", "b"], "population": [400, 900],
    ...     "kind": ["village", "county seat"]}, geometry=[Point(1, 1), Point(2, 2)],
    ...     crs="EPSG:32648")
    >>> gravity_masses(StudyArea(units, st)).round(1)
                   population  traffic  economic
    settlement_id
    a                   400.0    200.0     400.0
    b                   900.0    450.0    1558.8
    """
    params = params or GravityParams()
    st = area.settlements
    if st is None or len(st) == 0:
        raise InputError("Gravity masses need settlements; the study area has none.")
    if "population" not in st.columns:
        raise InputError("Settlements have no population, which the gravity model needs: give "
                         "a population column (settlement_population='...').")
    pop = pd.to_numeric(st["population"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(pop) | (pop < 0)
    if bad.any():
        raise InputError(
            f"{int(bad.sum())} settlement(s) have a missing or negative population, which the "
            f"gravity model needs: {format_ids(_settlement_labels(st, bad))}. Fill them in.")
    if "gdp" in st.columns:
        ValidationReport(tuple(gdp_problems(st))).raise_if_errors()
        gdp = pd.to_numeric(st["gdp"], errors="coerce").to_numpy(dtype=float)
        economic = np.sqrt(pop * gdp)
    else:
        kinds = (st["kind"].to_numpy(dtype=object) if "kind" in st.columns
                 else np.full(len(st), None, dtype=object))
        w = np.array([params.gdp_weight.get(k, params.default_gdp_weight)
                      if isinstance(k, str) else params.default_gdp_weight for k in kinds])
        economic = pop * np.sqrt(w)
    net = network or TravelNetwork(area)
    v = params.traffic_reference_kmh
    road_weight = np.maximum(net.node_strength(), v) / (2.0 * v)
    return pd.DataFrame({"population": pop, "traffic": pop * road_weight, "economic": economic},
                        index=pd.Index(st.index, name="settlement_id"))


# -- settlement flows ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SettlementFlows:
    """Directed flows between settlements, one canonical pair table behind every view.

    Build it with :func:`settlement_flows`. Pairs are every ordered pair of
    distinct settlements within the travel-time cut-off, plus every pair of the
    observed flow table; they are sorted by origin, then destination. Flow
    values are computed on demand, a chunk of pairs at a time, so unit
    aggregates of large areas never hold every settlement flow at once.

    Attributes
    ----------
    settlements : DataFrame
        ``name``, ``kind``, ``unit``, ``population`` of each settlement,
        indexed by settlement id; positions in the pair arrays refer to it.
    unit_ids : Index
        The study area's units.
    origin, destination : ndarray of int32
        Settlement positions of each pair.
    minutes : ndarray of float
        Travel time of each pair.
    by_road : ndarray of bool
        Whether the time is over the road network (else the fallback).
    sources : mapping of str to str
        For each flow type: ``"observed"``, ``"gravity"`` or
        ``"observed+gravity"`` (observed pairs, gravity for the rest).
    fits : mapping of str to GravityFit
        The fit of each observed flow type (when fitting was asked for and
        possible).
    masses : DataFrame or None
        Gravity masses of each settlement (None when no type needed them).
    gravity : GravityParams
    travel : TravelParams

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point, box
    >>> units = gpd.GeoDataFrame({"id": ["A", "B"]}, geometry=[box(0, 0, 5000, 5000),
    ...     box(5000, 0, 10_000, 5000)], crs="EPSG:32648")
    >>> st = gpd.GeoDataFrame({"id": ["a", "b", "c"], "population": [1000, 500, 2000]},
    ...     geometry=[Point(1000, 1000), Point(3000, 1000), Point(7000, 1000)],
    ...     crs="EPSG:32648")
    >>> sf = settlement_flows(StudyArea(units, st))
    >>> sf.unit_summary("population")[["potential", "self_containment", "dominant"]].round(3)
             potential  self_containment dominant
    unit_id
    A        54446.088             0.679        B
    B        17463.840             0.000        A
    """

    settlements: pd.DataFrame
    unit_ids: pd.Index
    origin: npt.NDArray[np.int32]
    destination: npt.NDArray[np.int32]
    minutes: FloatArray
    by_road: BoolArray
    sources: Mapping[str, str]
    fits: Mapping[str, GravityFit]
    masses: pd.DataFrame | None
    gravity: GravityParams
    travel: TravelParams
    _listed: IntArray = field(repr=False)
    _observed: Mapping[str, FloatArray] = field(repr=False)
    _kb: Mapping[str, tuple[float, float]] = field(repr=False)

    def __len__(self) -> int:
        return int(self.origin.size)

    def _chunks(self) -> Iterator[tuple[int, int]]:
        n = self.origin.size
        for s in range(0, n, _CHUNK):
            yield s, min(n, s + _CHUNK)

    def _values(self, flow_type: str, s: int, e: int) -> FloatArray:
        src = self.sources[flow_type]
        out = np.zeros(e - s)
        if src != "observed":
            assert self.masses is not None
            k, b = self._kb[flow_type]
            m = self.masses[flow_type].to_numpy()
            o, d, t = self.origin[s:e], self.destination[s:e], self.minutes[s:e]
            ok = (o != d) & (t <= self.travel.cutoff_min)
            out[ok] = (k * m[o[ok]] * m[d[ok]]
                       / np.maximum(t[ok], self.gravity.min_minutes) ** b)
        if src != "gravity":
            lo, hi = np.searchsorted(self._listed, [s, e])
            out[self._listed[lo:hi] - s] = self._observed[flow_type][lo:hi]
        return out

    def _check_type(self, flow_type: str) -> None:
        if flow_type not in FLOW_TYPES:
            raise InputError(f"Unknown flow type {flow_type!r}; expected one of {FLOW_TYPES}.")

    def values(self, flow_type: str) -> FloatArray:
        """Flow of one type for every pair, aligned with :attr:`origin`.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import Point, box
        >>> units = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 9000, 9000)],
        ...                          crs="EPSG:32648")
        >>> st = gpd.GeoDataFrame({"id": ["a", "b"], "population": [100, 200]},
        ...     geometry=[Point(10, 10), Point(10, 3010)], crs="EPSG:32648")
        >>> settlement_flows(StudyArea(units, st)).values("population").round(1).tolist()
        [328.7, 328.7]
        """
        self._check_type(flow_type)
        return np.concatenate([self._values(flow_type, s, e) for s, e in self._chunks()]
                              or [np.zeros(0)])

    def to_frame(self) -> pd.DataFrame:
        """The pair table: ids, minutes, ``by_road`` and the three flows.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import Point, box
        >>> units = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 9000, 9000)],
        ...                          crs="EPSG:32648")
        >>> st = gpd.GeoDataFrame({"id": ["a", "b"], "population": [100, 200]},
        ...     geometry=[Point(10, 10), Point(10, 3010)], crs="EPSG:32648")
        >>> settlement_flows(StudyArea(units, st)).to_frame().columns.tolist()
        ['origin', 'destination', 'minutes', 'by_road', 'population', 'traffic', 'economic']
        """
        ids = self.settlements.index
        frame = pd.DataFrame({
            "origin": ids[self.origin].to_numpy(dtype=object),
            "destination": ids[self.destination].to_numpy(dtype=object),
            "minutes": self.minutes,
            "by_road": self.by_road,
        })
        for t in FLOW_TYPES:
            frame[t] = self.values(t)
        return frame

    def potential(self, flow_type: str) -> pd.Series:
        """Potential index 潜力指数 V_i = Σ_j I_ij of every settlement (j ≠ i).

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import Point, box
        >>> units = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 9000, 9000)],
        ...                          crs="EPSG:32648")
        >>> st = gpd.GeoDataFrame({"id": ["a", "b"], "population": [100, 200]},
        ...     geometry=[Point(10, 10), Point(10, 3010)], crs="EPSG:32648")
        >>> settlement_flows(StudyArea(units, st)).potential("population").round(1).tolist()
        [328.7, 328.7]
        """
        self._check_type(flow_type)
        n = len(self.settlements)
        v = np.zeros(n)
        for s, e in self._chunks():
            o, d = self.origin[s:e], self.destination[s:e]
            val = self._values(flow_type, s, e)
            other = o != d
            v += _bincount(o[other], val[other], n)
        return pd.Series(v, index=self.settlements.index, name=f"potential_{flow_type}")

    @cached_property
    def _unit_code(self) -> IntArray:
        code = self.unit_ids.get_indexer(pd.Index(self.settlements["unit"].astype(object)))
        return code.astype(np.int64)

    @cached_property
    def _unit_pairs(self) -> pd.DataFrame:
        code = self._unit_code
        nu = len(self.unit_ids)
        keys: list[IntArray] = []
        sums: dict[str, list[FloatArray]] = {t: [] for t in FLOW_TYPES}
        stray = np.zeros(len(self.settlements), dtype=bool)
        for s, e in self._chunks():
            o, d = self.origin[s:e], self.destination[s:e]
            uo, ud = code[o], code[d]
            vals = {t: self._values(t, s, e) for t in FLOW_TYPES}
            lost = (uo < 0) | (ud < 0)
            if lost.any():
                carries = lost & np.any([vals[t] != 0 for t in FLOW_TYPES], axis=0)
                stray[o[carries & (uo < 0)]] = True
                stray[d[carries & (ud < 0)]] = True
                continue
            uk, inv = np.unique(uo * nu + ud, return_inverse=True)
            keys.append(uk)
            for t in FLOW_TYPES:
                sums[t].append(_bincount(inv, vals[t], uk.size))
        if stray.any():
            raise InputError(
                f"{int(stray.sum())} settlement(s) with flows lie in no unit, so their flows "
                f"cannot be aggregated to units: "
                f"{format_ids(_settlement_labels(self.settlements, stray))}. Give their unit "
                "(settlement_unit=...) or move their points inside a unit.")
        if keys:
            uk, inv = np.unique(np.concatenate(keys), return_inverse=True)
            totals = {t: _bincount(inv, np.concatenate(sums[t]), uk.size)
                      for t in FLOW_TYPES}
        else:
            uk = np.zeros(0, dtype=np.int64)
            totals = {t: np.zeros(0) for t in FLOW_TYPES}
        frame = pd.DataFrame({
            "origin_unit": self.unit_ids[uk // nu].to_numpy(dtype=object),
            "destination_unit": self.unit_ids[uk % nu].to_numpy(dtype=object),
            **totals,
        })
        return frame.sort_values(["origin_unit", "destination_unit"], ignore_index=True)

    def unit_pairs(self) -> pd.DataFrame:
        """Flows summed per ordered pair of units, flows inside a unit included.

        The three totals equal the sums of the settlement flows: every pair
        lands in exactly one unit pair.

        Returns
        -------
        DataFrame
            ``origin_unit``, ``destination_unit``, ``population``,
            ``traffic``, ``economic``.

        Raises
        ------
        InputError
            When a settlement carrying flow lies in no unit (naming it).

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import Point, box
        >>> units = gpd.GeoDataFrame({"id": ["A", "B"]}, geometry=[box(0, 0, 5, 5),
        ...     box(5, 0, 10, 5)], crs="EPSG:32648")
        >>> st = gpd.GeoDataFrame({"id": ["a", "b"], "population": [1, 1]},
        ...     geometry=[Point(1, 1), Point(7, 1)], crs="EPSG:32648")
        >>> fl = pd.DataFrame({"origin": ["a", "b"], "destination": ["b", "a"],
        ...     "population": [2.0, 1.0]})
        >>> settlement_flows(StudyArea(units, st, fl), gravity=GravityParams(fit=False)
        ...                  ).unit_pairs()[["origin_unit", "destination_unit", "population"]]
          origin_unit destination_unit  population
        0           A                B         2.0
        1           B                A         1.0
        """
        return self._unit_pairs.copy()

    def _unit_matrix(self, flow_type: str) -> pd.DataFrame:
        self._check_type(flow_type)
        up = self._unit_pairs
        return up[["origin_unit", "destination_unit", flow_type]].rename(
            columns={flow_type: "flow"})

    def membership(self, flow_type: str) -> pd.DataFrame:
        """Membership 隶属度 F(i→j): the share of unit i's outflow to other units going to j.

        Rows of a unit with outflow sum to 1; flows inside a unit are left out.

        Returns
        -------
        DataFrame
            ``origin_unit``, ``destination_unit``, ``membership``.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import Point, box
        >>> units = gpd.GeoDataFrame({"id": ["A", "B", "C"]}, geometry=[box(0, 0, 5, 5),
        ...     box(5, 0, 10, 5), box(10, 0, 15, 5)], crs="EPSG:32648")
        >>> st = gpd.GeoDataFrame({"id": ["a", "b", "c"], "population": [1, 1, 1]},
        ...     geometry=[Point(1, 1), Point(7, 1), Point(12, 1)], crs="EPSG:32648")
        >>> fl = pd.DataFrame({"origin": ["a", "a"], "destination": ["b", "c"],
        ...     "population": [3.0, 1.0]})
        >>> sf = settlement_flows(StudyArea(units, st, fl), gravity=GravityParams(fit=False))
        >>> sf.membership("population")
          origin_unit destination_unit  membership
        0           A                B        0.75
        1           A                C        0.25
        """
        m = self._unit_matrix(flow_type)
        m = m[m["origin_unit"] != m["destination_unit"]]
        out_total = m.groupby("origin_unit")["flow"].transform("sum")
        m = m.assign(membership=m["flow"] / out_total)[out_total > 0]
        return m[["origin_unit", "destination_unit", "membership"]].reset_index(drop=True)

    def unit_summary(self, flow_type: str, adjacency: pd.DataFrame | None = None,
                     ) -> pd.DataFrame:
        """Per unit: potential, internal flow, outflow, inflow, self-containment, dominant unit.

        Parameters
        ----------
        flow_type : {"population", "traffic", "economic"}
        adjacency : DataFrame, optional
            Edge table with ``unit_a`` and ``unit_b`` (as from
            :func:`townmerge.build_adjacency`); when given, the dominant
            direction is looked for among each unit's neighbours only.

        Returns
        -------
        DataFrame
            Indexed by ``unit_id`` (every unit of the area):

            - ``potential``: V_i, the flow leaving the unit's settlements,
              inside the unit included;
            - ``internal``: flow between settlements of the unit;
            - ``outflow`` / ``inflow``: flow to / from other units;
            - ``self_containment``: ``internal / potential`` in [0, 1] (NaN
              without flow);
            - ``dominant``: the unit with the largest membership (ties: the
              smallest id; None without outflow);
            - ``dominant_membership``: its membership F(i→dominant).

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import Point, box
        >>> units = gpd.GeoDataFrame({"id": ["A", "B", "C"]}, geometry=[box(0, 0, 5, 5),
        ...     box(5, 0, 10, 5), box(10, 0, 15, 5)], crs="EPSG:32648")
        >>> st = gpd.GeoDataFrame({"id": ["a", "a2", "b", "c"], "population": [1, 1, 1, 1]},
        ...     geometry=[Point(1, 1), Point(2, 2), Point(7, 1), Point(12, 1)],
        ...     crs="EPSG:32648")
        >>> fl = pd.DataFrame({"origin": ["a", "a", "a"], "destination": ["a2", "b", "c"],
        ...     "population": [5.0, 1.0, 3.0]})
        >>> sf = settlement_flows(StudyArea(units, st, fl), gravity=GravityParams(fit=False))
        >>> sf.unit_summary("population")[["potential", "self_containment", "dominant"]]
                 potential  self_containment dominant
        unit_id
        A              9.0          0.555556        C
        B              0.0               NaN     None
        C              0.0               NaN     None
        >>> adj = pd.DataFrame({"unit_a": ["A", "B"], "unit_b": ["B", "C"]})
        >>> sf.unit_summary("population", adjacency=adj).loc["A", "dominant"]
        'B'
        """
        m = self._unit_matrix(flow_type)
        idx = pd.Index(self.unit_ids, name="unit_id")
        same = m["origin_unit"] == m["destination_unit"]
        potential = m.groupby("origin_unit")["flow"].sum().reindex(idx, fill_value=0.0)
        internal = m[same].groupby("origin_unit")["flow"].sum().reindex(idx, fill_value=0.0)
        ext = m[~same]
        inflow = ext.groupby("destination_unit")["flow"].sum().reindex(idx, fill_value=0.0)
        outflow = potential - internal
        cand = ext[ext["flow"] > 0]
        if adjacency is not None:
            missing = [c for c in ("unit_a", "unit_b") if c not in adjacency.columns]
            if missing:
                raise InputError(f"The adjacency table has no column(s) {missing}; give the "
                                 "edge table of townmerge.build_adjacency.")
            a = adjacency["unit_a"].astype(str)
            b = adjacency["unit_b"].astype(str)
            allowed = set(zip(a, b, strict=True)) | set(zip(b, a, strict=True))
            pairs = zip(cand["origin_unit"], cand["destination_unit"], strict=True)
            cand = cand[[p in allowed for p in pairs]]
        cand = cand.sort_values(["origin_unit", "flow", "destination_unit"],
                                ascending=[True, False, True])
        top = cand.drop_duplicates("origin_unit").set_index("origin_unit")
        dominant = top["destination_unit"].reindex(idx).astype(object)
        dominant = dominant.where(dominant.notna(), None)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = (top["flow"].reindex(idx) / outflow).where(outflow > 0)
            contained = (internal / potential).where(potential > 0)
        return pd.DataFrame({
            "potential": potential.astype(float),
            "internal": internal.astype(float),
            "outflow": outflow.astype(float),
            "inflow": inflow.astype(float),
            "self_containment": contained.astype(float),
            "dominant": dominant,
            "dominant_membership": share.astype(float),
        }, index=idx)

    def dominant_directions(self, adjacency: pd.DataFrame | None = None) -> pd.DataFrame:
        """The unit each unit gravitates to most, for each flow type.

        Parameters
        ----------
        adjacency : DataFrame, optional
            Restrict to neighbours (see :meth:`unit_summary`).

        Returns
        -------
        DataFrame
            One column per flow type, indexed by ``unit_id``.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import Point, box
        >>> units = gpd.GeoDataFrame({"id": ["A", "B"]}, geometry=[box(0, 0, 5, 5),
        ...     box(5, 0, 10, 5)], crs="EPSG:32648")
        >>> st = gpd.GeoDataFrame({"id": ["a", "b"], "population": [1, 1]},
        ...     geometry=[Point(1, 1), Point(7, 1)], crs="EPSG:32648")
        >>> settlement_flows(StudyArea(units, st)).dominant_directions()
                population traffic economic
        unit_id
        A                B       B        B
        B                A       A        A
        """
        return pd.DataFrame({t: self.unit_summary(t, adjacency)["dominant"]
                             for t in FLOW_TYPES})

    def to_graph(self) -> nx.DiGraph:
        """The settlement graph (see :func:`build_settlement_graph`).

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import Point, box
        >>> units = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 9000, 9000)],
        ...                          crs="EPSG:32648")
        >>> st = gpd.GeoDataFrame({"id": ["a", "b"], "population": [100, 200]},
        ...     geometry=[Point(10, 10), Point(10, 3010)], crs="EPSG:32648")
        >>> settlement_flows(StudyArea(units, st)).to_graph().number_of_edges()
        2
        """
        g = nx.DiGraph(sources=dict(self.sources), fits=dict(self.fits),
                       cutoff_min=self.travel.cutoff_min)
        st = self.settlements
        table = st.astype(object).where(st.notna(), None)
        table["population"] = st["population"].astype(float)
        for t in FLOW_TYPES:
            table[f"potential_{t}"] = self.potential(t).to_numpy()
        g.add_nodes_from(zip(st.index, table.to_dict("records"), strict=True))
        ids = st.index.to_numpy(dtype=object)
        vals = {t: self.values(t) for t in FLOW_TYPES}
        g.add_edges_from(
            (ids[o], ids[d], {"minutes": float(m), "by_road": bool(r),
                              **{t: float(vals[t][p]) for t in FLOW_TYPES}})
            for p, (o, d, m, r) in enumerate(zip(self.origin, self.destination, self.minutes,
                                                  self.by_road, strict=True)))
        return g


def _observed_table(area: StudyArea, net: TravelNetwork,
                    ) -> tuple[IntArray, dict[str, FloatArray]] | None:
    """Observed flows summed per distinct (origin, destination): sorted pair keys and values."""
    flows = area.flows
    types = area.flow_types
    if flows is None or not types or len(flows) == 0:
        return None
    n = len(net.settlement_ids)
    o = net.settlement_ids.get_indexer(pd.Index(flows["origin"].astype(object)))
    d = net.settlement_ids.get_indexer(pd.Index(flows["destination"].astype(object)))
    unknown = sorted(set(flows["origin"][o < 0]) | set(flows["destination"][d < 0]))
    if unknown:
        raise InputError(f"{len(unknown)} settlement id(s) of the flow table are not "
                         f"settlements: {format_ids([str(u) for u in unknown])}.")
    # A flow from a settlement to itself links nothing (the validator warns about it).
    other = o != d
    key = o[other].astype(np.int64) * n + d[other]
    uk, inv = np.unique(key, return_inverse=True)
    values = {t: _bincount(inv, flows[t].to_numpy(dtype=float)[other], uk.size)
              for t in types}
    return uk, values


def _fit_observed(
    flow_type: str, vals: FloatArray, mass: FloatArray, origin: npt.NDArray[np.int32],
    dest: npt.NDArray[np.int32], minutes: FloatArray, listed: IntArray,
    gravity: GravityParams, cutoff: float,
) -> GravityFit | None:
    """Fit one observed flow type; warn and return None when it cannot be fitted.

    With a complete table every pair within the cut-off is in the sample, zeros
    included; with a sample of pairs only the listed pairs are. Selecting on
    travel time (not on the flow) keeps the fit unbiased.
    """
    with np.errstate(divide="ignore"):
        logm = np.log(mass)
    if gravity.fill_unobserved:
        o, d, t = origin[listed], dest[listed], minutes[listed]
        x = np.log(np.maximum(t, gravity.min_minutes))
        ok = (o != d) & np.isfinite(x)
        off = np.where(ok, logm[o] + logm[d], -np.inf)
        pos = np.flatnonzero((vals > 0) & np.isfinite(off))
        y = vals[pos]
    else:
        x = np.empty(origin.size)
        off = np.empty(origin.size)
        for s in range(0, origin.size, _CHUNK):
            o, d, t = origin[s:s + _CHUNK], dest[s:s + _CHUNK], minutes[s:s + _CHUNK]
            x[s:s + _CHUNK] = np.log(np.maximum(t, gravity.min_minutes))
            off[s:s + _CHUNK] = np.where((o != d) & (t <= cutoff), logm[o] + logm[d], -np.inf)
        keep = (vals > 0) & np.isfinite(off[listed])
        pos, y = listed[keep], vals[keep]
    try:
        return _fit(off, x, pos, y, gravity.method, flow_type)
    except InputError as err:
        warnings.warn(f"{err} The defaults k = {gravity.k}, b = {gravity.b} are used.",
                      UserWarning, stacklevel=3)
        return None


def settlement_flows(
    area: StudyArea,
    *,
    gravity: GravityParams | None = None,
    travel: TravelParams | None = None,
    network: TravelNetwork | None = None,
) -> SettlementFlows:
    """Flows of the three types between settlements, observed where given, else gravity.

    Parameters
    ----------
    area : StudyArea
        Needs settlements (with population wherever a flow type is
        estimated); roads and a flow table are optional.
    gravity : GravityParams, optional
    travel : TravelParams, optional
        Ignored when ``network`` is given.
    network : TravelNetwork, optional
        A travel network already built for ``area``.

    Returns
    -------
    SettlementFlows

    Raises
    ------
    InputError
        For flow-table ids that are not settlements, or missing populations
        where flows are estimated (naming the settlements).

    Warns
    -----
    UserWarning
        When an observed flow type cannot be fitted (too few pairs); its
        unlisted pairs then use the default ``k`` and ``b``.

    Examples
    --------
    >>> from townmerge.datasets.synthetic import sample_county
    >>> s = sample_county()
    >>> sf = settlement_flows(StudyArea(s.units, s.settlements, s.flows, s.roads))
    >>> sorted(sf.sources.items())
    [('economic', 'observed'), ('population', 'observed'), ('traffic', 'observed')]
    >>> 1.0 < sf.fits["population"].b < 3.0
    True
    """
    gravity = gravity or GravityParams()
    net = network or TravelNetwork(area, travel)
    travel = net.params
    st = area.settlements
    assert st is not None  # TravelNetwork has checked
    n = len(net.settlement_ids)
    cutoff = travel.cutoff_min

    o_parts, d_parts, t_parts, r_parts = [], [], [], []
    for bo, bd, bt, br in net.pair_blocks():
        o_parts.append(bo.astype(np.int32))
        d_parts.append(bd.astype(np.int32))
        t_parts.append(bt)
        r_parts.append(br)
    origin = np.concatenate(o_parts) if o_parts else np.zeros(0, np.int32)
    dest = np.concatenate(d_parts) if d_parts else np.zeros(0, np.int32)
    minutes = np.concatenate(t_parts) if t_parts else np.zeros(0)
    by_road = np.concatenate(r_parts) if r_parts else np.zeros(0, bool)
    del o_parts, d_parts, t_parts, r_parts

    observed = _observed_table(area, net)
    obs_row = np.zeros(0, dtype=np.int64)
    if observed is not None:
        okey, _ = observed
        ckey = origin.astype(np.int64) * n + dest
        found = np.zeros(okey.size, dtype=bool)
        obs_row = np.full(origin.size, -1, dtype=np.int64)
        if okey.size:
            pos = np.searchsorted(okey, ckey)
            np.minimum(pos, okey.size - 1, out=pos)
            match = okey[pos] == ckey
            found[pos[match]] = True
            obs_row[match] = pos[match]
            del pos, match
        extra = np.flatnonzero(~found)
        if extra.size:
            ei, ej = okey[extra] // n, okey[extra] % n
            origin = np.concatenate([origin, ei.astype(np.int32)])
            dest = np.concatenate([dest, ej.astype(np.int32)])
            minutes = np.concatenate([minutes, net.times(ei, ej)])
            by_road = np.concatenate([by_road, net.by_road(ei, ej)])
            obs_row = np.concatenate([obs_row, extra])
        ckey = np.concatenate([ckey, okey[extra]])
    else:
        ckey = origin.astype(np.int64) * n + dest
    order = np.argsort(ckey)  # the keys are distinct
    del ckey
    origin, dest, minutes, by_road = origin[order], dest[order], minutes[order], by_road[order]
    listed = np.zeros(0, dtype=np.int64)
    obs_values: dict[str, FloatArray] = {}
    if observed is not None:
        obs_row = obs_row[order]
        listed = np.flatnonzero(obs_row >= 0)
        obs_values = {t: v[obs_row[listed]] for t, v in observed[1].items()}
    del order, obs_row

    sources = {t: ("gravity" if t not in obs_values else
                   "observed+gravity" if gravity.fill_unobserved else "observed")
               for t in FLOW_TYPES}
    need_masses = any(s != "observed" for s in sources.values())
    masses: pd.DataFrame | None = None
    if need_masses:
        masses = gravity_masses(area, gravity, net)
    elif gravity.fit and obs_values:
        try:
            masses = gravity_masses(area, gravity, net)
        except InputError as err:
            warnings.warn(f"The observed flows are not fitted: {err}", UserWarning,
                          stacklevel=2)

    fits: dict[str, GravityFit] = {}
    kb = {t: (gravity.k, gravity.b) for t in FLOW_TYPES}
    if gravity.fit and masses is not None and obs_values:
        for t, vals in obs_values.items():
            fit = _fit_observed(t, vals, masses[t].to_numpy(), origin, dest, minutes, listed,
                                gravity, cutoff)
            if fit is not None:
                fits[t] = fit
                kb[t] = (fit.k, fit.b)

    cols = [c for c in ("name", "kind", "unit", "population") if c in st.columns]
    nodes = pd.DataFrame(st[cols]).copy()
    for c in ("name", "kind", "unit"):
        if c not in nodes.columns:
            nodes[c] = None
    if "population" not in nodes.columns:
        nodes["population"] = np.nan
    nodes = nodes[["name", "kind", "unit", "population"]]
    nodes["population"] = pd.to_numeric(nodes["population"], errors="coerce").astype(float)
    return SettlementFlows(
        settlements=nodes, unit_ids=pd.Index(area.units.index, name="unit_id"),
        origin=origin, destination=dest, minutes=minutes, by_road=by_road,
        sources=MappingProxyType(sources), fits=MappingProxyType(fits), masses=masses,
        gravity=gravity, travel=travel, _listed=listed,
        _observed=MappingProxyType(obs_values), _kb=MappingProxyType(kb))


def build_settlement_graph(
    area: StudyArea,
    *,
    gravity: GravityParams | None = None,
    travel: TravelParams | None = None,
) -> nx.DiGraph:
    """The settlement graph: settlements as nodes, flows and travel times on the edges.

    Nodes are settlement ids with ``name``, ``kind``, ``unit``, ``population``
    and ``potential_population`` / ``_traffic`` / ``_economic``. Each edge
    ``origin → destination`` (every pair within the cut-off, and every pair of
    the flow table) carries ``minutes``, ``by_road``, ``population``,
    ``traffic`` and ``economic``. The graph's attributes hold the ``sources``
    of each flow type, the gravity ``fits`` and ``cutoff_min``.

    A networkx graph costs about a kilobyte per edge: for a province, use
    :func:`settlement_flows` and its array views instead.

    Parameters
    ----------
    area : StudyArea
    gravity : GravityParams, optional
    travel : TravelParams, optional

    Returns
    -------
    networkx.DiGraph

    Examples
    --------
    >>> from townmerge.datasets.synthetic import sample_county
    >>> s = sample_county()
    >>> g = build_settlement_graph(StudyArea(s.units, s.settlements, s.flows, s.roads))
    >>> g.number_of_nodes(), sorted(g.edges[next(iter(g.edges))])
    (242, ['by_road', 'economic', 'minutes', 'population', 'traffic'])
    """
    return settlement_flows(area, gravity=gravity, travel=travel).to_graph()


def unit_pair_flows(
    area: StudyArea,
    *,
    gravity: GravityParams | None = None,
    travel: TravelParams | None = None,
) -> pd.DataFrame:
    """Flows of the three types summed per ordered pair of units (observed or gravity).

    A shortcut for ``settlement_flows(area, ...).unit_pairs()``; the totals
    equal those of the settlement flows exactly.

    Parameters
    ----------
    area : StudyArea
    gravity : GravityParams, optional
    travel : TravelParams, optional

    Returns
    -------
    DataFrame
        ``origin_unit``, ``destination_unit``, ``population``, ``traffic``,
        ``economic``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point, box
    >>> units = gpd.GeoDataFrame({"id": ["A", "B"]}, geometry=[box(0, 0, 5000, 5000),
    ...     box(5000, 0, 10_000, 5000)], crs="EPSG:32648")
    >>> st = gpd.GeoDataFrame({"id": ["a", "b"], "population": [100, 100]},
    ...     geometry=[Point(2000, 10), Point(8000, 10)], crs="EPSG:32648")
    >>> unit_pair_flows(StudyArea(units, st))[["origin_unit", "destination_unit"]]
      origin_unit destination_unit
    0           A                B
    1           B                A
    """
    return settlement_flows(area, gravity=gravity, travel=travel).unit_pairs()
