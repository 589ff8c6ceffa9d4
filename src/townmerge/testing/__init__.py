"""Helpers for townmerge's tests and for checking its outputs by hand.

``grids`` (units drawn as ASCII grids), ``examples`` (small study areas), ``scorers`` (toy
group scorers) and ``browser`` (below).

:mod:`townmerge.testing.browser` loads the HTML that townmerge writes in
headless Chromium (optional: it needs the system Chromium and playwright).

Examples
--------
>>> from townmerge.testing import BrowserCheck, check_html, chromium_path
>>> callable(check_html)
True
"""

from .browser import BrowserCheck, check_html, chromium_path

__all__ = ["BrowserCheck", "check_html", "chromium_path"]
