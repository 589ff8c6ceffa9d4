"""Who lives where: settlement populations, village and resident groups, and unit kinds.

:func:`populate` draws lognormal populations by terrain and kind (the seats and the county seat
larger), makes the larger and flatter rural units towns (镇) and the rest townships (乡, the
most remote of them 民族乡), and shares the group totals out by population (:class:`People`).

Examples
--------
>>> import numpy as np
>>> from townmerge.datasets.grid import make_grid, ruggedness
>>> from townmerge.datasets.placement import place_settlements, place_units
>>> from townmerge.datasets.spec import CountySpec
>>> spec, rng = CountySpec.build(n_units=6), np.random.default_rng(1)
>>> grid = make_grid(rng, 6 * 60e6, 275.0)
>>> rugged, cs_cell = ruggedness(rng, grid, spec)
>>> units = place_units(rng, grid, rugged, cs_cell, grid.neighbour_pairs(), spec)
>>> places = place_settlements(rng, grid, rugged, units, grid.neighbour_pairs(), spec)
>>> people = populate(rng, units, places, spec)
>>> groups = spec.village_groups + spec.resident_groups
>>> sorted(set(people.unit_kind)), int(people.groups.sum()) == groups
(['subdistrict', 'town', 'township'], True)
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from .grid import IntArray
from .placement import Places, Units, apportion
from .spec import CountySpec

__all__ = ["People", "populate"]

#: Village population medians by terrain (户籍, persons).
_VILLAGE_POP = MappingProxyType(
    {"plain": 1650.0, "hill": 1400.0, "mountain": 1050.0, "plateau": 700.0}
)
#: Share of towns (镇) among the non-urban units (Sichuan 2019: 2,236 of 4,259).
_TOWN_SHARE = 0.53


@dataclass(frozen=True)
class People:
    """Populations, groups and unit kinds.

    Attributes
    ----------
    population, groups : ndarray
        户籍 persons and groups (村民小组 / 居民小组) of each settlement.
    unit_kind : tuple of str
        ``subdistrict``, ``town``, ``township`` or ``ethnic township`` of each unit.
    unit_population : ndarray
        Population of each unit.

    Examples
    --------
    >>> from townmerge.datasets.spec import CountySpec
    >>> from townmerge.datasets.synthetic import draft_county
    >>> d = draft_county(CountySpec.build(n_units=6), seed=1)
    >>> int(d.people.unit_population.sum()) == int(d.people.population.sum())
    True
    """

    population: IntArray  # per settlement
    groups: IntArray  # per settlement
    unit_kind: tuple[str, ...]
    unit_population: IntArray


def populate(rng: np.random.Generator, units: Units, places: Places, spec: CountySpec) -> People:
    """Draw populations, make units towns or townships and share out the groups.

    Examples
    --------
    >>> import numpy as np
    >>> from townmerge.datasets.spec import CountySpec
    >>> from townmerge.datasets.synthetic import draft_county
    >>> d = draft_county(CountySpec.build(n_units=6), seed=1)
    >>> people = populate(np.random.default_rng(0), d.units, d.places, d.spec)
    >>> bool(people.population.min() >= 120), people.unit_kind[d.units.main]
    (True, 'subdistrict')
    """
    n = spec.n_units
    u = places.unit
    sub = units.subdistrict[u]
    terr = np.array([_VILLAGE_POP[t] for t in spec.terrains])[units.terrain[u]]
    median = np.where(
        places.community,
        np.where(sub, 3300.0, 1200.0),
        np.where(sub, 2000.0, terr),
    )
    pop = median * rng.lognormal(0.0, 0.35, u.size)
    # Town or township (乡): larger, flatter units are towns.
    prelim = np.bincount(u, pop, minlength=n)
    score = np.log(prelim) - 0.35 * units.terrain + rng.normal(0.0, 0.35, n)
    rural = np.flatnonzero(~units.subdistrict)
    n_town = round(_TOWN_SHARE * rural.size)
    by_score = rural[np.argsort(-score[rural], kind="stable")]
    kind = np.full(n, "subdistrict", dtype=object)
    kind[by_score[:n_town]] = "town"
    kind[by_score[n_town:]] = "township"
    townships = by_score[n_town:]
    if spec.n_ethnic and townships.size:
        remote = units.terrain[townships] + 0.5 * rng.uniform(0.0, 1.0, townships.size)
        ethnic = townships[np.argsort(-remote, kind="stable")[: spec.n_ethnic]]
        kind[ethnic] = "ethnic township"
    seat_median = pd.Series(kind).map(
        {"subdistrict": 5000.0, "town": 2800.0, "township": 1200.0, "ethnic township": 900.0}
    ).to_numpy(dtype=np.float64, copy=True)
    seat_median[units.main] = 9000.0
    seat = places.seat
    pop[seat] = seat_median[u[seat]] * rng.lognormal(0.0, 0.25, int(seat.sum()))
    population = np.maximum(np.rint(pop), 120).astype(np.int64)
    groups = np.zeros(u.size, dtype=np.int64)
    vill = np.flatnonzero(~places.community)
    comm = np.flatnonzero(places.community)
    if vill.size:
        lo = np.full(vill.size, 1 if spec.village_groups >= vill.size else 0, dtype=np.int64)
        groups[vill] = apportion(
            rng, spec.village_groups, population[vill].astype(np.float64), lo,
            np.full(vill.size, 10**6, dtype=np.int64), "village groups",
        )
    groups[comm] = apportion(
        rng, spec.resident_groups, population[comm].astype(np.float64),
        np.zeros(comm.size, dtype=np.int64), np.full(comm.size, 10**6, dtype=np.int64),
        "resident groups",
    )
    return People(
        population=population, groups=groups, unit_kind=tuple(str(k) for k in kind),
        unit_population=np.bincount(u, population, minlength=n).astype(np.int64),
    )
