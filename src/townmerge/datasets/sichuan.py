"""Read the real Sichuan code tables of the 2019–2021 township and village reform.

The folder (``sample_shapes/sichuan`` in a source checkout; see its README for
source and licence) holds the statistical division codes of every
township-level and village-level unit of Sichuan in 2018 and in 2021, and the
derived mapping of each 2018 township to its 2021 township:

- ``townships_2018.csv``, ``townships_2021.csv``: ``code`` (9 digits), ``name``,
  ``areaCode`` (county);
- ``villages_2018.csv``, ``villages_2021.csv``: ``code`` (12 digits), ``name``,
  ``streetCode`` (township);
- ``township_merges_2018_2021.csv``: ``code_2018`` → ``code_2021`` (empty
  where unmatched), with the county of each side.

Kinds are read from names (:func:`townmerge.data.divisions.township_type`,
:func:`townmerge.data.divisions.village_kind`).

**Counties.** Units are reported under their 2021 county, because county
codes changed (新津县 510132 → 新津区 510118, 射洪县 510922 → 射洪市
510981, 会理县 513425 → 会理市 513402) and some townships moved county. A
2018 township counts in the county of its 2021 successor (``county_rule``
``successor``); an unmatched one in its own 2018 county when that code
still exists in 2021 (``same_code``); otherwise in the 2021 county that
received most of its 2018 county's matched townships (``crosswalk``, ties
to the lowest code); failing all, under its 2018 county code (``none``,
reported, never dropped). A 2018 village counts in its township's county.

Examples
--------
>>> t = read_sichuan("sample_shapes/sichuan")  # doctest: +SKIP
>>> len(t.townships_before), len(t.townships_after)  # doctest: +SKIP
(4642, 3111)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..data.divisions import CODE_DIGITS, township_type, village_kind
from ..errors import InputError

__all__ = ["FILES", "SichuanTables", "read_sichuan"]

#: The files of the folder and the columns each must have.
FILES: dict[str, tuple[str, ...]] = {
    "townships_2018.csv": ("code", "name", "areaCode"),
    "townships_2021.csv": ("code", "name", "areaCode"),
    "villages_2018.csv": ("code", "name", "streetCode"),
    "villages_2021.csv": ("code", "name", "streetCode"),
    "township_merges_2018_2021.csv": ("code_2018", "name_2018", "county_code_2018",
                                      "county_name_2018", "code_2021", "name_2021",
                                      "county_code_2021", "county_name_2021"),
}


@dataclass(frozen=True)
class SichuanTables:
    """The units before (2018) and after (2021), each under its 2021 county.

    Attributes
    ----------
    townships_before : pandas.DataFrame
        ``code, name, type, county_code, county_code_2018, new_code, new_name,
        county_rule`` (``new_code`` empty where the mapping has no successor).
    townships_after : pandas.DataFrame
        ``code, name, type, county_code, predecessors`` (number of 2018
        townships mapped to it).
    villages_before, villages_after : pandas.DataFrame
        ``code, name, kind, township_code, county_code``.
    counties : pandas.DataFrame
        Index ``county_code``; ``county_name`` and ``county_codes_2018`` (the
        2018 codes whose units it reports, ``/``-joined).
    """

    townships_before: pd.DataFrame
    townships_after: pd.DataFrame
    villages_before: pd.DataFrame
    villages_after: pd.DataFrame
    counties: pd.DataFrame


def _read(folder: Path, name: str, problems: list[str]) -> pd.DataFrame | None:
    path = folder / name
    if not path.is_file():
        problems.append(f"{name}: missing from {str(folder)!r}")
        return None
    try:
        df = pd.read_csv(path, dtype="string", encoding="utf-8-sig", keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        problems.append(f"{name}: cannot be read as UTF-8 CSV ({exc})")
        return None
    missing = [c for c in FILES[name] if c not in df.columns]
    if missing:
        problems.append(f"{name}: lacks the column(s) {', '.join(missing)} "
                        f"(expected {', '.join(FILES[name])})")
        return None
    return df


def _check_codes(df: pd.DataFrame, name: str, level: str, parent: str,
                 problems: list[str]) -> None:
    digits = CODE_DIGITS[level]
    bad = df[~df["code"].str.fullmatch(rf"\d{{{digits}}}")]
    for r in bad.head(20).itertuples(index=False):
        problems.append(f"{name}: {r.code!r} {r.name}: expected a {digits}-digit {level} code")
    dup = df[df["code"].duplicated(keep=False)]
    for code, g in dup.groupby("code", sort=True):
        problems.append(f"{name}: code {code} is given to {len(g)} units "
                        f"({', '.join(g['name'])}); codes are unique")
    if len(bad) > 20:
        problems.append(f"{name}: {len(bad) - 20} more bad codes")
    under = df[df["code"].str.len().eq(digits)
               & (df["code"].str[:CODE_DIGITS[parent]] != df[_PARENT_COL[level]])]
    for r in under.head(20).itertuples(index=False):
        problems.append(f"{name}: {r.code} {r.name}: the code is not under its {parent} "
                        f"{getattr(r, _PARENT_COL[level])}")


_PARENT_COL = {"township": "areaCode", "village": "streetCode"}


def _crosswalk(merges: pd.DataFrame) -> dict[str, str]:
    """The 2021 county receiving most matched townships of each 2018 county."""
    matched = merges[merges["code_2021"] != ""]
    n = matched.groupby(["county_code_2018", "county_code_2021"]).size().reset_index(name="n")
    n = n.sort_values(["county_code_2018", "n", "county_code_2021"],
                      ascending=[True, False, True])
    return dict(n.drop_duplicates("county_code_2018").loc[:, ["county_code_2018",
                                                              "county_code_2021"]].values)


def read_sichuan(folder: str | os.PathLike[str]) -> SichuanTables:
    """Read and check the Sichuan code tables, each unit under its 2021 county.

    Parameters
    ----------
    folder : str or PathLike
        The folder holding :data:`FILES`.

    Returns
    -------
    SichuanTables

    Raises
    ------
    InputError
        Listing every problem at once: a missing file or column, a bad or
        duplicate code, a village under a township not in its year's table,
        a mapping naming a township not in the tables.

    Examples
    --------
    >>> read_sichuan("no/such/folder")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    townmerge.errors.InputError: The Sichuan code tables in 'no/such/folder' cannot be used:
      - 'no/such/folder' is not a folder; give the folder holding townships_2018.csv, ...
    """
    root = Path(folder)
    head = f"The Sichuan code tables in {str(folder)!r} cannot be used:"
    if not root.is_dir():
        raise InputError(head, [f"{str(folder)!r} is not a folder; give the folder holding "
                                f"{', '.join(list(FILES)[:-1])} and {list(FILES)[-1]} "
                                "(sample_shapes/sichuan in a source checkout)"])
    problems: list[str] = []
    frames = {name: _read(root, name, problems) for name in FILES}
    if problems:
        raise InputError(head, problems)
    t18, t21 = frames["townships_2018.csv"], frames["townships_2021.csv"]
    v18, v21 = frames["villages_2018.csv"], frames["villages_2021.csv"]
    m = frames["township_merges_2018_2021.csv"]
    assert t18 is not None and t21 is not None and v18 is not None and v21 is not None
    assert m is not None
    for df, name, level, parent in ((t18, "townships_2018.csv", "township", "county"),
                                    (t21, "townships_2021.csv", "township", "county"),
                                    (v18, "villages_2018.csv", "village", "township"),
                                    (v21, "villages_2021.csv", "village", "township")):
        _check_codes(df, name, level, parent, problems)
    for v, t, name in ((v18, t18, "villages_2018.csv"), (v21, t21, "villages_2021.csv")):
        lost = v[~v["streetCode"].isin(t["code"])]
        for r in lost.head(20).itertuples(index=False):
            problems.append(f"{name}: {r.code} {r.name}: its township {r.streetCode} is not "
                            "in that year's townships table")
    unknown18 = m[~m["code_2018"].isin(t18["code"])]
    unknown21 = m[(m["code_2021"] != "") & ~m["code_2021"].isin(t21["code"])]
    for r in unknown18.head(20).itertuples(index=False):
        problems.append(f"township_merges_2018_2021.csv: {r.code_2018} {r.name_2018} is not in "
                        "townships_2018.csv")
    for r in unknown21.head(20).itertuples(index=False):
        problems.append(f"township_merges_2018_2021.csv: {r.code_2021} {r.name_2021} "
                        f"(successor of {r.code_2018} {r.name_2018}) is not in "
                        "townships_2021.csv")
    twice = m[m["code_2018"].duplicated(keep=False)]
    for code, g in twice.groupby("code_2018", sort=True):
        problems.append(f"township_merges_2018_2021.csv: {code} {g['name_2018'].iloc[0]} is "
                        f"mapped {len(g)} times; each 2018 township has one row")
    unmapped = t18[~t18["code"].isin(m["code_2018"])]
    for r in unmapped.head(20).itertuples(index=False):
        problems.append(f"townships_2018.csv: {r.code} {r.name} has no row in "
                        "township_merges_2018_2021.csv (leave code_2021 empty if unmatched)")
    if problems:
        raise InputError(head, problems)
    return _tables(t18, t21, v18, v21, m)


def _tables(t18: pd.DataFrame, t21: pd.DataFrame, v18: pd.DataFrame, v21: pd.DataFrame,
            m: pd.DataFrame) -> SichuanTables:
    m = m.set_index("code_2018")
    counties21 = set(t21["areaCode"])
    cross = _crosswalk(m.reset_index())
    tb = pd.DataFrame({"code": t18["code"], "name": t18["name"],
                       "type": t18["name"].map(township_type).astype("string"),
                       "county_code_2018": t18["areaCode"]})
    tb["new_code"] = tb["code"].map(m["code_2021"]).astype("string")
    tb["new_name"] = tb["code"].map(m["name_2021"]).astype("string")
    succ = tb["code"].map(m["county_code_2021"]).astype("string")
    matched = tb["new_code"] != ""
    same = ~matched & tb["county_code_2018"].isin(counties21)
    via = tb["county_code_2018"].map(cross).astype("string")
    crossed = ~matched & ~same & via.notna()
    tb["county_code"] = tb["county_code_2018"].where(~matched, succ)
    tb.loc[crossed, "county_code"] = via[crossed]
    tb["county_rule"] = "none"
    tb.loc[matched, "county_rule"] = "successor"
    tb.loc[same, "county_rule"] = "same_code"
    tb.loc[crossed, "county_rule"] = "crosswalk"
    tb["county_rule"] = tb["county_rule"].astype("string")
    preds = tb.loc[matched, "new_code"].value_counts()
    ta = pd.DataFrame({"code": t21["code"], "name": t21["name"],
                       "type": t21["name"].map(township_type).astype("string"),
                       "county_code": t21["areaCode"]})
    ta["predecessors"] = ta["code"].map(preds).fillna(0).astype(int)
    county_of18 = dict(zip(tb["code"], tb["county_code"], strict=True))
    vb = pd.DataFrame({"code": v18["code"], "name": v18["name"],
                       "kind": v18["name"].map(village_kind).astype("string"),
                       "township_code": v18["streetCode"],
                       "county_code": v18["streetCode"].map(county_of18).astype("string")})
    va = pd.DataFrame({"code": v21["code"], "name": v21["name"],
                       "kind": v21["name"].map(village_kind).astype("string"),
                       "township_code": v21["streetCode"], "county_code": t21.set_index(
                           "code")["areaCode"].reindex(v21["streetCode"]).to_numpy()})
    names = pd.concat([
        m.loc[m["county_code_2021"] != "", ["county_code_2021", "county_name_2021"]].set_axis(
            ["county_code", "county_name"], axis=1),
        m[["county_code_2018", "county_name_2018"]].set_axis(["county_code", "county_name"],
                                                            axis=1),
    ]).drop_duplicates("county_code").set_index("county_code")["county_name"]
    codes = sorted(set(tb["county_code"]) | set(ta["county_code"]))
    olds = tb.groupby("county_code")["county_code_2018"].agg(
        lambda s: "/".join(sorted(set(s))))
    counties = pd.DataFrame({"county_name": names.reindex(codes).fillna("").to_numpy(),
                             "county_codes_2018": olds.reindex(codes).fillna("").to_numpy()},
                            index=pd.Index(codes, name="county_code")).astype("string")
    return SichuanTables(tb, ta, vb, va, counties)
