"""The generators' plans are the recorded ones (issue 11, acceptance 2).

``benchmarks/record_plans.py`` generates 36 plans (4 counties × greedy/exact/search × seeds
0–2) and compares the SHA-256 of each written plan CSV and its ``info`` with
``benchmarks/data/recorded_plans.json``. A change that alters a plan on purpose re-records
with ``python benchmarks/record_plans.py --write`` and says why in its commit.
"""

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_script():
    spec = importlib.util.spec_from_file_location("record_plans",
                                                  ROOT / "benchmarks" / "record_plans.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_plans_are_byte_identical_to_the_record():
    script = load_script()
    before = json.loads(script.RECORD.read_text(encoding="utf-8"))
    now = script.record(script.SEEDS)
    assert set(now) == set(before)
    changed = sorted(k for k in now if now[k] != before[k])
    assert not changed, f"plans changed: {changed}"
    # every plan was made: no recorded error stands in for a plan
    assert all(len(v) == 64 and not v.startswith(("Infeasible", "Input")) for v in now.values())
