"""Checked argument types of the ``townmerge`` command.

Each function turns one command-line value into a number (or a pair) or raises
:class:`argparse.ArgumentTypeError` with a message saying what is expected, so
that a bad number is a usage error (exit status 2) before any work is done:
negative or zero counts, NaN and infinity are refused everywhere.

Examples
--------
>>> positive_int("13")
13
>>> positive_int("0")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: expected a whole number >= 1, got '0'
>>> bound_item("population_cv=0.6")
('population_cv', 0.6)
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from ..score.figures import BETTER

__all__ = [
    "bound_item",
    "non_negative_int",
    "positive_float",
    "positive_int",
    "quotas",
]


def _whole(text: str, low: int) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number >= {low}, got {text!r}") from None
    if value < low:
        raise argparse.ArgumentTypeError(f"expected a whole number >= {low}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """A whole number >= 1 (``--target``, ``-n``, ``--top``).

    Examples
    --------
    >>> positive_int(" 5 ")
    5
    """
    return _whole(text, 1)


def non_negative_int(text: str) -> int:
    """A whole number >= 0 (``--seed``).

    Examples
    --------
    >>> non_negative_int("0")
    0
    """
    return _whole(text, 0)


def _finite(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r} (NaN and infinity "
                                         "are not allowed)")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0 (``--time-limit`` in seconds).

    Examples
    --------
    >>> positive_float("2.5")
    2.5
    >>> positive_float("nan")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a number > 0, got 'nan' (NaN and infinity are not allowed)
    """
    value = _finite(text, "a number > 0")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def bound_item(text: str) -> tuple[str, float]:
    """``NAME=VALUE`` of ``--bound``: a known neutral figure and a finite number.

    Examples
    --------
    >>> bound_item("nonsense")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: takes NAME=VALUE, e.g. population_cv=0.6; got 'nonsense'
    """
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise argparse.ArgumentTypeError(
            f"takes NAME=VALUE, e.g. population_cv=0.6; got {text!r}")
    if name not in BETTER:
        raise argparse.ArgumentTypeError(
            f"unknown figure {name!r}; the figures are {', '.join(BETTER)}")
    return name, _finite(value, f"a number after {name}=")


def quotas(count: int, names: str) -> Callable[[str], tuple[int, ...]]:
    """A type for ``count`` comma-separated whole numbers >= 0 (``--town-quotas``).

    Examples
    --------
    >>> quotas(2, "中心村,特色村")("58,20")
    (58, 20)
    """

    def parse(text: str) -> tuple[int, ...]:
        parts = [p.strip() for p in text.split(",")]
        try:
            values = tuple(int(p) for p in parts)
        except ValueError:
            values = ()
        if len(values) != count or any(v < 0 for v in values):
            raise argparse.ArgumentTypeError(
                f"expected {count} whole numbers >= 0 separated by commas (the counts of "
                f"{names}), got {text!r}")
        return values

    return parse
