"""The change log of a reform: old code → new code, new name and seat, at every level.

One row per unit before (township, village or community, village group): its
old code and name, the code and name of the unit it becomes part of, and that
unit's seat (驻地). A unit that keeps code and name is ``unchanged``; one that
keeps its code under a new name ``renamed``; one alone under a new code
``recoded``; two or more old units sharing a new code are ``merged``.

New codes follow the statistical division code structure
(:mod:`townmerge.data.divisions`: 9 digits for townships, 12 for villages, each
under its new parent) or are given by the user; :func:`townmerge.data.divisions.assign_codes`
makes them. A code may name one unit before and another after (the NBS
reuses codes), so old and new codes are not compared with each other.

Examples
--------
>>> log = change_log([
...     ChangeEntry("township", "510104020", "督院街街道办事处", "510104022", "春熙路街道"),
...     ChangeEntry("township", "510104022", "春熙路街道办事处", "510104022", "春熙路街道"),
...     ChangeEntry("township", "510104023", "书院街街道办事处", "510104023", "书院街街道办事处"),
... ])
>>> log["change"].tolist()
['merged', 'merged', 'unchanged']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

import pandas as pd

from ..data.divisions import CODE_DIGITS, LEVELS, check_code
from ..errors import InputError

__all__ = ["CHANGES", "CHANGE_COLUMNS", "ChangeEntry", "change_log"]

#: Columns of a change log, in order.
CHANGE_COLUMNS: tuple[str, ...] = ("level", "kind", "old_code", "old_name", "new_code",
                                   "new_name", "seat", "change")

#: Values of the ``change`` column.
CHANGES: tuple[str, ...] = ("unchanged", "renamed", "recoded", "merged")


@dataclass(frozen=True)
class ChangeEntry:
    """One unit before: what it becomes.

    Parameters
    ----------
    level : {"township", "village", "group"}
        Villages and communities are the two kinds of the village level.
    old_code, old_name : str
        The unit before.
    new_code, new_name : str
        The unit it is part of after.
    seat : str, optional
        Seat (驻地) of the new unit, e.g. the village or community it sits in.
    kind : str, optional
        Kind of the new unit (乡, 镇, 街道 …; village or community).
    """

    level: str
    old_code: str
    old_name: str
    new_code: str
    new_name: str
    seat: str | None = None
    kind: str | None = None


def _problems(df: pd.DataFrame) -> list[str]:
    out: list[str] = []
    for r in df.itertuples(index=False):
        if r.level not in LEVELS:
            out.append(f"{r.old_code} {r.old_name}: unknown level {r.level!r} "
                       f"(expected one of {', '.join(LEVELS)})")
            continue
        for which, code in (("old", r.old_code), ("new", r.new_code)):
            why = check_code(code, r.level)
            if why:
                out.append(f"{r.old_code} {r.old_name}: {which} code: {why}")
        if not str(r.new_name).strip():
            out.append(f"{r.old_code} {r.old_name}: no new name (new code {r.new_code})")
    dup = df[df.duplicated(["level", "old_code"], keep=False)]
    for (level, code), g in dup.groupby(["level", "old_code"], sort=True):
        out.append(f"{code} ({'/'.join(g['old_name'])}): listed {len(g)} times at {level} level; "
                   "each unit before has one row")
    for col in ("new_name", "seat", "kind"):
        many = df.groupby(["level", "new_code"])[col].nunique(dropna=False)
        for (level, code), _ in many[many > 1].items():
            vals = sorted(set(map(str, df.loc[(df["level"] == level)
                                              & (df["new_code"] == code), col])))
            out.append(f"new {level} {code}: its members give different {col}s "
                       f"({', '.join(vals)}); give each new unit one {col}")
    olds = {lvl: set(df.loc[df["level"] == lvl, "new_code"]) for lvl in LEVELS}
    for lvl, up in (("village", "township"), ("group", "village")):
        if not olds[up]:
            continue  # the upper level is not in this log: nothing to nest under
        rows = df[(df["level"] == lvl) & df["new_code"].str.len().eq(CODE_DIGITS[lvl])]
        orphan = rows[~rows["new_code"].str[:CODE_DIGITS[up]].isin(olds[up])]
        for r in orphan.itertuples(index=False):
            out.append(f"{r.old_code} {r.old_name}: new code {r.new_code} is not under any new "
                       f"{up} of this log; a new {lvl} takes its code under its new {up}")
    return out


def change_log(entries: Iterable[ChangeEntry] | pd.DataFrame) -> pd.DataFrame:
    """Check and complete a change log.

    Parameters
    ----------
    entries : iterable of ChangeEntry, or DataFrame
        A DataFrame needs the columns ``level``, ``old_code``, ``old_name``,
        ``new_code`` and ``new_name``; ``seat`` and ``kind`` are optional.

    Returns
    -------
    pandas.DataFrame
        :data:`CHANGE_COLUMNS`, sorted by level (townships first) and old
        code, with ``change`` filled in.

    Raises
    ------
    InputError
        Listing every problem, naming old codes and names: a code of the
        wrong length for its level, a unit before listed twice, a new code
        with two names or seats, a village whose new code is not under a new
        township of the same log.

    Examples
    --------
    >>> change_log([ChangeEntry("village", "510104022001", "甲社区", "51010402201", "甲社区")])
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    townmerge.errors.InputError: The change log has 1 problem(s):
      - 510104022001 甲社区: new code: expected 12 digits for a village-level code, got 11 ...
    """
    if isinstance(entries, pd.DataFrame):
        df = entries.copy()
        missing = [c for c in ("level", "old_code", "old_name", "new_code", "new_name")
                   if c not in df.columns]
        if missing:
            raise InputError(f"The change log lacks the column(s) {', '.join(missing)}; "
                             f"expected {', '.join(CHANGE_COLUMNS[:-1])}.")
    else:
        df = pd.DataFrame([asdict(e) for e in entries],
                          columns=["level", "old_code", "old_name", "new_code", "new_name",
                                   "seat", "kind"])
    for col in ("seat", "kind"):
        if col not in df.columns:
            df[col] = None
    for col in ("level", "old_code", "old_name", "new_code", "new_name"):
        df[col] = df[col].astype("string").fillna("")
    problems = _problems(df)
    if problems:
        raise InputError(f"The change log has {len(problems)} problem(s):", problems=problems)
    size = df.groupby(["level", "new_code"])["old_code"].transform("size")
    same_code = df["old_code"] == df["new_code"]
    same_name = df["old_name"] == df["new_name"]
    change = pd.Series("recoded", index=df.index)
    change[same_code & same_name] = "unchanged"
    change[same_code & ~same_name] = "renamed"
    change[size > 1] = "merged"
    df["change"] = change
    order = {lvl: i for i, lvl in enumerate(LEVELS)}
    df = df.sort_values(["level", "old_code"], key=lambda s: s.map(order) if s.name == "level"
                        else s, kind="stable")
    return df.loc[:, list(CHANGE_COLUMNS)].reset_index(drop=True)
