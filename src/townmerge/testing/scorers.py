"""Small, transparent scorers for tests and examples of the plan generators.

Examples
--------
>>> from townmerge.testing.grids import grid_units
>>> from townmerge.data.model import StudyArea
>>> s = SizeScorer(StudyArea(grid_units("AB", population={"A": 10, "B": 30})), p_min=40)
>>> s.group_total(["A"]), s.group_total(["A", "B"])
(0.25, 1.0)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..data.model import StudyArea
from ..score.rules import polsby_popper

__all__ = ["SizeScorer"]


class SizeScorer:
    """Score = min(1, population / p_min) × compactness bonus; feasible up to ``p_max``.

    Parameters
    ----------
    area : StudyArea
    p_min : float
        Population at which a group scores 1.
    p_max : float, optional
        Largest feasible population (default: no limit).
    shape_weight : float, default 0
        Weight of a compactness term (members' shared border share), to make
        the optimum depend on geometry too.
    """

    def __init__(self, area: StudyArea, p_min: float, p_max: float = np.inf,
                 shape_weight: float = 0.0) -> None:
        units = area.units
        self._pop = units["population"].astype(float).to_dict()
        self._geom = units.geometry.to_dict()
        self.p_min = float(p_min)
        self.p_max = float(p_max)
        self.shape_weight = float(shape_weight)

    def _population(self, members: Sequence[str]) -> float:
        return float(sum(self._pop[m] for m in members))

    def group_total(self, members: Sequence[str]) -> float:
        """Size adequacy, optionally mixed with a compactness term."""
        size = min(1.0, self._population(members) / self.p_min)
        if not self.shape_weight:
            return size
        perim = sum(self._geom[m].length for m in members)
        area = sum(self._geom[m].area for m in members)
        union_perim = perim - 2 * sum(
            self._geom[a].intersection(self._geom[b]).length
            for i, a in enumerate(members) for b in members[i + 1:])
        pp = float(polsby_popper(area, union_perim))
        return (1 - self.shape_weight) * size + self.shape_weight * pp

    def is_feasible(self, members: Sequence[str]) -> bool:
        """Feasible while the population stays at most ``p_max``."""
        return self._population(members) <= self.p_max
