"""Terrain classes and the size and access limits of a unit on each (domain notes §5.1).

:data:`TERRAINS` names the terrain classes; :class:`TerrainThresholds` holds the population
floor and cap, the largest area and the travel-time limits of one terrain, and
:class:`Thresholds` holds them for every terrain with the terrain assumed where a unit has
none. :func:`terrain_name` spells a terrain as the tables do (case-insensitive).

Examples
--------
>>> Thresholds().for_terrain("Mountain").p_min
12000
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

from ..errors import InputError

__all__ = ["TERRAINS", "TerrainThresholds", "Thresholds", "terrain_name"]

#: Terrain classes, from the most to the least densely settled.
TERRAINS = ("plain", "hill", "mountain", "plateau")


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


def terrain_name(terrain: object) -> str | None:
    """A terrain name lower-cased and stripped; ``None`` when missing.

    Parameters
    ----------
    terrain : object
        A terrain as given by a user or a table cell (``None`` or NaN when missing).

    Returns
    -------
    str or None
        The name as :data:`TERRAINS` spells it (which it need not be one of).

    Examples
    --------
    >>> terrain_name(" Plain "), terrain_name(float("nan")), terrain_name("")
    ('plain', None, None)
    """
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
        name = terrain_name(self.default_terrain)
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
        name = terrain_name(terrain) or self.default_terrain
        if name not in TERRAINS:
            raise InputError(f"Unknown terrain {terrain!r}; the known terrains are "
                             f"{', '.join(TERRAINS)} (upper or lower case).")
        result: TerrainThresholds = getattr(self, name)
        return result

