r"""The built-in soft criteria of a candidate merger (domain notes §5.3), one function each.

Each maps a :class:`~townmerge.score.batch.GroupBatch` to one value per group
in [0, 1], higher meaning a better merger, or NaN where it has no data; each
docstring gives its formula. :func:`townmerge.score.criteria.default_criteria`
registers them with their default weights and labels.

Examples
--------
>>> from townmerge.testing.examples import example_batch
>>> efficiency(example_batch()).tolist()
[0.0, 0.3333333333333333]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .batch import GroupBatch

__all__ = [
    "access",
    "balance",
    "cohesion",
    "compactness",
    "continuity",
    "core",
    "economic_flow",
    "efficiency",
    "population_flow",
    "risk",
    "scale",
    "traffic_flow",
]

FloatArray = npt.NDArray[np.float64]


def population_flow(batch: GroupBatch) -> FloatArray:
    r"""顺应人口流向: population flow kept inside the union.

    .. math:: S = \sum_{i \in C} P_i \frac{F_i(C)}{F_i} \Big/ \sum_{i \in C} P_i

    where :math:`F_i` is the population flow leaving member *i*'s settlements
    (to its own settlements included) and :math:`F_i(C)` the part of it that
    ends inside the union *C*; members without flow are left out. A unit that
    stays as it is scores its self-containment; merging units that exchange
    flow raises it. Observed flows, or the gravity model where none are
    given (:mod:`townmerge.graph.flows`).

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> population_flow(example_batch()).round(3).tolist()  # A alone: 80 of its 120 stay
    [0.667, 1.0]
    """
    return batch.flow_kept["population"]


def traffic_flow(batch: GroupBatch) -> FloatArray:
    r"""顺应交通流向: traffic flow kept inside the union.

    Same formula as :func:`population_flow` on traffic (vehicle) flows:
    :math:`S = \sum_i P_i F_i(C)/F_i / \sum_i P_i`.

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> traffic_flow(example_batch()).round(3).tolist()  # no traffic counts: gravity model
    [0.828, 1.0]
    """
    return batch.flow_kept["traffic"]


def economic_flow(batch: GroupBatch) -> FloatArray:
    r"""顺应经济流向: economic flow kept inside the union.

    Same formula as :func:`population_flow` on economic flows (gravity
    fallback with mass :math:`\sqrt{P \cdot G}`): :math:`S = \sum_i P_i
    F_i(C)/F_i / \sum_i P_i`.

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> economic_flow(example_batch()).round(3).tolist()
    [0.785, 1.0]
    """
    return batch.flow_kept["economic"]


def scale(batch: GroupBatch) -> FloatArray:
    r"""规模适度: trapezoid of the union's population P against its terrain.

    0 at :math:`P \le 0.5 P_{min}`, rising linearly to 1 at :math:`P_{min}`,
    1 up to :math:`P_{max}`, falling linearly to 0 at :math:`1.5 P_{max}`
    (the 0.5 and 1.5 are :class:`townmerge.config.CriteriaSettings`).
    :math:`P_{min}, P_{max}` are the population-weighted means of the
    members' terrain thresholds.

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> scale(example_batch()).tolist()  # 15,000 and 24,000 against the hill floor 20,000
    [0.5, 1.0]
    """
    s = batch.settings
    p, lo, hi = batch.population, batch.p_min, batch.p_max
    with np.errstate(invalid="ignore", divide="ignore"):
        rise = (p - s.scale_zero_below * lo) / ((1 - s.scale_zero_below) * lo)
        fall = (s.scale_zero_above * hi - p) / ((s.scale_zero_above - 1) * hi)
    out: FloatArray = np.clip(np.minimum(rise, fall), 0.0, 1.0)
    return out


def access(batch: GroupBatch) -> FloatArray:
    r"""便于服务: population-weighted mean travel time :math:`\bar T` to the seat.

    .. math:: S = 1 - \mathrm{clip}\left(\frac{\bar T - T_{good}}{T_{max} - T_{good}}, 0, 1\right)

    1 when the average resident is within :math:`T_{good}` of the seat, 0 at
    :math:`T_{max}` (population-weighted terrain thresholds). Needs
    settlements.

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> access(example_batch()).tolist()
    [1.0, 1.0]
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        x = (batch.mean_minutes - batch.t_good) / (batch.t_max - batch.t_good)
    out: FloatArray = 1.0 - np.clip(x, 0.0, 1.0)
    return out


