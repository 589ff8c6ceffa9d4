"""Static maps of a plan for print and papers: before and after, co-occurrence, all at once.

:func:`plot_before_after` draws the current units and the new ones side by side (one above
the other in portrait) with legend, north arrow, scale bar in km, title and date, at A4 or
A3; :func:`plot_co_occurrence` colours the shared borders of an ensemble by how often they
fall inside one new unit; :func:`write_plots` writes every figure of a plan to PNG, SVG and
PDF, each file whole or not at all. Figures are drawn with matplotlib's Agg canvas, no display.

Examples
--------
>>> from townmerge.testing.examples import example_area
>>> from townmerge.data.plan import Plan
>>> area = example_area()
>>> fig = plot_before_after(area, Plan.from_mapping({"A": "A", "B": "A"}), lang="en",
...                         date="2026-01-01")
>>> [ax.get_title() for ax in fig.axes]
['Before (2)', 'After (1)']
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import Normalize, to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ..config import Config
from ..data.atomic import atomic_folder
from ..data.model import StudyArea
from ..data.plan import Plan
from ..errors import InputError, ParameterError
from ..evaluate.metrics import merged_units
from ..generate import co_occurrence
from ..graph.derived import derived
from ..i18n import check_lang, label
from .charts import figure_and_axes, plot_population_floor, plot_score_breakdown, plot_travel_times
from .paper import FORMATS, finish, line_collection, new_figure, plain, polygon_collection
from .paper import save_figure as save_figure

__all__ = [
    "MAP_COLOURS",
    "colour_units",
    "plot_before_after",
    "plot_co_occurrence",
    "save_figure",
    "write_plots",
]

#: Fill colours of new units (ColorBrewer Set3 without its grey), in order of use.
MAP_COLOURS: tuple[str, ...] = (
    "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462",
    "#b3de69", "#fccde5", "#bc80bd", "#ccebc5", "#ffed6f", "#a6cee3",
)  # fmt: skip

#: Beyond this many units, names are left off a panel (they would only cover each other).
MAX_LABELS = 400


def colour_units(ids: Sequence[str], pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """A colour per unit such that two units of a pair never share one.

    Greedy colouring, most-connected units first (Welsh–Powell), each unit taking
    the first colour of :data:`MAP_COLOURS` none of its neighbours has; more
    colours are added should a unit need them, so the rule always holds.

    Examples
    --------
    >>> c = colour_units(["A", "B", "C"], [("A", "B"), ("B", "C"), ("A", "C")])
    >>> len(set(c.values()))
    3
    """
    index = {u: i for i, u in enumerate(ids)}
    neighbours: list[set[int]] = [set() for _ in ids]
    for a, b in pairs:
        i, j = index.get(a), index.get(b)
        if i is not None and j is not None and i != j:
            neighbours[i].add(j)
            neighbours[j].add(i)
    order = sorted(range(len(ids)), key=lambda i: (-len(neighbours[i]), str(ids[i])))
    chosen: dict[int, int] = {}
    for i in order:
        taken = {chosen[j] for j in neighbours[i] if j in chosen}
        chosen[i] = next(k for k in range(len(taken) + 1) if k not in taken)
    return {str(ids[i]): _colour(k) for i, k in chosen.items()}


def _colour(k: int) -> str:
    if k < len(MAP_COLOURS):
        return MAP_COLOURS[k]
    return to_hex(colormaps["hsv"]((k * 0.618034) % 1.0))


def _new_unit_pairs(area: StudyArea, plan: Plan, config: Config | None) -> list[tuple[str, str]]:
    """Pairs of new units that share a border (from the adjacency's edges)."""
    edges = derived(area, config).edges
    a = edges["unit_a"].astype(str).map(plan.assignment)
    b = edges["unit_b"].astype(str).map(plan.assignment)
    pairs = pd.DataFrame({"a": a, "b": b})
    pairs = pairs[pairs["a"] != pairs["b"]].drop_duplicates()
    return list(zip(pairs["a"], pairs["b"], strict=True))


def _metres_per_unit(area: StudyArea) -> float:
    info = area.crs.axis_info
    factor = info[0].unit_conversion_factor if info else None
    return float(factor) if factor else 1.0


def _nice_length(km: float) -> float:
    """The largest 1, 2 or 5 × 10^k kilometres not over ``km``."""
    if not km > 0:
        return 1.0
    base = 10.0 ** math.floor(math.log10(km))
    return max(m * base for m in (1, 2, 5) if m * base <= km)


def scale_bar(ax: Axes, metres_per_unit: float, lang: str) -> None:
    """A two-part scale bar in km at the lower left of a map in a metric CRS.

    Examples
    --------
    >>> fig = new_figure()
    >>> ax = fig.add_subplot()
    >>> _ = ax.set_xlim(0, 50_000), ax.set_ylim(0, 40_000)
    >>> scale_bar(ax, 1.0, "en")
    >>> ax.texts[-1].get_text()
    '10 km'
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    w, h = x1 - x0, y1 - y0
    km = _nice_length(w * metres_per_unit / 1000.0 / 4.0)
    length = km * 1000.0 / metres_per_unit
    x, y, bar = x0 + 0.04 * w, y0 + 0.04 * h, 0.012 * h
    for k, colour in enumerate(("black", "white")):
        ax.add_patch(Rectangle((x + k * length / 2, y), length / 2, bar, facecolor=colour,
                               edgecolor="black", linewidth=0.6, zorder=6))
    ax.text(x, y + 1.8 * bar, "0", ha="center", va="bottom", fontsize=7, zorder=6)
    ax.text(x + length, y + 1.8 * bar, f"{km:g} {label('km', lang)}", ha="center",
            va="bottom", fontsize=7, zorder=6)


def north_arrow(ax: Axes, lang: str) -> None:
    """An arrow pointing up (grid north of the projected CRS) at the upper right.

    Examples
    --------
    >>> fig = new_figure()
    >>> ax = fig.add_subplot()
    >>> north_arrow(ax, "zh")
    >>> ax.texts[0].get_text()
    '北'
    """
    ax.annotate(label("north", lang), xy=(0.95, 0.97), xytext=(0.95, 0.86),
                xycoords="axes fraction", ha="center", va="center", fontsize=10, zorder=6,
                arrowprops={"facecolor": "black", "edgecolor": "black", "width": 3,
                            "headwidth": 9, "headlength": 8})


def _names(ax: Axes, geoms: np.ndarray, names: Sequence[object], size: float) -> None:
    if len(names) > MAX_LABELS:
        return
    points = shapely.point_on_surface(geoms)
    for p, name in zip(points, names, strict=True):
        if p is None or p.is_empty:
            continue
        # no halo: a path effect would turn the text into outlines in SVG and PDF
        ax.text(p.x, p.y, plain(name), ha="center", va="center", fontsize=size, zorder=5,
                clip_on=True)


def _seat_points(area: StudyArea, seat_ids: Iterable[object]) -> np.ndarray:
    st = area.settlements
    ids = [str(s) for s in seat_ids if isinstance(s, str) and s]
    if st is None or not ids:
        return np.zeros((0, 2))
    geoms = st.geometry.reindex(pd.Index(ids, dtype=object)).dropna()
    return shapely.get_coordinates(np.asarray(geoms.array, dtype=object))


def _map_axes(ax: Axes, bounds: np.ndarray) -> None:
    x0, y0, x1, y1 = bounds
    pad = 0.03 * max(x1 - x0, y1 - y0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.6)


def plot_before_after(area: StudyArea, plan: Plan, *, lang: str = "zh",
                      config: Config | None = None, size: str = "A4",
                      orientation: str = "landscape", title: str | None = None,
                      county: str | None = None, plan_name: str | None = None,
                      date: dt.date | str | None = None, fig: Figure | None = None) -> Figure:
    """A two-panel map of the plan: the current units, then the new ones.

    Before: current units outlined thin and labelled by name, their seats as
    small circles. After: new units filled so that neighbours never share a
    colour (:func:`colour_units` over the adjacency's shared borders), labelled
    by new name, the old boundaries thin and dashed under the new ones, the
    seats as red squares and the former seats as grey circles. Both panels have
    a north arrow and a scale bar in km; a legend and the title with the date
    sit below and above.

    Parameters
    ----------
    area : StudyArea
        In a projected CRS (as :class:`StudyArea` keeps it).
    plan : Plan
    lang : {"zh", "en"}
    config : Config, optional
        For the adjacency.
    size : {"A4", "A3"}
    orientation : {"landscape", "portrait"}
        Landscape puts the panels side by side, portrait one above the other.
    title, county, plan_name : str, optional
        The title (default: "乡镇行政区划调整方案" / "Township merger plan"),
        prefixed by the county's name and followed by the plan's name.
    date : date or str, optional
        Printed under the title (default: today).
    fig : Figure, optional
        An empty figure to draw on instead of a new one of ``size``.

    Returns
    -------
    Figure

    Raises
    ------
    PlanError
        When the plan does not cover the area's units.
    ParameterError
        For an unknown paper size or orientation.

    Examples
    --------
    >>> from townmerge.testing.examples import example_area
    >>> area = example_area()
    >>> fig = plot_before_after(area, Plan.identity(area.unit_ids), date="2026-01-01")
    >>> fig.get_suptitle()
    '乡镇行政区划调整方案'
    """
    check_lang(lang)
    plan.check_units(area.unit_ids)
    units = area.units
    merged = merged_units(area, plan)
    if fig is None:
        fig = new_figure(size, orientation)
    shape = (1, 2) if fig.get_figwidth() >= fig.get_figheight() else (2, 1)
    ax_before, ax_after = fig.subplots(*shape).ravel()
    old = np.asarray(units.geometry.array, dtype=object)
    new = np.asarray(merged.geometry.array, dtype=object)
    bounds = np.asarray(shapely.total_bounds(old), dtype=float)
    small = float(np.clip(40.0 / math.sqrt(max(len(units), 1)), 3.0, 9.0))
    big = float(np.clip(48.0 / math.sqrt(max(len(merged), 1)), 4.0, 11.0))

    ax_before.add_collection(polygon_collection(old, facecolors="#f4f4f4",
                                                edgecolors="#555555", linewidths=0.5))
    _names(ax_before, old, list(units["name"]), small)
    former = _seat_points(area, units["seat"] if "seat" in units.columns else [])
    dot = float(np.clip(460.0 / max(len(units), 1), 2.0, 14.0))  # marker areas, pt²
    square = float(np.clip(400.0 / max(len(merged), 1), 4.0, 30.0))
    ax_before.scatter(former[:, 0], former[:, 1], s=dot, facecolors="white",
                      edgecolors="#333333", linewidths=0.8, zorder=4)

    colours = colour_units([str(i) for i in merged.index], _new_unit_pairs(area, plan, config))
    ax_after.add_collection(polygon_collection(
        new, facecolors=[colours[str(i)] for i in merged.index], edgecolors="none"))
    ax_after.add_collection(polygon_collection(old, facecolors="none", edgecolors="#666666",
                                               linewidths=0.4, linestyles=(0, (3, 2))))
    ax_after.add_collection(polygon_collection(new, facecolors="none", edgecolors="#222222",
                                               linewidths=1.3))
    seats = _seat_points(area, merged["seat"])
    kept = {str(s) for s in merged["seat"] if isinstance(s, str)}
    gone = _seat_points(area, [s for s in (units["seat"] if "seat" in units.columns else [])
                               if isinstance(s, str) and s not in kept])
    ax_after.scatter(gone[:, 0], gone[:, 1], s=dot, facecolors="white", edgecolors="#888888",
                     linewidths=0.8, zorder=4)
    ax_after.scatter(seats[:, 0], seats[:, 1], s=square, marker="s", facecolors="#d7301f",
                     edgecolors="white", linewidths=0.8, zorder=4)
    _names(ax_after, new, list(merged["name"]), big)

    mpu = _metres_per_unit(area)
    for ax, key, n in ((ax_before, "before", len(units)), (ax_after, "after", len(merged))):
        _map_axes(ax, bounds)
        ax.set_title(f"{label(key, lang)} ({n})" if lang == "en"
                     else f"{label(key, lang)}（{n}{label('units', lang)}）")
        north_arrow(ax, lang)
        scale_bar(ax, mpu, lang)

    handles = [
        Patch(facecolor=MAP_COLOURS[0], edgecolor="#222222", label=label("new_unit", lang)),
        Line2D([], [], color="#222222", linewidth=1.3, label=label("new_boundary", lang)),
        Line2D([], [], color="#666666", linewidth=0.6, linestyle=(0, (3, 2)),
               label=label("old_boundary", lang)),
        Line2D([], [], linestyle="none", marker="s", markersize=6, markerfacecolor="#d7301f",
               markeredgecolor="white", label=label("seat", lang)),
        Line2D([], [], linestyle="none", marker="o", markersize=5, markerfacecolor="white",
               markeredgecolor="#888888", label=label("former_seat", lang)),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8,
               frameon=False)
    head = plain(county or "") + (plain(title) if title else label("title", lang))
    if plan_name:
        head += " — " + plain(plan_name)
    fig.suptitle(head, fontsize=14)
    when = date if date is not None else dt.date.today()
    when = when.isoformat() if isinstance(when, dt.date) else plain(when)
    colon = "：" if lang == "zh" else ": "
    fig.text(0.99, 0.005, f"{label('date', lang)}{colon}{when}", ha="right", va="bottom",
             fontsize=8, color="#444444")
    return finish(fig, lang)


def plot_co_occurrence(area: StudyArea, plans: Sequence[Plan] | pd.DataFrame, *,
                       lang: str = "zh", config: Config | None = None, ax: Axes | None = None,
                       size: str = "A4", orientation: str = "landscape") -> Figure:
    """The shared borders of the current units, coloured by how often an ensemble merges them.

    A border's colour is the share of plans putting its two units in one new
    unit (:func:`townmerge.generate.co_occurrence`): dark for robust mergers,
    light for borders no plan crosses, in between for contested ones.

    Parameters
    ----------
    area : StudyArea
    plans : sequence of Plan, or DataFrame
        An ensemble, or its co-occurrence table (``unit_a``, ``unit_b``, ``share``).
    lang, config, ax, size, orientation
        As for :func:`townmerge.render.charts.plot_population_floor`.

    Returns
    -------
    Figure

    Raises
    ------
    InputError
        For an empty ensemble, plans over other units, or a table without those columns.

    Examples
    --------
    >>> from townmerge.testing.examples import example_area
    >>> area = example_area()
    >>> plans = [Plan.from_mapping({"A": "A", "B": "A"}), Plan.identity(area.unit_ids)]
    >>> fig = plot_co_occurrence(area, plans, lang="en")
    >>> fig.axes[0].collections[-1].get_array().tolist()
    [0.5]
    """
    check_lang(lang)
    edges = derived(area, config).edges
    if "kind" in edges.columns:
        edges = edges[edges["kind"] == "shared"]
    pairs = edges[["unit_a", "unit_b"]].astype(str).reset_index(drop=True)
    if isinstance(plans, pd.DataFrame):
        missing = sorted({"unit_a", "unit_b", "share"} - set(plans.columns))
        if missing:
            raise InputError(f"The co-occurrence table lacks the column(s) {missing}; give the "
                             "table of townmerge.generate.co_occurrence (unit_a, unit_b, share).")
        t = plans.astype({"unit_a": str, "unit_b": str})
        both = pd.concat([t, t.rename(columns={"unit_a": "unit_b", "unit_b": "unit_a"})])
        share = pairs.merge(both.drop_duplicates(["unit_a", "unit_b"]), how="left",
                            on=["unit_a", "unit_b"])["share"].fillna(0.0).to_numpy(dtype=float)
    else:
        share = co_occurrence(list(plans), edges=pairs)["share"].to_numpy(dtype=float)
    units = area.units
    geoms = units.geometry
    borders = shapely.intersection(
        np.asarray(shapely.boundary(geoms.reindex(pairs["unit_a"]).array), dtype=object),
        np.asarray(shapely.boundary(geoms.reindex(pairs["unit_b"]).array), dtype=object))
    fig, ax = figure_and_axes(ax, size, orientation)
    old = np.asarray(geoms.array, dtype=object)
    ax.add_collection(polygon_collection(old, facecolors="#f7f7f7", edgecolors="#bbbbbb",
                                         linewidths=0.4))
    lines, of = line_collection(borders, cmap=colormaps["viridis_r"],
                                norm=Normalize(0.0, 1.0), linewidths=2.4, zorder=3)
    lines.set_array(share[of])
    ax.add_collection(lines)
    _names(ax, old, list(units["name"]),
           float(np.clip(36.0 / math.sqrt(max(len(units), 1)), 3.0, 8.0)))
    _map_axes(ax, np.asarray(shapely.total_bounds(old), dtype=float))
    north_arrow(ax, lang)
    scale_bar(ax, _metres_per_unit(area), lang)
    fig.colorbar(lines, ax=ax, shrink=0.6, label=label("co_share", lang),
                 format=lambda x, _: f"{x * 100:.0f}%")
    ax.set_title(label("fig_co_occurrence", lang))
    return finish(fig, lang)


def write_plots(area: StudyArea, plan: Plan, folder_or_path: str | os.PathLike[str], *,
                lang: str = "zh", size: str = "A4", orientation: str = "landscape",
                formats: Sequence[str] = FORMATS, plans: Sequence[Plan] | None = None,
                config: Config | None = None, dpi: float = 150,
                date: dt.date | str | None = None, title: str | None = None,
                county: str | None = None) -> list[Path]:
    """Write the static figures of a plan, each file whole or not at all.

    Parameters
    ----------
    area : StudyArea
    plan : Plan
    folder_or_path : str or PathLike
        A file ending in ``.png``, ``.svg`` or ``.pdf``: the before/after map
        alone, in that format. Otherwise a folder: ``before_after``,
        ``population``, ``travel_times`` (with settlements), ``scores`` and, given
        ``plans``, ``co_occurrence``, each in every format of ``formats``;
        either all are replaced or none.
    lang, size, orientation, config, date, title, county
        As for :func:`plot_before_after`.
    formats : sequence of {"png", "svg", "pdf"}
        For a folder.
    plans : sequence of Plan, optional
        An ensemble, for the co-occurrence map.
    dpi : float, default 150
        Resolution of the PNGs.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    ParameterError
        For an unknown format, size, orientation or language.
    OutputError
        When a file cannot be written (the previous files stay as they were).

    Examples
    --------
    >>> import tempfile
    >>> from townmerge.testing.examples import example_area
    >>> area = example_area()
    >>> out = Path(tempfile.mkdtemp())
    >>> files = write_plots(area, Plan.from_mapping({"A": "A", "B": "A"}), out, lang="en",
    ...                     formats=["svg"], date="2026-01-01", dpi=40)
    >>> [p.name for p in files]
    ['before_after.svg', 'population.svg', 'travel_times.svg', 'scores.svg']
    """
    bad = sorted({str(f) for f in formats} - set(FORMATS))
    if bad or not formats:
        raise ParameterError(f"Cannot write figures as {bad or 'no format'}; choose among "
                             f"{', '.join(FORMATS)}.")
    try:
        check_lang(lang)
    except ValueError as exc:
        raise ParameterError(str(exc)) from None
    target = Path(folder_or_path)
    def panel(draw: Callable[..., Figure], *args: object) -> Figure:
        return draw(area, *args, lang=lang, config=config, size=size, orientation=orientation)

    def before_after() -> Figure:
        return plot_before_after(area, plan, lang=lang, config=config, size=size,
                                 orientation=orientation, date=date, title=title, county=county)

    if target.suffix.lstrip(".").lower() in FORMATS:
        return [save_figure(before_after(), target, dpi=dpi)]
    figures: dict[str, Figure] = {"before_after": before_after(),
                                  "population": panel(plot_population_floor, plan)}
    if area.settlements is not None and len(area.settlements):
        figures["travel_times"] = panel(plot_travel_times, plan)
    figures["scores"] = panel(plot_score_breakdown, plan)
    if plans:
        figures["co_occurrence"] = panel(plot_co_occurrence, plans)
    written = []
    with atomic_folder(target) as files:
        for name, fig in figures.items():
            for fmt in formats:
                save_figure(fig, files.path(f"{name}.{fmt}"), fmt=fmt, dpi=dpi)
                written.append(target / f"{name}.{fmt}")
    return written
