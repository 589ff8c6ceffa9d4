"""Statistical codes (统计用区划代码) of the units, their counties and the settlements.

:func:`code_everything` numbers units county + 0xx (街道) / 1xx (镇) / 2xx (乡) outward from the
county seat and settlements unit + 0xx (社区, seat first) / 2xx (村); an area with more than
:data:`~townmerge.datasets.spec.MAX_PER_CODE` units of a kind is cut into pseudo-counties of
consecutive codes (:class:`Codes`).

Examples
--------
>>> from townmerge.datasets import synthetic_county
>>> c = synthetic_county(6, seed=1)
>>> c.units.index[0], c.units["parent"].iloc[0], c.settlements.index[0]
('511025001', '511025', '511025001001')
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .placement import Places, Units
from .population import People
from .spec import MAX_PER_CODE, UNITS_PER_BLOCK, CountySpec

__all__ = ["Codes", "code_everything"]


@dataclass(frozen=True)
class Codes:
    """Codes of the units (9 digits), of their county (6) and of the settlements (12).

    Examples
    --------
    >>> from townmerge.datasets.spec import CountySpec
    >>> from townmerge.datasets.synthetic import draft_county
    >>> d = draft_county(CountySpec.build(n_units=6), seed=1)
    >>> d.codes.parent[0], len(d.codes.unit[0]), len(d.codes.settlement[0])
    ('511025', 9, 12)
    """

    unit: tuple[str, ...]
    parent: tuple[str, ...]
    settlement: tuple[str, ...]


def code_everything(units: Units, places: Places, people: People, spec: CountySpec) -> Codes:
    """Statistical codes: county + 0xx (街道) / 1xx (镇) / 2xx (乡), then 0xx / 2xx.

    Examples
    --------
    >>> from townmerge.datasets.spec import CountySpec
    >>> from townmerge.datasets.synthetic import draft_county
    >>> d = draft_county(CountySpec.build(n_units=6), seed=1)
    >>> code_everything(d.units, d.places, d.people, d.spec).unit[d.units.main]
    '511025001'
    """
    n = spec.n_units
    kind = np.array(people.unit_kind, dtype=object)
    kind_digit = np.where(kind == "subdistrict", 0, np.where(kind == "town", 1, 2))
    block = np.zeros(n, dtype=np.int64)
    counts = np.bincount(kind_digit, minlength=3)
    if counts.max() > MAX_PER_CODE:
        # Pseudo-counties: horizontal bands of units, cut into runs of equal size.
        n_blocks = math.ceil(n / UNITS_PER_BLOCK)
        n_bands = max(1, round(math.sqrt(n_blocks)))
        band = np.empty(n, dtype=np.int64)
        band[np.argsort(units.seat_y, kind="stable")] = np.arange(n) * n_bands // n
        snake = np.where(band % 2 == 0, 1.0, -1.0) * units.seat_x
        block[np.lexsort((snake, band))] = np.arange(n) * n_blocks // n
    parent_int = int(spec.county_code) + block
    # Within a county and kind, number units by distance from the county seat.
    order = np.lexsort((units.dist_cs, kind_digit, block))
    seq = np.zeros(n, dtype=np.int64)
    grp = block[order] * 3 + kind_digit[order]
    start = np.searchsorted(grp, grp, side="left")
    seq[order] = np.arange(n) - start + 1
    unit_code = tuple(f"{p}{d}{s:02d}" for p, d, s in zip(parent_int, kind_digit, seq, strict=True))
    parent = tuple(str(p) for p in parent_int)
    # Settlements: communities 001.. (seat first), villages 201.., both outward from the seat.
    vrank = places.rank - places.n_comm[places.unit]
    num = np.where(places.community, places.rank + 1, 201 + vrank)
    code = tuple(
        f"{unit_code[u]}{k:03d}" for u, k in zip(places.unit, num, strict=True)
    )
    return Codes(unit=unit_code, parent=parent, settlement=code)
