"""The README's workflow on a synthetic province: how often each derived structure is built.

Run from the repository root::

    python benchmarks/bench_workflow.py                      # prints a markdown section
    python benchmarks/bench_workflow.py --units 500          # a smaller area, for a quick look
    python benchmarks/bench_workflow.py --cache /tmp/province.pkl   # keep the generated data
    python benchmarks/bench_workflow.py --before COMMIT      # the commit to compare with

The province is ``townmerge.datasets.synthetic.synthetic_county(6850, seed=2)`` (as in
``bench_flows.py``), generated once in a subprocess and pickled (not timed). The workflow
is the README's, one step after another on one ``StudyArea``: ``generate_plan`` (greedy,
to the population floors), ``check_plan``, ``plan_metrics``, ``plan_objective``,
``score_mergers`` and ``plan_report``.

It runs twice, each time in a fresh subprocess: on the code of this checkout, and on the
code of ``--before`` (by default the commit before "derived structures built once"),
checked out into a temporary ``git worktree`` and put first on ``PYTHONPATH``. In each
run the builders are wrapped to count their calls: ``build_adjacency``,
``TravelNetwork``, ``settlement_flows`` (with its Poisson fits), ``SeatSelector``,
``MergerScorer`` and ``FigureModel``. Times are ``time.perf_counter`` per step.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import _machine  # benchmarks/_machine.py, beside this script

COMMAND = "python benchmarks/bench_workflow.py"
ROOT = Path(__file__).resolve().parents[1]
SEED = 2
#: ``main`` when the derived structures were made shared (the code before that change).
BEFORE = "4603217011f23a64541f4409601155254c31c868"
#: Builder → the modules that define it: in the layer folders now, flat before.
BUILDERS = {
    "build_adjacency": ("townmerge.graph.adjacency", "townmerge.adjacency"),
    "TravelNetwork": ("townmerge.graph.travel", "townmerge.travel"),
    "settlement_flows": ("townmerge.graph.flows", "townmerge.flows"),
    "SeatSelector": ("townmerge.score.seats", "townmerge.seats"),
    "MergerScorer": ("townmerge.score.scorer", "townmerge.score"),
    "FigureModel": ("townmerge.score.figure_model", "townmerge.figures"),
}


def _home(homes: tuple[str, ...], name: str) -> Any:
    """The first of ``homes`` that defines ``name`` (the code being measured decides)."""
    for home in homes:
        try:
            mod = importlib.import_module(home)
        except ImportError:
            continue
        if hasattr(mod, name):
            return mod
    raise ImportError(f"none of {homes} defines {name}")
WHAT = {
    "build_adjacency": "adjacency with border lengths",
    "TravelNetwork": "road graph and travel times",
    "settlement_flows": "settlement flows and their Poisson fits",
    "SeatSelector": "seat figures (reads travel and flows)",
    "MergerScorer": "scorer (reads adjacency and seats)",
    "FigureModel": "figure parts (reads adjacency, seats and flows)",
}
STEPS = ("generate_plan", "check_plan", "plan_metrics", "plan_objective", "score_mergers",
         "plan_report")


def generate(n_units: int, path: Path) -> dict[str, Any]:
    from townmerge.datasets.synthetic import synthetic_county

    t0 = time.perf_counter()
    s = synthetic_county(n_units, seed=SEED)
    seconds = time.perf_counter() - t0
    frames = {"units": s.units, "settlements": s.settlements, "flows": s.flows,
              "roads": s.roads}
    with path.open("wb") as fh:
        pickle.dump(frames, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return {"seconds": seconds, "units": len(s.units), "settlements": len(s.settlements),
            "roads": len(s.roads), "flows": len(s.flows)}


def _spy(counts: Counter[str]) -> None:
    """Count every call of each builder, however a module reaches it."""

    import townmerge  # noqa: F401  (imports the modules that hold the builders)

    for name, homes in BUILDERS.items():
        original = getattr(_home(homes, name), name)
        if isinstance(original, type):
            init = original.__init__

            def counted_init(self: Any, *a: Any, __n: str = name, __i: Any = init,
                             **k: Any) -> None:
                counts[__n] += 1
                __i(self, *a, **k)

            original.__init__ = counted_init  # type: ignore[misc]
            continue

        def counted(*a: Any, __n: str = name, __f: Any = original, **k: Any) -> Any:
            counts[__n] += 1
            return __f(*a, **k)

        for mod in list(sys.modules.values()):
            if getattr(mod, "__name__", "").startswith("townmerge") and \
                    getattr(mod, name, None) is original:
                setattr(mod, name, counted)


def run(data: Path) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    _spy(counts)
    import townmerge as tm

    with data.open("rb") as fh:
        frames = pickle.load(fh)
    times: dict[str, float] = {}
    per_step: dict[str, dict[str, int]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        area = tm.StudyArea(frames["units"], frames["settlements"], frames["flows"],
                            frames["roads"])
        del frames
        plan = None

        def step(name: str, call: Any) -> Any:
            before = Counter(counts)
            t0 = time.perf_counter()
            out = call()
            times[name] = time.perf_counter() - t0
            per_step[name] = dict(counts - before)
            return out

        plan = step("generate_plan", lambda: tm.generate_plan(area, method="greedy",
                                                              progress=False))
        # check_plan returns a report now (it raised before): stop on a breach either way
        step("check_plan", lambda: getattr(tm.check_plan(area, plan), "raise_if_bad",
                                           lambda: None)())
        step("plan_metrics", lambda: tm.plan_metrics(area, plan))
        objective = step("plan_objective", lambda: tm.plan_objective(area, plan))
        step("score_mergers", lambda: tm.score_mergers(area))
        html = step("plan_report", lambda: tm.plan_report(area, plan))
    return {"counts": dict(counts), "times": times, "per_step": per_step,
            "units": len(area), "new_units": plan.n_new, "objective": objective,
            "report_chars": len(html), "peak_mb": _machine.max_rss_mb(),
            "townmerge": str(Path(tm.__file__).resolve().parent)}


def _child(args: list[str], src: Path) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = Path(fh.name)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(src), str(Path(__file__).resolve().parent)])}
    try:
        proc = subprocess.run([sys.executable, __file__, *args, "--out", str(out)],
                              capture_output=True, text=True, check=False, env=env)
        if proc.returncode != 0:
            raise RuntimeError(f"{args} failed:\n{proc.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(out.read_text())
        return result
    finally:
        out.unlink(missing_ok=True)


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True,
                          check=True).stdout.strip()


def measure_before(commit: str, data: Path) -> dict[str, Any]:
    """Run the workflow on ``commit``, checked out into a temporary worktree."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "before"
        _git("worktree", "add", "--detach", "--quiet", str(tree), commit)
        try:
            return _child(["--child", "--data", str(data)], tree / "src")
        finally:
            _git("worktree", "remove", "--force", str(tree))


