"""Hard constraints of a merger (domain notes §5.2), one object each, checked in one place.

Each hard constraint is a :class:`HardConstraint`: its name, its code in the
domain notes, which groups of a batch fail it (vectorised), the sentence that
says why a group fails it (English and Chinese, with its figures) and the figure
and limit it judges. :data:`HARD_CONSTRAINTS` lists them in the order the
binding one is named: ``locked`` (H7), ``must_link`` (H8, 一地两府),
``same_parent`` (H2), ``contiguity`` (H1, virtual links count), ``size`` (H6),
``area`` (H5), ``travel_time`` (H4). A unit that stays as it is is exempt from
the area and travel-time limits (it is what it already is) but not from
must-link: a unit whose seat lies in another unit must merge with it. Each is
switched on or off by :class:`townmerge.config.Constraints`.

:class:`ConstraintChecker` holds the constraints of one study area and checks
batches of groups with all of them (:meth:`ConstraintChecker.check`), names the
binding one, and lists every breach with its figures.

Examples
--------
>>> CONSTRAINTS
('locked', 'must_link', 'same_parent', 'contiguity', 'size', 'area', 'travel_time')
>>> [c.code for c in HARD_CONSTRAINTS][:3]
['H7', 'H8', 'H2']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..config import Config
from ..data.model import unit_label
from .batch import GroupBatch
from .groups import GroupLayout, concat_ranges
from .seats import SeatArrays
from .unit_data import UnitData

__all__ = ["CONSTRAINTS", "HARD_CONSTRAINTS", "ConstraintChecker", "HardConstraint"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: A breach: ``(group, rule, figure, limit, English, Chinese)``.
Breach = tuple[int, str, float, float, str, str]


class HardConstraint:
    """One hard constraint of one study area: which groups fail it, and why.

    Subclasses set :attr:`name` and :attr:`code` and implement :meth:`failing`;
    :meth:`detail` and :meth:`figure` say why a group fails and what is judged.

    Parameters
    ----------
    data : UnitData
        The per-unit arrays of the area.
    config : Config
    """

    #: Name (a field of :class:`townmerge.config.Constraints` switching it on or off).
    name: ClassVar[str] = ""
    #: Code in the domain notes (§5.2).
    code: ClassVar[str] = ""

    def __init__(self, data: UnitData, config: Config) -> None:
        self.data = data
        self.config = config

    @property
    def active(self) -> bool:
        """Whether the configuration switches this constraint on."""
        return bool(getattr(self.config.constraints, self.name))

    def fails(self, lay: GroupLayout, batch: GroupBatch) -> BoolArray:
        """Whether each group of the batch fails the constraint (never when switched off)."""
        if not self.active:
            return np.zeros(lay.n_groups, dtype=bool)
        return self.failing(lay, batch)

    def failing(self, lay: GroupLayout, batch: GroupBatch) -> BoolArray:
        """The check itself (the constraint switched on)."""
        raise NotImplementedError

    def detail(self, batch: GroupBatch, seats: SeatArrays | None, g: int) -> tuple[str, str]:
        """Why group ``g`` fails, with its figures, in English and Chinese."""
        return "", ""

    def figure(self, batch: GroupBatch, g: int) -> tuple[float, float]:
        """The figure of group ``g`` the constraint judges, and its limit (NaN: none)."""
        return float("nan"), float("nan")

    def members(self, batch: GroupBatch, g: int) -> IntArray:
        """Unit positions of group ``g``."""
        out: IntArray = batch.unit_pos[batch.ptr[g]:batch.ptr[g + 1]]
        return out


class Locked(HardConstraint):
    """H7: a locked unit (民族乡, user lock or designated border town) does not merge."""

    name, code = "locked", "H7"

    def failing(self, lay: GroupLayout, batch: GroupBatch) -> BoolArray:
        if not lay.n_groups:
            return np.zeros(0, dtype=bool)
        locked = np.maximum.reduceat(self.data.locked[lay.mem].astype(np.int8), lay.starts) > 0
        out: BoolArray = (lay.k > 1) & locked
        return out

    def detail(self, batch: GroupBatch, seats: SeatArrays | None, g: int) -> tuple[str, str]:
        d, mem = self.data, self.members(batch, g)
        lk = [i for i, u in enumerate(mem) if d.locked[u]]
        why = ["is a designated border town" if d.border_town[mem[i]]
               else "is locked (民族乡 or user lock)" for i in lk]
        locks = "; ".join(f"{d.label(int(mem[i]))} {w}" for i, w in zip(lk, why, strict=True))
        return (f"locked: {locks} and may not merge (H7)",
                f"锁定：{'、'.join(str(d.names[mem[i]]) for i in lk)}不参与撤并")

    def figure(self, batch: GroupBatch, g: int) -> tuple[float, float]:
        return float(self.data.locked[self.members(batch, g)].astype(float).sum()), 0.0


class MustLink(HardConstraint):
    """H8: units that must merge (a seat inside another unit, 一地两府; configured pairs)."""

    name, code = "must_link", "H8"

    def failing(self, lay: GroupLayout, batch: GroupBatch) -> BoolArray:
        d, mem, g_of, n = self.data, lay.mem, lay.g_of, self.data.n
        if not (d.ml.size and lay.n_groups):
            return np.zeros(lay.n_groups, dtype=bool)
        cnt = np.diff(d.ml_ptr)[mem]
        pe = np.repeat(np.arange(mem.size, dtype=np.int64), cnt)
        partner = d.ml[concat_ranges(d.ml_ptr[mem], cnt)]
        have = np.sort(g_of * n + mem)
        want = g_of[pe] * n + partner
        at = np.searchsorted(have, want).clip(0, have.size - 1)
        missing = have[at] != want
        out: BoolArray = np.bincount(g_of[pe[missing]], minlength=lay.n_groups) > 0
        return out

    def detail(self, batch: GroupBatch, seats: SeatArrays | None, g: int) -> tuple[str, str]:
        d = self.data
        inside = set(self.members(batch, g).tolist())
        for u, v, source in d.must_link:
            if (u in inside) != (v in inside):
                if source == "seat":
                    return (f"must-link (一地两府): the seat of {d.label(u)} lies in "
                            f"{d.label(v)}, so they must merge",
                            f"一地两府：{d.names[u]}驻地位于{d.names[v]}境内，须合并")
                return (f"must-link: {d.label(u)} and {d.label(v)} must merge",
                        f"必须合并：{d.names[u]}与{d.names[v]}")
        return "", ""


class SameParent(HardConstraint):
    """H2: the members belong to one county (parent unit)."""

    name, code = "same_parent", "H2"

    def failing(self, lay: GroupLayout, batch: GroupBatch) -> BoolArray:
        if self.data.parent_code is None or not lay.n_groups:
            return np.zeros(lay.n_groups, dtype=bool)
        pc = self.data.parent_code[lay.mem]
        out: BoolArray = (np.maximum.reduceat(pc, lay.starts)
                          != np.minimum.reduceat(pc, lay.starts))
        return out

    def counties(self, batch: GroupBatch, g: int) -> dict[str, list[str]]:
        """Labels of the members of group ``g`` by county."""
        by: dict[str, list[str]] = {}
        for u in self.members(batch, g):
            by.setdefault(str(self.data.parent[u]), []).append(self.data.label(int(u)))
        return by

    def detail(self, batch: GroupBatch, seats: SeatArrays | None, g: int) -> tuple[str, str]:
        by = self.counties(batch, g)
        listed = "; ".join(f"{p}: {', '.join(v)}" for p, v in sorted(by.items()))
        return (f"same county: the members belong to {len(by)} counties ({listed}) (H2)",
                f"跨县：成员分属 {len(by)} 个县（{'；'.join(sorted(by))}）")

    def figure(self, batch: GroupBatch, g: int) -> tuple[float, float]:
        return float(len(self.counties(batch, g))), 1.0


class Contiguity(HardConstraint):
    """H1: the members form one connected piece (virtual links count)."""

    name, code = "contiguity", "H1"

    def failing(self, lay: GroupLayout, batch: GroupBatch) -> BoolArray:
        if not lay.n_groups:
            return np.zeros(0, dtype=bool)
        a, b = lay.e1[lay.up][lay.adjacent], lay.e2[lay.up][lay.adjacent]
        label = np.arange(lay.mem.size, dtype=np.int64)
        for _ in range(int(lay.k.max()) + 1):
            m = np.minimum(label[a], label[b])
            new = label.copy()
            np.minimum.at(new, a, m)
            np.minimum.at(new, b, m)
            new = new[new]
            if np.array_equal(new, label):
                break
            label = new
        out: BoolArray = np.maximum.reduceat(label, lay.starts) != lay.starts
        return out

    def parts(self, mem: IntArray) -> list[list[int]]:
        """The connected parts of the units ``mem``, each sorted by id, in id order."""
        d = self.data
        left = set(mem.tolist())
        parts = []
        while left:
            start = min(left, key=lambda u: str(d.ids[u]))
            stack, part = [start], {start}
            while stack:
                u = stack.pop()
                for v in d.neighbours(u).tolist():
                    if v in left and v not in part:
                        part.add(v)
                        stack.append(v)
            left -= part
            parts.append(sorted(part, key=lambda u: str(d.ids[u])))
        return parts

    def detail(self, batch: GroupBatch, seats: SeatArrays | None, g: int) -> tuple[str, str]:
        d = self.data
        pieces = self.parts(self.members(batch, g))
        shown = " | ".join("+".join(d.label(int(u)) for u in p) for p in pieces)
        zh = " | ".join("、".join(str(d.names[u]) for u in p) for p in pieces)
        return (f"contiguity: the members form {len(pieces)} separate parts ({shown}) (H1)",
                f"不连片：成员分为 {len(pieces)} 块（{zh}）")

    def figure(self, batch: GroupBatch, g: int) -> tuple[float, float]:
        return float(len(self.parts(self.members(batch, g)))), 1.0


class Size(HardConstraint):
    """H6: at most ``Config.max_members`` units merge into one."""

    name, code = "size", "H6"

    def failing(self, lay: GroupLayout, batch: GroupBatch) -> BoolArray:
        out: BoolArray = lay.k > self.config.max_members
        return out

    def detail(self, batch: GroupBatch, seats: SeatArrays | None, g: int) -> tuple[str, str]:
        size, cap = int(batch.k[g]), self.config.max_members
        return (f"size: {size} units > {cap} allowed (H6)",
                f"合并个数：{size} 个乡镇，超过上限 {cap} 个")

    def figure(self, batch: GroupBatch, g: int) -> tuple[float, float]:
        return float(batch.k[g]), float(self.config.max_members)


class Area(HardConstraint):
    """H5: a merged unit's area within the limit of its most lenient member terrain."""

    name, code = "area", "H5"

    def failing(self, lay: GroupLayout, batch: GroupBatch) -> BoolArray:
        out: BoolArray = (lay.k > 1) & (batch.area_km2 > batch.a_max_hard)
        return out

    def detail(self, batch: GroupBatch, seats: SeatArrays | None, g: int) -> tuple[str, str]:
        a, lim = batch.area_km2[g], batch.a_max_hard[g]
        return (f"area: {a:.1f} km² > limit {lim:.0f} km² of the most lenient member terrain "
                "(H5)", f"面积：{a:.1f} km²，超过上限 {lim:.0f} km²")

    def figure(self, batch: GroupBatch, g: int) -> tuple[float, float]:
        return float(batch.area_km2[g]), float(batch.a_max_hard[g])


