"""Adjacency: rook / queen, exact border lengths, T-junctions, tolerance, islands, exports."""

from __future__ import annotations

import warnings
from collections import Counter

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import Polygon, box

from townmerge import StudyArea
from townmerge.errors import InputError, TopologyWarning
from townmerge.graph.adjacency import build_adjacency, neighbours
from townmerge.graph.connectivity import (
    adjacency_matrix,
    boundary_lengths,
    components,
    find_islands,
    suggest_links,
)
from townmerge.graph.interop import to_libpysal, to_networkx
from townmerge.graph.links import EDGE_COLUMNS, read_links
from townmerge.testing.grids import grid_cells, grid_units

CELL = 1000.0


# -- an independent oracle: adjacency counted on the grid cells -------------------------------
def cell_rook(text: str) -> dict[tuple[str, str], float]:
    """Shared border per pair of letters: number of common cell sides × cell size."""
    owner = {rc: u for u, cells in grid_cells(text).items() for rc in cells}
    sides: Counter[tuple[str, str]] = Counter()
    for (i, j), u in owner.items():
        for rc in ((i + 1, j), (i, j + 1)):
            v = owner.get(rc)
            if v is not None and v != u:
                sides[(min(u, v), max(u, v))] += 1
    return {pair: n * CELL for pair, n in sides.items()}


def cell_queen(text: str) -> set[tuple[str, str]]:
    """Pairs of letters whose cells share at least one grid point."""
    at: dict[tuple[int, int], set[str]] = {}
    for u, cells in grid_cells(text).items():
        for i, j in cells:
            for p in ((i, j), (i + 1, j), (i, j + 1), (i + 1, j + 1)):
                at.setdefault(p, set()).add(u)
    return {(a, b) for us in at.values() for a in us for b in us if a < b}


def pairs(edges: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(edges["unit_a"], edges["unit_b"], strict=True))


def lengths(edges: pd.DataFrame) -> dict[tuple[str, str], float]:
    return dict(zip(zip(edges["unit_a"], edges["unit_b"], strict=True), edges["border_m"],
                    strict=True))


