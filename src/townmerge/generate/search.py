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
:data:`BITMASK_MAX_BLOCKS` blocks are split in every way by bitmask; larger ones (with
``max_members`` of 6 or more) by growing connected parts, every split while there are at most
:data:`MAX_SPLIT_PARTS` of them; past that a union's recombination tries only the parts
found first and the polish adds every block move between the two units, so such a pair is
only proven locally optimal for unit moves: ``info["local_optimum"]`` is then False and a
RuntimeWarning says how many pairs. Moves, contiguity checks
and best splits are memoised by group, and the random numbers drawn in blocks,
so the search stays deterministic for a seed.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from tqdm.auto import tqdm

from ..data.plan import Plan
from ..errors import InfeasibleError, InputError, format_ids
from ..score.figure_model import FigureModel
from ..score.figures import BETTER, check_bounds, unmet_bounds
from ..score.group_figures import GroupFigures
from .base import PlanningProblem, ScoreCache, partition_objective, plan_from_groups
from .deadline import Deadline
from .exact import TIMED_BATCH, connected_groups

__all__ = ["local_search"]

#: Areas up to this many units have every reachable group scored up front, in one batch.
PREFILL_MAX_UNITS = 400
#: ... unless they have more groups than this.
PREFILL_MAX_GROUPS = 100_000
#: Unions of up to this many blocks (units, or fixed groups of units) are split in every
#: way by bitmask (2 ** (blocks - 1) candidates); larger ones (``max_members`` of 6 or more)
#: by growing the connected first parts, up to :data:`MAX_SPLIT_PARTS` of them.
BITMASK_MAX_BLOCKS = 10
#: The most first parts tried when splitting one larger union; beyond it the union's
#: recombination is *capped* (only the parts found first are tried, and the polish also
#: tries every block move between the two new units), and a plan left with a capped pair of
#: neighbouring new units is not proven locally optimal (``info["local_optimum"]``, warning).
MAX_SPLIT_PARTS = 5_000
#: Default patience: a round of annealing ends after ``iterations // PATIENCE_DIVISOR``
#: cold moves without a new best.
PATIENCE_DIVISOR = 16
#: Weight of unmet figure bounds in the penalised objective: a plan missing any bound loses
#: the objective's whole range (1), so that every plan meeting the bounds beats every plan
#: that does not, and this much more per unit of shortfall: each bound's shortfall in units
#: of its scale (the bound itself, at least ``_SCALE_FLOOR``; for bounds on single groups,
#: summed over the new units that break them).
BOUND_PENALTY = 2.0
#: Figures bounded group by group (:meth:`GroupFigures.allowed`): no move makes more groups
#: break them than it removes.
SINGLE_GROUP_FIGURES = ("population_min", "population_max", "max_minutes_to_seat",
                        "compactness_min")
#: Smallest scale a bound's shortfall is measured in (a bound of 0 still has a scale).
_SCALE_FLOOR = {"mean_minutes_to_seat": 1.0, "max_minutes_to_seat": 1.0,
                "population_min": 1.0, "population_max": 1.0}
_SCALE_FLOOR_DEFAULT = 0.05
#: Relative rounding allowed on a bound during the search (unmet_bounds allows 1e-9).
BOUND_SLACK = 1e-10
_NEEDS_POPULATION = frozenset(("population_cv", "share_below_floor", "population_min",
                               "population_max"))
_NEEDS_SETTLEMENTS = frozenset(("mean_minutes_to_seat", "share_within_t_good",
                                "max_minutes_to_seat"))


Split = tuple[float, frozenset[int], frozenset[int]]


