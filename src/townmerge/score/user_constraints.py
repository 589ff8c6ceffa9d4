"""Hard constraints of the user's: registered once on the scorer, honoured everywhere.

A :class:`Constraint` is a name and a callable that says whether a group of
current units may become one new unit. Registered on the scorer
(``MergerScorer(area, config, constraints=[...])``) it joins the built-in hard
constraints (:mod:`townmerge.score.constraints`) in the one checker every step
consults: candidate mergers and their scores, greedy merging, the exact model
(its candidate groups are filtered by it), local search (every move is checked),
:func:`townmerge.check_plan` and the reports (a breach is named with the
constraint's reason). A unit that stays as it is never breaks a user constraint.

The callable gets the member ids of a group (sorted) and returns True when the
group is allowed. Define it at module level (not as a lambda) when plans are
made in other processes, so that it pickles.

Examples
--------
>>> from townmerge.testing.grids import grid_units
>>> from townmerge.data.model import StudyArea
>>> from townmerge.score.scorer import MergerScorer
>>> area = StudyArea(grid_units("ABC", population={"A": 9, "B": 9, "C": 9}))
>>> apart = Constraint("a_and_c_apart", lambda members: not {"A", "C"} <= set(members),
...                    "A and C stay apart", "A与C不合并")
>>> scorer = MergerScorer(area, constraints=[apart])
>>> scorer.is_feasible(["A", "B"]), scorer.is_feasible(["A", "B", "C"])
(True, False)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..config import Config
from ..errors import ParameterError
from .batch import GroupBatch
from .constraints import CONSTRAINTS, ConstraintChecker, HardConstraint
from .groups import GroupLayout
from .seats import SeatArrays
from .unit_data import UnitData

__all__ = ["Constraint", "UserRule", "check_constraints", "checker_with"]

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Constraint:
    """A user's hard constraint on mergers.

    Parameters
    ----------
    name : str
        A short identifier (letters, digits, ``_``), not one of the built-in
        constraints' names; it names the rule in breaches and tables.
    allows : callable
        ``allows(members) -> bool``: ``members`` is the sorted tuple of the unit
        ids of a group of two or more units; True when they may merge.
    reason_en, reason_zh : str, optional
        Why a group that is not allowed breaks the rule (default: the name).
    """

    name: str
    allows: Callable[[tuple[str, ...]], bool]
    reason_en: str = ""
    reason_zh: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*",
                                                               self.name):
            raise ParameterError(f"A constraint's name is an identifier (letters, digits, _), "
                                 f"not {self.name!r}.")
        if self.name in (*CONSTRAINTS, "seat"):
            raise ParameterError(f"{self.name!r} is a built-in constraint; switch it with "
                                 "Config(constraints=Constraints(...)) or give yours another "
                                 "name.")
        if not callable(self.allows):
            raise ParameterError(f"Constraint {self.name!r}: allows must be callable, not "
                                 f"{type(self.allows).__name__}.")


class UserRule(HardConstraint):
    """A :class:`Constraint` as one of the scorer's hard constraints."""

    code = "user"

    def __init__(self, data: UnitData, config: Config, constraint: Constraint) -> None:
        super().__init__(data, config)
        self.constraint = constraint
        self.rule_name = constraint.name

    @property
    def active(self) -> bool:
        """Always: a user's constraint is switched on by registering it."""
        return True

    def failing(self, lay: GroupLayout, batch: GroupBatch) -> BoolArray:
        """Groups of two or more units the callable does not allow."""
        ids = self.data.id_list
        out = np.zeros(lay.n_groups, dtype=bool)
        allows = self.constraint.allows
        for g in np.flatnonzero(lay.k > 1):
            members = tuple(sorted(ids[int(u)] for u in lay.mem[lay.ptr[g]:lay.ptr[g + 1]]))
            out[g] = not bool(allows(members))
        return out

    def detail(self, batch: GroupBatch, seats: SeatArrays | None, g: int) -> tuple[str, str]:
        """The constraint's reason, in English and Chinese."""
        c = self.constraint
        return (f"{c.name}: {c.reason_en or 'not allowed by this constraint'}",
                f"{c.name}：{c.reason_zh or c.reason_en or '不符合该约束'}")


def check_constraints(constraints: Sequence[Constraint] | None) -> tuple[Constraint, ...]:
    """The user's constraints as a tuple, each a :class:`Constraint` with a distinct name."""
    out = tuple(constraints or ())
    bad = [repr(c) for c in out if not isinstance(c, Constraint)]
    if bad:
        raise ParameterError("constraints= takes townmerge.score.user_constraints.Constraint "
                             f"objects, not {', '.join(bad[:3])}.")
    names = [c.name for c in out]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ParameterError(f"Two constraints are named {', '.join(twice)}; give each its "
                             "own name.")
    return out


def checker_with(data: UnitData, config: Config, constraints: Sequence[Constraint] | None,
                 ) -> tuple[tuple[Constraint, ...], ConstraintChecker]:
    """The user's constraints, checked, and the checker of the built-in ones and theirs."""
    extra = check_constraints(constraints)
    return extra, ConstraintChecker(data, config, [UserRule(data, config, c) for c in extra])
