"""Checks of the attribute columns of units and settlements.

Ids (missing, repeated), names (missing), populations, terrains, yes/no flags, gdp and
approximated territories. :func:`terrain_problems`, :func:`flag_problems` and
:func:`gdp_problems` are also the checks the later steps make, so a study area that passes
is never refused later for the same reason.

Examples
--------
>>> import pandas as pd
>>> units = pd.DataFrame({"name": ["甲镇"], "terrain": ["swamp"]}, index=["A"])
>>> [p.code for p in terrain_problems(units)]
['bad-terrain']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd

from ..config import TERRAINS
from ..errors import format_ids
from .columns import bad_flags_message, flag_values
from .features import FeatureRows, bad_numbers, is_missing, number_status, value_repr
from .problems import LayerName, Problem, are, plural

__all__ = [
    "MAX_POPULATION",
    "approximate_problems",
    "flag_problems",
    "gdp_problems",
    "id_problems",
    "name_problems",
    "population_problems",
    "terrain_problems",
]

#: Largest believable population of one unit or settlement (the most populous
#: country has 1.4 billion people); more is a data error (a sum, a unit mix-up).
MAX_POPULATION = 2e9


def id_problems(layer: LayerName, rows: FeatureRows) -> list[Problem]:
    """Errors for features without an id and for ids used by several features.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"name": ["甲镇", "乙镇"]}, index=["A", "A"])
    >>> [p.code for p in id_problems("units", FeatureRows.of(units, "unit"))]
    ['duplicate-id']
    """
    out: list[Problem] = []
    noun = rows.noun
    missing = [i for i, v in enumerate(rows.ids) if v is None]
    if missing:
        named = [n for n in (rows.names[i] for i in missing) if n]
        unnamed = len(missing) - len(named)
        which = f" ({format_ids(named)})" if named else ""
        if named and unnamed:
            which = f" ({format_ids(named)}; {unnamed:,} without a name either)"
        out.append(Problem(
            "error", "missing-id", layer,
            f"{plural(len(missing), noun)} {'has' if len(missing) == 1 else 'have'} no id"
            f"{which}. Every {noun} needs a unique id in the {noun} id column: fill in the "
            f"missing ids, or drop the features that are not {noun}s.",
            figures={"count": len(missing)}))
    seen: dict[str, list[int]] = {}
    for i, v in enumerate(rows.ids):
        if v is not None:
            seen.setdefault(v, []).append(i)
    dups = {k: v for k, v in seen.items() if len(v) > 1}
    if dups:
        labels = []
        for ident, pos in dups.items():
            names = [rows.names[i] or "no name" for i in pos]
            labels.append(f"{ident} ×{len(pos)} ({' / '.join(names)})")
        fix = ("give each unit its own id, or dissolve the parts of one unit into a single "
               "(multi)polygon" if noun == "unit" else
               "give each settlement its own id, or remove the duplicated settlements")
        out.append(Problem(
            "error", "duplicate-id", layer,
            f"{plural(len(dups), noun + ' id')} {are(len(dups))} used by more than one "
            f"feature: {format_ids(labels)}. Ids must be unique: {fix}.",
            tuple(dups), figures={"count": len(dups)}))
    return out


def name_problems(layer: LayerName, frame: pd.DataFrame, rows: FeatureRows) -> list[Problem]:
    """A warning naming the features that have an id but no name.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"name": ["甲镇", None]}, index=["A", "B"])
    >>> name_problems("units", units, FeatureRows.of(units, "unit"))[0].ids
    ('B',)
    """
    if "name" not in frame.columns:
        return []
    nameless = [k for k, (i, n) in enumerate(zip(rows.ids, rows.names, strict=True))
                if n is None and i is not None]
    if not nameless:
        return []
    labels, ids = rows.pick(nameless)
    n = len(nameless)
    return [Problem(
        "warning", "missing-name", layer,
        f"{plural(n, rows.noun)} {'has' if n == 1 else 'have'} no name: {format_ids(labels)}. "
        "The id stands in for the name in messages, reports and maps: fill in the names.",
        ids, figures={"count": n})]


def population_problems(layer: LayerName, df: pd.DataFrame, rows: FeatureRows) -> list[Problem]:
    """An error naming the features whose population is not a usable number.

    The population must be a number >= 0, at most :data:`MAX_POPULATION`.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"name": ["甲镇"], "population": [-3]}, index=["A"])
    >>> population_problems("units", units, FeatureRows.of(units, "unit"))[0].ids
    ('A',)
    """
    if "population" not in df.columns:
        return []
    values = list(df["population"])
    bad = bad_numbers(values, MAX_POPULATION)
    if not bad:
        return []
    parts = []
    for status, pos in bad.items():
        labels = [rows.labels[i] if status == "missing"
                  else f"{rows.labels[i]} = {value_repr(values[i])}" for i in pos]
        parts.append(f"{status} for {format_ids(labels)}")
    positions = sorted(i for pos in bad.values() for i in pos)
    _, ids = rows.pick(positions)
    noun = rows.noun
    zero = " (0 for an uninhabited one)" if noun == "unit" else ""
    return [Problem(
        "error", "bad-population", layer,
        f"The population of {plural(len(positions), noun)} is not usable: "
        f"{'; '.join(parts)}. Population must be a number >= 0 for every {noun}, at most "
        f"{MAX_POPULATION:,.0f}: fill in the missing values{zero}, correct the negative "
        "and impossibly large ones and write plain numbers (no units, words or thousands "
        "separators), or drop the population column.",
        ids, figures={k.replace(" ", "_"): len(v) for k, v in bad.items()})]


def terrain_problems(units: pd.DataFrame) -> list[Problem]:
    """An error for every unit whose ``terrain`` is not one of :data:`townmerge.config.TERRAINS`.

    Names are compared lower-cased and stripped; a blank terrain takes the
    default terrain. The one check of the terrain column, made by
    :func:`~townmerge.data.validation.check_layers` and by
    :func:`townmerge.score.seats.unit_thresholds`.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"name": ["甲镇", "乙乡", "丙乡"],
    ...                       "terrain": ["swamp", None, "Plain"]}, index=["A", "B", "C"])
    >>> print(terrain_problems(units)[0].message)  # doctest: +ELLIPSIS
    1 unit has an unknown terrain: A (甲镇) = 'swamp'. The known terrains are plain, ...
    """
    if "terrain" not in units.columns:
        return []
    values = list(units["terrain"])
    bad = [i for i, v in enumerate(values)
           if not is_missing(v) and str(v).strip() and str(v).strip().lower() not in TERRAINS]
    if not bad:
        return []
    rows = FeatureRows.of(units, "unit")
    labels, ids = rows.pick(bad)
    shown = [f"{label} = {value_repr(values[i])}" for label, i in zip(labels, bad, strict=True)]
    return [Problem(
        "error", "bad-terrain", "units",
        f"{plural(len(bad), 'unit')} {'has' if len(bad) == 1 else 'have'} an unknown terrain: "
        f"{format_ids(shown)}. The known terrains are {', '.join(TERRAINS)} (upper or lower "
        "case); correct the values, or leave them empty for the default terrain "
        "([thresholds] default_terrain).",
        ids, figures={"count": len(bad)})]


def flag_problems(frame: pd.DataFrame, columns: Iterable[str],
                  noun: Literal["unit", "settlement"] = "unit") -> list[Problem]:
    """An error per flag column holding anything but a yes/no flag.

    Flags are read by :func:`townmerge.data.columns.flag_values`; the message is
    :func:`townmerge.data.columns.bad_flags_message`, the one the later steps raise.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"name": ["松和藏族乡"], "locked": ["x"]}, index=["A"])
    >>> print(flag_problems(units, ["locked", "border_town"])[0])  # doctest: +ELLIPSIS
    [error] units: 1 unit has a locked value that is not a yes/no flag: A (松和藏族乡) = 'x'. ...
    """
    out: list[Problem] = []
    layer: LayerName = "units" if noun == "unit" else "settlements"
    rows: FeatureRows | None = None
    for col in dict.fromkeys(columns):
        if col not in frame.columns:
            continue
        values = list(frame[col])
        _, bad = flag_values(values)
        if not bad:
            continue
        rows = rows or FeatureRows.of(frame, noun)
        _, ids = rows.pick(bad)
        out.append(Problem(
            "error", "bad-flag", layer,
            bad_flags_message(col, [f"{rows.labels[k]} = {values[k]!r}" for k in bad], noun),
            ids, figures={"count": len(bad)}))
    return out


def gdp_problems(settlements: pd.DataFrame) -> list[Problem]:
    """An error for every settlement whose ``gdp`` is missing, negative or not a number.

    The one check of the gdp column, made by :func:`~townmerge.data.validation.check_layers` and by
    :func:`townmerge.graph.flows.gravity_masses` (the economic mass is √(population × gdp)).

    Examples
    --------
    >>> import pandas as pd
    >>> st = pd.DataFrame({"name": ["甲村", "乙村"], "gdp": [4.0, None]}, index=["a", "b"])
    >>> print(gdp_problems(st)[0].message)  # doctest: +ELLIPSIS
    1 settlement has a missing or negative gdp: b (乙村). Fill it in, or drop the gdp column ...
    """
    if "gdp" not in settlements.columns:
        return []
    values = list(settlements["gdp"])
    bad = [i for i, v in enumerate(values) if number_status(v) != "ok"]
    if not bad:
        return []
    rows = FeatureRows.of(settlements, "settlement")
    labels, ids = rows.pick(bad)
    n = len(bad)
    return [Problem(
        "error", "bad-gdp", "settlements",
        f"{plural(n, 'settlement')} {'has' if n == 1 else 'have'} a missing or negative gdp: "
        f"{format_ids(labels)}. Fill {'it' if n == 1 else 'them'} in, or drop the gdp column "
        "to use the proxy population × weight of the settlement kind.",
        ids, figures={"count": n})]


def approximate_problems(units: pd.DataFrame, rows: FeatureRows) -> list[Problem]:
    """A warning naming the units whose territory was approximated (``approximate`` column)."""
    if "approximate" not in units.columns:
        return []
    flag = units["approximate"].map(lambda v: v is True or v is np.True_ or v == 1).to_numpy()
    if not flag.any():
        return []
    labels, ids = rows.pick(np.flatnonzero(flag))
    return [Problem(
        "warning", "approximate-territories", "units",
        f"village territories approximated from points: {plural(len(labels), 'unit')} "
        f"({format_ids(labels)}) are Voronoi cells of their points clipped to their township, "
        "not surveyed boundaries; areas, neighbours and maps of these units are approximate. "
        "Give the village polygons (a villages layer) for exact results.", ids)]
