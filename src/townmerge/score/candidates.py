"""Candidate mergers a planner looks at: adjacent pairs, and groups around units that must merge.

:func:`candidate_groups` lists every adjacent pair of units (or of a plan's
new units), and, with ``kind="auto"``, every contiguous group of 3 …
``Config.max_members`` units containing a unit below its population floor or
in a must-link pair (never extended through a locked unit). Each candidate
says what triggered it; the merger scorer scores them
(:func:`townmerge.score.scorer.score_mergers`).

Examples
--------
>>> from townmerge.testing.grids import grid_units
>>> from townmerge.data.model import StudyArea
>>> data = UnitData(StudyArea(grid_units("ABC", population={"A": 1, "B": 2, "C": 50000})))
>>> candidate_groups(data)["trigger"].tolist()
['pair+below_floor', 'pair+below_floor', 'below_floor']
"""

from __future__ import annotations

from typing import Literal, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..data.plan import Plan
from .groups import concat_ranges
from .rules import below_floor, group_floor
from .unit_data import UnitData

__all__ = ["candidate_groups"]

BoolArray = npt.NDArray[np.bool_]


def candidate_groups(data: UnitData, plan: Plan | None = None, *,
                     kind: Literal["auto", "pairs"] = "auto") -> pd.DataFrame:
    """Candidate mergers: adjacent pairs, and groups around units that must merge.

    Parameters
    ----------
    data : UnitData
        The units of the area.
    plan : Plan, optional
        Build candidates from the plan's new units (else current units).
    kind : {"auto", "pairs"}, default "auto"
        ``auto``: every adjacent pair, plus every contiguous group of
        3 … ``max_members`` units containing a unit below its floor or
        in a must-link pair (never extended through a locked unit, and at
        most ``max_members`` current units; the triggers as switched on by
        ``Config.criteria``); ``pairs``: pairs only.

    Returns
    -------
    DataFrame
        ``members`` (tuple of atom ids: current units, or the plan's new
        units), ``units`` (tuple of current unit ids), ``trigger``
        (``pair``, ``below_floor``, ``must_link``, joined by ``+``).
    """
    n = data.n
    if plan is None:
        atom_of = np.arange(n, dtype=np.int64)
        atom_ids = data.ids.to_numpy(dtype=object)
    else:
        plan.check_units(data.ids)
        labels = pd.Index(plan.new_units, dtype=object)
        atom_of = labels.get_indexer(pd.Index([plan.assignment[u] for u in data.ids],
                                              dtype=object)).astype(np.int64)
        atom_ids = labels.to_numpy(dtype=object)
    na = atom_ids.size
    size = np.bincount(atom_of, minlength=na)
    apop = np.bincount(atom_of, np.nan_to_num(data.population), minlength=na)
    afloor = group_floor(data.population, data.th["p_min"], atom_of, na)
    below: BoolArray = (below_floor(apop, afloor) if data.area.has_population
                        else np.zeros(na, dtype=bool))
    alocked = np.bincount(atom_of, data.locked.astype(float), minlength=na) > 0
    ml: BoolArray = np.zeros(na, dtype=bool)
    for u, v, _ in data.must_link:
        if atom_of[u] != atom_of[v]:
            ml[atom_of[u]] = ml[atom_of[v]] = True
    cs = data.config.criteria
    trig = ((below if cs.trigger_below_floor else False)
            | (ml if cs.trigger_must_link else False)) & ~alocked
    el, eh = atom_of[data.edge_keys // n], atom_of[data.edge_keys % n]
    keep = el != eh
    pk = np.unique(np.minimum(el, eh)[keep] * na + np.maximum(el, eh)[keep])
    rows_all = [np.column_stack([pk // na, pk % na])]
    src, dst = np.r_[pk // na, pk % na], np.r_[pk % na, pk // na]
    order = np.argsort(src, kind="stable")
    nb, nb_ptr = dst[order], np.r_[0, np.cumsum(np.bincount(src, minlength=na))]
    kmax = data.config.max_members
    if kind == "auto":
        rows = np.flatnonzero(trig)[:, None]
        for m in range(1, kmax):
            if rows.size == 0:
                break
            parts_r, parts_n = [], []
            for col in range(m):
                c = np.diff(nb_ptr)[rows[:, col]]
                parts_r.append(np.repeat(np.arange(len(rows)), c))
                parts_n.append(nb[concat_ranges(nb_ptr[rows[:, col]], c)])
            r = np.concatenate(parts_r)
            new = np.concatenate(parts_n)
            ok = ~alocked[new] & ~(rows[r] == new[:, None]).any(axis=1)
            r, new = r[ok], new[ok]
            grown = np.sort(np.column_stack([rows[r], new]), axis=1)
            grown = grown[size[grown].sum(axis=1) <= kmax]
            rows = np.unique(grown, axis=0) if grown.size else grown.reshape(0, m + 1)
            if m + 1 >= 3:
                rows_all.append(rows)
    str_rank = np.argsort(np.argsort(atom_ids.astype(str), kind="stable"))
    unit_lists: list[list[str]] = [[] for _ in range(na)]
    for u in np.argsort(data.ids.to_numpy(dtype=str), kind="stable"):
        unit_lists[atom_of[u]].append(str(data.ids[u]))
    out_members: list[tuple[str, ...]] = []
    out_units: list[tuple[str, ...]] = []
    out_trig: list[str] = []
    for rows in rows_all:
        if rows.size == 0:
            continue
        rows = np.take_along_axis(rows, np.argsort(str_rank[rows], axis=1), axis=1)
        members = list(map(tuple, atom_ids[rows].tolist()))
        out_members += members
        if plan is None:
            out_units += members
        else:
            out_units += [tuple(sorted(u for i in row for u in unit_lists[i]))
                          for row in rows.tolist()]
        flag_b = cast(list[bool], below[rows].any(axis=1).tolist())
        flag_m = cast(list[bool], ml[rows].any(axis=1).tolist())
        pair = "pair" if rows.shape[1] == 2 else ""
        labels = {(fb, fm): "+".join(x for x in (pair, "below_floor" if fb else "",
                                                 "must_link" if fm else "") if x)
                  for fb in (False, True) for fm in (False, True)}
        out_trig += [labels[(fb, fm)] for fb, fm in zip(flag_b, flag_m, strict=True)]
    return pd.DataFrame({"members": out_members, "units": out_units, "trigger": out_trig})
