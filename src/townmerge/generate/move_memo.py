"""Memoised pieces of the local search's moves: group values, contiguity and best splits.

:class:`MoveMemo` answers, once per group, what the moves of
:func:`townmerge.generate.search.local_search` ask: a group's value, whether it is feasible
and contiguous (on bitmasks of unit indices), every split of the union of two neighbouring new
units into two contiguous, feasible parts and the best of them, and the best single block move
between two new units. Unions of up to :data:`BITMASK_MAX_BLOCKS` blocks are split in every way
by bitmask, larger ones by growing connected parts, at most :data:`MAX_SPLIT_PARTS` of them
(beyond that the union is *capped*: :attr:`MoveMemo.capped`).

Examples
--------
>>> from townmerge.data.model import StudyArea
>>> from townmerge.generate.base import PlanningProblem, ScoreCache
>>> from townmerge.testing.grids import grid_units
>>> from townmerge.testing.scorers import SizeScorer
>>> area = StudyArea(grid_units("AB / CD", population=dict.fromkeys("ABCD", 5)))
>>> problem = PlanningProblem.from_area(area)
>>> memo = MoveMemo(problem, ScoreCache(problem, SizeScorer(area, p_min=10)), {})
>>> memo.connected_bits(0b1001)  # A and D meet only at a corner
False
>>> value, s, t = memo.recombine(frozenset(range(4)))
>>> value, sorted(s), sorted(t)
(20.0, [0, 1], [2, 3])
"""

from __future__ import annotations

from collections.abc import Callable

from .base import PlanningProblem, ScoreCache

__all__ = ["BITMASK_MAX_BLOCKS", "MAX_SPLIT_PARTS", "MoveMemo", "Split"]

#: Unions of up to this many blocks (units, or fixed groups of units) are split in every
#: way by bitmask (2 ** (blocks - 1) candidates); larger ones (``max_members`` of 6 or more)
#: by growing the connected first parts, up to :data:`MAX_SPLIT_PARTS` of them.
BITMASK_MAX_BLOCKS = 10
#: The most first parts tried when splitting one larger union; beyond it the union's
#: recombination is *capped* (only the parts found first are tried, and the polish also
#: tries every block move between the two new units), and a plan left with a capped pair of
#: neighbouring new units is not proven locally optimal (``info["local_optimum"]``, warning).
MAX_SPLIT_PARTS = 5_000

#: A split of a union: its value and its two parts.
Split = tuple[float, frozenset[int], frozenset[int]]


class MoveMemo:
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
