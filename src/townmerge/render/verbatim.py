"""Page pieces written as they are, never compiled as templates.

branca, and so folium, compiles strings as Jinja templates: ``Element(text)``
compiles ``text``, and every folium object wraps its rendered output in such an
``Element`` again before the page is written. A name holding ``{{ ... }}`` that
reaches folium is therefore run as code when the map is rendered. The maps give
folium nothing that comes from the data or from the user; what they write
themselves goes through the two elements here, whose ``render`` returns their
text unchanged, and data travels as JSON made safe for a ``<script>`` element
(:func:`script_json`).

Examples
--------
>>> import folium
>>> m = folium.Map(tiles=None)
>>> _ = m.get_root().html.add_child(Verbatim("<p>{{ 7*7 }} {% if x %}</p>"))
>>> "<p>{{ 7*7 }} {% if x %}</p>" in m.get_root().render()
True
"""

from __future__ import annotations

import json
from typing import Any

from branca.element import Element, Figure

__all__ = ["ScriptAfter", "Verbatim", "script_json"]

# Characters JSON leaves as they are but an HTML parser (or old JavaScript) would not.
_SCRIPT_ESCAPES = {"&": "\\u0026", "<": "\\u003c", ">": "\\u003e",
                   "\u2028": "\\u2028", "\u2029": "\\u2029"}


class Verbatim(Element):
    """An element whose HTML is its text, as given: no template is compiled.

    Parameters
    ----------
    text : str
        Markup written as is. Escape anything from the data before putting it
        in (:func:`html.escape`, or :func:`script_json` inside a script).

    Examples
    --------
    >>> Verbatim("{{ lipsum }} {#").render()
    '{{ lipsum }} {#'
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Verbatim"
        self.text = str(text)

    def render(self, **kwargs: Any) -> str:
        """The text, unchanged."""
        return self.text


class ScriptAfter(Element):
    """JavaScript appended to the page's script, after the objects rendered before it.

    Add it as the last child of a :class:`folium.Map`: folium writes the map's
    own script first, then its children's, so this code runs once the map
    exists. The code is written verbatim, never compiled as a template.

    Parameters
    ----------
    code : str
        JavaScript; it must not contain ``</script``.

    Raises
    ------
    ValueError
        If ``code`` would close the script element.

    Examples
    --------
    >>> import folium
    >>> m = folium.Map(tiles=None)
    >>> _ = m.add_child(ScriptAfter("console.log({{ 1 }});"))
    >>> page = m.get_root().render()
    >>> page.index("L.map(") < page.index("console.log({{ 1 }});")
    True
    """

    def __init__(self, code: str) -> None:
        super().__init__()
        if "</script" in code.lower():
            raise ValueError("Script code cannot contain '</script'.")
        self._name = "ScriptAfter"
        self.code = code

    def render(self, **kwargs: Any) -> str:
        """Add the code to the figure's script; nothing is written in place."""
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise TypeError("ScriptAfter must be inside a folium Figure to be rendered.")
        figure.script.add_child(Verbatim(self.code), name=self.get_name())
        return ""


def script_json(value: Any) -> str:
    r"""JSON text that can stand inside a ``<script>`` element (or any HTML).

    ``<``, ``>`` and ``&`` (and the line separators U+2028/U+2029) are written
    as ``\uXXXX`` escapes, so no string can close the element or open a
    comment; JavaScript's ``JSON.parse`` reads the same value back.

    Parameters
    ----------
    value
        Anything :func:`json.dumps` accepts; NaN and infinities are refused.

    Returns
    -------
    str

    Examples
    --------
    >>> script_json({"name": "</script><b>&"})
    '{"name":"\\u003c/script\\u003e\\u003cb\\u003e\\u0026"}'
    >>> json.loads(script_json(["甲{{7*7}}"]))
    ['甲{{7*7}}']
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for char, escape in _SCRIPT_ESCAPES.items():
        text = text.replace(char, escape)
    return text