class _Moves:
    """Memoised pieces of the moves: group values and the best split of a union.

    Every result depends only on its group (the problem, the scorer and the
    fixed blocks do not change during a search), so memoising them keeps the
    search deterministic while each is computed once. Contiguity is checked on
    bitmasks of unit indices.
    """

    def __init__(self, problem: PlanningProblem, cache: ScoreCache,
                 together: dict[int, frozenset[int]], *,
                 prefetch: Callable[[list[frozenset[int]]], None] | None = None) -> None:
        self.problem = problem
        self.cache = cache
        self.together = together
        #: called with the new groups a split may make, before their feasibility is asked
        self.prefetch = prefetch
        #: each unit's neighbours as a bitmask
        self.nbits = [sum(1 << v for v in nb) for nb in problem.neighbours]
        self._value: dict[frozenset[int], float] = {}
        self._feasible: dict[frozenset[int], float | None] = {}
        self._option: dict[frozenset[int], float | None] = {}
        self._option_bits: dict[int, float | None] = {}
        self._connected: dict[int, bool] = {}
        self._split: dict[frozenset[int], Split | None] = {}
        self._splits: dict[frozenset[int], list[Split]] = {}
        self._masks: dict[tuple[int, ...], list[tuple[int, ...]]] = {}
        #: whether _option_bits holds every contiguous group a split can make
        self.complete = False
        #: unions too large to split in every way (:data:`MAX_SPLIT_PARTS`)
        self.capped: set[frozenset[int]] = set()

    def index(self, groups: list[frozenset[int]]) -> None:
        """Take ``groups`` as every contiguous group a split can make.

        Then a split part missing from them is not contiguous (or too large),
        and best splits are found by bitmask look-ups alone.
        """
        check = bool(self.together)  # a fixed block need not be contiguous itself
        known = self._option_bits
        for g in groups:
            b = sum(1 << u for u in g)
            known[b] = self.feasible(g) if not check or self.connected_bits(b) else None
        self.complete = True

    def value(self, group: frozenset[int]) -> float:
        """The group's weight × total (:meth:`ScoreCache.value`)."""
        v = self._value.get(group)
        if v is None:
            v = self._value[group] = self.cache.value(group)
        return v

    def feasible(self, group: frozenset[int]) -> float | None:
        """The group's value when it is feasible, else None."""
        if group in self._feasible:
            return self._feasible[group]
        v = self._feasible[group] = self.value(group) if self.cache.feasible(group) else None
        return v

    def option(self, group: frozenset[int]) -> float | None:
        """The group's value when it is contiguous and feasible, else None."""
        if group in self._option:
            return self._option[group]
        ok = self.connected_bits(sum(1 << u for u in group))
        v = self._option[group] = self.feasible(group) if ok else None
        return v

    def connected_bits(self, bits: int) -> bool:
        """Whether the units of the bitmask ``bits`` are contiguous."""
        c = self._connected.get(bits)
        if c is None:
            nbits = self.nbits
            seen = frontier = bits & -bits
            while frontier:
                reach = 0
                while frontier:
                    low = frontier & -frontier
                    reach |= nbits[low.bit_length() - 1]
                    frontier ^= low
                frontier = reach & bits & ~seen
                seen |= frontier
            c = self._connected[bits] = seen == bits
        return c

    def recombine(self, union: frozenset[int]) -> Split | None:
        """The best split of ``union`` into two contiguous, feasible new units."""
        if union in self._split:
            return self._split[union]
        found = self._split[union] = self._best_split(union)
        return found

    def _split_parts(self, size: tuple[int, ...]) -> list[tuple[int, ...]]:
        """First parts of the splits that respect ``max_members``, by atom index.

        Atom 0 is always in the first part; the order is fixed (by bitmask).
        """
        masks = self._masks.get(size)
        if masks is None:
            m, n_units, k = len(size), sum(size), self.problem.max_members
            masks = []
            for mask in range(2 ** (m - 1) - 1):
                part = (0, *(j for j in range(1, m) if mask >> (j - 1) & 1))
                len_s = sum(size[j] for j in part)
                # a part may exceed max_members only when it is one fixed block
                if (len_s > k and len(part) > 1) or (n_units - len_s > k and m - len(part) > 1):
                    continue
                masks.append(part)
            self._masks[size] = masks
        return masks

    def splits(self, union: frozenset[int]) -> list[Split]:
        """Every split of ``union`` into two contiguous, feasible new units, in a fixed order."""
        found = self._splits.get(union)
        if found is None:
            found = self._splits[union] = [
                (v, frozenset(u for u in union if s_bits >> u & 1),
                 frozenset(u for u in union if t_bits >> u & 1))
                for v, s_bits, t_bits in self._split_options(union)]
        return found

    def _split_options(self, union: frozenset[int]) -> list[tuple[float, int, int]]:
        """Value and bitmasks of both parts of every contiguous, feasible split of ``union``."""
        atoms: list[frozenset[int]] = []
        seen: set[int] = set()
        for u in sorted(union):
            if u not in seen:
                block = self.together.get(u, frozenset((u,)))
                atoms.append(block)
                seen |= block
        m = len(atoms)
        if m < 2:
            return []
        # atoms are disjoint: the sum of their bitmasks is their union
        bits = [sum(1 << u for u in a) for a in atoms]
        full = sum(bits)
        pairs = []
        if m <= BITMASK_MAX_BLOCKS:
            parts = self._split_parts(tuple(len(a) for a in atoms))
            if not parts:
                return []
            pick = bits.__getitem__
            for part in parts:
                s_bits = sum(map(pick, part))
                pairs.append((s_bits, full ^ s_bits))
        else:
            for s_bits in self._grown_parts(union, atoms, bits):
                pairs.append((s_bits, full ^ s_bits))
            if not pairs:
                return []
        known = self._option_bits
        todo = () if self.complete else {b: None for pair in pairs for b in pair
                                         if b not in known}
        if todo:
            members = sorted(union)
            new = {b: frozenset(u for u in members if b >> u & 1) for b in todo
                   if self.connected_bits(b)}
            self.cache.prefill(list(new.values()))
            if self.prefetch is not None:
                self.prefetch(list(new.values()))
            for b in todo:
                known[b] = self.feasible(new[b]) if b in new else None
        out = []
        for s_bits, t_bits in pairs:
            v_s = known.get(s_bits)
            if v_s is None:
                continue
            v_t = known.get(t_bits)
            if v_t is None:
                continue
            out.append((v_s + v_t, s_bits, t_bits))
        return out

    def _grown_parts(self, union: frozenset[int], atoms: list[frozenset[int]],
                     bits: list[int]) -> list[int]:
        """Bitmasks of the first parts of the splits of a larger union, grown as connected sets.

        Every connected set of atoms holding atom 0 (each once, as in
        :func:`connected_groups`) whose units and whose complement's units both
        respect ``max_members`` (a part may exceed it only as one fixed block).
        At most :data:`MAX_SPLIT_PARTS` sets are grown; a union with more is
        recorded in :attr:`capped`.
        """
        k = self.problem.max_members
        m = len(atoms)
        size = [len(a) for a in atoms]
        n_units = sum(size)
        atom_of = {u: j for j, a in enumerate(atoms) for u in a}
        nb: list[set[int]] = [set() for _ in atoms]
        for j, a in enumerate(atoms):
            for u in a:
                for v in self.problem.neighbours[u]:
                    o = atom_of.get(v)
                    if o is not None and o != j:
                        nb[j].add(o)
        out: list[int] = []
        grown = 0

        def take(sub: list[int], len_s: int) -> None:
            if len(sub) < m and (n_units - len_s <= k or m - len(sub) == 1):
                out.append(sum(bits[j] for j in sub))

        take([0], size[0])
        if size[0] >= k:
            return out
        stack = [([0], size[0], {u for u in nb[0] if size[0] + size[u] <= k}, {0} | nb[0])]
        while stack:
            sub, len_s, ext, closed = stack.pop()
            ext = set(ext)
            while ext:
                w = ext.pop()
                grown += 1
                if grown > MAX_SPLIT_PARTS:
                    self.capped.add(union)
                    return out
                new_sub = [*sub, w]
                new_len = len_s + size[w]
                take(new_sub, new_len)
                if new_len < k:
                    new_ext = ext | {u for u in nb[w] if u not in closed}
                    new_ext = {u for u in new_ext if new_len + size[u] <= k}
                    stack.append((new_sub, new_len, new_ext, closed | nb[w]))
        return out

    def block_moves(self, a: frozenset[int], b: frozenset[int]) -> Split | None:
        """The best move of one block between new units ``a`` and ``b`` (either way).

        Both parts must stay contiguous, feasible and within ``max_members``.
        """
        k = self.problem.max_members
        best: Split | None = None
        for src, dst in ((a, b), (b, a)):
            touching = {u for u in src if not self.problem.neighbours[u].isdisjoint(dst)}
            for u in sorted(touching):
                block = self.together.get(u, frozenset((u,)))
                if len(block) >= len(src) or len(dst) + len(block) > k:
                    continue
                new_src, new_dst = src - block, dst | block
                v_src = self.option(new_src)
                if v_src is None:
                    continue
                v_dst = self.option(new_dst)
                if v_dst is None:
                    continue
                if best is None or v_src + v_dst > best[0]:
                    best = (v_src + v_dst, new_src, new_dst)
        return best

    def _best_split(self, union: frozenset[int]) -> Split | None:
        best: tuple[float, int] | None = None
        for v, s_bits, _ in self._split_options(union):
            if best is None or v > best[0]:
                best = (v, s_bits)
        if best is None:
            return None
        s_ = frozenset(u for u in union if best[1] >> u & 1)
        return best[0], s_, union - s_