class TravelTime(HardConstraint):
    """H4: every settlement within the travel-time limit of the seat."""

    name, code = "travel_time", "H4"

    def failing(self, lay: GroupLayout, batch: GroupBatch) -> BoolArray:
        with np.errstate(invalid="ignore"):
            out: BoolArray = (lay.k > 1) & (batch.max_minutes > batch.t_max_hard)
        return out

    def detail(self, batch: GroupBatch, seats: SeatArrays | None, g: int) -> tuple[str, str]:
        sel = self.data.selector
        if sel is None or seats is None:
            return "", ""
        far, s = int(seats.farthest[g]), int(seats.seat[g])
        fl = unit_label(str(sel.ids[far]), sel.names[far])
        sl = unit_label(str(sel.ids[s]), sel.names[s])
        mins, lim = batch.max_minutes[g], batch.t_max_hard[g]
        return (f"travel time: {fl} is {mins:.0f} min from the seat {sl} > limit {lim:.0f} min "
                "(H4)", f"时距：{sel.names[far]}距驻地{sel.names[s]} {mins:.0f} 分钟，"
                f"超过上限 {lim:.0f} 分钟")

    def figure(self, batch: GroupBatch, g: int) -> tuple[float, float]:
        return float(batch.max_minutes[g]), float(batch.t_max_hard[g])


