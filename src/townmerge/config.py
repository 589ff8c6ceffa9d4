r"""Documented defaults: thresholds, weights, bands, constraints, seats, tiers, travel, flows.

Every default lives here in frozen dataclasses (never in module-level mutable
state) and can be read from or written to TOML. The figures are the proposed
defaults of the domain notes, anchored on Sichuan's 2019–2021 reform:
post-reform average 2.93万 people and 156.7 km² per township; hilly 遂宁
3.95万 / 56 km²; mountainous 美姑 1.5万 / 143 km².

- :class:`Thresholds` — size and access limits by terrain (§5.1);
- :class:`Weights` — weights of the soft criteria (§5.3), user criteria in
  ``extra``;
- :class:`Bands` — decision bands: recommend ≥ 0.60, reject < 0.40 (§5.3);
- :class:`Constraints` — which hard constraints apply (§5.2);
- :class:`CriteriaSettings` — the shape parameters of the criteria;
- :class:`SeatSettings` — the seat (驻地) score of §7;
- :class:`TierSettings` — settlement tiers of §6;
- :class:`TravelParams` — road speeds by class and terrain, access legs and
  the cut-off of the travel-time model (``[travel]``);
- :class:`GravityParams` — the gravity model of unobserved flows (§4) and its
  fit (``[gravity]``).

Every table is optional in TOML; keys left out keep their defaults, unknown
keys are refused naming them (except in ``[weights]``, where an unknown key is
the weight of a user-registered criterion). A sub-table such as
``[travel.road_speeds_kmh]`` replaces its default table whole, as the keyword
does in Python.

Examples
--------
>>> cfg = Config()
>>> cfg.thresholds.for_terrain("mountain").p_min
12000
>>> cfg.weights.access, cfg.bands.recommend, cfg.seats.access
(0.15, 0.6, 0.35)
>>> Config.from_toml(cfg.to_toml()) == cfg
True
>>> Config.from_toml("[weights]\nmy_criterion = 0.2\n").weights.get("my_criterion")
0.2
"""

from __future__ import annotations

import json
import math
import numbers
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from .errors import InputError

__all__ = [
    "BUILTIN_CRITERIA",
    "GDP_WEIGHT",
    "ROAD_SPEEDS_KMH",
    "TERRAINS",
    "TERRAIN_SPEED_FACTOR",
    "TOWN_TIERS",
    "VILLAGE_TIERS",
    "Bands",
    "Config",
    "Constraints",
    "CriteriaSettings",
    "GravityParams",
    "SeatSettings",
    "TerrainThresholds",
    "Thresholds",
    "TierSettings",
    "TravelParams",
    "Weights",
]

#: Terrain classes, from the most to the least densely settled.
TERRAINS = ("plain", "hill", "mountain", "plateau")
#: Operating speed of each road class on plain terrain, km/h: used by the travel-time
#: model (:mod:`townmerge.graph.travel`) and by the synthetic counties alike.
ROAD_SPEEDS_KMH: Mapping[str, float] = MappingProxyType({
    "expressway": 100.0,
    "national": 70.0,
    "provincial": 60.0,
    "county": 45.0,
    "township": 35.0,
    "village": 25.0,
})
#: Speed multiplier by terrain: hill and mountain roads wind and climb.
TERRAIN_SPEED_FACTOR: Mapping[str, float] = MappingProxyType({
    "plain": 1.0, "hill": 0.85, "mountain": 0.65, "plateau": 0.75,
})

#: Names of the built-in soft criteria, in output order (the fields of :class:`Weights`).
BUILTIN_CRITERIA = (
    "population_flow", "traffic_flow", "economic_flow", "scale", "access", "core",
    "compactness", "cohesion", "efficiency", "balance", "continuity", "risk",
)

#: Town-level tiers (镇级), from the top.
TOWN_TIERS = ("主城区", "副中心", "中心镇", "特色镇", "一般镇")
#: Village-level tiers (村级), from the top.
VILLAGE_TIERS = ("中心村", "特色村/重点村", "一般村")


@dataclass(frozen=True)
class TerrainThresholds:
    """Size and access limits for units on one terrain class.

    Attributes
    ----------
    p_min : int
        Population floor a merged township should reach (target floor).
    p_max : int
        Soft population cap.
    a_max_km2 : float
        Largest acceptable area, km².
    t_max_min : float
        Longest acceptable travel time from any settlement to the seat, minutes.
    t_good_min : float
        Travel time to the seat considered good, minutes.

    Examples
    --------
    >>> TerrainThresholds(30000, 120000, 150, 30, 15).p_max
    120000
    """

    p_min: int
    p_max: int
    a_max_km2: float
    t_max_min: float
    t_good_min: float

    def __post_init__(self) -> None:
        bad = [f"{n} = {getattr(self, n)!r}" for n in ("p_min", "p_max", "a_max_km2",
                                                        "t_max_min", "t_good_min")
               if not _finite_number(getattr(self, n))
               or not getattr(self, n) >= (0 if n == "p_min" else 1e-300)]
        if bad:
            raise InputError(f"Terrain thresholds must be finite numbers, p_min >= 0 and the "
                             f"others > 0; got {', '.join(bad)}.")
        if self.p_min > self.p_max:
            raise InputError(f"p_min ({self.p_min:,}) is above p_max ({self.p_max:,}): the "
                             "population floor must not exceed the cap; raise p_max or lower "
                             "p_min.")
        if self.t_good_min > self.t_max_min:
            raise InputError(f"t_good_min ({self.t_good_min}) is above t_max_min "
                             f"({self.t_max_min}): a good travel time must be within the limit.")


