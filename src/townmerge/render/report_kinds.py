"""Report types of units and settlements: 乡, 民族乡, 镇, 街道 and 村, 社区.

:func:`unit_kind` and :func:`settlement_kind` read a unit's or settlement's type from its
``kind`` (in English or Chinese) or, when that is missing or unknown, from the end of its name;
:data:`UNIT_KINDS` and :data:`SETTLEMENT_KINDS` give the order the report counts them in.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["SETTLEMENT_KINDS", "UNIT_KINDS", "settlement_kind", "unit_kind"]

#: Unit types in report order (乡, 民族乡, 镇, 街道), then anything else.
UNIT_KINDS: tuple[str, ...] = ("township", "ethnic_township", "town", "subdistrict", "other")
#: Settlement types counted in the report (村, 社区), then anything else.
SETTLEMENT_KINDS: tuple[str, ...] = ("village", "community", "other")

_UNIT_KIND_ALIASES: Mapping[str, str] = MappingProxyType({
    "township": "township", "乡": "township",
    "ethnic township": "ethnic_township", "ethnic_township": "ethnic_township",
    "民族乡": "ethnic_township",
    "town": "town", "镇": "town",
    "subdistrict": "subdistrict", "街道": "subdistrict",
})
_SETTLEMENT_KIND_ALIASES: Mapping[str, str] = MappingProxyType({
    "village": "village", "村": "village", "建制村": "village", "行政村": "village",
    "community": "community", "社区": "community", "town seat": "community",
    "county seat": "community",
})


def unit_kind(kind: object, name: object = None) -> str:
    """Report type of a unit: one of :data:`UNIT_KINDS`.

    ``kind`` is read first (``township``/``乡``, ``ethnic township``/``民族乡``,
    ``town``/``镇``, ``subdistrict``/``街道``); when it is missing or unknown
    the end of the name decides (…街道, …民族乡 or …族乡, …镇, …乡).

    Examples
    --------
    >>> unit_kind("ethnic township"), unit_kind(None, "松和藏族乡"), unit_kind("", "城东街道")
    ('ethnic_township', 'ethnic_township', 'subdistrict')
    >>> unit_kind(None, "X")
    'other'
    """
    if isinstance(kind, str) and kind.strip().lower() in _UNIT_KIND_ALIASES:
        return _UNIT_KIND_ALIASES[kind.strip().lower()]
    text = name.strip() if isinstance(name, str) else ""
    for suffix, key in (("街道", "subdistrict"), ("族乡", "ethnic_township"), ("镇", "town"),
                        ("乡", "township")):
        if text.endswith(suffix):
            return key
    return "other"


def settlement_kind(kind: object, name: object = None) -> str:
    """Report type of a settlement: ``village`` (村), ``community`` (社区) or ``other``.

    Town and county seats count as communities; without a known kind the end
    of the name decides (…社区, …村).

    Examples
    --------
    >>> settlement_kind("town seat"), settlement_kind("village"), settlement_kind(None, "兴包村")
    ('community', 'village', 'village')
    """
    if isinstance(kind, str) and kind.strip().lower() in _SETTLEMENT_KIND_ALIASES:
        return _SETTLEMENT_KIND_ALIASES[kind.strip().lower()]
    text = name.strip() if isinstance(name, str) else ""
    if text.endswith("社区"):
        return "community"
    if text.endswith("村"):
        return "village"
    return "other"

