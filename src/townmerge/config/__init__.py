r"""Documented defaults: thresholds, weights, bands, constraints, seats, tiers, travel, flows.

Every default lives in this package in frozen dataclasses (never in module-level
mutable state) and can be read from or written to TOML. The figures are the proposed
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

The modules, each importing only :mod:`townmerge.errors` and modules of this folder:

- ``terrain``: :data:`TERRAINS`, :class:`TerrainThresholds` and :class:`Thresholds`;
- ``scoring``: :class:`Weights`, :class:`Bands`, :class:`Constraints` and
  :class:`CriteriaSettings`;
- ``centres``: :class:`SeatSettings`, :class:`TierSettings` and the tier names;
- ``travel``: :class:`TravelParams` and the road speeds shared with the synthetic counties;
- ``gravity``: :class:`GravityParams`;
- ``tomlio``: TOML text and files to and from the dataclasses, each problem named;
- ``reading``: a settings mapping checked table by table, every problem reported at once;
- ``settings``: :class:`Config`, all of the above in one.

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


from .centres import TOWN_TIERS, VILLAGE_TIERS, SeatSettings, TierSettings
from .gravity import GDP_WEIGHT, FitMethod, GravityParams
from .scoring import BUILTIN_CRITERIA, Bands, Constraints, CriteriaSettings, Weights
from .settings import Config
from .terrain import TERRAINS, TerrainThresholds, Thresholds
from .travel import ROAD_SPEEDS_KMH, TERRAIN_SPEED_FACTOR, TravelParams

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
    "FitMethod",
    "GravityParams",
    "SeatSettings",
    "TerrainThresholds",
    "Thresholds",
    "TierSettings",
    "TravelParams",
    "Weights",
]