FloatArray = npt.NDArray[np.float64]


def _scale(name: str, bound: float) -> float:
    """The unit a bound's shortfall is measured in: the bound, at least its floor."""
    return max(abs(bound), _SCALE_FLOOR.get(name, _SCALE_FLOOR_DEFAULT))


class _Bounds:
    """Figure bounds during a search: plan-wide sums of the figure parts and their penalty.

    Each group gets a row of the parts the bounded figures need (population and its
    square, below-floor flag, compactness, flow inside, settlement weight, weighted
    minutes, weight within ``t_good``) and two last columns: its shortfall from the
    bounds on single groups and 1 when it breaks them. The plan's sums of these rows and its number
    of new units give every plan-wide figure; a move changes the sums by the rows
    of the groups it removes and adds. Rows are memoised by group and computed in
    batches (:meth:`need`): a missing group brings every group one unit move away
    from the plan's groups around it.
    """

    def __init__(self, problem: PlanningProblem, figures: FigureModel,
                 bounds: dict[str, float], together: dict[int, frozenset[int]],
                 connected: Callable[[int], bool], weight_total: float) -> None:
        self.problem = problem
        self.figures = figures
        self.bounds = bounds
        self.together = together
        self.connected = connected
        self.single = {n: v for n, v in bounds.items() if n in SINGLE_GROUP_FIGURES}
        self.penalty = BOUND_PENALTY * weight_total
        self.step = weight_total
        no_data = []
        settled = figures.selector is not None
        has_pop = bool(np.isfinite(figures.population).all())
        cols: list[str] = []
        for name in bounds:
            if name.startswith("flow_kept_"):
                if figures.flow_total.get(name.removeprefix("flow_kept_"), 0.0) <= 0:
                    no_data.append(name)
                cols.append(name)
            elif (name in _NEEDS_POPULATION and not has_pop) or (
                    name in _NEEDS_SETTLEMENTS and not settled):
                no_data.append(name)
        if no_data:
            raise InputError(f"No data for the figure(s) {format_ids(no_data)} in this area "
                             "(no settlements, flows or population); drop those bounds.")
        if "population_cv" in bounds:
            cols += ["population", "population2"]
        if "share_below_floor" in bounds:
            cols.append("below_floor")
        if "compactness_mean" in bounds:
            cols.append("compactness")
        if "mean_minutes_to_seat" in bounds or "share_within_t_good" in bounds:
            cols += ["weight", "minutes", "within"]
        cols += ["excess", "broken"]
        self.col = {c: j for j, c in enumerate(cols)}
        # population is summed in units of the mean unit population (squares stay small)
        self._p_unit = float(np.nansum(figures.population)) / max(figures.n, 1) or 1.0
        self._parts: dict[frozenset[int], FloatArray] = {}
        self._tables: dict[frozenset[int], tuple[FloatArray, FloatArray]] = {}
        self.sums = np.zeros(len(cols))
        self.k = 0
        self.viol = 0.0
        #: the groups the move being tried changes (their neighbourhood is batched on a miss)
        self.context: Sequence[frozenset[int]] = ()
        # each plan-wide bound: (figure, bound, 1 / scale, higher is better); a shortfall within
        # rounding (BOUND_SLACK, tighter than unmet_bounds' tolerance) counts as none
        self._terms = [
            (name, b + (-1 if BETTER[name] == "higher" else 1) * BOUND_SLACK * max(1.0, abs(b)),
             1.0 / _scale(name, b), BETTER[name] == "higher")
            for name, b in bounds.items() if name not in self.single]

    # -- parts ------------------------------------------------------------------------------
    def _rows(self, gf: GroupFigures) -> FloatArray:
        out = np.zeros((len(gf), len(self.col)))
        c = self.col
        for name, j in c.items():
            if name.startswith("flow_kept_"):
                out[:, j] = gf.flow_inside[name.removeprefix("flow_kept_")]
        if "population" in c:
            p = np.nan_to_num(gf.population) / self._p_unit
            out[:, c["population"]] = p
            out[:, c["population2"]] = p * p
        if "below_floor" in c:
            out[:, c["below_floor"]] = gf.below_floor
        if "compactness" in c:
            out[:, c["compactness"]] = gf.compactness
        if "weight" in c:
            byp = gf.by_population
            out[:, c["weight"]] = np.nan_to_num(gf.settlement_weight if byp else gf.settlements)
            out[:, c["minutes"]] = np.nan_to_num(gf.minutes_weighted if byp else gf.minutes)
            out[:, c["within"]] = np.nan_to_num(gf.within_weight if byp else gf.within_count)
        if self.single:
            broken = ~gf.allowed(self.single)
            out[:, c["broken"]] = broken
            # how far each breaking group is from the bounds on single groups, in their scales
            figure = {"population_min": gf.population, "population_max": gf.population,
                      "max_minutes_to_seat": gf.max_minutes, "compactness_min": gf.compactness}
            excess = np.zeros(len(gf))
            for name, b in self.single.items():
                v = figure[name]
                short = (b - v) if BETTER[name] == "higher" else (v - b)
                excess += np.nan_to_num(np.maximum(short, 0.0)) / _scale(name, b)
            out[:, c["excess"]] = np.where(broken, np.maximum(excess, 1e-9), 0.0)
        return out

    def compute(self, groups: Iterable[frozenset[int]]) -> None:
        """Compute (in one batch) the rows of the groups not known yet."""
        todo = [g for g in dict.fromkeys(groups) if g not in self._parts]
        if not todo:
            return
        ids = self.problem.ids
        rows = self._rows(self.figures.groups([[ids[i] for i in sorted(g)] for g in todo]))
        for g, row in zip(todo, rows, strict=True):
            self._parts[g] = row

    def _around(self, group: frozenset[int]) -> list[frozenset[int]]:
        """The contiguous groups one block move away from ``group`` (either way)."""
        out = []
        k = self.problem.max_members
        outside: set[int] = set()
        for u in group:
            block = self.together.get(u, frozenset((u,)))
            if len(block) < len(group):
                rest = group - block
                if self.connected(sum(1 << v for v in rest)):
                    out.append(rest)
            outside.update(self.problem.neighbours[u])
        outside -= group
        for v in sorted(outside):
            block = self.together.get(v, frozenset((v,)))
            if len(group) + len(block) <= k:
                out.append(group | block)
        return out

    def need(self, groups: Sequence[frozenset[int]],
             around: Sequence[frozenset[int]] | None = None) -> None:
        """Make sure the rows of ``groups`` are known.

        On a miss, the rows of the groups one block move away from those
        ``around`` (default :attr:`context`, the groups the current move changes)
        are computed in the same batch.
        """
        parts = self._parts
        if all(g in parts for g in groups):
            return
        batch = list(groups)
        for g in self.context if around is None else around:
            batch.append(g)
            batch += self._around(g)
        self.compute(batch)

    def row(self, group: frozenset[int]) -> FloatArray:
        """The group's parts (computed when missing)."""
        self.need((group,))
        return self._parts[group]

    # -- plan-wide sums ----------------------------------------------------------------------
    def _figure(self, name: str, sums: FloatArray, k: float) -> FloatArray:
        """A plan-wide figure from the sums (rows: plans)."""
        c = self.col
        if name.startswith("flow_kept_"):
            out: FloatArray = sums[:, c[name]] / self.figures.flow_total[
                name.removeprefix("flow_kept_")]
        elif name == "population_cv":
            mean = sums[:, c["population"]] / k
            var = np.maximum(sums[:, c["population2"]] / k - mean * mean, 0.0)
            out = np.where(mean > 0, np.sqrt(var) / np.where(mean > 0, mean, 1.0), 0.0)
        elif name == "share_below_floor":
            out = sums[:, c["below_floor"]] / k
        elif name == "compactness_mean":
            out = sums[:, c["compactness"]] / k
        else:
            w = sums[:, c["weight"]]
            col = c["minutes" if name == "mean_minutes_to_seat" else "within"]
            out = np.where(w > 0, sums[:, col] / np.where(w > 0, w, 1.0), np.nan)
        return out

    def violation(self, sums: FloatArray, k: int) -> FloatArray:
        """Total shortfall of the bounds, in units of each bound's scale, per row of ``sums``.

        Each new unit breaking a bound on single groups adds its own shortfall; a
        figure without data (NaN) counts as a shortfall of 1.
        """
        out: FloatArray = sums[:, -2].copy()
        for name, b, inv_scale, higher in self._terms:
            v = self._figure(name, sums, float(k))
            short = (b - v) if higher else (v - b)
            out += np.where(np.isnan(short), 1.0, np.maximum(short, 0.0) * inv_scale)
        return out

    def violation_one(self, sums: FloatArray, k: int) -> float:
        """:meth:`violation` of one plan's sums (the same arithmetic, on Python floats)."""
        row = sums.tolist()
        c = self.col
        total = row[-2]
        for name, b, inv_scale, higher in self._terms:
            if name.startswith("flow_kept_"):
                v = row[c[name]] / self.figures.flow_total[name.removeprefix("flow_kept_")]
            elif name == "population_cv":
                mean = row[c["population"]] / k
                var = max(row[c["population2"]] / k - mean * mean, 0.0)
                v = math.sqrt(var) / mean if mean > 0 else 0.0
            elif name == "share_below_floor":
                v = row[c["below_floor"]] / k
            elif name == "compactness_mean":
                v = row[c["compactness"]] / k
            else:
                w = row[c["weight"]]
                v = (row[c["minutes" if name == "mean_minutes_to_seat" else "within"]] / w
                     if w > 0 else math.nan)
            short = (b - v) if higher else (v - b)
            total += 1.0 if math.isnan(short) else max(short, 0.0) * inv_scale
        return float(total)

    def cost(self, viol: float) -> float:
        """The penalty of a shortfall: the objective's range and :data:`BOUND_PENALTY` each."""
        return self.step + self.penalty * viol if viol > 0 else 0.0

    def costs(self, viol: FloatArray) -> FloatArray:
        """:meth:`cost` of each shortfall."""
        out: FloatArray = np.where(viol > 0, self.step + self.penalty * viol, 0.0)
        return out

    def reset(self, groups: Iterable[frozenset[int]]) -> float:
        """Take ``groups`` as the current plan; returns its penalty."""
        groups = list(groups)
        self.need(groups, groups)
        self.sums = np.sum([self._parts[g] for g in groups], axis=0)
        self.k = len(groups)
        self.viol = self.violation_one(self.sums, self.k)
        return self.cost(self.viol)

    def move(self, old: Sequence[frozenset[int]], new: Sequence[frozenset[int]],
             ) -> tuple[float, tuple[FloatArray, int, float]] | None:
        """Penalty change of replacing the groups ``old`` by ``new``, and the state after it.

        None when the move makes more groups break a bound on single groups than
        it removes (such moves are not made).
        """
        parts = self._parts
        sums = self.sums.copy()
        for g in old:
            sums -= parts[g]
        for g in new:
            sums += parts[g]
        if sums[-1] > self.sums[-1]:
            return None
        k = self.k - len(old) + len(new)
        viol = self.violation_one(sums, k)
        return self.cost(viol) - self.cost(self.viol), (sums, k, viol)

    def commit(self, state: tuple[FloatArray, int, float]) -> None:
        """Make a state returned by :meth:`move` the current one."""
        self.sums, self.k, self.viol = state

    def split_table(self, union: frozenset[int],
                    splits: list[Split]) -> tuple[FloatArray, FloatArray]:
        """Values and summed rows of both parts of each split of ``union`` (memoised)."""
        table = self._tables.get(union)
        if table is None:
            self.need([g for _, s_, t_ in splits for g in (s_, t_)], ())
            parts = self._parts
            table = self._tables[union] = (
                np.array([v for v, _, _ in splits]),
                np.array([parts[s_] + parts[t_] for _, s_, t_ in splits]))
        return table

    def plan_figures(self, groups: list[frozenset[int]]) -> dict[str, float]:
        """The neutral figures of a plan, computed afresh from its groups."""
        ids = self.problem.ids
        gf = self.figures.groups([[ids[i] for i in sorted(g)] for g in groups])
        out: dict[str, float] = gf.plan_figures().to_dict()
        return out


