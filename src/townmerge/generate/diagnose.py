"""Why no plan is feasible: which hard limit rules out the mergers, with its figures.

When no plan meets the target, the cause is usually one limit that no pair of
neighbouring units can meet (e.g. units of 400 km² under a 250 km² area limit).
:func:`binding_limits` scores every pair of neighbouring units once (one batch)
and counts, for each hard limit judged on its own, the pairs it rules out; it
names the limits that rule out every pair, with the figures, and otherwise
lists the counts.

Examples
--------
>>> from townmerge.testing.grids import grid_units
>>> from townmerge.data.model import StudyArea
>>> from townmerge.score.scorer import MergerScorer
>>> from .base import PlanningProblem, ScoreCache
>>> area = StudyArea(grid_units("AB / CD", cell=20_000.0))
>>> p = PlanningProblem.from_area(area)
>>> print(binding_limits(p, ScoreCache(p, MergerScorer(area)), target=2))
No two neighbouring units can merge, and target 2 needs 2 mergers: the area limit (H5) \
alone rules out all 4 pairs of neighbouring units (the smallest union is 800 km², over \
its limit of 250 km²). Raise a_max_km2 of the terrains in Config.thresholds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .base import PlanningProblem, ScoreCache

__all__ = ["binding_limits"]

#: Each hard limit: how it is named and how to relax it.
LIMITS = {
    "locked": ("the locks (H7: locked units and border towns never merge)",
               "Unlock units (the locked column) or turn off Config.constraints.locked."),
    "must_link": ("must-link (H8, 一地两府)",
                  "Check the seats and Config.constraints.must_link_pairs."),
    "same_parent": ("the same-county rule (H2)",
                    "Check the parent column or turn off Config.constraints.same_parent."),
    "contiguity": ("contiguity (H1)", "Add reviewed virtual links between the pieces."),
    "size": ("max_members (H6)", "Raise Config.max_members."),
    "area": ("the area limit (H5)", "Raise a_max_km2 of the terrains in Config.thresholds."),
    "travel_time": ("the travel-time limit (H4)",
                    "Raise t_max_min of the terrains in Config.thresholds."),
}


def _pairs(problem: PlanningProblem) -> list[tuple[int, int]]:
    return sorted((i, j) for i in range(problem.n) for j in problem.neighbours[i] if i < j)


def _figures(name: str, rows: pd.DataFrame) -> str:
    """The figures of the pairs ``name`` rules out: how close the nearest one comes."""
    if name == "area" and "area_km2" in rows:
        at = int(np.argmin(rows["area_km2"].to_numpy()))
        return (f" (the smallest union is {rows['area_km2'].iloc[at]:.4g} km², over its limit "
                f"of {rows['area_limit_km2'].iloc[at]:.4g} km²)")
    if name == "travel_time" and "max_minutes" in rows:
        at = int(np.nanargmin(rows["max_minutes"].to_numpy()))
        return (f" (the nearest settlement-to-seat time is {rows['max_minutes'].iloc[at]:.0f} "
                f"min, over its limit of {rows['minutes_limit'].iloc[at]:.0f} min)")
    return ""


def binding_limits(problem: PlanningProblem, cache: ScoreCache, *, target: int | None) -> str:
    """A sentence naming the hard limits that rule out the mergers, with figures.

    Parameters
    ----------
    problem : PlanningProblem
    cache : ScoreCache
        Its scorer's ``constraint_failures`` (as
        :meth:`townmerge.score.scorer.MergerScorer.constraint_failures`) judges each
        limit on its own; a scorer without it is asked only for feasibility.
    target : int, optional
        The target asked for (the mergers it needs are named).

    Returns
    -------
    str
        What rules the pairs of neighbouring units out and how to relax it.
    """
    pairs = _pairs(problem)
    need = ("" if target is None else
            f", and target {target} needs {problem.n - target} merger"
            f"{'s' if problem.n - target != 1 else ''}")
    if not pairs:
        return (f"No unit has a neighbour to merge with{need}. Check the adjacency (add "
                "reviewed virtual links) or change the target.")
    members = [[problem.ids[i], problem.ids[j]] for i, j in pairs]
    cache.prefill([frozenset(p) for p in pairs])
    ok = np.array([cache.feasible(frozenset(p)) for p in pairs])
    n_ok, n = int(ok.sum()), len(pairs)
    failures = getattr(cache.scorer, "constraint_failures", None)
    if failures is None:
        if n_ok == 0:
            return (f"No two neighbouring units can merge{need}: the scorer finds all {n} pairs "
                    "of neighbouring units infeasible. Relax its constraints.")
        if n_ok == n:
            return (f"Every pair of neighbouring units can merge, yet no plan meets the "
                    f"target{need}: larger groups break the limits (max_members "
                    f"{problem.max_members}, or the scorer's constraints). Relax them or change "
                    "the target.")
        return (f"Only {n_ok} of {n} pairs of neighbouring units can merge{need}. Relax the "
                "constraints or change the target.")
    table = failures(members)
    names = [c for c in LIMITS if c in table.columns]
    counts = {c: int(table[c].sum()) for c in names}
    every = [c for c in names if counts[c] == n]
    if every:
        said = "; ".join(
            f"{LIMITS[c][0]} alone rules out all {n} pairs of neighbouring units"
            + _figures(c, table) for c in every)
        fixes = " ".join(LIMITS[c][1] for c in every)
        return f"No two neighbouring units can merge{need}: {said}. {fixes}"
    ruling = sorted((c for c in names if counts[c]), key=lambda c: -counts[c])
    if not ruling:
        return (f"Every pair of neighbouring units can merge, yet no plan meets the target"
                f"{need}: larger groups break the limits (max_members {problem.max_members}, "
                "area, travel time). Relax the constraints or change the target.")
    listed = "; ".join(f"{LIMITS[c][0]}: {counts[c]} pair{'s' if counts[c] != 1 else ''}"
                       + _figures(c, table[table[c]]) for c in ruling)
    head = (f"No two neighbouring units can merge{need}" if n_ok == 0 else
            f"Only {n_ok} of {n} pairs of neighbouring units can merge{need}")
    return (f"{head}. Pairs ruled out by each limit (each judged alone): {listed}. "
            f"{LIMITS[ruling[0]][1]}")
