"""Parallel ensembles and province runs (issue 15): same plans wherever they run.

The Dask tests use a 2-worker ``LocalCluster`` with ``processes=False`` (threads in this
process: a cluster of processes takes ~12 s to start here); work really crossing process
boundaries is covered by the 2-process pool (``n_jobs=2``), and every result and shared
object goes through the same pickling either way (:func:`townmerge.generate.parallel.dumps`).
"""

import pickle
import sys
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from townmerge.cli.commands import main
from townmerge.config import Config
from townmerge.data.io import Layers
from townmerge.data.model import StudyArea
from townmerge.data.writers import write_layers
from townmerge.datasets.province import level_areas, synthetic_province
from townmerge.datasets.synthetic import sample_county
from townmerge.errors import EXIT_USAGE, InputError, ParameterError
from townmerge.evaluate.province import CountyFailure, ProvinceRun, plan_province
from townmerge.generate.deadline import Deadline
from townmerge.generate.ensemble import generate_ensemble, iter_ensemble
from townmerge.generate.parallel import check_jobs, dask_client, dumps, loads, run_tasks
from townmerge.testing.grids import grid_units
from townmerge.testing.scorers import SizeScorer

N_PLANS = 4
ENSEMBLE = {"target": 13, "iterations": 300, "seed": 7, "progress": False}


def fingerprint(plan):
    """Partition, names, seats and info minus timing: what must not depend on where it ran."""
    info = {k: v for k, v in plan.info.items() if k != "seconds"}
    return (sorted(sorted(g) for g in plan.canonical()), dict(plan.names), dict(plan.seats),
            repr(sorted(info.items())))


def fresh_area():
    c = sample_county()
    return StudyArea(c.units, c.settlements, c.flows, c.roads)


@pytest.fixture(scope="module")
def serial():
    return [fingerprint(p) for p in generate_ensemble(fresh_area(), N_PLANS, n_jobs=None,
                                                      **ENSEMBLE)]


@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def test_ensemble_on_a_2_process_pool_equals_serial_plan_for_plan(serial):
    pooled = generate_ensemble(fresh_area(), N_PLANS, n_jobs=2, **ENSEMBLE)
    assert [p.info["member"] for p in pooled] == list(range(N_PLANS))
    assert [fingerprint(p) for p in pooled] == serial
    assert len({str(f[0]) for f in serial}) > 1  # the members differ: seeds really vary


def test_ensemble_on_a_dask_local_cluster_equals_serial_plan_for_plan(serial, dask_cluster):
    on_dask = generate_ensemble(fresh_area(), N_PLANS, executor=dask_cluster, **ENSEMBLE)
    assert [fingerprint(p) for p in on_dask] == serial
    via_executor = iter_ensemble(fresh_area(), N_PLANS, executor=dask_cluster.get_executor(),
                                 **ENSEMBLE)
    assert [fingerprint(p) for p in via_executor] == serial


def test_ensemble_on_any_executor_hands_every_plan_over_and_returns_member_order(serial):
    seen = []
    with ThreadPoolExecutor(2) as pool:
        plans = generate_ensemble(fresh_area(), N_PLANS, executor=pool,
                                  on_plan=lambda p: seen.append(p.info["member"]), **ENSEMBLE)
    assert sorted(seen) == list(range(N_PLANS))  # in the order they finished
    assert [fingerprint(p) for p in plans] == serial


def _wait_then(delays, item):
    import time

    time.sleep(delays[item])
    return item * 10


def test_an_interrupted_run_has_handed_over_every_finished_task():
    """Task 0 is slow, 1 and 2 quick: they are handed over before 0, which is interrupted."""
    kept = []

    def keep(i, result):
        if i == 0:
            raise KeyboardInterrupt  # the user stops the run while member 0 still ran
        kept.append((i, result))

    with ThreadPoolExecutor(3) as pool, pytest.raises(KeyboardInterrupt):
        for _ in run_tasks(_wait_then, {0: 0.5, 1: 0.0, 2: 0.0}, [0, 1, 2], executor=pool,
                           on_done=keep):
            pass
    assert sorted(kept) == [(1, 10), (2, 20)]  # an ordered hand-over would have kept none


def _pid(first_seconds, item):
    import os
    import time

    if item == 0:
        time.sleep(first_seconds)
    return os.getpid()