#: A state of the bound tracker's sums: (sums, number of new units, shortfall).
_TrackerState = tuple[FloatArray, int, float]
#: A proposed move: its gain (penalised with bounds), the groups it sets as
#: (group id, group, value or None to look it up), the group id it removes (or None),
#: and the tracker's state after it (None without bounds).
_Change = tuple[float, tuple[tuple[int, frozenset[int], float | None], ...], int | None,
                _TrackerState | None]


class _State:
    """The plan being annealed.

    Its groups by id, each unit's group id, the groups' values and the running
    (with bounds: penalised) objective; ``tracker`` follows its figure sums.
    """

    __slots__ = ("current", "groups", "label", "next_gid", "start_total", "tracker", "value")

    def __init__(self, start: list[frozenset[int]], n: int,
                 gvalue: Callable[[frozenset[int]], float], tracker: _Bounds | None) -> None:
        self.label = [0] * n
        self.groups: dict[int, frozenset[int]] = {}
        for gid, g in enumerate(start):
            self.groups[gid] = frozenset(g)
            for i in g:
                self.label[i] = gid
        self.next_gid = len(start)
        self.value = {gid: gvalue(g) for gid, g in self.groups.items()}
        #: the start's objective (unpenalised, times the total weight)
        self.start_total = sum(self.value.values())
        self.current = self.start_total
        self.tracker = tracker
        if tracker is not None:
            self.current -= tracker.reset(self.groups.values())

    def mark(self, weight_total: float) -> float:
        """How the current plan ranks: with bounds, a plan meeting them gains ``weight_total``.

        With bounds the penalised objective lies below ``weight_total``, so every plan
        meeting the bounds ranks above every plan that does not.
        """
        tracker = self.tracker
        if tracker is None:
            return self.current
        return self.current + weight_total if tracker.viol <= 0 else self.current

    def restart(self, best_groups: list[frozenset[int]], best: float,
                gvalue: Callable[[frozenset[int]], float]) -> None:
        """Go back to the best plan (``best`` its objective, used as is without bounds)."""
        self.groups = dict(enumerate(best_groups))
        self.value = {gid: gvalue(g) for gid, g in self.groups.items()}
        label = self.label
        for gid, g in self.groups.items():
            for u in g:
                label[u] = gid
        self.next_gid = len(self.groups)
        self.current = best
        if self.tracker is not None:
            self.current = sum(self.value.values()) - self.tracker.reset(self.groups.values())

    def apply(self, change: _Change, gvalue: Callable[[frozenset[int]], float]) -> None:
        """Make an accepted move."""
        delta, sets, removed, state = change
        groups, label, value = self.groups, self.label, self.value
        for gid, g, v in sets:
            groups[gid] = g
            for u in g:
                label[u] = gid
            value[gid] = gvalue(g) if v is None else v
            if gid == self.next_gid:
                self.next_gid += 1
        if removed is not None:
            del groups[removed], value[removed]
        self.current += delta
        if state is not None and self.tracker is not None:
            self.tracker.commit(state)


