"""The scores of a plan: each new unit's row, and THE plan objective.

:func:`score_plan` scores every new unit of a plan (units that stay as they
are included) with the seats the plan names; :func:`plan_objective` is the
population-weighted mean of the new units' totals, rejecting plans with an
infeasible new unit; :func:`objective_value` defines that weighted mean once,
for every generator and evaluation.

Examples
--------
>>> objective_value([1, 3], [0.5, 1.0])
0.875
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from ..config import Config
from ..data.model import StudyArea
from ..data.plan import Plan
from ..errors import InfeasibleError, format_ids
from .criteria import CriterionRegistry
from .scorer import MergerScorer, scorer_for

__all__ = ["objective_value", "plan_objective", "score_plan"]


def score_plan(
    area: StudyArea,
    plan: Plan,
    *,
    config: Config | None = None,
    criteria: CriterionRegistry | None = None,
    edges: pd.DataFrame | None = None,
    scorer: MergerScorer | None = None,
    villages: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Score every new unit of a plan (units that stay as they are included).

    A new unit is scored with the seat the plan names for it (``plan.seats``),
    else with the seat :func:`townmerge.choose_seat` would choose.

    Parameters
    ----------
    area : StudyArea
    plan : Plan
    config, criteria, edges, scorer, villages
        As for :func:`score_mergers`.

    Returns
    -------
    DataFrame
        Indexed by ``new_unit``; the columns of :func:`score_mergers`
        (``members`` are current unit ids).

    Raises
    ------
    PlanError
        When the plan does not assign every unit of the area once.

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> area = StudyArea(grid_units("AB", population={"A": 9000, "B": 6000}))
    >>> score_plan(area, Plan.from_groups({"N": ["A", "B"]}))["feasible"].tolist()
    [True]
    """
    plan.check_units(area.unit_ids)
    sc = scorer_for(area, config, scorer, criteria, edges)
    groups = plan.groups()
    table = sc.explain(list(groups.values()), villages=villages,
                       seats=[plan.seats.get(new) for new in groups])
    table.index = pd.Index(list(groups), name="new_unit")
    return table


def plan_objective(
    area: StudyArea,
    plan: Plan,
    *,
    config: Config | None = None,
    criteria: CriterionRegistry | None = None,
    edges: pd.DataFrame | None = None,
    scorer: MergerScorer | None = None,
) -> float:
    """The plan objective: population-weighted mean of the new units' totals.

    Units that stay as they are count as new units of one (scored by the same
    criteria). Weights are populations (areas in km² where the area has no
    population). New units are scored with the seats the plan names, where it
    names them, else with the seat the scorer chooses.

    Parameters
    ----------
    area : StudyArea
    plan : Plan
    config, criteria, edges, scorer
        As for :func:`score_mergers`.

    Returns
    -------
    float
        In [0, 1].

    Raises
    ------
    PlanError
        When the plan does not assign every unit once.
    InputError
        When the plan names a seat that is not a settlement of its new unit.
    InfeasibleError
        When any new unit breaks a hard constraint, naming every such new
        unit, its members and the binding constraint with its figures
        (infeasible plans are rejected, not penalised).

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> area = StudyArea(grid_units("ABC", population={"A": 9000, "B": 6000, "C": 1}))
    >>> 0 < plan_objective(area, Plan.from_groups({"N": ["A", "B"], "C": ["C"]})) < 1
    True
    >>> plan_objective(area, Plan.from_groups({"N": ["A", "C"], "B": ["B"]}))
    Traceback (most recent call last):
    ...
    townmerge.errors.InfeasibleError: 1 new unit(s) of the plan break a hard constraint: ...
    """
    plan.check_units(area.unit_ids)
    sc = scorer_for(area, config, scorer, criteria, edges)
    groups = plan.groups()
    ev = sc.evaluate(list(groups.values()), [plan.seats.get(new) for new in groups],
                     labels=list(groups))
    if not ev.feasible.all():
        bad = np.flatnonzero(~ev.feasible)
        shown = []
        for g in bad:
            new = list(groups)[g]
            en, _ = sc.explainer.detail(ev, int(g))
            shown.append(f"{new} ({'+'.join(ev.batch.members[g])}): {en}")
        raise InfeasibleError(
            f"{len(bad)} new unit(s) of the plan break a hard constraint: "
            f"{format_ids(shown)}. Infeasible plans are rejected; change these new units.")
    w = ev.batch.population if area.has_population else ev.batch.area_km2
    return objective_value(w, ev.total)


def objective_value(weights: npt.ArrayLike, totals: npt.ArrayLike) -> float:
    """THE plan objective, defined once: the weighted mean of the new units' totals.

    Weights are the new units' populations (areas where there is none); every
    generator and every evaluation uses this function.

    Parameters
    ----------
    weights : array_like
        Population (or area) of each new unit.
    totals : array_like
        Total score of each new unit, in [0, 1].

    Returns
    -------
    float
        Σ w·total / Σ w; the plain mean of the totals when the weights are
        unusable (missing or all zero).

    Examples
    --------
    >>> objective_value([10, 30], [0.25, 0.75])
    0.625
    """
    w = np.asarray(weights, dtype=float)
    t = np.asarray(totals, dtype=float)
    if w.size == 0:
        return float("nan")
    if not np.isfinite(w).all() or w.sum() <= 0:
        return float(t.mean())
    return float((w * t).sum() / w.sum())