#: The hard constraints, in the order the binding one is named.
HARD_CONSTRAINTS: tuple[type[HardConstraint], ...] = (
    Locked, MustLink, SameParent, Contiguity, Size, Area, TravelTime)
#: Their names, in the same order.
CONSTRAINTS = tuple(c.name for c in HARD_CONSTRAINTS)


class ConstraintChecker:
    """Every hard constraint of one study area, checking batches of groups.

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> from townmerge.data.model import StudyArea
    >>> checker = ConstraintChecker(UnitData(StudyArea(grid_units("AB"))), Config())
    >>> list(checker.rules)[:2]
    ['locked', 'must_link']
    """

    def __init__(self, data: UnitData, config: Config,
                 extra: Sequence[HardConstraint] = ()) -> None:
        self.rules: dict[str, HardConstraint] = {
            c.name: c(data, config) for c in HARD_CONSTRAINTS}
        for rule in extra:  # the user's constraints, after the built-in ones
            self.rules[getattr(rule, "rule_name", rule.name)] = rule

    def check(self, lay: GroupLayout, batch: GroupBatch) -> dict[str, BoolArray]:
        """Each constraint's failing groups, each judged on its own."""
        return {name: rule.fails(lay, batch) for name, rule in self.rules.items()}

    def binding(self, fails: Mapping[str, BoolArray], n_groups: int,
                ) -> tuple[BoolArray, npt.NDArray[np.object_]]:
        """Feasibility of each group, and its binding (first failing) constraint ("": none)."""
        feasible = np.ones(n_groups, dtype=bool)
        binding = np.full(n_groups, "", dtype=object)
        for name in self.rules:
            fail = fails[name]
            binding[fail & feasible] = name
            feasible &= ~fail
        return feasible, binding

    def detail(self, rule: str, batch: GroupBatch, seats: SeatArrays | None,
               g: int) -> tuple[str, str]:
        """Why group ``g`` fails ``rule``, with its figures (English, Chinese); "" for no rule."""
        return self.rules[rule].detail(batch, seats, g) if rule in self.rules else ("", "")

    def failure_table(self, fails: Mapping[str, BoolArray], batch: GroupBatch) -> pd.DataFrame:
        """A bool column per constraint (True: the group fails it) and the judged figures.

        The figures: ``n_members``, ``area_km2``, ``area_limit_km2``,
        ``max_minutes``, ``minutes_limit``.
        """
        frame = pd.DataFrame({name: np.asarray(fails[name], dtype=bool) for name in self.rules})
        frame["n_members"] = batch.k
        frame["area_km2"] = batch.area_km2
        frame["area_limit_km2"] = batch.a_max_hard
        frame["max_minutes"] = batch.max_minutes
        frame["minutes_limit"] = batch.t_max_hard
        return frame

    def breaches(self, fails: Mapping[str, BoolArray], batch: GroupBatch,
                 seats: SeatArrays | None,
                 faults: Sequence[tuple[int, str, str]] = ()) -> list[Breach]:
        """Every constraint each group fails, with figure and limit, then its seat faults.

        ``faults`` are ``(group, English, Chinese)`` of seats that cannot be
        the group's (rule ``"seat"``).

        Returns
        -------
        list of (int, str, float, float, str, str)
            ``(group, rule, figure, limit, English, Chinese)`` in group order,
            rules in the order of :data:`CONSTRAINTS`, then ``"seat"``;
            figure and limit are NaN where the rule has none (locked units:
            how many are locked, limit 0; size: members; area: km²; travel
            time: minutes; contiguity: parts, limit 1; same county: counties,
            limit 1).
        """
        out: list[Breach] = []
        for g in range(batch.n):
            for name, rule in self.rules.items():
                if not fails[name][g]:
                    continue
                en, zh = rule.detail(batch, seats, g)
                figure, limit = rule.figure(batch, g)
                out.append((g, name, figure, limit, en, zh))
            out += [(g, "seat", float("nan"), float("nan"), en, zh)
                    for fg, en, zh in faults if fg == g]
        return out