class _Proposer:
    """Proposes the moves of the search on a :class:`_State`, each with its gain.

    Every move method returns the move as a :data:`_Change`, or None when the
    move is not possible (it would break a constraint or change nothing).
    :func:`_anneal` picks which move to propose (``p_recombine``, ``fixed_count``).
    """

    def __init__(self, moves: _Moves, tracker: _Bounds | None, locked: frozenset[int],
                 together: dict[int, frozenset[int]], rim: list[tuple[int, ...]],
                 fixed_count: bool) -> None:
        self.moves = moves
        self.tracker = tracker
        self.locked = locked
        self.k = moves.problem.max_members
        #: each unit moves with its fixed block
        self.blocks = [together.get(i, frozenset((i,))) for i in range(moves.problem.n)]
        #: the units just outside each unit's block
        self.rim = rim
        self.fixed_count = fixed_count
        self.p_recombine = 0.8 if fixed_count else 0.85

    def recombine(self, st: _State, a: int, b: int) -> _Change | None:
        """Recombine groups ``a`` and ``b``: the best (penalised) split of their union."""
        ga, gb = st.groups[a], st.groups[b]
        union = ga | gb
        if not self.locked.isdisjoint(union):
            return None
        tracker = self.tracker
        state: _TrackerState | None = None
        if tracker is None:
            found = self.moves.recombine(union)
            if found is None:
                return None
            v, s_, t_ = found
            if (s_ == ga and t_ == gb) or (s_ == gb and t_ == ga):
                return None
            delta = v - st.value[a] - st.value[b]
        else:
            pick = _penalised_split(tracker, self.moves, union, ga, gb,
                                    st.value[a] + st.value[b])
            if pick is None:
                return None
            delta, s_, t_, state = pick
        return delta, ((a, s_, None), (b, t_, None)), None, state

    def split(self, st: _State, a: int, block: frozenset[int]) -> _Change | None:
        """Split ``block`` off group ``a`` as a new group of its own."""
        ga = st.groups[a]
        if len(ga) == len(block):
            return None
        new_a = ga - block
        new_b = block
        tracker = self.tracker
        if tracker is not None:
            tracker.context = (ga,)
        v_a = self.moves.option(new_a)
        if v_a is None:
            return None
        v_b = self.moves.feasible(new_b)
        if v_b is None:
            return None
        delta = v_a + v_b - st.value[a]
        pen = self._penalty((ga,), (new_a, new_b))
        if pen is None:
            return None
        dp, state = pen
        delta -= dp
        return delta, ((a, new_a, v_a), (st.next_gid, new_b, v_b)), None, state

    def _penalty(self, old: tuple[frozenset[int], ...], new: tuple[frozenset[int], ...],
                 ) -> tuple[float, _TrackerState | None] | None:
        """The bounds' penalty change of replacing ``old`` groups by ``new`` ones.

        ``(0, None)`` without bounds; None when the move is not allowed under them.
        """
        tracker = self.tracker
        if tracker is None:
            return 0.0, None
        tracker.need(new)
        return tracker.move(old, new)

    def merge(self, st: _State, a: int, b: int) -> _Change | None:
        """Merge groups ``a`` and ``b`` (into ``a``)."""
        ga, gb = st.groups[a], st.groups[b]
        union = ga | gb
        if len(union) > self.k or not self.locked.isdisjoint(union):
            return None
        tracker = self.tracker
        if tracker is not None:
            tracker.context = (union,)
        v_u = self.moves.feasible(union)
        if v_u is None:
            return None
        delta = v_u - st.value[a] - st.value[b]
        pen = self._penalty((ga, gb), (union,))
        if pen is None:
            return None
        dp, state = pen
        delta -= dp
        return delta, ((a, union, v_u),), b, state

    def unit_move(self, st: _State, a: int, b: int, block: frozenset[int]) -> _Change | None:
        """Move ``block`` from group ``a`` to the neighbouring group ``b``."""
        ga, gb = st.groups[a], st.groups[b]
        if len(ga) == len(block):
            return None  # would empty a (and change the count)
        if len(gb) + len(block) > self.k or not self.locked.isdisjoint(gb):
            return None
        new_a = ga - block
        new_b = gb | block
        tracker = self.tracker
        if tracker is not None:
            tracker.context = (ga, gb)
        v_a = self.moves.option(new_a)
        if v_a is None:
            return None
        v_b = self.moves.feasible(new_b)
        if v_b is None:
            return None
        delta = v_a + v_b - st.value[a] - st.value[b]
        pen = self._penalty((ga, gb), (new_a, new_b))
        if pen is None:
            return None
        dp, state = pen
        delta -= dp
        return delta, ((a, new_a, v_a), (b, new_b, v_b)), None, state


