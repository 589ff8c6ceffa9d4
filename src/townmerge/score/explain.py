"""The tables of the merger scorer: the score of each group and its explanation in words.

:class:`Explainer` turns an :class:`~townmerge.score.evaluation.Evaluation`
into the table of :meth:`townmerge.score.scorer.MergerScorer.score_groups`
(figures, criteria, total, feasibility, binding constraint, band; notes and
weights in ``attrs``) and, for :meth:`~townmerge.score.scorer.MergerScorer.explain`,
adds every explanation a county planner reads: member and seat names, whether
the seat moved, travel times, the binding constraint with its figures, the
criteria without data and one reason sentence per group in Chinese and English
(the flow that links the smallest member to the others, the seat's travel time,
the population against its floor, else the compactness).

Examples
--------
>>> from townmerge.testing.grids import grid_units
>>> from townmerge.data.model import StudyArea
>>> from townmerge.score.criteria import default_criteria
>>> from townmerge.score.evaluation import Evaluator
>>> data = UnitData(StudyArea(grid_units("AB", population={"A": 9000, "B": 6000})))
>>> ev = Evaluator(data, default_criteria()).evaluate(np.array([0, 2]), np.array([0, 1]))
>>> Explainer(data, default_criteria().weights()).table(ev)["band"].tolist()
['recommend']
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from ..i18n import fmt_population
from .constraints import ConstraintChecker
from .evaluation import Evaluation
from .groups import lookup
from .rules import below_floor
from .seat_part import SeatPart
from .unit_data import FLOW_ZH, UnitData

__all__ = ["BAND_ZH", "Explainer"]

#: Chinese names of the bands.
BAND_ZH = {"recommend": "建议", "review": "需论证", "reject": "不建议"}
_FLOW_EN = {"population": "population", "traffic": "traffic", "economic": "economic"}


class Explainer:
    """Score tables and explanations of evaluated groups of one study area.

    Parameters
    ----------
    data : UnitData
    weights : dict of str to float
        The criterion weights (reported in ``attrs["weights"]``).
    checker : ConstraintChecker, optional
        Says why a group is infeasible (default: built from ``data``).
    seats : SeatPart, optional
        The seat columns (default: built from ``data``).
    """

    def __init__(self, data: UnitData, weights: dict[str, float],
                 checker: ConstraintChecker | None = None,
                 seats: SeatPart | None = None) -> None:
        self.data = data
        self.weights = weights
        self.checker = checker if checker is not None else ConstraintChecker(data, data.config)
        self.seats = seats if seats is not None else SeatPart(data)

    def detail(self, ev: Evaluation, g: int) -> tuple[str, str]:
        """The binding constraint of group ``g`` with its figures (English, Chinese)."""
        return self.checker.detail(str(ev.binding[g]), ev.batch, ev.seats, g)

    def table(self, ev: Evaluation) -> pd.DataFrame:
        """The score table of :meth:`townmerge.score.scorer.MergerScorer.score_groups`."""
        b = ev.batch
        data: dict[str, object] = {
            "members": list(b.members), "n_members": b.k, "seat": b.seat,
            "population": b.population, "area_km2": b.area_km2, "floor": b.p_min,
            "below_floor": (below_floor(b.population, b.p_min) if self.data.area.has_population
                            else np.zeros(b.n, dtype=bool)),
            "polsby_popper": b.polsby_popper,
        }
        data.update(ev.values)
        data.update({"total": ev.total, "feasible": ev.feasible, "binding": ev.binding,
                     "band": ev.band})
        frame = pd.DataFrame(data)
        frame.attrs["notes"] = [en for en, _ in self.data.notes]
        frame.attrs["notes_zh"] = [zh for _, zh in self.data.notes]
        frame.attrs["weights"] = dict(self.weights)
        return frame

    def explain(self, ev: Evaluation, villages: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
        """The score table with every explanation.

        The columns of :meth:`table` plus ``member_names``, ``seat_name``,
        ``seat_unit``, ``seat_moved``, ``mean_minutes``, ``max_minutes``,
        ``binding_detail``, ``binding_detail_zh``, ``band_zh``, ``missing``
        (criteria without data for the row), ``reason_zh`` and ``reason_en``.
        """
        frame = self.table(ev)
        b = ev.batch
        flat = self.data.names[b.unit_pos].tolist()
        member_names = [tuple(flat[s:e]) for s, e in itertools.pairwise(b.ptr.tolist())]
        seat_name, seat_unit, moved = self.seats.columns(b, ev.seats, villages)
        infeasible = set(np.flatnonzero(~ev.feasible).tolist())
        details = [self.detail(ev, g) if g in infeasible else ("", "") for g in range(b.n)]
        reasons = self.reasons(ev, member_names, list(seat_name), details)
        crit = list(ev.values)
        code = np.zeros(b.n, dtype=np.int64)
        for i, c in enumerate(crit):
            code |= (~np.isfinite(ev.values[c])).astype(np.int64) << i
        patterns = {int(p): ", ".join(c for i, c in enumerate(crit) if (int(p) >> i) & 1)
                    for p in np.unique(code)}
        miss = [patterns[p] for p in code.tolist()]
        frame.insert(1, "member_names", member_names)
        at = frame.columns.get_loc("seat") + 1
        frame.insert(at, "seat_name", seat_name)
        frame.insert(at + 1, "seat_unit", seat_unit)
        frame.insert(at + 2, "seat_moved", moved)
        at = frame.columns.get_loc("area_km2") + 1
        frame.insert(at, "mean_minutes", b.mean_minutes)
        frame.insert(at + 1, "max_minutes", b.max_minutes)
        frame["binding_detail"] = [d[0] for d in details]
        frame["binding_detail_zh"] = [d[1] for d in details]
        frame["band_zh"] = [BAND_ZH[x] for x in frame["band"]]
        frame["missing"] = miss
        frame["reason_zh"] = [r[0] for r in reasons]
        frame["reason_en"] = [r[1] for r in reasons]
        return frame

    def flow_clause(self, ev: Evaluation, g: int, names: Sequence[str]) -> tuple[str, str]:
        """How much of the smallest member's outbound flow goes to the rest of the group."""
        d = self.data
        ft = d.config.flow_type if d.config.flow_type in d.flows else next(iter(d.flows), None)
        b = ev.batch
        mem = b.unit_pos[b.ptr[g]:b.ptr[g + 1]]
        if ft is None or mem.size < 2:
            return "", ""
        fkeys, fvals, tot = d.flows[ft]
        pop = np.where(np.isfinite(d.population[mem]), d.population[mem], np.inf)
        i = int(np.argmin(pop))
        m = int(mem[i])
        others = [int(u) for u in mem if u != m]
        to = lookup(np.array([m * d.n + v for v in others], dtype=np.int64), fkeys, fvals)
        own = float(lookup(np.array([m * d.n + m], dtype=np.int64), fkeys, fvals)[0])
        outbound = float(tot[m]) - own
        if outbound <= 0:
            return "", ""
        share = float(to.sum()) / outbound
        order = np.argsort(-to, kind="stable")
        dest = [names[mem.tolist().index(others[j])] for j in order]
        dzh = "、".join(dest) if len(dest) <= 2 else f"{dest[0]}等"
        den = ", ".join(dest) if len(dest) <= 2 else f"{dest[0]} and others"
        return (f"{names[i]} {share:.0%} 的{FLOW_ZH[ft]}流出流向{dzh}",
                f"{share:.0%} of {names[i]}'s outbound {_FLOW_EN[ft]} flow goes to {den}")

    def reasons(self, ev: Evaluation, member_names: Sequence[Sequence[str]],
                seat_name: Sequence[str | None], details: Sequence[tuple[str, str]],
                ) -> list[tuple[str, str]]:
        """One sentence per group, in Chinese and English, built from its figures."""
        b = ev.batch
        feasible = ev.feasible.tolist()
        merged = (b.k > 1).tolist()
        mean = b.mean_minutes.tolist()
        pop = b.population.tolist()
        pmin = b.p_min.tolist()
        comp = ev.values["compactness"].tolist() if "compactness" in ev.values else None
        flows = bool(self.data.flows)
        out = []
        for g in range(b.n):
            zh: list[str] = []
            en: list[str] = []
            if not feasible[g]:
                zh.append("不可行：" + details[g][1])
                en.append("infeasible: " + details[g][0])
            fz, fe = self.flow_clause(ev, g, member_names[g]) if flows else ("", "")
            if fz:
                zh.append(fz)
                en.append(fe)
            after = "合并后" if merged[g] else ""
            if mean[g] == mean[g] and seat_name[g] is not None:
                zh.append(f"{after}驻地（{seat_name[g]}）平均可达 {mean[g]:.0f} 分钟")
                en.append(f"the {'merged ' if merged[g] else ''}seat ({seat_name[g]}) is "
                          f"{mean[g]:.0f} minutes away on average")
            if pop[g] == pop[g]:
                zh.append(f"{after}人口 {fmt_population(pop[g], 'zh')}"
                          f"（下限 {fmt_population(pmin[g], 'zh')}）")
                en.append(f"population {fmt_population(pop[g], 'en')} (floor "
                          f"{fmt_population(pmin[g], 'en')})")
            if not fz and mean[g] != mean[g] and comp is not None and comp[g] == comp[g]:
                zh.append(f"紧凑度 {comp[g]:.2f}")
                en.append(f"compactness {comp[g]:.2f}")
            en_text = "; ".join(en)
            out.append(("；".join(zh) + "。" if zh else "",
                        en_text[:1].upper() + en_text[1:] + "." if en_text else ""))
        return out
