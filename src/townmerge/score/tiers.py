"""Settlement tiers (domain notes §6): 主城区 … 一般镇 for towns, 中心村 … 一般村 for villages.

Tiers belong to settlement nodes, not to administrative units: the former
seat of a merged township stays a town-level node (typically a 特色镇). Every
settlement gets the composite centrality Z of :class:`townmerge.score.seats.SeatSelector`
(entropy-weighted population, potential index, road hub strength, and
facilities or GDP where given) and its travel time to the county seat.

Town-level nodes (the county seat, town seats, every current seat):

1. **主城区**: the county seat, the seats of 街道 (subdistricts), and town
   nodes within ``urban_minutes`` (15) of the county seat;
2. the others are cut into three classes of Z by natural breaks
   (Jenks–Fisher, :func:`natural_breaks`) or fixed thresholds;
3. **副中心**: top class, at least ``sub_centre_min_minutes`` (30) from the
   county seat, main destination (largest membership of population flow) of
   at least ``sub_centre_min_dominated`` (3) other town nodes; at most
   ``n_sub_centres`` (2), strongest first;
4. **中心镇**: the rest of the top and middle classes (optionally only those
   that are the main destination of at least ``central_town_min_dominated``
   town nodes; off by default);
5. **特色镇**: the remaining nodes with a specialty flag, or former seats of
   merged units;
6. **一般镇**: everything else.

Villages and communities (every other settlement): **中心村** are the top
class with at least 601 people, plus the strongest village of every township
that would have none; **特色村/重点村** have a specialty flag; the rest are
**一般村**.

Quotas (``TierSettings.town_quotas``, e.g. ``(3, 2, 7, 14)``, and
``village_quotas``) are met exactly: each tier takes the best-ranked nodes left
(主城区 by county seat, 街道 and closeness to the county seat; 副中心 by
eligibility then Z; 中心镇 by Z; 特色镇 by specialty, former seat, Z; 中心村
one per township first, then by Z).

Examples
--------
>>> natural_breaks([1, 2, 3, 10, 11, 12, 50, 51], 3).tolist()
[3.0, 12.0, 51.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..config import TOWN_TIERS, VILLAGE_TIERS, Config, TierSettings
from ..data.model import StudyArea
from ..data.plan import Plan
from ..errors import InputError
from .seats import TOWN_KINDS, SeatSelector, flag_column, seat_selector, unit_thresholds

__all__ = ["TIER_EN", "classify_tiers", "natural_breaks"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: English names of the tiers.
TIER_EN = {
    "主城区": "main urban area", "副中心": "sub-centre", "中心镇": "central town",
    "特色镇": "characteristic town", "一般镇": "ordinary town", "中心村": "central village",
    "特色村/重点村": "characteristic / key village", "一般村": "ordinary village",
}
_SUBDISTRICT = ("subdistrict", "街道")


def natural_breaks(values: Sequence[float] | npt.ArrayLike, k: int, *,
                   max_values: int = 3000) -> FloatArray:
    """Jenks–Fisher natural breaks: the exact 1-D partition minimising within-class variance.

    Fisher's dynamic programme over the sorted values (O(k·n²)); sets larger
    than ``max_values`` are reduced to that many evenly spaced order
    statistics first.

    Parameters
    ----------
    values : array-like
        Finite values (NaN are ignored).
    k : int
        Number of classes (fewer when there are fewer distinct values).
    max_values : int, default 3000

    Returns
    -------
    ndarray
        Upper bound of each class, ascending; the last is the maximum.

    Raises
    ------
    InputError
        When there are no finite values or ``k < 1``.

    Examples
    --------
    >>> natural_breaks([5, 1, 4, 2, 20, 21], 2).tolist()
    [5.0, 21.0]
    """
    x = np.sort(np.asarray(values, dtype=float).ravel())
    x = x[np.isfinite(x)]
    if x.size == 0:
        raise InputError("natural_breaks needs at least one finite value.")
    if int(k) != k or k < 1:
        raise InputError(f"natural_breaks needs a positive number of classes, not {k!r}.")
    if x.size > max_values:
        x = x[np.linspace(0, x.size - 1, max_values).round().astype(np.int64)]
    k = min(int(k), int(np.unique(x).size))
    n = x.size
    if k == 1:
        return np.array([x[-1]])
    s1 = np.r_[0.0, np.cumsum(x)]
    s2 = np.r_[0.0, np.cumsum(x * x)]

    def cost(i: IntArray, j: int) -> FloatArray:
        """Sum of squared deviations of x[i..j] (inclusive) for every start i."""
        cnt = j - i + 1
        seg = s1[j + 1] - s1[i]
        out: FloatArray = (s2[j + 1] - s2[i]) - seg * seg / cnt
        return out

    # best[m, j]: least cost of x[0..j] in m + 1 classes; start[m, j]: first index of the last.
    best = np.full((k, n), np.inf)
    start = np.zeros((k, n), dtype=np.int64)
    ends = np.arange(n)
    best[0] = (s2[ends + 1]) - s1[ends + 1] ** 2 / (ends + 1)
    for m in range(1, k):
        for j in range(m, n):
            i = np.arange(m, j + 1, dtype=np.int64)
            c = best[m - 1, i - 1] + cost(i, j)
            at = int(np.argmin(c))
            best[m, j] = c[at]
            start[m, j] = i[at]
    bounds = []
    j = n - 1
    for m in range(k - 1, -1, -1):
        bounds.append(x[j])
        j = int(start[m, j]) - 1
    return np.array(bounds[::-1], dtype=float)


def _classes(z: FloatArray, settings: TierSettings, thresholds: tuple[float, ...],
             ) -> tuple[IntArray, list[float]]:
    """Class of each value: 0 top, 1 middle, 2 bottom (and the cut-offs used)."""
    if z.size == 0:
        return np.zeros(0, dtype=np.int64), []
    if settings.method == "thresholds":
        cuts = sorted(thresholds, reverse=True)
        cls = np.full(z.size, len(cuts), dtype=np.int64)
        for c, t in reversed(list(enumerate(cuts))):
            cls[z >= t] = c
        return cls, [float(t) for t in cuts]
    bounds = natural_breaks(z, len(thresholds) + 1, max_values=settings.max_breaks_values)
    idx = np.searchsorted(bounds[:-1], z, side="left")  # 0 = lowest class
    cls = (bounds.size - 1 - idx).astype(np.int64)
    return cls, [float(b) for b in bounds[:-1][::-1]]


def _rank_take(keys: list[npt.ArrayLike], pool: BoolArray, n: int) -> IntArray:
    """Positions of the first ``n`` pool members ordered by ``keys`` (first key primary)."""
    idx = np.flatnonzero(pool)
    if n <= 0 or idx.size == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort([np.asarray(k)[idx] for k in reversed(keys)])
    out: IntArray = idx[order[:n]]
    return out


def classify_tiers(
    area: StudyArea,
    plan: Plan | None = None,
    *,
    config: Config | None = None,
    town_quotas: Sequence[int] | None = None,
    village_quotas: Sequence[int] | None = None,
    selector: SeatSelector | None = None,
    level: str = "township",
) -> pd.DataFrame:
    """Classify every settlement into a town or village tier.

    Parameters
    ----------
    area : StudyArea
        Needs settlements; flows (observed or gravity) give the dominance
        tests, roads the hub strength.
    plan : Plan, optional
        After a plan: the seats of its new units (``plan.seats``, else the
        seat chosen by :mod:`townmerge.score.seats`) are seats; the other former
        seats stay town-level nodes and may become 特色镇. Villages get one
        中心村 per new unit.
    config : Config, optional
        ``config.tiers`` holds the rules (:class:`townmerge.config.TierSettings`).
    town_quotas : sequence of 4 int, optional
        Exact counts of 主城区, 副中心, 中心镇, 特色镇 (the rest: 一般镇);
        overrides ``config.tiers.town_quotas``.
    village_quotas : sequence of 2 int, optional
        Exact counts of 中心村 and 特色村/重点村 (the rest: 一般村).
    selector : SeatSelector, optional
        Reuse the settlement figures of an area.
    level : {"township", "village"}
        What the area's units are. Townships (default): the seats of the (new) units are
        town-level nodes. Villages (:func:`townmerge.read_study_area` with
        ``level="villages"``): only county and town seats are town-level nodes, the seats of
        villages and communities are village nodes, and the floor of one 中心村 holds per
        township (the units' ``parent``).

    Returns
    -------
    DataFrame
        Indexed by ``settlement_id``: ``name``, ``kind``, ``unit``,
        ``new_unit``, ``level`` (``town`` / ``village``), ``seat`` (seat of a
        new unit), ``former_seat`` (a current seat that no longer is one),
        ``population``, ``Z``, ``rank`` (by Z within its level),
        ``minutes_to_county_seat``, ``dominated`` (town nodes whose main
        destination it is; NaN without flows), ``specialty``, ``tier``,
        ``tier_en``, ``reason_zh``, ``reason_en``. ``attrs`` hold ``notes``,
        the class cut-offs (``breaks``) and the centrality ``weights``.

    Raises
    ------
    InputError
        When the area has no settlements, or quotas exceed the nodes.

    Examples
    --------
    >>> from townmerge.datasets.synthetic import sample_county
    >>> c = sample_county()
    >>> area = StudyArea(c.units, c.settlements, c.flows, c.roads)
    >>> t = classify_tiers(area, town_quotas=(3, 2, 7, 14))
    >>> t[t["level"] == "town"]["tier"].value_counts().reindex(
    ...     ["主城区", "副中心", "中心镇", "特色镇", "一般镇"]).tolist()
    [3, 2, 7, 14, 7]
    """
    cfg = config or Config()
    ts = cfg.tiers
    tq = tuple(town_quotas) if town_quotas is not None else ts.town_quotas
    vq = tuple(village_quotas) if village_quotas is not None else ts.village_quotas
    ts = replace(ts, town_quotas=tq, village_quotas=vq)
    sel = selector or seat_selector(area, cfg)
    st = area.settlements
    assert st is not None  # the selector has checked
    units = area.units
    n = len(sel.ids)
    nu = len(sel.unit_ids)
    notes: list[str] = []

    # New units, their seats, former seats.
    unit_of = sel.unit_of
    if plan is None:
        new_of_unit = np.arange(nu, dtype=np.int64)
        new_ids = sel.unit_ids.to_numpy(dtype=object)
        new_seat = sel.unit_seat.copy()
    else:
        plan.check_units(sel.unit_ids)
        labels = pd.Index(plan.new_units, dtype=object)
        new_of_unit = labels.get_indexer(pd.Index([plan.assignment[u] for u in sel.unit_ids],
                                                  dtype=object)).astype(np.int64)
        new_ids = labels.to_numpy(dtype=object)
        order = np.argsort(new_of_unit, kind="stable").astype(np.int64)
        ptr = np.r_[0, np.cumsum(np.bincount(new_of_unit, minlength=labels.size))].astype(
            np.int64)
        th = unit_thresholds(units, cfg)
        tmax_soft = np.bincount(new_of_unit, th["t_max"], minlength=labels.size) / np.maximum(
            np.bincount(new_of_unit, minlength=labels.size), 1)
        tmax_hard = np.zeros(labels.size)
        np.maximum.at(tmax_hard, new_of_unit, th["t_max"])
        chosen = sel.select(ptr, order, tmax_soft, tmax_hard).seat
        given = plan.seats
        new_seat = chosen.copy()
        for i, nid in enumerate(labels):
            if nid in given:
                p = sel.ids.get_indexer(pd.Index([str(given[nid])], dtype=object))[0]
                if p < 0:
                    raise InputError(f"The plan's seat {given[nid]!r} of new unit {nid!r} is "
                                     "not a settlement of the area.")
                new_seat[i] = p
    is_seat = np.zeros(n, dtype=bool)
    is_seat[new_seat[new_seat >= 0]] = True
    former = sel.is_former & ~is_seat
    new_unit = np.where(unit_of >= 0, new_of_unit[np.maximum(unit_of, 0)], -1)
    if level == "village":
        # units are villages: their seats are villages and communities, not town nodes; the
        # one-中心村 floor holds per township (the units' ``parent``)
        town = np.isin(sel.kind, TOWN_KINDS)
        township = (units["parent"].astype(object).fillna("").astype(str).to_numpy()
                    if "parent" in units.columns else np.full(nu, "", dtype=object))
        codes = pd.Index(pd.unique(township)).get_indexer(township).astype(np.int64)
        group = np.where(unit_of >= 0, codes[np.maximum(unit_of, 0)], -1)
        n_groups = int(codes.max()) + 1 if codes.size else 0
    elif level == "township":
        town = sel.is_town | is_seat
        group, n_groups = new_unit, int(new_ids.size)
    else:
        raise ValueError(f"level must be 'township' or 'village', not {level!r}.")

    # County seat of each settlement's county, and travel time to it.
    parent = (units["parent"].astype(object).fillna("").astype(str).to_numpy()
              if "parent" in units.columns else np.zeros(nu).astype(str))
    s_parent = np.where(unit_of >= 0, parent[np.maximum(unit_of, 0)], "")
    cs_of = np.full(n, -1, dtype=np.int64)
    for p in np.unique(s_parent):
        mine = s_parent == p
        cands = np.flatnonzero(mine & sel.is_county_seat)
        if cands.size == 0:
            cands = np.flatnonzero(mine & town)
            if cands.size == 0:
                continue
            notes.append(f"county {p or '(all)'} has no settlement of kind 'county seat'; its "
                         "strongest town node is taken as the county seat")
        best = cands[np.lexsort((-sel.population[cands], -sel.z[cands]))[0]]
        cs_of[mine] = best
    ok = cs_of >= 0
    t_cs = np.full(n, np.nan)
    t_cs[ok] = sel.times(cs_of[ok], np.flatnonzero(ok))
    is_cs = np.arange(n) == cs_of

    # Dominance among town nodes: whose main destination (population flow) is each node.
    dominated = np.full(n, np.nan)
    if sel.flows is not None:
        sf = sel.flows
        o = sf.origin.astype(np.int64)
        d = sf.destination.astype(np.int64)
        keep = town[o] & town[d] & (o != d)
        v = sf.values("population")[keep]
        o, d = o[keep], d[keep]
        dominated = np.where(town, 0.0, np.nan)
        if o.size:
            order = np.lexsort((d, -v, o))
            first = np.r_[True, o[order][1:] != o[order][:-1]]
            top = d[order][first][v[order][first] > 0]
            np.add.at(dominated, top, 1.0)
    else:
        notes.append("no flows: the dominance tests of 副中心 and 中心镇 are skipped")
    spec_col = ts.specialty_column
    specialty = flag_column(st, spec_col, "settlement")
    kind_of_unit = (units["kind"].astype(object).to_numpy() if "kind" in units.columns
                    else np.full(nu, None, dtype=object))
    in_subdistrict = np.where(unit_of >= 0,
                              np.isin(kind_of_unit[np.maximum(unit_of, 0)], _SUBDISTRICT), False)

    tier = np.full(n, "", dtype=object)
    why_zh = np.full(n, "", dtype=object)
    why_en = np.full(n, "", dtype=object)
    z = sel.z
    has_dom = sel.flows is not None
    dom0 = np.nan_to_num(dominated)
    breaks: dict[str, list[float]] = {}

    # -- towns ---------------------------------------------------------------------------
    tw = town.copy()
    if ts.town_quotas is not None:
        q = ts.town_quotas
        if sum(q) > int(tw.sum()):
            raise InputError(f"The town quotas {q} (主城区, 副中心, 中心镇, 特色镇) ask for "
                             f"{sum(q)} nodes; there are only {int(tw.sum())} town-level nodes.")
        left = tw.copy()
        urban = _rank_take([~is_cs, ~in_subdistrict, np.nan_to_num(t_cs, nan=np.inf), -z],
                           left, q[0])
        tier[urban] = "主城区"
        left[urban] = False
        eligible = np.nan_to_num(t_cs, nan=0.0) >= ts.sub_centre_min_minutes
        sub = _rank_take([~eligible, -z], left, q[1])
        tier[sub] = "副中心"
        left[sub] = False
        central = _rank_take([-z], left, q[2])
        tier[central] = "中心镇"
        left[central] = False
        special = _rank_take([~specialty, ~former, -z], left, q[3])
        tier[special] = "特色镇"
        left[special] = False
        tier[left] = "一般镇"
        notes.append(f"town quotas {q} met exactly")
    else:
        urban = tw & (is_cs | in_subdistrict | (np.nan_to_num(t_cs, nan=np.inf)
                                                <= ts.urban_minutes))
        tier[urban] = "主城区"
        rest = tw & ~urban
        cls = np.full(n, 2, dtype=np.int64)
        c, cuts = _classes(z[rest], ts, ts.town_thresholds)
        cls[rest] = c
        breaks["town"] = cuts
        eligible = (rest & (cls == 0) & (np.nan_to_num(t_cs) >= ts.sub_centre_min_minutes)
                    & ((dom0 >= ts.sub_centre_min_dominated) if has_dom else True))
        sub = _rank_take([-z], eligible, ts.n_sub_centres)
        tier[sub] = "副中心"
        central = (rest & (tier == "") & (cls <= 1)
                   & ((dom0 >= ts.central_town_min_dominated) if has_dom else True))
        tier[central] = "中心镇"
        special = rest & (tier == "") & (specialty | former)
        tier[special] = "特色镇"
        tier[rest & (tier == "")] = "一般镇"

    # -- villages ------------------------------------------------------------------------
    vil = ~town
    nv = int(vil.sum())
    top_per_unit = np.zeros(n, dtype=bool)
    if nv:
        vi = np.flatnonzero(vil & (group >= 0))
        order = vi[np.lexsort((sel.id_rank[vi], -sel.population[vi], -z[vi], group[vi]))]
        firsts = order[np.r_[True, group[order][1:] != group[order][:-1]]] if \
            order.size else order
        top_per_unit[firsts] = True
    if ts.village_quotas is not None:
        q = ts.village_quotas
        if sum(q) > nv:
            raise InputError(f"The village quotas {q} (中心村, 特色村/重点村) ask for {sum(q)} "
                             f"nodes; there are only {nv} villages and communities.")
        left = vil.copy()
        cv = _rank_take([~top_per_unit, -z], left, q[0])
        tier[cv] = "中心村"
        left[cv] = False
        sv = _rank_take([~specialty, -z], left, q[1])
        tier[sv] = "特色村/重点村"
        left[sv] = False
        tier[left] = "一般村"
        notes.append(f"village quotas {q} met exactly")
    else:
        cls = np.full(n, 2, dtype=np.int64)
        c, cuts = _classes(z[vil], ts, (ts.village_threshold, 0.0)
                           if ts.method == "thresholds" else (0.0, 0.0))
        cls[vil] = c
        breaks["village"] = cuts
        central = vil & (cls == 0) & (sel.population >= ts.central_village_min_population)
        tier[central] = "中心村"
        has_central = np.zeros(n_groups + 1, dtype=bool)
        has_central[group[central]] = True
        floor_pick = top_per_unit & ~has_central[group] & vil
        tier[floor_pick] = "中心村"
        tier[vil & (tier == "") & specialty] = "特色村/重点村"
        tier[vil & (tier == "")] = "一般村"
        why_zh[floor_pick] = "本乡镇中心性最强的村（每个乡镇至少一个中心村）"
        why_en[floor_pick] = "strongest village of its township (one central village each)"

    # Ranks and reasons.
    rank = np.zeros(n, dtype=np.int64)
    for mask in (town, vil):
        idx = np.flatnonzero(mask)
        order = idx[np.lexsort((sel.id_rank[idx], -z[idx]))]
        rank[order] = np.arange(1, order.size + 1)
    n_town, n_vil = int(town.sum()), nv
    for i in range(n):
        total = n_town if town[i] else n_vil
        lvl_zh = "镇级" if town[i] else "村级"
        zh = [f"中心性 {z[i]:.2f}（{lvl_zh}第 {rank[i]}/{total} 位）"]
        en = [f"centrality {z[i]:.2f} ({_ordinal(int(rank[i]))} of {total} "
              f"{'town' if town[i] else 'village'} nodes)"]
        if np.isfinite(t_cs[i]):
            zh.append("为县城驻地" if is_cs[i] else f"距县城 {t_cs[i]:.0f} 分钟")
            en.append("the county seat" if is_cs[i]
                      else f"{t_cs[i]:.0f} min from the county seat")
        if town[i] and np.isfinite(dominated[i]) and dominated[i] > 0:
            zh.append(f"为 {int(dominated[i])} 个场镇的主要流向")
            en.append(f"main destination of {int(dominated[i])} town nodes")
        if former[i]:
            zh.append("原乡镇驻地")
            en.append("former seat")
        if specialty[i]:
            zh.append("特色产业/文化")
            en.append("specialty")
        if why_zh[i]:
            zh.append(str(why_zh[i]))
            en.append(str(why_en[i]))
        why_zh[i] = "；".join(zh)
        why_en[i] = "; ".join(en)

    unit_id = np.where(unit_of >= 0, sel.unit_ids.to_numpy(dtype=object)[np.maximum(unit_of, 0)],
                       None)
    out = pd.DataFrame({
        "name": sel.names, "kind": sel.kind, "unit": unit_id,
        "new_unit": np.where(new_unit >= 0, new_ids[np.maximum(new_unit, 0)], None),
        "level": np.where(town, "town", "village"), "seat": is_seat, "former_seat": former,
        "population": sel.population, "Z": z, "rank": rank, "minutes_to_county_seat": t_cs,
        "dominated": dominated, "specialty": specialty, "tier": tier,
        "tier_en": [TIER_EN.get(t, "") for t in tier], "reason_zh": why_zh,
        "reason_en": why_en,
    }, index=sel.ids)
    assert set(out["tier"]) <= set(TOWN_TIERS) | set(VILLAGE_TIERS)
    out.attrs["notes"] = notes + [en for en, _ in sel.notes]
    out.attrs["breaks"] = breaks
    out.attrs["weights"] = dict(sel.centrality.attrs.get("weights", {}))
    return out


def _ordinal(k: int) -> str:
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"
