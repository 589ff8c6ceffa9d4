"""Layer 3, graph: what a study area implies, built once.

Borders: ``adjacency`` (the edge table of neighbouring units), ``borders`` (shared
borders by segment hashing, tolerant edges), ``links`` (reviewed virtual links),
``connectivity`` (islands, separate parts, matrices, boundary lengths), ``interop``
(networkx and libpysal graphs) and ``unitgeoms`` (the units given, checked; their ids and
labels). Minutes: ``roadgraph`` (the road layer as a graph),
``access`` (settlements on the roads, exact minutes), ``travelpairs`` (pairs within the
cut-off) and ``travel`` (``TravelNetwork``). Flows: ``observed`` (the flow table),
``gravity`` (masses and fits), ``flows`` (``SettlementFlows``: observed or gravity
flows between settlements), ``unitflows`` (aggregates to units) and ``unitpairs``
(``unit_flows``, the one way to unit-level flows). ``derived``: the immutable bundle of
all three, built once per area and settings.
"""
