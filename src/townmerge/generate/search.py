"""Local search from any plan: simulated annealing over moves that keep every constraint.

Moves: a unit on the border of its new unit moves to a neighbouring new unit
(the donor must stay contiguous and non-empty); two neighbouring new units are
recombined (their union is split again in the best of all its ways into two
contiguous, feasible parts, as ReCom does with spanning trees); without a
target, two neighbouring new units may also merge, and a border unit may split
off on its own. A move is made only when every new unit it touches stays feasible and
within ``max_members``; locked units never move. Better moves are always
taken, worse ones with probability exp(Δ/T) as the temperature T cools
geometrically from ``t_start`` to ``t_end`` over the moves of a round.

Stopping rule: a round ends once ``patience`` moves in a row, all in the cold
half of its schedule (T below the geometric mean of ``t_start`` and ``t_end``),
found no better plan than the best seen. The next round starts from that best
plan and cools again from ``t_start``, over the moves left; when fewer than
``2 * patience`` moves are left the search stops early (``info["stopped"] ==
"patience"``, ``info["iterations"]`` the moves proposed). Finally the best plan
is polished: neighbouring new units are recombined while that improves it, so
the plan returned is a local optimum for unit moves and recombinations. Unions of up to
:data:`~townmerge.generate.move_memo.BITMASK_MAX_BLOCKS` blocks are split in every way by
bitmask; larger ones (with ``max_members`` of 6 or more) by growing connected parts, every
split while there are at most :data:`~townmerge.generate.move_memo.MAX_SPLIT_PARTS` of them;
past that a union's recombination tries only the parts
found first and the polish adds every block move between the two units, so such a pair is
only proven locally optimal for unit moves: ``info["local_optimum"]`` is then False and a
RuntimeWarning says how many pairs. Moves, contiguity checks
and best splits are memoised by group, and the random numbers drawn in blocks,
so the search stays deterministic for a seed.

This module sets the search up and runs it (:func:`local_search`); its parts live in
``move_memo`` (memoised values, contiguity and splits), ``bound_tracker`` (figure bounds),
``anneal`` (the plan, its moves, the schedule and the loop) and ``polish`` (the final polish).
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from ..data.plan import Plan
from ..errors import InputError
from ..score.figure_model import FigureModel
from ..score.figures import check_bounds
from .anneal import Proposer, Schedule, SearchState, anneal
from .base import PlanningProblem, ScoreCache, partition_objective, plan_from_groups
from .bound_tracker import BoundTracker
from .deadline import Deadline
from .exact import TIMED_BATCH, connected_groups
from .move_memo import MAX_SPLIT_PARTS, MoveMemo
from .polish import capped_pairs, finish

__all__ = ["PATIENCE_DIVISOR", "PREFILL_MAX_GROUPS", "PREFILL_MAX_UNITS", "local_search"]

#: Areas up to this many units have every reachable group scored up front, in one batch.
PREFILL_MAX_UNITS = 400
#: ... unless they have more groups than this.
PREFILL_MAX_GROUPS = 100_000
#: Default patience: a round of annealing ends after ``iterations // PATIENCE_DIVISOR``
#: cold moves without a new best.
PATIENCE_DIVISOR = 16


def _prepare(problem: PlanningProblem, cache: ScoreCache, fixed: list[list[int]] | None,
             bounds: dict[str, float] | None, figures: FigureModel | None,
             weight_total: float, deadline: Deadline | None = None,
             ) -> tuple[MoveMemo, BoundTracker | None, dict[int, frozenset[int]]]:
    """The memoised moves, the bound tracker (with ``bounds``) and each unit's fixed block.

    Small areas have every group a move can make scored (and its figure parts
    computed) up front, in one batch (under a ``deadline``: in batches, given up
    when it runs out; the groups are then scored as the moves need them).
    """
    clock = deadline if deadline is not None else Deadline(None)
    reachable: list[frozenset[int]] = []
    if problem.n <= PREFILL_MAX_UNITS:
        # score every group a move can make in one batch, not one group at a time
        for g in connected_groups(problem, fixed=fixed):
            reachable.append(g)
            if len(reachable) > PREFILL_MAX_GROUPS:
                break
        if clock.end is None:
            cache.prefill(reachable)
        else:
            for at in range(0, len(reachable), TIMED_BATCH):
                if clock.expired():
                    reachable = []  # not all scored: the moves score what they need
                    break
                cache.prefill(reachable[at:at + TIMED_BATCH])
    together: dict[int, frozenset[int]] = {}
    for f in fixed or []:
        for i in f:
            together[i] = frozenset(f)
    moves = MoveMemo(problem, cache, together)
    tracker: BoundTracker | None = None
    if bounds and figures is not None:
        tracker = BoundTracker(problem, figures, bounds, together, moves.connected_bits,
                               weight_total)
        moves.prefetch = tracker.compute
        if reachable and len(reachable) <= PREFILL_MAX_GROUPS:
            # the figure parts of every feasible group a move can make, in one batch
            tracker.compute([g for g in reachable if cache.feasible(g)])
    if reachable and len(reachable) <= PREFILL_MAX_GROUPS:
        moves.index(reachable)
    return moves, tracker, together


def local_search(
    problem: PlanningProblem,
    cache: ScoreCache,
    start: list[frozenset[int]],
    *,
    fixed_count: bool = True,
    seed: int = 0,
    iterations: int = 20_000,
    time_limit: float | None = None,
    t_start: float = 0.02,
    t_end: float = 1e-5,
    fixed: list[list[int]] | None = None,
    progress: bool = False,
    patience: int | None = None,
    bounds: dict[str, float] | None = None,
    figures: FigureModel | None = None,
) -> Plan:
    """Improve a partition by simulated annealing.

    Parameters
    ----------
    problem : PlanningProblem
    cache : ScoreCache
    start : list of frozenset of int
        The starting partition (every unit once).
    fixed_count : bool, default True
        Keep the number of new units (unit moves only); otherwise merges and
        splits are allowed too.
    seed : int, default 0
    iterations : int, default 20000
        Most moves proposed.
    time_limit : float, optional
        Stop after this many seconds.
    t_start, t_end : float
        Temperature schedule, in objective units (the objective lies in [0, 1]).
    fixed : list of list of int, optional
        Units that must stay together: they move only as a whole, never apart.
    progress : bool, default False
        Show a progress bar.
    patience : int, optional
        End a round once this many moves in a row, all in the cold half of its
        schedule (temperature below ``sqrt(t_start * t_end)``), found no better
        plan than the best seen; then start a new round from the best plan over
        the moves left, or stop when fewer than ``2 * patience`` are left.
        Default ``iterations // PATIENCE_DIVISOR``; ``iterations`` or more gives
        one round of all ``iterations`` moves.
    bounds : dict of str to float, optional
        Worst allowed value of neutral figures (:data:`townmerge.score.figures.BETTER`).
        Bounds on single groups (``population_min``, ``population_max``,
        ``max_minutes_to_seat``, ``compactness_min``) act as feasibility: no
        move makes more groups break them than it removes (once the plan meets
        them, no move makes a group that breaks them; before, a start that
        breaks them can still be walked out of). All bounds enter a penalised
        objective: a plan missing any loses 1 (the objective's range, so every
        plan meeting the bounds beats every plan that does not) and
        :data:`~townmerge.generate.bound_tracker.BOUND_PENALTY` per unit of
        shortfall (each bound's in units of the bound, summed over groups for
        bounds on single groups), from sums
        of the groups' figure parts kept as moves change the plan. The plan
        returned is the best plan seen that meets every bound (the start need
        not).
    figures : FigureModel, optional
        Figure parts of the area; needed with ``bounds``.

    Returns
    -------
    Plan
        The best plan seen (meeting ``bounds``), polished; ``info`` has
        ``objective``, ``start_objective``, ``iterations`` (moves proposed),
        ``accepted``, ``best_iteration`` (moves proposed when the best plan was
        found, 0 for the start), ``rounds``, ``stopped`` (``"iterations"``,
        ``"patience"`` or ``"time_limit"``), ``polished`` (recombinations made
        by the final polish), ``local_optimum`` (True when the polish ran to its
        end and tried every split of every pair of neighbouring new units),
        ``recombination_capped`` (pairs whose union has too many splits to try
        them all, :data:`MAX_SPLIT_PARTS`) and ``seconds``; with ``bounds`` also
        ``bounds`` and ``figures`` (the plan's neutral figures).

    Warns
    -----
    RuntimeWarning
        When some pair of neighbouring new units of the plan returned has a
        union too large to split in every way (``max_members`` of 6 or more).

    Raises
    ------
    InputError
        For bounds without ``figures``, unknown figures, or figures without data.
    InfeasibleError
        With ``bounds``, when no plan seen meets them: the message names the
        bounds the closest plan still breaks and its values.
    """
    t0 = time.perf_counter()
    deadline = Deadline(time_limit)
    bounds = check_bounds(bounds) if bounds else None
    if bounds and figures is None:
        raise InputError("Figure bounds need the area's figures: pass figures=FigureModel(area).")
    rng = np.random.default_rng(seed)
    weight_total = float(problem.weight.sum()) or 1.0
    moves, tracker, together = _prepare(problem, cache, fixed, bounds, figures, weight_total,
                                        deadline)
    locked = frozenset(int(i) for i in np.flatnonzero(problem.locked))
    st = SearchState(start, problem.n, moves.value, tracker)
    start_objective = st.start_total / weight_total
    # each unit's block (see Proposer) and the units just outside it
    rim = [tuple({j for u in block for j in problem.neighbours[u]} - block)
           for block in (together.get(i, frozenset((i,))) for i in range(problem.n))]
    movable = [int(i) for i in np.flatnonzero(~problem.locked)]
    if not movable:
        iterations = 0
    # gains below this are rounding noise of the running sum, not better plans
    tol = 1e-12 * weight_total
    patience = (max(iterations // PATIENCE_DIVISOR, 1) if patience is None
                else max(int(patience), 1))
    run = anneal(st, Proposer(moves, tracker, locked, together, rim, fixed_count),
                  Schedule(iterations, t_start, t_end, patience, weight_total), movable, rng,
                  moves.value, weight_total=weight_total, tol=tol, t0=t0,
                  time_limit=time_limit, progress=progress)
    best_groups, polished, extra = finish(run.groups, moves, tracker, bounds, rim, locked, tol,
                                           deadline)
    stopped = run.stopped if extra["local_optimum"] else "time_limit"
    capped = capped_pairs(best_groups, moves, rim)
    if capped:
        extra["local_optimum"] = False
        warnings.warn(
            f"The final polish could not try every split of {capped} pair(s) of neighbouring new "
            f"units: their unions have more than {MAX_SPLIT_PARTS:,} connected parts under "
            f"max_members={problem.max_members}. The plan is a local optimum for unit moves, "
            "not proven for recombinations of those pairs (info['local_optimum'] is False).",
            RuntimeWarning, stacklevel=2)

    objective = partition_objective(problem, cache,
                                    [[problem.ids[i] for i in g] for g in best_groups])
    return plan_from_groups(problem, best_groups, method="search", seed=seed,
                            objective=objective, start_objective=start_objective,
                            iterations=run.iterations, accepted=run.accepted,
                            best_iteration=run.best_iteration, rounds=run.rounds,
                            stopped=stopped, polished=polished, recombination_capped=capped,
                            seconds=time.perf_counter() - t0, **extra)