class _Schedule:
    """Cooling and rounds of the annealing.

    Each round cools geometrically from ``t_start`` at its first move to ``t_end``
    at the last move left, and ends after ``patience`` moves without a new best,
    counted from its cold half.
    """

    def __init__(self, iterations: int, t_start: float, t_end: float, patience: int,
                 weight_total: float) -> None:
        self.iterations = iterations
        self.t_start = t_start
        self.t_end = t_end
        self.patience = patience
        self.weight_total = weight_total
        # the temperature at move it is t_start * exp(cooling * (it - it0))
        self.it0 = 0
        self.cooling = math.log(t_end / t_start) / max(iterations - 1, 1)
        self.stop_at = (iterations - 1) // 2 + patience
        self.rounds = 1

    def accept_worse(self, delta: float, r_accept: float, it: int) -> bool:
        """Whether move ``it``, worse by ``-delta``, is made (``r_accept`` uniform on [0, 1)).

        Better moves (``delta >= 0``) are always made; the caller tests that first.
        """
        return r_accept < math.exp(
            delta / (self.t_start * math.exp(self.cooling * (it - self.it0)) * self.weight_total))

    def new_round(self, it: int) -> None:
        """Start a new round at move ``it``, cooling over the moves left."""
        left = self.iterations - it
        self.it0 = it
        self.cooling = math.log(self.t_end / self.t_start) / max(left - 1, 1)
        self.stop_at = it + (left - 1) // 2 + self.patience
        self.rounds += 1

    def improved(self, it: int) -> None:
        """A new best at move ``it``: the round goes on for ``patience`` moves at least."""
        self.stop_at = max(self.stop_at, it + self.patience)


class _Annealed(NamedTuple):
    """What the annealing found, and how it went."""

    groups: list[frozenset[int]]
    iterations: int
    accepted: int
    best_iteration: int
    rounds: int
    stopped: str