def test_auto_keeps_quick_runs_here_and_spreads_long_ones_over_every_core(monkeypatch):
    import os

    from townmerge.generate import parallel

    assert set(run_tasks(_pid, 0.0, range(4))) == {os.getpid()}, "quick: no worker started"
    assert set(run_tasks(_pid, 0.0, range(4), n_jobs=None)) == {os.getpid()}
    monkeypatch.setattr(parallel, "AUTO_SECONDS", 0.05)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    pids = list(run_tasks(_pid, 0.1, range(4)))
    assert pids[0] == os.getpid() and os.getpid() not in pids[1:], pids
    # a shared object that does not pickle (a lambda) keeps the tasks here
    assert set(run_tasks(_pid_beside, lambda: None, range(3))) == {os.getpid()}


def _pid_beside(unpicklable, item):
    return _pid(0.1, item)


@pytest.mark.parametrize("n_jobs, match", [
    (0, r"n_jobs must be a whole number >= 1 \(or -1: every core, 'auto': every core when "
        r"it pays\), not 0"),
    (2.5, "not 2.5"),
    (True, "not True"),
])
def test_bad_n_jobs_is_named(n_jobs, match):
    area = StudyArea(grid_units("AB / CD", population=dict.fromkeys("ABCD", 5)))
    with pytest.raises(ParameterError, match=match):
        generate_ensemble(area, 2, n_jobs=n_jobs, target=2, scorer=SizeScorer(area, p_min=10))


def test_n_jobs_and_executor_together_are_refused():
    with ThreadPoolExecutor(1) as pool, pytest.raises(ParameterError, match="not both"):
        check_jobs(2, pool)


def test_a_task_error_is_raised_at_its_turn_and_the_rest_cancelled():
    with ThreadPoolExecutor(2) as pool:
        results = run_tasks(divmod, 12, [3, 0, 4], executor=pool)
        assert next(results) == (4, 0)
        with pytest.raises(ZeroDivisionError):
            next(results)


def test_without_dask_a_scheduler_address_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ParameterError, match=r"pip install 'townmerge\[dask\]'"):
        dask_client("tcp://127.0.0.1:8786")


# -- province runs ----------------------------------------------------------------------------
NAMES = {"510101": "甲县", "510102": "乙县", "510103": "丙县"}
TARGETS = {"510102": {"township": 3}}  # 乙县 asks for 3 mergers its locks rule out


@pytest.fixture(scope="module")
def province():
    """Three counties of six townships; every township of 乙县 is locked (bad data)."""
    p = synthetic_province(3, 6, seed=11)
    units = p.units.copy()
    units.loc[units["parent"] == "510102", "locked"] = True
    towns, villages = level_areas(type(p)(units, p.villages, p.settlements, p.flows, p.roads,
                                          p.seed))
    return towns, villages


@pytest.fixture(scope="module")
def province_run(province):
    return plan_province(*province, method="greedy", county_names=NAMES, targets=TARGETS,
                         progress=False)


def test_a_province_run_reports_the_bad_county_by_name_and_finishes_the_others(province_run):
    run = province_run
    assert list(run.results) == ["510101", "510103"]
    assert list(run.failed) == ["510102"]
    failure = run.failed["510102"]
    assert isinstance(failure, CountyFailure) and not failure.internal
    assert failure.name == "510102 (乙县)" and failure.error == "InfeasibleError"
    assert "the locks" in failure.message and "target 3" in failure.message
    assert "510102 (乙县): InfeasibleError" in run.report() and "2 of 3 counties" in run.report()


def test_province_counts_and_change_log_merge_the_counties(province_run, province):
    run = province_run
    towns, _ = province
    counts = run.counts()
    good = towns.units["parent"] != "510102"
    assert counts.loc[("township", "total"), "before"] == int(good.sum()) == 12
    assert counts.loc[("township", "total"), "after"] == sum(
        r.township_plan.n_new for r in run.results.values())
    assert counts.loc[("township", "total"), "counties"] == 2
    log = run.change_log()
    assert list(log.columns[:2]) == ["county", "level"]
    townships = log[log["level"] == "township"]
    assert sorted(townships["old_code"]) == sorted(towns.unit_ids[good.to_numpy()])
    assert set(log["county"]) == {"510101", "510103"}
    assert run.summary("zh")[0].startswith("乡镇（街道）由12个减为")


def test_province_on_dask_equals_serial(province, province_run, dask_cluster):
    again = plan_province(*province, method="greedy", county_names=NAMES, targets=TARGETS,
                          progress=False, executor=dask_cluster)
    assert list(again.failed) == list(province_run.failed)
    for code, result in province_run.results.items():
        other = again.results[code]
        assert other.township_plan.canonical() == result.township_plan.canonical()
        assert other.village_plan.canonical() == result.village_plan.canonical()
        assert other.change_log.equals(result.change_log)


