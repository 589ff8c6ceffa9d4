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
    "EXIT_CODES",
    "EXIT_INFEASIBLE",
    "EXIT_INPUT",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_OUTPUT",
    "EXIT_TIME_LIMIT",
    "EXIT_USAGE",
    "CRSError",
    "InfeasibleError",
    "InputError",
    "MissingDataWarning",
    "OutputError",
    "ParameterError",
    "PlanError",
    "TimeLimitError",
    "TopologyWarning",
    "TownmergeError",
    "format_ids",
]

#: Exit status of the ``townmerge`` command: the work was done.
EXIT_OK = 0
#: The input data (files, plan, settings) has problems; the message names them.
EXIT_INPUT = 1
#: The command line itself is wrong (unknown flag, a number out of range, NaN).
EXIT_USAGE = 2
#: No plan satisfies the constraints asked for; the message names the binding ones.
EXIT_INFEASIBLE = 3
#: An output file or folder cannot be written (no such folder, read-only, disk full).
EXIT_OUTPUT = 4
#: A time limit ran out before any plan was found (the problem may well be feasible).
EXIT_TIME_LIMIT = 5
#: A bug in townmerge (never the input's fault): the message says where to report it.
EXIT_INTERNAL = 70

#: The command was interrupted (Ctrl-C); outputs are left as they were before it started.
EXIT_INTERRUPTED = 130

#: Every exit status with its meaning, in the order the README and ``--help`` list them.
EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "success"),
    (EXIT_INPUT, "invalid input (data, plan or settings); the message names what and how to fix"),
    (EXIT_USAGE, "usage error (unknown flag, missing argument, a number out of range)"),
    (EXIT_INFEASIBLE, "no feasible plan under the constraints asked for"),
    (EXIT_OUTPUT, "an output cannot be written (missing or read-only folder, full disk)"),
    (EXIT_TIME_LIMIT, "the time limit ran out before any plan was found"),
    (EXIT_INTERNAL, "internal error: a bug in townmerge, please report it"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C); outputs left as they were"),
)

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


class ParameterError(InputError):
    """An argument given by the caller is out of range (a negative time limit, NaN …).

    On the command line it is a usage error (exit status :data:`EXIT_USAGE`).
    """


class InfeasibleError(TownmergeError, ValueError):
    """No plan satisfies the constraints that were asked for."""


class TimeLimitError(TownmergeError):
    """The time limit ran out before any plan was found.

    This says nothing about feasibility: with more time a plan may exist.
    """


class OutputError(TownmergeError, OSError):
    """An output cannot be written; the previous file, if any, is left as it was.

    Parameters
    ----------
    message : str
        What could not be written, why, and how to fix it.
    """


class TopologyWarning(UserWarning):
    """A non-fatal problem in the input: gaps, slivers, islands, multi-part units."""


class MissingDataWarning(UserWarning):
    """Rules that need data the study area lacks (e.g. population) are switched off.

    The message names each rule switched off and how to supply the data.
    """