def _finite_number(v: object) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)


def _terrain_name(terrain: object) -> str | None:
    """A terrain name lower-cased and stripped; ``None`` when missing."""
    if terrain is None or terrain != terrain:
        return None
    name = str(terrain).strip().lower()
    return name or None


def _default_terrains() -> dict[str, TerrainThresholds]:
    return {
        "plain": TerrainThresholds(30_000, 120_000, 150.0, 30.0, 15.0),
        "hill": TerrainThresholds(20_000, 80_000, 250.0, 45.0, 20.0),
        "mountain": TerrainThresholds(12_000, 50_000, 500.0, 60.0, 30.0),
        "plateau": TerrainThresholds(5_000, 30_000, 1_500.0, 90.0, 45.0),
    }


@dataclass(frozen=True)
class Thresholds:
    """Per-terrain thresholds, with the terrain used where a unit has none.

    Examples
    --------
    >>> Thresholds().for_terrain(None).p_min
    20000
    """

    plain: TerrainThresholds = field(default_factory=lambda: _default_terrains()["plain"])
    hill: TerrainThresholds = field(default_factory=lambda: _default_terrains()["hill"])
    mountain: TerrainThresholds = field(default_factory=lambda: _default_terrains()["mountain"])
    plateau: TerrainThresholds = field(default_factory=lambda: _default_terrains()["plateau"])
    default_terrain: str = "hill"

    def __post_init__(self) -> None:
        name = _terrain_name(self.default_terrain)
        if name not in TERRAINS:
            raise InputError(f"Unknown default_terrain {self.default_terrain!r}; the known "
                             f"terrains are {', '.join(TERRAINS)}.")
        object.__setattr__(self, "default_terrain", name)

    def for_terrain(self, terrain: str | None) -> TerrainThresholds:
        """Thresholds of ``terrain`` (the default terrain when missing).

        Terrain names are case-insensitive: ``"Plain"`` is ``"plain"``.

        Examples
        --------
        >>> Thresholds().for_terrain("Plateau").t_max_min
        90.0

        Raises
        ------
        InputError
            For a terrain that is not one of :data:`TERRAINS`.
        """
        name = _terrain_name(terrain) or self.default_terrain
        if name not in TERRAINS:
            raise InputError(f"Unknown terrain {terrain!r}; the known terrains are "
                             f"{', '.join(TERRAINS)} (upper or lower case).")
        result: TerrainThresholds = getattr(self, name)
        return result


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


@dataclass(frozen=True)
class SeatSettings:
    """The seat (驻地) score of domain notes §7: ``0.35·A + 0.30·Z + 0.15·H + 0.10·Cont + 0.10·L``.

    A term without data (no roads for H, no land column for L) is left out
    and the other weights renormalised; the seat choice says so.

    Attributes
    ----------
    access : float, default 0.35
        A: ``1 − T̄ / T_max``, the population-weighted mean travel time from the
        group's settlements (the p-median objective).
    centrality : float, default 0.30
        Z: the candidate's centrality relative to the strongest candidate.
    hub : float, default 0.15
        H: road hub strength (sum of speeds of the roads at its node)
        relative to the strongest candidate.
    continuity : float, default 0.10
        Cont: 1 when the candidate already is a seat (avoids a statutory
        驻地迁移).
    land : float, default 0.10
        L: room to expand, from the settlement column :attr:`land_column`
        relative to the largest candidate.
    candidates : {"seats", "towns"}, default "seats"
        ``seats``: the members' current seats; ``towns``: also every other
        town-level settlement (kind ``county seat`` or ``town seat``) inside
        the union.
    land_column : str, default "land"
        Settlement column of land available for building (any unit).
    hazard_column : str, default "hazard"
        Settlement column flagging geological-hazard zones (truthy: never a
        seat).

    Examples
    --------
    >>> SeatSettings().as_dict()["access"]
    0.35
    """

    access: float = 0.35
    centrality: float = 0.30
    hub: float = 0.15
    continuity: float = 0.10
    land: float = 0.10
    candidates: str = "seats"
    land_column: str = "land"
    hazard_column: str = "hazard"

    def __post_init__(self) -> None:
        bad = [k for k, v in self.as_dict().items() if not (v >= 0 and math.isfinite(v))]
        if bad or sum(self.as_dict().values()) <= 0:
            raise InputError(f"Seat weights must be non-negative with a positive sum; got "
                             f"{self.as_dict()}.")
        if self.candidates not in ("seats", "towns"):
            raise InputError(f"SeatSettings.candidates must be 'seats' or 'towns', not "
                             f"{self.candidates!r}.")

    def as_dict(self) -> dict[str, float]:
        """The five term weights by name.

        Examples
        --------
        >>> round(sum(SeatSettings().as_dict().values()), 10)
        1.0
        """
        return {k: float(getattr(self, k))
                for k in ("access", "centrality", "hub", "continuity", "land")}


