"""Nothing is half-written: every writer leaves the previous file byte-identical on failure.

Each test writes a previous good file, injects a failure in the middle of the next write
(the serialiser, the file object's ``write``, pandas/pyogrio, or ``os.replace``; an
``OSError`` such as a full disk, or a ``KeyboardInterrupt``) and checks that the previous
bytes are still there and that no temporary file is left in the folder.
"""

import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import folium
import pandas as pd
import pyogrio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import townmerge.data.plan_csv as tm_plan_csv
import townmerge.data.writers as tm_io
from townmerge import read_plan, read_study_area, write_plan
from townmerge.cli.commands import main
from townmerge.data.atomic import TEMP_MARK, atomic_folder, atomic_write_text
from townmerge.data.plan import Plan
from townmerge.data.writers import write_geojson, write_study_area
from townmerge.errors import EXIT_OUTPUT, OutputError
from townmerge.generate import greedy_plan
from townmerge.render import save_map, save_report

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_shapes" / "county"
OLD = "previous good file 上一版\n".encode()
ENOSPC = OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture(scope="module")
def area():
    return read_study_area(SAMPLE)


@pytest.fixture(scope="module")
def plan(area):
    return greedy_plan(area, target=13)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (temporary files included)."""
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def temporaries(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob("*") if TEMP_MARK in p.name or p.name.startswith(".")]


# -- ways to fail in the middle of a write -----------------------------------------------------
def fail_file_writes(monkeypatch, exc: BaseException, after: int = 1) -> None:
    """The file objects' ``write`` writes half of call ``after + 1``, then raises ``exc``."""
    real = os.fdopen
    calls = [0]

    def fdopen(*args, **kwargs):
        fh = real(*args, **kwargs)
        write = fh.write

        def failing(data):
            calls[0] += 1
            if calls[0] > after:
                write(data[: len(data) // 2])
                fh.flush()
                raise exc
            return write(data)

        fh.write = failing
        return fh

    monkeypatch.setattr(os, "fdopen", fdopen)


def fail_to_csv(monkeypatch, exc: BaseException) -> None:
    """``DataFrame.to_csv`` writes half of the file, then raises ``exc``."""
    real = pd.DataFrame.to_csv

    def to_csv(self, path=None, *args, **kwargs):
        real(self, path, *args, **kwargs)
        Path(path).write_bytes(Path(path).read_bytes()[: Path(path).stat().st_size // 2])
        raise exc

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)


def fail_replace(monkeypatch, exc: BaseException) -> None:
    def replace(src, dst):
        raise exc

    monkeypatch.setattr(os, "replace", replace)


FAILURES = {
    "disk full": ENOSPC,
    "interrupted": KeyboardInterrupt(),
}


def expect_failure(exc: BaseException):
    if isinstance(exc, OSError):
        return pytest.raises(OutputError, match="disk is full")
    return pytest.raises(type(exc))


# -- single files --------------------------------------------------------------------------------
@pytest.mark.parametrize("failure", FAILURES, ids=str)
def test_plan_csv_mid_write(tmp_path, monkeypatch, plan, failure):
    target = tmp_path / "plan.csv"
    target.write_bytes(OLD)
    fail_file_writes(monkeypatch, FAILURES[failure], after=3)
    with expect_failure(FAILURES[failure]) as info:
        write_plan(plan, target)
    assert target.read_bytes() == OLD
    assert os.listdir(tmp_path) == ["plan.csv"]
    if failure == "disk full":
        assert str(target) in str(info.value) and "Free some space" in str(info.value)


def test_plan_csv_serialiser_fails_after_some_rows(tmp_path, monkeypatch, plan):
    target = tmp_path / "plan.csv"
    target.write_bytes(OLD)
    real = tm_plan_csv.csv.writer

    class Writer:
        def __init__(self, fh, **kwargs):
            self.inner, self.rows = real(fh, **kwargs), 0

        def writerow(self, row):
            self.rows += 1
            if self.rows > 5:
                raise KeyboardInterrupt
            return self.inner.writerow(row)

    monkeypatch.setattr(tm_plan_csv.csv, "writer", Writer)
    with pytest.raises(KeyboardInterrupt):
        write_plan(plan, target)
    assert target.read_bytes() == OLD
    assert os.listdir(tmp_path) == ["plan.csv"]


@pytest.mark.parametrize("failure", FAILURES, ids=str)
def test_geojson_mid_write(tmp_path, monkeypatch, area, failure):
    target = tmp_path / "units.geojson"
    target.write_bytes(OLD)
    fail_file_writes(monkeypatch, FAILURES[failure], after=2)
    with expect_failure(FAILURES[failure]):
        write_geojson(area.units.to_crs(area.input_crs), target)
    assert target.read_bytes() == OLD
    assert os.listdir(tmp_path) == ["units.geojson"]


def test_geojson_serialiser_fails_after_some_features(tmp_path, monkeypatch, area):
    target = tmp_path / "units.geojson"
    target.write_bytes(OLD)
    real, calls = tm_io.json.dumps, [0]

    def dumps(*args, **kwargs):
        calls[0] += 1
        if calls[0] > 10:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(tm_io.json, "dumps", dumps)
    with pytest.raises(KeyboardInterrupt):
        write_geojson(area.units.to_crs(area.input_crs), target)
    assert target.read_bytes() == OLD
    assert os.listdir(tmp_path) == ["units.geojson"]


@pytest.mark.parametrize("failure", FAILURES, ids=str)
def test_geopackage_fails_after_its_first_layer(tmp_path, monkeypatch, area, failure):
    target = tmp_path / "area.gpkg"
    write_study_area(area, target)
    before = target.read_bytes()
    real, calls = pyogrio.write_dataframe, [0]

    def write_dataframe(frame, path, **kwargs):
        assert str(path).endswith(".gpkg") and TEMP_MARK in str(path)  # GDAL sees .gpkg
        calls[0] += 1
        if calls[0] > 1:
            raise FAILURES[failure]
        return real(frame, path, **kwargs)

    monkeypatch.setattr(tm_io.pyogrio, "write_dataframe", write_dataframe)
    with expect_failure(FAILURES[failure]):
        write_study_area(area, target)
    assert calls[0] == 2
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["area.gpkg"]  # no temporary, no -journal / -wal
    monkeypatch.undo()
    assert list(read_study_area(target).unit_ids) == list(area.unit_ids)


def test_geopackage_replace_fails(tmp_path, monkeypatch, area):
    target = tmp_path / "area.gpkg"
    target.write_bytes(OLD)
    fail_replace(monkeypatch, PermissionError(errno.EACCES, "Permission denied"))
    with pytest.raises(OutputError, match="permission denied"):
        write_study_area(area, target)
    assert target.read_bytes() == OLD
    assert os.listdir(tmp_path) == ["area.gpkg"]


@pytest.mark.parametrize("failure", FAILURES, ids=str)
def test_html_map_mid_write(tmp_path, monkeypatch, failure):
    target = tmp_path / "before_after.html"
    target.write_bytes(OLD)
    fail_file_writes(monkeypatch, FAILURES[failure], after=0)
    with expect_failure(FAILURES[failure]):
        save_map(folium.Map(tiles=None), target)
    assert target.read_bytes() == OLD
    assert os.listdir(tmp_path) == ["before_after.html"]


@pytest.mark.parametrize("failure", FAILURES, ids=str)
def test_html_report_mid_write(tmp_path, monkeypatch, failure):
    target = tmp_path / "report.html"
    target.write_bytes(OLD)
    fail_file_writes(monkeypatch, FAILURES[failure], after=0)
    with expect_failure(FAILURES[failure]):
        save_report("<!DOCTYPE html><p>方案</p>" * 1000, target)
    assert target.read_bytes() == OLD
    assert os.listdir(tmp_path) == ["report.html"]


@pytest.mark.parametrize("failure", FAILURES, ids=str)
def test_replace_itself_fails(tmp_path, monkeypatch, plan, failure):
    target = tmp_path / "plan.csv"
    target.write_bytes(OLD)
    fail_replace(monkeypatch, FAILURES[failure])
    with expect_failure(FAILURES[failure]):
        write_plan(plan, target)
    assert target.read_bytes() == OLD
    assert os.listdir(tmp_path) == ["plan.csv"]


# -- tables written by the command ---------------------------------------------------------------
@pytest.mark.parametrize("command", [["score"], ["tiers"], ["seats", "--plan", "PLAN"],
                                     ["compare", "PLAN"]], ids=lambda c: c[0])
def test_cli_table_disk_full_exits_4_and_keeps_the_old_table(tmp_path, monkeypatch, capsys,
                                                             plan, command):
    write_plan(plan, tmp_path / "p.csv")
    target = tmp_path / "table.csv"
    target.write_bytes(OLD)
    args = [a.replace("PLAN", str(tmp_path / "p.csv")) for a in command]
    fail_to_csv(monkeypatch, ENOSPC)
    assert main([args[0], str(SAMPLE), *args[1:], "--out", str(target)]) == EXIT_OUTPUT
    err = capsys.readouterr().err
    line = err.splitlines()[-1]  # compare first reports plans it cannot score, on stderr
    assert line.startswith("townmerge: Cannot write") and "Traceback" not in err
    assert str(target) in line and "disk is full" in line
    assert target.read_bytes() == OLD
    assert sorted(os.listdir(tmp_path)) == ["p.csv", "table.csv"]


def test_cli_table_interrupted_keeps_the_old_table(tmp_path, monkeypatch):
    target = tmp_path / "scores.csv"
    target.write_bytes(OLD)
    fail_to_csv(monkeypatch, KeyboardInterrupt())
    assert main(["score", str(SAMPLE), "--out", str(target)]) == 130  # interrupted
    assert target.read_bytes() == OLD
    assert os.listdir(tmp_path) == ["scores.csv"]


# -- folders -------------------------------------------------------------------------------------
#: Exit status of a command interrupted by Ctrl-C (KeyboardInterrupt).
INTERRUPTED = 130


def run_interrupted(args: list[str], failure: BaseException) -> int:
    """Run the command; an interruption comes back as the exit status 130."""
    return main(args)


@pytest.fixture(scope="module")
def demo_before(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_before") / "out"
    assert main(["demo", "--data", str(SAMPLE), "--target", "15", "--lang", "en",
                 "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("failure", FAILURES, ids=str)
@pytest.mark.parametrize("where", ["map", "report"])
def test_demo_interrupted_leaves_the_previous_four_files(tmp_path, monkeypatch, demo_before,
                                                         failure, where):
    out = tmp_path / "out"
    shutil.copytree(demo_before, out)
    (out / "notes.txt").write_text("mine")  # a file of the user's, untouched
    before = snapshot(out)
    # the map is the 3rd of 4 files (plan.csv and merged_units.geojson are written), the
    # report the last one: fail in the middle of writing it
    real = {"map": save_map, "report": save_report}[where]

    def half_written(content, path):
        fail_file_writes(monkeypatch, FAILURES[failure], after=0)
        return real(content, path)

    monkeypatch.setattr(f"townmerge.cli.demo_cmds.save_{where}", half_written)
    code = run_interrupted(["demo", "--data", str(SAMPLE), "--target", "13", "--out", str(out)],
                           FAILURES[failure])
    assert code == (EXIT_OUTPUT if failure == "disk full" else INTERRUPTED)
    assert snapshot(out) == before
    assert temporaries(tmp_path) == []


def test_demo_into_a_new_folder_interrupted_leaves_no_folder(tmp_path, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("townmerge.cli.demo_cmds.report_figures", interrupt)  # after two files
    assert run_interrupted(["demo", "--data", str(SAMPLE), "--out",
                            str(tmp_path / "new" / "out")], KeyboardInterrupt()) == INTERRUPTED
    assert os.listdir(tmp_path) == []


def test_demo_then_succeeds_and_replaces_every_file(tmp_path, demo_before):
    out = tmp_path / "out"
    shutil.copytree(demo_before, out)
    before = snapshot(out)
    assert main(["demo", "--data", str(SAMPLE), "--target", "13", "--out", str(out)]) == 0
    after = snapshot(out)
    assert sorted(after) == sorted(before)
    assert all(after[name] != before[name] for name in after)
    assert temporaries(tmp_path) == []


@pytest.fixture(scope="module")
def ensemble_before(tmp_path_factory):
    out = tmp_path_factory.mktemp("ensemble_before") / "ens"
    assert main(["ensemble", str(SAMPLE), "-n", "4", "--target", "14", "--seed", "1",
                 "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("failure", FAILURES, ids=str)
@pytest.mark.parametrize("where", ["second plan", "co_occurrence"])
def test_ensemble_interrupted_leaves_the_previous_folder(tmp_path, monkeypatch, ensemble_before,
                                                         failure, where):
    out = tmp_path / "ens"
    shutil.copytree(ensemble_before, out)
    before = snapshot(out)
    assert sorted(before) == ["co_occurrence.csv", *(f"plan_{i:03d}.csv" for i in range(4))]
    if where == "second plan":
        fail_file_writes(monkeypatch, FAILURES[failure], after=40)  # 34 rows per plan
    else:
        fail_to_csv(monkeypatch, FAILURES[failure])
    code = run_interrupted(["ensemble", str(SAMPLE), "-n", "2", "--target", "13",
                            "--out", str(out)], FAILURES[failure])
    assert code == (EXIT_OUTPUT if failure == "disk full" else INTERRUPTED)
    assert snapshot(out) == before
    assert temporaries(tmp_path) == []


def test_ensemble_replaces_the_whole_previous_ensemble(tmp_path, ensemble_before):
    out = tmp_path / "ens"
    shutil.copytree(ensemble_before, out)
    assert main(["ensemble", str(SAMPLE), "-n", "2", "--target", "13", "--out", str(out)]) == 0
    assert sorted(os.listdir(out)) == ["co_occurrence.csv", "plan_000.csv", "plan_001.csv"]
    assert read_plan(out / "plan_000.csv").n_new == 13


@pytest.mark.parametrize("failure", FAILURES, ids=str)
def test_layers_folder_fails_at_its_last_file(tmp_path, monkeypatch, area, failure):
    out = tmp_path / "county"
    out.mkdir()
    for name in ("units.geojson", "settlements.geojson", "roads.geojson", "flows.csv"):
        (out / name).write_bytes(OLD)
    before = snapshot(out)
    fail_to_csv(monkeypatch, FAILURES[failure])  # flows.csv comes after the GeoJSON layers
    with expect_failure(FAILURES[failure]):
        write_study_area(area, out)
    assert snapshot(out) == before
    assert temporaries(tmp_path) == []


def test_make_sample_interrupted_leaves_the_previous_sample(tmp_path, monkeypatch):
    out = tmp_path / "county"
    shutil.copytree(SAMPLE, out)
    before = snapshot(out)
    fail_file_writes(monkeypatch, KeyboardInterrupt(), after=12)
    code = run_interrupted(["make-sample", str(out), "--seed", "7"], KeyboardInterrupt())
    assert code == INTERRUPTED
    assert snapshot(out) == before
    assert temporaries(tmp_path) == []


def test_folder_rename_failure_puts_back_the_files_already_replaced(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (out / name).write_text(f"old {name}")
    before = snapshot(out)
    real, calls = os.replace, [0]

    def replace(src, dst):
        if Path(dst).parent == out and TEMP_MARK not in Path(dst).name:
            calls[0] += 1
            if calls[0] == 3:  # a and b already renamed over their targets
                raise KeyboardInterrupt
        return real(src, dst)

    with pytest.raises(KeyboardInterrupt), atomic_folder(out) as files:
        for name in ("a.txt", "b.txt", "c.txt"):
            atomic_write_text(files.path(name), f"new {name}")
        monkeypatch.setattr(os, "replace", replace)
    assert calls[0] == 5  # three renames tried, then a.txt and b.txt put back
    assert snapshot(out) == before


# -- output path problems ------------------------------------------------------------------------
def test_parent_is_a_file(tmp_path, plan):
    (tmp_path / "a").write_bytes(OLD)
    for target in (tmp_path / "a" / "plan.csv", tmp_path / "a" / "b" / "plan.csv"):
        with pytest.raises(OutputError) as info:
            write_plan(plan, target)
        message = str(info.value)
        assert str(target) in message and f"{str(tmp_path / 'a')!r} is a file, not a folder" in (
            message) and "move that file away" in message
    assert (tmp_path / "a").read_bytes() == OLD


def test_target_is_a_folder(tmp_path, plan):
    (tmp_path / "plan.csv").mkdir()
    with pytest.raises(OutputError, match=r"it is an existing folder\. Give the path of a file"):
        write_plan(plan, tmp_path / "plan.csv")
    with pytest.raises(OutputError, match="it is an existing folder"):
        save_report("<p>x</p>", tmp_path / "plan.csv")
    assert os.listdir(tmp_path) == ["plan.csv"] and os.listdir(tmp_path / "plan.csv") == []


def test_output_folder_is_a_file(tmp_path, area):
    (tmp_path / "out").write_bytes(OLD)
    with pytest.raises(OutputError, match="it is a file, not a folder"):
        write_study_area(area, tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == OLD


def test_read_only_folder_simulated(tmp_path, monkeypatch, plan):
    target = tmp_path / "plan.csv"
    target.write_bytes(OLD)
    real = os.open

    def deny(path, *args, **kwargs):
        if TEMP_MARK in str(path):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)
    with pytest.raises(OutputError) as info:
        write_plan(plan, target)
    message = str(info.value)
    assert str(target) in message and "permission denied" in message
    assert f"make {str(tmp_path)!r} writable" in message
    assert target.read_bytes() == OLD


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root writes into read-only folders anyway")
def test_read_only_folder_for_real(tmp_path, plan):  # pragma: no cover - tests run as root
    target = tmp_path / "ro" / "plan.csv"
    target.parent.mkdir()
    target.write_bytes(OLD)
    target.parent.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="permission denied"):
            write_plan(plan, target)
        assert target.read_bytes() == OLD
    finally:
        target.parent.chmod(0o755)


def test_failed_write_removes_the_folders_it_created(tmp_path, monkeypatch, plan):
    fail_file_writes(monkeypatch, ENOSPC, after=0)
    with pytest.raises(OutputError):
        write_plan(plan, tmp_path / "new" / "sub" / "plan.csv")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("command", ["plan", "demo"])
def test_cli_output_under_a_file_exits_4_in_one_line(tmp_path, capsys, command):
    (tmp_path / "a").write_bytes(OLD)
    out = tmp_path / "a" / ("plan.csv" if command == "plan" else "out")
    args = ["plan", str(SAMPLE)] if command == "plan" else ["demo", "--data", str(SAMPLE)]
    assert main([*args, "--out", str(out)]) == EXIT_OUTPUT
    err = capsys.readouterr().err
    assert err.startswith("townmerge: Cannot write") and err.count("\n") == 1
    assert f"{str(tmp_path / 'a')!r} is a file, not a folder" in err
    assert (tmp_path / "a").read_bytes() == OLD


def test_cli_out_onto_an_existing_folder_exits_4(tmp_path, capsys):
    assert main(["score", str(SAMPLE), "--out", str(tmp_path)]) == EXIT_OUTPUT
    assert "it is an existing folder" in capsys.readouterr().err


# -- leftovers of a hard kill --------------------------------------------------------------------
def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_next_write_removes_temporaries_of_dead_processes_only(tmp_path, plan):
    target = tmp_path / "plan.csv"
    target.write_bytes(OLD)
    dead = f".plan.csv{TEMP_MARK}{dead_pid()}-0badf00d.csv"
    alive = f".plan.csv{TEMP_MARK}{os.getppid()}-0badf00d.csv"
    other = f".other.csv{TEMP_MARK}{dead_pid()}-0badf00d.csv"
    for name in (dead, alive, other):
        (tmp_path / name).write_bytes(b"half")
    write_plan(plan, target)
    assert sorted(os.listdir(tmp_path)) == sorted([alive, other, "plan.csv"])
    assert read_plan(target) == plan


@pytest.mark.slow
def test_kill_9_during_plan_leaves_old_or_new_plan(tmp_path, area):
    """A real ``townmerge plan`` killed with SIGKILL at random points, a few times."""
    target = tmp_path / "plan.csv"
    write_plan(Plan.identity(area.unit_ids), target)
    old = target.read_bytes()
    cmd = [sys.executable, "-m", "townmerge", "plan", str(SAMPLE), "--target", "13",
           "--out", str(target)]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    start = time.monotonic()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    runtime = time.monotonic() - start
    new = target.read_bytes()
    assert new != old and read_plan(target).n_new == 13
    rng = random.Random(9)
    outcomes = []
    for attempt in range(4):
        target.write_bytes(old)
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=env)
        if attempt % 2:  # at a random moment of the run
            deadline = time.monotonic() + rng.uniform(0.8, 1.3) * runtime
            while time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.002)
        else:  # as soon as the temporary file appears, i.e. in the middle of the write
            while proc.poll() is None and not any(TEMP_MARK in n for n in os.listdir(tmp_path)):
                time.sleep(0.001)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        data = target.read_bytes()
        assert data in (old, new), f"attempt {attempt}: plan.csv is neither old nor new"
        outcomes.append("old" if data == old else "new")
        for name in os.listdir(tmp_path):  # leftovers are hidden, marked and keep the suffix
            if name != "plan.csv":
                assert name.startswith(".plan.csv" + TEMP_MARK) and name.endswith(".csv")
    write_plan(read_plan(target), target)  # the next write clears the dead runs' temporaries
    assert os.listdir(tmp_path) == ["plan.csv"], outcomes


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_a_symbolic_link_is_written_through_and_kept(tmp_path, plan):
    real = tmp_path / "store" / "plan.csv"
    real.parent.mkdir()
    real.write_bytes(OLD)
    (tmp_path / "plan.csv").symlink_to(real)
    assert write_plan(plan, tmp_path / "plan.csv") == tmp_path / "plan.csv"
    assert (tmp_path / "plan.csv").is_symlink() and read_plan(real) == plan


@settings(max_examples=40, deadline=None)
@given(old=st.dictionaries(st.sampled_from("abcde"), st.binary(max_size=50), max_size=5),
       new=st.dictionaries(st.sampled_from("abcdef"), st.text(max_size=50), min_size=1,
                           max_size=6),
       fail_at=st.integers(0, 8))
def test_folder_is_all_new_or_all_old(old, new, fail_at):
    """Whatever file the failure comes at, the folder is the previous one or the new one."""
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "out"
        out.mkdir()
        for name, data in old.items():
            (out / name).write_bytes(data)
        before = snapshot(out)
        try:
            with atomic_folder(out) as files:
                for i, (name, text) in enumerate(new.items()):
                    if i == fail_at:
                        raise KeyboardInterrupt
                    atomic_write_text(files.path(name), text)
        except KeyboardInterrupt:
            assert fail_at < len(new)
            assert snapshot(out) == before
        else:
            assert fail_at >= len(new)
            expected = {**before, **{n: t.encode() for n, t in new.items()}}
            assert snapshot(out) == expected
        assert temporaries(Path(d)) == []


@pytest.mark.parametrize("free", [0, 10 << 30], ids=["disk full", "space left"])
def test_gdal_error_on_a_full_disk_is_an_output_error(tmp_path, monkeypatch, area, free):
    """GDAL reports a full disk as a pyogrio error, not an OSError: the free space tells."""
    target = tmp_path / "area.gpkg"
    target.write_bytes(OLD)

    def write_dataframe(frame, path, **kwargs):
        Path(path).write_bytes(b"SQLite format 3\x00 half")
        raise pyogrio.errors.FeatureError("Could not add feature to layer at index 0")

    monkeypatch.setattr(tm_io.pyogrio, "write_dataframe", write_dataframe)
    monkeypatch.setattr(shutil, "disk_usage", lambda p: SimpleNamespace(free=free))
    expected = (pytest.raises(OutputError, match="disk is full") if free == 0 else
                pytest.raises(pyogrio.errors.FeatureError, match="Could not add feature"))
    with expected:
        write_study_area(area, target)
    assert target.read_bytes() == OLD
    assert os.listdir(tmp_path) == ["area.gpkg"]
