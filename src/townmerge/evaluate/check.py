"""Check a plan against the hard rules: a report to read, or a raise to stop.

:func:`check_plan` returns a :class:`PlanCheck`: it prints ``ok`` or lists every
breach (each new unit, its members, the rule and its figures), in Chinese or
English; :meth:`PlanCheck.raise_if_bad` raises a
:class:`~townmerge.errors.PlanError` with the same list, for scripts that must
stop there.

Examples
--------
>>> from townmerge.testing.grids import grid_units
>>> area = StudyArea(grid_units("ABC", locked={"B": True}))
>>> print(check_plan(area, Plan.from_groups({"A": ["A"], "B": ["B"], "C": ["C"]})))
ok: 3 units → 3 new units keep every hard rule
>>> bad = check_plan(area, Plan.from_groups({"X": ["A", "B"], "C": ["C"]}))
>>> bad.ok, [b.rule for b in bad.breaches]
(False, ['locked'])
>>> bad.raise_if_bad()  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
townmerge.errors.PlanError: 1 new unit of the plan breaks a hard rule (X (A镇)): a locked ...
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..config import Config
from ..data.model import StudyArea
from ..data.nesting import Nesting, nesting_message
from ..data.plan import Plan
from ..errors import PlanError, format_ids
from ..i18n import check_lang
from ..score.scorer import MergerScorer
from .metrics import Breach, plan_breaches, rule_label

__all__ = ["PlanCheck", "check_plan"]


@dataclass(frozen=True)
class PlanCheck:
    """What :func:`check_plan` found: every hard-rule breach and every nesting problem.

    Attributes
    ----------
    n_units, n_new : int
        Units before and new units of the plan.
    breaches : tuple of Breach
        One per new unit and rule it breaks.
    nesting : tuple of str
        With ``within=``: one line per new village that straddles new townships.
    """

    n_units: int
    n_new: int
    breaches: tuple[Breach, ...] = ()
    nesting: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the plan keeps every hard rule (and nests, with ``within=``)."""
        return not self.breaches and not self.nesting

    def __bool__(self) -> bool:
        return self.ok

    def text(self, lang: str = "en") -> str:
        """``ok`` or the list of breaches, in ``"zh"`` or ``"en"`` (plain text)."""
        check_lang(lang)
        if self.ok:
            return (f"通过：{self.n_units}个单位 → {self.n_new}个新单位，均符合全部硬性规则"
                    if lang == "zh" else
                    f"ok: {self.n_units} units → {self.n_new} new units keep every hard rule")
        head = (f"未通过：{len(self.breaches) + len(self.nesting)}个问题" if lang == "zh"
                else f"not ok: {len(self.breaches) + len(self.nesting)} problem(s)")
        lines = [b.text(lang) for b in self.breaches] + list(self.nesting)
        return "\n".join([head, *(f"  - {line}" for line in lines)])

    def __str__(self) -> str:
        return self.text("en")

    def table(self) -> pd.DataFrame:
        """One row per breach.

        Columns ``new_unit``, ``name``, ``rule``, ``figure``, ``limit`` and ``detail``.
        """
        return pd.DataFrame(
            [{"new_unit": b.new_unit, "name": b.name, "rule": b.rule, "figure": b.figure,
              "limit": b.limit, "detail": b.detail_en} for b in self.breaches],
            columns=["new_unit", "name", "rule", "figure", "limit", "detail"])

    def raise_if_bad(self) -> None:
        """Raise :class:`~townmerge.errors.PlanError` listing every problem, unless ok."""
        breaches, nested = list(self.breaches), list(self.nesting)
        if not breaches and not nested:
            return
        if not breaches:
            raise PlanError(nesting_message(nested), nested)
        bad = list(dict.fromkeys(f"{b.new_unit} ({b.name})" for b in breaches))
        n = len(bad)
        rules = list(dict.fromkeys(rule_label(b.rule) for b in breaches))
        raise PlanError(
            f"{n} new unit{'' if n == 1 else 's'} of the plan {'breaks' if n == 1 else 'break'} "
            f"a hard rule ({format_ids(bad)}): {', '.join(rules)}. Change these new units (or, "
            "for an island, add a reviewed virtual link)"
            + ("; " + nesting_message(nested) if nested else "") + ". Every problem:",
            [str(b) for b in breaches] + nested)


def check_plan(area: StudyArea, plan: Plan, *, config: Config | None = None,
               edges: pd.DataFrame | None = None, scorer: MergerScorer | None = None,
               within: Nesting | None = None) -> PlanCheck:
    """Check a plan against every hard rule; read the report, or ``.raise_if_bad()`` it.

    The rules are those of :func:`~townmerge.evaluate.metrics.plan_breaches`: the
    scorer's hard constraints, as ``config`` switches them, and the plan's seats.

    Parameters
    ----------
    area : StudyArea
    plan : Plan
    config : Config, optional
        Limits and which constraints apply (``Config.constraints``).
    edges : DataFrame, optional
        Adjacency edge table (default: rook adjacency of the area).
    scorer : MergerScorer, optional
        Reuse a scorer of ``area``.
    within : Nesting, optional
        For a village plan: the township plan it must nest in
        (:class:`townmerge.data.nesting.Nesting`); new villages that straddle new
        townships are listed along with any other problem. The new townships
        then take the place of the villages' old townships (the ``same_parent``
        rule is judged by the nesting).

    Returns
    -------
    PlanCheck
        Prints ``ok`` or lists every breach; ``.ok``; ``.raise_if_bad()``.

    Raises
    ------
    PlanError
        When the plan is not a partition of the area's units (missing or unknown
        units): there is nothing to check then.
    """
    breaches = plan_breaches(area, plan, config=config, edges=edges, scorer=scorer)
    nested: list[str] = []
    if within is not None:  # the level above is the new plan's, not the units' old parents
        nested = within.problems(plan)
        breaches = [b for b in breaches if b.rule != "same_parent"]
    return PlanCheck(plan.n_units, plan.n_new, tuple(breaches), tuple(nested))
