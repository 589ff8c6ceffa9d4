"""Groups of units as CSR arrays: the layout every batch computation of ``score/`` reads.

A batch of groups is ``(ptr, mem)``: the members of group ``g`` are the unit
positions ``mem[ptr[g]:ptr[g + 1]]``, sorted. :func:`group_positions` turns
groups of unit ids into that layout (with a clear error for empty groups,
unknown ids or a unit listed twice), :func:`ordered_pairs` lists every pair of
members of the same group, :func:`concat_ranges` gathers many index ranges at
once, :func:`lookup` reads a sparse table of sorted integer keys and
:class:`GroupLayout` bundles the index arrays a batch computation shares.

Examples
--------
>>> import pandas as pd
>>> ptr, mem = group_positions(pd.Index(["A", "B", "C"]), [["C", "A"], ["B"]])
>>> ptr.tolist(), mem.tolist()
([0, 2, 3], [0, 2, 1])
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import InputError, format_ids

__all__ = ["GroupLayout", "concat_ranges", "group_keys", "group_positions", "lookup",
           "ordered_pairs"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def concat_ranges(starts: IntArray, counts: IntArray) -> IntArray:
    """Concatenation of ``arange(s, s + c)`` for every start and count.

    The positions of many segments of a CSR-style array (``ptr``/members) at once: shared
    by the seat, score and figure code, which read members of many groups without a loop.

    Parameters
    ----------
    starts : array of int
        First position of each segment.
    counts : array of int
        Length of each segment (0 gives nothing).

    Returns
    -------
    ndarray of int64
        ``starts[0], …, starts[0] + counts[0] - 1, starts[1], …`` in order.

    Examples
    --------
    >>> concat_ranges(np.array([0, 10, 5]), np.array([2, 0, 3])).tolist()
    [0, 1, 5, 6, 7]
    """
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offs = np.repeat(np.cumsum(counts) - counts, counts)
    out: IntArray = np.repeat(np.asarray(starts, dtype=np.int64), counts) + (
        np.arange(total, dtype=np.int64) - offs)
    return out


def group_positions(ids: pd.Index, groups: Sequence[Sequence[str]],
                    label: Callable[[int], str] | None = None) -> tuple[IntArray, IntArray]:
    """Groups of unit ids → CSR ``(ptr, sorted unit positions)`` in ``ids``.

    Parameters
    ----------
    ids : Index
        Unit ids of the area (positions refer to it).
    groups : sequence of sequence of str
    label : callable, optional
        ``"id (name)"`` of a position, for the error naming a unit listed twice.

    Raises
    ------
    InputError
        For empty groups, ids that are not in ``ids``, or a unit listed twice
        in a group.

    Examples
    --------
    >>> group_positions(pd.Index(["A", "B"]), [["B", "B"]])
    Traceback (most recent call last):
    ...
    townmerge.errors.InputError: A group lists a unit twice: B.
    """
    groups = [[str(u) for u in g] for g in groups]
    lens = np.fromiter((len(g) for g in groups), dtype=np.int64, count=len(groups))
    if (lens == 0).any():
        raise InputError(f"{int((lens == 0).sum())} group(s) are empty; every group needs "
                         "at least one unit.")
    flat = [u for g in groups for u in g]
    pos = ids.get_indexer(pd.Index(flat, dtype=object)).astype(np.int64)
    if (pos < 0).any():
        unknown = sorted({u for u, p in zip(flat, pos, strict=True) if p < 0})
        raise InputError(f"{len(unknown)} unit id(s) are not in the study area: "
                         f"{format_ids(unknown)}.")
    ptr = np.r_[0, np.cumsum(lens)].astype(np.int64)
    g = np.repeat(np.arange(len(groups), dtype=np.int64), lens)
    order = np.lexsort((pos, g))
    pos = pos[order]
    dup = (pos[1:] == pos[:-1]) & (g[1:] == g[:-1])
    if dup.any():
        name = label or (lambda i: str(ids[i]))
        shown = sorted({name(int(p)) for p in pos[1:][dup]})
        raise InputError(f"A group lists a unit twice: {format_ids(shown)}.")
    return ptr, pos


def ordered_pairs(ptr: IntArray) -> tuple[IntArray, IntArray]:
    """Every ordered pair of entries ``(e1, e2)`` of the same group, ``e1 == e2`` included.

    Examples
    --------
    >>> [a.tolist() for a in ordered_pairs(np.array([0, 1, 3]))]
    [[0, 1, 1, 2, 2], [0, 1, 2, 1, 2]]
    """
    k = np.diff(ptr)
    g = np.repeat(np.arange(k.size, dtype=np.int64), k)
    e1 = np.repeat(np.arange(int(ptr[-1]), dtype=np.int64), k[g])
    e2 = concat_ranges(np.repeat(ptr[:-1], k), np.repeat(k, k))
    return e1, e2


def lookup(keys: IntArray, table: IntArray, values: FloatArray) -> FloatArray:
    """``values`` at ``keys`` in the sorted key array ``table``; 0 for keys not in it.

    Examples
    --------
    >>> lookup(np.array([3, 4]), np.array([1, 3]), np.array([0.5, 2.0])).tolist()
    [2.0, 0.0]
    """
    if table.size == 0 or keys.size == 0:
        return np.zeros(keys.size)
    at = np.searchsorted(table, keys).clip(0, table.size - 1)
    out: FloatArray = np.where(table[at] == keys, values[at], 0.0)
    return out


def group_keys(ptr: IntArray, mem: IntArray) -> list[tuple[int, ...]]:
    """The sorted member positions of each group, as hashable keys.

    Examples
    --------
    >>> group_keys(np.array([0, 2, 3]), np.array([0, 2, 1]))
    [(0, 2), (1,)]
    """
    return [tuple(mem[s:e].tolist()) for s, e in itertools.pairwise(ptr.tolist())]


@dataclass(frozen=True, eq=False)
class GroupLayout:
    """A batch of groups with the index arrays its computations share.

    Attributes
    ----------
    ptr, mem : ndarray of int
        The groups (CSR: members of ``g`` are ``mem[ptr[g]:ptr[g + 1]]``).
    k, g_of, starts : ndarray of int
        Members per group, group of every entry, first entry of every group.
    e1, e2, u1, u2 : ndarray of int
        Every ordered pair of entries of the same group (:func:`ordered_pairs`)
        and their unit positions.
    up, adjacent : ndarray of bool
        ``e1 < e2`` of each pair; and, for those pairs, whether the two units
        share a border (or a virtual link).

    Examples
    --------
    >>> lay = GroupLayout.of(np.array([0, 2]), np.array([0, 1]), 2, np.array([1]))
    >>> lay.n_groups, lay.adjacent.tolist()
    (1, [True])
    """

    ptr: IntArray
    mem: IntArray
    k: IntArray
    g_of: IntArray
    starts: IntArray
    e1: IntArray
    e2: IntArray
    u1: IntArray
    u2: IntArray
    up: BoolArray
    adjacent: BoolArray

    @classmethod
    def of(cls, ptr: IntArray, mem: IntArray, n: int, edge_keys: IntArray) -> GroupLayout:
        """The layout of groups ``(ptr, mem)`` of ``n`` units with sorted adjacency keys.

        ``edge_keys`` are ``low * n + high`` of every adjacent pair, sorted.
        """
        ng = ptr.size - 1
        k = np.diff(ptr)
        g_of = np.repeat(np.arange(ng, dtype=np.int64), k)
        e1, e2 = ordered_pairs(ptr)
        u1, u2 = mem[e1], mem[e2]
        up = e1 < e2
        ekey = np.minimum(u1[up], u2[up]) * n + np.maximum(u1[up], u2[up])
        at = np.searchsorted(edge_keys, ekey).clip(0, max(edge_keys.size - 1, 0))
        adjacent = (edge_keys[at] == ekey) if edge_keys.size else np.zeros(ekey.size, bool)
        return cls(ptr, mem, k, g_of, ptr[:-1], e1, e2, u1, u2, up, adjacent)

    @property
    def n_groups(self) -> int:
        """Number of groups."""
        return int(self.ptr.size - 1)
