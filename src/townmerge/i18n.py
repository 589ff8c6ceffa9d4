"""Labels and number formats for maps and reports, in Chinese and English.

A leaf module: it imports nothing from townmerge. The label table is
read-only; :func:`label` looks a key up for one of :data:`LANGS`.

Examples
--------
>>> label("after", "zh"), label("after", "en")
('调整后', 'After')
>>> fmt_population(29300, "zh"), fmt_population(29300, "en")
('2.93万', '29,300')
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "LABELS",
    "LANGS",
    "MISSING",
    "SENTENCES",
    "check_lang",
    "fmt_area_km2",
    "fmt_minutes",
    "fmt_multiple",
    "fmt_percent",
    "fmt_population",
    "join_and",
    "join_names",
    "label",
    "sentence",
]

#: The supported languages, Chinese first.
LANGS: tuple[str, ...] = ("zh", "en")

#: Shown in place of a missing number.
MISSING = "—"


def _entry(zh: str, en: str) -> Mapping[str, str]:
    return MappingProxyType({"zh": zh, "en": en})


#: Read-only table ``key -> {lang -> text}`` of the labels used on maps.
LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "title": _entry("乡镇行政区划调整方案", "Township merger plan"),
        "before": _entry("调整前", "Before"),
        "after": _entry("调整后", "After"),
        "unit": _entry("乡镇（街道）", "Unit"),
        "unit_id": _entry("代码", "Code"),
        "name": _entry("名称", "Name"),
        "population": _entry("人口", "Population"),
        "area": _entry("面积 km²", "Area km²"),
        "members": _entry("原乡镇", "Former units"),
        "seat": _entry("驻地", "Seat"),
        "settlements": _entry("村（社区）", "Settlements"),
        "new_unit": _entry("新乡镇", "New unit"),
        "legend_title": _entry("乡镇（街道）数量", "Number of units"),
        "units": _entry("个", "units"),
        "layers": _entry("图层", "Layers"),
        # -- static figures (render/plots.py, render/charts.py) ------------------------------
        "old_boundary": _entry("原乡镇界", "Former boundary"),
        "new_boundary": _entry("新乡镇界", "New boundary"),
        "former_seat": _entry("原驻地", "Former seat"),
        "north": _entry("北", "N"),
        "km": _entry("公里", "km"),
        "date": _entry("日期", "Date"),
        "mean": _entry("平均", "mean"),
        "fig_population": _entry("调整后乡镇（街道）人口与人口下限",
                                 "Population of each new unit against its floor"),
        "pop_floor": _entry("人口下限", "Population floor"),
        "at_floor": _entry("达到下限", "At or above its floor"),
        "under_floor": _entry("低于下限", "Below its floor"),
        "fig_minutes": _entry("到驻地出行时间分布", "Travel time to the seat"),
        "minutes_axis": _entry("到驻地时间（分钟）", "Minutes to the seat"),
        "share_population": _entry("人口占比", "Share of population"),
        "fig_scores": _entry("撤并评分构成", "Score breakdown per merger"),
        "fig_scores_lowest": _entry("撤并评分构成（{m}处撤并中得分最低的{n}处）",
                                    "Score breakdown: the {n} lowest-scoring of {m} mergers"),
        "weighted_score": _entry("加权得分", "Weighted score"),
        "no_mergers": _entry("本方案没有撤并", "The plan merges no units"),
        "fig_co_occurrence": _entry("多方案中相邻乡镇同属一个新乡镇的比例",
                                    "Share of plans putting neighbours in one new unit"),
        "co_share": _entry("合并比例", "Share of plans"),
        # -- plan report (render/report.py) --------------------------------------------------
        "report_title": _entry("乡镇行政区划调整方案", "Township merger plan"),
        "village_report_title": _entry("村级建制调整方案", "Village merger plan"),
        "reform_report_title": _entry("乡镇行政区划和村级建制调整改革方案",
                                      "Township and village reform plan"),
        "contents": _entry("目录", "Contents"),
        "sec_counts": _entry("调整前后数量", "Number of units before and after"),
        "sec_averages": _entry("平均规模", "Average size per unit"),
        "sec_sizes": _entry("调整后乡镇（街道）人口规模分布", "Population of the new units"),
        "sec_mergers": _entry("撤并方案", "Mergers"),
        "sec_access": _entry("便民服务可达性", "Accessibility of the seats"),
        "sec_flows": _entry("顺应人口、交通、经济流向", "Flows kept inside units"),
        "sec_tiers": _entry("镇村体系", "Settlement tiers"),
        "sec_changes": _entry("区划代码和名称变更", "Change log"),
        "sec_method": _entry("方案编制与数据说明", "How the plan was made; data notes"),
        "kind_township": _entry("乡", "township"),
        "kind_ethnic_township": _entry("民族乡", "ethnic township"),
        "kind_town": _entry("镇", "town"),
        "kind_subdistrict": _entry("街道", "subdistrict"),
        "kind_other": _entry("其他", "other"),
        "kind_total": _entry("乡镇（街道）", "Townships and subdistricts"),
        "village": _entry("建制村", "Villages"),
        "community": _entry("社区", "Communities"),
        "village_group": _entry("村民小组", "Village groups"),
        "resident_group": _entry("居民小组", "Resident groups"),
        "villages_communities": _entry("村（社区）", "Villages / communities"),
        "item": _entry("项目", "Item"),
        "value": _entry("数值", "Value"),
        "change": _entry("变化", "Change"),
        "rate": _entry("增减幅", "Change %"),
        "multiple": _entry("倍数", "Multiple"),
        "count": _entry("个数", "Number"),
        "names": _entry("名单", "Names"),
        "tier": _entry("层级", "Tier"),
        "avg_area": _entry("平均面积（km²）", "Mean area (km²)"),
        "avg_population": _entry("平均人口", "Mean population"),
        "size_bin": _entry("人口规模", "Population"),
        "largest": _entry("人口最多", "Largest"),
        "smallest": _entry("人口最少", "Smallest"),
        "below_floor": _entry("低于人口下限的占比", "Share below their population floor"),
        "wording": _entry("调整内容", "Change"),
        "score": _entry("评分", "Score"),
        "seat_moved": _entry("驻地迁移", "seat moved"),
        "mean_minutes": _entry("到驻地人口加权平均时间（分钟）",
                               "Population-weighted mean time to the seat (min)"),
        "max_minutes": _entry("到驻地最长时间（分钟）", "Longest time to the seat (min)"),
        "within_t_good": _entry("在良好可达时间内的人口占比",
                                "Share of population within the good travel time"),
        "flow_population": _entry("人口流", "Population flow"),
        "flow_traffic": _entry("交通流", "Traffic flow"),
        "flow_economic": _entry("经济流", "Economic flow"),
        "old_code": _entry("原代码", "Old code"),
        "old_name": _entry("原名称", "Old name"),
        "old_kind": _entry("原类型", "Old type"),
        "new_code": _entry("新代码", "New code"),
        "new_name": _entry("新名称", "New name"),
        "new_kind": _entry("新类型", "New type"),
        "change_unchanged": _entry("不变", "unchanged"),
        "change_kept": _entry("保留，扩大", "kept, enlarged"),
        "change_abolished": _entry("撤销", "abolished"),
        "change_renamed": _entry("更名或换代码", "renamed or recoded"),
        "changes_folded": _entry("共{n}个单位（{counts}），点击展开逐个列出",
                                 "{n} units ({counts}); open to list each"),
        "info_method": _entry("生成方法", "Method"),
        "info_objective": _entry("目标值", "Objective"),
        "info_gap": _entry("最优性差距", "Optimality gap"),
        "info_seed": _entry("随机种子", "Seed"),
        "data_notes": _entry("数据说明", "Data notes"),
        "plan_made": _entry("方案生成", "How the plan was made"),
        "unknown": _entry("未知", "unknown"),
        "none": _entry("无", "none"),
    }
)

#: Read-only table ``key -> {lang -> template}`` of the report's sentences
#: (:meth:`str.format` fields; the values are plain text, escaped by the caller).
SENTENCES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "count_down": _entry("{subject}由{before}个减为{after}个，减少{n}个、减幅{rate}",
                             "{subject}: from {before} to {after}, {n} fewer (−{rate})"),
        "count_up": _entry("{subject}由{before}个增为{after}个，增加{n}个、增幅{rate}",
                           "{subject}: from {before} to {after}, {n} more (+{rate})"),
        "count_same": _entry("{subject}{before}个，数量不变",
                             "{subject}: {before}, unchanged"),
        "villages_unchanged": _entry(
            "本方案只调整乡镇（街道）行政区划，不调整村级建制：建制村、社区、村民小组和"
            "居民小组的数量不变，只随所在乡镇（街道）调整隶属关系。",
            "This plan changes townships only, not villages: the numbers of villages, "
            "communities, village groups and resident groups are unchanged; they only move "
            "to their new township."),
        "merge_new": _entry(
            "撤销{members}，设立{new}，以{former}所属行政区域为{new}的行政区域，{seat_clause}。",
            "Abolish {members}; establish {new}, whose area is the former areas of "
            "{former}; {seat_clause}."),
        "merge_absorb": _entry(
            "撤销{members}，将其所属行政区域划归{keeper}管辖，{seat_clause}。",
            "Abolish {members} and place {their} area under {keeper}; {seat_clause}."),
        "village_merge_new": _entry(
            "撤销{members}，设立{new}，以{former}的区域为{new}的区域，{new}{office}驻{seat}。",
            "Abolish {members}; establish {new}, whose area is the former areas of {former}; "
            "its {office} sits at {seat}."),
        "village_merge_absorb": _entry(
            "撤销{members}，将其区域并入{keeper}，{keeper}{office}驻地不变。",
            "Abolish {members} and join {their} area to {keeper}; the {office} of {keeper} "
            "stays where it is."),
        "seat_at": _entry("{unit}{office}驻{seat}{origin}",
                          "the {office} of {unit} sits at {seat}{origin}"),
        "seat_same": _entry("{unit}{office}驻地不变",
                            "the {office} of {unit} stays at its seat"),
        "seat_from_to": _entry("{unit}{office}驻地由{old}迁至{seat}{origin}",
                               "the {office} of {unit} moves from {old} to {seat}{origin}"),
        "seat_unknown": _entry("{unit}{office}驻地待定", "the seat of {unit} is to be decided"),
        "origin_wrap": _entry("（{origin}）", " ({origin})"),
        "origin_former": _entry("原{unit}{office}驻地", "the former seat of {unit}"),
        "origin_moved": _entry("位于原{unit}，驻地迁移", "in the former {unit}; seat moved"),
        "origin_unknown": _entry("驻地迁移", "seat moved"),
        "office_government": _entry("人民政府", "government"),
        "office_subdistrict": _entry("办事处", "office"),
        "office_village": _entry("村民委员会", "village committee"),
        "office_community": _entry("居民委员会", "community committee"),
        "sizes_extremes": _entry(
            "人口最多的是{max_name}（{max}），最少的是{min_name}（{min}）；"
            "{share}的乡镇（街道）人口低于所在地形的人口下限。",
            "Largest: {max_name} ({max}); smallest: {min_name} ({min}); {share} of the "
            "new units are below the population floor of their terrain."),
        "access_summary": _entry(
            "良好可达时间按地形取：{t_good}。", "Good travel time by terrain: {t_good}."),
        "flows_summary": _entry(
            "表中为乡镇（街道）内部流量占全部村（社区）间流量的比例，越高说明区划越顺应实际流向。",
            "Share of all flows between settlements that stays inside one unit; higher means "
            "the units follow the flows."),
        "score_seat_differs": _entry(
            "{units}的评分按评分程序自选的驻地计算，与方案驻地不同。",
            "{units}: the score uses the seat the scorer chose, not the plan's seat."),
        "score_missing": _entry(
            "以下评分准则缺少数据，未计入总分（其余权重重新归一）：{criteria}。",
            "Criteria left out of the score for lack of data (weights renormalised): "
            "{criteria}."),
        "population_units": _entry("人口取自乡镇（街道）图层。",
                                   "Population comes from the units layer."),
        "population_settlements": _entry("乡镇（街道）人口由所辖村（社区）人口汇总。",
                                         "Unit population is the sum of its settlements."),
        "population_none": _entry("无人口数据，人口相关指标空缺。",
                                  "No population data: population figures are missing."),
        "flows_observed": _entry("实测流量：{types}。", "Observed flows: {types}."),
        "flows_gravity": _entry("缺少实测流量的类型按引力模型估算：{types}。",
                                "Flow types without data are estimated by the gravity model: "
                                "{types}."),
        "no_settlements": _entry("无村（社区）数据：驻地、可达性、流量和镇村体系从略。",
                                 "No settlements: seats, accessibility, flows and tiers are "
                                 "left out."),
        "seat_rule": _entry("驻地迁移按驻地是否为原乡镇（街道）驻地判断（未提供村界图层）。",
                            "A seat move means the seat is not a former seat (no village "
                            "polygons were given)."),
        "validation": _entry("输入数据检查提示：{problem}", "Input check: {problem}"),
        "tier_note": _entry("镇村体系：{note}", "Tiers: {note}"),
    }
)


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is one of :data:`LANGS`, else raise ValueError.

    Parameters
    ----------
    lang : str
        A language code.

    Returns
    -------
    str
        ``lang`` itself.

    Raises
    ------
    ValueError
        If ``lang`` is not supported; the message names the allowed codes.

    Examples
    --------
    >>> check_lang("en")
    'en'
    >>> check_lang("fr")
    Traceback (most recent call last):
    ...
    ValueError: Unknown language 'fr'; expected one of 'zh', 'en'.
    """
    if lang not in LANGS:
        allowed = ", ".join(repr(code) for code in LANGS)
        raise ValueError(f"Unknown language {lang!r}; expected one of {allowed}.")
    return lang


