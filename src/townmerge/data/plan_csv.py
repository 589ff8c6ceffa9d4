"""Read and write plans as CSV files.

A plan file has one row per current unit: ``unit_id,new_unit_id`` and optional
``new_name,seat`` (the name and seat of the new unit, the same on each of its rows).
:func:`read_plan` lists every problem of a file at once; :func:`write_plan` writes the
file whole or not at all (:mod:`townmerge.data.atomic`).

Examples
--------
>>> import tempfile, pathlib
>>> from townmerge.data.plan import Plan
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> p = Plan.from_mapping({"A": "A", "B": "A"}, names={"A": "甲镇"})
>>> read_plan(write_plan(p, d / "plan.csv")) == p
True
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from ..errors import PlanError, format_ids
from .atomic import PathLike, atomic_open
from .plan import Plan
from .textio import read_csv_table

__all__ = ["PLAN_COLUMNS", "read_plan", "write_plan"]


PLAN_COLUMNS = ("unit_id", "new_unit_id", "new_name", "seat")


def write_plan(plan: Plan, path: PathLike, *, unit_order: Iterable[str] | None = None) -> Path:
    """Write a plan as CSV: ``unit_id,new_unit_id,new_name,seat`` (one row per current unit).

    Parameters
    ----------
    plan : Plan
    path : str or PathLike
    unit_order : iterable of str, optional
        Row order (default: sorted unit ids).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    OutputError
        When ``path`` cannot be written (its folder is a file, it is a folder, the disk
        is full, the folder is read-only); a previous file is left as it was.
    """
    out = Path(path)
    order = list(unit_order) if unit_order is not None else sorted(plan.assignment)
    plan.check_units(order)
    with atomic_open(out, encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(PLAN_COLUMNS)
        for u in order:
            new = plan.assignment[u]
            w.writerow([u, new, plan.names.get(new, ""), plan.seats.get(new, "")])
    return out


def read_plan(path: PathLike, *, encoding: str | None = None) -> Plan:
    """Read a plan CSV with ``unit_id,new_unit_id`` and optional ``new_name,seat``.

    Parameters
    ----------
    path : str or PathLike
    encoding : str, optional
        Default: UTF-8 (with or without BOM), else GB18030/GBK.

    Returns
    -------
    Plan

    Raises
    ------
    PlanError
        For missing columns, no rows, empty or repeated unit ids, or a new unit
        given two different names or seats; every problem is listed.
    InputError
        For a file that is missing, empty or cannot be decoded.
    """
    df = read_csv_table(path, "plan", encoding=encoding, dtype=str, keep_default_na=False)
    missing = [c for c in ("unit_id", "new_unit_id") if c not in df.columns]
    if missing:
        raise PlanError(f"The plan file {str(path)!r} lacks column(s) {missing}; its columns are "
                        f"{list(df.columns)}. Expected unit_id,new_unit_id[,new_name,seat].")
    if df.empty:
        raise PlanError(f"The plan file {str(path)!r} has a header but no rows: list every "
                        "current unit with its new unit (unit_id,new_unit_id; a unit that "
                        "stays as it is maps to itself).")
    problems: list[str] = []
    empty = df.index[(df["unit_id"].str.strip() == "") | (df["new_unit_id"].str.strip() == "")]
    if len(empty):
        shown = [df.at[i, "unit_id"] or "(no unit_id)" for i in empty]
        problems.append(f"{len(empty)} row(s) lack a unit_id or new_unit_id: {format_ids(shown)}")
    dup = df["unit_id"][df["unit_id"].duplicated() & (df["unit_id"] != "")]
    if len(dup):
        problems.append(f"unit ids listed more than once: {format_ids(sorted(set(dup)))}")
    names: dict[str, str] = {}
    seats: dict[str, str] = {}
    for col, table in (("new_name", names), ("seat", seats)):
        if col not in df.columns:
            continue
        given = df[df[col] != ""].groupby("new_unit_id")[col].unique()
        clash = [k for k, v in given.items() if len(v) > 1]
        if clash:
            problems.append(f"new units given several values of {col}: {format_ids(clash)}")
        table.update({str(k): str(v[0]) for k, v in given.items()})
    if problems:
        raise PlanError(f"The plan file {str(path)!r} has problems; fix them and read it again.",
                        problems)
    return Plan(dict(zip(df["unit_id"], df["new_unit_id"], strict=True)), names, seats)
