"""Issue 10 "Correct numbers", travel: road graphs checked against networkx shortest paths on
hand-drawn layouts (every expected time is computed here, from the drawing)."""

import math

import geopandas as gpd
import networkx as nx
import pytest
from shapely import LineString, Point, box

import townmerge as tm
from townmerge.config import TravelParams
from townmerge.errors import TopologyWarning
from townmerge.graph.travel import TravelNetwork

CRS = "EPSG:32648"
SPEED = 60.0  # km/h on every drawn road


def _area(lines, places, crs=CRS):
    units = gpd.GeoDataFrame({"id": ["A"], "name": ["甲镇"], "terrain": ["plain"]},
                             geometry=[box(-1000, -11_000, 21_000, 11_000)], crs=CRS)
    st = gpd.GeoDataFrame({"id": list(places), "name": [f"{k}村" for k in places]},
                          geometry=[Point(xy) for xy in places.values()], crs=CRS)
    roads = gpd.GeoDataFrame({"speed_kmh": [SPEED] * len(lines)},
                             geometry=[LineString(c) for c in lines], crs=CRS)
    if crs != CRS:
        units, st, roads = units.to_crs(crs), st.to_crs(crs), roads.to_crs(crs)
    return tm.StudyArea(units, st, roads=roads)


def _nx_minutes(edges, a, b):
    """Shortest path by networkx over hand-listed edges (node = coordinate tuple)."""
    g = nx.Graph()
    for p, q in edges:
        g.add_edge(p, q, weight=math.dist(p, q) / 1000.0 / SPEED * 60.0)
    return nx.dijkstra_path_length(g, a, b, weight="weight")


def _fallback_minutes(p, q):
    """The documented straight-line fallback by hand: detour 1.3, 30 km/h on plain terrain."""
    return math.dist(p, q) / 1000.0 * 1.3 / 30.0 * 60.0


def test_road_graphs_join_near_miss_ends_across_a_grid_line():
    # Two ends 2 cm apart on either side of x = 10000.5, where rounding to 1 m splits them.
    left, right = (10_000.49, 0.0), (10_000.51, 0.0)
    area = _area([[(0, 0), left], [right, (20_000, 0)]], {"a": (0, 0), "b": (20_000, 0)})
    want = _nx_minutes([((0, 0), left), (left, (20_000, 0))], (0, 0), (20_000, 0))
    net = TravelNetwork(area)
    got = net.between(["a"], ["b"]).iloc[0]
    assert got == pytest.approx(want, abs=1e-3)  # 20 min, not the 52 min fallback
    assert bool(net.by_road([0], [1])[0])


def test_road_graphs_join_a_road_ending_on_another_roads_interior():
    # A T-junction: the branch ends on the interior of the main road, no vertex there.
    area = _area([[(0, 0), (20_000, 0)], [(10_000, 0), (10_000, 10_000)]],
                 {"a": (0, 0), "c": (10_000, 10_000), "b": (20_000, 0)})
    t = (10_000, 0)
    edges = [((0, 0), t), (t, (20_000, 0)), (t, (10_000, 10_000))]
    net = TravelNetwork(area)
    times = net.between(["a", "c", "b"], ["c", "b", "a"])
    assert times.tolist() == pytest.approx([_nx_minutes(edges, (0, 0), (10_000, 10_000)),
                                            _nx_minutes(edges, (10_000, 10_000), (20_000, 0)),
                                            _nx_minutes(edges, (20_000, 0), (0, 0))], abs=1e-3)
    assert times.iloc[0] == pytest.approx(20.0, abs=1e-3)  # not the 58 min fallback
    assert area.report.warnings == ()  # joined: nothing to warn about


def test_road_graphs_leave_true_crossings_apart_unless_asked():
    # An X-crossing without a shared vertex (a bridge over the road): no junction by default.
    lines = [[(0, 0), (20_000, 0)], [(10_000, -10_000), (10_000, 10_000)]]
    places = {"a": (0, 0), "d": (10_000, 10_000)}
    with pytest.warns(TopologyWarning, match="2 parts that do not connect"):
        area = _area(lines, places)
    drawn = [((0, 0), (20_000, 0)), ((10_000, -10_000), (10_000, 10_000))]
    g = nx.Graph(drawn)
    assert not nx.has_path(g, (0, 0), (10_000, 10_000))
    net = TravelNetwork(area)
    assert net.between(["a"], ["d"]).iloc[0] == pytest.approx(
        _fallback_minutes((0, 0), (10_000, 10_000)), abs=1e-3)
    assert not bool(net.by_road([0], [1])[0])
    # Asked for: every crossing is a junction.
    x = (10_000, 0)
    joined = [((0, 0), x), (x, (20_000, 0)), ((10_000, -10_000), x), (x, (10_000, 10_000))]
    net2 = TravelNetwork(area, TravelParams(join_crossings=True))
    assert net2.between(["a"], ["d"]).iloc[0] == pytest.approx(
        _nx_minutes(joined, (0, 0), (10_000, 10_000)), abs=1e-3)


def test_road_graphs_split_component_uses_fallback_and_validate_warns():
    # Two road networks that do not meet (one ends 5 m short of the other: a dangle), and a
    # settlement 9 km from every road. Given in EPSG:4326: coordinates come back in it.
    lines = [[(0, 0), (8_000, 0)], [(8_000, 5), (8_000, 8_000)],
             [(14_000, 0), (20_000, 0)]]
    places = {"a": (0, 0), "b": (8_000, 8_000), "e": (20_000, 0), "f": (19_000, 9_000)}
    with pytest.warns(TopologyWarning):
        area = _area(lines, places, crs="EPSG:4326")
    drawn = [((0, 0), (8_000, 0)), ((8_000, 5), (8_000, 8_000)), ((14_000, 0), (20_000, 0))]
    assert not nx.has_path(nx.Graph(drawn), (0, 0), (8_000, 8_000))
    net = TravelNetwork(area)
    pos = net.positions(["a", "b", "a"]), net.positions(["b", "e", "e"])
    got = net.times(*pos)
    xy = area.settlements.geometry
    want = [_fallback_minutes((xy["a"].x, xy["a"].y), (xy[k].x, xy[k].y)) for k in "be"]
    assert got[0] == pytest.approx(want[0], rel=1e-6)
    assert got[2] == pytest.approx(want[1], rel=1e-6)

    report = area.report
    codes = {p.code: p for p in report.warnings}
    assert {"road-dangle", "road-disconnected", "far-from-road"} <= set(codes)
    dangle = codes["road-dangle"].message
    lon, lat = gpd.GeoSeries([Point(8_000, 5)], crs=CRS).to_crs("EPSG:4326").iloc[0].coords[0]
    assert f"({lon:.5f}, {lat:.5f})" in dangle  # in the input CRS
    assert "5.0 m" in dangle and ("near a (a村)" in dangle or "near b (b村)" in dangle)
    assert "e (e村)" in codes["road-disconnected"].message  # nearest settlement, id and name
    far = codes["far-from-road"]
    assert far.ids == ("f",) and "f (f村)" in far.message
