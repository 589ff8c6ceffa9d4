"""Independent tasks on any ``concurrent.futures.Executor``, with shared data shipped once.

Ensemble members (:func:`townmerge.generate.ensemble.iter_ensemble`) and the counties of a
province run (:func:`townmerge.evaluate.province.plan_province`) are independent tasks
that all read one large object: the study area with its derived structures (adjacency,
travel network, flows, the scorer built on them). :func:`run_tasks` runs
``fn(shared, item)`` for every item and hands the results back **in the order of the
items**, whatever order they finish in, so a run gives the same results serially, on a
local process pool and on a Dask cluster. ``shared`` travels to each worker once:

- ``n_jobs=N``: a local :class:`~concurrent.futures.ProcessPoolExecutor` (workers
  forked on Linux, spawned elsewhere: :func:`pool_context`) whose initializer unpickles
  ``shared`` into the worker process (:data:`WORKER_STATE`); tasks then carry only their
  item;
- a Dask ``distributed.Client`` (or its ``get_executor()``): ``shared`` is scattered to
  every worker (``broadcast=True``) and tasks receive it from the worker's memory;
- any other executor (a pool the caller made, a ``ThreadPoolExecutor``): ``shared`` is
  pickled once in this process and unpickled once per worker (tasks carry the pickled
  bytes).

Threads never share one copy: the objects tasks read keep caches that are not
thread-safe, so each thread of a thread pool (or of a Dask worker with several threads)
unpickles its own copy on its first task.

Dask is optional (``pip install townmerge[dask]``) and never imported unless a Dask
client is given or a scheduler address is (:func:`dask_client`).

Examples
--------
>>> list(run_tasks(pow, 2, [1, 2, 3]))
[2, 4, 8]
>>> from concurrent.futures import ThreadPoolExecutor
>>> with ThreadPoolExecutor(2) as pool:
...     list(run_tasks(pow, 3, range(4), executor=pool))
[1, 3, 9, 27]
"""

from __future__ import annotations

import copyreg
import io
import multiprocessing
import numbers
import os
import pickle
import sys
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures import as_completed as futures_completed
from types import MappingProxyType
from typing import Any, TypeVar

from ..errors import ParameterError

__all__ = ["WORKER_STATE", "check_jobs", "dask_client", "dumps", "is_dask", "loads", "run_tasks"]

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")

#: The shared objects a worker process holds, by run token and thread: process state filled
#: by the pool initializer (or on a thread's first task), never a setting.
WORKER_STATE: dict[tuple[str, int], Any] = {}


