r"""Read the text files of an input (CSV tables, TOML settings) with clear errors.

CSV files come from spreadsheets and statistics offices in two encodings:
UTF-8 (with or without the byte-order mark Excel writes) and GB18030/GBK
(Excel's default on Chinese Windows). Without an ``encoding`` the bytes are
decoded as UTF-8 (a BOM is dropped) and, failing that, as GB18030, a superset
of GBK and GB2312; a file that is neither must be given its encoding
(``encoding="big5"``, ``--encoding big5``). A missing, unreadable, empty or
undecodable file raises :class:`~townmerge.errors.InputError` naming the file
and saying how to fix it.

Examples
--------
>>> import pathlib, tempfile
>>> f = pathlib.Path(tempfile.mkdtemp()) / "plan.csv"
>>> _ = f.write_bytes("unit_id,new_name\nA,城关镇\n".encode("gbk"))
>>> read_csv_table(f, "plan").loc[0, "new_name"]
'城关镇'
"""

from __future__ import annotations

import codecs
import io
import os
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError

__all__ = ["AUTO_ENCODINGS", "decode_text", "read_bytes", "read_csv_table"]

#: Encodings tried in turn when none is given.
AUTO_ENCODINGS = ("utf-8-sig", "gb18030")


def read_bytes(path: str | os.PathLike[str], what: str) -> bytes:
    """The bytes of an input file, or an InputError naming it.

    Parameters
    ----------
    path : str or PathLike
    what : str
        What the file is, for messages (``"plan"``, ``"flows table"``).

    Returns
    -------
    bytes

    Examples
    --------
    >>> read_bytes("/no/such/plan.csv", "plan")
    Traceback (most recent call last):
    ...
    townmerge.errors.InputError: The plan file '/no/such/plan.csv' does not exist; check the path.
    """
    p = Path(path)
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"The {what} file {str(p)!r} does not exist; check the path.") from None
    except IsADirectoryError:
        raise InputError(f"The {what} file {str(p)!r} is a folder; give the file inside "
                         "it.") from None
    except OSError as exc:
        raise InputError(f"Cannot read the {what} file {str(p)!r}: {exc.strerror or exc}. "
                         "Check that it exists and that you may read it.") from None


def decode_text(data: bytes, path: str | os.PathLike[str], what: str,
                encoding: str | None = None) -> str:
    """Decode a file's bytes: ``encoding`` if given, else UTF-8 then GB18030.

    Parameters
    ----------
    data : bytes
    path : str or PathLike
        For messages.
    what : str
        What the file is, for messages.
    encoding : str, optional
        A Python codec name (``"utf-8"``, ``"gbk"``, ``"big5"``, ``"latin-1"``).

    Returns
    -------
    str

    Examples
    --------
    >>> decode_text("乡镇".encode("utf-8-sig"), "x.csv", "flows table")
    '乡镇'
    >>> decode_text("乡镇".encode("gbk"), "x.csv", "flows table")
    '乡镇'
    """
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"Unknown encoding {encoding!r} for the {what} file {str(path)!r}; "
                             "give a Python codec name such as utf-8, gb18030, gbk, big5 or "
                             "latin-1.") from None
        if codecs.lookup(encoding).name == "utf-8":
            encoding = "utf-8-sig"  # an explicit UTF-8 still drops Excel's byte-order mark
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise InputError(
                f"The {what} file {str(path)!r} is not valid {encoding} (byte {exc.start:,} "
                f"cannot be decoded). Give its real encoding (--encoding / encoding=), or "
                "save it again as UTF-8.") from None
    for candidate in AUTO_ENCODINGS:
        try:
            return data.decode(candidate)
        except UnicodeDecodeError:
            continue
    raise InputError(
        f"The {what} file {str(path)!r} is neither UTF-8 nor GB18030/GBK text. Give its "
        "encoding with --encoding (encoding= in Python), e.g. --encoding utf-16 or "
        "--encoding big5, or save it again as UTF-8 (CSV UTF-8 in Excel).")


def read_csv_table(path: str | os.PathLike[str], what: str, *, encoding: str | None = None,
                   **read_csv: Any) -> pd.DataFrame:
    """Read a CSV file into a DataFrame, decoding it as :func:`decode_text` does.

    Parameters
    ----------
    path : str or PathLike
    what : str
        What the file is, for messages (``"plan"``, ``"flows table"``).
    encoding : str, optional
        Overrides the detection.
    **read_csv
        Passed to :func:`pandas.read_csv`.

    Returns
    -------
    DataFrame
        Possibly without rows (a header alone): the caller decides whether that is allowed.

    Raises
    ------
    InputError
        For a missing or unreadable file, one without a header line, text
        that cannot be decoded or that is not CSV.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "flows.csv"
    >>> _ = f.write_bytes(b"")
    >>> read_csv_table(f, "flows table")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    townmerge.errors.InputError: The flows table file '...flows.csv' is empty ...
    """
    text = decode_text(read_bytes(path, what), path, what, encoding)
    if not text.strip():
        raise InputError(f"The {what} file {str(path)!r} is empty (no header line, no rows). "
                         "Fill it in, or remove it if it is optional.")
    try:
        return pd.read_csv(io.StringIO(text), **read_csv)
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"The {what} file {str(path)!r} is not a readable CSV table ({first}). "
                         "Save it as comma-separated values with one header line.") from None
