"""Per-county and province summaries of a township and village reform.

Built on :mod:`townmerge.evaluate.levels` (counts and exact rates) and
:mod:`townmerge.evaluate.changelog`; :func:`sichuan_summary` runs them on the real
Sichuan code tables (:mod:`townmerge.datasets.sichuan`). ``townmerge sichuan`` prints
the province summary and writes the tables with :func:`write_summary`.

Examples
--------
>>> s = sichuan_summary("sample_shapes/sichuan")  # doctest: +SKIP
>>> s.province.loc[("township", "total"), ["before", "after"]].tolist()  # doctest: +SKIP
[4642, 3111]
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from ..data.atomic import atomic_folder, atomic_write_with
from ..datasets.sichuan import SichuanTables, read_sichuan
from ..i18n import check_lang
from .changelog import ChangeEntry, change_log
from .levels import kind_counts, percent_tenths, reduction_rate

__all__ = ["ReformSummary", "county_table", "predecessor_distribution", "sichuan_summary",
           "summary_text", "write_summary"]

_TYPE_COLS = {"乡": "xiang", "民族乡": "minzuxiang", "镇": "zhen", "街道": "jiedao",
              "other": "other_township"}
_KIND_COLS = {"village": "villages", "community": "communities", "other": "unclassified"}


@dataclass(frozen=True)
class ReformSummary:
    """The summary tables of a reform.

    Attributes
    ----------
    province : pandas.DataFrame
        Index ``(level, kind)``; see :func:`townmerge.evaluate.levels.kind_counts`.
    counties : pandas.DataFrame
        One row per county (:func:`county_table`); its counts sum to ``province``.
    predecessors : pandas.Series
        Number of new townships (value) per number of predecessors (index,
        0 = no matched predecessor).
    changes : pandas.DataFrame
        The township change log of the matched townships (:mod:`townmerge.evaluate.changelog`).
    unmatched : pandas.DataFrame
        Townships before without a successor in the mapping, with the county
        they are counted in and how it was found (``county_rule``).
    """

    province: pd.DataFrame
    counties: pd.DataFrame
    predecessors: pd.Series
    changes: pd.DataFrame
    unmatched: pd.DataFrame


def _tenths(before: pd.Series, after: pd.Series) -> pd.Series:
    out = [pd.NA if (r := reduction_rate(int(b), int(a))) is None else percent_tenths(r)
           for b, a in zip(before, after, strict=True)]
    return pd.Series(out, index=before.index, dtype="Int64")


def county_table(tables: SichuanTables) -> pd.DataFrame:
    """Counts before → after per county, at township and village level, by kind.

    Columns: ``county_code`` (2021), ``county_name``, ``county_codes_2018``;
    ``townships_before/after/removed/rate_tenths`` and ``<type>_before/after``
    for each township type (``xiang`` 乡, ``minzuxiang`` 民族乡, ``zhen`` 镇,
    ``jiedao`` 街道, ``other_township``); ``village_level_before/after/removed/
    rate_tenths`` and ``villages``, ``communities``, ``unclassified``
    ``_before/after``; ``townships_unmatched`` (2018 townships without a
    successor, counted by ``county_rule``) and ``new_without_predecessor``.
    Rates are reductions in tenths of a percent, rounded half up once.
    """
    tb, ta = tables.townships_before, tables.townships_after
    vb, va = tables.villages_before, tables.villages_after
    idx = tables.counties.index
    out = tables.counties.reset_index()

    def count(df: pd.DataFrame, col: str | None = None, value: str | None = None) -> pd.Series:
        sel = df if col is None else df[df[col] == value]
        return sel.groupby("county_code").size().reindex(idx, fill_value=0).astype(int)

    cols: dict[str, pd.Series] = {}
    cols["townships_before"], cols["townships_after"] = count(tb), count(ta)
    for t, c in _TYPE_COLS.items():
        cols[f"{c}_before"], cols[f"{c}_after"] = count(tb, "type", t), count(ta, "type", t)
    cols["village_level_before"], cols["village_level_after"] = count(vb), count(va)
    for k, c in _KIND_COLS.items():
        cols[f"{c}_before"], cols[f"{c}_after"] = count(vb, "kind", k), count(va, "kind", k)
    cols["townships_unmatched"] = count(tb[tb["new_code"] == ""])
    cols["new_without_predecessor"] = count(ta[ta["predecessors"] == 0])
    df = pd.DataFrame(cols)
    for lvl in ("townships", "village_level"):
        df.insert(df.columns.get_loc(f"{lvl}_after") + 1, f"{lvl}_removed",
                  df[f"{lvl}_before"] - df[f"{lvl}_after"])
        df.insert(df.columns.get_loc(f"{lvl}_removed") + 1, f"{lvl}_rate_tenths",
                  _tenths(df[f"{lvl}_before"], df[f"{lvl}_after"]))
    return pd.concat([out, df.reset_index(drop=True)], axis=1)


def predecessor_distribution(townships_after: pd.DataFrame) -> pd.Series:
    """Number of new townships per number of predecessors (0 = none matched).

    Examples
    --------
    >>> predecessor_distribution(pd.DataFrame({"predecessors": [1, 2, 2, 0]})).to_dict()
    {0: 1, 1: 1, 2: 2}
    """
    s = townships_after["predecessors"].value_counts().sort_index()
    s.index.name, s.name = "predecessors", "new_townships"
    return s.astype(int)


def _changes(tables: SichuanTables) -> pd.DataFrame:
    tb = tables.townships_before
    kind = dict(zip(tables.townships_after["code"], tables.townships_after["type"],
                    strict=True))
    rows = tb[tb["new_code"] != ""]
    return change_log([ChangeEntry("township", r.code, r.name, r.new_code, r.new_name,
                                   None, kind[r.new_code])
                       for r in rows.itertuples(index=False)])


def sichuan_summary(folder: str | os.PathLike[str] = "sample_shapes/sichuan") -> ReformSummary:
    """Province and per-county summary of Sichuan's reform from the real code tables.

    Parameters
    ----------
    folder : str or PathLike
        The folder of the tables (:data:`townmerge.datasets.sichuan.FILES`).

    Returns
    -------
    ReformSummary

    Raises
    ------
    InputError
        When the tables are missing or inconsistent (every problem listed).
    """
    tables = read_sichuan(folder)
    province = pd.concat({
        "township": kind_counts(tables.townships_before["type"],
                                tables.townships_after["type"], "township"),
        "village": kind_counts(tables.villages_before["kind"],
                               tables.villages_after["kind"], "village"),
    }, names=["level", "kind"])
    unmatched = tables.townships_before.loc[
        tables.townships_before["new_code"] == "",
        ["code", "name", "type", "county_code_2018", "county_code", "county_rule"]]
    return ReformSummary(province, county_table(tables),
                         predecessor_distribution(tables.townships_after), _changes(tables),
                         unmatched.reset_index(drop=True))


_TEXT = {
    "province": ("四川省（全省）", "Sichuan province"),
    "township": ("乡级", "Township level"),
    "village": ("村级", "Village level"),
    "dist": ("调整后乡镇（街道）按原乡镇（街道）个数分布：",
             "New townships by number of predecessors:"),
    "dist_row": ("由{k}个原乡镇组成：{n}个", "{k} predecessor(s): {n}"),
    "none": ("未匹配到原乡镇：{n}个", "no matched predecessor: {n}"),
    "unmatched": ("另有{n}个2018年乡镇在映射中无对应乡镇，按所在县计入调整前数量。",
                  "{n} townships of 2018 have no successor in the mapping; they are counted "
                  "before, in their county."),
    "unclassified": ("村级单位类别按名称判定（居委会/社区→社区，村委会/村→建制村），"
                     "未能归类的计入“未能归类”。",
                     "Village-level kinds are read from names (居委会/社区 → community, "
                     "村委会/村 → village); the rest are counted as unclassified."),
}


def _t(key: str, lang: str, **values: int) -> str:
    zh, en = _TEXT[key]
    text = zh if lang == "zh" else en
    for k, v in values.items():  # plain replacement: no format string sees data
        text = text.replace("{" + k + "}", f"{v:,}" if lang == "en" else str(v))
    return text


def summary_text(summary: ReformSummary, lang: str = "zh") -> str:
    """The province summary in the reference documents' style, one sentence a line.

    Examples
    --------
    >>> print(summary_text(sichuan_summary("sample_shapes/sichuan"), "zh"))  # doctest: +SKIP
    四川省（全省）
    乡级：乡镇（街道）由4642个减为3111个，减少1531个、减幅33.0%
    ...
    """
    check_lang(lang)
    lines = [_t("province", lang)]
    sep = "：" if lang == "zh" else ": "
    for level in ("township", "village"):
        rows = summary.province.loc[level]
        lines.append(_t(level, lang) + sep + str(rows.loc["total", lang]))
        lines += ["  " + str(rows.loc[k, lang]) for k in rows.index if k != "total"]
    lines.append(_t("dist", lang))
    for k, n in summary.predecessors.items():
        key = "none" if k == 0 else "dist_row"
        lines.append("  " + _t(key, lang, k=int(k), n=int(n)))
    lines.append(_t("unmatched", lang, n=len(summary.unmatched)))
    lines.append(_t("unclassified", lang))
    return "\n".join(lines)


def _province_csv(summary: ReformSummary) -> pd.DataFrame:
    p = summary.province.reset_index()
    return p[["level", "kind", "before", "after", "removed", "rate_tenths", "zh", "en"]]


def _pct(df: pd.DataFrame) -> pd.DataFrame:
    """Rates in tenths of a percent as exact one-decimal text (``606`` → ``60.6``)."""
    out = df.copy()
    for col in [c for c in df.columns if c.endswith("rate_tenths")]:
        text = [("" if pd.isna(t) else f"{'-' if t < 0 else ''}{abs(t) // 10}.{abs(t) % 10}")
                for t in df[col]]
        out[col] = text
        out = out.rename(columns={col: col.removesuffix("_tenths") + "_pct"})
    return out


def _to_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")


def write_summary(summary: ReformSummary, out: str | os.PathLike[str]) -> list[Path]:
    """Write the tables to the folder ``out``, all files replaced or none.

    Files: ``province.csv`` (level, kind, before, after, removed,
    rate_pct, zh, en), ``counties.csv`` (:func:`county_table`),
    ``predecessors.csv``, ``township_changes.csv`` (the change log) and
    ``unmatched_townships.csv``; UTF-8 with BOM so that Excel reads the
    Chinese names. Rates are written as ``*_rate_pct``, the reduction in
    percent with one decimal (negative for growth), rounded half up once.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    frames = {
        "province.csv": _pct(_province_csv(summary)),
        "counties.csv": _pct(summary.counties),
        "predecessors.csv": summary.predecessors.reset_index(),
        "township_changes.csv": summary.changes,
        "unmatched_townships.csv": summary.unmatched,
    }
    folder = Path(out)
    with atomic_folder(folder) as files:
        for name, df in frames.items():
            atomic_write_with(files.path(name), partial(_to_csv, df))
    return [folder / n for n in frames]
