"""The parameters of a synthetic county, checked once: counts, area, codes and terrains.

:class:`CountySpec` is what every step of the generator reads; :data:`MAX_PER_CODE` and
:data:`UNITS_PER_BLOCK` are the limits of the statistical codes that the settlements and the
codes steps share.

Examples
--------
>>> CountySpec.build(n_units=33).n_subdistricts
3
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..config import TERRAINS

__all__ = ["MAX_PER_CODE", "UNITS_PER_BLOCK", "CountySpec"]

#: Group counts per settlement in the sample county.
_GROUPS_PER_VILLAGE = 190 / 132
_GROUPS_PER_COMMUNITY = 83 / 110
#: Most units one six-digit county code can hold per kind (codes x01..x99).
MAX_PER_CODE = 99
#: Units per pseudo-county when a large area needs several county codes.
UNITS_PER_BLOCK = 90


@dataclass(frozen=True)
class CountySpec:
    """The validated parameters of a synthetic county (see :func:`synthetic_county`).

    Build one with :meth:`build`, which fills in the counts left out and checks them all;
    every step of the generator reads its counts, area and codes from here.

    Examples
    --------
    >>> spec = CountySpec.build(n_units=12)
    >>> spec.n_villages, spec.n_communities, spec.n_subdistricts, spec.village_groups
    (48, 40, 1, 69)
    """

    n_units: int
    n_villages: int
    n_communities: int
    n_subdistricts: int
    n_ethnic: int
    village_groups: int
    resident_groups: int
    unit_area_km2: float
    cell_size_m: float
    county_code: str
    terrains: tuple[str, ...]

    @classmethod
    def build(
        cls,
        *,
        n_units: int,
        villages_per_unit: float = 4.0,
        communities_per_unit: float = 3.3,
        n_villages: int | None = None,
        n_communities: int | None = None,
        n_subdistricts: int | None = None,
        n_ethnic: int | None = None,
        village_groups: int | None = None,
        resident_groups: int | None = None,
        unit_area_km2: float = 60.0,
        cell_size_m: float = 275.0,
        county_code: str = "511025",
        terrains: tuple[str, ...] = ("plain", "hill", "mountain"),
    ) -> CountySpec:
        """Check the parameters of :func:`synthetic_county` and fill in the counts left out.

        Parameters are those of :func:`~townmerge.datasets.synthetic.synthetic_county`, with
        the same defaults.

        Raises
        ------
        ValueError
            If the counts are inconsistent (fewer communities than units, bad codes or
            terrains).

        Examples
        --------
        >>> CountySpec.build(n_units=5, n_communities=4)
        Traceback (most recent call last):
        ...
        ValueError: Every unit's seat is a community: need at least 5 communities, got 4.
        """
        if int(n_units) != n_units or n_units < 2:
            raise ValueError(f"n_units must be an integer of at least 2, got {n_units!r}.")
        n_units = int(n_units)
        nv = round(n_units * villages_per_unit) if n_villages is None else int(n_villages)
        nc = round(n_units * communities_per_unit) if n_communities is None else int(n_communities)
        if nc < n_units:
            raise ValueError(
                f"Every unit's seat is a community: need at least {n_units} communities, got {nc}."
            )
        if nv < 0:
            raise ValueError(f"n_villages must be non-negative, got {nv}.")
        ns = min(max(1, round(n_units / 11)), 9) if n_subdistricts is None else int(n_subdistricts)
        if not 1 <= ns < n_units:
            raise ValueError(f"n_subdistricts must be between 1 and n_units - 1, got {ns}.")
        ne = round(n_units / 33) if n_ethnic is None else int(n_ethnic)
        if not 0 <= ne <= (n_units - ns) // 2:
            raise ValueError(f"n_ethnic must be between 0 and {(n_units - ns) // 2}, got {ne}.")
        vg = round(nv * _GROUPS_PER_VILLAGE) if village_groups is None else int(village_groups)
        rg = round(nc * _GROUPS_PER_COMMUNITY) if resident_groups is None else int(resident_groups)
        if vg < 0 or rg < 0 or (nv == 0 and vg > 0):
            raise ValueError("Group totals must be non-negative (and zero without villages).")
        if not (len(county_code) == 6 and county_code.isdigit() and county_code[0] != "0"):
            raise ValueError(f"county_code must be six digits, got {county_code!r}.")
        n_blocks = max(1, math.ceil(n_units / UNITS_PER_BLOCK))
        if n_units > MAX_PER_CODE and int(county_code) + n_blocks > 999_999:
            raise ValueError(f"county_code {county_code} leaves no room for {n_blocks} codes.")
        if ns > MAX_PER_CODE:
            raise ValueError(f"At most {MAX_PER_CODE} subdistricts, got {ns}.")
        if not terrains or len(set(terrains)) != len(terrains) or set(terrains) - set(TERRAINS):
            raise ValueError(f"terrains must be distinct values among {TERRAINS}, got {terrains}.")
        if unit_area_km2 <= 0 or cell_size_m <= 0:
            raise ValueError("unit_area_km2 and cell_size_m must be positive.")
        return cls(
            n_units=n_units,
            n_villages=nv,
            n_communities=nc,
            n_subdistricts=ns,
            n_ethnic=ne,
            village_groups=vg,
            resident_groups=rg,
            unit_area_km2=float(unit_area_km2),
            cell_size_m=float(cell_size_m),
            county_code=county_code,
            terrains=tuple(terrains),
        )
