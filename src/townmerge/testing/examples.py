"""Tiny worked examples shared by the docstrings of the criteria and the figures.

They live here, not beside the criteria, because building one needs the
scorer, which sits to the right of the criteria in the data flow.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import pandas as pd
from shapely import Point

from ..data.model import StudyArea
from ..score.batch import GroupBatch
from ..score.figure_model import FigureModel
from ..score.group_figures import GroupFigures
from ..score.scorer import MergerScorer
from .grids import grid_units

__all__ = ["example_area", "example_batch", "example_figures"]


def example_area() -> StudyArea:
    """Hill units A (settlements a1, a2) and B (b1), 5 km squares side by side, with flows.

    Examples
    --------
    >>> list(example_area().unit_ids)
    ['A', 'B']
    """
    units = grid_units("AB", cell=5000.0, population={"A": 15000, "B": 9000},
                       terrain={"A": "hill", "B": "hill"}, cohesion={"A": "east", "B": "west"},
                       risk={"A": 0.1, "B": 0.3})
    x0, y0 = 500_000.0, 3_300_000.0
    st = gpd.GeoDataFrame(
        {"id": ["a1", "a2", "b1"], "population": [10000, 5000, 9000],
         "kind": ["town seat", "village", "town seat"]}, crs=units.crs,
        geometry=[Point(x0 + 2500, y0 - 2500), Point(x0 + 1000, y0 - 4000),
                  Point(x0 + 7500, y0 - 2500)])
    fl = pd.DataFrame({"origin": ["a1", "a1", "b1", "a2"], "destination": ["a2", "b1", "a1", "a1"],
                       "population": [60.0, 40.0, 10.0, 20.0]})
    return StudyArea(units, st, fl)


def example_batch(groups: Sequence[Sequence[str]] = (("A",), ("A", "B"))) -> GroupBatch:
    """A tiny batch for the criteria's examples (:func:`example_area`).

    Examples
    --------
    >>> example_batch().members
    (('A',), ('A', 'B'))
    """
    return MergerScorer(example_area()).batch(groups)


def example_figures(groups: Sequence[Sequence[str]] = (("A",), ("B",), ("A", "B"))
                    ) -> GroupFigures:
    """Figure parts of groups of :func:`example_area` (status quo and the merger by default).

    Examples
    --------
    >>> example_figures().members
    (('A',), ('B',), ('A', 'B'))
    """
    return FigureModel(example_area()).groups(groups)
