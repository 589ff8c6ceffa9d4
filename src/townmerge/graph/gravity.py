r"""The gravity model of flows between settlements: masses, fits and estimates.

.. math:: I_{ij} = k \, M_i M_j / \max(t_{ij}, t_0)^b

The masses (:func:`gravity_masses`) are

- population flow: the settlement's population;
- economic flow: :math:`\sqrt{P \cdot G}` with ``G`` the settlement's ``gdp``
  column, or the proxy ``G = P × w(kind)`` (per-capita output weights by kind,
  :attr:`GravityParams.gdp_weight`);
- traffic flow: population × road weight, where the road weight
  ``max(S, v) / 2v`` grows with the summed speed ``S`` of the roads at the
  settlement's road node (``v`` = :attr:`GravityParams.traffic_reference_kmh`:
  1 on a through village road, 0.5 at a dead end or off the network, more at
  junctions of fast roads).

Where a flow type is observed, ``k`` and ``b`` are fitted by Poisson
pseudo-maximum-likelihood (:func:`fit_gravity`, :func:`fit_observed`) and
reported; where it is not, the documented defaults are used (``b = 2``,
``k = 1``: flows are then a relative index).

Examples
--------
>>> t = np.array([10.0, 20.0, 40.0, 10.0])
>>> m = np.array([100.0, 100.0, 100.0, 400.0])
>>> print(fit_gravity(m * m / t**2, m, m, t, min_minutes=1.0))
flow: k = 1, b = 2, n = 4, deviance explained 100.0% (poisson)
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..config import FitMethod, GravityParams
from ..data.check_columns import gdp_problems
from ..data.model import StudyArea, unit_label
from ..data.problems import ValidationReport
from ..errors import InputError, format_ids
from .roadgraph import FloatArray, IntArray
from .travel import TravelNetwork

__all__ = [
    "PAIR_CHUNK",
    "GravityFit",
    "GravityParams",
    "bincount",
    "fit_gravity",
    "fit_observed",
    "gravity_masses",
    "settlement_labels",
]

#: Pairs processed at once when computing flows, fits and aggregates.
PAIR_CHUNK = 2_000_000


def bincount(idx: npt.NDArray[np.integer], weights: npt.ArrayLike, n: int) -> FloatArray:
    """Sums of ``weights`` per index ``0 … n-1``, as floats.

    Examples
    --------
    >>> bincount(np.array([0, 2, 0]), [1.0, 2.0, 3.0], 4).tolist()
    [4.0, 0.0, 2.0, 0.0]
    """
    out: FloatArray = np.bincount(idx, weights, minlength=n).astype(float, copy=False)
    return out


def settlement_labels(settlements: pd.DataFrame, mask: npt.ArrayLike) -> list[str]:
    """``"id (name)"`` of the settlements where ``mask`` is true, for messages.

    Examples
    --------
    >>> st = pd.DataFrame({"name": ["甲村", None]}, index=["a", "b"])
    >>> settlement_labels(st, [True, True])
    ['a (甲村)', 'b']
    """
    names = settlements["name"] if "name" in settlements.columns else None
    idx = np.flatnonzero(np.asarray(mask))
    return [unit_label(str(settlements.index[i]), None if names is None else names.iloc[i])
            for i in idx]


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
        for s in range(0, off.size, PAIR_CHUNK):
            xc = x[s:s + PAIR_CHUNK] - xbar
            mu = np.exp(np.minimum(a + off[s:s + PAIR_CHUNK] + c * xc, 700.0))
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
            f"gravity model needs: {format_ids(settlement_labels(st, bad))}. Fill them in.")
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



def fit_observed(
    flow_type: str, vals: FloatArray, mass: FloatArray, origin: npt.NDArray[np.int32],
    dest: npt.NDArray[np.int32], minutes: FloatArray, listed: IntArray,
    gravity: GravityParams, cutoff: float,
) -> GravityFit | None:
    """Fit one observed flow type; warn and return None when it cannot be fitted.

    With a complete table every pair within the cut-off is in the sample, zeros
    included; with a sample of pairs only the listed pairs are. Selecting on
    travel time (not on the flow) keeps the fit unbiased.

    Parameters
    ----------
    flow_type : str
    vals : ndarray of float
        Observed flow of each listed pair.
    mass : ndarray of float
        Gravity mass of each settlement for this flow type.
    origin, dest : ndarray of int
        Settlement positions of every pair (within the cut-off or listed).
    minutes : ndarray of float
        Travel time of every pair.
    listed : ndarray of int
        Positions of the observed pairs among all pairs, aligned with ``vals``.
    gravity : GravityParams
    cutoff : float
        The travel-time cut-off in minutes.

    Returns
    -------
    GravityFit or None

    Examples
    --------
    >>> m = np.array([100.0, 200.0, 300.0, 400.0])
    >>> o, d = np.array([0, 0, 1, 2, 3], np.int32), np.array([1, 2, 3, 3, 0], np.int32)
    >>> t = np.array([10.0, 20.0, 15.0, 30.0, 25.0])
    >>> y = m[o] * m[d] / t**2
    >>> fit = fit_observed("population", y, m, o, d, t, np.arange(5), GravityParams(), 60.0)
    >>> round(fit.k, 6), round(fit.b, 6)
    (1.0, 2.0)
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
        for s in range(0, origin.size, PAIR_CHUNK):
            e = s + PAIR_CHUNK
            o, d, t = origin[s:e], dest[s:e], minutes[s:e]
            x[s:e] = np.log(np.maximum(t, gravity.min_minutes))
            off[s:e] = np.where((o != d) & (t <= cutoff), logm[o] + logm[d], -np.inf)
        keep = (vals > 0) & np.isfinite(off[listed])
        pos, y = listed[keep], vals[keep]
    try:
        return _fit(off, x, pos, y, gravity.method, flow_type)
    except InputError as err:
        warnings.warn(f"{err} The defaults k = {gravity.k}, b = {gravity.b} are used.",
                      UserWarning, stacklevel=3)
        return None
