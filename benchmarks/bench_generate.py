"""Plan generation: exact optimum vs greedy and local search, peers, scale, a real outcome.

Run from the repository root (peers: ``pip install spopt gerrychain libpysal``)::

    python benchmarks/bench_generate.py            # prints the markdown section
    python benchmarks/bench_generate.py --cap 300  # seconds allowed to each peer call

Four parts, in one run, timed with ``time.perf_counter`` on the same machine:

1. **Exact vs heuristics.** The sample county (``sample_shapes/county``, 33 units) and
   ``synthetic_county(n, seed=s)`` for (36, 1), (48, 2), (60, 3), each with a target of
   about 40 % of its units (13, 14, 19, 24). ``generate_plan`` with ``method="exact"``
   (HiGHS, 300 s limit), ``"greedy"`` and ``"search"`` (greedy then 20,000 annealing
   moves); the gap of each heuristic to the proven optimum. Our times are whole
   ``generate_plan(area, ..., edges=edges)`` calls, scorer construction included.
2. **Peers**, on the same units (metric CRS) and our rook edges (``build_adjacency``):
   libpysal ``W`` built from our edges for spopt, a networkx graph of our edges for
   GerryChain. None of the peers can keep a unit out of every merger, so locked units
   (民族乡) are taken out of their input and added back as units of their own, and the
   peers are asked for ``target - locked`` regions. Clustering attributes for spopt: the
   standardised x and y of the unit centroids, and in a second run of each those and the
   standardised population. ``Skater`` and ``RegionKMeansHeuristic``
   with the target's number of regions; ``MaxPHeuristic`` with our population floor,
   expressed as ``population / p_min(terrain) >= 1`` summed over a region (our floor of a
   group is the population-weighted mean of its members' floors: the same on one terrain),
   compared with our greedy to the floors (``target=None``) and a free-count search from
   it. GerryChain: ``SingleMetricOptimizer`` with a ``recom`` proposal (epsilon 1.0: any
   region from 0 to twice the mean population), 2,000 simulated-annealing steps (hot 100 /
   cold 400 cycles, beta magnitude 200), from ``Partition.from_random_assignment``,
   maximising our objective minus the number of infeasible new units (not run on
   Maine-et-Loire, where no epsilon makes sense). MaxP is seeded through numpy's global
   generator, which it draws from. Every peer call
   runs in a forked child process, capped at ``--cap`` seconds.
   Infeasible plans are reported with the binding constraints and their objective
   ignoring feasibility (``objective_value`` of ``score_groups(...)["total"]`` weighted by
   population). Neutral figures from ``compare_plans``.
3. **Scale.** ``synthetic_county(5000, seed=1)`` (generation not timed): ``StudyArea``,
   ``build_adjacency``, ``MergerScorer`` and greedy to the floors, timed separately; and
   ``generate_ensemble(area, 100, target=13)`` and ``best_plans(area, 20, target=13)`` on the
   sample county.
4. **Maine-et-Loire 2016 → 2018** (``benchmarks/data``, see its README). Freigné (49144)
   left for Loire-Atlantique on 1 January 2018, so 249 communes of 2016 form the 183
   communes of 2018. Populations of the 2016 communes are estimates: the population of
   each current commune (its 2018 commune, or for the 8 merged again later, the current
   commune that absorbed it) split over its 2016 communes by area share. Config: every
   terrain gets ``p_min`` = the median 2018 commune population, ``p_max = 4 p_min`` (the
   ratio of the plain and hill defaults), the default area limit of hills (250 km²) and
   ``max_members = 4``. There are no settlements: flows, access, core, continuity and the
   travel-time limit have no data. Plans of 183 units are compared with the real 2018
   communes by adjusted Rand index, beside spopt and 20 random contiguous plans.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import platform
import queue
import re
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

warnings.simplefilter("ignore")

import _machine  # noqa: E402  (benchmarks/_machine.py, beside this script)

import townmerge  # noqa: E402
from townmerge.config import Config, TerrainThresholds, Thresholds  # noqa: E402
from townmerge.data.plan import Plan  # noqa: E402
from townmerge.datasets.synthetic import synthetic_county  # noqa: E402
from townmerge.errors import InfeasibleError, PlanError  # noqa: E402
from townmerge.evaluate.metrics import adjusted_rand_index  # noqa: E402
from townmerge.generate import co_occurrence, generate_ensemble, generate_plan  # noqa: E402
from townmerge.score.figures import BETTER, figure_bounds  # noqa: E402
from townmerge.score.plan_scores import objective_value, plan_objective  # noqa: E402
from townmerge.score.scorer import MergerScorer  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
COMMAND = "python benchmarks/bench_generate.py"
COUNTIES: list[tuple[str, tuple[int, int] | None, int]] = [
    ("sample county", None, 13),
    ("synthetic 36 (seed 1)", (36, 1), 14),
    ("synthetic 48 (seed 2)", (48, 2), 19),
    ("synthetic 60 (seed 3)", (60, 3), 24),
]
EXACT_LIMIT = 300.0
RECOM_STEPS = 2000
RECOM_EPSILON = 1.0
FREIGNE = "49144"
N_RANDOM = 20
LONG_SEARCH = 100_000
N_BEST = 20


# -- small helpers ------------------------------------------------------------------------------
def versions() -> str:
    out = [f"python {platform.python_version()}"]
    for pkg in ("townmerge", "numpy", "pandas", "geopandas", "shapely", "scipy", "highspy",
                "networkx", "libpysal", "spopt", "gerrychain", "scikit-learn"):
        try:
            out.append(f"{pkg} {metadata.version(pkg)}"
                       + (f" (commit {_machine.commit()})" if pkg == "townmerge" else ""))
        except metadata.PackageNotFoundError:
            out.append(f"{pkg} not installed")
    return ", ".join(out)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def capped(fn: Callable[[], Any], cap: float) -> tuple[str, Any, float]:
    """Run ``fn`` in a forked child: ("ok", result, seconds) | ("error"/"timeout", text, s)."""
    ctx = mp.get_context("fork")
    q: Any = ctx.Queue()

    def child() -> None:
        t0 = time.perf_counter()
        try:
            res = fn()
            q.put(("ok", res, time.perf_counter() - t0))
        except Exception as exc:  # a peer failing is a result to report
            q.put(("error", f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}",
                   time.perf_counter() - t0))

    proc = ctx.Process(target=child, daemon=True)
    proc.start()
    try:
        out = q.get(timeout=cap)
    except queue.Empty:
        proc.kill()
        proc.join()
        return "timeout", f"stopped after {cap:.0f} s", cap
    proc.join()
    return out


def f3(x: float) -> str:
    return "" if x is None or x != x else f"{x:.3f}"


def f1(x: float) -> str:
    return "" if x is None or x != x else f"{x:.1f}"


def ft(x: float) -> str:
    return f"{x:.2f}" if x < 100 else f"{x:.0f}"


def info_cell(info: dict[str, Any], key: str, fmt: str) -> str:
    """A figure from ``Plan.info``, or a dash when the plan does not carry it."""
    return fmt.format(info[key]) if key in info else "— (not in Plan.info)"


def table(head: Sequence[str], rows: Sequence[Sequence[object]], align: str) -> str:
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


@dataclass
class Scored:
    """A plan judged by our objective."""

    objective: float | None  # None when infeasible
    ignoring: float          # objective ignoring feasibility
    broken: dict[str, int]   # binding constraint -> new units breaking it
    contiguous: bool

    def cell(self) -> str:
        if self.objective is not None:
            return f"{self.objective:.4f}"
        what = ", ".join(f"{k} {v}" for k, v in self.broken.items())
        return f"infeasible ({what}); {self.ignoring:.4f} ignoring feasibility"


def judge(area: townmerge.StudyArea, plan: Plan, scorer: MergerScorer,
          edges: pd.DataFrame) -> Scored:
    frame = scorer.score_groups(list(plan.groups().values()))
    w = frame["population"].to_numpy(float)
    ignoring = objective_value(w, frame["total"].to_numpy(float))
    broken = frame["binding"][frame["binding"] != ""].value_counts().to_dict()
    try:
        objective: float | None = plan_objective(area, plan, scorer=scorer)
    except InfeasibleError:
        objective = None
    try:
        townmerge.check_plan(area, plan, edges=edges).raise_if_bad()
        contiguous = True
    except PlanError:
        contiguous = False
    return Scored(objective, ignoring, {str(k): int(v) for k, v in broken.items()}, contiguous)


# -- peers --------------------------------------------------------------------------------------
@dataclass
class PeerInput:
    ids: list[str]          # units given to the peers (locked ones left out)
    locked: list[str]
    gdf: gpd.GeoDataFrame   # positional index 0..n-1
    w: Any                  # libpysal W over positions, from our edges
    graph: Any              # networkx graph over positions, from our edges
    components: int


def peer_input(area: townmerge.StudyArea, edges: pd.DataFrame,
               floors: np.ndarray | None) -> PeerInput:
    import libpysal
    import networkx as nx

    units = area.units
    lock = units["locked"].to_numpy(bool) if "locked" in units.columns else \
        np.zeros(len(units), bool)
    ids = [u for u, lk in zip(units.index, lock, strict=True) if not lk]
    locked = [u for u, lk in zip(units.index, lock, strict=True) if lk]
    pos = {u: i for i, u in enumerate(ids)}
    nb: dict[int, list[int]] = {i: [] for i in range(len(ids))}
    graph = nx.Graph()
    graph.add_nodes_from(range(len(ids)))
    for a, b in zip(edges["unit_a"], edges["unit_b"], strict=True):
        if a in pos and b in pos:
            nb[pos[a]].append(pos[b])
            nb[pos[b]].append(pos[a])
            graph.add_edge(pos[a], pos[b])
    w = libpysal.weights.W(nb, ids=list(range(len(ids))), silence_warnings=True)
    gdf = units.loc[ids].reset_index()
    cen = gdf.geometry.centroid
    gdf["x"] = (cen.x - cen.x.mean()) / cen.x.std()
    gdf["y"] = (cen.y - cen.y.mean()) / cen.y.std()
    pop = gdf["population"].to_numpy(float)
    gdf["pop_z"] = (pop - pop.mean()) / (pop.std() or 1.0)
    if floors is not None:
        gdf["floor_share"] = pop / floors[[list(units.index).index(u) for u in ids]]
    for i in range(len(ids)):
        graph.nodes[i]["population"] = float(pop[i])
    return PeerInput(ids, locked, gdf, w, graph, nx.number_connected_components(graph))


def to_plan(pin: PeerInput, labels: Sequence[Any]) -> Plan:
    mapping: dict[str, str] = {u: f"r{lab}" for u, lab in zip(pin.ids, labels, strict=True)}
    mapping.update({u: f"locked {u}" for u in pin.locked})
    return Plan.from_mapping(mapping)


#: spopt's clustering attributes: standardised centroid x and y, and with population.
XY = ["x", "y"]
XYP = ["x", "y", "pop_z"]


def run_skater(pin: PeerInput, k: int, attrs: Sequence[str] = tuple(XY)) -> list[Any]:
    from spopt.region import Skater
    model = Skater(pin.gdf, pin.w, list(attrs), n_clusters=k)
    model.solve()
    return list(model.labels_)


def run_rkm(pin: PeerInput, k: int, attrs: Sequence[str] = tuple(XY)) -> list[Any]:
    from spopt.region import RegionKMeansHeuristic
    model = RegionKMeansHeuristic(pin.gdf[list(attrs)].to_numpy(), k, pin.w, seed=0)
    model.solve()
    return list(model.labels_)


def run_maxp(pin: PeerInput, column: str, threshold: float,
             attrs: Sequence[str] = tuple(XY)) -> list[Any]:
    from spopt.region import MaxPHeuristic
    np.random.seed(0)  # MaxP draws from numpy's global generator
    model = MaxPHeuristic(pin.gdf, pin.w, list(attrs), column, threshold)
    model.solve()
    return list(model.labels_)


def run_recom(pin: PeerInput, k: int, scorer: MergerScorer) -> list[Any]:
    from gerrychain import Graph, Partition
    from gerrychain.optimization import SingleMetricOptimizer
    from gerrychain.proposals import recom

    graph = Graph.from_networkx(pin.graph)
    pop = pin.gdf["population"].to_numpy(float)
    ids = pin.ids
    locked = [[u] for u in pin.locked]

    def metric(part: Any) -> float:
        groups = [[ids[i] for i in nodes] for nodes in part.parts.values()] + locked
        totals = [scorer.group_total(g) for g in groups]
        bad = sum(not scorer.is_feasible(g) for g in groups)
        weights = [sum(pop[i] for i in nodes) for nodes in part.parts.values()]
        weights += [float(scorer.area.units.at[u[0], "population"]) for u in locked]
        return objective_value(weights, totals) - bad

    init = Partition.from_random_assignment(graph, k, RECOM_EPSILON, "population", rng=0)
    proposal = partial(recom, pop_col="population", pop_target=pop.sum() / k,
                       epsilon=RECOM_EPSILON, node_repeats=2)
    opt = SingleMetricOptimizer(proposal, [], init, metric, maximize=True, rng=0)
    beta = SingleMetricOptimizer.jumpcycle_beta_function(100, 400)
    for _ in opt.simulated_annealing(RECOM_STEPS, beta, beta_magnitude=200):
        pass
    best = opt.best_part
    assert best is not None
    lab = {}
    for part, nodes in best.parts.items():
        for i in nodes:
            lab[i] = part
    return [lab[i] for i in range(len(ids))]


# -- part 1 and 2: counties ---------------------------------------------------------------------
def load_county(spec: tuple[int, int] | None) -> townmerge.StudyArea:
    if spec is None:
        return townmerge.read_study_area(ROOT / "sample_shapes" / "county")
    c = synthetic_county(spec[0], seed=spec[1])
    return townmerge.StudyArea(c.units, c.settlements, c.flows, c.roads)


def ours(area: townmerge.StudyArea, edges: pd.DataFrame, method: str,
         target: int | None, **kw: Any) -> tuple[float, Plan | str]:
    area = _machine.fresh(area)  # nothing derived yet: each call builds what it needs, timed
    t0 = time.perf_counter()
    try:
        plan = generate_plan(area, method=method, target=target, edges=edges,  # type: ignore
                             time_limit=EXACT_LIMIT if method == "exact" else None, **kw)
    except InfeasibleError as exc:
        text = str(exc)
        found = re.search(r"stopped at (\d+) units, above the target (\d+)", text)
        short = (f"greedy stopped at {found[1]} units > target {found[2]}" if found
                 else text[:60] + "…")
        return time.perf_counter() - t0, f"InfeasibleError: {short}"
    return time.perf_counter() - t0, plan


METRIC_COLS = [("flow_kept_population", "flow kept", f3), ("population_cv", "pop. CV", f3),
               ("share_below_floor", "below floor", f3),
               ("mean_minutes_to_seat", "mean min to seat", f1),
               ("max_minutes_to_seat", "max min to seat", f1),
               ("compactness_mean", "compactness", f3)]


def as_good_as(area: townmerge.StudyArea, edges: pd.DataFrame, label: str, peer: Plan,
               bounds: dict[str, float], scorer: MergerScorer, peer_cell: str,
               peer_time: float | None, county: str) -> list[object]:
    """Row of the best plan at least as good as ``bounds`` (a peer's figures), same count."""
    cold = _machine.fresh(area)  # nothing derived yet: the call builds what it needs, timed
    t0 = time.perf_counter()
    try:
        plan = generate_plan(cold, method="exact", target=peer.n_new, bounds=bounds,
                             edges=edges, time_limit=EXACT_LIMIT)
    except InfeasibleError as exc:
        text = str(exc)
        why = text.split("alone: ")[1].split(". Loosen")[0] if "alone: " in text else (
            "each bound alone can be met, not all together" if "each can be met" in text
            else text[:80])
        blank: list[object] = [""] * len(METRIC_COLS)
        return [county, label, peer.n_new, peer_cell, f"no plan: {why}", "", *blank,
                ft(time.perf_counter() - t0), "" if peer_time is None else ft(peer_time)]
    t = time.perf_counter() - t0
    fig = townmerge.compare_plans(area, {"ours": plan})["ours"]
    s = judge(area, plan, scorer, edges)
    cells = []
    for c, _, fn in METRIC_COLS:
        if c in bounds:
            sign = "≥" if BETTER[c] == "higher" else "≤"
            cells.append(f"{fn(fig[c])} {sign} {fn(bounds[c])}")
        else:
            cells.append(fn(fig[c]))
    return [county, label, peer.n_new, peer_cell, s.cell(), "yes" if s.contiguous else "**no**",
            *cells, ft(t), "" if peer_time is None else ft(peer_time)]


def how_made(plan: Plan | str) -> str:
    """What made a plan, from its ``info``: the method and a repair, when there was one."""
    if not isinstance(plan, Plan):
        return ""
    info = dict(plan.info)
    method = str(info.get("method", "?"))
    repaired = info.get("repaired")  # e.g. a greedy dead end: method "exact (repair)"
    return f"{method} ({repaired})" if repaired and "repair" not in method else method


def counties(cap: float) -> tuple[str, str, str, list[str], dict[str, Any]]:
    facts: dict[str, Any] = {"exact_s": [], "gap": {"greedy": [], "search": [],
                                                    "search100k": []},
                             "made": {}, "ours_time": {}, "peer_time": {}, "beats": [],
                             "matched": []}
    rows1: list[list[object]] = []
    rows2: list[list[object]] = []
    rows3: list[list[object]] = []
    notes: list[str] = []
    for name, spec, target in COUNTIES:
        area = load_county(spec)
        edges = townmerge.build_adjacency(area)
        cfg = Config()
        scorer = MergerScorer(area, cfg, edges=edges)
        n = len(area.units)
        results: dict[str, tuple[float, Plan | str]] = {}
        for m in ("greedy", "search", "exact"):
            results[m] = ours(area, edges, m, target)
        results["search100k"] = ours(area, edges, "search", target, iterations=LONG_SEARCH)
        t_ex, exact = results["exact"]
        value = {m: plan_objective(area, p, scorer=scorer) for m, (_, p) in results.items()
                 if isinstance(p, Plan)}
        best = value.get("exact", float("nan"))

        def obj(m: str, value: dict[str, float] = value,
                results: dict[str, tuple[float, Plan | str]] = results) -> str:
            return f"{value[m]:.4f}" if m in value else str(results[m][1])

        def gap(m: str, value: dict[str, float] = value, best: float = best) -> str:
            return f"{100 * (best - value[m]) / best:.2f} %" if m in value else "—"

        ex_info = dict(exact.info) if isinstance(exact, Plan) else {}
        facts["exact_s"].append(t_ex)
        facts.setdefault("exact_status", []).append(str(ex_info.get("status", "no plan")))
        for m in ("greedy", "search", "search100k"):
            if m in value and best == best:
                facts["gap"][m].append(100 * (best - value[m]) / best)
            facts["ours_time"].setdefault(m, []).append(results[m][0])
        facts["ours_time"].setdefault("exact", []).append(t_ex)
        facts["made"][name] = {m: how_made(results[m][1]) for m in ("greedy", "search",
                                                                     "exact")}
        rows1.append([
            name, n, target, facts["made"][name]["greedy"],
            info_cell(ex_info, "n_columns", "{:,}"),
            info_cell(ex_info, "status", "{}"), info_cell(ex_info, "gap", "{:.1e}"), ft(t_ex),
            obj("exact"), obj("greedy"), gap("greedy"), ft(results["greedy"][0]),
            obj("search"), gap("search"), ft(results["search"][0]),
            obj("search100k"), gap("search100k"), ft(results["search100k"][0]),
        ])

        # peers
        floors = np.array([cfg.thresholds.for_terrain(t).p_min for t in area.units["terrain"]],
                          dtype=float)
        pin = peer_input(area, edges, floors)
        k_free = target - len(pin.locked)
        plans: dict[str, Plan] = {}
        rows: list[tuple[str, int | str, str, float]] = []
        for m in ("greedy", "search", "exact"):
            t, p = results[m]
            if isinstance(p, Plan):
                plans[f"ours {m}"] = p
            rows.append((f"ours {m}", target, "" if isinstance(p, Plan) else p, t))
        peers = [
            ("spopt Skater (x, y)", partial(run_skater, pin, k_free)),
            ("spopt Skater (x, y, pop.)", partial(run_skater, pin, k_free, XYP)),
            ("spopt RegionKMeans (x, y)", partial(run_rkm, pin, k_free)),
            ("spopt RegionKMeans (x, y, pop.)", partial(run_rkm, pin, k_free, XYP)),
            ("GerryChain ReCom optimiser", partial(run_recom, pin, k_free, scorer)),
        ]
        for label, fn in peers:
            status, res, t = capped(fn, cap)
            facts["peer_time"].setdefault(label, []).append(t)
            if status == "ok":
                plans[label] = to_plan(pin, res)
                rows.append((label, target, "", t))
            else:
                rows.append((label, target, f"{status}: {res}", t))
        # floors: our greedy without target, free-count search from it, MaxP
        t_gf, gf = ours(area, edges, "greedy", None)
        if isinstance(gf, Plan):
            plans["ours greedy, floors"] = gf
            t_sf, sf = ours(area, edges, "search", None)
            rows.append(("ours greedy, floors", "floors", "", t_gf))
            if isinstance(sf, Plan):
                plans["ours search, floors"] = sf
            rows.append(("ours search, floors", "free", "" if isinstance(sf, Plan) else sf,
                         t_sf))
        for label, attrs in (("spopt MaxP (x, y), floors", XY),
                             ("spopt MaxP (x, y, pop.), floors", XYP)):
            status, res, t = capped(partial(run_maxp, pin, "floor_share", 1.0, attrs), cap)
            if status == "ok":
                plans[label] = to_plan(pin, res)
                rows.append((label, "floors", "", t))
            else:
                rows.append((label, "floors", f"{status}: {res}", t))
        metrics = townmerge.compare_plans(area, plans, config=cfg)
        for label, _tgt, err, t in rows:
            if err:
                blank: list[object] = [""] * (len(METRIC_COLS) + 1)
                rows2.append([name, label, "", err, *blank, ft(t)])
                continue
            p = plans[label]
            s = judge(area, p, scorer, edges)
            mt = metrics[label]
            rows2.append([name, label, p.n_new, s.cell(), "yes" if s.contiguous else "**no**"]
                         + [fn(mt[c]) for c, _, fn in METRIC_COLS] + [ft(t)])
        # the best plan at least as good as each peer's on every neutral figure
        peer_rows = [(label, t) for label, _tgt, err, t in rows
                     if not err and not label.startswith("ours")]
        ours_best = max((v for k, v in value.items()), default=float("nan"))
        for label, t in peer_rows:
            bounds = figure_bounds(metrics[label])
            peer_judged = judge(area, plans[label], scorer, edges)
            row = as_good_as(area, edges, label, plans[label], bounds, scorer,
                             peer_judged.cell(), t, name)
            rows3.append(row)
            found = not str(row[4]).startswith("no plan")
            facts["matched"].append((name, label, peer_judged.objective is not None, found))
            peer_value = (peer_judged.objective if peer_judged.objective is not None
                          else peer_judged.ignoring)
            facts["beats"].append((name, label, ours_best > peer_value))
        same_count = [label for label, _ in peer_rows if plans[label].n_new == target]
        if len(same_count) > 1:
            best: dict[str, float] = {}
            for label in same_count:
                for c, v in figure_bounds(metrics[label]).items():
                    better = max if BETTER[c] == "higher" else min
                    best[c] = better(best.get(c, v), v)
            rows3.append(as_good_as(area, edges, "best of " + " / ".join(
                lbl.removeprefix("spopt ") for lbl in same_count) + " on each figure",
                plans[same_count[0]], best, scorer, "", None, name))
        if pin.components != 1:
            notes.append(f"{name}: without its locked units the peers' graph has "
                         f"{pin.components} components.")
    t1 = table(["county", "units", "target", "greedy plan made by", "columns", "exact status",
                "gap", "exact (s)",
                "exact objective", "greedy", "greedy gap", "greedy (s)", "search",
                "search gap", "search (s)", f"search {LONG_SEARCH:,} moves", "gap", "(s)"],
               rows1, "lrrlrlrrrrrrrrrrrr")
    t2 = table(["county", "plan", "units", "our objective", "contiguous"]
               + [h for _, h, _ in METRIC_COLS] + ["time (s)"], rows2,
               "llrll" + "r" * len(METRIC_COLS) + "r")
    t3 = table(["county", "at least as good as", "units", "its objective", "our objective",
                "contiguous"] + [h for _, h, _ in METRIC_COLS] + ["our time (s)",
                                                                   "its time (s)"], rows3,
               "llrlll" + "r" * len(METRIC_COLS) + "rr")
    return t1, t2, t3, notes, facts


def span(values: Sequence[float], fmt: str = "{:.2f}") -> str:
    """``a–b`` of a list of figures (one figure when they agree)."""
    lo, hi = fmt.format(min(values)), fmt.format(max(values))
    return lo if lo == hi else f"{lo}–{hi}"


def computed_notes(facts: dict[str, Any]) -> str:
    """The notes under the county tables, every figure taken from this run's results."""
    out = ["", "Notes (computed from the tables above):", ""]
    status = sorted(set(facts.get("exact_status", [])))
    out.append(f"- Exact: HiGHS status {', '.join(status)} on the counties, in "
               f"{span(facts['exact_s'])} s.")
    for m, label in (("greedy", "greedy"), ("search", "search (20,000 moves)"),
                     ("search100k", f"search ({LONG_SEARCH:,} moves)")):
        g = facts["gap"][m]
        if g:
            out.append(f"- {label}: gap to the optimum {span(g)} %, at most {max(g):.2f} %.")
    repaired = [f"{c}: {d['greedy']}" for c, d in facts["made"].items()
                if d["greedy"] != "greedy"]
    out.append("- Greedy plans not made by greedy alone (`plan.info`): "
               + ("; ".join(repaired) if repaired else "none") + ".")
    beaten = sum(b for _, _, b in facts["beats"])
    out.append(f"- Our best plan scores higher than the peer's plan in {beaten} of "
               f"{len(facts['beats'])} peer runs (peer plans breaking a hard constraint are "
               "compared by their objective ignoring feasibility).")
    keep = [(c, lbl, f) for c, lbl, feas, f in facts["matched"] if feas]
    broke = [(c, lbl, f) for c, lbl, feas, f in facts["matched"] if not feas]
    out.append(f"- At least as good on every neutral figure: a plan of ours exists for "
               f"{sum(f for *_, f in keep)} of the {len(keep)} peer plans that keep our hard "
               f"constraints and for {sum(f for *_, f in broke)} of the {len(broke)} that break "
               "them; for the others the model proves that no plan keeping the hard "
               "constraints reaches the peer's figures: "
               + (", ".join(f"{lbl} on {c}" for c, lbl, f in keep + broke if not f) or "none")
               + ".")
    ours = "; ".join(f"{m} {span(v)} s" for m, v in facts["ours_time"].items())
    peers = "; ".join(f"{lbl} {span(v)} s" for lbl, v in facts["peer_time"].items())
    out.append(f"- Times per county (whole calls; ours include building the scorer): ours "
               f"{ours}; peers {peers}.")
    return "\n".join(out)


# -- part 3: scale ------------------------------------------------------------------------------
def scale() -> str:
    t_gen, c = timed(lambda: synthetic_county(5000, seed=1))
    t_area, area = timed(lambda: townmerge.StudyArea(c.units, c.settlements, c.flows, c.roads))
    t_adj, edges = timed(lambda: townmerge.build_adjacency(area))
    t_sc, scorer = timed(lambda: MergerScorer(area, edges=edges))
    t_gr, plan = timed(lambda: generate_plan(area, scorer=scorer, edges=edges))
    cfg = Config()
    units = area.units
    pop = units["population"].astype(float)
    floor = pd.Series([cfg.thresholds.for_terrain(t).p_min for t in units["terrain"]],
                      index=units.index, dtype=float)
    new = pd.Series({u: plan.assignment[u] for u in units.index})
    gp = pop.groupby(new).sum()
    gf = (pop * floor).groupby(new).sum() / gp
    below_ids = gp.index[gp < gf]
    below = len(below_ids)
    groups = plan.groups()
    pos = {u: i for i, u in enumerate(units.index)}
    new_arr = new.to_numpy()
    ea = new_arr[[pos[u] for u in edges["unit_a"]]]
    eb = new_arr[[pos[u] for u in edges["unit_b"]]]
    cross = pd.DataFrame({"a": ea, "b": eb})[ea != eb]
    pairs = pd.concat([cross, cross.rename(columns={"a": "b", "b": "a"})]).drop_duplicates()
    pairs = pairs[pairs["a"].isin(set(below_ids))]
    unions = [list(groups[x]) + list(groups[y]) for x, y in zip(pairs["a"], pairs["b"],
                                                                   strict=True)]
    frame = scorer.score_groups(unions) if unions else pd.DataFrame(
        {"feasible": [], "binding": []})
    pairs = pairs.assign(feasible=frame["feasible"].to_numpy(),
                         binding=frame["binding"].to_numpy())
    stuck = pairs.groupby("a")["feasible"].any()
    n_stuck = int((~stuck).sum()) + len(set(below_ids) - set(pairs["a"]))
    why = pairs[pairs["a"].isin(stuck.index[~stuck])]["binding"].value_counts().to_dict()
    t_chk, _ = timed(lambda: townmerge.check_plan(area, plan, edges=edges).raise_if_bad())
    total = t_area + t_adj + t_sc + t_gr
    rows = [
        ["`StudyArea(...)` (validation, metric CRS)", ft(t_area)],
        ["`build_adjacency(area)`", ft(t_adj)],
        ["`MergerScorer(area, edges=edges)` (travel network, flows, seats)", ft(t_sc)],
        ["`generate_plan(area, scorer=scorer, edges=edges)` (greedy to the floors)", ft(t_gr)],
        ["**total**", f"**{ft(total)}**"],
    ]
    out = table(["step (synthetic province, 5,000 townships)", "time (s)"], rows, "lr")
    out += (f"\n\nData generation (`synthetic_county(5000, seed=1)`, not counted): {t_gen:.1f} s; "
            f"{len(units):,} units, {len(area.settlements):,} settlements, {len(edges):,} edges. "
            f"Plan: {plan.n_new:,} new units, objective "
            f"{plan_objective(area, plan, scorer=scorer):.4f}, "
            f"{below:,} new units still below their floor, {n_stuck:,} of them with no "
            f"feasible merger with any neighbouring new unit (binding constraint of those "
            f"{sum(why.values()):,} unions: {', '.join(f'{k} {v:,}' for k, v in why.items())}), "
            f"contiguous (`check_plan` {t_chk:.2f} s).")

    sample = load_county(None)
    edges_s = townmerge.build_adjacency(sample)
    sc_s = MergerScorer(sample, edges=edges_s)
    erows: list[list[object]] = []
    cold = [_machine.fresh(sample), _machine.fresh(sample)]  # nothing derived yet, as a user's
    for label, fn in [
        ("`generate_ensemble(area, 100, target=13)` (sample county)",
         lambda: generate_ensemble(cold[0], 100, target=13, progress=False)),
        (f"`best_plans(area, {N_BEST}, target=13)` (sample county, exact)",
         lambda: townmerge.best_plans(cold[1], N_BEST, target=13)),
    ]:
        t_en, plans = timed(fn)
        distinct = len({p.canonical() for p in plans})
        # co_occurrence lists the pairs ever together; the others (share 0) are added as zeros
        n_s = len(sample.units)
        v = co_occurrence(plans)["share"].to_numpy()
        v = np.concatenate([v, np.zeros(n_s * (n_s - 1) // 2 - len(v))])
        va = co_occurrence(plans, edges=edges_s)["share"].to_numpy()
        objs = np.array([plan_objective(sample, p, scorer=sc_s) for p in plans])
        erows.append([
            label, ft(t_en), len(plans), distinct, f"{objs.min():.4f} – {objs.max():.4f}",
            f"{int((v > 0.9).sum())} ({int((va > 0.9).sum())})",
            f"{int(((v >= 0.2) & (v <= 0.8)).sum())} ({int(((va >= 0.2) & (va <= 0.8)).sum())})",
            f"{int((v > 0).sum())} ({int((va > 0).sum())})",
        ])
    out += "\n\n" + table(["ensemble", "time (s)", "plans", "distinct partitions",
                           "objective range", "robust pairs > 0.9 (adjacent)",
                           "contested pairs 0.2–0.8 (adjacent)", "pairs ever together (adjacent)"],
                          erows, "lrrrrrrr")
    out += (f"\n\nPairs: {len(v)} unit pairs of the 33 units ({len(va)} adjacent); co-occurrence "
            "is the share of a row's plans putting both units in the same new unit. The "
            f"{N_BEST} best plans are the optimum and the next best ones in order, each proven "
            "by the exact model (a cut excludes each plan found).")
    return out


# -- part 4: Maine-et-Loire ---------------------------------------------------------------------
def load_maine_et_loire() -> tuple[townmerge.StudyArea, Plan, pd.DataFrame, dict[str, Any]]:
    g16 = gpd.read_file(DATA / "communes_2016_49_maine-et-loire.geojson")
    merges = pd.read_csv(DATA / "merges_2016_2018_49.csv", dtype=str)
    cog = pd.read_csv(DATA / "communes_cog_population_49.csv", dtype=str)
    current = cog[cog["type"] == "commune-actuelle"].set_index("code")["population"].astype(float)
    chef = cog.set_index("code")["chef_lieu"]
    g16 = g16[g16["code"] != FREIGNE].to_crs(2154)
    g16 = g16.merge(merges[["code_2016", "code_2018"]], left_on="code", right_on="code_2016")
    g16["current"] = [c if c in current.index else chef[c] for c in g16["code_2018"]]
    later = sorted(set(g16["code_2018"]) - set(current.index))
    area_m2 = g16.geometry.area
    g16["population"] = (current.reindex(g16["current"]).to_numpy() * area_m2
                         / area_m2.groupby(g16["current"]).transform("sum"))
    area = townmerge.StudyArea(g16[["code", "nom", "population", "geometry"]], unit_id="code",
                               unit_name="nom")
    real = Plan.from_mapping(dict(zip(g16["code"], g16["code_2018"], strict=True)))
    pop18 = g16.groupby("code_2018")["population"].sum()
    sizes = real.groups()
    info = {"later": later, "pop18_median": float(pop18.median()), "n16": len(g16),
            "n18": real.n_new, "largest": max(len(m) for m in sizes.values()),
            "merged_new": sum(len(m) > 1 for m in sizes.values()),
            "merged_old": sum(len(m) for m in sizes.values() if len(m) > 1)}
    return area, real, g16, info


def random_contiguous(ids: list[str], edges: pd.DataFrame, target: int,
                      seed: int) -> Plan:
    """Merge uniformly random pairs of adjacent new units until ``target`` remain."""
    rng = np.random.default_rng(seed)
    pos = {u: i for i, u in enumerate(ids)}
    a = edges["unit_a"].map(pos).to_numpy()
    b = edges["unit_b"].map(pos).to_numpy()
    label = np.arange(len(ids))
    count = len(ids)
    while count > target:
        la, lb = label[a], label[b]
        cross = la != lb
        pairs = np.unique(np.sort(np.c_[la[cross], lb[cross]], axis=1), axis=0)
        x, y = pairs[rng.integers(len(pairs))]
        label[label == y] = x
        count -= 1
    return Plan.from_mapping(dict(zip(ids, label.tolist(), strict=True)))


def maine_et_loire(cap: float) -> tuple[str, dict[str, Any]]:
    area, real, _g16, info = load_maine_et_loire()
    edges = townmerge.build_adjacency(area)
    p_min = round(info["pop18_median"])
    tt = TerrainThresholds(p_min, 4 * p_min, 250.0, 45.0, 20.0)
    cfg = Config(thresholds=Thresholds(plain=tt, hill=tt, mountain=tt, plateau=tt))
    cfg15 = Config(thresholds=cfg.thresholds, max_members=info["largest"])
    scorer = MergerScorer(area, cfg, edges=edges)
    target = real.n_new
    ids = list(area.units.index)
    plans: dict[str, Plan] = {"real 2018 communes": real}
    rows: list[tuple[str, str, float]] = [("real 2018 communes", "", float("nan"))]
    for m in ("greedy", "search", "exact"):
        t, p = ours(area, edges, m, target, config=cfg)
        if isinstance(p, Plan):
            plans[f"ours {m}"] = p
        rows.append((f"ours {m}", "" if isinstance(p, Plan) else p, t))
    t, p = ours(area, edges, "search", target, config=cfg, iterations=LONG_SEARCH)
    if isinstance(p, Plan):
        plans[f"ours search, {LONG_SEARCH:,} moves"] = p
    rows.append((f"ours search, {LONG_SEARCH:,} moves", "" if isinstance(p, Plan) else p, t))
    for m in ("greedy", "search"):
        t, p = ours(area, edges, m, target, config=cfg15)
        label = f"ours {m}, max_members={cfg15.max_members}"
        if isinstance(p, Plan):
            plans[label] = p
        rows.append((label, "" if isinstance(p, Plan) else p, t))
    t, p = ours(area, edges, "greedy", None, config=cfg)
    if isinstance(p, Plan):
        plans["ours greedy, floors"] = p
    rows.append(("ours greedy, floors", "" if isinstance(p, Plan) else p, t))
    pin = peer_input(area, edges, None)
    for label, fn in [("spopt Skater (x, y)", partial(run_skater, pin, target)),
                      ("spopt Skater (x, y, pop.)", partial(run_skater, pin, target, XYP)),
                      ("spopt RegionKMeans (x, y)", partial(run_rkm, pin, target)),
                      ("spopt RegionKMeans (x, y, pop.)", partial(run_rkm, pin, target, XYP)),
                      ("spopt MaxP (x, y), floor", partial(run_maxp, pin, "population", p_min)),
                      ("spopt MaxP (x, y, pop.), floor",
                       partial(run_maxp, pin, "population", p_min, XYP))]:
        status, res, t = capped(fn, cap)
        if status == "ok":
            plans[label] = to_plan(pin, res)
            rows.append((label, "", t))
        else:
            rows.append((label, f"{status}: {res}", t))
    pop = area.units["population"].to_numpy(float)
    need = pop.max() / (pop.sum() / target) - 1
    rows.append(("GerryChain ReCom optimiser", f"not run: ReCom splits into parts within epsilon "
                 f"of the mean population; the largest commune alone needs epsilon ≥ {need:.0f}",
                 float("nan")))
    metrics = townmerge.compare_plans(area, plans, config=cfg)
    out_rows: list[list[object]] = []
    for label, err, t in rows:
        if err:
            out_rows.append([label, "", err, "", "", "", "", "", "" if t != t else ft(t)])
            continue
        p = plans[label]
        s = judge(area, p, scorer, edges)
        mt = metrics[label]
        out_rows.append([label, p.n_new, s.cell(), "yes" if s.contiguous else "**no**",
                         f"{adjusted_rand_index(p, real):.3f}",
                         f3(mt["population_cv"]), f3(mt["share_below_floor"]),
                         f3(mt["compactness_mean"]), "" if t != t else ft(t)])
    # the best plan at least as good as each of the others on every figure with data
    for label in ["real 2018 communes"] + [lbl for lbl, err, _ in rows
                                           if lbl.startswith("spopt") and not err]:
        bounds = figure_bounds(metrics[label])
        copy = _machine.fresh(area)
        t0 = time.perf_counter()
        try:
            p = generate_plan(copy, method="exact", target=plans[label].n_new, bounds=bounds,
                              config=cfg, edges=edges, time_limit=EXACT_LIMIT)
        except InfeasibleError as exc:
            out_rows.append([f"ours exact, as good as {label}", "", f"no plan: {exc}"[:120],
                             "", "", "", "", "", ft(time.perf_counter() - t0)])
            continue
        t = time.perf_counter() - t0
        s = judge(area, p, scorer, edges)
        mt = townmerge.compare_plans(area, {"x": p}, config=cfg)["x"]
        out_rows.append([f"ours exact, as good as {label}", p.n_new, s.cell(),
                         "yes" if s.contiguous else "**no**",
                         f"{adjusted_rand_index(p, real):.3f}",
                         f"{f3(mt['population_cv'])} ≤ {f3(bounds['population_cv'])}",
                         f"{f3(mt['share_below_floor'])} ≤ {f3(bounds['share_below_floor'])}",
                         f"{f3(mt['compactness_mean'])} ≥ {f3(bounds['compactness_mean'])}",
                         ft(t)])
    t_rand, rand = timed(lambda: [random_contiguous(ids, edges, target, s)
                                  for s in range(N_RANDOM)])
    ari = np.array([adjusted_rand_index(p, real) for p in rand])
    judged = [judge(area, p, scorer, edges) for p in rand]
    feas = sum(j.objective is not None for j in judged)
    ign = np.array([j.ignoring for j in judged])
    out_rows.append([f"random contiguous ({N_RANDOM} seeds)", target,
                     f"{feas}/{N_RANDOM} feasible; {ign.mean():.4f} ± {ign.std(ddof=1):.4f} "
                     "ignoring feasibility", "yes",
                     f"{ari.mean():.3f} ± {ari.std(ddof=1):.3f}", "", "", "",
                     f"{ft(t_rand)} (all)"])
    out = table(["plan", "units", "our objective", "contiguous", "ARI vs 2018", "pop. CV",
                 "below floor", "compactness", "time (s)"], out_rows, "lrllrrrrr")
    ex = dict(plans["ours exact"].info) if "ours exact" in plans else {}
    info.update(p_min=p_min, edges=len(edges), notes=scorer.notes,
                exact=", ".join([info_cell(ex, "n_columns", "{:,} columns"),
                                 info_cell(ex, "status", "status {}"),
                                 info_cell(ex, "gap", "gap {:.1e}")]),
                random_min=float(ari.min()), random_max=float(ari.max()))
    return out, info


# -- main ---------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=float, default=480.0,
                        help="seconds allowed to each peer call (default 480)")
    args = parser.parse_args()
    started = dt.datetime.now(dt.UTC)
    head_machine = _machine.machine()
    t0 = time.perf_counter()
    t1, t2, t3b, notes, facts = counties(args.cap)
    t3 = scale()
    t4, info = maine_et_loire(args.cap)
    wall = time.perf_counter() - t0

    print("## Generation\n")
    print(f"Command: `{COMMAND}` (one run, {started:%Y-%m-%d %H:%M} UTC, {wall / 60:.1f} min "
          "in all).  ")
    print(f"Machine: {head_machine}.  ")
    print(f"Versions: {versions()}.\n")
    print("### Exact optimum vs greedy and local search\n")
    print("Objective: population-weighted mean of the new units' totals (higher is better); "
          f"gap: (exact − heuristic) / exact. Exact: HiGHS, {EXACT_LIMIT:.0f} s limit.\n")
    print(t1)
    print("\n### Against spopt and GerryChain\n")
    print("Same units, same rook edges (ours); locked units kept out of the peers' input and "
          "added back on their own. *our objective*: `plan_objective`, or the binding "
          "constraints (new units breaking each) and the objective ignoring feasibility. "
          "Neutral figures from `compare_plans`: share of population flow kept inside new "
          "units, coefficient of variation of the new units' populations, share of new units "
          "below their floor, population-weighted mean and worst travel time from a settlement "
          "to its seat, mean Polsby–Popper. Times: whole calls on the same machine in the same "
          f"run; peers capped at {args.cap:.0f} s each. spopt's clustering attributes: the "
          "standardised centroid x and y, *(x, y)*, or those and the standardised population, "
          "*(x, y, pop.)*; MaxP also gets our population floor, the other peers only the "
          "count of regions. GerryChain balances population within epsilon and optimises our "
          "objective.\n")
    print(t2)
    for n in notes:
        print(f"\n{n}")
    print("\n### At least as good as each peer on every neutral figure\n")
    print("For each peer plan above: `generate_plan(area, method=\"exact\", target=<its count>, "
          "bounds=figure_bounds(<its figures>))` — the best plan on our objective among those "
          "meeting every hard constraint and at least as good as the peer on flow kept, "
          "population CV, share below floor, mean and worst minutes to the seat and mean "
          "compactness (cells: ours ≥ or ≤ the peer's). *no plan* means the model proved that "
          "no feasible plan reaches those figures; it names the figures no feasible plan "
          "reaches even alone. The last row of a county asks for the best figure of the "
          "fixed-count peers on each figure at once. Times: the whole call, scorer included, "
          "beside the peer's.\n")
    print(t3b)
    print(computed_notes(facts))
    print("\n### Scale\n")
    print(t3)
    print("\n### Maine-et-Loire 2016 → 2018 (real outcome)\n")
    print(f"{info['n16']} communes of 2016 (without Freigné, {FREIGNE}, which joined "
          f"Loire-Atlantique), {info['n18']} communes of 2018: {info['merged_old']} communes "
          f"merged into {info['merged_new']} new ones (the largest of {info['largest']}), the "
          f"others unchanged. {info['edges']} rook edges. Populations: current commune split "
          "by area share (estimate); for the "
          f"{len(info['later'])} communes of 2018 merged again later ({', '.join(info['later'])})"
          " the current commune is the one that absorbed them. Config: `p_min` "
          f"{info['p_min']:,} (median 2018 commune population) and `p_max` "
          f"{4 * info['p_min']:,} on every terrain, area limit 250 km², `max_members` 4 "
          f"unless said. Exact model: {info['exact']}. Random plans: "
          f"ARI from {info['random_min']:.3f} to {info['random_max']:.3f}.\n")
    print(t4)
    print("\nScorer notes: " + "; ".join(en for en, _ in info["notes"]) + ".")


if __name__ == "__main__":
    main()