def frozen_mapping(items: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    """A read-only view of ``items`` (how :func:`dumps` rebuilds a ``MappingProxyType``)."""
    return MappingProxyType(items)


def _reduce_proxy(proxy: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return frozen_mapping, (dict(proxy),)


def dumps(obj: object) -> bytes:
    """Pickle ``obj``, read-only mappings included (``MappingProxyType`` does not pickle).

    Settings (:class:`~townmerge.config.Config`) and derived structures hold read-only
    mappings; this pickler (its own dispatch table, nothing global) stores them as
    dicts and :func:`loads` gives them back read-only.

    Examples
    --------
    >>> from townmerge.config import Config
    >>> loads(dumps(Config())) == Config()
    True
    """
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, MappingProxyType: _reduce_proxy}
    pickler.dump(obj)
    return buffer.getvalue()


def loads(blob: bytes) -> Any:
    """The object :func:`dumps` pickled."""
    return pickle.loads(blob)


def check_jobs(n_jobs: object, executor: object = None) -> int | None:
    """``n_jobs`` as a number of worker processes (None: run in this process).

    ``-1`` means every core (``os.cpu_count()``); 1 or None runs serially.

    Raises
    ------
    ParameterError
        For a value that is not a whole number >= 1 or -1, or for both ``n_jobs`` and
        ``executor``.

    Examples
    --------
    >>> check_jobs(None), check_jobs(1), check_jobs(3)
    (None, None, 3)
    >>> check_jobs(0)
    Traceback (most recent call last):
    ...
    townmerge.errors.ParameterError: n_jobs must be a whole number >= 1 (or -1: every core), \
not 0.
    """
    if n_jobs is None:
        return None
    ok = (isinstance(n_jobs, numbers.Integral) and not isinstance(n_jobs, bool)
          and (int(n_jobs) >= 1 or int(n_jobs) == -1))
    if not ok:
        raise ParameterError(f"n_jobs must be a whole number >= 1 (or -1: every core), "
                             f"not {n_jobs!r}.")
    if executor is not None:
        raise ParameterError("Give either executor= or n_jobs=, not both (n_jobs= makes a "
                             "local process pool; executor= is one you made, e.g. a Dask "
                             "client).")
    jobs = (os.cpu_count() or 1) if int(n_jobs) == -1 else int(n_jobs)  # type: ignore[call-overload]
    return None if jobs == 1 else jobs


def is_dask(executor: object) -> bool:
    """Whether ``executor`` is a Dask ``distributed.Client`` or its ``get_executor()``.

    Told by the class's module, so Dask is not imported to ask.

    Examples
    --------
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> is_dask(None), is_dask(ThreadPoolExecutor(1))
    (False, False)
    """
    return type(executor).__module__.split(".")[0] == "distributed"


def dask_client(address: str) -> Any:
    """A Dask ``distributed.Client`` connected to the scheduler at ``address``.

    Raises
    ------
    ParameterError
        When Dask is not installed (``pip install townmerge[dask]``) or the scheduler
        cannot be reached.
    """
    try:
        from distributed import Client
    except ImportError as missing:
        raise ParameterError(
            f"A Dask scheduler ({address}) needs Dask: pip install 'townmerge[dask]' "
            f"(dask[distributed]). ({missing})") from missing
    try:
        return Client(address, timeout=30)
    except (OSError, TimeoutError) as failed:
        raise ParameterError(f"Cannot reach the Dask scheduler at {address!r}: {failed}. "
                             "Start it (dask scheduler) or check the address.") from failed


# -- worker side ---------------------------------------------------------------------------------
def _slot(token: str) -> tuple[str, int]:
    """The key of run ``token`` in this thread: threads never share a copy (scorers cache)."""
    return token, threading.get_ident()


def install(token: str, blob: bytes) -> None:
    """Pool initializer: unpickle the shared object of run ``token`` into this process."""
    WORKER_STATE[_slot(token)] = loads(blob)


def call_installed(token: str, fn: Callable[[Any, T], Any], item: T) -> bytes:
    """``fn(shared, item)``, pickled, with the object :func:`install` put in this process."""
    return dumps(fn(WORKER_STATE[_slot(token)], item))


def call_with_blob(token: str, blob: bytes, fn: Callable[[Any, T], Any], item: T) -> bytes:
    """``fn(shared, item)``, pickled; ``blob`` is unpickled on this thread's first task of the run.

    A worker keeps the shared objects of the latest run only (one copy per thread).
    """
    key = _slot(token)
    shared = WORKER_STATE.get(key)
    if shared is None:
        for old in [k for k in list(WORKER_STATE) if k[0] != token]:
            WORKER_STATE.pop(old, None)
        shared = WORKER_STATE[key] = loads(blob)
    return dumps(fn(shared, item))


# -- caller side ---------------------------------------------------------------------------------
def pool_context() -> Any:
    """How the local pool starts its workers: forked on Linux, else spawned.

    A forked worker starts at once and never runs the caller's script again, so a script
    needs no ``if __name__ == "__main__":`` guard on Linux; a spawned worker (macOS,
    Windows) imports the script again, so there it needs one.

    Examples
    --------
    >>> pool_context().get_start_method() in ("fork", "spawn")
    True
    """
    fork = sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if fork else "spawn")


