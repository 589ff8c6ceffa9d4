"""Layer 3, graph: what a study area implies, built once.

``adjacency`` (shared borders and their lengths), ``travel`` (road network and minutes),
``flows`` (observed and gravity-model flows between settlements) and ``derived`` (the
immutable bundle of all three, built once per area and settings).
"""
