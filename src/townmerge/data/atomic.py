"""Write files whole or not at all.

Every file townmerge writes goes through this module. The bytes go to a
temporary file in the target's own folder (so on the same file system), are
flushed and ``fsync``-ed, and only then does :func:`os.replace` put the file
in place of the target. ``os.replace`` is atomic: a reader, a crash or a
``kill -9`` sees either the previous file, byte for byte, or the complete new
one, never a truncated mix. On any failure (an exception, a full disk, a
``KeyboardInterrupt``) the temporary file is removed, folders this write
created are removed again if still empty, and the previous target is left
as it was.

Output path problems (a parent that is a file, a target that is a folder,
a full disk, a read-only folder) raise :class:`townmerge.errors.OutputError`
naming the path, the reason and the fix.

Temporary files are named ``.<name>.townmerge-tmp-<pid>-<random><suffix>``:
hidden, marked, and keeping the target's suffix (GDAL picks its driver from
it). Only a hard kill (``kill -9``, power loss) can leave one behind; it is
never read as data (townmerge reads files by their exact names), and the next
write of the same target removes it once its process ``<pid>`` is gone
(on POSIX; elsewhere it stays until removed by hand).

A folder of several files (:func:`atomic_folder`) is written file by file to
temporary files first; only when every one is complete are they renamed over
the targets, one after the other. An exception during those renames puts the
previous files back (from hard links taken just before; on a file system
without hard links the files already renamed stay new). The one window left
is a hard crash (``kill -9``, power loss) in the middle of the renames, which
take microseconds: the folder then holds some new and some previous files,
each of them whole. A folder that did not exist is removed again on failure.
Files of the folder that the writer does not name are never touched.

A symbolic link as target is written through: the file it points to is
replaced and the link kept, as :func:`open` would.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> d = Path(tempfile.mkdtemp())
>>> _ = atomic_write_text(d / "a.txt", "old")
>>> with atomic_open(d / "a.txt") as fh:
...     _ = fh.write("new, half")
...     raise RuntimeError("interrupted")
Traceback (most recent call last):
RuntimeError: interrupted
>>> (d / "a.txt").read_text(), sorted(p.name for p in d.iterdir())
('old', ['a.txt'])
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import re
import secrets
import shutil
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from ..errors import OutputError

__all__ = [
    "TEMP_MARK",
    "AtomicFolder",
    "atomic_folder",
    "atomic_open",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_write_with",
    "is_temporary",
    "output_error",
]

PathLike = str | os.PathLike[str]

#: Every temporary file's name contains this mark.
TEMP_MARK = ".townmerge-tmp-"
#: Less free space than this (bytes) after a writer failed means the disk is full.
_NEARLY_FULL = 1 << 20
_PID = re.compile(re.escape(TEMP_MARK) + r"(\d+)-")


def is_temporary(path: PathLike) -> bool:
    """Whether ``path`` names one of townmerge's temporary files.

    Examples
    --------
    >>> is_temporary(".plan.csv.townmerge-tmp-12-0a1b2c3d.csv"), is_temporary("plan.csv")
    (True, False)
    """
    return TEMP_MARK in Path(path).name


def _target_of(path: Path) -> Path:
    """The file a temporary file stands for (itself for any other path)."""
    name = path.name
    while TEMP_MARK in name and name.startswith("."):
        name = name[1:name.rindex(TEMP_MARK)]
    return path.with_name(name)


def _temp_name(target: Path) -> Path:
    token = secrets.token_hex(4)
    return target.with_name(f".{target.name}{TEMP_MARK}{os.getpid()}-{token}{target.suffix}")


def output_error(path: PathLike, exc: OSError) -> OutputError:
    """An :class:`OutputError` saying why ``path`` cannot be written and how to fix it.

    Parameters
    ----------
    path : str or PathLike
        The file or folder that was being written (a temporary name is shown
        as the target it stands for).
    exc : OSError
        What the operating system said.

    Returns
    -------
    OutputError
        With ``errno`` set from ``exc``.

    Examples
    --------
    >>> import errno
    >>> err = output_error("plan.csv", OSError(errno.ENOSPC, "No space left on device"))
    >>> print(str(err)[:68])
    Cannot write 'plan.csv': the disk is full (No space left on device).
    """
    if isinstance(exc, OutputError):
        return exc
    target = _target_of(Path(path))
    code = exc.errno
    blocker = next((p for p in reversed(target.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        reason = f"{str(blocker)!r} is a file, not a folder"
        fix = "Choose an output path inside a folder, or move that file away."
    elif isinstance(exc, IsADirectoryError):
        reason = "it is an existing folder"
        fix = "Give the path of a file (for example a name inside that folder)."
    elif code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        what = "the disk is full" if code == errno.ENOSPC else "the disk quota is used up"
        reason = f"{what} ({exc.strerror or exc})"
        fix = "Free some space or write to another disk."
    elif code == errno.EROFS:
        reason = "the file system is read-only"
        fix = "Write to a folder on another disk."
    elif isinstance(exc, PermissionError) or code in (errno.EACCES, errno.EPERM):
        reason = "permission denied (the folder or file is read-only for this user)"
        folder = target if target.is_dir() else target.parent
        fix = f"Choose a folder you can write to, or make {str(folder)!r} writable (chmod u+w)."
    else:
        reason = str(exc.strerror or exc)
        fix = "Check the path and try again."
    err = OutputError(f"Cannot write {str(target)!r}: {reason}. {fix} "
                      "Any previous file there was left as it was.")
    err.errno = code
    return err


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and missing parents; return those created (deepest last)."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    missing.reverse()
    created = []
    for p in missing:
        try:
            p.mkdir()
        except FileExistsError:
            if not p.is_dir():
                raise
            continue
        created.append(p)
    return created


def _remove_empty(created: list[Path]) -> None:
    for p in reversed(created):
        with contextlib.suppress(OSError):
            p.rmdir()


def _alive(pid: int) -> bool:
    if os.name != "posix":  # pragma: no cover - no safe liveness probe: keep the file
        return True
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _remove_stale(target: Path) -> None:
    """Remove temporaries of ``target`` left by killed processes."""
    for p in target.parent.glob(f".*{glob.escape(TEMP_MARK)}*"):
        pids = [int(x) for x in _PID.findall(p.name)]
        if _target_of(p).name == target.name and pids and not any(map(_alive, pids)):
            with contextlib.suppress(OSError):
                p.unlink()


def _through_link(path: Path) -> Path:
    """The file a symbolic link points to: it is replaced, the link is kept (as ``open`` does)."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _prepare(target: Path) -> list[Path]:
    """Check ``target`` can be a file, create its folder; return the folders created."""
    if target.is_dir():
        raise output_error(target, IsADirectoryError(errno.EISDIR, "Is a directory"))
    try:
        created = _make_parents(target.parent)
    except OSError as exc:
        raise output_error(target, exc) from exc
    _remove_stale(target)
    return created


