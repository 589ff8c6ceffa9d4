"""Rendering of plans: offline HTML maps (Leaflet inlined from ``render/static``).

Examples
--------
>>> from townmerge.render import before_after_map, save_map
>>> callable(before_after_map) and callable(save_map)
True
"""

from .maps import before_after_map, save_map

__all__ = ["before_after_map", "save_map"]
