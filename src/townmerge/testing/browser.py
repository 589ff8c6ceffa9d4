"""Open an HTML file in headless Chromium and report what went wrong.

Used by the tests (and usable by hand) to check that the maps and reports
townmerge writes actually work offline: no JavaScript errors, no failed or
outgoing requests, no dialogs, and a screenshot that is not blank. A script
can be run in the loaded page (e.g. to open the tooltips) and its result
returned, to look at what the page shows.

The system Chromium is driven through playwright (``executable_path``); no
browser is ever downloaded. Both are optional: :func:`check_html` raises
:class:`RuntimeError` when either is missing, and :func:`chromium_path` lets
callers find out beforehand.

Examples
--------
>>> check = BrowserCheck((), (), Path("map.png"), distinct_colours=120, nonblank=True)
>>> check.ok
True
"""

from __future__ import annotations

import os
import shutil
import struct
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..data.atomic import atomic_write_bytes

if TYPE_CHECKING:  # pragma: no cover
    from playwright.sync_api import ConsoleMessage, Dialog, Request, Route

__all__ = [
    "BLANK_SHARE",
    "CHROMIUM_ARGS",
    "BrowserCheck",
    "check_html",
    "chromium_path",
    "colour_stats",
    "decode_png",
]

#: Environment variable naming the Chromium executable to use.
CHROMIUM_ENV = "TOWNMERGE_CHROMIUM"
#: Where Debian's ``chromium`` package puts the browser.
DEFAULT_CHROMIUM = "/usr/bin/chromium"
#: Command-line switches: headless in a container, and no traffic of its own.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
#: A screenshot is blank when one colour covers at least this share of it.
BLANK_SHARE = 0.98
#: Viewport of the page, in CSS pixels.
VIEWPORT = (1024, 768)
#: URL schemes a page may load when ``offline=True``; anything else is aborted.
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Bytes per pixel of the 8-bit PNG colour types: grey, RGB, grey+alpha, RGBA.
_PNG_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


@dataclass(frozen=True)
class BrowserCheck:
    """What happened when a page was loaded in headless Chromium.

    Attributes
    ----------
    console_errors : tuple of str
        Console messages of type ``error`` and uncaught exceptions
        (``pageerror``), in order.
    failed_requests : tuple of str
        ``"<url>: <reason>"`` of every request that failed or was blocked.
    screenshot : pathlib.Path
        The PNG of the page (whole, or the viewport).
    distinct_colours : int
        Number of distinct RGB colours in the screenshot.
    nonblank : bool
        Whether the screenshot shows something: more than one colour, and none
        covering :data:`BLANK_SHARE` of it or more.
    dialogs : tuple of str
        ``"<type>: <message>"`` of every ``alert``/``confirm``/``prompt``
        the page opened (each dismissed).
    dominant_share : float
        Share of the screenshot covered by its most frequent colour.
    script_result : object
        What the ``script`` given to :func:`check_html` returned (JSON-like
        values), or ``None`` when there was none.

    Examples
    --------
    >>> BrowserCheck(("pageerror: boom",), (), Path("x.png"), 1, False).ok
    False
    """

    console_errors: tuple[str, ...]
    failed_requests: tuple[str, ...]
    screenshot: Path
    distinct_colours: int
    nonblank: bool
    dialogs: tuple[str, ...] = ()
    dominant_share: float = float("nan")
    script_result: object = None

    @property
    def ok(self) -> bool:
        """No console errors, no failed requests, no dialogs, and not blank."""
        return (
            not self.console_errors
            and not self.failed_requests
            and not self.dialogs
            and self.nonblank
        )

    def describe(self) -> str:
        """A multi-line summary, for assertion messages and logs.

        Examples
        --------
        >>> print(BrowserCheck((), ("http://x/a.js: blocked",), Path("s.png"), 2, True).describe())
        screenshot s.png: 2 colours, non-blank
        failed request: http://x/a.js: blocked
        """
        lines = [
            f"screenshot {self.screenshot}: {self.distinct_colours} colours, "
            f"{'non-blank' if self.nonblank else 'BLANK'}"
        ]
        lines += [f"console error: {e}" for e in self.console_errors]
        lines += [f"failed request: {r}" for r in self.failed_requests]
        lines += [f"dialog: {d}" for d in self.dialogs]
        return "\n".join(lines)


