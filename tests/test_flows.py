"""Travel times, gravity model, settlement graph and unit aggregation (issue 3)."""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import LineString, MultiLineString, Point, box

from townmerge import StudyArea
from townmerge.datasets.synthetic import sample_county
from townmerge.errors import InputError, TopologyWarning
from townmerge.graph.flows import (
    GravityParams,
    build_settlement_graph,
    settlement_flows,
)
from townmerge.graph.gravity import fit_gravity, gravity_masses
from townmerge.graph.roadgraph import road_graph
from townmerge.graph.travel import TravelNetwork, TravelParams, travel_times

CRS = "EPSG:32648"


def sparse_upper(m):  # type: ignore[no-untyped-def]
    coo = m.tocoo()
    return coo.data[coo.row < coo.col]
X0, Y0 = 500_000.0, 3_300_000.0  # inside UTM zone 48N, so the metric CRS is kept


def _pts(*xy: tuple[float, float]) -> list[Point]:
    return [Point(X0 + x, Y0 + y) for x, y in xy]


def _line(*xy: tuple[float, float]) -> LineString:
    return LineString([(X0 + x, Y0 + y) for x, y in xy])


@pytest.fixture(scope="module")
def county() -> StudyArea:
    s = sample_county()
    return StudyArea(s.units, s.settlements, s.flows, s.roads)


@pytest.fixture(scope="module")
def county_flows(county: StudyArea):  # type: ignore[no-untyped-def]
    return settlement_flows(county)


# -- a tiny hand-made road network ------------------------------------------------------------
def tiny_area(roads: bool = True) -> StudyArea:
    """West (plain) and East (mountain); a–b by a 60 km/h road, b–c by a village road."""
    units = gpd.GeoDataFrame(
        {"id": ["W", "E"], "name": ["西镇", "东乡"], "terrain": ["plain", "mountain"]},
        geometry=[box(X0 - 1000, Y0 - 1000, X0 + 12_000, Y0 + 30_000),
                  box(X0 + 12_000, Y0 - 1000, X0 + 30_000, Y0 + 30_000)], crs=CRS)
    st_ = gpd.GeoDataFrame(
        {"id": ["a", "b", "c", "d", "e"], "name": ["甲", "乙", "丙", "丁", "戊"],
         "population": [1000, 500, 800, 200, 300],
         "kind": ["town seat", "village", "village", "village", "village"]},
        geometry=_pts((0, 0), (10_000, 0), (15_000, 0), (15_000, 300), (15_000, 20_000)),
        crs=CRS)
    lines = gpd.GeoDataFrame(
        {"road_id": ["r1", "r2", "r3"], "speed_kmh": [60.0, np.nan, 30.0],
         "road_class": [None, "village", None]},
        geometry=[_line((0, 0), (10_000, 0)), _line((10_000, 0), (15_000, 0)),
                  _line((0, 0), (5000, 3000), (10_000, 0))],  # a slower parallel road
        crs=CRS)
    return StudyArea(units, st_, roads=lines if roads else None)


def test_exact_times_on_a_tiny_network() -> None:
    net = TravelNetwork(tiny_area())
    village_mountain = 25.0 * 0.65  # class speed × terrain factor of the road's unit
    ab = 10.0
    bc = 5.0 / village_mountain * 60
    access_d = 300 * 1.3 / 15.0 * 0.06
    got = net.between(["a", "a", "b", "a", "d"], ["b", "c", "c", "d", "a"])
    np.testing.assert_allclose(got.to_numpy(), [ab, ab + bc, bc, ab + bc + access_d,
                                                ab + bc + access_d], rtol=1e-9)
    assert got.index.names == ["origin", "destination"]
    att = net.attachment
    assert att.loc["e", "node"] == -1 and math.isinf(att.loc["e", "access_min"])
    assert att.loc["d", "access_min"] == pytest.approx(access_d)