@dataclass(frozen=True)
class TierSettings:
    """Settlement tier classification (domain notes §6).

    Attributes
    ----------
    method : {"natural_breaks", "thresholds"}, default "natural_breaks"
        How centrality classes are cut when no quotas are given: Jenks–Fisher
        natural breaks (as in the cited studies) or the fixed cut-offs below.
        Quotas, when given, are met exactly and override the method.
    town_quotas : tuple of int, optional
        Exact counts of 主城区, 副中心, 中心镇, 特色镇 (the rest are 一般镇),
        e.g. ``(3, 2, 7, 14)`` as in the seed county.
    village_quotas : tuple of int, optional
        Exact counts of 中心村 and 特色村/重点村 (the rest are 一般村).
    town_thresholds : tuple of float, default (0.5, 0.25)
        With ``method="thresholds"``: centrality cut-offs of the top (副中心
        candidates) and middle (中心镇) classes, in [0, 1].
    village_threshold : float, default 0.4
        With ``method="thresholds"``: centrality cut-off of 中心村.
    urban_minutes : float, default 15.0
        Town nodes this close to the county seat are 主城区 (contiguous
        built-up proxy), as are the county seat and the seats of 街道.
    sub_centre_min_minutes : float, default 30.0
        副中心 lie at least this far from the county seat.
    n_sub_centres : int, default 2
        At most this many 副中心 (the seed county has 2).
    sub_centre_min_dominated : int, default 3
        A 副中心 is the main destination (largest membership F) of at least
        this many other town nodes (checked where there are flows).
    central_town_min_dominated : int, default 0
        A 中心镇 must be the main destination of at least this many other
        town nodes. The notes propose 2 ("pulls its neighbours along"); on
        the sample county that demotes the fifth-strongest town to 一般镇,
        so the test is off by default (0) and the count is reported in each
        node's reason instead.
    central_village_min_population : int, default 601
        中心村 have at least this many people (GB 50188 "large" village),
        except the one central village every township gets.
    specialty_column : str, default "specialty"
        Settlement column flagging a specialisation (tourism, culture,
        industry, traditional village): 特色镇 / 特色村.
    facilities_column : str, default "facilities"
        Settlement column counting facilities (school, clinic, market,
        bank), used in the centrality where present.
    centrality_weights : tuple of (str, float) pairs, default ()
        Fixed weights of the centrality indicators (``population``,
        ``potential``, ``road``, ``facilities``, ``gdp``); empty: entropy
        weights (熵权法) from the data.
    max_breaks_values : int, default 3000
        Natural breaks are computed on at most this many values (evenly
        spaced order statistics of larger sets): the exact Fisher algorithm
        is quadratic.

    Examples
    --------
    >>> TierSettings(town_quotas=(3, 2, 7, 14)).town_quotas
    (3, 2, 7, 14)
    """

    method: str = "natural_breaks"
    town_quotas: tuple[int, ...] | None = None
    village_quotas: tuple[int, ...] | None = None
    town_thresholds: tuple[float, float] = (0.5, 0.25)
    village_threshold: float = 0.4
    urban_minutes: float = 15.0
    sub_centre_min_minutes: float = 30.0
    n_sub_centres: int = 2
    sub_centre_min_dominated: int = 3
    central_town_min_dominated: int = 0
    central_village_min_population: int = 601
    specialty_column: str = "specialty"
    facilities_column: str = "facilities"
    centrality_weights: tuple[tuple[str, float], ...] = ()
    max_breaks_values: int = 3000

    def __post_init__(self) -> None:
        if self.method not in ("natural_breaks", "thresholds"):
            raise InputError(f"TierSettings.method must be 'natural_breaks' or 'thresholds', "
                             f"not {self.method!r}.")
        for name, n in (("town_quotas", 4), ("village_quotas", 2)):
            q = getattr(self, name)
            if q is None:
                continue
            q = tuple(q)
            if len(q) != n or any(int(v) != v or v < 0 for v in q):
                raise InputError(f"TierSettings.{name} must be {n} non-negative whole numbers "
                                 f"(the rest get the last tier); got {q}.")
            object.__setattr__(self, name, tuple(int(v) for v in q))
        object.__setattr__(self, "town_thresholds", tuple(float(v) for v in self.town_thresholds))
        object.__setattr__(self, "centrality_weights", tuple(sorted(
            (str(k), float(v)) for k, v in dict(self.centrality_weights).items())))


