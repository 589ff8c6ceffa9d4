"""The rules every layer shares: a group's population floor, Polsby–Popper, a union's shape.

Each rule is defined once, here, and the scorer, the figure model, the
generators and the reports call it, so that they agree on every group,
including the degenerate ones:

- a group's **population floor** is the population-weighted mean of its
  members' terrain floors; a group with no population at all takes the plain
  mean of its members' floors (it is then below any positive floor);
- a group is **below its floor** when its population is less than the floor;
  an unknown (NaN) population is never below (nothing is known);
- **Polsby–Popper** is ``4πA / P²``; a shape with no perimeter (an empty
  geometry, area 0) counts as 0, the least compact, so that means and bounds
  stay defined;
- a **union's area** is the sum of its members' areas and its **perimeter**
  the sum of their perimeters less twice the border they share.

Examples
--------
>>> import numpy as np
>>> group_floor(np.array([0.0, 0.0]), np.array([30000.0, 20000.0])).tolist()
[25000.0]
>>> below_floor(np.array([0.0, 25000.0, np.nan]), np.array([25000.0, 25000.0, 1.0])).tolist()
[True, False, False]
>>> polsby_popper(np.array([1.0, 0.0]), np.array([4.0, 0.0])).round(4).tolist()
[0.7854, 0.0]
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ..errors import MissingDataWarning

__all__ = ["POPULATION_RULES", "below_floor", "group_floor", "polsby_popper",
           "population_rules_off", "population_rules_text", "union_area_perimeter"]

#: Every rule that needs unit population, with its name in Chinese and English.
POPULATION_RULES: dict[str, tuple[str, str]] = {
    "floor": ("人口下限（低于下限的单元优先合并；无目标数时的合并终点）",
              "the population floor (units below it merge first; without a target, "
              "merging stops when every unit meets it)"),
    "scale": ("规模适度", "the scale criterion"),
    "balance": ("县域均衡", "the county balance criterion"),
    "flow_rule_order": ("顺应流向规则的合并次序（人口÷下限最小者先并）",
                        "the flow rule's order (the unit furthest below its floor merges "
                        "first); units are taken in id order instead"),
}

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def group_floor(population: npt.ArrayLike, floor: npt.ArrayLike,
                group: npt.ArrayLike | None = None, n_groups: int | None = None) -> FloatArray:
    """Population floor of each group: the population-weighted mean of its members' floors.

    Parameters
    ----------
    population, floor : array_like
        Population and terrain floor of each member (one entry per member of
        every group). A NaN population weighs nothing.
    group : array_like of int, optional
        Group of each member, ``0 … n_groups - 1`` (default: one group).
    n_groups : int, optional
        Number of groups (default: ``max(group) + 1``).

    Returns
    -------
    ndarray
        The floor of each group. A group whose members have no population
        (all 0 or NaN) takes the plain mean of their floors.

    Examples
    --------
    >>> group_floor([10000, 30000], [30000, 20000]).tolist()  # (1e4·3e4 + 3e4·2e4) / 4e4
    [22500.0]
    >>> group_floor([0, 0, 5, 0], [30000, 20000, 20000, 8000], group=[0, 0, 1, 1]).tolist()
    [25000.0, 20000.0]
    """
    p = np.asarray(population, dtype=float)
    f = np.asarray(floor, dtype=float)
    g = (np.zeros(p.size, dtype=np.int64) if group is None
         else np.asarray(group, dtype=np.int64))
    ng = int(n_groups if n_groups is not None else (g.max() + 1 if g.size else 0))
    w = np.where(np.isfinite(p) & (p > 0), p, 0.0)
    wsum = np.bincount(g, w, minlength=ng)
    count = np.bincount(g, minlength=ng)
    with np.errstate(invalid="ignore", divide="ignore"):
        weighted = np.bincount(g, w * f, minlength=ng) / wsum
        plain = np.bincount(g, f, minlength=ng) / count
    out: FloatArray = np.where(wsum > 0, weighted, plain)
    return out


def below_floor(population: npt.ArrayLike, floor: npt.ArrayLike) -> BoolArray:
    """Whether each group's population is under its floor (an unknown population never is).

    Examples
    --------
    >>> below_floor([0, 19999, 20000, float("nan")], [20000, 20000, 20000, 20000]).tolist()
    [True, True, False, False]
    """
    p = np.asarray(population, dtype=float)
    f = np.asarray(floor, dtype=float)
    out: BoolArray = np.isfinite(p) & (p < f)
    return out


def polsby_popper(area: npt.ArrayLike, perimeter: npt.ArrayLike) -> FloatArray:
    r"""Polsby–Popper compactness :math:`4 \pi A / P^2`; 0 where the perimeter is not positive.

    Examples
    --------
    >>> polsby_popper([1e6, 2e6], [4e3, 6e3]).round(4).tolist()  # a square, a 2 × 1 rectangle
    [0.7854, 0.6981]
    >>> polsby_popper([0.0], [0.0]).tolist()
    [0.0]
    """
    a = np.asarray(area, dtype=float)
    p = np.asarray(perimeter, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = np.where(p > 0, 4 * np.pi * a / np.where(p > 0, p, 1.0) ** 2, 0.0)
    return out


def union_area_perimeter(ptr: npt.ArrayLike, members: npt.ArrayLike, area: npt.ArrayLike,
                         perimeter: npt.ArrayLike, edge_keys: npt.ArrayLike,
                         edge_border: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Area and perimeter of each union of units, from per-unit values and shared borders.

    Parameters
    ----------
    ptr, members : array_like of int
        Groups in CSR form: the members of group ``g`` are
        ``members[ptr[g]:ptr[g + 1]]`` (unit positions ``0 … n - 1``).
    area, perimeter : array_like
        Area and perimeter of each of the ``n`` units.
    edge_keys, edge_border : array_like
        Sorted keys ``min(a, b) * n + max(a, b)`` of neighbouring units and the
        border they share (:func:`townmerge.graph.adjacency.border_keys`).

    Returns
    -------
    area, perimeter : ndarray
        Of each union: the members' areas summed, and their perimeters summed
        less twice the border shared between members.

    Examples
    --------
    >>> # units 0 | 1 | 2 in a row of unit squares; groups {0, 1} and {0, 2}
    >>> a, p = union_area_perimeter([0, 2, 4], [0, 1, 0, 2], [1, 1, 1], [4, 4, 4],
    ...                             [0 * 3 + 1, 1 * 3 + 2], [1.0, 1.0])
    >>> a.tolist(), p.tolist()
    ([2.0, 2.0], [6.0, 8.0])
    """
    ptr_a = np.asarray(ptr, dtype=np.int64)
    mem = np.asarray(members, dtype=np.int64)
    a = np.asarray(area, dtype=float)
    per = np.asarray(perimeter, dtype=float)
    keys = np.asarray(edge_keys, dtype=np.int64)
    border = np.asarray(edge_border, dtype=float)
    n = a.size
    ng = ptr_a.size - 1
    k = np.diff(ptr_a)
    g_of = np.repeat(np.arange(ng, dtype=np.int64), k)
    area_u = np.bincount(g_of, a[mem], minlength=ng).astype(float)
    perim = np.bincount(g_of, per[mem], minlength=ng).astype(float)
    # every ordered pair (e1, e2) of entries of the same group; keep e1 < e2
    e1 = np.repeat(np.arange(mem.size, dtype=np.int64), k[g_of])
    starts = np.repeat(ptr_a[:-1], k)
    lens = np.repeat(k, k)
    e2 = np.repeat(starts - np.r_[0, np.cumsum(lens)[:-1]], lens) + np.arange(int(lens.sum()))
    up = e1 < e2
    u1, u2 = mem[e1[up]], mem[e2[up]]
    pair = np.minimum(u1, u2) * n + np.maximum(u1, u2)
    if keys.size and pair.size:
        at = np.searchsorted(keys, pair).clip(0, keys.size - 1)
        shared = np.where(keys[at] == pair, border[at], 0.0)
        perim -= 2 * np.bincount(g_of[e1[up]], shared, minlength=ng)
    return area_u, perim


