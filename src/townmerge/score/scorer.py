"""Score candidate mergers: hard constraints, soft criteria, seat, total, band and reasons.

:class:`MergerScorer` is built once per study area and config, and scores any
groups of current units fast (vectorised over groups; no union geometry is
ever built). It holds its parts and delegates to them: the unit arrays of the
area (:mod:`townmerge.score.unit_data`), the evaluation of a batch of groups
(:mod:`townmerge.score.evaluation`), the hard constraints
(:mod:`townmerge.score.constraints`), seats a plan names
(:mod:`townmerge.score.seat_part`), the memo of scored groups
(:mod:`townmerge.score.memo`), the tables and reasons
(:mod:`townmerge.score.explain`) and the candidates
(:mod:`townmerge.score.candidates`). :func:`score_mergers` lists the
candidates a county planner looks at with one reason sentence per row in
Chinese and English; a plan's scores and objective are in
:mod:`townmerge.score.plan_scores`.

Examples
--------
>>> from townmerge.testing.grids import grid_units
>>> from townmerge.data.model import StudyArea
>>> area = StudyArea(grid_units("AB / CD", population={"A": 9000, "B": 12000, "C": 4000,
...                                                    "D": 15000}))
>>> s = MergerScorer(area)
>>> s.score_groups([["A", "B"], ["A", "D"]])[["members", "feasible", "binding"]]
  members  feasible     binding
0  (A, B)      True
1  (A, D)     False  contiguity
>>> bool(s.group_total(["A", "B"]) == s.score_groups([["A", "B"]])["total"][0])
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from ..config import Config
from ..data.model import StudyArea
from ..data.plan import Plan
from ..errors import InputError
from ..graph.flows import SettlementFlows
from ..graph.travel import TravelNetwork
from .batch import GroupBatch
from .candidates import candidate_groups
from .criteria import CriterionRegistry, default_criteria
from .evaluation import Evaluation, Evaluator
from .explain import Explainer
from .groups import group_keys
from .memo import GroupMemo
from .rules import population_rules_off
from .seat_part import SeatPart
from .unit_data import UnitData
from .user_constraints import Constraint, checker_with

__all__ = [
    "MergerScorer",
    "new_unit_name",
    "score_mergers",
    "scorer_for",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Most groups a scorer memoises (about 150 MB); beyond it the older half is forgotten.
MAX_CACHED_GROUPS = 1_000_000


class MergerScorer:
    """Scores groups of current units as merged units; built once per (area, config).

    Parameters
    ----------
    area : StudyArea
    config : Config, optional
        Weights, thresholds, bands, constraints, seat settings.
    edges : DataFrame, optional
        Adjacency edge table (default: rook adjacency of the area); give one
        with reviewed virtual links for islands.
    criteria : CriterionRegistry, optional
        Default: :func:`townmerge.score.criteria.default_criteria`; add your own
        with :meth:`~townmerge.score.criteria.CriterionRegistry.with_criterion`.
    network, flows : TravelNetwork, SettlementFlows, optional
        Travel network and settlement flows of ``area`` (built when the area has
        settlements; flows observed, else the gravity model).
    constraints : sequence of Constraint, optional
        The user's hard constraints (:mod:`townmerge.score.user_constraints`), honoured by all.

    Raises
    ------
    InputError
        For edges naming unknown units, must-link pairs naming unknown
        units, risks outside [0, 1], weights naming unregistered criteria.

    Notes
    -----
    ``notes`` lists, in English and Chinese, every criterion or term left out
    for lack of data and where the flows come from. A criterion without data
    for a group is NaN and left out of its total (``Σ w·S / Σ w`` over the
    rest). It delegates to ``data``, ``constraints``, ``seats``, ``evaluator``,
    ``explainer`` and the memo of scored groups.

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> area = StudyArea(grid_units("AB", population={"A": 15000, "B": 6000}))
    >>> s = MergerScorer(area)
    >>> s.is_feasible(["A", "B"]), round(s.group_total(["B"]), 3) < s.group_total(["A", "B"])
    (True, True)
    """

    def __init__(self, area: StudyArea, config: Config | None = None, *,
                 edges: pd.DataFrame | None = None, criteria: CriterionRegistry | None = None,
                 network: TravelNetwork | None = None, flows: SettlementFlows | None = None,
                 constraints: Sequence[Constraint] | None = None) -> None:
        cfg = config or Config()
        self.area, self.config = area, cfg
        self.criteria = criteria if criteria is not None else default_criteria()
        self.weights = self.criteria.weights(cfg.weights)
        d = self.data = UnitData(area, cfg, weights=self.weights, edges=edges, network=network,
                                 flows=flows)
        self.notes, self.units, self.ids, self.n, self.names = d.notes, d.units, d.ids, d.n, d.names
        self.population, self.th, self.locked = d.population, d.th, d.locked
        self.must_link, self.selector = d.must_link, d.selector
        self.user_constraints, self.constraints = checker_with(d, cfg, constraints)
        self.seats = SeatPart(d)
        self.evaluator = Evaluator(d, self.criteria, self.weights, self.constraints)
        self.explainer = Explainer(d, self.weights, self.constraints, self.seats)
        self._cache = GroupMemo(MAX_CACHED_GROUPS)

    def label(self, i: int) -> str:
        """``"id (name)"`` of the unit at position ``i``.

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> MergerScorer(StudyArea(grid_units("AB"))).label(1)
        'B (B镇)'
        """
        return self.data.label(i)

    def evaluate(self, groups: Sequence[Sequence[str]],
                 seats: Sequence[str | None] | None = None,
                 labels: Sequence[str] | None = None) -> Evaluation:
        """Everything the scorer computes for ``groups`` (seats a plan names, checked).

        ``labels`` name the groups in the error for a seat that cannot be theirs.

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> MergerScorer(StudyArea(grid_units("AB"))).evaluate([["A", "B"]]).binding.tolist()
        ['']
        """
        ptr, mem = self.data.positions(groups)
        forced = None if seats is None else self.seats.forced(seats, ptr, mem, labels)
        return self.evaluator.evaluate(ptr, mem, forced)

    def batch(self, groups: Sequence[Sequence[str]]) -> GroupBatch:
        """The figures of ``groups`` as a criterion function sees them.

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> s = MergerScorer(StudyArea(grid_units("AB", population={"A": 1, "B": 2})))
        >>> s.batch([["B", "A"]]).members
        (('A', 'B'),)
        """
        return self.evaluate(groups).batch

    def score_groups(self, groups: Sequence[Sequence[str]]) -> pd.DataFrame:
        """Score arbitrary groups of current units (fast path: no reason sentences).

        Parameters
        ----------
        groups : sequence of sequence of str
            Each group is a list of current unit ids (one id: the unit as it
            is). Members are reported sorted.

        Returns
        -------
        DataFrame
            One row per group, in the given order: ``members`` (tuple of
            ids), ``n_members``, ``seat`` (settlement id or None),
            ``population``, ``area_km2``, ``floor`` and ``below_floor``
            (:mod:`townmerge.score.rules`), ``polsby_popper``, one column per criterion,
            ``total``, ``feasible``, ``binding`` (the first failing hard
            constraint, "" when feasible) and ``band``.

        Raises
        ------
        InputError
            For empty groups, unknown ids, or a unit listed twice in a group.

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> s = MergerScorer(StudyArea(grid_units("AB", population={"A": 1, "B": 2})))
        >>> s.score_groups([["A"], ["A", "B"]])["efficiency"].tolist()
        [0.0, 0.3333333333333333]
        """
        return self.explainer.table(self._score(groups))

    def _score(self, groups: Sequence[Sequence[str]]) -> Evaluation:
        ptr, mem = self.data.positions(groups)
        ev = self.evaluator.evaluate(ptr, mem)
        self._cache.store(group_keys(ptr, mem), ev.total, ev.feasible)
        return ev

    def score_arrays(self, groups: Sequence[Sequence[str]]) -> tuple[FloatArray, BoolArray]:
        """Totals and feasibility of many groups at once, as arrays (fills the cache).

        The generators' batch path: the same figures as :meth:`score_groups`
        without building a table.

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> s = MergerScorer(StudyArea(grid_units("ABC", population={"A": 1, "B": 2, "C": 3})))
        >>> totals, feasible = s.score_arrays([["A"], ["A", "C"]])
        >>> feasible.tolist()
        [True, False]
        """
        ev = self._score(groups)
        return np.asarray(ev.total, dtype=float), np.asarray(ev.feasible, dtype=bool)

    def constraint_failures(self, groups: Sequence[Sequence[str]]) -> pd.DataFrame:
        """Each hard constraint each group fails, each judged on its own (not only the first).

        One row per group: a bool column per hard constraint (True: it fails),
        and the figures the limits are judged on (see
        :meth:`townmerge.score.constraints.ConstraintChecker.failure_table`).

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> s = MergerScorer(StudyArea(grid_units("AB", cell=20_000.0)))
        >>> s.constraint_failures([["A", "B"]])[["area", "size", "area_km2"]]
           area   size  area_km2
        0  True  False     800.0
        """
        ev = self.evaluate(groups)
        return self.constraints.failure_table(ev.fails, ev.batch)

    def _cached(self, members: Sequence[str]) -> tuple[float, bool]:
        ptr, mem = self.data.positions([members])
        key = tuple(mem.tolist())
        if (hit := self._cache.get(key)) is None:
            ev = self.evaluator.evaluate(ptr, mem)
            hit = (float(ev.total[0]), bool(ev.feasible[0]))
            self._cache.put(key, *hit)
        return hit

    def group_total(self, members: Sequence[str]) -> float:
        """Weighted total of one group in [0, 1] (cached); infeasible groups get theirs too.

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> s = MergerScorer(StudyArea(grid_units("AB", population={"A": 1, "B": 2})))
        >>> 0 <= s.group_total(["A", "B"]) <= 1
        True
        """
        return self._cached(members)[0]

    def is_feasible(self, members: Sequence[str]) -> bool:
        """Whether the group meets every hard constraint (cached).

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> s = MergerScorer(StudyArea(grid_units("ABC", population={"A": 1, "B": 2, "C": 3})))
        >>> s.is_feasible(["A"]), s.is_feasible(["A", "C"])
        (True, False)
        """
        return self._cached(members)[1]

    def totals(self, groups: Sequence[Sequence[str]]) -> FloatArray:
        """Totals of many groups at once (also fills the cache).

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> s = MergerScorer(StudyArea(grid_units("AB", population={"A": 1, "B": 2})))
        >>> s.totals([["A"], ["B"]]).shape
        (2,)
        """
        return self.score_arrays(groups)[0]

    def candidates(self, plan: Plan | None = None, *,
                   kind: Literal["auto", "pairs"] = "auto") -> pd.DataFrame:
        """Candidate mergers: adjacent pairs, and groups around units that must merge.

        ``members``, ``units`` and ``trigger`` of every candidate; see
        :func:`townmerge.score.candidates.candidate_groups` (``plan``: build
        them from the plan's new units; ``kind="pairs"``: pairs only).

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> s = MergerScorer(StudyArea(grid_units("ABC", population={"A": 1, "B": 2,
        ...                                                             "C": 50000})))
        >>> s.candidates()["members"].tolist()
        [('A', 'B'), ('B', 'C'), ('A', 'B', 'C')]
        """
        return candidate_groups(self.data, plan, kind=kind)

    def breaches(self, groups: Sequence[Sequence[str]],
                 seats: Sequence[str | None] | None = None,
                 ) -> list[tuple[int, str, float, float, str, str]]:
        """Every hard constraint each group breaks, not only the first.

        Parameters
        ----------
        groups : sequence of sequence of str
            Groups of current unit ids (one id: a unit that stays).
        seats : sequence of (str or None), optional
            The seat settlement of each group (None: chosen); a seat that is
            not a settlement or lies outside its group is a breach of rule
            ``"seat"`` (and the group is then judged with a chosen seat).

        Returns
        -------
        list of (int, str, float, float, str, str)
            ``(group, rule, figure, limit, English, Chinese)``
            (:meth:`townmerge.score.constraints.ConstraintChecker.breaches`).

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> s = MergerScorer(StudyArea(grid_units("ABC", locked={"A": True})))
        >>> [(g, rule) for g, rule, *_ in s.breaches([["A", "B"], ["C"]])]
        [(0, 'locked')]
        """
        ptr, mem = self.data.positions(groups)
        forced, faults = (None, []) if seats is None else self.seats.faults(seats, ptr, mem)
        ev = self.evaluator.evaluate(ptr, mem, forced)
        return self.constraints.breaches(ev.fails, ev.batch, ev.seats, faults)

    def explain(self, groups: Sequence[Sequence[str]], *,
                villages: gpd.GeoDataFrame | None = None,
                seats: Sequence[str | None] | None = None) -> pd.DataFrame:
        """Score groups with every explanation: names, seat, figures, binding detail, reasons.

        Parameters
        ----------
        groups : sequence of sequence of str
            Groups of current unit ids.
        villages : GeoDataFrame, optional
            Village polygons: a seat move (驻地迁移) is judged by villages.
        seats : sequence of (str or None), optional
            The seat settlement of each group (None: chosen); a given seat is
            scored as it is, even where another would score higher.

        Returns
        -------
        DataFrame
            The columns of :meth:`score_groups` plus the explanations
            (:meth:`townmerge.score.explain.Explainer.explain`).

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> s = MergerScorer(StudyArea(grid_units("AB", population={"A": 9000, "B": 6000})))
        >>> s.explain([["A", "B"]])["reason_en"][0]
        'Population 15,000 (floor 20,000); compactness 0.89.'
        """
        return self.explainer.explain(self.evaluate(groups, seats), villages)


def scorer_for(area: StudyArea, config: Config | None = None, scorer: MergerScorer | None = None,
               criteria: CriterionRegistry | None = None,
               edges: pd.DataFrame | None = None) -> MergerScorer:
    """The scorer to use for ``area``: the one given, else the area's scorer for the settings.

    Without ``criteria`` or ``edges``, the scorer of ``area`` under ``config`` is built
    once and kept on the area (beside :func:`townmerge.graph.derived.derived`), so that
    every step (generating, checking, scoring, the report) shares it and its memo of
    scored groups.

    Raises
    ------
    InputError
        When both a scorer and settings are given, or the scorer was built for
        another study area.

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> area = StudyArea(grid_units("AB"))
    >>> s = MergerScorer(area)
    >>> scorer_for(area, scorer=s) is s, scorer_for(area) is scorer_for(area)
    (True, True)
    """
    if scorer is not None:
        if config is not None or criteria is not None or edges is not None:
            raise InputError("Give either a scorer or config / criteria / edges: a scorer "
                             "already has its own.")
        if scorer.area is not area:
            raise InputError("The scorer was built for another study area; build "
                             "MergerScorer(area, ...) for this one.")
        return scorer
    if criteria is None and edges is None:
        cfg = config or Config()
        built: list[MergerScorer] = []

        def build() -> MergerScorer:
            built.append(MergerScorer(area, cfg))
            return built[0]

        shared = area.memo(("MergerScorer", repr(cfg)), build)
        if not built and not area.has_population:  # every step says what is off, not only the first
            population_rules_off(["scale", "balance", "floor"], stacklevel=3)
        return shared
    return MergerScorer(area, config, edges=edges, criteria=criteria)


def score_mergers(
    area: StudyArea,
    plan: Plan | None = None,
    config: Config | None = None,
    *,
    criteria: CriterionRegistry | None = None,
    edges: pd.DataFrame | None = None,
    scorer: MergerScorer | None = None,
    candidates: Literal["auto", "pairs"] = "auto",
    villages: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Score every candidate merger, the way a county planner reasons about them.

    Parameters
    ----------
    area : StudyArea
    plan : Plan, optional
        Build candidates from the plan's new units instead of the current
        units (``members`` are then new unit ids; ``units`` the current ones).
    config : Config, optional
    criteria : CriterionRegistry, optional
        Default :func:`townmerge.score.criteria.default_criteria`; user criteria
        appear as columns and count in the total.
    edges : DataFrame, optional
        Adjacency edge table (default: rook adjacency).
    scorer : MergerScorer, optional
        Reuse a scorer built for ``area`` (then ``config``, ``criteria`` and
        ``edges`` are the scorer's).
    candidates : {"auto", "pairs"}, default "auto"
        See :meth:`MergerScorer.candidates`.
    villages : GeoDataFrame, optional
        Village polygons, to judge seat moves by villages.

    Returns
    -------
    DataFrame
        One row per candidate, best total first: ``members``,
        ``member_names``, ``units``, ``trigger``, ``n_members``, ``seat``,
        ``seat_name``, ``seat_unit``, ``seat_moved``, ``population``,
        ``area_km2``, ``mean_minutes``, ``max_minutes``, each criterion,
        ``total`` (``Σ w·S / Σ w`` over the criteria with data), ``feasible``,
        ``binding`` (first failing hard constraint) with
        ``binding_detail`` / ``binding_detail_zh`` (its figures), ``band``
        (recommend / review / reject; infeasible rows are rejected),
        ``band_zh``, ``missing``, ``reason_zh``, ``reason_en``.
        ``attrs["notes"]`` / ``attrs["notes_zh"]`` say which data were
        missing and where flows come from; ``attrs["weights"]`` the weights.

    Examples
    --------
    >>> from townmerge.datasets.synthetic import sample_county
    >>> c = sample_county()
    >>> area = StudyArea(c.units, c.settlements, c.flows, c.roads)
    >>> table = score_mergers(area)
    >>> len(table) > 100, sorted(table["band"].unique())
    (True, ['recommend', 'reject', 'review'])
    >>> row = table[table["members"] == ("511025115", "511025116")].iloc[0]
    >>> import textwrap
    >>> print(textwrap.fill(row["reason_zh"], 40))
    安坝镇 38% 的人口流出流向小冲镇；合并后驻地（小冲社区）平均可达 6 分钟；合并后人口
    2.77万（下限 2.49万）。
    >>> print(textwrap.fill(row["reason_en"], 80))
    38% of 安坝镇's outbound population flow goes to 小冲镇; the merged seat (小冲社区)
    is 6 minutes away on average; population 27,681 (floor 24,923).
    >>> locked = table[table["members"] == ("511025105", "511025209")].iloc[0]
    >>> bool(locked["feasible"]), locked["binding"], locked["band"]
    (False, 'locked', 'reject')
    >>> print(locked["binding_detail"])
    locked: 511025209 (松和藏族乡) is locked (民族乡 or user lock) and may not merge (H7)
    """
    sc = scorer_for(area, config, scorer, criteria, edges)
    cand = sc.candidates(plan, kind=candidates)
    table = sc.explain(list(cand["units"]), villages=villages)
    if plan is not None:
        names = [tuple(new_unit_name(area, plan, m) for m in mem) for mem in cand["members"]]
        table["member_names"] = names
    table["members"] = list(cand["members"])
    table.insert(2, "units", list(cand["units"]))
    table.insert(3, "trigger", list(cand["trigger"]))
    order = np.lexsort((np.array(["+".join(m) for m in table["members"]], dtype=object),
                        -table["total"].to_numpy()))
    out = table.iloc[order].reset_index(drop=True)
    out.attrs = dict(table.attrs)
    return out


def new_unit_name(area: StudyArea, plan: Plan, new: str) -> str:
    """The name of a plan's new unit.

    The plan's name, else that of the member whose id it keeps, else that of
    its most populous member.

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> area = StudyArea(grid_units("AB", population={"A": 1, "B": 2}))
    >>> new_unit_name(area, Plan.from_groups({"X": ["A", "B"]}), "X")
    'B镇'
    """
    if new in plan.names:
        return str(plan.names[new])
    units = area.units
    members = plan.members(new)
    if new in members:
        return str(units.at[new, "name"])
    pop = units.loc[list(members), "population"]
    core = pop.idxmax() if pop.notna().any() else members[0]
    return str(units.at[core, "name"])