def _fmt(x: float) -> str:
    return f"{x:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--units", type=int, default=6850, help="townships (default 6850)")
    parser.add_argument("--cache", type=Path, help="pickle of the generated frames to reuse")
    parser.add_argument("--before", default=BEFORE,
                        help=f"the commit to compare with (default {BEFORE[:9]})")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        args.out.write_text(json.dumps(generate(args.units, args.data)))
        return
    if args.child:
        args.out.write_text(json.dumps(run(args.data)))
        return

    host = _machine.machine()
    started = dt.datetime.now(dt.UTC)
    before_commit = _git("rev-parse", "--short", args.before)
    with tempfile.TemporaryDirectory() as tmp:
        data = args.cache or Path(tmp) / "province.pkl"
        meta_path = data.with_suffix(".json")
        if data.exists() and meta_path.exists():
            meta = json.loads(meta_path.read_text())
        else:
            print("generating the province …", file=sys.stderr, flush=True)
            meta = _child(["--generate", "--units", str(args.units), "--data", str(data)],
                          ROOT / "src")
            meta_path.write_text(json.dumps(meta))
        print(f"running the workflow at {before_commit} …", file=sys.stderr, flush=True)
        old = measure_before(args.before, data)
        print("running the workflow on this checkout …", file=sys.stderr, flush=True)
        new = _child(["--child", "--data", str(data)], ROOT / "src")

    print("## Computed once: the README workflow\n")
    print(f"Command: `{COMMAND}`. Commit measured: {_machine.commit()}; before: "
          f"{before_commit} (`--before`). Started {started:%Y-%m-%d %H:%M} UTC on {host}.\n")
    print(f"Data: `synthetic_county({args.units}, seed={SEED})`: {meta['units']:,} townships, "
          f"{meta['settlements']:,} settlements, {meta['roads']:,} road segments, "
          f"{meta['flows']:,} observed flows (generated in {meta['seconds']:.0f} s, not "
          "counted; `StudyArea(...)` not counted). Workflow: `generate_plan(area, "
          "method=\"greedy\")` (to the floors), `check_plan`, `plan_metrics`, "
          "`plan_objective`, `score_mergers(area)`, `plan_report`, on one area, each step "
          "with its defaults.\n")
    print(f"| builds ({len(STEPS)} steps) | built from | before | after |")
    print("|---|---|---:|---:|")
    for name in BUILDERS:
        print(f"| `{name}` | {WHAT[name]} | {old['counts'].get(name, 0)} "
              f"| {new['counts'].get(name, 0)} |")
    print()
    print("| step | before (s) | builds before | after (s) | builds after |")
    print("|---|---:|---|---:|---|")

    def built(res: dict[str, Any], s: str) -> str:
        return ", ".join(f"{k} {v}" for k, v in res["per_step"].get(s, {}).items()) or "—"

    for s in STEPS:
        print(f"| `{s}` | {_fmt(old['times'][s])} | {built(old, s)} | {_fmt(new['times'][s])} "
              f"| {built(new, s)} |")
    total_old, total_new = sum(old["times"].values()), sum(new["times"].values())
    print(f"| **total** | **{_fmt(total_old)}** | | **{_fmt(total_new)}** | |")
    print()
    print(f"Same plan both times: {old['new_units']:,} vs {new['new_units']:,} new units, "
          f"objective {old['objective']:.6f} vs {new['objective']:.6f}. Peak resident set "
          f"{old['peak_mb']:,.0f} MB before, {new['peak_mb']:,.0f} MB after.\n")
    print("Notes:\n")
    print("- After: `townmerge.graph.derived.derived(area, config)` holds the adjacency, the "
          "travel "
          "network and the flows, keyed by the settings each depends on (`Config.travel`, "
          "`Config.gravity`); the seat selector and the figure parts are kept beside them, "
          "keyed by the whole configuration. Every step that is not handed `edges=`, "
          "`scorer=`, `selector=` … reads them there, so later steps build nothing.")
    print("- The merger scorer is kept on the area too (`townmerge.score.scorer.scorer_for`, "
          "keyed by the whole configuration), with its memo of scored groups: every step that "
          "scores shares it. A step given its own `edges=` or `criteria=` builds its own.")


if __name__ == "__main__":
    main()