def test_unattached_settlement_uses_the_fallback() -> None:
    net = TravelNetwork(tiny_area())
    # e lies in the mountain unit 20 km north of c; c is in the mountain unit too.
    want = 20_000 * 1.3 / (30.0 * 0.65) * 0.06
    assert net.between(["e"], ["c"]).iloc[0] == pytest.approx(want)
    # a (plain) to e (mountain): half the trip at each end's speed.
    d = math.hypot(15_000, 20_000)
    want = d * 1.3 * 0.5 * (1 / 30.0 + 1 / (30.0 * 0.65)) * 0.06
    assert net.between(["a"], ["e"]).iloc[0] == pytest.approx(want)
    i, j = net.positions(["a", "a"]), net.positions(["e", "b"])
    assert net.by_road(i, j).tolist() == [False, True]


def test_fallback_without_roads() -> None:
    area = tiny_area(roads=False)
    net = TravelNetwork(area)
    assert net.roads is None
    # a and b are both in the plain unit, 10 km apart.
    assert net.between(["a"], ["b"]).iloc[0] == pytest.approx(10_000 * 1.3 / 30 * 0.06)
    tt = travel_times(area)
    assert not tt["by_road"].any()
    assert (tt["minutes"] <= 60.0).all()
    faster = TravelParams(fallback_speed_kmh=60.0, detour_factor=1.0)
    assert TravelNetwork(area, faster).between(["a"], ["b"]).iloc[0] == pytest.approx(10.0)


def test_cutoff_lists_exactly_the_pairs_within_it() -> None:
    net = TravelNetwork(tiny_area(), TravelParams(cutoff_min=20.0))
    tt = net.within_cutoff()
    got = set(zip(tt["origin"], tt["destination"], strict=True))
    ids = list(net.settlement_ids)
    allp = [(a, b) for a in ids for b in ids if a != b]
    times = net.between([a for a, _ in allp], [b for _, b in allp])
    want = {p for p, t in zip(allp, times, strict=True) if t <= 20.0}
    assert got == want
    assert ("a", "b") in got and ("a", "c") not in got
    np.testing.assert_allclose(tt.set_index(["origin", "destination"])["minutes"],
                               times.loc[tt.set_index(["origin", "destination"]).index])


def test_cutoff_on_the_sample_county_matches_brute_force(county: StudyArea) -> None:
    net = TravelNetwork(county, TravelParams(cutoff_min=15.0))
    o, d, t, _ = net.pairs()
    n = len(net.settlement_ids)
    i, j = np.divmod(np.arange(n * n), n)
    full = net.times(i, j).reshape(n, n)
    want = (full <= 15.0) & ~np.eye(n, dtype=bool)
    got = np.zeros((n, n), dtype=bool)
    got[o, d] = True
    assert (got == want).all()
    np.testing.assert_allclose(t, full[o, d])


def test_road_times_match_networkx(county: StudyArea) -> None:
    roads = county.roads
    assert roads is not None
    g = nx.Graph()
    for a, b, geom, v in zip(roads["from_settlement"], roads["to_settlement"], roads.geometry,
                             roads["speed_kmh"], strict=True):
        w = geom.length / 1000 / v * 60
        if not g.has_edge(a, b) or g.edges[a, b]["w"] > w:
            g.add_edge(a, b, w=w)
    net = TravelNetwork(county)
    src = sorted(g.nodes)[:5]
    dst = sorted(g.nodes)[-40:]
    want = [nx.dijkstra_path_length(g, a, b, weight="w") for a in src for b in dst]
    got = net.between([a for a in src for _ in dst], [b for _ in src for b in dst])
    np.testing.assert_allclose(got.to_numpy(), want, rtol=1e-9)


def test_road_graph_snaps_end_points_and_splits_multilines() -> None:
    roads = gpd.GeoDataFrame(
        {"road_class": ["county", "national"]},
        geometry=[MultiLineString([[(0, 0), (4500, 0)], [(4500.3, 0.2), (4500, 4500)]]),
                  LineString([(0, 2000), (9000, 2000)])],  # crosses without a shared end
        crs=CRS)
    g = road_graph(roads)
    assert g.n_nodes == 5  # (4500, 0) and (4500.3, 0.2) are one node
    upper = shapely.length(roads.geometry.iloc[0].geoms[1]) / 45_000 * 60
    np.testing.assert_allclose(sorted(sparse_upper(g.minutes)), sorted([6.0, upper, 9 / 70 * 60]))
    # The crossing road is a separate component.
    assert len(set(g.component.tolist())) == 2
    assert g.top_speed_kmh == 70.0


