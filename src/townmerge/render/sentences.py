"""The report's sentences as plain text, in official 方案 wording (Chinese) or English.

:func:`count_sentence` and :func:`count_sentences` say how the number of units changes
("乡镇（街道）由33个减为13个，减少20个、减幅60.6%"); :func:`merger_paragraph` is the official
wording of one new unit (撤销…，设立…，…人民政府驻…). Nothing here is HTML: the page escapes
every sentence once, when it is written (:mod:`townmerge.render.report_html`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import pandas as pd

from ..evaluate.levels import rate_text
from ..i18n import MISSING, check_lang, join_and, label, sentence
from .report_kinds import UNIT_KINDS
from .report_tables import ReportFigures, optional_text

__all__ = ["count_sentence", "count_sentences", "count_subject", "display_name", "kind_label",
           "merger_paragraph"]

_KIND_PLURAL_EN: Mapping[str, str] = MappingProxyType({
    "total": "Townships and subdistricts", "township": "Townships",
    "ethnic_township": "Ethnic townships", "town": "Towns", "subdistrict": "Subdistricts",
    "other": "Other units",
})


# -- sentences (plain text) --------------------------------------------------------------------
def kind_label(kind: str, lang: str) -> str:
    """The name of a unit type (:data:`~townmerge.render.report_kinds.UNIT_KINDS`) in ``lang``.

    Examples
    --------
    >>> kind_label("town", "zh"), kind_label("subdistrict", "en")
    ('镇', 'subdistrict')
    """
    return label(f"kind_{kind}", lang)


def display_name(name: str, kind: str, lang: str) -> str:
    """A unit as named in prose: the name in Chinese, ``name type`` in English.

    Examples
    --------
    >>> display_name("甲镇", "town", "zh"), display_name("甲镇", "town", "en")
    ('甲镇', '甲镇 town')
    """
    if lang == "zh" or kind == "other":
        return name
    return f"{name} {kind_label(kind, lang)}"


def count_subject(key: str, lang: str) -> str:
    """What a row of :attr:`ReportFigures.counts` counts, as the subject of its sentence.

    Examples
    --------
    >>> count_subject("total", "zh"), count_subject("town", "en")
    ('乡镇（街道）', 'Towns')
    """
    if key == "total":
        return label("kind_total", lang)
    if key in UNIT_KINDS:
        return kind_label(key, lang) if lang == "zh" else _KIND_PLURAL_EN[key]
    return label(key, lang) if key != "other_settlement" else label("kind_other", lang)


def count_sentence(key: str, before: int, after: int, lang: str) -> str:
    """The official count sentence: ``乡由13个减为2个，减少11个、减幅84.6%``.

    Examples
    --------
    >>> count_sentence("total", 33, 13, "zh")
    '乡镇（街道）由33个减为13个，减少20个、减幅60.6%'
    >>> count_sentence("town", 16, 16, "en")
    'Towns: 16, unchanged'
    """
    subject = count_subject(key, lang)
    if after == before:
        return sentence("count_same", lang, subject=subject, before=before)
    n = abs(before - after)
    rate = rate_text(before, after) if before else MISSING  # exact, rounded once, half up
    which = "count_down" if after < before else "count_up"
    return sentence(which, lang, subject=subject, before=before, after=after, n=n, rate=rate)


def count_sentences(figures: ReportFigures, lang: str) -> tuple[str, ...]:
    r"""Count sentences of the units: the total first, then each type present.

    Examples
    --------
    >>> import townmerge
    >>> from townmerge.render.report_tables import report_figures
    >>> from townmerge.testing.grids import grid_units
    >>> area = townmerge.StudyArea(grid_units("AB", kind={"A": "town", "B": "township"}))
    >>> fig = report_figures(area, townmerge.Plan.from_groups({"A": ["A", "B"]}))
    >>> print(*count_sentences(fig, "en"), sep="\n")
    Townships and subdistricts: from 2 to 1, 1 fewer (−50.0%)
    Townships: from 1 to 0, 1 fewer (−100.0%)
    Towns: 1, unchanged
    """
    check_lang(lang)
    keys = [k for k in figures.counts.index if k == "total" or k in UNIT_KINDS]
    return tuple(count_sentence(k, int(figures.counts.at[k, "before"]),
                                int(figures.counts.at[k, "after"]), lang) for k in keys)


def _office(kind: str, lang: str) -> str:
    return sentence("office_subdistrict" if kind == "subdistrict" else "office_government", lang)


def _seat_origin(row: pd.Series, members: Mapping[str, tuple[str, str]], lang: str) -> str:
    """The bracket after the seat: whose former seat it is, or that it moved ('' if neither)."""
    origin_unit = optional_text(row["seat_former_of"]) or ""
    seat_unit = optional_text(row["seat_unit"]) or ""
    moved = bool(row.get("moved", False))
    if origin_unit in members:
        oname, okind = members[origin_unit]
        text = sentence("origin_former", lang, unit=oname, office=_office(okind, lang))
    elif moved and seat_unit in members:
        text = sentence("origin_moved", lang, unit=members[seat_unit][0])
    elif moved:
        text = sentence("origin_unknown", lang)
    else:
        return ""
    return sentence("origin_wrap", lang, origin=text)


def _seat_clause(row: pd.Series, lang: str) -> str:
    """Where the government of the new unit sits, in official wording."""
    unit = str(row["name"])
    office = _office(str(row["kind"]), lang)
    seat = optional_text(row["seat_name"])
    if seat is None:
        return sentence("seat_unknown", lang, unit=unit, office=office)
    keeper, keeper_seat = optional_text(row["keeper"]), optional_text(row["keeper_seat"])
    if keeper is not None and keeper_seat is not None and optional_text(row["seat"]) == keeper_seat:
        return sentence("seat_same", lang, unit=unit, office=office)
    members = dict(zip(row["members"], zip(row["member_names"], row["member_kinds"],
                                           strict=True), strict=True))
    origin = _seat_origin(row, members, lang)
    old = optional_text(row["keeper_seat_name"])
    if keeper is not None and old is not None:
        return sentence("seat_from_to", lang, unit=unit, office=office, old=old, seat=seat,
                        origin=origin)
    return sentence("seat_at", lang, unit=unit, office=office, seat=seat, origin=origin)


def merger_paragraph(row: pd.Series, lang: str) -> str:
    r"""The official wording of one new unit (a row of :attr:`ReportFigures.new_units`).

    A new unit that keeps a member's name takes the others in: "撤销A乡，将其所
    属行政区域划归B镇管辖，B镇人民政府驻地不变"; otherwise every member is
    abolished and the new unit established: "撤销A乡和B乡，设立C镇，以原A乡和
    原B乡所属行政区域为C镇的行政区域，C镇人民政府驻XX（原A乡人民政府驻地）".

    Parameters
    ----------
    row : Series
        One row of :attr:`ReportFigures.new_units` (its name is the new unit id).
    lang : str
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str
        Plain text (escape it for HTML).

    Examples
    --------
    >>> row = pd.Series({"name": "丙镇", "kind": "town", "members": ("A", "B"),
    ...     "member_names": ("甲乡", "乙乡"), "member_kinds": ("township", "township"),
    ...     "keeper": None, "keeper_seat": None, "keeper_seat_name": None, "seat": "a1",
    ...     "seat_name": "甲社区", "seat_unit": "A", "seat_former_of": "A", "moved": False})
    >>> print(*merger_paragraph(row, "zh").split("，"), sep="\n")
    撤销甲乡和乙乡
    设立丙镇
    以原甲乡和原乙乡所属行政区域为丙镇的行政区域
    丙镇人民政府驻甲社区（原甲乡人民政府驻地）。
    >>> print(*merger_paragraph(row, "en").split("; "), sep="\n")
    Abolish 甲乡 township and 乙乡 township
    establish 丙镇 town, whose area is the former areas of 甲乡 and 乙乡
    the government of 丙镇 sits at 甲社区 (the former seat of 甲乡).
    """
    check_lang(lang)
    members = list(zip(row["members"], row["member_names"], row["member_kinds"], strict=True))
    keeper = optional_text(row["keeper"])
    abolished = [(n, k) for m, n, k in members if m != keeper]
    members_text = join_and([display_name(n, k, lang) for n, k in abolished], lang)
    clause = _seat_clause(row, lang)
    if keeper is not None:
        return sentence("merge_absorb", lang, members=members_text, seat_clause=clause,
                        their="their" if len(abolished) > 1 else "its",
                        keeper=display_name(str(row["name"]), str(row["kind"]), lang))
    prefix = "原" if lang == "zh" else ""
    return sentence("merge_new", lang, members=members_text, seat_clause=clause,
                    new=display_name(str(row["name"]), str(row["kind"]), lang),
                    former=join_and([prefix + n for n, _ in abolished], lang))


