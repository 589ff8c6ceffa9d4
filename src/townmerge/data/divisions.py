"""China's statistical division codes and the kinds of units named in them.

A leaf module (it imports only :mod:`townmerge.errors`): the code structure of
the National Bureau of Statistics' 统计用区划和城乡划分代码 and the rules that
read a unit's kind from its name.

**Code structure.** A code extends its parent's code: a county has 6 digits,
a township-level unit (乡, 民族乡, 镇, 街道) 9 (county + 3), a village-level
unit (建制村 or 社区) 12 (township + 3). The 3-digit serial says the kind:

====================  ===================================================
level                 serial ranges (:data:`SERIAL_RANGES`)
====================  ===================================================
township              街道 001–099, 镇 100–199, 乡 and 民族乡 200–399,
                      other township-like units (开发区, 农场 …) 400–599
village               社区 (居委会) 001–199, 建制村 (村委会) 200–399,
                      other village-like units (虚拟生活区 …) 400–599
group                 村民小组: 001–999 under the village (15 digits; a
                      townmerge convention, the NBS codes stop at villages)
====================  ===================================================

:func:`assign_codes` gives new units codes under their new parent by this
rule: in the order given, each takes the lowest serial of its kind's range
that is neither an existing code nor already given, so the result is
deterministic and never collides.

**Kinds from names.** :func:`township_type` reads 街道 from a name ending in
街道办事处, 街道 or 街道办; 镇 from 镇; 民族乡 from 乡 with 族乡 in the name
(e.g. 彝族乡); 乡 from any other 乡; every other name (开发区, 管理所, 牧场 …)
is ``"other"``. :func:`village_kind` reads, first match wins: 居委/居民委员
→ community; 村委/村民委员/村民小组 → village; 社区 → community; 村 → village;
anything else (生活区, 牧场 …) is ``"other"`` (counted as unclassified). A
committee's own type decides before a place name: 张家湾社区村民委员会 is a
village committee, 杏花村社区居委会 a community.

Examples
--------
>>> township_type("春熙路街道办事处"), township_type("马边彝族乡"), township_type("轻工业园区")
('街道', '民族乡', 'other')
>>> [village_kind(n) for n in ("青石桥社区居委会", "张家湾社区村民委员会", "果场生活区")]
['community', 'village', 'other']
>>> assign_codes("510104", ["街道", "镇"], existing=["510104001", "510104100"])
['510104002', '510104101']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

from ..errors import InputError

__all__ = [
    "CODE_DIGITS",
    "LEVELS",
    "SERIAL_RANGES",
    "TOWNSHIP_TYPES",
    "VILLAGE_KINDS",
    "assign_codes",
    "check_code",
    "parent_code",
    "township_type",
    "village_kind",
]

#: Levels below the county, top down.
LEVELS: tuple[str, ...] = ("township", "village", "group")

#: Digits of a code at each level (the county has 6).
CODE_DIGITS: Mapping[str, int] = MappingProxyType(
    {"county": 6, "township": 9, "village": 12, "group": 15})

#: Kinds of township-level units, in report order; ``other`` = 类似乡级单位.
TOWNSHIP_TYPES: tuple[str, ...] = ("乡", "民族乡", "镇", "街道", "other")

#: Kinds of village-level units; ``other`` = not classifiable from the name.
VILLAGE_KINDS: tuple[str, ...] = ("village", "community", "other")

#: Serial ranges (first, last) of each kind, per level.
SERIAL_RANGES: Mapping[str, Mapping[str, tuple[int, int]]] = MappingProxyType({
    "township": MappingProxyType({"街道": (1, 99), "镇": (100, 199), "乡": (200, 399),
                                  "民族乡": (200, 399), "other": (400, 599)}),
    "village": MappingProxyType({"community": (1, 199), "village": (200, 399),
                                 "other": (400, 599)}),
    "group": MappingProxyType({"group": (1, 999), "other": (1, 999)}),
})

_LEVEL_OF_DIGITS = {v: k for k, v in CODE_DIGITS.items()}
_PARENT = {"township": "county", "village": "township", "group": "village"}


def township_type(name: str) -> str:
    """The type of a township-level unit (乡, 民族乡, 镇, 街道 or other) from its name.

    Examples
    --------
    >>> [township_type(n) for n in ["光明乡", "峨边彝族乡", "华阳镇", "东升街道办", "袁家坝"]]
    ['乡', '民族乡', '镇', '街道', 'other']
    """
    n = str(name).strip()
    if n.endswith(("街道办事处", "街道", "街道办")):
        return "街道"
    if n.endswith("镇"):
        return "镇"
    if n.endswith("乡"):
        return "民族乡" if "族乡" in n else "乡"
    return "other"


_COMMUNITY_COMMITTEE = re.compile("居委|居民委员")
_VILLAGE_COMMITTEE = re.compile("村委|村民委员|村民小组")


def village_kind(name: str) -> str:
    """The kind of a village-level unit (village, community or other) from its name.

    Examples
    --------
    >>> [village_kind(n) for n in ["红岩村村民委员会", "锦华社区", "工人村社区居委会", "康乌牧场"]]
    ['village', 'community', 'community', 'other']
    """
    n = str(name)
    if _COMMUNITY_COMMITTEE.search(n):
        return "community"
    if _VILLAGE_COMMITTEE.search(n):
        return "village"
    if "社区" in n:
        return "community"
    if "村" in n:
        return "village"
    return "other"


def check_code(code: str, level: str) -> str | None:
    """Why ``code`` is not a code of ``level`` (None when it is).

    Examples
    --------
    >>> check_code("510104022", "township") is None
    True
    >>> check_code("51010402", "township")
    'expected 9 digits for a township-level code, got 8 characters'
    """
    if level not in CODE_DIGITS:
        return f"unknown level {level!r} (expected one of {', '.join(CODE_DIGITS)})"
    digits = CODE_DIGITS[level]
    if not (isinstance(code, str) and code.isascii() and code.isdigit()):
        return f"expected {digits} digits for a {level}-level code, got {code!r}"
    if len(code) != digits:
        return (f"expected {digits} digits for a {level}-level code, "
                f"got {len(code)} characters")
    return None


def parent_code(code: str) -> str:
    """The code of the unit one level up (the code without its last serial).

    Examples
    --------
    >>> parent_code("510104022001"), parent_code("510104022")
    ('510104022', '510104')
    """
    level = _LEVEL_OF_DIGITS.get(len(code))
    if level is None or level == "county" or check_code(code, level):
        raise InputError(f"{code!r} is not a township, village or group code "
                         "(9, 12 or 15 digits).")
    return code[:CODE_DIGITS[_PARENT[level]]]


def assign_codes(parent: str, kinds: Sequence[str], existing: Iterable[str] = ()) -> list[str]:
    """New codes under ``parent`` for new units of ``kinds``, never colliding.

    The level follows from the parent's length (a county's 6 digits give
    township codes, a township's 9 village codes, a village's 12 group codes).
    In the order of ``kinds``, each new unit takes the lowest serial of its
    kind's range (:data:`SERIAL_RANGES`) that is not in ``existing`` and not
    already given. Codes in ``existing`` under other parents are ignored.

    Parameters
    ----------
    parent : str
        Code of the parent unit (6, 9 or 12 digits).
    kinds : sequence of str
        Kind of each new unit: a township type (乡, 民族乡, 镇, 街道, other),
        a village kind (village, community, other), or ``group``.
    existing : iterable of str
        Codes that must not be given (those in use, before and after).

    Returns
    -------
    list of str
        One code per kind, in order.

    Raises
    ------
    InputError
        A bad parent code, a kind unknown at that level, or a serial range
        used up (naming the parent and the kind).

    Examples
    --------
    >>> assign_codes("510104022", ["village", "community", "village"],
    ...              existing=["510104022200", "510104022001", "510104017201"])
    ['510104022201', '510104022002', '510104022202']
    """
    level = {6: "township", 9: "village", 12: "group"}.get(len(str(parent)))
    if level is None or check_code(str(parent), _PARENT[level]):
        raise InputError(f"Cannot give codes under {parent!r}: a parent code has 6 (county), "
                         "9 (township) or 12 (village) digits. Give the new parent's code.")
    ranges = SERIAL_RANGES[level]
    bad = sorted({str(k) for k in kinds if k not in ranges})
    if bad:
        raise InputError(f"Cannot give {level} codes under {parent}: unknown kind(s) "
                         f"{', '.join(bad)}; expected one of {', '.join(ranges)}.")
    width = CODE_DIGITS[level] - len(parent)
    taken = {int(c[len(parent):]) for c in existing
             if len(c) == CODE_DIGITS[level] and c.startswith(parent) and c.isdigit()}
    out: list[str] = []
    full: dict[str, int] = {}
    for kind in kinds:
        lo, hi = ranges[kind]
        serial = next((s for s in range(lo, hi + 1) if s not in taken), None)
        if serial is None:
            full[kind] = full.get(kind, 0) + 1
            continue
        taken.add(serial)
        out.append(f"{parent}{serial:0{width}d}")
    if full:
        lack = ", ".join(f"{n} more {k} ({ranges[k][0]:03d}–{ranges[k][1]:03d})"
                         for k, n in full.items())
        raise InputError(f"Cannot give codes under {parent}: the serial range is used up for "
                         f"{lack}. Give these codes yourself (new_code).")
    return out
