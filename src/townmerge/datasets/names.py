"""Chinese names of the units and settlements, drawn from stems without repeats.

Stems are two characters (青杠) or a modifier and two characters (上青杠), plus urban stems
(东街) for communities and the subdistricts' stems (城北). :func:`name_everything` names
subdistricts nearest the county seat first, gives each seat its unit's stem (青杠镇 sits at
青杠社区) and draws distinct stems for the rest (:class:`Names`).

Examples
--------
>>> from townmerge.datasets import synthetic_county
>>> names = synthetic_county(6, seed=1).units["name"]
>>> bool(names.str.endswith(("街道", "镇", "乡")).all())
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .grid import BoolArray, FloatArray, IntArray, gumbel
from .placement import Places, Units
from .population import People
from .spec import CountySpec

__all__ = ["Names", "name_everything"]

# Name material: first and second characters of two-character stems, modifiers
# for three-character stems, urban stems for communities and subdistricts.
_FIRST = (
    "青石白黄红金银龙凤马鹤云双三五新长高大小东西南北兴太永安福宝万桂柏桃杨柳松竹梅兰玉"
    "清明光平和仁义文天观古河溪狮象鹿盘锦乐顺灵华富庆丰吉泰利合星岩茶花水德"
)
_SECOND = (
    "杠龙鹤桥坝溪河山岩湾沟塘林坪场堰田井峰台门口庙寺观坡岭滩洞池园庄店阳华兴安丰福寿宁和"
    "平合星光明泉石江湖松竹柏凤云马狮垭嘴包梁冲铺院营堡关渡"
)
_MODIFIERS = "上下新老大小中前后高东西南北里外"
_URBAN_STEMS = (
    "东街", "南街", "西街", "北街", "正街", "新街", "老街", "上街", "下街", "中街", "后街",
    "河街", "滨江", "滨河", "文昌", "书院", "文庙", "桂花", "龙泉", "玉带", "清风", "明月",
    "锦绣", "和平", "建设", "解放", "人民", "幸福", "团结", "花园", "府前", "学府", "迎宾",
    "红光", "光华", "新华", "育才", "朝阳", "向阳", "城隍", "盐市", "米市", "鼓楼", "南门",
    "北门", "东门", "西门", "水井", "沙湾", "紫荆",
)
_SUBDISTRICT_STEMS = (
    "城北", "城南", "城东", "城西", "城中", "城关", "东城", "西城", "南城", "北城",
    "江北", "江南", "河东", "河西", "新城",
)
_ETHNIC = ("彝族", "藏族", "羌族", "回族", "苗族", "土家族")


def _stem_space() -> tuple[npt.NDArray[np.str_], FloatArray, npt.NDArray[np.str_]]:
    """All candidate stems, a base weight per stem, and the urban stems."""
    first = np.array(list(dict.fromkeys(_FIRST)))
    second = np.array(list(dict.fromkeys(_SECOND)))
    two = np.char.add(first[:, None], second[None, :]).ravel()
    keep_two = np.repeat(first, second.size) != np.tile(second, first.size)
    two = two[keep_two]
    two_first = np.repeat(first, second.size)[keep_two]
    mods = np.array(list(_MODIFIERS))
    three = np.char.add(np.repeat(mods, two.size), np.tile(two, mods.size))
    three = three[np.repeat(mods, two.size) != np.tile(two_first, mods.size)]
    urban = np.array(_URBAN_STEMS)
    stems = np.concatenate([urban, two, three])
    _, first_idx = np.unique(stems, return_index=True)
    keep = np.zeros(stems.size, dtype=bool)
    keep[first_idx] = True
    weight = np.concatenate(
        [np.full(urban.size, -1.0), np.ones(two.size), np.full(three.size, 0.004)]
    )
    return stems[keep], weight[keep], urban


def _draw(rng: np.random.Generator, weight: FloatArray, taken: BoolArray, k: int) -> IntArray:
    """Weighted draw of ``k`` distinct untaken indices (Gumbel top-k)."""
    with np.errstate(divide="ignore"):
        keys = np.log(np.where(taken | (weight <= 0), 0.0, weight)) + gumbel(rng, weight.size)
    if k > int(np.isfinite(keys).sum()):
        raise ValueError("Not enough distinct names for so many units and settlements.")
    chosen = np.argsort(-keys, kind="stable")[:k]
    taken[chosen] = True
    return np.asarray(chosen, dtype=np.int64)


@dataclass(frozen=True)
class Names:
    """Names of the units (青杠镇, 城北街道, 白岩彝族乡) and settlements (青杠社区, 上河村).

    Examples
    --------
    >>> from townmerge.datasets.spec import CountySpec
    >>> from townmerge.datasets.synthetic import draft_county
    >>> d = draft_county(CountySpec.build(n_units=6), seed=1)
    >>> len(set(d.names.settlement)) == len(d.names.settlement)
    True
    """

    unit: tuple[str, ...]
    settlement: tuple[str, ...]


def name_everything(
    rng: np.random.Generator, units: Units, places: Places, people: People, spec: CountySpec
) -> Names:
    """Name every unit and settlement, no stem used twice.

    Examples
    --------
    >>> import numpy as np
    >>> from townmerge.datasets.spec import CountySpec
    >>> from townmerge.datasets.synthetic import draft_county
    >>> d = draft_county(CountySpec.build(n_units=6), seed=1)
    >>> names = name_everything(np.random.default_rng(0), d.units, d.places, d.people, d.spec)
    >>> names.unit[d.units.main].endswith("街道"), names.settlement[0].endswith("社区")
    (True, True)
    """
    n = spec.n_units
    stems, base_w, urban = _stem_space()
    taken = np.zeros(stems.size, dtype=bool)
    is_urban = np.isin(stems, urban)
    unit_stem = np.empty(n, dtype=object)
    # Subdistricts, nearest the county seat first: 城北, 城南 ... then ordinary stems.
    subs = np.flatnonzero(units.subdistrict)
    subs = subs[np.argsort(units.dist_cs[subs], kind="stable")]
    sub_pool = list(_SUBDISTRICT_STEMS[:6])
    picks = [sub_pool[i] for i in rng.permutation(len(sub_pool))]
    picks += [s for s in _SUBDISTRICT_STEMS[6:] if s not in picks]
    extra = max(0, subs.size - len(picks))
    taken |= np.isin(stems, picks)
    if extra:
        picks += [str(s) for s in stems[_draw(rng, base_w * (~is_urban), taken, extra)]]
    unit_stem[subs] = picks[: subs.size]
    rural = np.flatnonzero(~units.subdistrict)
    unit_stem[rural] = stems[_draw(rng, np.where(is_urban, 0.0, base_w), taken, rural.size)]
    suffix = {"subdistrict": "街道", "town": "镇", "township": "乡"}
    ethnic_names = np.array(_ETHNIC)[rng.integers(0, len(_ETHNIC), n)]
    unit_name = [
        f"{stem}{ethnic}乡" if k == "ethnic township" else f"{stem}{suffix[k]}"
        for stem, ethnic, k in zip(unit_stem, ethnic_names, people.unit_kind, strict=True)
    ]
    # Seats take their unit's stem (青杠镇 sits at 青杠社区); others draw their own.
    name = np.empty(places.unit.size, dtype=object)
    seat = places.seat
    name[seat] = np.char.add(unit_stem[places.unit[seat]].astype(str), "社区")
    comm = np.flatnonzero(places.community & ~seat)
    w_comm = np.where(is_urban, 30.0, base_w)
    name[comm] = np.char.add(stems[_draw(rng, w_comm, taken, comm.size)], "社区")
    vill = np.flatnonzero(~places.community)
    w_vill = np.where(is_urban, 0.0, base_w)
    name[vill] = np.char.add(stems[_draw(rng, w_vill, taken, vill.size)], "村")
    return Names(unit=tuple(unit_name), settlement=tuple(str(s) for s in name))
