"""What every benchmark script reports beside its figures: machine, versions, memory."""

from __future__ import annotations

import contextlib
import os
import platform
import resource
from importlib import metadata
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def machine() -> str:
    """CPU model, logical CPUs, RAM, OS and load average, in one line."""
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024**2:.0f} GB RAM"
    load = ", load average {:.1f} / {:.1f} / {:.1f} at start".format(*os.getloadavg())
    return (f"{model}, {os.cpu_count()} logical CPUs{mem}, {platform.system()} "
            f"{platform.release()}{load}")


def versions(packages: tuple[str, ...]) -> dict[str, str]:
    """Python's version and each package's installed version (or "not installed")."""
    out = {"python": platform.python_version()}
    for pkg in packages:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def fresh(obj: T) -> T:
    """A copy with nothing cached: a study area keeps what it derives, a copy starts empty."""
    import pickle

    copy: T = pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
    return copy


def max_rss_mb() -> float:
    """Peak resident set of this process, MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def commit() -> str:
    """The commit measured: short HEAD, flagged when src/ or benchmarks/ has uncommitted edits."""
    import subprocess

    root = Path(__file__).resolve().parents[1]

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              check=False).stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    # the README is the benchmarks' own output: only code makes a measurement "uncommitted"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "src", "benchmarks/*.py")
    return head + (" with uncommitted changes" if dirty else "")