# -- travel times and the gravity model -------------------------------------------------------
FitMethod = Literal["poisson", "loglinear"]


def _frozen_mapping(value: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType({str(k): float(v) for k, v in value.items()})


@dataclass(frozen=True)
class TravelParams:
    """How travel times are computed; every default is documented here.

    Attributes
    ----------
    road_speeds_kmh : mapping of str to float
        Speed of each ``road_class`` on plain terrain. Defaults: expressway 100,
        national 70, provincial 60, county 45, township 35, village 25 km/h:
        typical operating speeds of Chinese rural roads (JTG B01 design speeds
        are higher; trucks, junctions and villages slow real traffic).
    terrain_speed_factor : mapping of str to float
        Multiplier of class speeds by the terrain of the unit a road runs
        through: plain 1.0, hill 0.85, mountain 0.65, plateau 0.75. A missing
        or unknown terrain counts as plain.
    default_speed_kmh : float, default 30.0
        Speed of a road with neither ``speed_kmh`` nor a known ``road_class``
        (about a township road).
    access_speed_kmh : float, default 15.0
        Speed of the access leg from a settlement to its road node (local
        tracks by motorbike or farm vehicle; walking would be 5).
    max_access_m : float, default 3000.0
        Settlements farther than this from every road node are not attached
        to the road network (about the radius of a large mountain village);
        they use the fallback.
    detour_factor : float, default 1.3
        Ratio of route length to straight-line distance for access legs and
        the fallback; road networks' circuity is typically 1.2–1.4.
    fallback_speed_kmh : float, default 30.0
        Speed on plain terrain where there is no usable road, times the
        terrain factor of each end's unit.
    snap_m : float, default 1.0
        Road end points closer than this are the same node, and a road end
        closer than this to another road's interior joins it there (a
        T-junction); see :func:`townmerge.data.roads.node_roads`.
    join_crossings : bool, default False
        Whether two roads that cross without a shared vertex meet there. Off:
        a bridge or an overpass does not connect to the road below; turn it on
        for road layers digitised without vertices at junctions.
    dangle_m : float, default 20.0
        Validation warns about a road end met by no other road but closer than
        this to one (an undershoot, which :attr:`snap_m` does not join).
    cutoff_min : float, default 60.0
        Pairs farther apart than this (minutes) are not listed by
        :meth:`TravelNetwork.within_cutoff`: an hour is the usual horizon of
        daily trips between settlements, and beyond it gravity flows at
        ``b = 2`` are under 1 % of those at 6 minutes.
    max_destinations : int, optional
        Keep at most this many destinations per origin, the nearest in time
        (ties: the smaller position), so that the cut-off follows local
        density: in dense areas an origin keeps only its nearer neighbours.
        ``None`` (the default) keeps every pair within ``cutoff_min``; a
        50,000-settlement synthetic province then has about 300 destinations
        per origin within 60 minutes.

    Examples
    --------
    >>> TravelParams().road_speeds_kmh["county"], TravelParams(cutoff_min=30).cutoff_min
    (45.0, 30)
    """

    road_speeds_kmh: Mapping[str, float] = field(default_factory=lambda: ROAD_SPEEDS_KMH)
    terrain_speed_factor: Mapping[str, float] = field(
        default_factory=lambda: TERRAIN_SPEED_FACTOR)
    default_speed_kmh: float = 30.0
    access_speed_kmh: float = 15.0
    max_access_m: float = 3000.0
    detour_factor: float = 1.3
    fallback_speed_kmh: float = 30.0
    snap_m: float = 1.0
    join_crossings: bool = False
    dangle_m: float = 20.0
    cutoff_min: float = 60.0
    max_destinations: int | None = None

    def __hash__(self) -> int:
        return hash(tuple(tuple(sorted(v.items())) if isinstance(v, Mapping) else v
                          for v in vars(self).values()))

    def __post_init__(self) -> None:
        object.__setattr__(self, "road_speeds_kmh", _frozen_mapping(self.road_speeds_kmh))
        factors = {_terrain_name(k): v for k, v in self.terrain_speed_factor.items()}
        unknown = sorted(str(k) for k in self.terrain_speed_factor if _terrain_name(k)
                         not in TERRAINS)
        if unknown:
            raise InputError(f"terrain_speed_factor names unknown terrain(s) {unknown}; the "
                             f"known terrains are {', '.join(TERRAINS)}.")
        object.__setattr__(self, "terrain_speed_factor", _frozen_mapping(
            {str(k): v for k, v in factors.items()}))
        bad = [name for name in ("default_speed_kmh", "access_speed_kmh", "detour_factor",
                                 "fallback_speed_kmh", "snap_m")
               if not getattr(self, name) > 0]
        bad += [f"road_speeds_kmh[{k!r}]" for k, v in self.road_speeds_kmh.items() if not v > 0]
        bad += [f"terrain_speed_factor[{k!r}]" for k, v in self.terrain_speed_factor.items()
                if not v > 0]
        if not self.dangle_m >= 0:
            bad.append("dangle_m")
        if not self.cutoff_min > 0 or not self.max_access_m >= 0:
            bad.append("cutoff_min" if not self.cutoff_min > 0 else "max_access_m")
        if self.max_destinations is not None and not self.max_destinations >= 1:
            bad.append("max_destinations")
        if bad:
            raise InputError(f"TravelParams must be positive; got non-positive {bad}.")


#: Per-capita output of each settlement kind relative to a village, for the GDP proxy.
GDP_WEIGHT: Mapping[str, float] = MappingProxyType({
    "county seat": 3.0, "town seat": 2.0, "community": 1.5, "village": 1.0,
})


@dataclass(frozen=True)
class GravityParams:
    """Settings of the gravity model; every default is documented here.

    Attributes
    ----------
    b : float, default 2.0
        Distance-decay exponent for flow types that are not observed (or not
        fitted). 2 is the classic 引力模型 value (domain notes §4, b = 1–2).
    k : float, default 1.0
        Scale for flow types that are not observed: unobserved flows are then
        a relative index (memberships, dominant directions and
        self-containment do not depend on ``k``).
    min_minutes : float, default 5.0
        Travel times below this count as this (``t_0``): it keeps flows
        between settlements of one market town finite, standing for the
        terminal time of any trip.
    fit : bool, default True
        Fit ``k`` and ``b`` of every observed flow type and report them.
    method : {"poisson", "loglinear"}, default "poisson"
        ``"poisson"``: Poisson pseudo-maximum-likelihood by IRLS (Santos Silva
        & Tenreyro 2006): consistent under heteroskedastic noise, keeps zero
        flows. ``"loglinear"``: least squares of ``log I − log M_i M_j`` on
        ``log t`` (the classic appendix method): faster, but drops zeros and
        is biased when the noise's variance changes with the flow.
    fill_unobserved : bool, default False
        ``False``: the flow table is complete for the types it has (a pair
        it does not list carries none of them), and fits use every pair
        within the cut-off, zeros included. ``True``: the table is a sample of
        pairs; the fit uses the listed pairs and pairs within the cut-off that
        it does not list get the fitted gravity estimate.
    gdp_weight : mapping of str to float
        Per-capita output of each settlement ``kind`` relative to a village,
        for the GDP proxy ``G = P × w`` used when settlements have no ``gdp``
        column: county seat 3, town seat 2, community 1.5, village 1. Towns
        hold the shops, services and firms (Sichuan's 100 central towns average
        ¥27.21亿 GDP for 3.76万 residents, about ¥7.2万 a head, domain notes
        §1.1); the ratios between kinds are assumptions: give a ``gdp`` column
        where it is known.
    default_gdp_weight : float, default 1.0
        Weight of kinds missing from ``gdp_weight``.
    traffic_reference_kmh : float, default 25.0
        Road speed ``v`` of the traffic road weight ``max(S, v) / 2v`` (a
        village road).

    Examples
    --------
    >>> GravityParams().b, GravityParams(b=1.5).b
    (2.0, 1.5)
    """

    b: float = 2.0
    k: float = 1.0
    min_minutes: float = 5.0
    fit: bool = True
    method: FitMethod = "poisson"
    fill_unobserved: bool = False
    gdp_weight: Mapping[str, float] = field(default_factory=lambda: GDP_WEIGHT)
    default_gdp_weight: float = 1.0
    traffic_reference_kmh: float = 25.0

    def __hash__(self) -> int:
        return hash(tuple(tuple(sorted(v.items())) if isinstance(v, Mapping) else v
                          for v in vars(self).values()))

    def __post_init__(self) -> None:
        object.__setattr__(self, "gdp_weight", MappingProxyType(
            {str(k): float(v) for k, v in self.gdp_weight.items()}))
        bad = [n for n in ("k", "min_minutes", "default_gdp_weight", "traffic_reference_kmh")
               if not getattr(self, n) > 0]
        bad += [f"gdp_weight[{k!r}]" for k, v in self.gdp_weight.items() if not v > 0]
        if not self.b >= 0:
            bad.append("b")
        if bad:
            raise InputError(f"GravityParams must be positive; got {bad} out of range.")
        if self.method not in ("poisson", "loglinear"):
            raise InputError(f"Unknown fit method {self.method!r}; expected 'poisson' or "
                             "'loglinear'.")


@dataclass(frozen=True)
class Config:
    """All tunable settings of townmerge; pass one to any function that takes ``config``.

    Attributes
    ----------
    thresholds : Thresholds
        Size and access limits by terrain.
    flow_type : str
        Which flow the first merge rule follows when several are given
        (``"population"``, ``"traffic"`` or ``"economic"``); also the flow
        quoted in the reasons of :func:`townmerge.score_mergers`.
    max_members : int
        Most current units merged into one new unit (H6: the reform's observed
        maximum is 4 → 1, typically 2–3). Generators keep to it where the
        target allows; candidate groups are built up to it.
    weights : Weights
        Weights of the soft criteria.
    bands : Bands
        Decision bands of the total.
    constraints : Constraints
        Which hard constraints apply.
    criteria : CriteriaSettings
        Shape parameters of the criteria.
    seats : SeatSettings
        The seat score.
    tiers : TierSettings
        Settlement tiers.
    travel : TravelParams
        How travel times are computed (road speeds, terrain factors, access
        legs, cut-off); used wherever townmerge builds the travel network
        from a config (seats, scoring, figures).
    gravity : GravityParams
        The gravity model of unobserved flows and its fit.

    Examples
    --------
    >>> Config().flow_type
    'population'
    """

    thresholds: Thresholds = field(default_factory=Thresholds)
    flow_type: str = "population"
    max_members: int = 4
    weights: Weights = field(default_factory=Weights)
    bands: Bands = field(default_factory=Bands)
    constraints: Constraints = field(default_factory=Constraints)
    criteria: CriteriaSettings = field(default_factory=CriteriaSettings)
    seats: SeatSettings = field(default_factory=SeatSettings)
    tiers: TierSettings = field(default_factory=TierSettings)
    travel: TravelParams = field(default_factory=TravelParams)
    gravity: GravityParams = field(default_factory=GravityParams)

    @classmethod
    def for_villages(cls) -> Config:
        """Defaults for merging villages (村级建制调整) rather than townships.

        Village-scale thresholds of the domain notes (§5, proposed; calibrate
        per county): population floors plain 2,500 / hill 1,500 / mountain 800
        / plateau 300, soft caps four times those, travel time to the village
        committee 20 / 30 / 45 / 60 minutes (good: half), area 15 / 30 / 60 /
        200 km².

        Examples
        --------
        >>> Config.for_villages().thresholds.for_terrain("mountain").p_min
        800
        """
        return cls(thresholds=Thresholds(
            plain=TerrainThresholds(2_500, 10_000, 15.0, 20.0, 10.0),
            hill=TerrainThresholds(1_500, 6_000, 30.0, 30.0, 15.0),
            mountain=TerrainThresholds(800, 3_200, 60.0, 45.0, 22.5),
            plateau=TerrainThresholds(300, 1_200, 200.0, 60.0, 30.0),
        ))

    def to_toml(self) -> str:
        """Serialise to TOML text (every setting, defaults included).

        Examples
        --------
        >>> print(Config().to_toml().splitlines()[0])
        flow_type = "population"
        """
        lines = [f'flow_type = "{self.flow_type}"', f"max_members = {self.max_members}", "",
                 "[thresholds]",
                 f'default_terrain = "{self.thresholds.default_terrain}"']
        for terrain in TERRAINS:
            lines += ["", f"[thresholds.{terrain}]"]
            lines += _table_lines(self.thresholds.for_terrain(terrain))
        lines += ["", "[weights]"]
        lines += [f"{_key(k)} = {_value(v)}" for k, v in self.weights.as_dict().items()]
        for name in ("bands", "constraints", "criteria", "seats", "tiers", "travel", "gravity"):
            lines += ["", f"[{name}]"]
            lines += _table_lines(getattr(self, name))
            for f in fields(getattr(self, name)):
                value = getattr(getattr(self, name), f.name)
                if isinstance(value, Mapping):
                    lines += ["", f"[{name}.{f.name}]"]
                    lines += [f"{_key(k)} = {_value(v)}" for k, v in value.items()]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_toml(cls, text: str) -> Config:
        r"""Read from TOML text; keys left out keep their defaults.

        Raises
        ------
        InputError
            For text that is not TOML, unknown keys, values of the wrong type
            and values out of range, naming each key; every problem is listed.

        Examples
        --------
        >>> Config.from_toml("[bands]\nrecommend = 0.7\n").bands.recommend
        0.7
        >>> Config.from_toml("[bands]\nrecomend = 0.7\n")
        Traceback (most recent call last):
        ...
        townmerge.errors.InputError: The settings have 1 problem; fix them and try again:
          - Unknown key(s) ['recomend'] in [bands]; the known keys are ...
        """
        return cls._parse(text, "The settings")

    @classmethod
    def _parse(cls, text: str, source: str) -> Config:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{source} are not valid TOML: {exc}. Check the brackets, quotes "
                             "and '=' on that line (Config().to_toml() shows the layout).",
                             ) from None
        return cls._from_mapping(data, source)

    @classmethod
    def from_file(cls, path: str | Path) -> Config:
        """Read a TOML file (see :meth:`from_toml`).

        Raises
        ------
        InputError
            Naming the file: when it is missing, not UTF-8, not TOML, or has
            unknown keys or bad values.

        Examples
        --------
        >>> import pathlib, tempfile
        >>> f = pathlib.Path(tempfile.mkdtemp()) / "townmerge.toml"
        >>> _ = f.write_text(Config(max_members=3).to_toml(), encoding="utf-8")
        >>> Config.from_file(f).max_members
        3
        """
        p = Path(path)
        where = f"The settings file {str(p)!r}"
        try:
            text = p.read_bytes().decode("utf-8-sig")
        except FileNotFoundError:
            raise InputError(f"{where} does not exist; check the path (--config). "
                             "Config().to_toml() writes every setting with its default.",
                             ) from None
        except IsADirectoryError:
            raise InputError(f"{where} is a folder; give the TOML file.") from None
        except UnicodeDecodeError:
            raise InputError(f"{where} is not UTF-8 text (TOML files are always UTF-8); "
                             "save it again as UTF-8.") from None
        except OSError as exc:
            raise InputError(f"Cannot read {where[4:]}: {exc.strerror or exc}.") from None
        return cls._parse(text, f"The settings in {str(p)!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Config:
        """Build from a mapping laid out like the TOML file (tables as nested dicts).

        Raises
        ------
        InputError
            Listing every unknown key, value of the wrong type and value out of
            range, each with its table and key.

        Examples
        --------
        >>> Config.from_dict({"thresholds": {"Plain": {"p_min": 25000}}}).thresholds.plain.p_min
        25000
        >>> Config.from_dict({"weights": {"access": "high"}})
        Traceback (most recent call last):
        ...
        townmerge.errors.InputError: The settings have 1 problem; fix them and try again:
          - [weights] access = 'high' is not a number
        """
        return cls._from_mapping(data, "The settings")

    @classmethod
    def _from_mapping(cls, data: Mapping[str, Any], source: str) -> Config:
        problems: list[str] = []
        data = dict(data)
        top = {f.name for f in fields(cls)}
        problems += _unknown(data, top, "the settings (top level)")
        cfg = cls()
        thresholds = cfg.thresholds
        try:
            thresholds = _thresholds(cfg.thresholds, _table(data.get("thresholds", {}),
                                                            "[thresholds]"), problems)
        except InputError as exc:
            problems += _problems(exc)
        weights = cfg.weights
        try:
            weights = _weights(_table(data.get("weights", {}), "[weights]"))
        except InputError as exc:
            problems += _problems(exc)
        parts: dict[str, Any] = {}
        for name in ("bands", "constraints", "criteria", "seats", "tiers", "travel", "gravity"):
            try:
                parts[name] = _update(getattr(cfg, name), data.get(name, {}), f"[{name}]")
            except InputError as exc:
                problems += _problems(exc)
        scalars: dict[str, Any] = {}
        try:
            scalars = _update(_TopLevel(), {k: data[k] for k in ("flow_type", "max_members")
                                            if k in data}, "").__dict__
            cls(**scalars)  # checks the values
        except InputError as exc:
            problems += [q.strip() for q in _problems(exc)]
        if problems:
            raise InputError(f"{source} have {len(problems)} problem"
                             f"{'' if len(problems) == 1 else 's'}; fix them and try again:",
                             problems)
        return replace(cfg, thresholds=thresholds, weights=weights, **scalars, **parts)

    def __post_init__(self) -> None:
        m = self.max_members
        if isinstance(m, bool) or not isinstance(m, numbers.Integral) or m < 1:
            raise InputError(f"max_members must be a whole number >= 1, not "
                             f"{self.max_members!r}.")
        if self.flow_type not in _FLOW_TYPES:
            raise InputError(f"Unknown flow_type {self.flow_type!r}; expected one of "
                             f"{', '.join(_FLOW_TYPES)}.")


#: The flow types (= :data:`townmerge.data.columns.FLOW_TYPES`, which config may not import).
_FLOW_TYPES = ("population", "traffic", "economic")


@dataclass
class _TopLevel:
    """The top-level scalar keys of the settings, typed for :func:`_update`."""

    flow_type: str = "population"
    max_members: int = 4


def _problems(exc: InputError) -> list[str]:
    """The problems an InputError lists, or its message."""
    return [str(p) for p in exc.problems] if exc.problems else [str(exc)]


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(f"{where} must be a table, got {value!r}.")
    return dict(value)


def _thresholds(base: Thresholds, data: dict[str, Any], problems: list[str]) -> Thresholds:
    """``base`` updated from ``[thresholds]``; terrain tables are case-insensitive."""
    updates: dict[str, Any] = {}
    unknown = []
    for key, value in data.items():
        name = _terrain_name(key) if isinstance(value, Mapping) else key
        if name in TERRAINS:
            try:
                updates[str(name)] = _update(base.for_terrain(name), value,
                                             f"[thresholds.{key}]")
            except InputError as exc:
                problems += _problems(exc)
        elif key == "default_terrain":
            updates[key] = value
        else:
            unknown.append(key)
    if unknown:
        problems.append(f"Unknown key(s) {sorted(unknown)} in [thresholds]; the known keys are "
                        f"default_terrain and the terrain tables {', '.join(TERRAINS)} (upper "
                        "or lower case)")
    if "default_terrain" in updates and not isinstance(updates["default_terrain"], str):
        raise InputError(f"[thresholds] default_terrain = {updates['default_terrain']!r} is "
                         f"not a terrain name; the known terrains are {', '.join(TERRAINS)}")
    try:
        return replace(base, **updates)
    except InputError as exc:
        raise InputError(f"[thresholds] {exc}") from None


def _number(value: Any, where: str) -> float:
    """A TOML number as float; booleans, text and NaN are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"{where} = {value!r} is not a number")
    if math.isnan(value):
        raise InputError(f"{where} = nan is not a usable number")
    return float(value)


def _weights(w: dict[str, Any]) -> Weights:
    """``[weights]``: built-in criteria by name, other keys weigh user criteria."""
    if "extra" in w:
        raise InputError("[weights] takes one key per criterion (my_criterion = 0.1), "
                         "not an 'extra' table.")
    problems = []
    values: dict[str, float] = {}
    for k, v in w.items():
        try:
            values[str(k)] = _number(v, f"[weights] {k}")
        except InputError as exc:
            problems.append(str(exc))
    if problems:
        raise InputError("[weights] has problems", problems)
    own = {k: values.pop(k) for k in BUILTIN_CRITERIA if k in values}
    return replace(Weights(), **own, extra=tuple(values.items()))


def _key(k: str) -> str:
    """A TOML key: bare when possible, else quoted."""
    if k and all(c.isascii() and (c.isalnum() or c in "_-") for c in k):
        return k
    return json.dumps(k, ensure_ascii=False)


def _value(v: Any) -> str:
    """A TOML value for a scalar, tuple or tuple of pairs."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, tuple | list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"Cannot write {v!r} to TOML.")  # pragma: no cover - internal


def _table_lines(obj: Any) -> list[str]:
    """``key = value`` lines of a dataclass's scalars and tuples.

    ``None`` values (defaults) and mappings (written as sub-tables) are left out.
    """
    return [f"{f.name} = {_value(getattr(obj, f.name))}" for f in fields(obj)
            if getattr(obj, f.name) is not None
            and not isinstance(getattr(obj, f.name), Mapping)]


def _to_tuple(v: Any) -> Any:
    if isinstance(v, list | tuple):
        return tuple(_to_tuple(x) for x in v)
    return v


def _update(obj: Any, data: Any, where: str) -> Any:
    """``obj`` with the keys of ``data`` replaced, each coerced to its field's type.

    Raises
    ------
    InputError
        Naming every unknown key and every value of the wrong type (text for a
        number, NaN, a number for a flag), then a value the settings refuse.
    """
    data = _table(data, where)
    problems = _unknown(data, {f.name for f in fields(obj)}, where)
    hints = typing.get_type_hints(type(obj))
    changes: dict[str, Any] = {}
    for name, value in data.items():
        if name not in hints:
            continue
        try:
            changes[name] = _coerce(getattr(obj, name), hints[name], value, where, name)
        except InputError as exc:
            problems.append(str(exc))
    if problems:
        raise InputError(f"{where} has problems", problems)
    try:
        return replace(obj, **changes)
    except InputError as exc:
        raise InputError(f"{where} {exc}".strip()) from None


def _coerce(current: Any, hint: Any, value: Any, where: str, name: str) -> Any:
    """One TOML value as the type of its field (see :func:`_update`)."""
    if is_dataclass(current):  # pragma: no cover - no nested tables below the top level
        return _update(current, value, f"{where[:-1]}.{name}]")
    if isinstance(current, Mapping):
        # a sub-table replaces the default table whole, as the keyword does in Python
        table = _table(value, f"{where[:-1]}.{name}]")
        return {str(k): _number(v, f"{where[:-1]}.{name}] {k}") for k, v in table.items()}
    optional = hint == (int | None)
    if optional:
        hint = int
    elif typing.get_origin(hint) is Literal:
        hint = str
    what = {bool: "true or false", int: "a whole number", float: "a number",
            str: "text in quotes"}.get(hint, "a list")
    wrong = InputError(f"{where} {name} = {value!r} is not {what}")
    if hint is bool:
        if not isinstance(value, bool):
            raise wrong
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                or not math.isfinite(value) or not float(value).is_integer():
            raise wrong
        return int(float(value))
    if hint is float:
        return _number(value, f"{where} {name}")
    if hint is str:
        if not isinstance(value, str):
            raise wrong
        return value
    if not isinstance(value, list | tuple):
        raise wrong
    return _to_tuple(value)


def _unknown(data: Mapping[str, Any], known: set[str], where: str) -> list[str]:
    """A problem naming the unknown keys of ``data`` and the known ones (none: [])."""
    unknown = sorted(set(data) - known)
    if not unknown:
        return []
    return [f"Unknown key(s) {unknown} in {where}; the known keys are "
            f"{', '.join(sorted(known))}"]
