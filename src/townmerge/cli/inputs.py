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
from pathlib import Path

import pandas as pd

from ..config import Config
from ..data.atomic import atomic_write_with
from ..data.columns import ColumnMap
from ..data.io import read_study_area
from ..data.model import StudyArea
from ..data.plan import Plan
from ..data.plan_csv import read_plan

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
    "write_table",
]

#: Where the sample county lives in a source checkout.
SAMPLE_DIR = Path("sample_shapes") / "county"
#: The column roles a command reading data accepts as ``--role COLUMN``.
COLUMN_KEYS = ("unit_id", "unit_name", "population", "kind", "terrain", "parent", "locked",
               "seat", "settlement_id", "settlement_name", "settlement_population",
               "settlement_kind", "settlement_unit", "origin", "destination")


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
    g = p.add_argument_group("column roles (input column names)")
    for key in COLUMN_KEYS:
        g.add_argument(f"--{key.replace('_', '-')}", dest=key, metavar="COLUMN")


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
    p.add_argument("--config", help="settings in TOML (see townmerge.Config)")
    p.add_argument("--encoding", help="encoding of the CSV files read (flows.csv, plans); "
                                      "default: UTF-8 with or without BOM, else GB18030/GBK")


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
    return read_study_area(ns.path, columns=column_map(ns), encoding=ns.encoding, crs=ns.crs)


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


def write_table(frame: pd.DataFrame, out: str | None, what: str) -> None:
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
        print(f"wrote {what} to {out}")
