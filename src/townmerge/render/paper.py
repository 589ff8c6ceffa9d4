r"""Matplotlib for print: paper sizes, fonts, literal text, shapes, and atomic saving.

The shared ground of :mod:`townmerge.render.plots` and :mod:`townmerge.render.charts`.
Figures are built as :class:`matplotlib.figure.Figure` on the Agg canvas, never through
``pyplot``: no display is needed and no global state changes. Names from data are drawn as
text only (:func:`plain`); Chinese needs a CJK font (:func:`cjk_font`), and without one a
figure still draws, with a warning saying what to install.

Examples
--------
>>> fig = new_figure("A4", "portrait")
>>> fig.get_size_inches().round(2).tolist()
[8.27, 11.69]
>>> print(plain(r"$\alpha$ 甲镇"))
\$\alpha\$ 甲镇
"""

from __future__ import annotations

import contextlib
import functools
import os
import warnings
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

import matplotlib as mpl
import numpy as np
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import fontManager
from matplotlib.path import Path as MplPath
from matplotlib.text import Text

from ..data.atomic import atomic_write_with
from ..errors import ParameterError
from ..i18n import check_lang

__all__ = [
    "CJK_FONTS",
    "FORMATS",
    "PAPER_MM",
    "cjk_font",
    "finish",
    "font_families",
    "line_collection",
    "new_figure",
    "plain",
    "polygon_collection",
    "save_figure",
]

#: Paper sizes in millimetres, landscape (width, height).
PAPER_MM = MappingProxyType({"A4": (297.0, 210.0), "A3": (420.0, 297.0)})

#: Formats a figure is saved to.
FORMATS: tuple[str, ...] = ("png", "svg", "pdf")

#: CJK font families looked for, best first.
CJK_FONTS: tuple[str, ...] = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK JP", "Microsoft YaHei",
    "SimHei", "PingFang SC", "Heiti SC", "Droid Sans Fallback", "AR PL UMing CN",
)

_LATIN = "DejaVu Sans"


def paper_inches(size: str, orientation: str) -> tuple[float, float]:
    """Width and height in inches of paper ``size`` ("A4", "A3") in ``orientation``.

    Examples
    --------
    >>> [round(x, 2) for x in paper_inches("A3", "landscape")]  # inches
    [16.54, 11.69]
    """
    problems = []
    if size not in PAPER_MM:
        problems.append(f"size {size!r} is not one of {', '.join(PAPER_MM)}")
    if orientation not in ("landscape", "portrait"):
        problems.append(f"orientation {orientation!r} is neither 'landscape' nor 'portrait'")
    if problems:
        raise ParameterError("Cannot size the figure; give a supported paper size.", problems)
    w, h = PAPER_MM[size]
    if orientation == "portrait":
        w, h = h, w
    return w / 25.4, h / 25.4


def new_figure(size: str = "A4", orientation: str = "landscape") -> Figure:
    """An empty figure of a paper size on the Agg canvas (no display, no ``pyplot``).

    Parameters
    ----------
    size : {"A4", "A3"}
    orientation : {"landscape", "portrait"}

    Raises
    ------
    ParameterError
        For another size or orientation.

    Examples
    --------
    >>> new_figure("A3").canvas.get_width_height()
    (1653, 1169)
    """
    fig = Figure(figsize=paper_inches(size, orientation), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


@functools.cache
def cjk_font() -> str | None:
    """The name of an installed CJK font family matplotlib can use, or None.

    Examples
    --------
    >>> cjk_font() is None or cjk_font() in CJK_FONTS
    True
    """
    have = {f.name for f in fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in have), None)


def font_families() -> list[str]:
    """Font families for every text: the CJK font first (it has Latin too), then DejaVu Sans.

    Examples
    --------
    >>> font_families()[-1]
    'DejaVu Sans'
    """
    cjk = cjk_font()
    return [cjk, _LATIN] if cjk else [_LATIN]