def _anneal(st: _State, proposer: _Proposer, schedule: _Schedule, movable: list[int],
            rng: np.random.Generator, gvalue: Callable[[frozenset[int]], float], *,
            weight_total: float, tol: float, t0: float, time_limit: float | None,
            progress: bool) -> _Annealed:
    """Simulated annealing from ``st`` over ``schedule``, in rounds from the best plan."""
    iterations = schedule.iterations
    patience = schedule.patience
    n_movable = len(movable)
    best = st.mark(weight_total)
    best_groups = list(st.groups.values())
    accepted = done = best_it = 0
    stopped = "iterations"
    bar = tqdm(total=iterations, disable=not progress, desc="local search", unit="move",
               mininterval=0.5)
    draws: list[list[float]] = []
    accept_worse, apply = schedule.accept_worse, st.apply
    recombine, split, merge, unit_move = (proposer.recombine, proposer.split, proposer.merge,
                                          proposer.unit_move)
    rim, blocks, p_recombine = proposer.rim, proposer.blocks, proposer.p_recombine
    fixed_count = proposer.fixed_count
    bounded = st.tracker is not None
    label = st.label  # updated in place, never replaced
    # the clock is read every 128 moves (from the first): a time limit is missed by 128 moves
    end = math.inf if time_limit is None else t0 + time_limit
    for it in range(iterations):
        if (it & 127) == 0 and end < math.inf and time.perf_counter() > end:
            stopped = "time_limit"
            break
        if (it & 1023) == 0:
            if it:
                bar.update(1024)
            # four uniform draws per move: unit, kind, neighbouring group, acceptance
            draws = rng.random((1024, 4)).tolist()
        if it >= schedule.stop_at:
            if iterations - it < 2 * patience:
                stopped = "patience"
                break
            # stalled: a new round from the best plan, cooling over the moves left
            st.restart(best_groups, best, gvalue)
            schedule.new_round(it)
        done = it + 1
        r_unit, kind, r_pick, r_accept = draws[it & 1023]
        # the move: unit i (with its block) and, but for a split, a neighbouring group
        i = movable[int(r_unit * n_movable)]
        a = label[i]
        near = {label[j] for j in rim[i]}
        near.discard(a)
        outside = sorted(near)
        if outside and kind >= p_recombine:
            change = recombine(st, a, outside[int(r_pick * len(outside))])
        elif not fixed_count and kind < 0.15:
            change = split(st, a, blocks[i])
        elif not outside:
            continue
        elif not fixed_count and kind < 0.35:
            change = merge(st, a, outside[int(r_pick * len(outside))])
        else:
            change = unit_move(st, a, outside[int(r_pick * len(outside))], blocks[i])
        if change is None:
            continue
        delta = change[0]
        if delta >= 0 or accept_worse(delta, r_accept, it):
            apply(change, gvalue)
            accepted += 1
        mark = st.mark(weight_total) if bounded else st.current  # st.mark, inlined
        if mark > best + tol:
            best = mark
            best_groups = list(st.groups.values())
            best_it = it + 1
            schedule.improved(it)
    bar.update(max(0, done - bar.n))
    bar.close()
    return _Annealed(best_groups, done, accepted, best_it, schedule.rounds, stopped)


def _prepare(problem: PlanningProblem, cache: ScoreCache, fixed: list[list[int]] | None,
             bounds: dict[str, float] | None, figures: FigureModel | None,
             weight_total: float, deadline: Deadline | None = None,
             ) -> tuple[_Moves, _Bounds | None, dict[int, frozenset[int]]]:
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
    moves = _Moves(problem, cache, together)
    tracker: _Bounds | None = None
    if bounds and figures is not None:
        tracker = _Bounds(problem, figures, bounds, together, moves.connected_bits, weight_total)
        moves.prefetch = tracker.compute
        if reachable and len(reachable) <= PREFILL_MAX_GROUPS:
            # the figure parts of every feasible group a move can make, in one batch
            tracker.compute([g for g in reachable if cache.feasible(g)])
    if reachable and len(reachable) <= PREFILL_MAX_GROUPS:
        moves.index(reachable)
    return moves, tracker, together