def test_townships_without_a_county_are_named(province):
    towns, _ = province
    county = {u: "510101" for u in towns.unit_ids[:-1]}
    last = towns.unit_ids[-1]
    with pytest.raises(InputError, match=rf"1 township\(s\) have no county: {last} \("):
        plan_province(towns, county=county, method="greedy", progress=False)


def test_targets_of_unknown_counties_are_refused(province):
    with pytest.raises(ParameterError, match=r"unknown counties 519999"):
        plan_province(province[0], targets={"519999": {"township": 3}}, progress=False)


def test_township_only_run_has_counts_but_no_change_log(province):
    towns, _ = province
    run = plan_province(towns, method="greedy", targets=TARGETS, progress=False)
    assert list(run.failed) == ["510102"] and len(run.results) == 2
    assert run.counts().loc[("township", "total"), "before"] == 12
    with pytest.raises(InputError, match="no change log"):
        run.change_log()


# -- pickling ---------------------------------------------------------------------------------
def test_run_results_and_settings_pickle(province_run):
    again = pickle.loads(pickle.dumps(province_run))
    assert isinstance(again, ProvinceRun)
    assert again.failed == province_run.failed
    assert again.counts().equals(province_run.counts())
    assert loads(dumps(Config())) == Config()  # Config holds read-only mappings


def test_a_deadline_keeps_its_end_in_another_process():
    d = pickle.loads(pickle.dumps(Deadline(3600.0)))
    assert d.limit == 3600.0 and 0 < d.left() <= 3600.0
    assert pickle.loads(pickle.dumps(Deadline(0.0))).expired()
    assert pickle.loads(pickle.dumps(Deadline(None))).left() is None


# -- command line -----------------------------------------------------------------------------
def test_cli_ensemble_with_jobs_writes_the_serial_plans(tmp_path):
    args = ["ensemble", "sample_shapes/county", "-n", "3", "--target", "13", "--seed", "4"]
    assert main([*args, "--out", str(tmp_path / "serial")]) == 0
    assert main([*args, "--jobs", "2", "--out", str(tmp_path / "pool")]) == 0
    for i in range(3):
        name = f"plan_{i:03d}.csv"
        assert (tmp_path / "pool" / name).read_bytes() == (tmp_path / "serial" / name).read_bytes()
    co = "co_occurrence.csv"
    assert (tmp_path / "pool" / co).read_bytes() == (tmp_path / "serial" / co).read_bytes()


def test_cli_scheduler_without_dask_is_a_usage_error(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)
    code = main(["ensemble", "sample_shapes/county", "-n", "2", "--scheduler",
                 "tcp://127.0.0.1:8786", "--out", str(tmp_path / "e")])
    assert code == EXIT_USAGE
    assert "pip install 'townmerge[dask]'" in capsys.readouterr().err


def test_cli_jobs_with_best_or_with_scheduler_is_a_usage_error(capsys, tmp_path):
    out = str(tmp_path / "e")
    assert main(["ensemble", "sample_shapes/county", "-n", "2", "--best", "--jobs", "2",
                 "--out", out]) == EXIT_USAGE
    assert "--best" in capsys.readouterr().err
    assert main(["ensemble", "sample_shapes/county", "--jobs", "2", "--scheduler", "x",
                 "--out", out]) == EXIT_USAGE


def test_cli_province_plans_three_levels_county_by_county(tmp_path, capsys):
    p = synthetic_province(2, 6, seed=3)
    data = write_layers(tmp_path / "province", Layers(p.units, p.settlements, p.flows, p.roads),
                        extra={"villages": p.villages})
    out = tmp_path / "out"
    assert main(["province", str(data), "--villages", "--method", "greedy", "--lang", "en",
                 "--out", str(out)]) == 0
    counts = pd.read_csv(out / "counts.csv", index_col=[0, 1])
    assert counts.loc[("township", "total"), "before"] == 12
    assert counts.loc[("township", "total"), "counties"] == 2
    log = pd.read_csv(out / "change_log.csv", dtype=str)
    assert set(log["county"]) == {"510101", "510102"}
    assert len(pd.read_csv(out / "failed.csv")) == 0
    assert "Townships and subdistricts: from 12 to" in capsys.readouterr().out
