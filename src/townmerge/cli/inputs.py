"""What every ``townmerge`` command reads and writes: arguments, study area, plans, tables.

The options shared by the subcommands (``--crs``, the column roles, ``--config``,
``--encoding``) and the readers behind them: the settings, the study area (or the
sample county when none is given), a plan file, and a table written whole or not
at all.

Examples
--------
>>> import argparse
>>> p = argparse.ArgumentParser()
>>> add_area_args(p)
>>> ns = p.parse_args(["area", "--unit-id", "code"])
>>> column_map(ns).unit_id
'code'
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from ..config import Config
from ..data.atomic import atomic_write_with
from ..data.columns import ColumnMap
from ..data.io import read_study_area
from ..data.model import StudyArea
from ..data.plan import Plan
from ..data.plan_csv import read_plan
from ..score.data_notes import data_notes

__all__ = [
    "COLUMN_KEYS",
    "SAMPLE_DIR",
    "add_area_args",
    "add_column_args",
    "add_input_args",
    "column_map",
    "read_area",
    "read_config",
    "read_plan_file",
    "sample_area",
    "sample_villages",
    "say",
    "say_data_notes",
    "show_progress",
    "write_table",
]

#: Where the sample county lives in a source checkout.
SAMPLE_DIR = Path("sample_shapes") / "county"
#: The column roles a command reading data accepts as ``--role COLUMN``.
COLUMN_KEYS = ("unit_id", "unit_name", "population", "kind", "terrain", "parent", "locked",
               "seat", "settlement_id", "settlement_name", "settlement_population",
               "settlement_kind", "settlement_unit", "origin", "destination")


#: What each column role holds, for ``--help``.
COLUMN_HELP = {
    "unit_id": "units: id of each unit (default: unit_id, id or code)",
    "unit_name": "units: name (default: name)",
    "population": "units: population (default: population; else summed from settlements)",
    "kind": "units: kind, e.g. town / township / subdistrict (default: kind)",
    "terrain": "units: plain / hill / mountain / plateau (default: terrain)",
    "parent": "units: the county (or township) each unit belongs to (default: parent)",
    "locked": "units: yes/no, a unit that must not merge (default: locked)",
    "seat": "units: settlement id of the unit's seat 驻地 (default: seat)",
    "settlement_id": "settlements: id (default: settlement_id, id or code)",
    "settlement_name": "settlements: name (default: name)",
    "settlement_population": "settlements: population (default: population)",
    "settlement_kind": "settlements: county seat / town seat / community / village "
                       "(default: kind)",
    "settlement_unit": "settlements: the unit each lies in (default: unit; else found from "
                       "the polygons)",
    "origin": "flows: origin settlement id (default: origin)",
    "destination": "flows: destination settlement id (default: destination)",
}


def show_progress(ns: argparse.Namespace) -> bool:
    """``--progress`` / ``--no-progress``, else progress bars only when stderr is a terminal.

    Examples
    --------
    >>> show_progress(argparse.Namespace(progress=False))
    False
    """
    choice = getattr(ns, "progress", None)
    return bool(sys.stderr.isatty()) if choice is None else bool(choice)


def add_column_args(p: argparse.ArgumentParser) -> None:
    """Arguments of every command that reads data: the CRS to measure in, the column roles.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_column_args(p)
    >>> p.parse_args(["--settlement-unit", "town"]).settlement_unit
    'town'
    """
    p.add_argument("--crs", help="projected CRS in metres to measure in, e.g. EPSG:2154 "
                   "(default: chosen from the data; see townmerge.data.crs)")
    g = p.add_argument_group(
        "column roles", "the input column that holds each role, when it is not named as "
        "townmerge expects (the same keywords in Python: read_study_area(path, unit_id=...))")
    for key in COLUMN_KEYS:
        g.add_argument(f"--{key.replace('_', '-')}", dest=key, metavar="COLUMN",
                       help=COLUMN_HELP[key])


def column_map(ns: argparse.Namespace) -> ColumnMap:
    """The column roles given on the command line.

    Examples
    --------
    >>> column_map(argparse.Namespace(population="pop")).population
    'pop'
    """
    return ColumnMap(**{k: getattr(ns, k, None) for k in COLUMN_KEYS})


def add_input_args(p: argparse.ArgumentParser) -> None:
    """``--config`` and ``--encoding``, for every command that reads files.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_input_args(p)
    >>> p.parse_args(["--encoding", "gbk"]).encoding
    'gbk'
    """
    p.add_argument("--config", metavar="TOML",
                   help="settings file (thresholds, weights, …; see townmerge.Config)")
    p.add_argument("--encoding", metavar="NAME",
                   help="encoding of the CSV files read (flows.csv, plans); default: UTF-8 "
                        "with or without BOM, else GB18030/GBK")


def add_area_args(p: argparse.ArgumentParser) -> None:
    """The study area path, the input options and the column roles.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_area_args(p)
    >>> p.parse_args(["county", "--crs", "EPSG:2154"]).crs
    'EPSG:2154'
    """
    p.add_argument("path", help="study area: folder, GeoPackage or units file")
    add_input_args(p)
    add_column_args(p)


def read_config(ns: argparse.Namespace) -> Config:
    """The settings of ``--config``, or the defaults.

    Examples
    --------
    >>> read_config(argparse.Namespace(config=None)) == Config()
    True
    """
    return Config.from_file(ns.config) if getattr(ns, "config", None) else Config()


def read_area(ns: argparse.Namespace) -> StudyArea:
    """The study area at ``ns.path``, read with the given columns, encoding and CRS.

    Examples
    --------
    >>> ns = argparse.Namespace(path="no/such/area", encoding=None, crs=None)
    >>> read_area(ns)
    Traceback (most recent call last):
    ...
    townmerge.errors.InputError: ...
    """
    area = read_study_area(ns.path, columns=column_map(ns), encoding=ns.encoding, crs=ns.crs)
    say_data_notes(ns, area)
    return area


def say_data_notes(ns: argparse.Namespace, area: StudyArea) -> None:
    """Say on stderr, once and the same way for every command, which rules lack data.

    Examples
    --------
    >>> from townmerge.testing.examples import example_area
    >>> say_data_notes(argparse.Namespace(lang="en"), example_area())  # doctest: +SKIP
    townmerge: note: No road layer: travel times are straight-line distances ...
    """
    zh = getattr(ns, "lang", "zh") == "zh"
    for en, text_zh in data_notes(area):
        print(f"townmerge: {'说明' if zh else 'note'}: {text_zh if zh else en}", file=sys.stderr)


def read_plan_file(ns: argparse.Namespace, path: str) -> Plan:
    """The plan CSV at ``path``, read with ``--encoding``.

    Examples
    --------
    >>> read_plan_file(argparse.Namespace(encoding=None), "no/such/plan.csv")
    Traceback (most recent call last):
    ...
    townmerge.errors.InputError: ...
    """
    return read_plan(path, encoding=ns.encoding)


def sample_area(path: str | None, encoding: str | None = None) -> StudyArea:
    """The study area at ``path``, else the sample county (regenerated if not checked out).

    Examples
    --------
    >>> sample_area("no/such/area")
    Traceback (most recent call last):
    ...
    townmerge.errors.InputError: ...
    """
    if path is not None:
        return read_study_area(path, encoding=encoding)
    if SAMPLE_DIR.is_dir():
        return read_study_area(SAMPLE_DIR, encoding=encoding)
    from ..datasets.synthetic import (
        sample_county,  # installed without the repository: regenerate it
    )

    s = sample_county()
    return StudyArea(s.units, s.settlements, s.flows, s.roads)


def sample_villages(path: str | None, encoding: str | None = None) -> StudyArea | None:
    """The village level of ``path`` (else of the sample county), or None if it has none.

    Village territories missing from the data are approximated from the points
    (flagged ``approximate``); a folder without villages or settlements has no village
    level. A village layer that is there but broken is an error (InputError).
    """
    folder = Path(path) if path is not None else SAMPLE_DIR
    if not folder.is_dir():
        if path is not None:
            return None
        import tempfile

        from ..data.io import Layers
        from ..data.writers import write_layers
        from ..datasets.synthetic import sample_county

        s = sample_county()
        folder = Path(tempfile.mkdtemp(prefix="townmerge-sample-"))
        write_layers(folder, Layers(s.units, s.settlements, s.flows, s.roads),
                     extra={"villages": s.villages})
    if not any(folder.glob("villages.*")) and not any(folder.glob("settlements.*")):
        return None  # no village level in the data: the demo plans townships only
    return read_study_area(folder, level="villages", encoding=encoding)


def say(ns: argparse.Namespace, zh: str, en: str) -> None:
    """Print ``zh`` or ``en`` on stdout, as ``--lang`` asks (``--quiet`` silences stdout).

    Examples
    --------
    >>> say(argparse.Namespace(lang="en"), "完成", "done")
    done
    """
    print(zh if getattr(ns, "lang", "zh") == "zh" else en)


def write_table(frame: pd.DataFrame, out: str | None, what: str, lang: str = "en") -> None:
    """Write ``frame`` as CSV to ``out`` (whole or not at all) and say so; nothing without ``out``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> write_table(pd.DataFrame({"a": [1]}), str(path), "a table")  # doctest: +ELLIPSIS
    wrote a table to ...t.csv
    """
    if out:
        atomic_write_with(out, lambda tmp: frame.to_csv(tmp, encoding="utf-8"))
        print(f"已写出 {out}" if lang == "zh" else f"wrote {what} to {out}")