def test_bad_speed_names_the_road() -> None:
    area = tiny_area()
    roads = area.roads
    assert roads is not None
    roads = roads.assign(speed_kmh=[60.0, -5.0, 30.0])
    with pytest.raises(InputError, match="r2"):
        road_graph(roads)


def test_unknown_road_class_warns() -> None:
    roads = gpd.GeoDataFrame({"road_class": ["mule track"]},
                             geometry=[LineString([(0, 0), (3000, 0)])], crs=CRS)
    with pytest.warns(UserWarning, match="mule track"):
        g = road_graph(roads)
    assert g.minutes.max() == pytest.approx(6.0)  # 3 km at the default 30 km/h


def test_unknown_settlement_ids_are_named() -> None:
    net = TravelNetwork(tiny_area())
    with pytest.raises(InputError, match="zz"):
        net.between(["a"], ["zz"])


# -- gravity fit ------------------------------------------------------------------------------
def _gravity_sample(seed: int, n: int = 3000, k: float = 0.004, b: float = 1.8,
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = rng.uniform(5.0, 80.0, n)
    m1, m2 = rng.lognormal(7.0, 0.8, n), rng.lognormal(7.0, 0.8, n)
    return k * m1 * m2 / t**b, m1, m2, t


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_poisson_fit_recovers_b_with_multiplicative_noise(seed: int) -> None:
    mu, m1, m2, t = _gravity_sample(seed)
    rng = np.random.default_rng(seed + 100)
    sigma = 0.6
    y = mu * rng.lognormal(-sigma**2 / 2, sigma, mu.size)  # mean-one noise
    fit = fit_gravity(y, m1, m2, t)
    assert fit.converged
    assert abs(fit.b - 1.8) / 1.8 < 0.05
    assert abs(math.log(fit.k / 0.004)) < 0.3
    assert 0.0 < fit.deviance_explained <= 1.0
    assert fit.n == mu.size and fit.method == "poisson"
    assert "b = " in str(fit)


def test_fits_recover_b_with_count_noise_and_zeros() -> None:
    mu, m1, m2, t = _gravity_sample(7, k=0.00005)
    y = np.random.default_rng(8).poisson(mu).astype(float)
    assert (y == 0).mean() > 0.2
    fit = fit_gravity(y, m1, m2, t)
    assert abs(fit.b - 1.8) / 1.8 < 0.05
    assert fit.n_positive == int((y > 0).sum())
    loglin = fit_gravity(y, m1, m2, t, method="loglinear")
    assert loglin.n == fit.n_positive  # the log-linear method drops zeros


def test_fit_rejects_bad_input() -> None:
    with pytest.raises(InputError, match="masses"):
        fit_gravity([1.0, 2.0, 3.0], [1.0, 0.0, 1.0], [1, 1, 1], [5, 6, 7])
    with pytest.raises(InputError, match="differ in length"):
        fit_gravity([1.0], [1.0, 2.0], [1.0], [5.0])
    with pytest.raises(InputError, match="same travel time"):
        fit_gravity([1.0, 2.0, 3.0], [1, 1, 1], [1, 1, 1], [5, 5, 5])


def _grid_area(seed: int, k: float, b: float, fill: bool) -> StudyArea:
    """Settlements on a jittered grid, flows drawn from a known gravity model."""
    rng = np.random.default_rng(seed)
    side = 12
    gx, gy = np.meshgrid(np.arange(side), np.arange(side))
    xy = np.column_stack([gx.ravel(), gy.ravel()]) * 3000.0 + 1500.0
    xy += rng.uniform(-800, 800, xy.shape)
    units = gpd.GeoDataFrame(
        {"id": [f"U{i}" for i in range(4)]},
        geometry=[box(X0 + x, Y0 + y, X0 + x + side * 1500, Y0 + y + side * 1500)
                  for x in (0, side * 1500) for y in (0, side * 1500)], crs=CRS)
    pop = rng.lognormal(7.0, 0.6, xy.shape[0]).round()
    ids = [f"s{i:03d}" for i in range(xy.shape[0])]
    sts = gpd.GeoDataFrame({"id": ids, "population": pop},
                           geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs=CRS)
    net = TravelNetwork(StudyArea(units, sts))
    o, d, t, _ = net.pairs()
    mu = k * pop[o] * pop[d] / np.maximum(t, 5.0) ** b
    y = rng.poisson(mu).astype(float)
    keep = y > 0
    flows = pd.DataFrame({"origin": np.array(ids)[o[keep]],
                          "destination": np.array(ids)[d[keep]], "population": y[keep]})
    return StudyArea(units, sts, flows)


@pytest.mark.parametrize("fill", [False, True])
def test_area_fit_recovers_known_b(fill: bool) -> None:
    area = _grid_area(seed=5, k=2e-4, b=2.3, fill=fill)
    sf = settlement_flows(area, gravity=GravityParams(fill_unobserved=fill))
    fit = sf.fits["population"]
    # Zeros are known with a complete table; a sample of positive pairs is biased
    # towards flatter decay, which is why the complete reading is the default.
    if not fill:
        assert abs(fit.b - 2.3) / 2.3 < 0.05
        assert fit.n == int(((sf.origin != sf.destination) & (sf.minutes <= 60)).sum())
    assert sf.sources["population"] == ("observed+gravity" if fill else "observed")
    assert sf.sources["economic"] == "gravity"
    assert "economic" not in sf.fits


# -- settlement flows and the graph ------------------------------------------------------------
def test_gravity_flows_follow_the_formula() -> None:
    area = tiny_area()
    sf = settlement_flows(area, gravity=GravityParams(b=1.5, k=2.0))
    assert set(sf.sources.values()) == {"gravity"} and not sf.fits
    frame = sf.to_frame().set_index(["origin", "destination"])
    m = sf.masses
    assert m is not None
    t = frame.loc[("a", "c"), "minutes"]
    want = 2.0 * m.loc["a", "population"] * m.loc["c", "population"] / t**1.5
    assert frame.loc[("a", "c"), "population"] == pytest.approx(want)
    # b and a share a node with a village road and the 60 km/h road: road weights differ.
    assert m.loc["b", "traffic"] / m.loc["b", "population"] > 1.0
    assert m.loc["e", "traffic"] / m.loc["e", "population"] == pytest.approx(0.5)
    # Economic masses use the GDP proxy √(P · P·w(kind)).
    assert m.loc["a", "economic"] == pytest.approx(1000 * math.sqrt(2.0))


def test_gdp_column_and_missing_population() -> None:
    area = tiny_area()
    s = area.settlements
    assert s is not None
    no_pop = StudyArea(area.units, s.drop(columns="population").reset_index(), roads=area.roads)
    with pytest.raises(InputError, match="no population"):
        settlement_flows(no_pop)
    with_gdp = StudyArea(area.units, s.assign(gdp=[4.0, 1.0, 1.0, 1.0, 1.0]).reset_index(),
                         roads=area.roads)
    m = gravity_masses(with_gdp)
    assert m.loc["a", "economic"] == pytest.approx(math.sqrt(1000 * 4.0))
    with pytest.raises(InputError, match=r"missing or negative gdp: b \(乙\)"):  # validated
        StudyArea(area.units, s.assign(gdp=[4.0, np.nan, 1.0, 1.0, 1.0]).reset_index(),
                  roads=area.roads)


def test_observed_flows_are_kept_and_pairs_beyond_the_cutoff_timed() -> None:
    area = tiny_area()
    flows = pd.DataFrame({"origin": ["a", "e", "a"], "destination": ["b", "a", "b"],
                          "population": [10.0, 4.0, 5.0]})  # a→b twice: summed
    with pytest.warns(TopologyWarning, match=r"a \(甲\) → b \(乙\) ×2\. The values of a pair's "
                      "rows are added up"):
        obs = StudyArea(area.units, area.settlements.reset_index(), flows, area.roads)
    tp = TravelParams(cutoff_min=20.0)
    with pytest.warns(UserWarning, match="Cannot fit"):
        sf = settlement_flows(obs, travel=tp)
    frame = sf.to_frame().set_index(["origin", "destination"])
    assert frame.loc[("a", "b"), "population"] == 15.0
    assert frame.loc[("e", "a"), "population"] == 4.0
    assert frame.loc[("e", "a"), "minutes"] > 20.0  # beyond the cut-off, yet timed exactly
    net = TravelNetwork(obs, tp)
    assert frame.loc[("e", "a"), "minutes"] == pytest.approx(net.between(["e"], ["a"]).iloc[0])
    assert frame["population"].sum() == 19.0  # unlisted pairs carry no observed flow
    assert (frame["traffic"] > 0).sum() == int((frame["minutes"] <= 20.0).sum())
    filled = settlement_flows(obs, travel=tp, gravity=GravityParams(fill_unobserved=True,
                                                                     fit=False))
    ff = filled.to_frame().set_index(["origin", "destination"])
    assert ff.loc[("a", "b"), "population"] == 15.0
    assert ff.loc[("b", "a"), "population"] > 0  # estimated by gravity


def test_unknown_flow_ids_are_named() -> None:
    area = tiny_area()
    flows = pd.DataFrame({"origin": ["a"], "destination": ["b"], "population": [1.0]})
    obs = StudyArea(area.units, area.settlements.reset_index(), flows, area.roads)
    net = TravelNetwork(obs)
    with pytest.raises(InputError, match="zz"):
        net.positions(["zz", "a"])


def test_settlement_graph_attributes(county: StudyArea) -> None:
    g = build_settlement_graph(county)
    assert isinstance(g, nx.DiGraph)
    s = county.settlements
    assert s is not None
    assert g.number_of_nodes() == len(s)
    sid = s.index[0]
    node = g.nodes[sid]
    assert node["population"] == s.loc[sid, "population"]
    assert node["kind"] == s.loc[sid, "kind"] and node["unit"] == s.loc[sid, "unit"]
    assert node["name"] == s.loc[sid, "name"]
    assert node["potential_population"] > 0
    for _, _, e in list(g.edges(data=True))[:50]:
        assert set(e) == {"minutes", "by_road", "population", "traffic", "economic"}
        assert e["minutes"] >= 0
    assert set(g.graph["fits"]) == {"population", "traffic", "economic"}
    assert g.graph["sources"]["population"] == "observed"
    # Every observed flow is an edge with its value.
    f = county.flows
    assert f is not None
    row = f.iloc[0]
    assert g.edges[row["origin"], row["destination"]]["population"] == row["population"]


# -- aggregation to units ----------------------------------------------------------------------
def test_unit_pairs_conserve_every_flow_type(county_flows) -> None:  # type: ignore[no-untyped-def]
    up = county_flows.unit_pairs()
    for t in ("population", "traffic", "economic"):
        assert math.fsum(up[t]) == pytest.approx(math.fsum(county_flows.values(t)), rel=1e-12)
    assert not up.duplicated(["origin_unit", "destination_unit"]).any()


def test_unit_pairs_match_the_observed_unit_flows(county: StudyArea, county_flows) -> None:  # type: ignore[no-untyped-def]
    from townmerge.graph.unitpairs import unit_flows

    old = unit_flows(county, "population", source="observed").set_index(
        ["origin_unit", "destination_unit"])
    new = county_flows.unit_pairs().set_index(["origin_unit", "destination_unit"])
    new = new.loc[new["population"] > 0, "population"]
    pd.testing.assert_series_equal(new.sort_index(), old["flow"].sort_index(),
                                   check_names=False, rtol=1e-12)


@pytest.mark.filterwarnings("ignore::townmerge.errors.TopologyWarning")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_settlements=st.integers(2, 12),
    data=st.data(),
)
def test_aggregation_conserves_total_exactly(n_settlements: int, data: st.DataObject) -> None:
    cols = data.draw(st.integers(1, 3))
    units = gpd.GeoDataFrame(
        {"id": [f"U{c}" for c in range(cols)]},
        geometry=[box(X0 + c * 1000, Y0, X0 + (c + 1) * 1000, Y0 + 1000) for c in range(cols)],
        crs=CRS)
    cells = data.draw(st.lists(st.integers(0, cols - 1), min_size=n_settlements,
                               max_size=n_settlements))
    sts = gpd.GeoDataFrame(
        {"id": [f"s{i}" for i in range(n_settlements)], "population": 100},
        geometry=[Point(X0 + c * 1000 + 10 + 7 * i, Y0 + 500) for i, c in enumerate(cells)],
        crs=CRS)
    pairs = data.draw(st.lists(
        st.tuples(st.integers(0, n_settlements - 1), st.integers(0, n_settlements - 1),
                  st.integers(0, 10**6)), min_size=1, max_size=40))
    pairs = [p for p in pairs if p[0] != p[1]]
    if not pairs:
        return
    flows = pd.DataFrame({"origin": [f"s{a}" for a, _, _ in pairs],
                          "destination": [f"s{b}" for _, b, _ in pairs],
                          "population": [float(v) for _, _, v in pairs]})
    area = StudyArea(units, sts, flows)
    sf = settlement_flows(area, gravity=GravityParams(fit=False))
    up = sf.unit_pairs()
    total = float(sum(v for _, _, v in pairs))  # integers: float sums are exact
    assert up["population"].sum() == total
    assert sf.values("population").sum() == total
    # Each unit pair holds exactly the flows between its settlements.
    unit_of = dict(zip(sts["id"], [f"U{c}" for c in cells], strict=True))
    want: dict[tuple[str, str], float] = {}
    for a, b, v in pairs:
        key = (unit_of[f"s{a}"], unit_of[f"s{b}"])
        want[key] = want.get(key, 0.0) + v
    got = {(o, d): v for o, d, v in zip(up["origin_unit"], up["destination_unit"],
                                        up["population"], strict=True) if v != 0 or
           (o, d) in want}
    assert got == want
    # The gravity flows land in unit pairs without loss too.
    assert math.isclose(up["traffic"].sum(), sf.values("traffic").sum(), rel_tol=1e-12)