def without_collinear_vertices(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Drop collinear vertices: neighbours then meet at T-junctions, not at shared vertices."""
    out = units.copy()
    out.geometry = shapely.simplify(units.geometry.values, 0.0)
    return out


@st.composite
def grids(draw: st.DrawFn) -> str:
    """Random 1–6 × 1–6 grids of up to five letters and gaps; letters may be in several parts."""
    h, w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    cells = draw(st.lists(st.sampled_from("ABCDE."), min_size=h * w, max_size=h * w))
    rows = ["".join(cells[i * w:(i + 1) * w]) for i in range(h)]
    if not any(c != "." for c in cells):
        rows[0] = "A" + rows[0][1:]
    return " / ".join(rows)


# -- rook and queen ---------------------------------------------------------------------------
def test_edge_table_shape_and_order():
    edges = build_adjacency(grid_units("CBA / CBA"))
    assert tuple(edges.columns) == EDGE_COLUMNS
    assert list(zip(edges["unit_a"], edges["unit_b"], strict=True)) == [("A", "B"), ("B", "C")]
    assert edges["border_m"].tolist() == [2000.0, 2000.0]
    assert set(edges["kind"]) == {"shared"}


def test_rook_and_queen_differ_exactly_at_corner_contacts():
    text = "AAB. / CDB. / C.EE / FF.E"
    units = grid_units(text)
    rook = build_adjacency(units)
    queen = build_adjacency(units, contiguity="queen")
    assert pairs(rook) == set(cell_rook(text))
    assert pairs(queen) == cell_queen(text)
    assert pairs(queen) - pairs(rook) == {("D", "E"), ("E", "F")}
    extra = queen[~queen.set_index(["unit_a", "unit_b"]).index.isin(
        rook.set_index(["unit_a", "unit_b"]).index)]
    assert (extra["border_m"] == 0).all() and (extra["kind"] == "shared").all()


def test_border_lengths_are_exact():
    text = "AAAB / ACAB / AAAB / DDDD"  # C is an enclave in a hole of A
    edges = build_adjacency(grid_units(text))
    assert lengths(edges) == {("A", "B"): 3000.0, ("A", "C"): 4000.0, ("A", "D"): 3000.0,
                              ("B", "D"): 1000.0}


def test_cell_size_scales_lengths():
    edges = build_adjacency(grid_units("AB / AB", cell=250.0))
    assert lengths(edges) == {("A", "B"): 500.0}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids())
def test_random_grids_match_the_cell_oracle_on_every_path(text):
    units = grid_units(text)
    rook, queen = cell_rook(text), cell_queen(text)
    for method in ("auto", "hash", "geos"):
        assert lengths(build_adjacency(units, method=method)) == pytest.approx(rook)
        assert pairs(build_adjacency(units, method=method, contiguity="queen")) == queen
    # T-junctions everywhere: hashing alone misses borders, auto and geos do not
    t_units = without_collinear_vertices(units)
    for method in ("auto", "geos"):
        assert lengths(build_adjacency(t_units, method=method)) == pytest.approx(rook)
        assert pairs(build_adjacency(t_units, method=method, contiguity="queen")) == queen
    hashed = build_adjacency(t_units, method="hash")
    assert pairs(hashed) <= set(rook)
    assert set(rook) <= pairs(build_adjacency(units, contiguity="queen"))


def test_t_junction_needs_the_geos_check():
    # A's right side is one segment; B and C each meet half of it (no vertex of A there)
    units = gpd.GeoDataFrame(
        {"name": ["甲", "乙", "丙"]},
        geometry=[box(0, 0, 2000, 2000), box(2000, 0, 3000, 1000), box(2000, 1000, 3000, 3000)],
        index=pd.Index(["A", "B", "C"], name="unit_id"), crs="EPSG:32648")
    expected = {("A", "B"): 1000.0, ("A", "C"): 1000.0, ("B", "C"): 1000.0}
    assert lengths(build_adjacency(units)) == expected
    assert lengths(build_adjacency(units, method="geos")) == expected
    assert lengths(build_adjacency(units, method="hash")) == {("B", "C"): 1000.0}


def test_partly_shared_vertices_use_the_geos_length():
    # B shares A's vertices on half of the border; the other half is a T-junction with C
    a = Polygon([(0, 0), (1000, 0), (1000, 500), (1000, 2000), (0, 2000)])
    b = Polygon([(1000, 0), (2000, 0), (2000, 1000), (1000, 1000), (1000, 500)])
    c = box(1000, 1000, 2000, 2000)
    units = gpd.GeoDataFrame(geometry=[a, b, c], index=pd.Index(["A", "B", "C"]),
                             crs="EPSG:32648")
    expected = {("A", "B"): 1000.0, ("A", "C"): 1000.0, ("B", "C"): 1000.0}
    assert lengths(build_adjacency(units)) == expected
    assert lengths(build_adjacency(units, method="geos")) == expected


def test_study_area_input_uses_its_metric_units():
    area = StudyArea(grid_units("AB / CC"))
    edges = build_adjacency(area)
    assert pairs(edges) == {("A", "B"), ("A", "C"), ("B", "C")}
    assert edges["border_m"].to_numpy() == pytest.approx(1000.0, rel=1e-3)


# -- tolerance --------------------------------------------------------------------------------
def sliver_units(gap: float, *, pinched: bool = False) -> gpd.GeoDataFrame:
    a = box(0, 0, 1000, 1000)
    if pinched:  # B touches A at both ends; between them a sliver up to `gap` wide
        b = Polygon([(1000, 0), (2000, 0), (2000, 1000), (1000, 1000), (1000 + gap, 500)])
    else:
        b = box(1000 + gap, 0, 2000, 1000)
    return gpd.GeoDataFrame({"name": ["甲镇", "乙镇"]}, geometry=[a, b],
                            index=pd.Index(["A", "B"], name="unit_id"), crs="EPSG:32648")


def test_sliver_within_tolerance_is_a_marked_tolerant_edge():
    units = sliver_units(5.0)
    assert build_adjacency(units).empty
    with pytest.warns(TopologyWarning, match=r"A \(甲镇\) – B \(乙镇\)"):
        edges = build_adjacency(units, tolerance=10.0)
    assert edges["kind"].tolist() == ["tolerant"]
    # A's right side plus 5 m of its top and bottom lie within 10 m of B, and vice versa
    assert edges["border_m"].iloc[0] == pytest.approx(1010.0, abs=0.5)


def test_sliver_wider_than_tolerance_is_no_edge():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert build_adjacency(sliver_units(20.0), tolerance=10.0).empty


def test_pinched_sliver_becomes_tolerant_in_rook_and_queen():
    units = sliver_units(3.0, pinched=True)
    assert build_adjacency(units).empty
    queen = build_adjacency(units, contiguity="queen")
    assert queen["kind"].tolist() == ["shared"] and queen["border_m"].tolist() == [0.0]
    for contiguity in ("rook", "queen"):
        with pytest.warns(TopologyWarning, match="tolerant"):
            edges = build_adjacency(units, contiguity=contiguity, tolerance=5.0)
        assert edges["kind"].tolist() == ["tolerant"]
        assert edges["border_m"].iloc[0] == pytest.approx(1010.0, abs=1.0)  # as above


def test_tolerance_is_the_same_on_the_geos_path():
    units = sliver_units(3.0, pinched=True)
    with pytest.warns(TopologyWarning):
        auto = build_adjacency(units, tolerance=5.0)
    with pytest.warns(TopologyWarning):
        geos = build_adjacency(units, tolerance=5.0, method="geos")
    pd.testing.assert_frame_equal(auto, geos)


def test_thin_overlap_is_tolerant_not_shared():
    # B's left side runs 2 m inside A; their boundaries only cross at two points
    units = gpd.GeoDataFrame(geometry=[box(0, 0, 1002, 1000), box(1000, 10, 2000, 990)],
                             index=pd.Index(["A", "B"]), crs="EPSG:32648")
    for method in ("auto", "geos"):
        assert build_adjacency(units, method=method).empty
        with pytest.warns(TopologyWarning, match="A – B"):
            edges = build_adjacency(units, method=method, tolerance=5.0)
        assert edges["kind"].tolist() == ["tolerant"]
        assert edges["border_m"].iloc[0] == pytest.approx(990.0, abs=2.0)


def test_corner_contacts_do_not_become_tolerant():
    for text in ("AB / CD", "A. / .B", "AB. / .CD"):
        units = grid_units(text)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert pairs(build_adjacency(units, tolerance=10.0)) == set(cell_rook(text))


def test_shared_edges_keep_their_exact_length_with_tolerance():
    edges = build_adjacency(grid_units("AAB / CCB"), tolerance=50.0)
    assert lengths(edges) == {("A", "B"): 1000.0, ("A", "C"): 2000.0, ("B", "C"): 1000.0}
    assert set(edges["kind"]) == {"shared"}


# -- islands and links ------------------------------------------------------------------------
ISLANDS = "AAB.. / CCB.D / ..... / E...."


def test_islands_are_reported_and_never_linked_silently():
    units = grid_units(ISLANDS)
    edges = build_adjacency(units, contiguity="queen")
    assert find_islands(units, edges) == ["D", "E"]
    assert components(units, edges).to_dict() == {"A": 0, "B": 0, "C": 0, "D": 1, "E": 2}


def test_suggest_links_proposes_the_nearest_units():
    units = grid_units(ISLANDS)
    links = suggest_links(units)
    assert list(links.columns) == ["unit_a", "unit_b", "distance_m", "reason"]
    assert list(zip(links["unit_a"], links["unit_b"], strict=True)) == [("D", "B"), ("E", "C")]
    assert links["distance_m"].tolist() == [1000.0, 1000.0]
    assert set(links["reason"]) == {"nearest unit: review"}
    two = suggest_links(units, k=2)
    assert list(zip(two["unit_a"], two["unit_b"], strict=True)) == [
        ("D", "B"), ("D", "A"), ("E", "C"), ("E", "B")]  # D: A and C tie at 2 km, A first
    assert two["distance_m"].tolist() == pytest.approx(
        [1000.0, 2000.0, 1000.0, np.hypot(1000, 1000)])


def test_virtual_edges_join_an_island(tmp_path):
    units = grid_units(ISLANDS)
    path = tmp_path / "links.csv"
    path.write_text("unit_a,unit_b,reason\nD,B,bridge\nE,A,ferry\nA,B,already neighbours\n",
                    encoding="utf-8")
    edges = build_adjacency(units, links=path)
    virtual = edges[edges["kind"] == "virtual"]
    assert pairs(virtual) == {("B", "D"), ("A", "E")}
    assert (virtual["border_m"] == 0).all()
    assert lengths(edges)[("A", "B")] == 1000.0  # an existing edge stays shared
    assert find_islands(units, edges) == []
    assert components(units, edges).nunique() == 1
    assert suggest_links(units, edges).empty
    same = build_adjacency(units, links=read_links(path, units))
    pd.testing.assert_frame_equal(edges, same)


def test_read_links_keeps_leading_zeros(tmp_path):
    units = grid_units("AB").rename(index={"A": "01150", "B": "01320"})
    path = tmp_path / "links.csv"
    path.write_text("unit_a, unit_b, reason, note\n01150,01320,ferry,x\n", encoding="utf-8")
    links = read_links(path, units)
    assert links.to_dict("records") == [
        {"unit_a": "01150", "unit_b": "01320", "reason": "ferry"}]


@pytest.mark.parametrize(("text", "message"), [
    ("a,b,reason\nA,B,x\n", r"lacks column\(s\) unit_a, unit_b"),
    ("unit_a,unit_b,reason\nA,Z,x\nY,B,x\n", "unknown unit ids Y, Z"),
    ("unit_a,unit_b,reason\nA,A,x\n", "joins a unit to itself: A"),
    ("unit_a,unit_b,reason\nA,,x\n", "missing on line 2"),
])
def test_read_links_errors_name_the_problem(tmp_path, text, message):
    path = tmp_path / "links.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_links(path, grid_units("AB"))


def test_links_frame_with_unknown_ids_is_refused():
    with pytest.raises(InputError, match="unknown unit ids X"):
        build_adjacency(grid_units("AB"), links=pd.DataFrame({"unit_a": ["A"],
                                                               "unit_b": ["X"]}))
    with pytest.raises(InputError, match=r"row\(s\) labelled ferry"):
        build_adjacency(grid_units("AB"), links=pd.DataFrame(
            {"unit_a": ["A"], "unit_b": [None]}, index=["ferry"]))


# -- input checks -----------------------------------------------------------------------------
def test_input_errors():
    units = grid_units("AB")
    with pytest.raises(InputError, match="projected CRS"):
        build_adjacency(units.to_crs(4326))
    with pytest.raises(InputError, match="repeated: A"):
        build_adjacency(units.rename(index={"B": "A"}))
    with pytest.raises(InputError, match="contiguity"):
        build_adjacency(units, contiguity="bishop")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="method"):
        build_adjacency(units, method="fast")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="negative"):
        build_adjacency(units, tolerance=-1)
    points = units.copy()
    points.geometry = points.geometry.centroid
    with pytest.raises(InputError, match=r"not: A \(A镇\), B \(B镇\)"):
        build_adjacency(points)


def test_empty_and_missing_geometries():
    units = grid_units("AB.C")
    units.loc["C", "geometry"] = None
    edges = build_adjacency(units, contiguity="queen", tolerance=1.0)
    assert pairs(edges) == {("A", "B")}
    assert find_islands(units, edges) == ["C"]
    assert suggest_links(units, edges).empty
    assert build_adjacency(units.iloc[:0]).empty


# -- derived views and exports ----------------------------------------------------------------
def test_boundary_lengths_split_the_perimeter():
    units = grid_units("AAB / ACB")
    out = boundary_lengths(units)
    assert out.loc["A"].to_dict() == {"perimeter_m": 8000.0, "shared_m": 3000.0,
                                      "tolerant_m": 0.0, "exterior_m": 5000.0}
    assert (out["shared_m"] + out["exterior_m"] == out["perimeter_m"]).all()


def test_adjacency_matrix_is_symmetric_with_explicit_zeros():
    units = grid_units("AB. / ..C")
    edges = build_adjacency(units, contiguity="queen")
    m = adjacency_matrix(edges, units.index)
    assert m.nnz == 4 and (m != m.T).nnz == 0
    assert m[0, 1] == 1000.0 and m[1, 2] == 0.0
    assert adjacency_matrix(edges, units.index, weight="binary").sum() == 4
    with pytest.raises(InputError, match="not among the ids: C"):
        adjacency_matrix(edges, ["A", "B"])


def test_to_networkx_carries_units_borders_and_flows():
    units = grid_units("AB.C", population={"A": 10, "B": 20, "C": 30})
    edges = build_adjacency(units, links=pd.DataFrame({"unit_a": ["C"], "unit_b": ["B"]}))
    flows = pd.Series([3.0, 4.0, 9.0], index=pd.MultiIndex.from_tuples(
        [("A", "B"), ("B", "A"), ("A", "C")]))
    g = to_networkx(units, edges, unit_flows=flows)
    assert set(g.nodes) == {"A", "B", "C"}
    assert g.nodes["C"] == {"name": "C镇", "population": 30.0, "area_km2": 1.0}
    assert g.edges["A", "B"] == {"border_m": 1000.0, "kind": "shared", "virtual": False,
                                 "tolerant": False, "flow": 7.0}
    assert g.edges["B", "C"]["virtual"] and g.edges["B", "C"]["flow"] == 0.0
    assert not g.has_edge("A", "C")
    assert nx.is_connected(g)
    table = pd.DataFrame({"origin_unit": ["A", "B"], "destination_unit": ["B", "A"],
                          "flow": [1.0, 2.0]})
    assert to_networkx(units, edges, unit_flows=table).edges["A", "B"]["flow"] == 3.0
    with pytest.raises(InputError, match="unit_flows needs"):
        to_networkx(units, edges, unit_flows=pd.DataFrame({"x": [1]}))


def test_to_libpysal_matches_libpysal_rook():
    pytest.importorskip("libpysal")
    from libpysal.graph import Graph

    units = grid_units("AAB / CDB / C.E")
    edges = build_adjacency(units)
    ours = to_libpysal(edges, units.index).adjacency
    strict = Graph.build_contiguity(units, rook=True, strict=True).adjacency
    assert sorted(ours.index) == sorted(strict.index)
    weighted = Graph.build_contiguity(units, rook=True, by_perimeter=True).adjacency
    pd.testing.assert_series_equal(ours.sort_index(), weighted.sort_index(), check_dtype=False,
                                   check_index_type=False)
    queen = build_adjacency(units, contiguity="queen")
    with pytest.warns(UserWarning, match="weight='binary'"):
        to_libpysal(queen, units.index)
    binary = to_libpysal(queen, units.index, weight="binary")
    assert binary.cardinalities.to_dict() == {
        u: len(v) for u, v in neighbours(queen).items()}


def test_neighbours_of_an_edge_table():
    edges = build_adjacency(grid_units("ABC"))
    assert neighbours(edges) == {"A": {"B"}, "B": {"A", "C"}, "C": {"B"}}
