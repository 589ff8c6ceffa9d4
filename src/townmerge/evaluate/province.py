"""Province runs: every county of a multi-county area planned in parallel, summaries merged.

:func:`plan_province` splits the townships by county (their ``parent`` column, the
six-digit county code, or a given mapping), plans each county on its own (the three
levels with :func:`~townmerge.evaluate.three_levels.plan_reform` where villages are
given, else the townships with :func:`~townmerge.generate.api.generate_plan`) on any
executor (:mod:`townmerge.generate.parallel`: ``n_jobs=``, a pool, a Dask client), and
returns a :class:`ProvinceRun`: each county's plans, counts and change log, the
province's counts summed over the counties (rates recomputed exactly) and the change
log of all counties. A county that fails (bad data, infeasible target, time limit) is
reported by code and name with its error in :attr:`ProvinceRun.failed`; the others
finish. The province's data is shipped to each worker once; each county builds its own
study area (adjacency, travel network, flows) where it is planned.

Examples
--------
>>> from townmerge.datasets.province import level_areas, synthetic_province
>>> towns, villages = level_areas(synthetic_province(2, 5, seed=5))
>>> run = plan_province(towns, villages, method="greedy", progress=False)
>>> list(run.results), run.failed
(['510101', '510102'], {})
>>> int(run.counts().loc[("township", "total"), "before"]), len(run.change_log()) > 10
(10, True)
"""

from __future__ import annotations

import time
import traceback
import warnings
from collections.abc import Iterable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..config import Config
from ..data.divisions import township_type
from ..data.model import StudyArea, unit_label
from ..data.plan import Plan
from ..data.subarea import sub_area
from ..errors import InputError, ParameterError, TownmergeError, format_ids
from ..generate.api import generate_plan
from ..generate.parallel import check_jobs, run_tasks
from ..i18n import check_lang
from .levels import count_sentence, kind_counts, percent_tenths, reduction_rate
from .three_levels import TARGET_KEYS, plan_reform

__all__ = ["CountyFailure", "CountyResult", "ProvinceRun", "county_areas", "plan_province"]

#: Metres around a county's units within which roads are kept for its travel network.
ROAD_MARGIN_M = 5_000.0


@dataclass(frozen=True)
class CountyResult:
    """One county planned.

    Attributes
    ----------
    county, name : str
        County code and its label (``"511025 (某县)"`` when a name is known).
    township_plan : Plan
    village_plan : Plan or None
        None for a township-only run.
    counts : pandas.DataFrame
        Index (``level``, ``kind``): before, after, removed, rate_tenths, zh, en
        (:meth:`townmerge.evaluate.three_levels.Reform.counts`).
    change_log : pandas.DataFrame or None
        :meth:`~townmerge.evaluate.three_levels.Reform.change_log` (three-level runs).
    seconds : float
        Wall time of the county where it ran.
    warnings : tuple of str
        Warnings raised while planning it (e.g. topology warnings of its area).
    """

    county: str
    name: str
    township_plan: Plan
    village_plan: Plan | None
    counts: pd.DataFrame
    change_log: pd.DataFrame | None
    seconds: float
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class CountyFailure:
    """One county that could not be planned.

    Attributes
    ----------
    county, name : str
        County code and label.
    error : str
        The error's class (``InputError``, ``InfeasibleError`` …).
    message : str
        The error's message (it names the units concerned).
    internal : bool
        True for an error that is not a townmerge input, feasibility or time
        limit error (a bug to report); ``message`` then ends with the traceback.
    """

    county: str
    name: str
    error: str
    message: str
    internal: bool = False

    def __str__(self) -> str:
        return f"{self.name}: {self.error}: {self.message}"