def test_membership_rows_sum_to_one(county_flows) -> None:  # type: ignore[no-untyped-def]
    for t in ("population", "traffic", "economic"):
        m = county_flows.membership(t)
        sums = m.groupby("origin_unit")["membership"].sum()
        np.testing.assert_allclose(sums.to_numpy(), 1.0, rtol=1e-12)
        assert (m["origin_unit"] != m["destination_unit"]).all()
        assert ((m["membership"] >= 0) & (m["membership"] <= 1)).all()


def test_dominant_direction_and_self_containment(county: StudyArea, county_flows) -> None:  # type: ignore[no-untyped-def]
    summary = county_flows.unit_summary("population")
    m = county_flows.membership("population")
    top = m.sort_values(["origin_unit", "membership", "destination_unit"],
                        ascending=[True, False, True]).drop_duplicates("origin_unit")
    top = top.set_index("origin_unit")
    assert summary.loc[top.index, "dominant"].tolist() == top["destination_unit"].tolist()
    np.testing.assert_allclose(summary.loc[top.index, "dominant_membership"], top["membership"])
    sc = summary["self_containment"].dropna()
    assert ((sc >= 0) & (sc <= 1)).all()
    np.testing.assert_allclose(summary["potential"],
                               summary["internal"] + summary["outflow"])
    # Potential per unit = sum of its settlements' potentials.
    pot = county_flows.potential("population")
    s = county.settlements
    assert s is not None
    by_unit = pot.groupby(s["unit"]).sum().reindex(summary.index, fill_value=0.0)
    np.testing.assert_allclose(summary["potential"], by_unit, rtol=1e-12)
    dd = county_flows.dominant_directions()
    assert list(dd.columns) == ["population", "traffic", "economic"]
    assert dd["population"].tolist() == summary["dominant"].tolist()


