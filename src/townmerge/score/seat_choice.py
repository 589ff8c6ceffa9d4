"""The seat of one merged unit, explained: choice, keeper, seat move and villages.

:func:`choose_seat` chooses the seat (驻地) of the union of some units with the
seat selector (:class:`townmerge.score.seats.SeatSelector`) and explains it as a
:class:`SeatChoice`: every candidate's figures, whether the seat moved and one
sentence in Chinese and English. :func:`seat_keeper` is the one rule for the
member a new unit is named after (its seat implies its name), :func:`seat_move`
the one rule for a seat move (驻地迁移, 实施办法 Art. 2), judged by village
polygons (:func:`village_of`) when a villages layer is given.

Examples
--------
>>> from townmerge.datasets.synthetic import sample_county
>>> from townmerge.data.model import StudyArea
>>> c = sample_county()
>>> area = StudyArea(c.units, c.settlements, c.flows, c.roads)
>>> choice = choose_seat(area, ["511025102", "511025205"])
>>> choice.seat, choice.moved
('511025102001', False)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from ..config import Config
from ..data.model import StudyArea
from ..errors import InputError, format_ids
from .seats import SeatSelector, seat_selector, unit_thresholds

__all__ = ["SeatChoice", "choose_seat", "seat_keeper", "seat_move", "village_of"]


@dataclass(frozen=True)
class SeatChoice:
    """The seat chosen for one merged unit, with every candidate's figures.

    Attributes
    ----------
    members : tuple of str
        Current unit ids.
    seat : str or None
        Settlement id of the seat (None: no candidate).
    seat_name : str or None
    seat_unit : str or None
        Current unit the seat lies in.
    former_seats : tuple of str
        The members' current seats.
    moved : bool
        驻地迁移: the seat lies outside the villages of every former seat.
    within_limit : bool
        Every settlement of the union is within the travel-time limit (H4).
    candidates : DataFrame
        Per candidate settlement: ``name``, ``unit``, ``former_seat``,
        ``mean_minutes``, ``max_minutes``, the five terms (NaN when left
        out), ``score``, ``within_limit``, ``forced``, ``chosen``.
    notes : tuple of str
        Terms left out for lack of data, seats guessed, how moves were
        judged.
    reason_zh, reason_en : str
        One sentence built from the figures.
    keeper : str or None
        The member the new unit is named after (:func:`seat_keeper`): the one
        whose former seat is the seat, else the one the seat lies in.

    Examples
    --------
    >>> from townmerge.datasets.synthetic import sample_county
    >>> c = sample_county()
    >>> ch = choose_seat(StudyArea(c.units, c.settlements, c.flows, c.roads), ["511025116"])
    >>> ch.seat, ch.former_seats, ch.moved, ch.keeper
    ('511025116001', ('511025116001',), False, '511025116')
    """

    members: tuple[str, ...]
    seat: str | None
    seat_name: str | None
    seat_unit: str | None
    former_seats: tuple[str, ...]
    moved: bool
    within_limit: bool
    candidates: pd.DataFrame
    notes: tuple[str, ...]
    reason_zh: str
    reason_en: str
    keeper: str | None = None


def seat_keeper(selector: SeatSelector | None, members: Sequence[str], seat: str | None,
                population: Sequence[float] | None = None) -> str:
    """The member a new unit is named after: the seat implies the name.

    The one rule for the id and name a new unit keeps, used by every generator,
    the report, the ``seats`` command and the merged units: the member whose
    former seat is the new unit's seat; else the member the seat lies in (a
    new site); else (no seat) the most populous member, ties to the first.
    So a new unit never keeps one member's name while its seat is another
    member's former seat.

    Parameters
    ----------
    selector : SeatSelector or None
        Former seats of the units and the unit of each settlement (None: no
        settlements, the most populous member).
    members : sequence of str
        Current unit ids of the new unit.
    seat : str or None
        The new unit's seat (a settlement id).
    population : sequence of float, optional
        Population of each member, for the fallback (NaN counts as none).

    Returns
    -------
    str
        A member's unit id.

    Examples
    --------
    >>> from townmerge.datasets.synthetic import sample_county
    >>> c = sample_county()
    >>> sel = SeatSelector(StudyArea(c.units, c.settlements, c.flows, c.roads))
    >>> seat_keeper(sel, ["511025114", "511025116"], "511025116001")
    '511025116'
    >>> seat_keeper(None, ["A", "B"], None, population=[10.0, 20.0])
    'B'
    """
    ids = [str(m) for m in members]
    if not ids:
        raise InputError("seat_keeper needs at least one unit id.")
    if selector is not None and seat is not None:
        at = int(selector.ids.get_indexer(pd.Index([str(seat)], dtype=object))[0])
        if at >= 0:
            pos = selector.unit_ids.get_indexer(pd.Index(ids, dtype=object))
            for m, p in zip(ids, pos, strict=True):
                if p >= 0 and selector.unit_seat[p] == at:
                    return m
            u = int(selector.unit_of[at])
            if u >= 0 and str(selector.unit_ids[u]) in ids:
                return str(selector.unit_ids[u])
    if population is None:
        return ids[0]
    pop = [float(x) if x == x else -np.inf for x in population]
    return ids[int(np.argmax(pop))]


def seat_move(area: StudyArea, seat: str, former_seats: Sequence[str],
              villages: gpd.GeoDataFrame | None = None) -> tuple[bool, str]:
    """Whether a seat is a move (驻地迁移, 实施办法 Art. 2), and how that was judged.

    With a villages layer: the seat lies outside the village of every former
    seat; without one (or when a seat lies in no village): the seat is not one
    of the former seats. The one rule for ``moved`` in :func:`choose_seat`, the
    report and the ``seats`` command.

    Examples
    --------
    >>> from townmerge.testing.examples import example_area
    >>> area = example_area()
    >>> seat_move(area, "b1", ["a1", "b1"])[0], seat_move(area, "b1", ["a1"])[0]
    (False, True)
    """
    former = [str(f) for f in former_seats]
    if villages is not None:
        vil = village_of(area, villages, [str(seat), *former])
        if not vil.isna().any():
            return (bool(vil.iloc[0] not in set(vil.iloc[1:])),
                    "seat move judged by village polygons (实施办法 Art. 2)")
        return (str(seat) not in former, "the seat or a former seat lies in no village polygon; "
                "the move is judged by settlements")
    return (str(seat) not in former,
            "no villages layer: a seat move means the seat is not a former seat")


def village_of(area: StudyArea, villages: gpd.GeoDataFrame, ids: Sequence[str]) -> pd.Series:
    """Village polygon each settlement lies in (None where none).

    Parameters
    ----------
    area : StudyArea
        The township study area whose settlements are looked up.
    villages : GeoDataFrame
        Village polygons indexed by village id (any CRS; none means the area's).
    ids : sequence of str
        Settlement ids of ``area``.

    Returns
    -------
    Series
        The village id of each settlement, indexed by ``ids``; ``None`` outside every village.

    Examples
    --------
    >>> from townmerge.testing.examples import example_area
    >>> area = example_area()
    >>> whole = gpd.GeoDataFrame(geometry=[area.units.union_all()], index=["v1"], crs=area.crs)
    >>> village_of(area, whole, ["a1", "b1"]).tolist()
    ['v1', 'v1']
    """
    st = area.settlements
    assert st is not None
    pts = st.loc[list(ids), ["geometry"]]
    v = villages.to_crs(area.crs) if villages.crs is not None else villages.set_crs(area.crs)
    v = gpd.GeoDataFrame({"_village": v.index.astype(str)}, geometry=v.geometry.to_numpy(),
                         crs=v.crs)
    joined = gpd.sjoin(pts, v, how="left", predicate="within")
    found = joined.groupby(level=0)["_village"].first()
    return found.reindex(pts.index).astype(object).where(lambda s: s.notna(), None)


def choose_seat(
    area: StudyArea,
    members: Sequence[str],
    *,
    config: Config | None = None,
    villages: gpd.GeoDataFrame | None = None,
    selector: SeatSelector | None = None,
) -> SeatChoice:
    r"""Choose the seat (驻地) of the union of ``members`` and explain it.

    Parameters
    ----------
    area : StudyArea
        Needs settlements (roads make the hub term and travel times real).
    members : sequence of str
        Current unit ids of the merged unit (one id: the unit as it is).
    config : Config, optional
        Seat weights and candidates in ``config.seats``.
    villages : GeoDataFrame, optional
        Village (村/社区) polygons, index = village id: a seat move is then
        judged by villages (实施办法 Art. 2); without them, by settlements.
    selector : SeatSelector, optional
        Reuse the settlement figures of an area (faster for many calls).

    Returns
    -------
    SeatChoice

    Raises
    ------
    InputError
        For unknown or repeated unit ids, or an area without settlements.

    Examples
    --------
    >>> from townmerge.datasets.synthetic import sample_county
    >>> c = sample_county()
    >>> area = StudyArea(c.units, c.settlements, c.flows, c.roads)
    >>> ch = choose_seat(area, ["511025102", "511025205"], villages=c.villages)
    >>> ch.seat_name, int(ch.candidates["chosen"].sum()), ch.moved
    ('利光社区', 1, False)
    >>> print(*ch.reason_en.split("; "), sep="\n")
    the seat is 利光社区 (a former seat), 5 minutes away on average and at most 11 (兴包村)
    2 candidates
    """
    cfg = config or Config()
    sel = selector or seat_selector(area, cfg)
    ids = [str(m) for m in members]
    pos = sel.unit_ids.get_indexer(pd.Index(ids, dtype=object))
    if len(ids) == 0:
        raise InputError("choose_seat needs at least one unit id.")
    if (pos < 0).any():
        unknown = [i for i, p in zip(ids, pos, strict=True) if p < 0]
        raise InputError(f"Unknown unit id(s): {format_ids(unknown)}.")
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise InputError(f"Unit ids given twice: {format_ids(twice)}.")
    units = area.units
    th = unit_thresholds(units, cfg)
    upop = units["population"].to_numpy(dtype=float)
    w = np.where(np.isfinite(upop[pos]), upop[pos], 1.0)
    w = w if w.sum() > 0 else np.ones_like(w)
    soft = float((th["t_max"][pos] * w).sum() / w.sum())
    hard = float(th["t_max"][pos].max())
    order = np.sort(pos).astype(np.int64)
    res = sel.select(np.array([0, order.size], dtype=np.int64), order, np.array([soft]),
                     np.array([hard]))
    cand = res.cand_terms.copy()
    cand.index = pd.Index(sel.ids[res.cand_settlement], name="settlement_id")
    cand.insert(0, "name", sel.names[res.cand_settlement])
    cand.insert(1, "unit", sel.unit_ids[np.maximum(sel.unit_of[res.cand_settlement], 0)]
                .to_numpy(dtype=object))
    cand.insert(2, "former_seat", sel.is_former[res.cand_settlement])
    cand = cand.sort_values("score", ascending=False, kind="stable")
    notes = [en for en, _ in sel.notes]
    s = int(res.seat[0])
    former = tuple(str(sel.ids[p]) for p in sel.unit_seat[order] if p >= 0)
    if s < 0:
        return SeatChoice(tuple(ids), None, None, None, former, False, False, cand,
                          (*notes, "no candidate seat: the units have no settlements"),
                          "无可选驻地（无聚落数据）", "no candidate seat (no settlements)",
                          seat_keeper(sel, ids, None, upop[pos].tolist()))
    seat_id = str(sel.ids[s])
    moved, how = seat_move(area, seat_id, former, villages)
    notes.append(how)
    seat_unit = sel.unit_ids[sel.unit_of[s]] if sel.unit_of[s] >= 0 else None
    row = cand.loc[seat_id]
    mean_min, max_min = float(row["mean_minutes"]), float(row["max_minutes"])
    name = str(sel.names[s])
    far = int(res.farthest[0])
    zh = (f"驻地设在{name}（{'新址，驻地迁移' if moved else '原驻地'}），"
          f"居民平均 {mean_min:.0f} 分钟可达，最远 {max_min:.0f} 分钟"
          + (f"（{sel.names[far]}）" if far >= 0 else "")
          + ("" if bool(row["within_limit"]) else f"，超过 {hard:.0f} 分钟上限")
          + (f"，共 {len(cand)} 个候选" if len(cand) > 1 else ""))
    en = (f"the seat is {name} ({'a new site: seat move' if moved else 'a former seat'}), "
          f"{mean_min:.0f} minutes away on average and at most {max_min:.0f}"
          + (f" ({sel.names[far]})" if far >= 0 else "")
          + ("" if bool(row["within_limit"]) else f", beyond the {hard:.0f}-minute limit")
          + (f"; {len(cand)} candidates" if len(cand) > 1 else ""))
    return SeatChoice(tuple(ids), seat_id, name, None if seat_unit is None else str(seat_unit),
                      former, bool(moved), bool(row["within_limit"]), cand, tuple(notes), zh, en,
                      seat_keeper(sel, ids, seat_id))