def _create_temp(target: Path) -> tuple[int, Path]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = _temp_name(target)
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue


def _discard(tmp: Path) -> None:
    """Remove a temporary file and any side files a writer left beside it (``-journal``)."""
    for p in tmp.parent.glob(glob.escape(tmp.name) + "*"):
        with contextlib.suppress(OSError):
            p.unlink()


def _disk_full(tmp: Path) -> bool:
    """Whether the disk holding ``tmp`` has (almost) no space left."""
    try:
        return shutil.disk_usage(tmp.parent).free < _NEARLY_FULL
    except OSError:  # pragma: no cover - the folder went away
        return False


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":  # pragma: no cover - folders cannot be opened for fsync
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _install(tmp: Path, target: Path) -> None:
    """Give ``tmp`` the mode of the file it replaces, then rename it over ``target``."""
    with contextlib.suppress(OSError):
        os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
    os.replace(tmp, target)
    _fsync_dir(target.parent)


@contextlib.contextmanager
def atomic_open(path: PathLike, *, encoding: str = "utf-8",
                newline: str | None = None) -> Iterator[TextIO]:
    r"""Open a text file for writing that replaces ``path`` only when complete.

    Parameters
    ----------
    path : str or PathLike
        The target; missing parent folders are created.
    encoding : str, default "utf-8"
    newline : str, optional
        As for :func:`open`.

    Yields
    ------
    TextIO
        A handle on the temporary file; write everything, then leave the block.

    Raises
    ------
    OutputError
        When ``path`` cannot be written; the previous file is left as it was.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> out = Path(tempfile.mkdtemp()) / "sub" / "a.csv"
    >>> with atomic_open(out, newline="") as fh:
    ...     _ = fh.write("a,b\n")
    >>> out.read_text()
    'a,b\n'
    """
    target = _through_link(Path(path))
    created = _prepare(target)
    try:
        fd, tmp = _create_temp(target)
    except OSError as exc:
        _remove_empty(created)
        raise output_error(target, exc) from exc
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline=newline) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        _install(tmp, target)
    except BaseException as exc:
        _discard(tmp)
        _remove_empty(created)
        if isinstance(exc, OSError):
            raise output_error(target, exc) from exc
        raise