def test_dominant_direction_among_neighbours(county: StudyArea, county_flows) -> None:  # type: ignore[no-untyped-def]
    from townmerge import build_adjacency

    adj = build_adjacency(county)
    summary = county_flows.unit_summary("traffic", adjacency=adj)
    nbrs: dict[str, set[str]] = {}
    for a, b in zip(adj["unit_a"], adj["unit_b"], strict=True):
        nbrs.setdefault(a, set()).add(b)
        nbrs.setdefault(b, set()).add(a)
    for uid, dom in summary["dominant"].dropna().items():
        assert dom in nbrs[uid]


def test_unit_flows_estimate_without_a_flow_table() -> None:
    from townmerge.graph.unitpairs import unit_flows

    area = tiny_area()
    for t in ("population", "traffic", "economic"):
        up = unit_flows(area, t)
        assert set(zip(up["origin_unit"], up["destination_unit"], strict=True)) <= {
            ("W", "W"), ("W", "E"), ("E", "W"), ("E", "E")}
        assert (up["flow"] > 0).all()
    assert unit_flows(area, source="observed").empty  # no flow table: nothing observed


def test_unit_flows_one_way_directed_and_exchanged(county: StudyArea) -> None:
    from townmerge.errors import ParameterError
    from townmerge.graph.unitpairs import unit_flows

    directed = unit_flows(county, "traffic")
    exchanged = unit_flows(county, "traffic", directed=False)
    assert (exchanged["unit_a"] < exchanged["unit_b"]).all()
    between = directed[directed["origin_unit"] != directed["destination_unit"]]
    assert exchanged["flow"].sum() == pytest.approx(between["flow"].sum(), rel=1e-12)
    observed = unit_flows(county, "traffic", source="observed")
    assert observed["flow"].sum() <= directed["flow"].sum() * (1 + 1e-12)
    with pytest.raises(ParameterError, match="flow_type"):
        unit_flows(county, "money")
    with pytest.raises(ParameterError, match="source"):
        unit_flows(county, source="guess")  # type: ignore[arg-type]