@dataclass(frozen=True)
class ProvinceRun:
    """Every county of a province run: results in county order, failures by county.

    Attributes
    ----------
    results : Mapping[str, CountyResult]
        County code → result, for the counties planned.
    failed : Mapping[str, CountyFailure]
        County code → failure, for the counties that could not be planned.
    """

    results: Mapping[str, CountyResult] = field(default_factory=dict)
    failed: Mapping[str, CountyFailure] = field(default_factory=dict)

    def counts(self) -> pd.DataFrame:
        """The planned counties' counts summed, with exact rates and sentences.

        Returns
        -------
        pandas.DataFrame
            As :attr:`CountyResult.counts` plus ``counties`` (how many counties have
            that row); the failed counties are not in it (see :meth:`report`).
        """
        frames = [r.counts[["before", "after"]] for r in self.results.values()]
        if not frames:
            return pd.DataFrame(columns=["before", "after", "removed", "rate_tenths", "zh",
                                         "en", "counties"])
        order = list(dict.fromkeys(key for f in frames for key in f.index))
        stacked = pd.concat(frames)
        total = stacked.groupby(level=[0, 1], sort=False).sum().reindex(order)
        counties = stacked.groupby(level=[0, 1], sort=False).size().reindex(order)
        rows = []
        for (level, kind), row in total.iterrows():
            b, a = int(row["before"]), int(row["after"])
            rate = reduction_rate(b, a)
            subject = f"{level}_{kind}" if kind in ("total", "other") else kind
            rows.append({"before": b, "after": a, "removed": b - a,
                         "rate_tenths": pd.NA if rate is None else percent_tenths(rate),
                         "zh": count_sentence(subject, b, a, "zh"),
                         "en": count_sentence(subject, b, a, "en"),
                         "counties": int(counties[(level, kind)])})
        out = pd.DataFrame(rows, index=total.index)
        out["rate_tenths"] = out["rate_tenths"].astype("Int64")
        return out

    def change_log(self) -> pd.DataFrame:
        """The change logs of the planned counties, one after another, with a ``county`` column.

        Raises
        ------
        InputError
            For a township-only run (change logs come with the three levels).
        """
        logs = [r.change_log.assign(county=code) for code, r in self.results.items()
                if r.change_log is not None]
        if len(logs) < len(self.results):
            raise InputError("A township-only province run has no change log: give the "
                             "villages too (plan_province(townships, villages, ...)).")
        if not logs:
            return pd.DataFrame(columns=["county"])
        log = pd.concat(logs, ignore_index=True)
        return log[["county", *[c for c in log.columns if c != "county"]]]

    def summary(self, lang: str = "zh") -> list[str]:
        """The province's count sentences (township total first), from :meth:`counts`."""
        check_lang(lang)
        return [str(s) for s in self.counts()[lang]]

    def report(self, lang: str = "en") -> str:
        """Counties planned and every failed county by name with its error, for messages.

        Examples
        --------
        >>> ProvinceRun().report("zh")
        '已规划 0 个县（共 0 个）。'
        """
        check_lang(lang)
        n, total, bad = len(self.results), len(self.results) + len(self.failed), len(self.failed)
        done = (f"已规划 {n} 个县（共 {total} 个）" if lang == "zh"
                else f"{n} of {total} counties planned")
        if not self.failed:
            return done + ("。" if lang == "zh" else ".")
        lines = [f"{done}；{bad} 个县失败：" if lang == "zh" else f"{done}; {bad} failed:"]
        lines += [f"  - {f}" for f in self.failed.values()]
        return "\n".join(lines)


@dataclass(frozen=True)
class _ProvinceData:
    """What every county task reads; shipped to each worker once."""

    townships: StudyArea
    villages: StudyArea | None
    county_of: Mapping[str, str]
    labels: Mapping[str, str]
    targets: Mapping[str, Mapping[str, int]]
    method: str
    seed: int
    config: Config | None
    village_config: Config | None
    time_limit: float | None


def county_areas(townships: StudyArea, villages: StudyArea | None, county: str,
                 county_of: Mapping[str, str]) -> tuple[StudyArea, StudyArea | None]:
    """The township (and village) study areas of one county of a province.

    Parameters
    ----------
    townships : StudyArea
    villages : StudyArea, optional
        With column ``parent`` naming each village's township.
    county : str
        County code.
    county_of : Mapping[str, str]
        Township id → county code.

    Returns
    -------
    (StudyArea, StudyArea or None)
    """
    ids = [str(u) for u in townships.unit_ids if county_of[str(u)] == county]
    towns = sub_area(townships, ids, road_margin_m=ROAD_MARGIN_M)
    if villages is None:
        return towns, None
    parent = villages.units["parent"].astype(str)
    vids = [str(v) for v in villages.unit_ids[parent.isin(set(ids)).to_numpy()]]
    return towns, sub_area(villages, vids, road_margin_m=ROAD_MARGIN_M)


def _township_counts(area: StudyArea, plan: Plan) -> pd.DataFrame:
    names = {str(k): str(v) for k, v in area.units["name"].items()}
    before = pd.Series({u: township_type(n) for u, n in names.items()})
    after = pd.Series({new: township_type(plan.names.get(new) or names[plan.members(new)[0]])
                       for new in plan.new_units})
    t = kind_counts(before, after, "township")
    return t.assign(level="township").reset_index().set_index(["level", "kind"])


def _plan_county(data: _ProvinceData, county: str) -> CountyResult | CountyFailure:
    """Plan one county; any error becomes a :class:`CountyFailure` naming it."""
    label = data.labels[county]
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            towns, villages = county_areas(data.townships, data.villages, county,
                                           data.county_of)
            targets = dict(data.targets.get(county, {}))
            if villages is not None:
                reform = plan_reform(towns, villages, targets=targets, method=data.method,
                                     seed=data.seed, config=data.config,
                                     village_config=data.village_config,
                                     time_limit=data.time_limit)
                tplan, vplan = reform.township_plan, reform.village_plan
                counts, log = reform.counts(), reform.change_log()
            else:
                tplan = generate_plan(towns, method=data.method,  # type: ignore[arg-type]
                                      target=targets.get("township"), seed=data.seed,
                                      config=data.config, time_limit=data.time_limit,
                                      progress=False)
                vplan, counts, log = None, _township_counts(towns, tplan), None
    except TownmergeError as error:
        return CountyFailure(county, label, type(error).__name__, str(error))
    except Exception as error:  # a bug: report it with the county, let the others finish
        return CountyFailure(county, label, type(error).__name__,
                             f"{error}\n{traceback.format_exc()}", internal=True)
    return CountyResult(county, label, tplan, vplan, counts, log,
                        time.perf_counter() - t0,
                        tuple(dict.fromkeys(str(w.message) for w in caught)))