def atomic_write_text(path: PathLike, text: str, *, encoding: str = "utf-8",
                      newline: str | None = None) -> Path:
    """Write ``text`` to ``path`` whole or not at all (like :meth:`pathlib.Path.write_text`).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> out = atomic_write_text(Path(tempfile.mkdtemp()) / "a.html", "<p>方案</p>")
    >>> out.read_text(encoding="utf-8")
    '<p>方案</p>'
    """
    with atomic_open(path, encoding=encoding, newline=newline) as fh:
        fh.write(text)
    return Path(path)


def atomic_write_bytes(path: PathLike, data: bytes) -> Path:
    r"""Write ``data`` to ``path`` whole or not at all (like :meth:`pathlib.Path.write_bytes`).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> atomic_write_bytes(Path(tempfile.mkdtemp()) / "a.bin", b"\x00\x01").read_bytes()
    b'\x00\x01'
    """
    return atomic_write_with(path, lambda tmp: tmp.write_bytes(data))


def atomic_write_with(path: PathLike, write: Callable[[Path], object]) -> Path:
    r"""Let ``write(tmp)`` write the file at a temporary path, then put it in place of ``path``.

    For writers that take a path, not a handle: ``DataFrame.to_csv``,
    ``GeoDataFrame.to_file``, ``pyogrio.write_dataframe``. The temporary path
    is in the same folder, does not exist yet, and ends with the target's
    suffix, so GDAL picks the same driver.

    Parameters
    ----------
    path : str or PathLike
        The target; missing parent folders are created.
    write : callable
        Called once with the temporary path; must create that file.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OutputError
        When ``path`` cannot be written (an ``OSError`` from ``write`` too, or
        any error of ``write`` when the disk is then full, as GDAL reports it);
        the previous file is left as it was. Other exceptions from ``write``
        pass through unchanged, after the temporary file is removed.

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> from pathlib import Path
    >>> out = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = atomic_write_with(out, lambda tmp: pd.DataFrame({"a": [1]}).to_csv(tmp, index=False))
    >>> out.read_text()
    'a\n1\n'
    """
    target = _through_link(Path(path))
    created = _prepare(target)
    try:  # create the name once: proves the folder is writable before any work
        fd, tmp = _create_temp(target)
        os.close(fd)
        tmp.unlink()
    except OSError as exc:
        _remove_empty(created)
        raise output_error(target, exc) from exc
    try:
        write(tmp)
        if not tmp.is_file():
            raise OutputError(f"Cannot write {str(target)!r}: the writer {write!r} made no file. "
                              "This is a bug in townmerge; please report it.")
        _fsync_file(tmp)
        _install(tmp, target)
    except BaseException as exc:
        full = isinstance(exc, Exception) and not isinstance(exc, OSError) and _disk_full(tmp)
        _discard(tmp)
        _remove_empty(created)
        if full:  # GDAL reports a full disk as its own error: say what it is
            raise output_error(target, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))) from exc
        if isinstance(exc, OSError):
            raise output_error(target, exc) from exc
        raise
    return Path(path)


