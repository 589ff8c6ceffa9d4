"""Record the generators' plans, or check them against the record (issue 11, acceptance 2).

A refactor must not change a plan unless it means to. This script generates one plan for each
county × method × seed below, writes each with :func:`townmerge.write_plan`, and takes the
SHA-256 of the CSV bytes and of ``plan.info`` without its timing (``seconds``). With
``--write`` it stores the digests in ``benchmarks/data/recorded_plans.json``; without it, it
compares and exits 1 listing every plan that differs.

Counties: the sample county (33 units, target 13) and ``synthetic_county(n, seed=s)`` for
(36, 1), (48, 2), (60, 3) (target ``round(n * 13 / 33)``). Methods: greedy, exact and search,
seeds 0, 1, 2 (greedy and exact take no random step; their seeds check that they ignore it).

Run: ``python benchmarks/record_plans.py [--write] [--quick]`` (``--quick``: seed 0 only).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "benchmarks" / "data" / "recorded_plans.json"
COUNTIES: list[tuple[int, int] | None] = [None, (36, 1), (48, 2), (60, 3)]
METHODS = ("greedy", "exact", "search")
SEEDS = (0, 1, 2)


def county_key(spec: tuple[int, int] | None) -> str:
    return "sample" if spec is None else f"synthetic_{spec[0]}_{spec[1]}"


def load(spec: tuple[int, int] | None):
    import townmerge
    try:
        from townmerge.datasets import synthetic_county
    except ImportError:  # before the folder step of issue 11
        from townmerge.datasets.synthetic import synthetic_county

    if spec is None:
        return townmerge.read_study_area(ROOT / "sample_shapes" / "county"), 13
    c = synthetic_county(spec[0], seed=spec[1])
    return townmerge.StudyArea(c.units, c.settlements, c.flows, c.roads), round(spec[0] * 13 / 33)


def digest(plan, folder: Path) -> str:
    import townmerge

    path = townmerge.write_plan(plan, folder / "plan.csv")
    info = {k: v for k, v in dict(plan.info).items() if k != "seconds"}
    h = hashlib.sha256(path.read_bytes())
    h.update(json.dumps(info, sort_keys=True, default=repr).encode())
    return h.hexdigest()


def record(seeds: tuple[int, ...]) -> dict[str, str]:
    import townmerge

    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for spec in COUNTIES:
            area, target = load(spec)
            for method in METHODS:
                for seed in seeds:
                    try:
                        plan = townmerge.generate_plan(area, method=method, target=target,
                                                       seed=seed)
                        value = digest(plan, Path(tmp))
                    except townmerge.TownmergeError as exc:
                        value = f"{type(exc).__name__}: {exc}"
                    out[f"{county_key(spec)}/{method}/seed{seed}"] = value
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="store the record")
    parser.add_argument("--quick", action="store_true", help="seed 0 only")
    args = parser.parse_args(argv)
    seeds = (0,) if args.quick else SEEDS
    now = record(seeds)
    if args.write:
        RECORD.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"recorded {len(now)} plans in {RECORD.relative_to(ROOT)}")
        return 0
    before = json.loads(RECORD.read_text(encoding="utf-8"))
    changed = sorted(k for k in now if before.get(k) != now[k])
    for key in changed:
        print(f"changed: {key}")
    print(f"{len(now) - len(changed)} of {len(now)} plans identical to the record")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
