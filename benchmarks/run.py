"""Run the benchmark scripts and write their output into ``benchmarks/README.md``.

Every section of the README is the unchanged standard output of one script, so that
every figure in it comes out of the script that the section names, at the commit the
section records. Run from the repository root, in the project's environment with the
peers installed (``pip install -e '.[test,bench]'``, or ``make bench``)::

    python benchmarks/run.py                      # every script, in order
    python benchmarks/run.py bench_score          # only some sections
    python benchmarks/run.py --check              # say which sections are stale; write nothing

A section sits between ``<!-- begin bench_x.py -->`` and ``<!-- end bench_x.py -->``;
the README is rewritten whole (temporary file, then rename) after each script, so an
interrupted run keeps the sections already refreshed and loses nothing else.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
README = HERE / "README.md"
#: The scripts, in the order of the README's sections.
SCRIPTS = ("bench_adjacency.py", "bench_flows.py", "bench_score.py", "bench_generate.py",
           "bench_workflow.py", "bench_maps.py", "bench_parallel.py")


def _markers(script: str) -> tuple[str, str]:
    return f"<!-- begin {script} -->", f"<!-- end {script} -->"


def splice(text: str, script: str, body: str) -> str:
    """Replace the section of ``script`` in ``text`` by ``body`` (appended when missing).

    Examples
    --------
    >>> splice("a\\n<!-- begin x.py -->\\nold\\n<!-- end x.py -->\\nb\\n", "x.py", "new")
    'a\\n<!-- begin x.py -->\\nnew\\n<!-- end x.py -->\\nb\\n'
    """
    begin, end = _markers(script)
    block = f"{begin}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        return pattern.sub(lambda _m: block, text, count=1)
    return text.rstrip("\n") + "\n\n" + block + "\n"


def write_whole(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def section_commit(text: str, script: str) -> str | None:
    """The commit recorded in the section of ``script``, if any."""
    begin, end = _markers(script)
    m = re.search(re.escape(begin) + r"(.*?)" + re.escape(end), text, re.S)
    if not m:
        return None
    c = re.search(r"commit ([0-9a-f]{7,40})", m.group(1))
    return c.group(1) if c else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="script names (default: all), e.g. bench_score")
    parser.add_argument("--check", action="store_true",
                        help="list the sections whose recorded commit is not HEAD; write nothing")
    args = parser.parse_args(argv)
    wanted = [s if s.endswith(".py") else f"{s}.py" for s in args.only] or list(SCRIPTS)
    unknown = [s for s in wanted if s not in SCRIPTS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(SCRIPTS)}")
    if args.check:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=False).stdout.strip()
        text = README.read_text(encoding="utf-8")
        stale = [s for s in wanted if not (section_commit(text, s) or "x").startswith(head)]
        for s in stale:
            print(f"{s}: recorded at {section_commit(README.read_text(), s)}, HEAD is {head}")
        return 1 if stale else 0
    for script in wanted:
        print(f"running {script} …", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, str(HERE / script)], cwd=ROOT,
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(proc.stderr[-4000:], file=sys.stderr)
            print(f"{script} failed (exit {proc.returncode}); its section is left as it was",
                  file=sys.stderr)
            return 1
        text = README.read_text(encoding="utf-8")
        write_whole(README, splice(text, script, proc.stdout))
        print(f"  {script}: {time.perf_counter() - t0:.0f} s, section written", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
