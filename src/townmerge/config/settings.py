"""All the settings in one: :class:`Config`, read from and written to TOML.

:class:`Config` holds one of each settings dataclass of the package (thresholds by terrain,
weights, bands, constraints, criteria, seats, tiers, travel, gravity) and the top-level
``flow_type`` and ``max_members``; :meth:`Config.from_file`, :meth:`Config.from_toml`,
:meth:`Config.from_dict` and :meth:`Config.to_toml` go through
:mod:`townmerge.config.tomlio` and :mod:`townmerge.config.reading`.

Examples
--------
>>> Config.from_toml(Config(max_members=3).to_toml()).max_members
3
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..errors import InputError
from .centres import SeatSettings, TierSettings
from .gravity import GravityParams
from .reading import SETTINGS_TABLES, settings_from_mapping
from .scoring import Bands, Constraints, CriteriaSettings, Weights
from .terrain import TERRAINS, TerrainThresholds, Thresholds
from .tomlio import parse_toml, read_toml_file, table_lines, toml_key, toml_value
from .travel import TravelParams

__all__ = ["Config"]


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
            lines += table_lines(self.thresholds.for_terrain(terrain))
        lines += ["", "[weights]"]
        lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in self.weights.as_dict().items()]
        for name in SETTINGS_TABLES:
            lines += ["", f"[{name}]"]
            lines += table_lines(getattr(self, name))
            for f in fields(getattr(self, name)):
                value = getattr(getattr(self, name), f.name)
                if isinstance(value, Mapping):
                    lines += ["", f"[{name}.{f.name}]"]
                    lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()]
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
        return cls._from_mapping(parse_toml(text, source), source)

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
        text = read_toml_file(path)
        return cls._parse(text, f"The settings in {str(Path(path))!r}")

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
        result: Config = settings_from_mapping(cls(), data, source)
        return result

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
