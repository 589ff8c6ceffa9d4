"""The compact form of a map's data (render.map_pack) loses nothing and is smaller."""

from __future__ import annotations

import json

import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from townmerge.data.plan import Plan
from townmerge.render import before_after_map
from townmerge.render.map_pack import pack_page, unpack_page
from townmerge.testing.examples import example_area

DECIMALS = 5
coordinate = st.integers(-18_000_000, 18_000_000).map(lambda q: q / 10**DECIMALS)
ring = st.lists(st.tuples(coordinate, coordinate), min_size=3, max_size=12)


def _geometry(kind: str, rings: list[list[tuple[float, float]]]) -> dict:
    closed = [[*r, r[0]] for r in rings]
    if kind == "Polygon":
        return {"type": kind, "coordinates": [[list(p) for p in r] for r in closed]}
    if kind == "MultiPolygon":
        return {"type": kind, "coordinates": [[[list(p) for p in r]] for r in closed]}
    if kind == "LineString":
        return {"type": kind, "coordinates": [list(p) for p in rings[0]]}
    if kind == "MultiLineString":
        return {"type": kind, "coordinates": [[list(p) for p in r] for r in rings]}
    if kind == "MultiPoint":
        return {"type": kind, "coordinates": [list(p) for p in rings[0]]}
    return {"type": "Point", "coordinates": list(rings[0][0])}


feature = st.builds(
    lambda kind, rings, name, style: {
        "type": "Feature", "geometry": _geometry(kind, rings),
        "properties": {"name": name, "style": {"weight": style}}},
    st.sampled_from(["Polygon", "MultiPolygon", "LineString", "MultiLineString",
                     "MultiPoint", "Point"]),
    st.lists(ring, min_size=1, max_size=3), st.text(max_size=8), st.sampled_from([1, 2]))


@settings(max_examples=60, deadline=None)
@given(st.lists(feature, max_size=8), st.booleans())
def test_pack_then_unpack_gives_the_page_back(features: list[dict], twice: bool) -> None:
    layer = {"title": "t", "show": True,
             "shapes": {"type": "FeatureCollection", "features": features},
             "labels": {"type": "FeatureCollection", "features": [
                 {"type": "Feature", "properties": {"label": f["properties"]["name"],
                                                    "minZoom": 3.5},
                  "geometry": {"type": "Point", "coordinates": [1.25, -0.5]}}
                 for f in features]}}
    page = {"mode": "dual", "panes": [{"label": "a", "layers": [layer] * (2 if twice else 1)}]}
    before = json.dumps(page, sort_keys=True)
    packed = pack_page(page, DECIMALS)
    assert json.dumps(page, sort_keys=True) == before, "the page is not changed"
    assert json.loads(json.dumps(unpack_page(packed))) == json.loads(before)
    distinct = {json.dumps(f["geometry"], sort_keys=True) for f in features}
    assert len(packed["geoms"]) == len(distinct), "each distinct shape is written once"


def test_a_packed_map_is_smaller_and_shares_its_shapes() -> None:
    area = example_area()
    plan = Plan.from_groups({"N": list(area.unit_ids)})
    page = before_after_map(area, plan, lang="en", date="-").get_root().render()
    start = page.index('<script type="application/json"')
    block = page[page.index(">", start) + 1:page.index("</script>", start)]
    packed = json.loads(block)
    plain = unpack_page(packed)
    assert len(block) < 0.8 * len(json.dumps(plain, ensure_ascii=False,
                                              separators=(",", ":")))
    shapes = [f["geometry"] for pane in plain["panes"] for layer in pane["layers"]
              if layer.get("shapes") for f in layer["shapes"]["features"]]
    assert len(packed["geoms"]) < len(shapes)
    current = next(layer for layer in plain["panes"][0]["layers"]
                   if layer["title"] == "Current units")
    decoded = [shapely.geometry.shape(f["geometry"]) for f in current["shapes"]["features"]]
    assert len(decoded) == len(area.units)
    assert all(g.is_valid and g.area > 0 for g in decoded)
