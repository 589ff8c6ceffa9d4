"""Checks of the settlements against the units: their points, their units, the seats.

Settlements must be points (:func:`settlement_geometry_problems`) lying in the unit their
``unit`` column names (:func:`locate_settlements`, :func:`settlement_unit_problems`); a
unit's ``seat`` must be a settlement (:func:`unknown_seat_problems`, also made by
:class:`townmerge.score.seats.SeatSelector`), and one lying in another unit (一地两府) must
be able to merge with it (:func:`seat_problems`).

Examples
--------
>>> import pandas as pd
>>> units = pd.DataFrame({"name": ["甲镇"], "seat": ["S9"]}, index=["A"])
>>> [p.code for p in unknown_seat_problems(units, ["S1"])]
['unknown-seat']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..config import Config
from ..errors import format_ids
from .check_units import Tolerances, UnitTopology
from .columns import flag_values
from .features import POINT, FeatureRows, as_ident, geometry_array, missing_geometry, type_names
from .problems import Problem, and_list, are, distance_text, plural

__all__ = [
    "Located",
    "locate_settlements",
    "seat_problems",
    "settlement_geometry_problems",
    "settlement_unit_problems",
    "unknown_seat_problems",
]


def settlement_geometry_problems(settlements: gpd.GeoDataFrame, rows: FeatureRows) -> list[Problem]:
    """Errors for settlements with no location or not a point.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point, box
    >>> st = gpd.GeoDataFrame(geometry=[Point(0, 0), box(0, 0, 1, 1)], index=["s1", "s2"])
    >>> settlement_geometry_problems(st, FeatureRows.of(st, "settlement"))[0].ids
    ('s2',)
    """
    out: list[Problem] = []
    geoms = geometry_array(settlements)
    empty = missing_geometry(geoms)
    types = type_names(geoms)
    if empty.any():
        labels, ids = rows.pick(np.flatnonzero(empty))
        out.append(Problem(
            "error", "empty-geometry", "settlements",
            f"{plural(len(labels), 'settlement')} {'has' if len(labels) == 1 else 'have'} no "
            f"location (empty or missing geometry): {format_ids(labels)}. Give every "
            "settlement its point (the village committee or community seat).",
            ids))
    wrong = ~empty & (types != POINT)
    if wrong.any():
        pos = np.flatnonzero(wrong)
        labels = [f"{rows.labels[i]} is a {types[i]}" for i in pos]
        _, ids = rows.pick(pos)
        out.append(Problem(
            "error", "not-point", "settlements",
            f"{plural(len(pos), 'settlement')} {are(len(pos))} not points: "
            f"{format_ids(labels)}. Settlements are located by one point each: use the "
            "village seat, or the polygon's representative point "
            "(gdf.geometry.representative_point()).",
            ids))
    return out


@dataclass(frozen=True)
class Located:
    """Which units each settlement lies in (positions), by settlement position."""

    within: tuple[tuple[int, ...], ...]
    usable: np.ndarray  # settlements with a usable point
    nearest: dict[int, tuple[int, float]]  # outside settlements: nearest unit, distance


def locate_settlements(points: np.ndarray, topo: UnitTopology, tol: Tolerances) -> Located:
    """Which units each settlement point lies in, and the nearest unit of those outside.

    A point on a unit's border (within the sliver tolerance) lies in that unit.

    Examples
    --------
    >>> import numpy as np
    >>> from shapely import Point, box
    >>> topo = UnitTopology.build(np.array([box(0, 0, 10, 10), box(10, 0, 20, 10)], dtype=object))
    >>> where = locate_settlements(np.array([Point(15, 5), Point(50, 5)], dtype=object), topo,
    ...                            Tolerances(1.0, 1.0, 1.0))
    >>> where.within, where.nearest[1]
    (((1,), ()), (1, 30.0))
    """
    pts = np.array(points, dtype=object)
    ok = (type_names(pts) == POINT) & ~missing_geometry(pts)
    pts[~ok] = None
    p_idx, u_idx = topo.tree.query(pts, predicate="intersects")
    within: list[list[int]] = [[] for _ in range(len(pts))]
    for p, u in zip(p_idx.tolist(), u_idx.tolist(), strict=True):
        within[p].append(u)
    outside = [i for i in np.flatnonzero(ok) if not within[i]]
    nearest: dict[int, tuple[int, float]] = {}
    if outside and len(topo.usable):
        q_idx, t_idx = topo.tree.query_nearest(pts[outside], all_matches=False)
        dist = shapely.distance(pts[outside][q_idx], topo.geoms[t_idx])
        for q, t, d in zip(q_idx.tolist(), t_idx.tolist(), dist.tolist(), strict=True):
            i = outside[q]
            if d <= tol.sliver_width_m:
                within[i].append(int(t))  # on the border, within tolerance
            else:
                nearest[i] = (int(t), float(d))
    return Located(tuple(tuple(w) for w in within), np.flatnonzero(ok), nearest)


def settlement_unit_problems(
    settlements: pd.DataFrame, srows: FeatureRows, urows: FeatureRows, located: Located | None
) -> list[Problem]:
    """Settlements in no unit or in the wrong one (errors); units without any (warnings).

    Errors: a ``unit`` that is not a unit id, a point outside every unit, a point in another
    unit than the ``unit`` column names. Warning: units holding no settlement.

    ``located`` is None when the settlements could not be placed in the units.

    Examples
    --------
    >>> import pandas as pd
    >>> st = pd.DataFrame({"unit": ["Z"]}, index=["s1"])
    >>> units = pd.DataFrame(index=["A"])
    >>> p = settlement_unit_problems(st, FeatureRows.of(st, "settlement"),
    ...                              FeatureRows.of(units, "unit"), None)[0]
    >>> p.code, p.ids
    ('unknown-unit', ('s1',))
    """
    out: list[Problem] = []
    unit_label = {i: urows.labels[k] for k, i in reversed(list(enumerate(urows.ids)))
                  if i is not None}
    named: list[str | None] = (
        [as_ident(v) for v in settlements["unit"]] if "unit" in settlements.columns
        else [None] * len(srows))

    unknown = [i for i, u in enumerate(named) if u is not None and u not in unit_label]
    if unknown:
        labels = [f"{srows.labels[i]} names unit {named[i]}" for i in unknown]
        _, ids = srows.pick(unknown)
        out.append(Problem(
            "error", "unknown-unit", "settlements",
            f"{plural(len(unknown), 'settlement')} {'names' if len(unknown) == 1 else 'name'} "
            f"a unit that is not in the units layer: {format_ids(labels)}. The unit column "
            "must hold unit ids: correct it (ids lost their leading zeros? read as numbers?), "
            "or leave it empty to locate the settlement by its point.",
            ids))

    if located is None:
        return out
    outside = [i for i in located.usable.tolist() if not located.within[i]]
    if outside:
        labels = []
        for i in outside:
            near = located.nearest.get(i)
            where = (f", {distance_text(near[1])} from {urows.labels[near[0]]}"
                     if near is not None else "")
            labels.append(srows.labels[i] + where)
        _, ids = srows.pick(outside)
        out.append(Problem(
            "error", "settlement-outside", "settlements",
            f"{plural(len(outside), 'settlement')} {'lies' if len(outside) == 1 else 'lie'} "
            f"outside every unit: {format_ids(labels)}. Every settlement must lie in a unit "
            "of the study area: check its coordinates (longitude and latitude swapped? wrong "
            "CRS?), add the missing unit, or remove settlements outside the study area.",
            ids))

    wrong = []
    for i in located.usable.tolist():
        want = named[i]
        if want is None or want not in unit_label or not located.within[i]:
            continue
        actual_ids = {urows.ids[u] for u in located.within[i]}
        if want not in actual_ids:
            actual = and_list(urows.labels[u] for u in located.within[i])
            wrong.append((i, f"{srows.labels[i]} is listed in {unit_label[want]} but lies in "
                             f"{actual}"))
    if wrong:
        _, ids = srows.pick(i for i, _ in wrong)
        n = len(wrong)
        out.append(Problem(
            "error", "settlement-wrong-unit", "settlements",
            f"{plural(n, 'settlement')} {'lies' if n == 1 else 'lie'} in another unit than "
            f"the one {'its' if n == 1 else 'their'} unit column names: "
            f"{format_ids([w for _, w in wrong])}. Correct the unit column or the "
            "coordinates, or leave the unit empty to locate the settlement by its point.",
            ids))

    # Units without any settlement (located by point or named in the unit column).
    has = np.zeros(len(urows), dtype=bool)
    for w in located.within:
        has[list(w)] = True
    named_units = {u for u in named if u is not None}
    lonely = [k for k in range(len(urows))
              if not has[k] and (urows.ids[k] is None or urows.ids[k] not in named_units)]
    if lonely:
        labels, ids = urows.pick(lonely)
        out.append(Problem(
            "warning", "no-settlement", "units",
            f"{plural(len(lonely), 'unit')} {'has' if len(lonely) == 1 else 'have'} no "
            f"settlement: {format_ids(labels)}. Each unit should hold at least its seat: "
            "add the missing villages or communities, or check their coordinates.",
            ids, figures={"count": len(lonely)}))
    return out


def unknown_seat_problems(units: pd.DataFrame, settlement_ids: Iterable[str]) -> list[Problem]:
    """An error for every unit whose ``seat`` is not a settlement id.

    The one check of the seat column, made by :func:`~townmerge.data.validation.check_layers` and by
    :class:`townmerge.score.seats.SeatSelector`.

    Parameters
    ----------
    units : DataFrame
        Normalised units (index ``unit_id``; ``name``, ``seat`` columns).
    settlement_ids : iterable of str

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"name": ["甲镇"], "seat": ["S9"]}, index=["A"])
    >>> print(unknown_seat_problems(units, ["S1"])[0])  # doctest: +ELLIPSIS
    [error] units: 1 unit names a seat that is not in the settlements layer: A (甲镇) names S9. ...
    """
    if "seat" not in units.columns:
        return []
    known = set(settlement_ids)
    rows = FeatureRows.of(units, "unit")
    bad = [(k, s) for k, s in enumerate(as_ident(v) for v in units["seat"])
           if s is not None and s not in known]
    if not bad:
        return []
    _, ids = rows.pick(k for k, _ in bad)
    n = len(bad)
    return [Problem(
        "error", "unknown-seat", "units",
        f"{plural(n, 'unit')} {'names' if n == 1 else 'name'} a seat that is not in the "
        f"settlements layer: {format_ids([f'{rows.labels[k]} names {s}' for k, s in bad])}. "
        "A seat (驻地) is the id of a settlement: correct it (leading zeros lost? read as a "
        "number?), or leave it empty to take the unit's strongest town-level settlement.",
        ids, figures={"count": n})]


def seat_problems(
    units: pd.DataFrame, urows: FeatureRows, settlements: pd.DataFrame, srows: FeatureRows,
    located: Located | None, cfg: Config, topo: UnitTopology | None,
) -> list[Problem]:
    """A warning for seats in another unit (一地两府); an error when the merger is impossible.

    Such a unit must merge with the unit its seat lies in (must-link); locked units, other
    counties or too many borders between them make that impossible.

    Examples
    --------
    >>> import pandas as pd
    >>> from townmerge.config import Config
    >>> units = pd.DataFrame({"seat": ["s1", "s1"]}, index=["A", "B"])
    >>> st = pd.DataFrame({"unit": ["A"]}, index=["s1"])
    >>> [p.code for p in seat_problems(units, FeatureRows.of(units, "unit"), st,
    ...                                FeatureRows.of(st, "settlement"), None, Config(), None)]
    ['bad-seat']
    """
    if "seat" not in units.columns:
        return []
    where: dict[str, tuple[int, set[str]]] = {}
    named = ([as_ident(v) for v in settlements["unit"]] if "unit" in settlements.columns
             else [None] * len(srows))
    for i, sid in enumerate(srows.ids):
        if sid is None or sid in where:
            continue
        homes: set[str] = set()
        if named[i] is not None:
            homes = {named[i]}  # type: ignore[arg-type]
        elif located is not None:
            homes = {u for u in (urows.ids[k] for k in located.within[i]) if u is not None}
        where[sid] = (i, homes)
    elsewhere: list[tuple[int, str]] = []
    links: list[tuple[int, int, str]] = []
    for k, v in enumerate(units["seat"]):
        seat = as_ident(v)
        if seat is None or seat not in where:  # unknown seats: unknown_seat_problems
            continue
        i, homes = where[seat]
        if homes and urows.ids[k] not in homes:
            home = and_list(sorted(homes))
            elsewhere.append((k, f"{urows.labels[k]} names {srows.labels[i]}, which is in "
                                 f"{home}"))
            links += [(k, h, srows.labels[i]) for h in _positions(urows, homes)]
    if not elsewhere:
        return []
    out = _must_link_problems(units, urows, links, cfg, topo)
    _, ids = urows.pick(k for k, _ in elsewhere)
    n = len(elsewhere)
    return [*out, Problem(
        "warning", "bad-seat", "units",
        f"{plural(n, 'unit')} {'has' if n == 1 else 'have'} a seat that is not its own — "
        f"a seat in another unit: {format_ids([t for _, t in elsewhere])}. A seat really "
        "lying in another unit (一地两府) is kept: scoring then requires the two units to "
        "merge (must-link); otherwise correct the seat, or leave it empty to let townmerge "
        "choose it.",
        ids, figures={"elsewhere": n})]


def _positions(rows: FeatureRows, ids: Iterable[str]) -> list[int]:
    want = set(ids)
    return [k for k, i in enumerate(rows.ids) if i in want]


def _hops(topo: UnitTopology, start: int, limit: int) -> dict[int, int]:
    """Units within ``limit`` steps of ``start`` across shared borders (rook), with their steps."""
    geoms = topo.geoms
    seen = {start: 0}
    frontier = [start]
    for step in range(1, limit + 1):
        if not frontier:
            break
        src = np.array(frontier)
        a, b = topo.tree.query(geoms[src], predicate="intersects")
        a, b = src[a], b
        new = ~np.isin(b, list(seen))
        a, b = a[new], b[new]
        shared = shapely.length(shapely.intersection(shapely.boundary(geoms[a]),
                                                     shapely.boundary(geoms[b]))) > 0
        frontier = sorted({int(x) for x in b[shared]})
        seen.update(dict.fromkeys(frontier, step))
    return seen


def _must_link_problems(units: pd.DataFrame, urows: FeatureRows, links: list[tuple[int, int, str]],
                        cfg: Config, topo: UnitTopology | None) -> list[Problem]:
    """Units that must merge with the unit their seat lies in (一地两府) but never can.

    Locked units never merge, counties never mix, and a new unit of at most
    ``max_members`` units cannot join two units more than ``max_members - 1``
    shared borders apart (units joined by no chain of borders at all are left
    to reviewed virtual links).
    """
    cons = cfg.constraints
    if not cons.must_link or not links:
        return []
    locked = np.zeros(len(urows), dtype=bool)
    if cons.locked:
        for col in ("locked", cons.border_town_column):
            if col in units.columns:
                locked |= flag_values(list(units[col]))[0]
    parent = ([as_ident(v) for v in units["parent"]] if cons.same_parent
              and "parent" in units.columns else [None] * len(urows))
    why: list[tuple[int, str]] = []
    for k, h, seat in links:
        pair = f"{urows.labels[k]} (seat {seat} in {urows.labels[h]})"
        if locked[k] or locked[h]:
            lk = and_list(urows.labels[u] for u in (k, h) if locked[u])
            why.append((k, f"{pair}: {lk} {'is' if locked[k] != locked[h] else 'are'} locked"))
        elif parent[k] is not None and parent[h] is not None and parent[k] != parent[h]:
            why.append((k, f"{pair}: they lie in different counties ({parent[k]}, "
                           f"{parent[h]})"))
        elif cons.contiguity and cons.size and topo is not None and topo.geoms[k] is not None \
                and topo.geoms[h] is not None:
            steps = _hops(topo, k, len(urows)).get(h)
            if steps is not None and steps > cfg.max_members - 1:
                why.append((k, f"{pair}: they are {steps} borders apart, and a new unit "
                               f"of at most {cfg.max_members} units spans at most "
                               f"{cfg.max_members - 1}"))
    if not why:
        return []
    _, ids = urows.pick(k for k, _ in why)
    n = len(why)
    return [Problem(
        "error", "impossible-must-link", "units",
        f"{plural(n, 'unit')} must merge with the unit {'its' if n == 1 else 'their'} seat "
        f"lies in (一地两府), which no plan can do: {format_ids([t for _, t in why])}. Correct "
        "the seat (or the settlement's unit), unlock the unit, or switch the rule off "
        "(Constraints.must_link = false).",
        ids, figures={"count": n})]