def test_unknown_flow_type() -> None:
    sf = settlement_flows(tiny_area())
    with pytest.raises(InputError, match="Unknown flow type"):
        sf.membership("money")


def test_params_are_validated() -> None:
    with pytest.raises(InputError, match="cutoff_min"):
        TravelParams(cutoff_min=0)
    with pytest.raises(InputError, match="method"):
        GravityParams(method="ols")  # type: ignore[arg-type]
    p = TravelParams(road_speeds_kmh={"track": 10})
    with pytest.raises(TypeError):
        p.road_speeds_kmh["track"] = 20  # type: ignore[index]


def test_network_points_geometry_positions() -> None:
    net = TravelNetwork(tiny_area())
    assert net.positions(["e", "a"]).tolist() == [4, 0]
    assert shapely.get_type_id(tiny_area().settlements.geometry.iloc[0]) == 0


@pytest.mark.parametrize("case", ["county", "county without roads", "tiny"])
def test_max_destinations_keeps_the_nearest(county: StudyArea, case: str) -> None:
    area = {"county": county, "tiny": tiny_area(),
            "county without roads": StudyArea(county.units, county.settlements)}[case]
    cap, cutoff = (2, 90.0) if case == "tiny" else (7, 30.0)  # tiny: fallback pairs too
    full = TravelNetwork(area, TravelParams(cutoff_min=cutoff)).within_cutoff()
    assert case != "tiny" or not full["by_road"].all()
    capped = TravelNetwork(area, TravelParams(cutoff_min=cutoff, max_destinations=cap)
                           ).within_cutoff()
    assert capped.groupby("origin").size().max() <= cap
    want = (full.sort_values(["origin", "minutes", "destination"])
            .groupby("origin").head(cap))
    key = ["origin", "destination"]
    assert set(map(tuple, capped[key].to_numpy())) <= set(map(tuple, full[key].to_numpy()))
    np.testing.assert_allclose(np.sort(capped["minutes"]), np.sort(want["minutes"]))


def test_params_are_hashable_and_frozen() -> None:
    assert hash(TravelParams()) == hash(TravelParams())
    assert hash(GravityParams()) == hash(GravityParams())
    assert TravelParams(max_destinations=5) != TravelParams()
