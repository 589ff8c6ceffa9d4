"""Layer 4, score: criteria, constraints, seats, tiers and figures of candidate groups.

Shared pieces: ``rules`` (floors, compactness, union area and perimeter), ``data_notes``
(which rules lack data, and what to add), ``groups`` (groups
of units as CSR arrays) and ``batch`` (:class:`~townmerge.score.batch.GroupBatch`, the figures
of a batch of groups as a criterion reads them).

Criteria: ``formulas`` (the built-in soft criteria, one function each), ``criteria`` (the
:class:`~townmerge.score.criteria.CriterionRegistry` and its default) and ``centrality``
(composite centrality of settlements, entropy weights).

Seats: ``current_seats`` (the current seat of every unit), ``seats`` (the
:class:`~townmerge.score.seats.SeatSelector` choosing the seats of many groups) and
``seat_choice`` (one unit's seat, explained: ``choose_seat``, ``seat_keeper``, ``seat_move``).

The merger scorer and its parts: ``unit_data`` (the per-unit arrays of an area),
``constraints`` (the hard constraints as objects, checked in one place),
``user_constraints`` (a user's own hard constraints, registered on the scorer), ``evaluation``
(a batch's figures, totals, failures and bands), ``seat_part`` (seats a plan names, seat
columns), ``memo`` (the bounded memo of scored groups), ``explain`` (score tables and reason
sentences), ``candidates`` (the candidate mergers), ``scorer``
(:class:`~townmerge.score.scorer.MergerScorer`, ``score_mergers``) and ``plan_scores``
(``score_plan``, ``plan_objective``, ``objective_value``).

Plans: ``tiers`` (settlement tiers), ``figures`` (the neutral figures of a plan and bounds on
them), ``group_figures`` (their additive per-group parts) and ``figure_model`` (computing
those parts for an area).
"""

from .plan_scores import plan_objective
from .scorer import MergerScorer, score_mergers

__all__ = ["MergerScorer", "plan_objective", "score_mergers"]