def _county_of(townships: StudyArea, county: Mapping[str, str] | None) -> dict[str, str]:
    units = townships.units
    ids = [str(u) for u in units.index]
    if county is None:
        if "parent" not in units.columns:
            raise InputError("The townships have no parent column (the county code of each "
                             "township): give one (parent=COLUMN) or county={township id: "
                             "county code}.")
        given = {u: p for u, p in zip(ids, units["parent"], strict=True)}
    else:
        given = {str(k): v for k, v in county.items()}
    missing = [unit_label(u, units.at[u, "name"]) for u in ids
               if given.get(u) is None or pd.isna(given[u]) or str(given[u]).strip() == ""]
    if missing:
        raise InputError(f"{len(missing)} township(s) have no county: {format_ids(missing)}. "
                         "Give each township its county code (the parent column, or county=).")
    return {u: str(given[u]) for u in ids}


def _check_targets(targets: Mapping[str, Mapping[str, int]], counties: Iterable[str]) -> None:
    known = set(counties)
    unknown = sorted(set(map(str, targets)) - known)
    bad = [f"{k!r}: keys {sorted(set(v) - set(TARGET_KEYS))}" for k, v in targets.items()
           if not set(v) <= set(TARGET_KEYS)]
    if unknown or bad:
        parts = ([f"unknown counties {format_ids(unknown)}"] if unknown else []) + bad
        raise ParameterError(f"Bad targets= of plan_province: {'; '.join(parts)}. Give "
                             f"{{county code: {{key: count}}}} with keys "
                             f"{', '.join(TARGET_KEYS)}.")


def plan_province(
    townships: StudyArea,
    villages: StudyArea | None = None,
    *,
    county: Mapping[str, str] | None = None,
    county_names: Mapping[str, str] | None = None,
    targets: Mapping[str, Mapping[str, int]] | None = None,
    method: str = "exact",
    seed: int = 0,
    config: Config | None = None,
    village_config: Config | None = None,
    time_limit: float | None = None,
    executor: Executor | Any | None = None,
    n_jobs: int | str | None = "auto",
    progress: bool | None = None,
) -> ProvinceRun:
    """Plan every county of a province in parallel and merge their summaries and change logs.

    Parameters
    ----------
    townships : StudyArea
        Township-level units of several counties.
    villages : StudyArea, optional
        Village-level units (column ``parent``: their township); with them each
        county is planned on three levels (:func:`~townmerge.evaluate.three_levels.plan_reform`),
        without them on the township level only.
    county : Mapping[str, str], optional
        Township id → county code; default: the townships' ``parent`` column.
    county_names : Mapping[str, str], optional
        County code → name, for messages and :attr:`CountyResult.name`.
    targets : Mapping[str, Mapping[str, int]], optional
        County code → targets as for ``plan_reform`` (``township``, ``village``,
        ``community``); a county without targets is merged to its floors.
    method, seed, config, village_config, time_limit
        As for :func:`~townmerge.evaluate.three_levels.plan_reform`, for every county
        (``time_limit`` per generator call of a county).
    executor : concurrent.futures.Executor or distributed.Client, optional
        Where the counties are planned (:mod:`townmerge.generate.parallel`).
    n_jobs : int, "auto" or None, default "auto"
        Worker processes of a local pool (-1: every core; None: one after another here).
        ``"auto"``: the first county here, the others on every core when it took a second
        or more (:func:`~townmerge.generate.parallel.run_tasks`).
    progress : bool, optional
        A bar counting finished counties (default: when stderr is a terminal).

    Returns
    -------
    ProvinceRun
        Counties in code order; the same results wherever they ran.

    Raises
    ------
    InputError
        When townships have no county (named, with their names).
    ParameterError
        For targets of unknown counties or keys, or a bad ``n_jobs``.
    """
    check_jobs(n_jobs, executor)
    county_of = _county_of(townships, county)
    counties = sorted(set(county_of.values()))
    targets = {str(k): dict(v) for k, v in (targets or {}).items()}
    _check_targets(targets, counties)
    names = dict(county_names or {})
    labels = {c: unit_label(c, names.get(c)) for c in counties}
    data = _ProvinceData(townships, villages, county_of, labels, targets, method, seed,
                         config, village_config, time_limit)
    results: dict[str, CountyResult] = {}
    failed: dict[str, CountyFailure] = {}
    for out in run_tasks(_plan_county, data, counties, executor=executor, n_jobs=n_jobs,
                         progress=progress, desc="counties", unit="county"):
        if isinstance(out, CountyFailure):
            failed[out.county] = out
        else:
            results[out.county] = out
    return ProvinceRun(results, failed)