def population_rules_off(rules: Sequence[str], *, stacklevel: int = 2) -> None:
    """Warn that the named rules are switched off because the area has no population.

    The one message every step (scorer, generators, command line) gives for a
    study area without population.

    Parameters
    ----------
    rules : sequence of str
        Keys of :data:`POPULATION_RULES`.
    stacklevel : int, default 2
        Passed to :func:`warnings.warn`.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     population_rules_off(["scale"])
    >>> print(w[0].message)  # doctest: +ELLIPSIS
    Some units have no population, so the rules that need it are switched off: the scale ...
    """
    en, zh = population_rules_text(rules)
    warnings.warn(f"{en} {zh}", MissingDataWarning, stacklevel=stacklevel + 1)


def population_rules_text(rules: Sequence[str]) -> tuple[str, str]:
    """The sentence saying the named population rules are off, and what to add (en, zh).

    Examples
    --------
    >>> en, zh = population_rules_text(["scale"])
    >>> zh
    '部分单元无人口数据，以下规则不适用：规模适度。'
    >>> en.split(":")[0]
    'Some units have no population, so the rules that need it are switched off'
    """
    zh = "、".join(POPULATION_RULES[r][0] for r in rules)
    en = "; ".join(POPULATION_RULES[r][1] for r in rules)
    return (f"Some units have no population, so the rules that need it are switched off: {en}. "
            "Give a population column (population=..., --population COLUMN) or settlements "
            "with population to use them.", f"部分单元无人口数据，以下规则不适用：{zh}。")