def core(batch: GroupBatch) -> FloatArray:
    r"""做强中心: the seat is strong in its county and dominant in the union.

    .. math:: S = \mathrm{pct}(Z_s) \cdot \max\left(0, \frac{Z_s - Z_{2nd}}{Z_s}\right)

    :math:`\mathrm{pct}` is the percentile of the seat's centrality among the
    seats of the county's current units (1 for the strongest), :math:`Z_{2nd}`
    the strongest other town-level node of the union (the other former seats;
    none: dominance 1). Two rival towns of equal weight score 0; a strong town
    absorbing weak townships scores high. Needs settlements.

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> core(example_batch()).round(3).tolist()  # alone, A has no rival town: 1
    [1.0, 0.83]
    """
    out: FloatArray = batch.seat_percentile * np.clip(batch.seat_dominance, 0.0, 1.0)
    return out


def compactness(batch: GroupBatch) -> FloatArray:
    r"""Compactness: Polsby–Popper of the union against the mean of its members.

    .. math:: S = \min\left(1, \frac{PP(C)}{\overline{PP}(u_i)}\right),
       \quad PP = \frac{4 \pi A}{L^2}

    with the union's perimeter :math:`L = \sum_i L_i - 2 \cdot` (border shared
    inside). A union as compact as its members scores 1; a long chain less.

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> compactness(example_batch()).round(3).tolist()  # two squares make a 2 × 1 rectangle
    [1.0, 0.889]
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = batch.polsby_popper / batch.members_polsby_popper
    out: FloatArray = np.clip(ratio, 0.0, 1.0)
    return out


def cohesion(batch: GroupBatch) -> FloatArray:
    r"""人文历史: share of the union's population in its largest cohesion label.

    :math:`S = \max_\ell \sum_{i: \ell_i = \ell} P_i / \sum_i P_i`, from the
    unit column ``CriteriaSettings.cohesion_column`` (watershed, road
    corridor, dialect, past co-administration). 1 when every member shares
    the label. No column: no data.

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> cohesion(example_batch()).tolist()  # A "east", B "west"
    [1.0, 0.625]
    """
    return batch.cohesion_share


def efficiency(batch: GroupBatch) -> FloatArray:
    r"""减量: units saved, :math:`S = (k - 1) / (k_{max} - 1)`, clipped to [0, 1].

    ``k`` is the number of current units merged, :math:`k_{max}` the
    ``Config.max_members``; a unit that stays as it is scores 0.

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> efficiency(example_batch()).round(3).tolist()
    [0.0, 0.333]
    """
    kmax = batch.max_members
    if kmax <= 1:
        return np.zeros(batch.n)
    out: FloatArray = np.clip((batch.k - 1) / (kmax - 1), 0.0, 1.0)
    return out


def balance(batch: GroupBatch) -> FloatArray:
    r"""County balance: the union should not dwarf the county's other units.

    .. math:: S = 1 - \mathrm{clip}\left(\frac{P / \tilde P - a}{b - a}, 0, 1\right)

    with :math:`\tilde P` the median population of the county's current units,
    ``a = 3`` and ``b = 6`` (``CriteriaSettings.balance_free_multiple``,
    ``balance_zero_multiple``): no penalty up to 3× the median, 0 at 6×.

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> balance(example_batch()).tolist()
    [1.0, 1.0]
    """
    s = batch.settings
    with np.errstate(invalid="ignore", divide="ignore"):
        r = batch.population / batch.county_median
        x = (r - s.balance_free_multiple) / (s.balance_zero_multiple - s.balance_free_multiple)
    out: FloatArray = 1.0 - np.clip(x, 0.0, 1.0)
    return out


def continuity(batch: GroupBatch) -> FloatArray:
    r"""点位不变: the members' former seats stay within reach of the new seat.

    .. math:: S = \sum_i P_i \left[1 - \mathrm{clip}\left(\frac{t_i - T_{good}}
       {T_{max} - T_{good}}, 0, 1\right)\right] \Big/ \sum_i P_i

    with :math:`t_i` the travel time from member *i*'s former seat to the new
    seat (0 for the member keeping its seat): the services left at a former
    seat (便民服务站) stay tied to the new seat. Needs settlements.

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> continuity(example_batch()).tolist()
    [1.0, 1.0]
    """
    return batch.former_seat_reach


def risk(batch: GroupBatch) -> FloatArray:
    r"""风险 (inverted): :math:`S = 1 - \max_i r_i`.

    :math:`r_i \in [0, 1]` is the unit column ``CriteriaSettings.risk_column``
    (disputes, ethnic mix, contested border villages): the riskiest member
    sets the risk of the merger. No column: no data.

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> risk(example_batch()).tolist()  # risks 0.1 and 0.3
    [0.9, 0.7]
    """
    out: FloatArray = 1.0 - batch.max_risk
    return out

