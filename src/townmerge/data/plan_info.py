"""How a plan was made: the typed keys of ``Plan.info`` and a readable one-line summary.

Every generator records what it did in ``plan.info``; :class:`PlanInfo` lists
every key any of them writes, with its type and meaning, so that a reader (and
mypy) knows what to expect. :func:`plan_summary` is what ``repr(plan)`` shows:
method, objective and a few mergers by name.

Examples
--------
>>> from townmerge.data.plan import Plan
>>> p = Plan({"A": "A", "B": "A", "C": "C"}, names={"A": "甲镇"},
...          info={"method": "exact", "objective": 0.7338, "gap": 0.0})
>>> p
<Plan exact: 3 units → 2 new units, objective 0.7338; 甲镇 ← A+B>
>>> info = p.info
>>> info["method"], info.get("seed")
('exact', None)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, TypedDict

__all__ = ["INFO_KEYS", "PlanInfo", "PlanLike", "plan_summary"]


class PlanInfo(TypedDict, total=False):
    """The keys of ``Plan.info``; a plan has those its generator writes.

    Every generator
        ``method`` (str): ``greedy``, ``exact``, ``search``, ``ranked``, ``ensemble``,
        ``greedy (flow rule)``, ``exact (repair)`` …; ``objective`` (float): the
        population-weighted mean score of the new units (higher is better);
        ``seed`` (int); ``seconds`` (float): wall time of the call.
    greedy
        ``noise`` (float): random noise added to merger scores; ``stopped`` (str): why
        merging stopped; ``repaired`` (str): how a dead end was repaired.
    greedy (flow rule)
        ``target`` (int or None); ``flow_type`` (str).
    exact and ranked
        ``bound`` (float): the solver's proven bound; ``gap`` (float): relative gap
        between plan and bound (0: proven optimal); ``status`` (str): the solver's
        status; ``n_columns`` (int): candidate groups in the model; ``rank`` (int):
        position among the best plans.
    search
        ``start_objective`` (float); ``iterations``, ``accepted``, ``best_iteration``,
        ``rounds``, ``polished``, ``recombination_capped`` (int); ``local_optimum``
        (bool): no unit move improves the plan.
    with figure bounds
        ``bounds`` (dict of figure → limit); ``figures`` (dict of figure → value).
    ensembles
        ``member`` (int): index of the plan in its ensemble.
    """

    method: str
    objective: float
    seed: int
    seconds: float
    noise: float
    stopped: str
    repaired: str
    target: int | None
    flow_type: str
    bound: float
    gap: float
    status: str
    n_columns: int
    rank: int
    start_objective: float
    iterations: int
    accepted: int
    best_iteration: int
    rounds: int
    polished: int
    recombination_capped: int
    local_optimum: bool
    bounds: dict[str, float]
    figures: dict[str, float]
    member: int


class PlanLike(Protocol):
    """What :func:`plan_summary` reads of a plan (a :class:`~townmerge.data.plan.Plan`)."""

    @property
    def info(self) -> PlanInfo: ...  # noqa: D102
    @property
    def names(self) -> Mapping[str, str]: ...  # noqa: D102
    @property
    def n_units(self) -> int: ...  # noqa: D102
    @property
    def n_new(self) -> int: ...  # noqa: D102
    def groups(self) -> dict[str, tuple[str, ...]]: ...  # noqa: D102


#: Every key of :class:`PlanInfo`.
INFO_KEYS: frozenset[str] = frozenset(PlanInfo.__annotations__)


def _mergers(plan: PlanLike, names: Mapping[str, str], shown: int) -> Sequence[str]:
    merged = [(new, members) for new, members in plan.groups().items() if len(members) > 1]
    out = [f"{names.get(new, new)} ← {'+'.join(members)}" for new, members in merged[:shown]]
    if len(merged) > shown:
        out.append(f"… {len(merged) - shown} more")
    return out


def plan_summary(plan: PlanLike, shown: int = 3) -> str:
    """One line: method, units before → after, objective and the first mergers.

    Parameters
    ----------
    plan : Plan
        A :class:`~townmerge.data.plan.Plan` (any :class:`PlanLike`).
    shown : int, default 3
        Mergers listed (new unit name ← member ids); the rest are counted.

    Returns
    -------
    str
    """
    info = plan.info
    method = info.get("method")
    head = f"<Plan {method}:" if method else "<Plan:"
    text = f"{head} {plan.n_units} units → {plan.n_new} new units"
    objective = info.get("objective")
    if isinstance(objective, float | int) and not isinstance(objective, bool):
        text += f", objective {objective:.4f}"
    mergers = _mergers(plan, plan.names, shown)
    if mergers:
        text += "; " + ", ".join(mergers)
    return text + ">"
