"""Checks of the arguments of the entry points, before any work is done.

:func:`check_args` names every argument out of range at once (a
:class:`~townmerge.errors.ParameterError`); :func:`fixed_groups` turns the mergers a user
fixed in ``start=`` into groups of unit indices, checking them against ``within=``.

Examples
--------
>>> check_args(target=3, n_units=5, seed=0)
>>> try:
...     check_args(target=0, seed=-1, time_limit=float("nan"))
... except ValueError as exc:
...     print(type(exc).__name__, str(exc).count(" must be "))
ParameterError 3
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import numpy as np

from ..data.nesting import Nesting
from ..data.plan import Plan
from ..errors import InputError, ParameterError, format_ids
from .base import PlanningProblem

__all__ = ["check_args", "fixed_groups"]


def _number(value: object) -> float | None:
    """``value`` as a float when it is a real number (not a bool), else None."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        return None
    return float(value)


def _whole(value: object, low: float, high: float = math.inf) -> bool:
    """Whether ``value`` is a whole number (13 or 13.0, not True) from ``low`` to ``high``."""
    x = _number(value)
    return x is not None and math.isfinite(x) and x.is_integer() and low <= x <= high


def check_args(*, target: object = None, n_units: int | None = None, time_limit: object = None,
               seed: object = 0, n: object = 1, iterations: object = 0,
               noise: object = 0.0) -> None:
    """Raise ParameterError naming every argument out of range (NaN, negative …).

    Only the arguments given are checked against their defaults' ranges: ``target``
    (whole, from 1 to ``n_units``), ``time_limit`` (positive seconds or None), ``seed``
    and ``iterations`` (whole, >= 0), ``n`` (whole, >= 1) and ``noise`` (finite, >= 0).

    Raises
    ------
    ParameterError
        Naming every argument out of range, with the value given.

    Examples
    --------
    >>> check_args(n=2, noise=0.5)
    >>> check_args(iterations=1.5)
    Traceback (most recent call last):
    ...
    townmerge.errors.ParameterError: iterations must be a whole number >= 0, not 1.5.
    """
    bad: list[str] = []
    if target is not None and not _whole(target, 1, n_units or math.inf):
        upper = (f"from 1 to {n_units} (the current units; a plan never splits a unit)"
                 if n_units is not None else ">= 1")
        bad.append(f"target must be a whole number {upper}, not {target!r}")
    limit = _number(time_limit)
    if time_limit is not None and not (limit is not None and math.isfinite(limit) and limit > 0):
        bad.append(f"time_limit must be a positive number of seconds (None: no limit), "
                   f"not {time_limit!r}")
    if not _whole(seed, 0):
        bad.append(f"seed must be a whole number >= 0, not {seed!r}")
    if not _whole(n, 1):
        bad.append(f"n must be a whole number >= 1, not {n!r}")
    if not _whole(iterations, 0):
        bad.append(f"iterations must be a whole number >= 0, not {iterations!r}")
    x = _number(noise)
    if x is None or not math.isfinite(x) or x < 0:
        bad.append(f"noise must be a finite number >= 0, not {noise!r}")
    if bad:
        raise ParameterError("; ".join(bad) + ".")


def fixed_groups(problem: PlanningProblem, start: Plan | None,
                 within: Mapping[str, str] | None = None) -> list[list[int]] | None:
    """The mergers fixed in ``start`` as groups of unit indices (None without any).

    Raises
    ------
    PlanError
        When ``start`` does not assign the problem's units, or straddles the villages and
        townships of a :class:`~townmerge.data.nesting.Nesting`.
    InputError
        When a fixed merger straddles the containers of ``within``.

    Examples
    --------
    >>> from townmerge.data.model import StudyArea
    >>> from townmerge.testing.grids import grid_units
    >>> problem = PlanningProblem.from_area(StudyArea(grid_units("ABC")))
    >>> fixed_groups(problem, Plan.from_groups({"A": ["A", "B"], "C": ["C"]}))
    [[0, 1]]
    >>> fixed_groups(problem, None) is None
    True
    """
    if start is None:
        return None
    start.check_units(problem.ids)
    groups = [g for g in start.groups().values() if len(g) > 1]
    if isinstance(within, Nesting):
        within.check(start)  # names the villages and townships (a PlanError)
    if within is not None:
        straddle = [new for new, g in start.groups().items() if len({within[m] for m in g}) > 1]
        if straddle:
            raise InputError(
                f"The fixed mergers of start= straddle the containers of within=: "
                f"{format_ids(straddle)}. A nested plan cannot merge across the level above.")
    return problem.index_groups(groups) or None
