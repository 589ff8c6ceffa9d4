"""The time limit of a generator call: one clock for every step it takes.

A ``time_limit`` counts from the call that was given it; each step (column
enumeration, scoring batches, greedy merging, its repairs, annealing, the final
polish, the solver, the diagnostics of a failure) asks the same
:class:`Deadline` how much time is left, so the call returns within the limit
plus the length of the longest step that cannot be cut (one scoring batch,
one merger, one move).

Examples
--------
>>> d = Deadline(None)
>>> d.left() is None, d.expired()
(True, False)
>>> d = Deadline(0.0)
>>> d.expired()
True
>>> d.check("the greedy start was done")
Traceback (most recent call last):
...
townmerge.errors.TimeLimitError: The time limit of 0 s ran out before the greedy start \
was done, so no plan was found. Raise time_limit (or leave it out).
"""

from __future__ import annotations

import math
import time

from ..errors import ParameterError, TimeLimitError

__all__ = ["Deadline"]


class Deadline:
    """Seconds left of a time limit (None: no limit), counted from construction.

    Parameters
    ----------
    time_limit : float, optional
        Seconds; None for no limit.

    Raises
    ------
    ParameterError
        For a negative or non-finite limit.
    """

    __slots__ = ("end", "limit", "start")

    def __init__(self, time_limit: float | None) -> None:
        if time_limit is not None:
            try:
                value = float(time_limit)
            except (TypeError, ValueError):
                value = math.nan
            if not math.isfinite(value) or value < 0:
                raise ParameterError(f"time_limit must be a number of seconds ≥ 0 (or None for "
                                     f"no limit), not {time_limit!r}.")
            time_limit = value
        self.limit = time_limit
        self.start = time.perf_counter()
        self.end = None if time_limit is None else self.start + time_limit

    def __getstate__(self) -> tuple[float | None, float | None, float]:
        """Limit, end by the wall clock and time elapsed: the end holds in another process."""
        left = self.left()
        return self.limit, None if left is None else time.time() + left, self.elapsed()

    def __setstate__(self, state: tuple[float | None, float | None, float]) -> None:
        self.limit, wall_end, elapsed = state
        now = time.perf_counter()
        self.start = now - elapsed
        self.end = None if wall_end is None else now + (wall_end - time.time())

    def left(self) -> float | None:
        """Seconds left (at least 0), or None without a limit."""
        if self.end is None:
            return None
        return max(self.end - time.perf_counter(), 0.0)

    def expired(self) -> bool:
        """Whether the limit has run out."""
        return self.end is not None and time.perf_counter() >= self.end

    def elapsed(self) -> float:
        """Seconds since the clock started."""
        return time.perf_counter() - self.start

    def check(self, what: str) -> None:
        """Raise :class:`TimeLimitError` when the limit has run out (``what``: the step cut short).

        ``what`` is a clause, e.g. ``"the greedy start was done"``.
        """
        if self.expired():
            raise TimeLimitError(self.message(what))

    def message(self, what: str) -> str:
        """The TimeLimitError message: which step the limit cut short."""
        return (f"The time limit of {self.limit:g} s ran out before {what}, so no plan was "
                "found. Raise time_limit (or leave it out).")