class AtomicFolder:
    """The files of one output folder, staged beside their targets until all are written.

    Get one from :func:`atomic_folder`; do not build it directly.

    Parameters
    ----------
    folder : pathlib.Path
        The output folder (it exists).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._staged: dict[str, Path] = {}
        self._remove: set[str] = set()

    def _target(self, name: str) -> Path:
        if not name or name in (".", "..") or Path(name).name != name or "/" in name:
            raise ValueError(f"{name!r} is not a plain file name.")  # a bug, not the user's
        target = self.folder / name
        if target.is_dir():
            raise output_error(target, IsADirectoryError(errno.EISDIR, "Is a directory"))
        return target

    def path(self, name: str) -> Path:
        """Where to write the file ``name`` of the folder for now (pass it to any writer).

        The file moves to ``folder / name`` when the ``with`` block ends without error.
        """
        target = self._target(name)
        if name in self._staged:
            return self._staged[name]
        _remove_stale(target)
        tmp = _temp_name(target)
        self._staged[name] = tmp
        self._remove.discard(name)
        return tmp

    def remove(self, name: str) -> None:
        """Remove ``folder / name``, if there, when the others are put in place."""
        self._target(name)
        if name in self._staged:
            _discard(self._staged.pop(name))
        self._remove.add(name)

    def names(self) -> list[str]:
        """Names of the files staged so far, in order."""
        return list(self._staged)

    def _discard(self) -> None:
        for tmp in self._staged.values():
            _discard(tmp)

    def _commit(self) -> None:
        for name, tmp in self._staged.items():
            if not tmp.is_file():
                raise OutputError(f"Cannot write {str(self.folder / name)!r}: nothing was "
                                  "written to it. This is a bug in townmerge; please report it.")
            _fsync_file(tmp)
        done: list[tuple[Path, Path | None, bool]] = []  # target, backup, existed
        backups: list[Path] = []
        try:
            for name in [*self._staged, *sorted(self._remove)]:
                target = self.folder / name
                existed = target.is_file()
                backup = None
                if existed:
                    backup = _temp_name(target)
                    try:
                        os.link(target, backup)
                        backups.append(backup)
                    except OSError:  # no hard links here: cannot undo this one
                        backup = None
                if name in self._staged:
                    with contextlib.suppress(OSError):
                        os.chmod(self._staged[name], stat.S_IMODE(target.stat().st_mode))
                    os.replace(self._staged[name], target)
                elif existed:
                    target.unlink()
                done.append((target, backup, existed))
        except BaseException:
            for target, backup, existed in reversed(done):
                with contextlib.suppress(OSError):
                    if backup is not None:
                        os.replace(backup, target)
                    elif not existed:
                        target.unlink()
            raise
        finally:
            for backup in backups:
                with contextlib.suppress(OSError):
                    backup.unlink()
            self._discard()
            _fsync_dir(self.folder)


@contextlib.contextmanager
def atomic_folder(path: PathLike) -> Iterator[AtomicFolder]:
    """Write several files of one folder so that all are replaced, or none.

    Inside the block, write each file to ``files.path(name)`` (with any
    writer, atomic or not); when the block ends without error every file is
    renamed over ``folder / name`` (see the module's note on the one window
    left). On an error the staged files are removed, the folder's previous
    files are left as they were, and the folder, if this call created it, is
    removed again.

    Parameters
    ----------
    path : str or PathLike
        The output folder; created with its parents when missing.

    Yields
    ------
    AtomicFolder

    Raises
    ------
    OutputError
        When the folder cannot be created or written.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> d = Path(tempfile.mkdtemp()) / "out"
    >>> with atomic_folder(d) as files:
    ...     _ = atomic_write_text(files.path("a.txt"), "a")
    ...     _ = atomic_write_text(files.path("b.txt"), "b")
    >>> sorted(p.name for p in d.iterdir())
    ['a.txt', 'b.txt']
    >>> with atomic_folder(d) as files:
    ...     _ = atomic_write_text(files.path("a.txt"), "A")
    ...     raise RuntimeError("interrupted")
    Traceback (most recent call last):
    RuntimeError: interrupted
    >>> (d / "a.txt").read_text(), sorted(p.name for p in d.iterdir())
    ('a', ['a.txt', 'b.txt'])
    """
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"Cannot write the folder {str(folder)!r}: it is a file, not a folder. "
                          "Give the path of a folder, or move that file away. "
                          "The file was left as it was.")
    try:
        created = _make_parents(folder)
    except OSError as exc:
        raise output_error(folder, exc) from exc
    files = AtomicFolder(folder)
    try:
        yield files
        try:
            files._commit()
        except OSError as exc:
            raise output_error(folder, exc) from exc
    except BaseException:
        files._discard()
        _remove_empty(created)
        raise