def _finish(groups: list[frozenset[int]], moves: _Moves, tracker: _Bounds | None,
            bounds: dict[str, float] | None, rim: list[tuple[int, ...]],
            locked: frozenset[int], tol: float, deadline: Deadline,
            ) -> tuple[list[frozenset[int]], int, dict[str, object]]:
    """Polish the best plan; with bounds, check it meets them and report its figures.

    Returns the groups, the recombinations the polish made and the extra ``info``
    (``local_optimum``: False when ``deadline`` cut the polish short).
    """
    if tracker is None or bounds is None:
        groups, polished, done = _polish(groups, moves, rim, locked, tol, deadline)
        return groups, polished, {"local_optimum": done}
    tracker.reset(groups)
    if tracker.viol > 0:
        raise InfeasibleError(_unmet_message(tracker, groups, bounds))
    groups, polished, done = _polish_bounded(groups, moves, tracker, rim, locked, tol, deadline)
    found_figures = tracker.plan_figures(groups)
    broken = unmet_bounds(found_figures, bounds)
    if broken:  # the running sums drifted past the bound: only rounding can do that
        raise InfeasibleError(_unmet_message(tracker, groups, bounds))
    return groups, polished, {"local_optimum": done, "bounds": dict(bounds),
                              "figures": found_figures}


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
        :data:`BOUND_PENALTY` per unit of shortfall (each bound's in units of
        the bound, summed over groups for bounds on single groups), from sums
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
    st = _State(start, problem.n, moves.value, tracker)
    start_objective = st.start_total / weight_total
    # each unit's block (see _Proposer) and the units just outside it
    rim = [tuple({j for u in block for j in problem.neighbours[u]} - block)
           for block in (together.get(i, frozenset((i,))) for i in range(problem.n))]
    movable = [int(i) for i in np.flatnonzero(~problem.locked)]
    if not movable:
        iterations = 0
    # gains below this are rounding noise of the running sum, not better plans
    tol = 1e-12 * weight_total
    patience = (max(iterations // PATIENCE_DIVISOR, 1) if patience is None
                else max(int(patience), 1))
    run = _anneal(st, _Proposer(moves, tracker, locked, together, rim, fixed_count),
                  _Schedule(iterations, t_start, t_end, patience, weight_total), movable, rng,
                  moves.value, weight_total=weight_total, tol=tol, t0=t0,
                  time_limit=time_limit, progress=progress)
    best_groups, polished, extra = _finish(run.groups, moves, tracker, bounds, rim, locked, tol,
                                           deadline)
    stopped = run.stopped if extra["local_optimum"] else "time_limit"
    capped = _capped_pairs(best_groups, moves, rim)
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


def _capped_pairs(groups: list[frozenset[int]], moves: _Moves,
                  rim: list[tuple[int, ...]]) -> int:
    """How many pairs of neighbouring new units have a union too large to split every way."""
    if not moves.capped:
        return 0
    label = {u: x for x, g in enumerate(groups) for u in g}
    pairs = {(x, label[j]) for x, g in enumerate(groups) for u in g for j in rim[u]
             if label[j] > x}
    return sum(groups[x] | groups[y] in moves.capped for x, y in pairs)


def _penalised_split(tracker: _Bounds, moves: _Moves, union: frozenset[int],
                     ga: frozenset[int], gb: frozenset[int], now: float,
                     ) -> tuple[float, frozenset[int], frozenset[int],
                                tuple[FloatArray, int, float]] | None:
    """The split of ``union`` (other than ``ga``, ``gb``) best for the penalised objective.

    Returns its gain over ``now`` (the value of ``ga`` and ``gb``) less the change of
    the penalty, its parts and the state of the sums after it.
    """
    splits = moves.splits(union)
    if not splits:
        return None
    values, rows = tracker.split_table(union, splits)
    tracker.need((ga, gb))
    old = tracker.row(ga) + tracker.row(gb)
    sums = tracker.sums - old + rows
    viol = tracker.violation(sums, tracker.k)
    gain = values - now - (tracker.costs(viol) - tracker.cost(tracker.viol))
    # no split makes more groups break a bound on single groups than ga and gb do
    gain[rows[:, -1] > old[-1]] = -np.inf
    for j, (_, s_, _) in enumerate(splits):
        if s_ in (ga, gb):
            gain[j] = -np.inf
    j = int(np.argmax(gain))
    if not np.isfinite(gain[j]):
        return None
    _, s_, t_ = splits[j]
    return float(gain[j]), s_, t_, (sums[j], tracker.k, float(viol[j]))


def _unmet_message(tracker: _Bounds, groups: list[frozenset[int]],
                   bounds: dict[str, float]) -> str:
    """Which bounds the closest plan the search found still breaks, and by how much."""
    figures = tracker.plan_figures(groups)
    broken = unmet_bounds(figures, bounds)
    shown = [f"{name} {figures[name]:.6g} (bound {'≥' if BETTER[name] == 'higher' else '≤'} "
             f"{bounds[name]:.6g})" for name in broken]
    return (f"The local search found no plan meeting the figure bounds; the closest plan it "
            f"reached still misses {format_ids(shown)}. Loosen those bounds, or use "
            f"method='exact' (county scale: it finds the best plan meeting them or proves that "
            f"none exists).")


Improve = Callable[[frozenset[int], frozenset[int], frozenset[int]],
                   "tuple[frozenset[int], frozenset[int]] | None"]


def _polish_pairs(groups: list[frozenset[int]], rim: list[tuple[int, ...]],
                  locked: frozenset[int], improve: Improve, deadline: Deadline,
                  ) -> tuple[list[frozenset[int]], int, bool]:
    """Replace neighbouring new units by a better split of their union until none improves.

    Pairs are visited in a fixed order; ``improve(a, b, union)`` returns the
    split to take (and records it) or None. Returns the groups, the number of
    splits taken and whether the polish ran to its end (not cut by ``deadline``).
    """
    groups = list(groups)
    label = {u: x for x, g in enumerate(groups) for u in g}
    made = 0
    improved = True
    timed = deadline.end is not None
    while improved:
        improved = False
        for x in range(len(groups)):
            if timed and deadline.expired():
                return groups, made, False
            near = sorted({label[j] for u in groups[x] for j in rim[u]} - {x})
            for y in near:
                if y < x:
                    continue
                union = groups[x] | groups[y]
                if not locked.isdisjoint(union):
                    continue
                found = improve(groups[x], groups[y], union)
                if found is None:
                    continue
                s_, t_ = found
                groups[x], groups[y] = s_, t_
                for u in s_:
                    label[u] = x
                for u in t_:
                    label[u] = y
                made += 1
                improved = True
                break
    return groups, made, True


def _polish_bounded(groups: list[frozenset[int]], moves: _Moves, tracker: _Bounds,
                    rim: list[tuple[int, ...]], locked: frozenset[int], tol: float,
                    deadline: Deadline) -> tuple[list[frozenset[int]], int, bool]:
    """:func:`_polish` that keeps the figure bounds met (``tracker`` holds ``groups``).

    Each pair of neighbouring new units is replaced by its best split that
    improves the objective while the plan still meets the bounds.
    """

    def improve(a: frozenset[int], b: frozenset[int], union: frozenset[int],
                ) -> tuple[frozenset[int], frozenset[int]] | None:
        splits = moves.splits(union)
        if not splits:
            return None
        values, rows = tracker.split_table(union, splits)
        sums = tracker.sums - tracker.row(a) - tracker.row(b) + rows
        viol = tracker.violation(sums, tracker.k)
        now = moves.value(a) + moves.value(b)
        gain = np.where(viol <= 0, values - now, -np.inf)
        j = int(np.argmax(gain))
        if not gain[j] > tol:
            return None
        _, s_, t_ = splits[j]
        tracker.commit((sums[j], tracker.k, float(viol[j])))
        return s_, t_

    return _polish_pairs(groups, rim, locked, improve, deadline)


def _polish(groups: list[frozenset[int]], moves: _Moves, rim: list[tuple[int, ...]],
            locked: frozenset[int], tol: float, deadline: Deadline,
            ) -> tuple[list[frozenset[int]], int, bool]:
    """Recombine neighbouring new units while that improves the plan.

    Annealing may leave its best plan short of a local optimum (it was found
    warm, before the walk moved on). Each pair of neighbouring new units, in a
    fixed order, is replaced by the best split of its union when that is better,
    until no pair improves: a unit move is one of those splits, so the result is
    a local optimum for both kinds of move. Returns the groups, the number
    of recombinations made and whether it ran to its end (``deadline``).
    """

    def improve(a: frozenset[int], b: frozenset[int], union: frozenset[int],
                ) -> tuple[frozenset[int], frozenset[int]] | None:
        found = moves.recombine(union)
        if union in moves.capped:  # not every split was tried: block moves are, at least
            moved = moves.block_moves(a, b)
            if moved is not None and (found is None or moved[0] > found[0]):
                found = moved
        if found is None:
            return None
        v, s_, t_ = found
        if v <= moves.value(a) + moves.value(b) + tol:
            return None
        return s_, t_

    return _polish_pairs(groups, rim, locked, improve, deadline)
