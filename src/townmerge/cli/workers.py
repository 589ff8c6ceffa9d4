"""``--jobs N`` and ``--scheduler ADDRESS``: where a command's independent tasks run.

``--jobs N`` runs them (ensemble members, counties) on ``N`` local worker processes
(``--jobs 1``: one after another in the command's process; without either option, every
core once the first task took a second or more); ``--scheduler ADDRESS`` on the Dask
cluster whose scheduler listens there (``pip install 'townmerge[dask]'``). Either way the
results are those of a serial run (:mod:`townmerge.generate.parallel`).
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from typing import Any

from ..generate.parallel import dask_client
from .args import positive_int

__all__ = ["add_parallel_args", "where_to_run"]


def add_parallel_args(p: argparse.ArgumentParser) -> None:
    """``--jobs N`` or ``--scheduler ADDRESS`` (not both).

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_parallel_args(p)
    >>> p.parse_args(["--jobs", "4"]).jobs, p.parse_args([]).scheduler
    (4, None)
    """
    g = p.add_mutually_exclusive_group()
    g.add_argument("--jobs", "-j", type=positive_int, metavar="N",
                   help="worker processes on this machine (1: none; default: every core once "
                        "the first task took a second or more)")
    g.add_argument("--scheduler", metavar="ADDRESS",
                   help="a Dask scheduler to run on, e.g. tcp://10.0.0.5:8786 "
                        "(pip install 'townmerge[dask]')")


@contextlib.contextmanager
def where_to_run(ns: argparse.Namespace) -> Iterator[dict[str, Any]]:
    """The ``n_jobs=`` or ``executor=`` keywords of ``--jobs`` / ``--scheduler``.

    A Dask client is connected for the command and closed after it.

    Examples
    --------
    >>> with where_to_run(argparse.Namespace(jobs=3, scheduler=None)) as kw:
    ...     kw
    {'n_jobs': 3}
    """
    address = getattr(ns, "scheduler", None)
    if address:
        client = dask_client(address)
        try:
            yield {"executor": client}
        finally:
            client.close()
        return
    jobs = getattr(ns, "jobs", None)
    yield {} if jobs is None else {"n_jobs": jobs if jobs > 1 else None}