def label(key: str, lang: str) -> str:
    """Return the text of label ``key`` in language ``lang``.

    Parameters
    ----------
    key : str
        A key of :data:`LABELS`, such as ``"population"``.
    lang : str
        One of :data:`LANGS`.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If ``lang`` is not supported.
    KeyError
        If ``key`` is not a known label.

    Examples
    --------
    >>> label("population", "zh")
    '人口'
    >>> label("area", "en")
    'Area km²'
    >>> label("nope", "en")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    KeyError: "Unknown label key 'nope'; known keys: after, area, ..."
    """
    check_lang(lang)
    try:
        entry = LABELS[key]
    except KeyError:
        known = ", ".join(sorted(LABELS))
        raise KeyError(f"Unknown label key {key!r}; known keys: {known}.") from None
    return entry[lang]


def sentence(key: str, lang: str, **values: object) -> str:
    """Fill the template ``key`` of :data:`SENTENCES` in language ``lang``.

    Parameters
    ----------
    key : str
        A key of :data:`SENTENCES`.
    lang : str
        One of :data:`LANGS`.
    **values : object
        The template's fields (plain text; escape the result for HTML).

    Returns
    -------
    str

    Raises
    ------
    KeyError
        If ``key`` is unknown, or a field is not given.

    Examples
    --------
    >>> sentence("count_down", "zh", subject="乡", before=13, after=2, n=11, rate="84.6%")
    '乡由13个减为2个，减少11个、减幅84.6%'
    """
    check_lang(lang)
    try:
        entry = SENTENCES[key]
    except KeyError:
        raise KeyError(f"Unknown sentence key {key!r}.") from None
    return entry[lang].format(**values)


