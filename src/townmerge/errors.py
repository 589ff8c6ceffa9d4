"""Public exceptions and warnings of townmerge.

Every error caused by the caller's input subclasses :class:`ValueError`, so
``except ValueError`` keeps working for generic callers, while
``except townmerge.errors.InputError`` catches exactly our input problems.

Examples
--------
>>> from townmerge.errors import InputError
>>> issubclass(InputError, ValueError)
True
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "CRSError",
    "InfeasibleError",
    "InputError",
    "PlanError",
    "TopologyWarning",
    "TownmergeError",
    "format_ids",
]

MAX_IDS_SHOWN = 10


def format_ids(labels: Sequence[str], limit: int = MAX_IDS_SHOWN) -> str:
    """Join labels for a message: at most ``limit`` of them, then a count.

    Parameters
    ----------
    labels : sequence of str
        Labels such as ``"510101001 (城关镇)"``.
    limit : int, default 10
        How many to show before summarising the rest.

    Returns
    -------
    str

    Examples
    --------
    >>> format_ids(["a", "b", "c"], limit=2)
    'a, b and 1 more'
    """
    labels = list(labels)
    if len(labels) <= limit:
        return ", ".join(labels)
    return f"{', '.join(labels[:limit])} and {len(labels) - limit} more"


class TownmergeError(Exception):
    """Base class of every error raised by townmerge."""


class InputError(TownmergeError, ValueError):
    """The input data has problems; ``problems`` lists every one of them.

    Parameters
    ----------
    message : str
        Summary line.
    problems : sequence, optional
        The individual problems (``townmerge.validate.Problem`` objects or
        strings); each is listed in the message.
    """

    def __init__(self, message: str, problems: Sequence[object] = ()) -> None:
        self.problems = list(problems)
        text = message
        if self.problems:
            text += "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(text)


class CRSError(InputError):
    """A layer has no coordinate reference system, or one that cannot be used."""


class PlanError(InputError):
    """A plan is not a partition of the study area's units, or breaks a rule."""


class InfeasibleError(TownmergeError, ValueError):
    """No plan satisfies the constraints that were asked for."""


class TopologyWarning(UserWarning):
    """A non-fatal problem in the input: gaps, slivers, islands, multi-part units."""