def plain(text: object) -> str:
    r"""``text`` as matplotlib draws it literally: every ``$`` escaped, so never mathtext.

    Examples
    --------
    >>> plain("a$b$")
    'a\\$b\\$'
    >>> plain(None)
    ''
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    return str(text).replace("$", r"\$")


def _has_cjk(text: str) -> bool:
    return any(ord(c) >= 0x2E80 for c in text)


def finish(fig: Figure, lang: str) -> Figure:
    """Make every text of ``fig`` literal (no TeX) and set the fonts that draw it.

    Ticks are laid out first (without rendering) so that their labels are
    included. Warns once per call when there is Chinese text and no CJK font.

    Examples
    --------
    >>> fig = new_figure()
    >>> _ = fig.suptitle("调整后")
    >>> finish(fig, "zh").texts[0].get_usetex()
    False
    """
    check_lang(lang)
    families = font_families()
    with mpl.rc_context(_rc()), _quiet_glyphs():  # type: ignore[arg-type]
        fig.draw_without_rendering()
    cjk_seen = lang == "zh"
    for t in fig.findobj(Text):
        t.set_usetex(False)
        t.set_fontfamily(families)
        cjk_seen = cjk_seen or _has_cjk(t.get_text())
    if cjk_seen and cjk_font() is None:
        warnings.warn(
            "No CJK font found (looked for " + ", ".join(CJK_FONTS[:5]) + " …): Chinese "
            "text will show as empty boxes. Install one (Debian: apt-get install "
            "fonts-noto-cjk or fonts-wqy-microhei), then remove matplotlib's font cache.",
            UserWarning, stacklevel=3)
    return fig


@contextlib.contextmanager
def _quiet_glyphs() -> Iterator[None]:
    """Without a CJK font, one warning (:func:`finish`) instead of one per missing glyph."""
    with warnings.catch_warnings():
        if cjk_font() is None:
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
        yield


def _rc() -> dict[str, Any]:
    return {"font.family": "sans-serif", "font.sans-serif": font_families(),
            "text.usetex": False, "svg.fonttype": "none", "svg.hashsalt": "townmerge",
            "pdf.fonttype": 42, "axes.unicode_minus": False}


def save_figure(fig: Figure, path: str | os.PathLike[str], *, fmt: str | None = None,
                dpi: float = 150) -> Path:
    """Save ``fig`` to ``path`` whole or not at all (temporary file, then ``os.replace``).

    Parameters
    ----------
    fig : Figure
    path : str or PathLike
    fmt : {"png", "svg", "pdf"}, optional
        Default: the suffix of ``path``.
    dpi : float, default 150
        Resolution of a PNG.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ParameterError
        For an unsupported format.
    OutputError
        When ``path`` cannot be written; a previous file stays as it was.

    Notes
    -----
    SVG keeps its text as text (searchable, editable); PDF embeds TrueType
    fonts. Neither records a creation date, so the same figure gives the same
    bytes.

    Examples
    --------
    >>> import tempfile
    >>> fig = new_figure()
    >>> out = save_figure(fig, Path(tempfile.mkdtemp()) / "blank.svg")
    >>> out.read_text(encoding="utf-8").startswith("<?xml")
    True
    """
    fmt = (fmt or Path(path).suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ParameterError(f"Cannot save a figure as {fmt or 'a file without a suffix'!r}; "
                             f"use one of {', '.join(FORMATS)} (the file's suffix or fmt=).")
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt)

    def write(tmp: Path) -> None:
        with mpl.rc_context(_rc()), _quiet_glyphs():  # type: ignore[arg-type]
            fig.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata)

    return atomic_write_with(path, write)


# -- shapes -------------------------------------------------------------------------------------
def polygon_collection(geoms: Sequence[shapely.Geometry] | np.ndarray,
                       **kwargs: object) -> PathCollection:
    """One compound path per (multi)polygon, holes as holes, as a matplotlib collection.

    Examples
    --------
    >>> c = polygon_collection([shapely.box(0, 0, 1, 1)], facecolors=["red"])
    >>> len(c.get_paths()), c.get_paths()[0].vertices.shape
    (1, (5, 2))
    """
    arr = shapely.orient_polygons(np.asarray(geoms, dtype=object))
    parts, owner = shapely.get_parts(arr, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    codes = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
    starts = np.r_[0, np.flatnonzero(np.diff(ring_of)) + 1] if len(xy) else np.zeros(0, int)
    codes[starts] = MplPath.MOVETO
    codes[np.r_[starts[1:] - 1, len(xy) - 1] if len(xy) else starts] = MplPath.CLOSEPOLY
    geom_of_point = owner[ring_part[ring_of]] if len(xy) else np.zeros(0, int)
    cuts = np.searchsorted(geom_of_point, np.arange(1, len(arr)))
    paths = [MplPath(v, c) for v, c in zip(np.split(xy, cuts), np.split(codes, cuts),
                                            strict=True)]
    return PathCollection(paths, **kwargs)  # type: ignore[arg-type]


def line_collection(geoms: Iterable[shapely.Geometry] | np.ndarray,
                    **kwargs: object) -> tuple[LineCollection, np.ndarray]:
    """Lines (and polygon boundaries) as a collection, with the geometry index of each segment.

    Examples
    --------
    >>> lc, of = line_collection([shapely.LineString([(0, 0), (1, 1)]), None])
    >>> len(lc.get_segments()), of.tolist()
    (1, [0])
    """
    arr = np.asarray(list(geoms) if not isinstance(geoms, np.ndarray) else geoms, dtype=object)
    polygonal = np.isin(shapely.get_type_id(arr), (3, 6))  # Polygon, MultiPolygon
    lines = arr.copy()
    lines[polygonal] = shapely.boundary(arr[polygonal])
    parts, owner = shapely.get_parts(lines, return_index=True)
    parts, owner2 = shapely.get_parts(parts, return_index=True)  # multilines inside a boundary
    owner = owner[owner2]
    keep = np.isin(shapely.get_type_id(parts), (1, 2))  # LineString, LinearRing
    parts, owner = parts[keep], owner[keep]
    xy, of = shapely.get_coordinates(parts, return_index=True)
    cuts = np.flatnonzero(np.diff(of)) + 1
    segments = np.split(xy, cuts) if len(xy) else []
    kept = owner[np.unique(of)] if len(xy) else np.zeros(0, dtype=np.int64)
    return LineCollection(segments, **kwargs), kept  # type: ignore[arg-type]
