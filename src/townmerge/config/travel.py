"""Travel times: road speeds by class and terrain, access legs and the cut-off.

:data:`ROAD_SPEEDS_KMH` and :data:`TERRAIN_SPEED_FACTOR` are the speeds the travel-time model
(:mod:`townmerge.graph.travel`) and the synthetic counties share; :class:`TravelParams` holds
every setting of the travel-time model (``[travel]`` in TOML).

Examples
--------
>>> ROAD_SPEEDS_KMH["county"] * TERRAIN_SPEED_FACTOR["mountain"]
29.25
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ..errors import InputError
from .terrain import TERRAINS, terrain_name

__all__ = ["ROAD_SPEEDS_KMH", "TERRAIN_SPEED_FACTOR", "TravelParams"]

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
        factors = {terrain_name(k): v for k, v in self.terrain_speed_factor.items()}
        unknown = sorted(str(k) for k in self.terrain_speed_factor if terrain_name(k)
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
