"""Documented defaults: size and access thresholds by terrain.

Every default lives here in frozen dataclasses (never in module-level mutable
state) and can be read from or written to TOML. The figures are the proposed
defaults of the domain notes (§5.1), anchored on Sichuan's 2019–2021 reform:
post-reform average 2.93万 people and 156.7 km² per township; hilly 遂宁
3.95万 / 56 km²; mountainous 美姑 1.5万 / 143 km².

Examples
--------
>>> cfg = Config()
>>> cfg.thresholds.for_terrain("mountain").p_min
12000
>>> Config.from_toml(cfg.to_toml()) == cfg
True
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

__all__ = ["TERRAINS", "Config", "TerrainThresholds", "Thresholds"]

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

    def for_terrain(self, terrain: str | None) -> TerrainThresholds:
        """Thresholds of ``terrain`` (the default terrain when missing).

        Raises
        ------
        ValueError
            For a terrain that is not one of :data:`TERRAINS`.
        """
        if terrain is None or terrain != terrain or terrain == "":
            terrain = self.default_terrain
        if terrain not in TERRAINS:
            raise ValueError(f"Unknown terrain {terrain!r}; expected one of {TERRAINS}.")
        result: TerrainThresholds = getattr(self, terrain)
        return result


@dataclass(frozen=True)
class Config:
    """All tunable settings of townmerge; pass one to any function that takes ``config``.

    Attributes
    ----------
    thresholds : Thresholds
        Size and access limits by terrain.
    flow_type : str
        Which flow the first merge rule follows when several are given
        (``"population"``, ``"traffic"`` or ``"economic"``).
    max_members : int
        Most current units merged into one new unit (H6: the reform's observed
        maximum is 4 → 1, typically 2–3). Generators keep to it where the
        target allows.

    Examples
    --------
    >>> Config().flow_type
    'population'
    """

    thresholds: Thresholds = field(default_factory=Thresholds)
    flow_type: str = "population"
    max_members: int = 4

    def to_toml(self) -> str:
        """Serialise to TOML text."""
        lines = [f'flow_type = "{self.flow_type}"', f"max_members = {self.max_members}", "",
                 "[thresholds]",
                 f'default_terrain = "{self.thresholds.default_terrain}"']
        for terrain in TERRAINS:
            t = self.thresholds.for_terrain(terrain)
            lines += ["", f"[thresholds.{terrain}]"]
            lines += [f"{k} = {v!r}" for k, v in asdict(t).items()]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_toml(cls, text: str) -> Config:
        """Read from TOML text; keys left out keep their defaults.

        Raises
        ------
        ValueError
            For unknown keys, naming them.
        """
        data = tomllib.loads(text)
        return cls._from_dict(data)

    @classmethod
    def from_file(cls, path: str | Path) -> Config:
        """Read a TOML file (see :meth:`from_toml`)."""
        return cls.from_toml(Path(path).read_text(encoding="utf-8"))

    @classmethod
    def _from_dict(cls, data: dict[str, Any]) -> Config:
        _reject_unknown(data, {f.name for f in fields(cls)}, "config")
        cfg = cls()
        th = data.get("thresholds", {})
        _reject_unknown(th, {f.name for f in fields(Thresholds)}, "[thresholds]")
        updates: dict[str, Any] = {}
        for terrain in TERRAINS:
            if terrain in th:
                _reject_unknown(th[terrain], {f.name for f in fields(TerrainThresholds)},
                                f"[thresholds.{terrain}]")
                updates[terrain] = replace(cfg.thresholds.for_terrain(terrain), **th[terrain])
        if "default_terrain" in th:
            updates["default_terrain"] = th["default_terrain"]
        thresholds = replace(cfg.thresholds, **updates)
        thresholds.for_terrain(thresholds.default_terrain)  # validates the name
        return replace(cfg, thresholds=thresholds, flow_type=data.get("flow_type", cfg.flow_type),
                       max_members=int(data.get("max_members", cfg.max_members)))


def _reject_unknown(data: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"Unknown key(s) {unknown} in {where}; expected some of {sorted(known)}.")
