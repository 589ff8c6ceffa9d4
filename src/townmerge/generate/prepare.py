"""What every entry point builds first and attaches last.

:func:`setup_problem` makes the planning problem and its score cache (the default scorer is
:class:`~townmerge.score.scorer.MergerScorer`), :func:`area_figures` the area's figure parts
for bounds (sharing the scorer's seats), and :func:`scored_seats` gives a finished plan the
seats its scores were computed with.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..config import Config
from ..data.model import StudyArea
from ..data.plan import Plan
from ..score.figure_model import FigureModel, figure_model
from ..score.scorer import scorer_for
from ..score.seats import seat_selector
from .base import GroupScorer, PlanningProblem, ScoreCache, seat_named_plan

__all__ = ["area_figures", "scored_seats", "setup_problem"]


def _default_scorer(area: StudyArea, config: Config, edges: pd.DataFrame | None) -> GroupScorer:
    return scorer_for(area, config, edges=edges)


def setup_problem(area: StudyArea, config: Config | None, scorer: GroupScorer | None,
                  edges: pd.DataFrame | None, within: Mapping[str, str] | None = None,
                  ) -> tuple[Config, PlanningProblem, ScoreCache]:
    """The settings, the planning problem and its score cache for an entry point.

    Parameters
    ----------
    area : StudyArea
    config : Config, optional
        Default ``Config()``.
    scorer : GroupScorer, optional
        Default: :class:`~townmerge.score.scorer.MergerScorer` of the area.
    edges : DataFrame, optional
        Adjacency edges (default: rook adjacency).
    within : Mapping[str, str], optional
        Unit → the unit of the level above it must stay in.

    Returns
    -------
    tuple of (Config, PlanningProblem, ScoreCache)

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> from townmerge.testing.scorers import SizeScorer
    >>> area = StudyArea(grid_units("AB / CD", population=dict.fromkeys("ABCD", 5)))
    >>> cfg, problem, cache = setup_problem(area, None, SizeScorer(area, p_min=10), None)
    >>> problem.n, cache.feasible(frozenset({0, 1}))
    (4, True)
    """
    cfg = config or Config()
    problem = PlanningProblem.from_area(area, config=cfg, edges=edges, within=within)
    scorer = scorer if scorer is not None else _default_scorer(area, cfg, edges)
    return cfg, problem, ScoreCache(problem, scorer)


def scored_seats(plan: Plan, cache: ScoreCache) -> Plan:
    """The plan with the seats its scores were computed with (where the scorer says).

    A scorer without ``score_groups`` (or choosing no seats) leaves the plan as it is.

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> from townmerge.testing.scorers import SizeScorer
    >>> area = StudyArea(grid_units("AB", population=dict.fromkeys("AB", 5)))
    >>> _, problem, cache = setup_problem(area, None, SizeScorer(area, p_min=10), None)
    >>> plan = Plan.from_groups({"A": ["A", "B"]})
    >>> scored_seats(plan, cache) is plan
    True
    """
    batch = getattr(cache.scorer, "score_groups", None)
    if batch is None:
        return plan
    groups = plan.groups()
    seats = batch(list(groups.values()))["seat"]
    found = {new: str(s) for new, s in zip(groups, seats, strict=True) if isinstance(s, str)}
    if not found:
        return plan
    return seat_named_plan(cache.problem, plan.with_seats(found),
                           getattr(cache.scorer, "selector", None))


def area_figures(area: StudyArea, config: Config, cache: ScoreCache,
                  edges: pd.DataFrame | None) -> FigureModel:
    """Figure parts of the area, sharing the scorer's seats, travel times and flows.

    The area's shared :func:`~townmerge.score.figure_model.figure_model` when the scorer uses the
    shared seat selector and the default adjacency, else a model of its own.

    Examples
    --------
    >>> from townmerge.datasets.synthetic import sample_county
    >>> c = sample_county()
    >>> area = StudyArea(c.units, c.settlements, c.flows, c.roads)
    >>> cfg, problem, cache = setup_problem(area, None, None, None)
    >>> area_figures(area, cfg, cache, None) is figure_model(area, cfg)
    True
    """
    selector = getattr(cache.scorer, "selector", None)
    if edges is None and (selector is None or selector is seat_selector(area, config)):
        return figure_model(area, config)  # the shared one (the scorer's selector is shared)
    return FigureModel(area, config, edges=edges, selector=selector)
