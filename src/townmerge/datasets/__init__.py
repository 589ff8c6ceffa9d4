"""Layer 2, datasets: data sets a user can load, like ``sklearn.datasets``.

``synthetic``: :func:`sample_county` and :func:`synthetic_county` draw synthetic counties
(units, settlements, flows, roads) from a seed, running these steps in order: ``spec`` (the
checked parameters), ``grid`` (the raster, its outline and ruggedness), ``regions`` (seeds
relaxed and grown into contiguous regions with wiggly borders), ``placement`` (units and
settlements, their seats and terrain), ``population`` (people, groups, towns and townships),
``names`` (Chinese names), ``codes`` (statistical codes), ``shapes`` (traced polygons and
points in EPSG:4490), ``roads`` (the road network and its classes) and ``flows``
(gravity-model flows). ``province``: :func:`synthetic_province` places several synthetic
counties side by side as one province and :func:`level_areas` gives the township and
village study areas of one. ``sichuan``: :func:`read_sichuan` reads the real Sichuan code tables
of 2018 and 2021 shipped in ``sample_shapes/sichuan``.

Examples
--------
>>> from townmerge.datasets import sample_county
>>> len(sample_county().units)
33
"""

from .province import level_areas, synthetic_province
from .sichuan import SichuanTables, read_sichuan
from .synthetic import SyntheticCounty, sample_county, synthetic_county

__all__ = ["SichuanTables", "SyntheticCounty", "level_areas", "read_sichuan", "sample_county",
           "synthetic_county", "synthetic_province"]
