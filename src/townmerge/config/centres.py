"""The centres of the new units: the seat (驻地) score and the settlement tiers.

:class:`SeatSettings` weighs the terms of the seat score of domain notes §7;
:class:`TierSettings` sets how settlements are classed into the town tiers
:data:`TOWN_TIERS` and the village tiers :data:`VILLAGE_TIERS` of §6.

Examples
--------
>>> SeatSettings().candidates, TierSettings().method, TOWN_TIERS[0]
('seats', 'natural_breaks', '主城区')
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import InputError

__all__ = ["TOWN_TIERS", "VILLAGE_TIERS", "SeatSettings", "TierSettings"]

#: Town-level tiers (镇级), from the top.
TOWN_TIERS = ("主城区", "副中心", "中心镇", "特色镇", "一般镇")
#: Village-level tiers (村级), from the top.
VILLAGE_TIERS = ("中心村", "特色村/重点村", "一般村")


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
