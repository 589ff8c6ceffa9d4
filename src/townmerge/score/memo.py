"""The memo of scored groups: total and feasibility by sorted member positions, bounded.

A plan generator asks for the same groups many times; the merger scorer keeps
what it computed in a :class:`GroupMemo` keyed by the sorted unit positions of
each group. The memo holds at most ``limit`` groups: beyond it the older half
is forgotten (a forgotten group is scored again, with the same result).

Examples
--------
>>> memo = GroupMemo(limit=2)
>>> memo.store([(0,), (1,), (0, 1)], [0.5, 0.25, 0.75], [True, True, False])
>>> len(memo), memo.get((0, 1)), memo.get((0,))
(2, (0.75, False), None)
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

__all__ = ["GroupMemo"]

Key = tuple[int, ...]


class GroupMemo:
    """Totals and feasibility of scored groups, keyed by sorted member positions.

    Parameters
    ----------
    limit : int
        Most groups remembered (about 150 bytes each); beyond it the older
        half is forgotten.

    Examples
    --------
    >>> memo = GroupMemo(limit=10)
    >>> memo.put((3, 4), 0.5, True)
    >>> memo.get((3, 4)), memo.get((4,))
    ((0.5, True), None)
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._memo: dict[Key, tuple[float, bool]] = {}

    def __len__(self) -> int:
        return len(self._memo)

    def get(self, key: Key) -> tuple[float, bool] | None:
        """``(total, feasible)`` of the group, or None when it is not remembered."""
        return self._memo.get(key)

    def put(self, key: Key, total: float, feasible: bool) -> None:
        """Remember one group."""
        self._memo[key] = (total, feasible)
        self._trim()

    def store(self, keys: Sequence[Key], totals: Iterable[float],
              feasible: Iterable[bool]) -> None:
        """Remember many groups at once."""
        for key, t, f in zip(keys, totals, feasible, strict=True):
            self._memo[key] = (float(t), bool(f))
        self._trim()

    def _trim(self) -> None:
        """Forget the older half of the remembered groups once there are too many."""
        if len(self._memo) > self.limit:
            for key in list(itertools.islice(self._memo, len(self._memo) // 2)):
                del self._memo[key]
