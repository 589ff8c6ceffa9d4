"""Problems found in the input layers, the report that lists them, and their wording.

A :class:`Problem` is one finding (an error, which stops a study area from being built, or
a warning) that names the features concerned by id *and* name, says what was expected and
how to fix the input; a :class:`ValidationReport` lists them, errors first, and raises or
warns about them at once. The checks of :mod:`townmerge.data.validation` and the ``check_``
modules build them; :func:`plural`, :func:`are`, :func:`and_list` and
:func:`distance_text` are the wording their messages share.

Examples
--------
>>> p = Problem("warning", "island", "units", "C (丙镇) touches no unit.", ("C",))
>>> ValidationReport((p,)).ok
True
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import pandas as pd

from ..errors import CRSError, InputError, TopologyWarning

__all__ = [
    "CRS_CODES",
    "LayerName",
    "Problem",
    "Severity",
    "ValidationReport",
    "and_list",
    "are",
    "distance_text",
    "plural",
]

Severity = Literal["error", "warning"]
LayerName = Literal["units", "settlements", "flows", "roads"]

#: Codes of the problems about coordinate reference systems.
CRS_CODES = frozenset({"missing-crs", "bad-crs", "crs-mismatch"})


@dataclass(frozen=True)
class Problem:
    """One problem found in the input layers.

    Attributes
    ----------
    severity : {"error", "warning"}
        Errors are fatal: a study area is not built while any remains.
    code : str
        Short stable slug such as ``"overlap"`` or ``"gap"``.
    layer : {"units", "settlements", "flows", "roads"}
        The layer concerned.
    message : str
        A full sentence: what is wrong, which features (ids and names), what
        was expected and how to fix it.
    ids : tuple of str
        Every offending id (for flows ``"origin→destination"``).
    figures : mapping of str to float
        Measurements such as ``{"area_m2": 1250.0}``.

    Examples
    --------
    >>> p = Problem("error", "overlap", "units", "A (甲镇) and B (乙镇) overlap.", ("A", "B"))
    >>> str(p)
    '[error] units: A (甲镇) and B (乙镇) overlap.'
    """

    severity: Severity
    code: str
    layer: LayerName
    message: str
    ids: tuple[str, ...] = ()
    figures: Mapping[str, float] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.severity not in ("error", "warning"):
            raise ValueError(f"severity must be 'error' or 'warning', not {self.severity!r}")
        object.__setattr__(self, "ids", tuple(str(i) for i in self.ids))
        frozen = {str(k): float(v) for k, v in dict(self.figures).items()}
        object.__setattr__(self, "figures", MappingProxyType(frozen))

    def __reduce__(self) -> tuple[type[Problem], tuple[object, ...]]:
        # the read-only figures view does not pickle: rebuild it from a plain dict
        return (Problem, (self.severity, self.code, self.layer, self.message, self.ids,
                          dict(self.figures)))

    @property
    def is_error(self) -> bool:
        """Whether the problem is fatal."""
        return self.severity == "error"

    def __str__(self) -> str:
        return f"[{self.severity}] {self.layer}: {self.message}"


@dataclass(frozen=True)
class ValidationReport:
    """Every problem found by :func:`~townmerge.data.validation.check_layers`, errors first.

    Examples
    --------
    >>> r = ValidationReport((Problem("warning", "island", "units", "C (丙镇) touches no unit.",
    ...                               ("C",)),))
    >>> r.ok, len(r.errors), len(r.warnings)
    (True, 0, 1)
    >>> print(r)
    0 errors, 1 warning
      [warning] units: C (丙镇) touches no unit.
    """

    problems: tuple[Problem, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "problems", tuple(self.problems))

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The fatal problems."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """The non-fatal problems."""
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def ok(self) -> bool:
        """Whether there is no fatal problem (warnings allowed)."""
        return not self.errors

    @property
    def codes(self) -> tuple[str, ...]:
        """The distinct problem codes, in report order."""
        return tuple(dict.fromkeys(p.code for p in self.problems))

    def __str__(self) -> str:
        head = f"{plural(len(self.errors), 'error')}, {plural(len(self.warnings), 'warning')}"
        if not self.problems:
            return head + ": the layers passed every check."
        return "\n".join([head, *(f"  {p}" for p in self.problems)])

    def raise_if_errors(self) -> None:
        """Raise :class:`~townmerge.errors.InputError` listing every fatal problem.

        A :class:`~townmerge.errors.CRSError` (a subclass) is raised when every
        fatal problem is about coordinate reference systems.

        Raises
        ------
        InputError
            When there is at least one error; ``problems`` holds them.

        Examples
        --------
        >>> ValidationReport().raise_if_errors()
        >>> bad = Problem("error", "missing-crs", "units", "The units layer has no CRS.")
        >>> ValidationReport((bad,)).raise_if_errors()
        Traceback (most recent call last):
        ...
        townmerge.errors.CRSError: The study area has 1 fatal problem; fix the input and try again:
          - [error] units: The units layer has no CRS.
        """
        errors = self.errors
        if not errors:
            return
        n_warn = len(self.warnings)
        also = f" (and {plural(n_warn, 'warning')})" if n_warn else ""
        message = (f"The study area has {plural(len(errors), 'fatal problem')}{also}; "
                   "fix the input and try again:")
        cls = CRSError if all(p.code in CRS_CODES for p in errors) else InputError
        raise cls(message, problems=errors)

    def warn(self, stacklevel: int = 2) -> None:
        """Issue one :class:`~townmerge.errors.TopologyWarning` per warning.

        Examples
        --------
        >>> ValidationReport().warn()
        """
        for p in self.warnings:
            warnings.warn(str(p), TopologyWarning, stacklevel=stacklevel + 1)

    def to_frame(self) -> pd.DataFrame:
        """The problems as a table, one line each.

        Returns
        -------
        DataFrame
            Columns ``severity``, ``code``, ``layer``, ``message``, ``n_ids``,
            ``ids`` (tuple) and ``figures`` (dict).

        Examples
        --------
        >>> p = Problem("error", "duplicate-id", "units", "A is used twice.", ("A",))
        >>> ValidationReport((p,)).to_frame()[["severity", "code", "n_ids"]]
          severity          code  n_ids
        0    error  duplicate-id      1
        """
        columns = ["severity", "code", "layer", "message", "n_ids", "ids", "figures"]
        return pd.DataFrame(
            [[p.severity, p.code, p.layer, p.message, len(p.ids), p.ids, dict(p.figures)]
             for p in self.problems],
            columns=columns,
        )


def plural(n: int, word: str, plural: str | None = None) -> str:
    """A count and its noun, singular or plural: ``plural(2, "unit") == "2 units"``.

    Examples
    --------
    >>> plural(1, "unit"), plural(1200, "gap"), plural(2, "settlement id")
    ('1 unit', '1,200 gaps', '2 settlement ids')
    """
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def are(n: int) -> str:
    """``"is"`` for one, ``"are"`` for several.

    Examples
    --------
    >>> are(1), are(3)
    ('is', 'are')
    """
    return "is" if n == 1 else "are"


def and_list(labels: Iterable[str]) -> str:
    """Labels joined in prose: ``a, b and c``; past four, ``and n more``.

    Examples
    --------
    >>> and_list(["A", "B", "C"])
    'A, B and C'
    >>> and_list("ABCDEF")
    'A, B, C, D and 2 more'
    """
    items = list(labels)
    if len(items) <= 1:
        return "".join(items)
    shown = items[:4]
    rest = f" and {len(items) - 4} more" if len(items) > 4 else ""
    if rest:
        return ", ".join(shown) + rest
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def distance_text(d: float) -> str:
    """A distance in metres as text: metres below 1 km, else kilometres.

    Examples
    --------
    >>> distance_text(350.4), distance_text(12_345)
    ('350 m', '12.3 km')
    """
    return f"{d / 1000:,.1f} km" if d >= 1000 else f"{d:,.0f} m"
