"""Charts of a plan for print: population against floor, travel time, score breakdown.

Each function returns the :class:`matplotlib.figure.Figure` it drew on: a new one of a
paper size, or the figure of the ``ax=`` it was given. Labels are in Chinese or English
(``lang=``, texts from :mod:`townmerge.i18n`); names from data are drawn as plain text.

Examples
--------
>>> from townmerge.testing.examples import example_area
>>> from townmerge.data.plan import Plan
>>> area = example_area()
>>> plan = Plan.from_mapping({u: "A" for u in area.unit_ids})
>>> fig = plot_population_floor(area, plan, lang="en")
>>> fig.axes[0].get_title()
'Population of each new unit against its floor'
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from ..config import Config
from ..data.model import StudyArea
from ..data.plan import Plan
from ..errors import InputError
from ..i18n import check_lang, fmt_minutes, fmt_population, label
from ..score.figure_model import figure_model
from ..score.plan_scores import score_plan
from ..score.scorer import new_unit_name, scorer_for
from .paper import finish, new_figure, plain

__all__ = [
    "minutes_to_seat",
    "plot_population_floor",
    "plot_score_breakdown",
    "plot_travel_times",
]

#: Bars at or above their floor, and below it.
AT_FLOOR, UNDER_FLOOR = "#80b1d3", "#fb8072"
#: Before and after, in the travel-time chart.
BEFORE, AFTER = "#7f7f7f", "#1f78b4"

#: At most this many mergers in :func:`plot_score_breakdown` (the lowest-scoring).
MAX_BARS = 40


def figure_and_axes(ax: Axes | None, size: str, orientation: str) -> tuple[Figure, Axes]:
    """The figure of ``ax``, or a new paper-size figure with one axes.

    Examples
    --------
    >>> fig, ax = figure_and_axes(None, "A4", "portrait")
    >>> ax.figure is fig
    True
    """
    if ax is not None:
        fig = ax.get_figure(root=True)
        if not isinstance(fig, Figure):  # pragma: no cover - an axes always has a figure
            raise InputError("The axes given as ax= belong to no figure.")
        return fig, ax
    fig = new_figure(size, orientation)
    return fig, fig.add_subplot()


def _label_size(n: int) -> float:
    return float(np.clip(320.0 / max(n, 1), 4.0, 9.0))


# -- population against floor -------------------------------------------------------------------
def plot_population_floor(area: StudyArea, plan: Plan, *, lang: str = "zh",
                          config: Config | None = None, ax: Axes | None = None,
                          size: str = "A4", orientation: str = "portrait") -> Figure:
    """One bar per new unit: its population, with a mark at its population floor.

    The floor is that of :func:`townmerge.score.rules.group_floor` (the
    population-weighted mean of the members' terrain floors); bars below it
    are red.

    Parameters
    ----------
    area : StudyArea
    plan : Plan
    lang : {"zh", "en"}
    config : Config, optional
        Thresholds per terrain.
    ax : matplotlib Axes, optional
        Draw here instead of on a new figure.
    size, orientation : str
        Paper of a new figure ("A4" or "A3"; "landscape" or "portrait").

    Returns
    -------
    Figure

    Examples
    --------
    >>> from townmerge.testing.examples import example_area
    >>> area = example_area()
    >>> fig = plot_population_floor(area, Plan.identity(area.unit_ids), lang="zh")
    >>> len(fig.axes[0].patches) == len(area.unit_ids)
    True
    """
    check_lang(lang)
    plan.check_units(area.unit_ids)
    fig, ax = figure_and_axes(ax, size, orientation)
    groups = plan.groups()
    figs = figure_model(area, config).groups(list(groups.values()))
    table = pd.DataFrame({
        "name": [new_unit_name(area, plan, g) for g in groups],
        "population": figs.population, "floor": figs.floor,
    }, index=list(groups)).sort_values(["population", "name"], ascending=[True, True],
                                       na_position="first")
    y = np.arange(len(table))
    below = (table["population"] < table["floor"]).to_numpy()
    ax.barh(y, table["population"].fillna(0.0), height=0.7,
            color=np.where(below, UNDER_FLOOR, AT_FLOOR), edgecolor="none")
    ax.vlines(table["floor"], y - 0.45, y + 0.45, colors="black", linewidth=1.2)
    ax.set_yticks(y, [plain(n) for n in table["name"]], fontsize=_label_size(len(y)))
    ax.set_ylim(-0.7, len(y) - 0.3)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: fmt_population(x, lang)))
    ax.set_xlabel(label("population", lang))
    ax.set_title(label("fig_population", lang))
    ax.grid(axis="x", color="#dddddd", linewidth=0.5)
    ax.set_axisbelow(True)
    ax.legend(handles=[Patch(color=AT_FLOOR, label=label("at_floor", lang)),
                       Patch(color=UNDER_FLOOR, label=label("under_floor", lang)),
                       Line2D([], [], color="black", linewidth=1.2,
                              label=label("pop_floor", lang))],
              loc="lower right", fontsize=8)
    return finish(fig, lang)


# -- travel time ---------------------------------------------------------------------------------
def minutes_to_seat(area: StudyArea, plan: Plan, *, config: Config | None = None) -> pd.DataFrame:
    """Minutes from every settlement to its unit's seat, before and after the plan.

    Before: the current seat of its unit (the units' ``seat`` column, else the
    strongest town-level settlement). After: the seat of its new unit (the
    plan's, else the one :func:`townmerge.choose_seat` picks). The same travel
    times as :func:`townmerge.plan_metrics`.

    Parameters
    ----------
    area : StudyArea
    plan : Plan
    config : Config, optional

    Returns
    -------
    DataFrame
        Index ``settlement_id``; columns ``name``, ``unit``, ``new_unit``,
        ``population`` (0 where unknown), ``minutes_before``, ``minutes_after``
        (NaN where a unit has no seat). Settlements outside every unit are left out.

    Raises
    ------
    InputError
        When the study area has no settlements.

    Examples
    --------
    >>> from townmerge.testing.examples import example_area
    >>> area = example_area()
    >>> m = minutes_to_seat(area, Plan.from_mapping({"A": "A", "B": "A"}))
    >>> bool((m["minutes_after"] >= m["minutes_before"]).all())
    True
    """
    plan.check_units(area.unit_ids)
    model = figure_model(area, config)
    sel = model.selector
    if sel is None:
        raise InputError("Travel time to the seat needs settlements, and the study area has "
                         "none: read the area with its settlements layer (points with a "
                         "'unit' column).")
    groups = plan.groups()
    figs = model.groups(list(groups.values()), seats=[plan.seats.get(g) for g in groups])
    seat_pos = sel.ids.get_indexer(pd.Index(["" if s is None else str(s) for s in figs.seat],
                                            dtype=object))
    new_of_unit = pd.Index(list(groups), dtype=object).get_indexer(
        pd.Index([plan.assignment[str(u)] for u in sel.unit_ids], dtype=object))
    inside = np.flatnonzero(sel.unit_of >= 0)
    unit = sel.unit_of[inside]
    before = sel.unit_seat[unit]
    after = seat_pos[new_of_unit[unit]]

    def minutes(seat: np.ndarray) -> np.ndarray:
        out = np.full(inside.size, np.nan)
        ok = seat >= 0
        out[ok] = sel.times(seat[ok], inside[ok])
        return out

    return pd.DataFrame({
        "name": sel.names[inside],
        "unit": sel.unit_ids.to_numpy(dtype=object)[unit],
        "new_unit": np.asarray(list(groups), dtype=object)[new_of_unit[unit]],
        "population": sel.population[inside],
        "minutes_before": minutes(before),
        "minutes_after": minutes(after),
    }, index=pd.Index(sel.ids[inside], name="settlement_id"))


def plot_travel_times(area: StudyArea, plan: Plan, *, lang: str = "zh",
                      config: Config | None = None, ax: Axes | None = None,
                      size: str = "A4", orientation: str = "landscape") -> Figure:
    """The distribution of travel time to the seat before and after the plan.

    Step histograms of :func:`minutes_to_seat`, weighted by settlement
    population (by count when no population is known), with the weighted means.

    Parameters
    ----------
    area, plan, lang, config, ax, size, orientation
        As for :func:`plot_population_floor`.

    Returns
    -------
    Figure

    Examples
    --------
    >>> from townmerge.testing.examples import example_area
    >>> area = example_area()
    >>> fig = plot_travel_times(area, Plan.from_mapping({"A": "A", "B": "A"}), lang="en")
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()][0]  # doctest: +ELLIPSIS
    'Before (mean ... min)'
    """
    check_lang(lang)
    table = minutes_to_seat(area, plan, config=config)
    fig, ax = figure_and_axes(ax, size, orientation)
    w = table["population"].to_numpy(dtype=float)
    if not w.sum() > 0:
        w = np.ones(len(table))
    unit = "分钟" if lang == "zh" else "min"
    top = np.nanmax(table[["minutes_before", "minutes_after"]].to_numpy(), initial=0.0)
    step = max(1.0, float(np.ceil(top / 30.0)))
    bins = np.arange(0.0, top + step + 1e-9, step)
    for column, key, colour in (("minutes_before", "before", BEFORE),
                                ("minutes_after", "after", AFTER)):
        m = table[column].to_numpy(dtype=float)
        ok = np.isfinite(m)
        share = w[ok] / w[ok].sum() if ok.any() else w[ok]
        mean = float(np.average(m[ok], weights=w[ok])) if ok.any() else float("nan")
        open_, close = ("（", "）") if lang == "zh" else (" (", ")")
        text = (f"{label(key, lang)}{open_}{label('mean', lang)} {fmt_minutes(mean, lang)} "
                f"{unit}{close}")
        ax.hist(m[ok], bins=bins.tolist(), weights=share, histtype="step", linewidth=1.8,
                color=colour, label=text)
        ax.axvline(mean, color=colour, linestyle="--", linewidth=1)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y * 100:.0f}%"))
    ax.set_xlabel(label("minutes_axis", lang))
    ax.set_ylabel(label("share_population", lang))
    ax.set_title(label("fig_minutes", lang))
    ax.set_xlim(0, bins[-1])
    ax.legend(fontsize=9)
    ax.grid(color="#dddddd", linewidth=0.5)
    ax.set_axisbelow(True)
    return finish(fig, lang)


# -- score breakdown -----------------------------------------------------------------------------
def plot_score_breakdown(area: StudyArea, plan: Plan, *, lang: str = "zh",
                         config: Config | None = None, ax: Axes | None = None,
                         size: str = "A4", orientation: str = "landscape") -> Figure:
    """Each merger's total score as stacked bars, one segment per criterion.

    A segment is the criterion's weighted share of the total,
    ``w·S / Σ w`` over the criteria with data (:func:`townmerge.score.plan_scores.score_plan`),
    so the bar ends at the merger's total. New units that merge nothing are left out; of
    more than :data:`MAX_BARS` mergers, the lowest-scoring are shown (the title says so).

    Parameters
    ----------
    area, plan, lang, config, ax, size, orientation
        As for :func:`plot_population_floor`.

    Returns
    -------
    Figure

    Examples
    --------
    >>> from townmerge.testing.examples import example_area
    >>> area = example_area()
    >>> fig = plot_score_breakdown(area, Plan.from_mapping({"A": "A", "B": "A"}), lang="en")
    >>> fig.axes[0].get_title()
    'Score breakdown per merger'
    """
    check_lang(lang)
    plan.check_units(area.unit_ids)
    fig, ax = figure_and_axes(ax, size, orientation)
    ax.set_title(label("fig_scores", lang))
    merged = [g for g in plan.groups() if len(plan.members(g)) > 1]
    if not merged:
        ax.text(0.5, 0.5, label("no_mergers", lang), ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return finish(fig, lang)
    scorer = scorer_for(area, config)
    described = scorer.criteria.describe(scorer.config.weights)
    table = score_plan(area, plan, scorer=scorer).loc[merged].sort_values(
        "total", kind="stable")
    if len(table) > MAX_BARS:  # thousands of bars are unreadable (and slow to lay out)
        ax.set_title(label("fig_scores_lowest", lang).format(
            n=MAX_BARS, m=f"{len(table):,}"))
        table = table.iloc[:MAX_BARS]
    crit = list(described.index)
    values = table[crit].to_numpy(dtype=float)
    weights = described["weight"].to_numpy(dtype=float)
    have = np.isfinite(values)
    wsum = (have * weights).sum(axis=1, keepdims=True)
    part = np.where(have, values * weights, 0.0) / np.where(wsum > 0, wsum, 1.0)
    y = np.arange(len(table))
    left = np.zeros(len(table))
    cmap = colormaps["tab20"]
    names = described["label_zh" if lang == "zh" else "label_en"]
    for i, c in enumerate(crit):
        ax.barh(y, part[:, i], left=left, height=0.7, color=cmap(i % 20),
                label=plain(names[c]))
        left += part[:, i]
    ax.set_yticks(y, [plain(new_unit_name(area, plan, g)) for g in table.index],
                  fontsize=_label_size(len(y)))
    ax.set_xlim(0, 1)
    ax.set_xlabel(label("weighted_score", lang))
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    ax.grid(axis="x", color="#dddddd", linewidth=0.5)
    ax.set_axisbelow(True)
    return finish(fig, lang)