def _is_missing(x: object) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def _trim(text: str) -> str:
    """Drop trailing zeros of a decimal string: ``'12.50'`` -> ``'12.5'``."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_population(n: float | None, lang: str) -> str:
    """Format a population for display.

    Chinese uses 万 (10⁴) and 亿 (10⁸) from 10,000 on, with at most two
    decimals, and plain integers below; English uses thousands separators.
    Missing values (``None``, NaN) give :data:`MISSING`.

    Parameters
    ----------
    n : float or None
        The population.
    lang : str
        One of :data:`LANGS`.

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_population(29300, "zh"), fmt_population(120000, "zh"), fmt_population(9876, "zh")
    ('2.93万', '12万', '9876')
    >>> fmt_population(29300.4, "en"), fmt_population(float("nan"), "en")
    ('29,300', '—')
    """
    check_lang(lang)
    if _is_missing(n):
        return MISSING
    value = float(n)  # type: ignore[arg-type]
    if lang == "en":
        return f"{round(value):,}"
    if abs(value) >= 1e8:
        return _trim(f"{value / 1e8:.2f}") + "亿"
    if abs(value) >= 1e4:
        return _trim(f"{value / 1e4:.2f}") + "万"
    return str(round(value))


def fmt_area_km2(a: float | None, lang: str) -> str:
    """Format an area in km², without the unit (the label carries it).

    Two decimals below 10 km², one decimal from there on; English adds
    thousands separators. Missing values give :data:`MISSING`.

    Parameters
    ----------
    a : float or None
        The area in km².
    lang : str
        One of :data:`LANGS`.

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_area_km2(3.14159, "zh"), fmt_area_km2(1234.56, "zh"), fmt_area_km2(1234.56, "en")
    ('3.14', '1234.6', '1,234.6')
    """
    check_lang(lang)
    if _is_missing(a):
        return MISSING
    value = float(a)  # type: ignore[arg-type]
    spec = ".2f" if abs(value) < 10 else ".1f"
    if lang == "en":
        spec = "," + spec
    return format(value, spec)


def join_names(names: list[str] | tuple[str, ...], lang: str) -> str:
    """Join names as a list: ``、`` in Chinese, ``, `` in English.

    Examples
    --------
    >>> join_names(["城关镇", "东乡"], "zh"), join_names(["A", "B"], "en")
    ('城关镇、东乡', 'A, B')
    """
    check_lang(lang)
    return ("、" if lang == "zh" else ", ").join(names)


def join_and(names: list[str] | tuple[str, ...], lang: str) -> str:
    """Join names as prose: ``A、B和C`` in Chinese, ``A, B and C`` in English.

    Examples
    --------
    >>> join_and(["甲乡", "乙乡", "丙镇"], "zh"), join_and(["A", "B"], "en"), join_and(["A"], "en")
    ('甲乡、乙乡和丙镇', 'A and B', 'A')
    """
    check_lang(lang)
    items = list(names)
    if len(items) <= 1:
        return "".join(items)
    head = ("、" if lang == "zh" else ", ").join(items[:-1])
    return head + ("和" if lang == "zh" else " and ") + items[-1]


def fmt_percent(x: float | None, lang: str, digits: int = 1) -> str:
    """Format a share (0–1) as a percentage with ``digits`` decimals.

    Examples
    --------
    >>> fmt_percent(20 / 33, "zh"), fmt_percent(0.5, "en", 0), fmt_percent(None, "en")
    ('60.6%', '50%', '—')
    """
    check_lang(lang)
    if _is_missing(x):
        return MISSING
    return f"{float(x) * 100:.{digits}f}%"  # type: ignore[arg-type]


def fmt_minutes(x: float | None, lang: str) -> str:
    """Format a travel time in minutes with one decimal, without the unit.

    Examples
    --------
    >>> fmt_minutes(10.94, "zh"), fmt_minutes(float("nan"), "en")
    ('10.9', '—')
    """
    check_lang(lang)
    if _is_missing(x):
        return MISSING
    return f"{float(x):.1f}"  # type: ignore[arg-type]


def fmt_multiple(x: float | None) -> str:
    """Format a ratio as a multiple: ``×1.63``.

    Examples
    --------
    >>> fmt_multiple(2.93 / 1.8), fmt_multiple(None)
    ('×1.63', '—')
    """
    if _is_missing(x) or not math.isfinite(float(x)):  # type: ignore[arg-type]
        return MISSING
    return f"×{float(x):.2f}"  # type: ignore[arg-type]
