"""Layer 4, score: criteria, constraints, seats, tiers and figures of candidate groups.

``rules`` (floors, compactness, union area and perimeter), ``criteria`` (the registered
soft criteria), ``seats`` (choosing the seat of a group), ``scorer``
(:class:`~townmerge.score.scorer.MergerScorer`), ``tiers`` (settlement tiers) and ``figures``
(the neutral figures of a plan, from additive per-group parts).
"""

from .plan_scores import plan_objective
from .scorer import MergerScorer, score_mergers

__all__ = ["MergerScorer", "plan_objective", "score_mergers"]
