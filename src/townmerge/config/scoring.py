"""How a merger is scored and decided: criterion weights, decision bands, hard constraints.

:class:`Weights` weighs the soft criteria of domain notes §5.3 (named by
:data:`BUILTIN_CRITERIA`, user criteria in ``extra``), :class:`Bands` turns a weighted total
into recommend / review / reject, :class:`Constraints` says which hard constraints of §5.2 a
candidate must meet and :class:`CriteriaSettings` holds the shape parameters of the criteria.

Examples
--------
>>> Bands().band(Weights().access + 0.5)
'recommend'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import InputError

__all__ = ["BUILTIN_CRITERIA", "Bands", "Constraints", "CriteriaSettings", "Weights"]

#: Names of the built-in soft criteria, in output order (the fields of :class:`Weights`).
BUILTIN_CRITERIA = (
    "population_flow", "traffic_flow", "economic_flow", "scale", "access", "core",
    "compactness", "cohesion", "efficiency", "balance", "continuity", "risk",
)


@dataclass(frozen=True)
class Weights:
    """Weights of the soft criteria (domain notes §5.3); they sum to 1.0 by default.

    The total of a merger is ``Σ w_k S_k / Σ w_k`` over the criteria that have
    data for it: a criterion without data (NaN) is left out and the other
    weights are renormalised, and the output says so.

    Attributes
    ----------
    population_flow, traffic_flow, economic_flow : float, default 0.10 each
        顺应人口/交通/经济流向: flows kept inside the merged unit (the seed
        county's first principle; 0.30 in all).
    scale : float, default 0.15
        规模适度: population against the terrain's floor and cap.
    access : float, default 0.15
        便于服务 (条例 Art. 3): population-weighted travel time to the seat.
    core : float, default 0.10
        做强中心: the seat's centrality and dominance.
    compactness : float, default 0.05
        Polsby–Popper of the union against its members.
    cohesion : float, default 0.05
        人文历史: shared watershed, dialect, past co-administration (needs a
        unit column, see :attr:`CriteriaSettings.cohesion_column`).
    efficiency : float, default 0.05
        减量: units merged, ``(k − 1) / (k_max − 1)``.
    balance : float, default 0.05
        County balance: the union should not dwarf the county's units.
    continuity : float, default 0.05
        点位不变: former seats stay within reach of the new seat.
    risk : float, default 0.05
        风险 (inverted): needs a unit column, see
        :attr:`CriteriaSettings.risk_column`.
    extra : tuple of (str, float) pairs, default ()
        Weights of user-registered criteria, by name (in TOML: further keys
        of ``[weights]``). A user criterion not listed here keeps the weight
        it was registered with.

    Examples
    --------
    >>> w = Weights(access=0.3, extra=(("roads", 0.1),))
    >>> w.get("access"), w.get("roads"), w.get("unknown", 0.0)
    (0.3, 0.1, 0.0)
    >>> round(sum(Weights().as_dict().values()), 10)
    1.0
    """

    population_flow: float = 0.10
    traffic_flow: float = 0.10
    economic_flow: float = 0.10
    scale: float = 0.15
    access: float = 0.15
    core: float = 0.10
    compactness: float = 0.05
    cohesion: float = 0.05
    efficiency: float = 0.05
    balance: float = 0.05
    continuity: float = 0.05
    risk: float = 0.05
    extra: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        extra = tuple(sorted((str(k), float(v)) for k, v in dict(self.extra).items()))
        object.__setattr__(self, "extra", extra)
        clash = sorted(k for k, _ in extra if k in BUILTIN_CRITERIA)
        if clash:
            raise InputError(f"Weights.extra names built-in criteria {clash}; set their own "
                             "fields instead (Weights(access=0.2)).")
        bad = [k for k, v in self.as_dict().items() if not (v >= 0 and math.isfinite(v))]
        if bad:
            raise InputError(f"Weights must be finite and non-negative; got {bad} out of range.")

    def as_dict(self) -> dict[str, float]:
        """Every weight by criterion name, built-in ones first.

        Examples
        --------
        >>> list(Weights(extra=(("roads", 0.1),)).as_dict())[-2:]
        ['risk', 'roads']
        """
        out = {name: float(getattr(self, name)) for name in BUILTIN_CRITERIA}
        out.update(dict(self.extra))
        return out

    def get(self, name: str, default: float | None = None) -> float | None:
        """Weight of criterion ``name`` (``default`` when it has none here).

        Examples
        --------
        >>> Weights().get("scale"), Weights().get("roads")
        (0.15, None)
        """
        return self.as_dict().get(name, default)


@dataclass(frozen=True)
class Bands:
    """Decision bands of the weighted total (domain notes §5.3).

    Attributes
    ----------
    recommend : float, default 0.60
        Totals at or above this are recommended (建议合并).
    reject : float, default 0.40
        Totals below this are rejected (不建议); in between: review (需论证).
        Infeasible candidates are always rejected, whatever their total.

    Examples
    --------
    >>> Bands().band(0.65), Bands().band(0.5), Bands().band(0.2)
    ('recommend', 'review', 'reject')
    """

    recommend: float = 0.60
    reject: float = 0.40

    def __post_init__(self) -> None:
        if not 0.0 <= self.reject <= self.recommend <= 1.0:
            raise InputError(f"Bands need 0 ≤ reject ≤ recommend ≤ 1; got reject={self.reject}, "
                             f"recommend={self.recommend}.")

    def band(self, total: float, feasible: bool = True) -> str:
        """``"recommend"``, ``"review"`` or ``"reject"`` for one total.

        Examples
        --------
        >>> Bands().band(0.9, feasible=False)
        'reject'
        """
        if not feasible or not total >= self.reject:
            return "reject"
        return "recommend" if total >= self.recommend else "review"


@dataclass(frozen=True)
class Constraints:
    """Which hard constraints (domain notes §5.2) a candidate must meet.

    A candidate failing one is infeasible; the output names the first that
    fails, in the order of the fields below, with its figures.

    Attributes
    ----------
    locked : bool, default True
        H7: locked units (``locked`` column: 民族乡 needing their own
        procedure, user locks) and designated border towns (column
        :attr:`border_town_column`, 做实边界镇) never merge.
    must_link : bool, default True
        H8 (一地两府必须合并): a unit whose seat lies inside another unit
        must be merged with it; so must the pairs of :attr:`must_link_pairs`.
    same_parent : bool, default True
        H2: all members in the same county (``parent`` column, when given).
    contiguity : bool, default True
        H1: the union is one connected piece (virtual links count).
    size : bool, default True
        H6: at most ``Config.max_members`` current units.
    area : bool, default True
        H5: area within ``a_max_km2`` of the most lenient member terrain.
    travel_time : bool, default True
        H4: every settlement within ``t_max_min`` of the seat (most lenient
        member terrain); checked where there are settlements.
    border_town_column : str, default "border_town"
        Unit column flagging designated border towns (truthy values lock).
    must_link_pairs : tuple of (str, str), default ()
        Further pairs of unit ids that must be merged.

    Examples
    --------
    >>> Constraints(must_link_pairs=(("A", "B"),)).must_link_pairs
    (('A', 'B'),)
    """

    locked: bool = True
    must_link: bool = True
    same_parent: bool = True
    contiguity: bool = True
    size: bool = True
    area: bool = True
    travel_time: bool = True
    border_town_column: str = "border_town"
    must_link_pairs: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        pairs = tuple(tuple(str(u) for u in p) for p in self.must_link_pairs)
        bad = [p for p in pairs if len(p) != 2 or p[0] == p[1]]
        if bad:
            raise InputError(f"must_link_pairs must be pairs of two different unit ids; got {bad}.")
        object.__setattr__(self, "must_link_pairs", pairs)


@dataclass(frozen=True)
class CriteriaSettings:
    """Shape parameters of the built-in criteria (formulas in :mod:`townmerge.score.formulas`).

    Attributes
    ----------
    scale_zero_below : float, default 0.5
        S2 trapezoid: 0 at ``P ≤ 0.5·P_min``, rising to 1 at ``P_min``.
    scale_zero_above : float, default 1.5
        S2 trapezoid: 1 up to ``P_max``, falling to 0 at ``1.5·P_max``.
    balance_free_multiple : float, default 3.0
        S8: no penalty up to 3 × the median population of the county's
        current units.
    balance_zero_multiple : float, default 6.0
        S8: the balance score reaches 0 at 6 × the median.
    cohesion_column : str, default "cohesion"
        S6: unit column of a label shared by units that belong together
        (watershed, road corridor, dialect, past co-administration). Without
        it the criterion has no data.
    risk_column : str, default "risk"
        S10: unit column of a risk in [0, 1] (disputes, ethnic mix, contested
        border villages). Without it the criterion has no data.
    trigger_below_floor : bool, default True
        Candidate groups of up to ``max_members`` units are built around
        every unit below its terrain's population floor …
    trigger_must_link : bool, default True
        … and around every unit of a must-link pair (adjacent pairs are
        always candidates).

    Examples
    --------
    >>> CriteriaSettings().balance_free_multiple
    3.0
    """

    scale_zero_below: float = 0.5
    scale_zero_above: float = 1.5
    balance_free_multiple: float = 3.0
    balance_zero_multiple: float = 6.0
    cohesion_column: str = "cohesion"
    risk_column: str = "risk"
    trigger_below_floor: bool = True
    trigger_must_link: bool = True

    def __post_init__(self) -> None:
        if not 0 <= self.scale_zero_below < 1 < self.scale_zero_above:
            raise InputError("CriteriaSettings needs 0 ≤ scale_zero_below < 1 < "
                             f"scale_zero_above; got {self.scale_zero_below}, "
                             f"{self.scale_zero_above}.")
        if not 0 < self.balance_free_multiple < self.balance_zero_multiple:
            raise InputError("CriteriaSettings needs 0 < balance_free_multiple < "
                             f"balance_zero_multiple; got {self.balance_free_multiple}, "
                             f"{self.balance_zero_multiple}.")
