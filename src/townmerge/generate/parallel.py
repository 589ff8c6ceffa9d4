"""Independent tasks on any ``concurrent.futures.Executor``, with shared data shipped once.

Ensemble members (:func:`townmerge.generate.ensemble.iter_ensemble`) and the counties of a
province run (:func:`townmerge.evaluate.province.plan_province`) are independent tasks
that all read one large object: the study area with its derived structures (adjacency,
travel network, flows, the scorer built on them). :func:`run_tasks` runs
``fn(shared, item)`` for every item and hands the results back **in the order of the
items**, whatever order they finish in, so a run gives the same results serially, on a
local process pool and on a Dask cluster. ``shared`` travels to each worker once:

- by default (``n_jobs="auto"``) the first task runs here, and when it took
  :data:`AUTO_SECONDS` or more the others go to a local pool of every core (below);
  quick runs never start a worker;
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
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures import as_completed as futures_completed
from types import MappingProxyType
from typing import Any, TypeVar

from ..errors import ParameterError

__all__ = ["AUTO_SECONDS", "WORKER_STATE", "check_jobs", "dask_client", "dumps", "is_dask",
           "loads", "run_tasks"]

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")

#: With ``n_jobs="auto"``, the tasks after the first go to a pool of every core when the first
#: took at least this many seconds; quicker runs stay in this process, where starting
#: workers and shipping the set-up would cost more than they save.
AUTO_SECONDS = 1.0

OnDone = Callable[[int, Any], None]

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


def check_jobs(n_jobs: object, executor: object = None) -> int | str | None:
    """``n_jobs`` as a number of worker processes (None: run in this process).

    ``-1`` means every core (``os.cpu_count()``); 1 or None runs serially; ``"auto"``
    (the default of every call that takes ``n_jobs``) is kept as it is: :func:`run_tasks`
    decides after the first task.

    Raises
    ------
    ParameterError
        For a value that is not a whole number >= 1 or -1, or for both ``n_jobs`` and
        ``executor``.

    Examples
    --------
    >>> check_jobs(None), check_jobs(1), check_jobs(3), check_jobs("auto")
    (None, None, 3, 'auto')
    >>> check_jobs(0)
    Traceback (most recent call last):
    ...
    townmerge.errors.ParameterError: n_jobs must be a whole number >= 1 (or -1: every core, \
'auto': every core when it pays), not 0.
    """
    if n_jobs is None:
        return None
    if isinstance(n_jobs, str) and n_jobs == "auto":
        return "auto"
    ok = (isinstance(n_jobs, numbers.Integral) and not isinstance(n_jobs, bool)
          and (int(n_jobs) >= 1 or int(n_jobs) == -1))
    if not ok:
        raise ParameterError(f"n_jobs must be a whole number >= 1 (or -1: every core, "
                             f"'auto': every core when it pays), not {n_jobs!r}.")
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


def _in_order(futures: list[Any], done: Iterable[Any], bar: Any, on_done: OnDone,
              offset: int = 0) -> Iterator[Any]:
    """Results of ``futures`` in their order, each as soon as every earlier one is in.

    ``on_done(index, result)`` is called as each task finishes, in the order they finish, so
    that a caller can keep every finished result of a run that is cut short. A task's error
    is raised at its turn.
    """
    def key(f: Any) -> object:
        return getattr(f, "key", None) or id(f)  # a Dask future's key, else the object

    index = {key(f): i for i, f in enumerate(futures)}
    ready: dict[int, tuple[bool, Any]] = {}
    nxt = 0
    for f in done:
        bar.update(1)
        i = index[key(f)]
        try:
            value = loads(f.result())
        except Exception as failed:  # raised at its turn, after every earlier result
            ready[i] = (False, failed)
        else:
            ready[i] = (True, value)
            on_done(offset + i, value)
        while nxt in ready:
            ok, value = ready.pop(nxt)
            if not ok:
                raise value
            yield value
            nxt += 1


def _dask_run(client: Any, fn: Callable[[S, T], R], shared: S, items: list[T],
              bar: Any, on_done: OnDone) -> Iterator[R]:
    from distributed import as_completed

    token = uuid.uuid4().hex
    handle = client.scatter(dumps(shared), broadcast=True, hash=False)
    futures = [client.submit(call_with_blob, token, handle, fn, item, pure=False)
               for item in items]
    try:
        yield from _in_order(futures, as_completed(futures), bar, on_done)
    finally:
        client.cancel([*futures, handle])


def _pool_run(submit: Callable[[T], Future[Any]], items: list[T], bar: Any, on_done: OnDone,
              offset: int = 0) -> Iterator[Any]:
    futures = [submit(item) for item in items]
    try:
        yield from _in_order(futures, futures_completed(futures), bar, on_done, offset)
    finally:
        for f in futures:
            f.cancel()


def _local_pool(fn: Callable[[Any, T], Any], blob: bytes, items: list[T], workers: int,
                bar: Any, on_done: OnDone, offset: int = 0) -> Iterator[Any]:
    """The items on a local process pool whose initializer installs ``blob`` once a worker."""
    token = uuid.uuid4().hex
    with ProcessPoolExecutor(workers, mp_context=pool_context(), initializer=install,
                             initargs=(token, blob)) as pool:
        del blob
        yield from _pool_run(lambda item: pool.submit(call_installed, token, fn, item),
                             items, bar, on_done, offset)


def _here(fn: Callable[[S, T], R], shared: S, items: list[T], bar: Any, on_done: OnDone,
          offset: int = 0) -> Iterator[R]:
    for i, item in enumerate(items):
        result = fn(shared, item)
        bar.update(1)
        on_done(offset + i, result)
        yield result


def _auto_run(fn: Callable[[S, T], R], shared: S, items: list[T], bar: Any,
              on_done: OnDone) -> Iterator[R]:
    """The first task here; the others on every core when the first took long enough."""
    t0 = time.perf_counter()
    yield from _here(fn, shared, items[:1], bar, on_done)
    rest = items[1:]
    cores = os.cpu_count() or 1
    blob = None
    if rest and cores > 1 and time.perf_counter() - t0 >= AUTO_SECONDS:
        try:
            blob = dumps(shared)
        except Exception:  # what does not pickle (a scorer of the caller's) runs here
            blob = None
    if blob is None:
        yield from _here(fn, shared, rest, bar, on_done, offset=1)
        return
    yield from _local_pool(fn, blob, rest, min(cores, len(rest)), bar, on_done, offset=1)


def _ignore(index: int, result: Any) -> None:
    """The default ``on_done``: nothing to keep."""


def run_tasks(
    fn: Callable[[S, T], R],
    shared: S,
    items: Iterable[T],
    *,
    executor: Executor | Any | None = None,
    n_jobs: int | str | None = "auto",
    progress: bool | None = None,
    desc: str = "tasks",
    unit: str = "task",
    on_done: Callable[[int, R], None] | None = None,
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
        Where to run (``n_jobs`` is then ignored when left at ``"auto"``).
    n_jobs : int, "auto" or None, default "auto"
        Without an executor: ``"auto"`` runs the first task here and, when it took
        :data:`AUTO_SECONDS` or more and the machine has several cores, the others on a
        local process pool of every core (a ``shared`` that does not pickle keeps them
        here); a number is the worker processes of a local pool made for this call (-1:
        every core); ``None`` or 1 runs every task here, one after another (no pickling).
    progress : bool, optional
        A bar counting finished tasks (default: when stderr is a terminal).
    desc, unit : str
        The bar's label and unit.
    on_done : callable, optional
        ``on_done(index, result)`` as each task finishes, in the order they finish (the
        results are yielded in the items' order): a run cut short has handed over every
        result finished by then.

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
    >>> finished = []
    >>> list(run_tasks(divmod, 7, [2, 3], on_done=lambda i, r: finished.append(i)))
    [(3, 1), (2, 1)]
    >>> finished
    [0, 1]
    """
    from tqdm import tqdm  # not tqdm.auto: it warns on import in Jupyter without ipywidgets

    jobs = check_jobs(n_jobs, executor)
    todo = list(items)
    if not todo:
        return
    done: OnDone = on_done if on_done is not None else _ignore
    show = sys.stderr.isatty() if progress is None else progress
    with tqdm(total=len(todo), disable=not show, desc=desc, unit=unit) as bar:
        if executor is None and jobs == "auto":
            yield from _auto_run(fn, shared, todo, bar, done)
        elif executor is None and jobs is None:
            yield from _here(fn, shared, todo, bar, done)
        elif is_dask(executor):
            client = getattr(executor, "_client", executor)  # a ClientExecutor's client
            yield from _dask_run(client, fn, shared, todo, bar, done)
        elif executor is None:
            workers = min(int(jobs or 1), max(len(todo), 1))
            yield from _local_pool(fn, dumps(shared), todo, workers, bar, done)
        else:
            token = uuid.uuid4().hex
            data = dumps(shared)
            yield from _pool_run(
                lambda item: executor.submit(call_with_blob, token, data, fn, item),
                todo, bar, done)