def chromium_path() -> str | None:
    """The Chromium executable to use, or ``None`` when there is none.

    The first executable file among: the ``TOWNMERGE_CHROMIUM`` environment
    variable, ``/usr/bin/chromium``, and ``chromium`` on the ``PATH``.

    Returns
    -------
    str or None

    Examples
    --------
    >>> path = chromium_path()
    >>> path is None or os.access(path, os.X_OK)
    True
    """
    candidates = [os.environ.get(CHROMIUM_ENV), DEFAULT_CHROMIUM, shutil.which("chromium")]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _unfilter_average(line: np.ndarray, up: np.ndarray, bpp: int) -> np.ndarray:
    cur = bytearray(line.tobytes())
    above = up.tobytes()
    for i in range(len(cur)):
        left = cur[i - bpp] if i >= bpp else 0
        cur[i] = (cur[i] + ((left + above[i]) >> 1)) & 0xFF
    return np.frombuffer(bytes(cur), dtype=np.uint8)


def _unfilter_paeth(line: np.ndarray, up: np.ndarray, bpp: int) -> np.ndarray:
    cur = bytearray(line.tobytes())
    above = up.tobytes()
    for i in range(min(bpp, len(cur))):  # no left neighbour: the predictor is "up"
        cur[i] = (cur[i] + above[i]) & 0xFF
    for i in range(bpp, len(cur)):
        a = cur[i - bpp]
        b = above[i]
        c = above[i - bpp]
        pa = abs(b - c)
        pb = abs(a - c)
        pc = abs(a + b - 2 * c)
        if pa <= pb and pa <= pc:
            pred = a
        elif pb <= pc:
            pred = b
        else:
            pred = c
        cur[i] = (cur[i] + pred) & 0xFF
    return np.frombuffer(bytes(cur), dtype=np.uint8)


