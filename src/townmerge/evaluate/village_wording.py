"""Official wording of village mergers and the 五不 / 五大不变 checklist carried with each.

The wording follows the township decisions' style at the village level:
"撤销A村、B村，设立C村，以原A村、B村的区域为C村的区域，C村村民委员会驻X。" when
the new village takes a new name, "撤销B村，将其区域并入A村，A村村民委员会驻地不变。"
when it keeps a member's name. Communities say 居民委员会.

The reference documents promise that a village merger leaves five things unchanged
(五不 / 五大不变). Their exact wording is not in our sources (domain notes §2), so the
checklist is configurable: :data:`FIVE_UNCHANGED` holds the usual items, each merger
carries every item with a status (``待核实`` / ``to verify`` until the user records
another) into the report and the tables.

Examples
--------
>>> print(village_merger_text("丙村", "village", ["甲村", "乙村"], keeper=None,
...                           seat="甲村村委会", lang="zh"))
撤销甲村、乙村，设立丙村，以原甲村、乙村的区域为丙村的区域，丙村村民委员会驻甲村村委会。
>>> print(village_merger_text("甲社区", "community", ["乙社区"], keeper="甲社区", seat=None,
...                           lang="en"))
Abolish 乙社区 and join its area to 甲社区; the community committee of 甲社区 stays where it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from ..i18n import check_lang, label, sentence

__all__ = ["FIVE_UNCHANGED", "PENDING", "checklist_table", "village_merger_text"]

#: The usual 五不 / 五大不变 items (zh, en): configurable, see the module docstring.
FIVE_UNCHANGED: tuple[tuple[str, str], ...] = (
    ("土地承包关系不变", "land contract relations unchanged"),
    ("集体资产所有权不变", "ownership of collective assets unchanged"),
    ("债权债务不变", "debts and claims unchanged"),
    ("惠农政策不变", "preferential rural policies unchanged"),
    ("村民合法权益不变", "villagers' lawful rights unchanged"),
)

#: Status of a checklist item nobody has recorded yet.
PENDING: Mapping[str, str] = {"zh": "待核实", "en": "to verify"}


def _list(names: Sequence[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(names)


def village_merger_text(new_name: str, kind: str, abolished: Sequence[str], *,
                        keeper: str | None, seat: str | None, lang: str) -> str:
    """The official sentence of one village merger.

    Parameters
    ----------
    new_name : str
        Name of the new village or community.
    kind : {"village", "community", "other"}
    abolished : sequence of str
        Names of the former units abolished (all members but the keeper).
    keeper : str, optional
        Name of the member the new unit continues (it keeps its name); None when
        the new unit is established under a new name.
    seat : str, optional
        Name of the settlement where the new committee sits.
    lang : {"zh", "en"}

    Returns
    -------
    str
        Plain text; escape it for HTML.
    """
    check_lang(lang)
    office = sentence("office_community" if kind == "community" else "office_village", lang)
    members = _list(list(abolished), lang)
    if keeper is not None:
        return sentence("village_merge_absorb", lang, members=members, keeper=keeper,
                        office=office, their="their" if len(abolished) > 1 else "its")
    prefix = "原" if lang == "zh" else ""
    return sentence("village_merge_new", lang, members=members, new=new_name,
                    former=prefix + _list(list(abolished), lang), office=office,
                    seat=seat or label("unknown", lang))


def checklist_table(mergers: Sequence[str], items: Sequence[tuple[str, str]],
                    status: Mapping[str, Mapping[str, str]] | None, lang: str) -> pd.DataFrame:
    """Each merger × each checklist item with its status.

    Parameters
    ----------
    mergers : sequence of str
        New unit ids of the mergers (new units of two or more members).
    items : sequence of (zh, en)
        The checklist (default :data:`FIVE_UNCHANGED`).
    status : Mapping[str, Mapping[str, str]], optional
        New unit id → item (its zh text) → status the user recorded; the rest are
        :data:`PENDING`.
    lang : {"zh", "en"}

    Returns
    -------
    pandas.DataFrame
        Columns ``new_unit``, ``item``, ``status``.

    Examples
    --------
    >>> done = {"V1": {"土地承包关系不变": "已公示"}}
    >>> t = checklist_table(["V1"], FIVE_UNCHANGED[:2], done, "zh")
    >>> t["status"].tolist()
    ['已公示', '待核实']
    """
    check_lang(lang)
    status = status or {}
    rows = [{"new_unit": m, "item": zh if lang == "zh" else en,
             "status": status.get(m, {}).get(zh, PENDING[lang])}
            for m in mergers for zh, en in items]
    return pd.DataFrame(rows, columns=["new_unit", "item", "status"])
