"""Counts before → after for every level and kind, with exact reduction rates.

The summary sentences follow the reference documents' own style, e.g.
``乡镇（街道）由33个减为13个，减少20个、减幅60.6%``. A rate is the exact
fraction ``(before − after) / before``, rounded once, half up, to one
decimal of a percent (:func:`percent_tenths`): no float ever decides a digit.

Examples
--------
>>> rate_text(33, 13)
'60.6%'
>>> count_sentence("township_total", 33, 13, "zh")
'乡镇（街道）由33个减为13个，减少20个、减幅60.6%'
>>> count_sentence("village", 132, 83, "en")
'Villages: from 132 to 83, 49 fewer (−37.1%)'
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from types import MappingProxyType

import pandas as pd

from ..data.divisions import TOWNSHIP_TYPES, VILLAGE_KINDS
from ..i18n import check_lang, sentence

__all__ = [
    "KIND_ORDER",
    "SUBJECTS",
    "count_sentence",
    "kind_counts",
    "percent_tenths",
    "rate_text",
    "reduction_rate",
]

#: Subject of a count sentence: ``key -> (zh, en)``.
SUBJECTS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "township_total": ("乡镇（街道）", "Townships and subdistricts"),
    "乡": ("乡", "Townships"),
    "民族乡": ("民族乡", "Ethnic townships"),
    "镇": ("镇", "Towns"),
    "街道": ("街道", "Subdistricts"),
    "township_other": ("其他乡级单位", "Other township-level units"),
    "village_total": ("村（社区）", "Villages and communities"),
    "village": ("建制村", "Villages"),
    "community": ("社区", "Communities"),
    "village_other": ("未能归类的村级单位", "Unclassified village-level units"),
    "group": ("村民小组", "Village groups"),
    "resident_group": ("居民小组", "Resident groups"),
})

#: Rows of :func:`kind_counts` per level, the total first.
KIND_ORDER: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "township": ("total", *TOWNSHIP_TYPES),
    "village": ("total", *VILLAGE_KINDS),
})


def reduction_rate(before: int, after: int) -> Fraction | None:
    """The exact reduction rate ``(before − after) / before`` (None when ``before`` is 0).

    Negative for growth.

    Examples
    --------
    >>> reduction_rate(33, 13)
    Fraction(20, 33)
    >>> reduction_rate(0, 4) is None
    True
    """
    b, a = int(before), int(after)
    if b < 0 or a < 0:
        raise ValueError(f"counts must be >= 0, got {before} and {after}")
    return None if b == 0 else Fraction(b - a, b)


def percent_tenths(rate: Fraction) -> int:
    """A rate in tenths of a percent, rounded once, half up (away from zero).

    Examples
    --------
    >>> percent_tenths(Fraction(20, 33))    # 60.606… %
    606
    >>> percent_tenths(Fraction(1, 16))     # 6.25 % exactly: half up
    63
    >>> percent_tenths(Fraction(-1, 16))    # growth of 6.25 %
    -63
    """
    x = abs(rate) * 1000
    tenths = (2 * x.numerator + x.denominator) // (2 * x.denominator)
    return -tenths if rate < 0 else tenths


def rate_text(before: int, after: int) -> str:
    """The size of the change as a percent of ``before``, one decimal: ``60.6%``.

    Growth is shown without a sign (the sentence says 增幅); ``—`` when
    ``before`` is 0.

    Examples
    --------
    >>> rate_text(33, 13), rate_text(80, 75), rate_text(4, 5), rate_text(0, 1)
    ('60.6%', '6.3%', '25.0%', '—')
    """
    rate = reduction_rate(before, after)
    if rate is None:
        return "—"
    t = abs(percent_tenths(rate))
    return f"{t // 10}.{t % 10}%"


def _number(n: int, lang: str) -> str:
    return f"{n:,}" if lang == "en" else str(n)


def count_sentence(subject: str, before: int, after: int, lang: str) -> str:
    """The official count sentence for one level or kind.

    Parameters
    ----------
    subject : str
        A key of :data:`SUBJECTS`.
    before, after : int
        The counts.
    lang : {"zh", "en"}

    Examples
    --------
    >>> count_sentence("village", 45915, 25970, "zh")
    '建制村由45915个减为25970个，减少19945个、减幅43.4%'
    >>> count_sentence("community", 7636, 8412, "zh")
    '社区由7636个增为8412个，增加776个、增幅10.2%'
    >>> count_sentence("community", 7636, 8412, "en")
    'Communities: from 7,636 to 8,412, 776 more (+10.2%)'
    >>> count_sentence("镇", 5, 5, "zh")
    '镇5个，数量不变'
    """
    check_lang(lang)
    zh, en = SUBJECTS[subject]
    name = zh if lang == "zh" else en
    b, a = int(before), int(after)
    if a == b:
        return sentence("count_same", lang, subject=name, before=_number(b, lang))
    key = "count_down" if a < b else "count_up"
    return sentence(key, lang, subject=name, before=_number(b, lang), after=_number(a, lang),
                    n=_number(abs(b - a), lang), rate=rate_text(b, a))


def _subject(level: str, kind: str) -> str:
    if kind == "total":
        return f"{level}_total"
    if kind == "other":
        return f"{level}_other"
    return kind


def kind_counts(before: pd.Series, after: pd.Series, level: str) -> pd.DataFrame:
    """Counts before → after of one level, the total first, then each kind.

    Parameters
    ----------
    before, after : pandas.Series
        The kind of each unit before and after (a township type for
        ``level="township"``, a village kind for ``level="village"``).
    level : {"township", "village"}

    Returns
    -------
    pandas.DataFrame
        Index ``kind`` (``total`` first); columns ``before``, ``after``,
        ``removed`` (negative for growth), ``rate_tenths`` (reduction in tenths
        of a percent, half up; negative for growth; missing when ``before``
        is 0) and the sentences ``zh`` and ``en``. A kind with no unit before
        or after is left out, except ``total``. ``before − removed = after``
        and the kinds sum to the total.

    Examples
    --------
    >>> t = kind_counts(pd.Series(["镇"] * 3 + ["乡"] * 30), pd.Series(["镇"] * 13), "township")
    >>> t[["before", "after", "removed", "rate_tenths"]]
           before  after  removed  rate_tenths
    kind
    total      33     13       20          606
    乡          30      0       30         1000
    镇           3     13      -10        -3333
    >>> t.loc["total", "zh"]
    '乡镇（街道）由33个减为13个，减少20个、减幅60.6%'
    """
    order = KIND_ORDER[level]
    unknown = sorted((set(before) | set(after)) - set(order))
    if unknown:
        raise ValueError(f"unknown {level} kinds {unknown}; expected {order[1:]}")
    b = before.value_counts().reindex(order[1:], fill_value=0)
    a = after.value_counts().reindex(order[1:], fill_value=0)
    b["total"], a["total"] = len(before), len(after)
    rows = []
    for kind in order:
        nb, na = int(b[kind]), int(a[kind])
        if kind != "total" and nb == 0 and na == 0:
            continue
        rate = reduction_rate(nb, na)
        rows.append({"kind": kind, "before": nb, "after": na, "removed": nb - na,
                     "rate_tenths": pd.NA if rate is None else percent_tenths(rate),
                     "zh": count_sentence(_subject(level, kind), nb, na, "zh"),
                     "en": count_sentence(_subject(level, kind), nb, na, "en")})
    out = pd.DataFrame(rows).set_index("kind")
    out["rate_tenths"] = out["rate_tenths"].astype("Int64")
    return out
