"""The neutral figures of a plan: their names, which way is better, and bounds on them.

The figures that compare plans whatever made them (:func:`townmerge.plan_metrics`):
share of each flow kept inside the new units, population balance, share of new
units below their floor, travel time to the seat, compactness (:data:`METRICS`,
:data:`BETTER`, :data:`FIGURE_RANGES`). A bound on a figure ("at least as much
flow kept as plan X", :func:`figure_bounds`) is checked here (:func:`check_bounds`,
:func:`unmet_bounds`) and compared across plans (:func:`dominated_by`); the
figures themselves are computed from additive per-group parts in
:mod:`townmerge.score.figure_model`.

Examples
--------
>>> figure_bounds({"units": 3.0, "population_cv": 0.25, "compactness_mean": 0.7})
{'population_cv': 0.25, 'compactness_mean': 0.7}
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType

import pandas as pd

from ..data.columns import FLOW_TYPES
from ..errors import ParameterError, format_ids

__all__ = [
    "BETTER",
    "DEFAULT_BOUND_FIGURES",
    "FIGURE_RANGES",
    "METRICS",
    "check_bounds",
    "dominated_by",
    "figure_bounds",
    "unmet_bounds",
]

#: The neutral figures of a plan, in report order.
METRICS = (
    "units", "flow_kept_population", "flow_kept_traffic", "flow_kept_economic",
    "population_cv", "population_min", "population_max", "share_below_floor",
    "mean_minutes_to_seat", "max_minutes_to_seat", "share_within_t_good",
    "compactness_mean", "compactness_min",
)

#: Which way each neutral figure is better: ``"higher"`` or ``"lower"``.
BETTER: Mapping[str, str] = MappingProxyType({
    "flow_kept_population": "higher", "flow_kept_traffic": "higher",
    "flow_kept_economic": "higher", "population_cv": "lower", "population_min": "higher",
    "population_max": "lower", "share_below_floor": "lower", "mean_minutes_to_seat": "lower",
    "max_minutes_to_seat": "lower", "share_within_t_good": "higher",
    "compactness_mean": "higher", "compactness_min": "higher",
})

_SHARE = (0.0, 1.0)
#: The values each boundable figure can take, with why: a bound outside them is impossible.
FIGURE_RANGES: Mapping[str, tuple[float, float, str]] = MappingProxyType({
    **{f"flow_kept_{t}": (*_SHARE, f"the share of {t} flow kept is between 0 and 1")
       for t in FLOW_TYPES},
    "population_cv": (0.0, math.inf, "no plan has a negative population CV"),
    "population_min": (0.0, math.inf, "no new unit has a negative population"),
    "population_max": (0.0, math.inf, "no new unit has a negative population"),
    "share_below_floor": (*_SHARE, "the share of new units below their floor is between 0 "
                                   "and 1"),
    "mean_minutes_to_seat": (0.0, math.inf, "no settlement is less than 0 minutes from its "
                                            "seat"),
    "max_minutes_to_seat": (0.0, math.inf, "no settlement is less than 0 minutes from its "
                                           "seat"),
    "share_within_t_good": (*_SHARE, "the share of the population within the good travel "
                                     "time is between 0 and 1"),
    "compactness_mean": (*_SHARE, "Polsby–Popper compactness is between 0 and 1"),
    "compactness_min": (*_SHARE, "Polsby–Popper compactness is between 0 and 1"),
})

#: Figures :func:`figure_bounds` takes from a plan by default (the benchmark's neutral figures).
DEFAULT_BOUND_FIGURES = ("flow_kept_population", "population_cv", "share_below_floor",
                         "mean_minutes_to_seat", "max_minutes_to_seat", "compactness_mean")


def check_bounds(bounds: Mapping[str, float]) -> dict[str, float]:
    """Validate figure bounds: known figure names, finite numbers.

    Parameters
    ----------
    bounds : mapping of str to float
        Figure name (a key of :data:`BETTER`) → the worst value allowed: a
        floor for figures where higher is better, a ceiling for the others.

    Returns
    -------
    dict of str to float

    Raises
    ------
    ParameterError
        Naming every unknown figure, every bound that is not a finite number
        and every bound no plan can take (outside :data:`FIGURE_RANGES`), with
        why (an :class:`~townmerge.errors.InputError`).

    Examples
    --------
    >>> check_bounds({"population_cv": 0.5})
    {'population_cv': 0.5}
    >>> check_bounds({"population_cv": -1})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    townmerge.errors.ParameterError: Bad figure bounds: population_cv = -1: no plan has a ...
    """
    problems = []
    out: dict[str, float] = {}
    for name, value in bounds.items():
        if name not in BETTER:
            problems.append(f"unknown figure {name!r}")
            continue
        try:
            v = float(value)
        except (TypeError, ValueError):
            v = math.nan
        if not math.isfinite(v):
            problems.append(f"{name}: {value!r} is not a finite number")
            continue
        lo, hi, why = FIGURE_RANGES[name]
        if not lo <= v <= hi:
            problems.append(f"{name} = {value!r}: {why}")
            continue
        out[name] = v
    if problems:
        raise ParameterError(f"Bad figure bounds: {'; '.join(problems)}. Bounds take a figure "
                             f"of {format_ids(list(BETTER), limit=20)} and a number it can "
                             "take (shares and compactness from 0 to 1, CV, populations and "
                             "minutes from 0).")
    return out


def figure_bounds(figures: Mapping[str, float] | pd.Series,
                  names: Sequence[str] = DEFAULT_BOUND_FIGURES) -> dict[str, float]:
    """Bounds asking for a plan at least as good as ``figures`` on each of ``names``.

    Figures that are NaN (no data) are left out.

    Parameters
    ----------
    figures : Series or mapping
        A plan's figures (:meth:`FigureModel.plan`, :func:`townmerge.plan_metrics`).
    names : sequence of str
        Which figures to bound.

    Returns
    -------
    dict of str to float

    Examples
    --------
    >>> figure_bounds({"population_cv": 0.4, "compactness_mean": float("nan")},
    ...               names=["population_cv", "compactness_mean"])
    {'population_cv': 0.4}
    """
    out = {n: float(figures[n]) for n in names if n in figures and math.isfinite(float(figures[n]))}
    return check_bounds(out)


def unmet_bounds(figures: Mapping[str, float] | pd.Series, bounds: Mapping[str, float], *,
                 tolerance: float = 1e-9) -> dict[str, float]:
    """The bounds a plan's figures break, with the figure's value.

    A NaN figure breaks its bound. ``tolerance`` is relative to the bound.

    Examples
    --------
    >>> unmet_bounds({"population_cv": 0.5, "compactness_mean": 0.6},
    ...              {"population_cv": 0.4, "compactness_mean": 0.5})
    {'population_cv': 0.5}
    """
    out = {}
    for name, b in check_bounds(bounds).items():
        v = float(figures[name]) if name in figures else math.nan
        slack = tolerance * max(1.0, abs(b))
        ok = (v >= b - slack) if BETTER[name] == "higher" else (v <= b + slack)
        if not ok:
            out[name] = v
    return out


def dominated_by(table: pd.DataFrame, names: Sequence[str] = DEFAULT_BOUND_FIGURES, *,
                 higher: Sequence[str] = ("objective",)) -> pd.Series:
    """Which plans of a comparison are dominated, and by which.

    Plan ``b`` dominates plan ``a`` when both have the same number of new
    units and ``b`` is at least as good on every figure of ``names`` (and row
    of ``higher``, e.g. the objective) that both have, and better on one.

    Parameters
    ----------
    table : DataFrame
        Figures by row, plans by column (:func:`townmerge.compare_plans`).
    names : sequence of str
        Neutral figures to compare (:data:`BETTER` says which way is better).
    higher : sequence of str
        Further rows where higher is better, when present.

    Returns
    -------
    Series
        Per plan, the list of plans dominating it (empty: on the Pareto front).

    Examples
    --------
    >>> t = pd.DataFrame({"a": [13, 0.5, 0.8], "b": [13, 0.6, 0.9], "c": [13, 0.4, 0.9]},
    ...                  index=["units", "flow_kept_population", "population_cv"])
    >>> dominated_by(t, ["flow_kept_population", "population_cv"]).to_dict()
    {'a': [], 'b': [], 'c': ['a', 'b']}
    """
    rows = [(n, BETTER[n] == "higher") for n in names if n in table.index]
    rows += [(n, True) for n in higher if n in table.index]
    units = table.loc["units"] if "units" in table.index else pd.Series(0, index=table.columns)
    out: dict[str, list[str]] = {}
    for a in table.columns:
        out[a] = []
        for b in table.columns:
            if a == b or units[a] != units[b]:
                continue
            better = worse = False
            for name, up in rows:
                va, vb = float(table.at[name, a]), float(table.at[name, b])
                if not (math.isfinite(va) and math.isfinite(vb)):
                    continue
                d = (vb - va) if up else (va - vb)
                tol = 1e-12 * max(1.0, abs(va))
                better |= d > tol
                worse |= d < -tol
            if better and not worse:
                out[a].append(str(b))
    return pd.Series(out, name="dominated_by", dtype=object)