def _in_order(futures: list[Any], done: Iterable[Any], bar: Any) -> Iterator[Any]:
    """Results of ``futures`` in their order, each as soon as every earlier one is in."""
    def key(f: Any) -> object:
        return getattr(f, "key", None) or id(f)  # a Dask future's key, else the object

    index = {key(f): i for i, f in enumerate(futures)}
    ready: dict[int, Any] = {}
    nxt = 0
    for f in done:
        bar.update(1)
        ready[index[key(f)]] = f
        while nxt in ready:
            yield loads(ready.pop(nxt).result())
            nxt += 1


def _dask_run(client: Any, fn: Callable[[S, T], R], shared: S, items: list[T],
              bar: Any) -> Iterator[R]:
    from distributed import as_completed

    token = uuid.uuid4().hex
    handle = client.scatter(dumps(shared), broadcast=True, hash=False)
    futures = [client.submit(call_with_blob, token, handle, fn, item, pure=False)
               for item in items]
    try:
        yield from _in_order(futures, as_completed(futures), bar)
    finally:
        client.cancel([*futures, handle])


def _pool_run(submit: Callable[[T], Future[Any]], items: list[T], bar: Any) -> Iterator[Any]:
    futures = [submit(item) for item in items]
    try:
        yield from _in_order(futures, futures_completed(futures), bar)
    finally:
        for f in futures:
            f.cancel()


def run_tasks(
    fn: Callable[[S, T], R],
    shared: S,
    items: Iterable[T],
    *,
    executor: Executor | Any | None = None,
    n_jobs: int | None = None,
    progress: bool | None = None,
    desc: str = "tasks",
    unit: str = "task",
) -> Iterator[R]:
    """``fn(shared, item)`` for every item, results in the items' order.

    Parameters
    ----------
    fn : callable
        A module-level function (workers import it by name); ``fn(shared, item)``.
    shared : object
        Read by every task; shipped to each worker once (module docstring). Picklable.
    items : iterable
        One task each (small: each travels with its task).
    executor : concurrent.futures.Executor or distributed.Client, optional
        Where to run; without it and without ``n_jobs`` the tasks run here, one
        after another (no pickling).
    n_jobs : int, optional
        Worker processes of a local pool made for this call (-1: every core).
    progress : bool, optional
        A bar counting finished tasks (default: when stderr is a terminal).
    desc, unit : str
        The bar's label and unit.

    Yields
    ------
    object
        ``fn(shared, item)`` of each item in order, each as soon as it and every
        earlier one are done. An error of a task is raised at its turn; the tasks
        not yet started are then cancelled (as when the caller stops early).

    Raises
    ------
    ParameterError
        For a bad ``n_jobs`` or both ``n_jobs`` and ``executor``.

    Examples
    --------
    >>> list(run_tasks(divmod, 7, [2, 3], n_jobs=None))
    [(3, 1), (2, 1)]
    """
    from tqdm import tqdm  # not tqdm.auto: it warns on import in Jupyter without ipywidgets

    jobs = check_jobs(n_jobs, executor)
    todo = list(items)
    if not todo:
        return
    show = sys.stderr.isatty() if progress is None else progress
    with tqdm(total=len(todo), disable=not show, desc=desc, unit=unit) as bar:
        if executor is None and jobs is None:
            for item in todo:
                result = fn(shared, item)
                bar.update(1)
                yield result
            return
        if is_dask(executor):
            client = getattr(executor, "_client", executor)  # a ClientExecutor's client
            yield from _dask_run(client, fn, shared, todo, bar)
            return
        token = uuid.uuid4().hex
        if executor is None:
            blob = dumps(shared)
            workers = min(int(jobs or 1), max(len(todo), 1))
            with ProcessPoolExecutor(workers, mp_context=pool_context(),
                                     initializer=install, initargs=(token, blob)) as pool:
                del blob
                yield from _pool_run(lambda item: pool.submit(call_installed, token, fn, item),
                                     todo, bar)
            return
        data = dumps(shared)
        yield from _pool_run(lambda item: executor.submit(call_with_blob, token, data, fn, item),
                             todo, bar)