def decode_png(data: bytes) -> np.ndarray:
    r"""Decode an 8-bit, non-interlaced PNG (what Chromium writes) to pixels.

    Parameters
    ----------
    data : bytes
        The PNG file's content.

    Returns
    -------
    numpy.ndarray
        ``uint8`` array of shape ``(height, width, channels)``: 1 (grey),
        2 (grey, alpha), 3 (RGB) or 4 (RGBA) channels.

    Raises
    ------
    ValueError
        If ``data`` is not a PNG of that kind (palette, 16-bit and interlaced
        images are not supported).

    Examples
    --------
    >>> def chunk(kind, body):
    ...     crc = zlib.crc32(kind + body)
    ...     return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)
    >>> rows = bytes([1, 10, 20, 30, 5, 5, 5]) + bytes([2, 1, 1, 1, 0, 0, 0])
    >>> ihdr = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)  # 2×2, 8-bit RGB
    >>> png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    ...        + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    >>> decode_png(png).tolist()
    [[[10, 20, 30], [15, 25, 35]], [[11, 21, 31], [15, 25, 35]]]
    """
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError("Not a PNG file (bad signature).")
    pos = len(_PNG_SIGNATURE)
    header: tuple[int, ...] | None = None
    idat: list[bytes] = []
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None or not idat:
        raise ValueError("Not a complete PNG file (no IHDR or IDAT chunk).")
    width, height, depth, colour_type, _, _, interlace = header
    if depth != 8 or colour_type not in _PNG_CHANNELS or interlace != 0:
        raise ValueError(
            f"Unsupported PNG (bit depth {depth}, colour type {colour_type}, interlace "
            f"{interlace}): only 8-bit non-interlaced grey/RGB(A) images are decoded."
        )
    bpp = _PNG_CHANNELS[colour_type]
    stride = width * bpp
    raw = zlib.decompress(b"".join(idat))
    if len(raw) != height * (stride + 1):
        raise ValueError("Corrupt PNG: the image data has the wrong size.")
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(height, stride + 1)
    out = np.empty((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        kind_of_filter = int(rows[y, 0])
        line = rows[y, 1:]
        if kind_of_filter == 0:
            cur = line
        elif kind_of_filter == 1:  # sub: a running sum per channel, modulo 256
            cur = np.cumsum(line.reshape(width, bpp), axis=0, dtype=np.uint8).reshape(-1)
        elif kind_of_filter == 2:  # up
            cur = line + prev
        elif kind_of_filter == 3:
            cur = _unfilter_average(line, prev, bpp)
        elif kind_of_filter == 4:
            cur = _unfilter_paeth(line, prev, bpp)
        else:
            raise ValueError(f"Corrupt PNG: unknown filter type {kind_of_filter} in row {y}.")
        out[y] = cur
        prev = out[y]
    return out.reshape(height, width, bpp)


def colour_stats(pixels: np.ndarray) -> tuple[int, float]:
    """Count distinct colours (alpha ignored) and the share of the commonest.

    Parameters
    ----------
    pixels : numpy.ndarray
        As returned by :func:`decode_png`.

    Returns
    -------
    tuple of (int, float)
        ``(distinct_colours, dominant_share)``; ``(0, 1.0)`` for an empty image.

    Examples
    --------
    >>> img = np.zeros((2, 2, 3), dtype=np.uint8)
    >>> img[0, 0] = 255
    >>> colour_stats(img)
    (2, 0.75)
    """
    if pixels.size == 0:
        return 0, 1.0
    channels = pixels.shape[-1]
    colour = pixels[..., :3] if channels >= 3 else pixels[..., :1]
    packed = np.zeros(colour.shape[:-1], dtype=np.uint32)
    for k in range(colour.shape[-1]):
        packed = (packed << np.uint32(8)) | colour[..., k].astype(np.uint32)
    _, counts = np.unique(packed.ravel(), return_counts=True)
    return int(counts.size), float(counts.max() / counts.sum())


def check_html(
    path: str | os.PathLike[str],
    *,
    screenshot: str | os.PathLike[str] | None = None,
    wait_ms: int = 500,
    offline: bool = True,
    script: str | None = None,
    full_page: bool = True,
) -> BrowserCheck:
    """Load an HTML file in headless Chromium and report errors and blankness.

    Parameters
    ----------
    path : str or path-like
        The HTML file; it is opened as a ``file://`` URL.
    screenshot : str or path-like, optional
        Where to write the PNG; default: next to the HTML file, with
        the suffix ``.png``.
    wait_ms : int, default 500
        How long to wait after the ``load`` event before the screenshot.
    offline : bool, default True
        Abort every request that is not ``file:``, ``data:``, ``blob:`` or
        ``about:``, so that a page needing the network reports it in
        ``failed_requests`` instead of silently fetching it.
    script : str, optional
        JavaScript run in the page after the wait and before the screenshot,
        as playwright's ``page.evaluate`` runs it (an expression, or a function
        that is called); what it returns is in
        :attr:`BrowserCheck.script_result`. Errors it causes in the page's own
        code are reported like any other.
    full_page : bool, default True
        Screenshot the whole page; ``False`` takes the viewport only (Chromium
        cannot capture pages much larger than 16,384 pixels).

    Returns
    -------
    BrowserCheck

    Raises
    ------
    RuntimeError
        If Chromium (see :func:`chromium_path`) or the playwright package is
        missing.
    FileNotFoundError
        If ``path`` is not a file.

    Notes
    -----
    A fresh temporary browser profile is used and removed afterwards. This
    uses playwright's synchronous API, which cannot run inside a running
    asyncio event loop (e.g. directly in a Jupyter cell).

    Examples
    --------
    >>> check = check_html("out/map.html", screenshot="out/map.png")  # doctest: +SKIP
    >>> check.ok, check.distinct_colours  # doctest: +SKIP
    (True, 183)
    >>> report = check_html("out/report.html", script="() => document.title")  # doctest: +SKIP
    >>> report.script_result  # doctest: +SKIP
    '乡镇行政区划调整方案'
    """
    page_path = Path(path).resolve()
    if not page_path.is_file():
        raise FileNotFoundError(f"No HTML file at {page_path}.")
    executable = chromium_path()
    if executable is None:
        raise RuntimeError(
            "Chromium was not found: install it (apt-get install chromium) or set "
            f"{CHROMIUM_ENV} to the path of a Chromium executable."
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise RuntimeError(
            "The Python package 'playwright' is not installed: pip install playwright "
            "(no browser download is needed; the system Chromium is used)."
        ) from exc

    shot = Path(screenshot) if screenshot is not None else page_path.with_suffix(".png")
    shot.parent.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    failed: list[str] = []
    dialogs: list[str] = []
    result: object = None

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text}")

    def on_request_failed(request: Request) -> None:
        failed.append(f"{request.url}: {request.failure or 'failed'}")

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def block(route: Route) -> None:
        route.abort("blockedbyclient")

    profile = tempfile.mkdtemp(prefix="townmerge-chromium-")
    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                user_data_dir=profile,
                executable_path=executable,
                headless=True,
                args=list(CHROMIUM_ARGS),
                viewport={"width": VIEWPORT[0], "height": VIEWPORT[1]},
            )
            try:
                if offline:
                    context.route(lambda url: not url.startswith(LOCAL_SCHEMES), block)
                page = context.pages[0] if context.pages else context.new_page()
                page.on("console", on_console)
                page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
                page.on("crash", lambda _page: errors.append("crash: the page crashed"))
                page.on("requestfailed", on_request_failed)
                page.on("dialog", on_dialog)
                page.goto(page_path.as_uri(), wait_until="load")
                page.wait_for_timeout(wait_ms)
                if script is not None:
                    result = page.evaluate(script)
                png = page.screenshot(full_page=full_page, type="png")
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    atomic_write_bytes(shot, png)

    distinct, dominant = colour_stats(decode_png(png))
    return BrowserCheck(
        console_errors=tuple(errors),
        failed_requests=tuple(failed),
        screenshot=shot,
        distinct_colours=distinct,
        nonblank=distinct > 1 and dominant < BLANK_SHARE,
        dialogs=tuple(dialogs),
        dominant_share=dominant,
        script_result=result,
    )
