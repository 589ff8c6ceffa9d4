"""Reviewed virtual links (ferry, bridge, mountain pass): read, checked and added to edges.

A links table has the columns :data:`LINK_COLUMNS` (``unit_a``, ``unit_b``,
``reason``); :func:`read_links` reads one from CSV (ids as text), :func:`check_links`
reports every problem at once, naming the lines or the unknown unit ids, and
:func:`add_links` adds the links to an edge table as ``virtual`` edges of
``border_m`` 0 unless the pair already is an edge.

Examples
--------
>>> links = pd.DataFrame({"unit_a": ["B"], "unit_b": ["A"], "reason": ["ferry"]})
>>> edges = pd.DataFrame(columns=["unit_a", "unit_b", "border_m", "kind"])
>>> add_links(edges, check_links(links, {"A", "B"}, "table"))
  unit_a unit_b  border_m     kind
0      A      B       0.0  virtual
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from ..errors import InputError, format_ids
from .unitgeoms import Units, unit_ids, units_frame

__all__ = ["EDGE_COLUMNS", "LINK_COLUMNS", "add_links", "check_links", "read_links"]

#: Columns of the edge table, in order.
EDGE_COLUMNS = ("unit_a", "unit_b", "border_m", "kind")
#: Columns of a links file (reviewed virtual edges).
LINK_COLUMNS = ("unit_a", "unit_b", "reason")


def check_links(links: pd.DataFrame, known: set[str] | None, source: str) -> pd.DataFrame:
    """The links table cleaned (ids as stripped text, ``reason`` filled), or every problem.

    Parameters
    ----------
    links : DataFrame
        With ``unit_a``, ``unit_b`` and optionally ``reason``.
    known : set of str, optional
        The unit ids a link may name.
    source : str
        What the table is, for messages: ``"file <path>"`` (problems name its
        lines) or ``"table"`` (problems name the row labels).

    Raises
    ------
    InputError
        Naming the missing columns, rows with a missing id, links from a unit
        to itself and unknown ids.

    Examples
    --------
    >>> check_links(pd.DataFrame({"unit_a": [" A"], "unit_b": ["Z"]}), {"A", "B"}, "table")
    Traceback (most recent call last):
    ...
    townmerge.errors.InputError: The links table has 1 problem(s): ...
    """
    missing_cols = [c for c in ("unit_a", "unit_b") if c not in links.columns]
    if missing_cols:
        raise InputError(f"The links {source} lacks column(s) {', '.join(missing_cols)}; it "
                         f"needs the columns {','.join(LINK_COLUMNS)} (found: "
                         f"{', '.join(map(str, links.columns)) or 'none'}).")
    out = pd.DataFrame({
        "unit_a": links["unit_a"].astype("string").str.strip(),
        "unit_b": links["unit_b"].astype("string").str.strip(),
        "reason": (links["reason"].astype("string").fillna("")
                   if "reason" in links.columns else ""),
    })
    problems: list[str] = []
    blank = (out["unit_a"].isna() | out["unit_b"].isna() | (out["unit_a"] == "")
             | (out["unit_b"] == "")).to_numpy()
    if blank.any():
        if source.startswith("file"):
            rows = [f"line {i + 2}" for i in np.flatnonzero(blank)]
            problems.append(f"a unit id is missing on {format_ids(rows)} (the header is "
                            "line 1)")
        else:
            rows = [str(x) for x in links.index[blank]]
            problems.append(f"a unit id is missing in the row(s) labelled {format_ids(rows)}")
    out = out[~blank]
    same = out["unit_a"] == out["unit_b"]
    if same.any():
        problems.append("a link joins a unit to itself: "
                        f"{format_ids(sorted(set(out.loc[same, 'unit_a'])))}")
    if known is not None:
        unknown = sorted(set(out["unit_a"]).union(out["unit_b"]) - known)
        if unknown:
            problems.append(f"unknown unit ids {format_ids(unknown)}; use the unit ids of the "
                            "study area")
    if problems:
        raise InputError(f"The links {source} has {len(problems)} problem(s):", problems)
    return out.astype({"unit_a": object, "unit_b": object, "reason": object})


def read_links(
    path: str | os.PathLike[str], units: Units | None = None,
) -> pd.DataFrame:
    r"""Read reviewed virtual edges (ferry, bridge, mountain pass) from a CSV file.

    Parameters
    ----------
    path : str or path-like
        CSV file with the header ``unit_a,unit_b,reason``; ids are read as
        text (leading zeros are kept), further columns are ignored.
    units : StudyArea or GeoDataFrame, optional
        When given, every id must be one of its unit ids.

    Returns
    -------
    DataFrame
        ``unit_a``, ``unit_b``, ``reason`` (empty text when not given).

    Raises
    ------
    InputError
        Naming the missing columns, the lines with a missing id, links from a
        unit to itself and unknown ids.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from townmerge.testing.grids import grid_units
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "links.csv"
    >>> _ = path.write_text("unit_a,unit_b,reason\nA,C,ferry\n")
    >>> read_links(path, grid_units("AB.C"))
      unit_a unit_b reason
    0      A      C  ferry
    """
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""],
                            skipinitialspace=True)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"Cannot read the links file {os.fspath(path)}: {exc}. It must be a "
                         f"CSV file with the header {','.join(LINK_COLUMNS)}.") from exc
    table.columns = [str(c).strip() for c in table.columns]
    known = set(unit_ids(units_frame(units, "read_links"))) if units is not None else None
    return check_links(table, known, f"file {os.fspath(path)}").reset_index(drop=True)


def add_links(edges: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """The edge table with the links added as ``virtual`` edges (existing pairs kept as they are).

    Examples
    --------
    >>> edges = pd.DataFrame({"unit_a": ["A"], "unit_b": ["B"], "border_m": [5.0],
    ...                       "kind": ["shared"]})
    >>> links = pd.DataFrame({"unit_a": ["B", "C"], "unit_b": ["A", "A"], "reason": ""})
    >>> add_links(edges, links)
      unit_a unit_b  border_m     kind
    0      A      B       5.0   shared
    1      A      C       0.0  virtual
    """
    if links.empty:
        return edges
    a = links["unit_a"].to_numpy(dtype=object)
    b = links["unit_b"].to_numpy(dtype=object)
    swap = a.astype(str) > b.astype(str)
    lo, hi = np.where(swap, b, a), np.where(swap, a, b)
    virtual = pd.DataFrame({"unit_a": lo, "unit_b": hi, "border_m": 0.0, "kind": "virtual"})
    virtual = virtual.drop_duplicates(["unit_a", "unit_b"])
    existing = pd.MultiIndex.from_frame(edges[["unit_a", "unit_b"]])
    new = ~pd.MultiIndex.from_frame(virtual[["unit_a", "unit_b"]]).isin(existing)
    out = pd.concat([edges, virtual[new]], ignore_index=True)
    return out.sort_values(["unit_a", "unit_b"], ignore_index=True)[list(EDGE_COLUMNS)]
