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
    "check_lang",
    "fmt_area_km2",
    "fmt_population",
    "join_names",
    "label",
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
    KeyError: "Unknown label key 'nope'; known keys: after, area, before, ..."
    """
    check_lang(lang)
    try:
        entry = LABELS[key]
    except KeyError:
        known = ", ".join(sorted(LABELS))
        raise KeyError(f"Unknown label key {key!r}; known keys: {known}.") from None
    return entry[lang]


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
