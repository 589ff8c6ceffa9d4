"""The plan maps of issue 13: two synchronised panes, seats, layers, villages, comparisons.

Data checks read the page's one JSON block; browser checks load the page in headless
Chromium (skipped without it, failing under ``CI=true`` like the other browser tests).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

import townmerge as tm
from townmerge.cli.commands import main
from townmerge.data.plan import Plan
from townmerge.data.plan_csv import read_plan
from townmerge.errors import EXIT_INPUT, ParameterError, TopologyWarning
from townmerge.generate import co_occurrence
from townmerge.render import before_after_map, plans_map, reform_map, save_map
from townmerge.render.map_pack import unpack_page
from townmerge.testing.browser import check_html

SAMPLE = "sample_shapes/county"
ID = re.compile(r"\b\d{9,12}\b")


@pytest.fixture(scope="module")
def area() -> tm.StudyArea:
    return tm.read_study_area(SAMPLE)


@pytest.fixture(scope="module")
def plan(area: tm.StudyArea) -> Plan:
    return tm.greedy_plan(area, target=13)


@pytest.fixture(scope="module")
def moved_plan(area: tm.StudyArea, plan: Plan) -> Plan:
    """The greedy plan with one merged unit's seat moved to a member's non-seat settlement."""
    st = area.settlements
    assert st is not None
    new = next(n for n in sorted(plan.groups()) if len(plan.members(n)) > 1)
    formers = set(area.units["seat"].astype(str))
    target = next(s for s in st.index if st.at[s, "unit"] in plan.members(new)
                  and s not in formers)
    return plan.with_seats({**plan.seats, new: target})


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory, area: tm.StudyArea,
          moved_plan: Plan) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("plan_maps")
    return {lang: save_map(before_after_map(area, moved_plan, lang=lang, date="2026-12-05",
                                            county="示例县" if lang == "zh" else "Sample"),
                           out / f"map_{lang}.html")
            for lang in ("zh", "en")}


def _data(page: str) -> dict:
    found = re.findall(r'<script type="application/json" id="[^"]+">(.*?)</script>', page, re.S)
    assert len(found) == 1
    return unpack_page(json.loads(found[0]))  # the page's data is packed (render.map_pack)


def _layer(pane: dict, title: str) -> dict:
    return next(layer for layer in pane["layers"] if layer["title"] == title)


def _props(layer: dict) -> list[dict]:
    return [f["properties"] for f in layer["shapes"]["features"]]


def test_sample_map_is_offline_and_under_one_megabyte(pages: dict[str, Path]) -> None:
    for path in pages.values():
        page = path.read_text(encoding="utf-8")
        assert path.stat().st_size < 1_000_000
        assert "<script src=" not in page and "<link " not in page
        data = _data(page)
        assert data["tiles"] is None and [p["label"] for p in data["panes"]] in (
            ["调整前", "调整后"], ["Before", "After"])


def test_title_names_county_plan_and_date(pages: dict[str, Path]) -> None:
    zh = pages["zh"].read_text(encoding="utf-8")
    assert re.search(r'<div class="tm-title">示例县乡镇行政区划调整方案（[^<]+）2026-12-05</div>',
                     zh)
    en = pages["en"].read_text(encoding="utf-8")
    assert '<div class="tm-title">Sample: township merger plan (' in en


def test_coordinates_are_rounded_and_simplified(area: tm.StudyArea, pages: dict[str, Path]
                                                ) -> None:
    data = _data(pages["en"].read_text(encoding="utf-8"))
    units = _layer(data["panes"][0], "Current units")["shapes"]["features"]
    coords = [c for f in units for ring in f["geometry"]["coordinates"] for c in ring]
    assert all(len(repr(x).split(".")[-1]) <= 5 for c in coords for x in c)
    original = shapely.get_num_coordinates(area.units.geometry.to_numpy()).sum()
    assert len(coords) < original


def test_adjacent_new_units_never_share_a_colour(pages: dict[str, Path]) -> None:
    data = _data(pages["en"].read_text(encoding="utf-8"))
    features = _layer(data["panes"][1], "New units")["shapes"]["features"]
    shapes = [shapely.geometry.shape(f["geometry"]) for f in features]
    fills = [f["properties"]["style"]["fillColor"] for f in features]
    touching = [(i, j) for i in range(len(shapes)) for j in range(i + 1, len(shapes))
                if shapes[i].distance(shapes[j]) < 1e-5]
    assert touching, "the sample county's new units touch"
    assert all(fills[i] != fills[j] for i, j in touching)


def test_seats_have_their_kinds_and_an_arrow_where_one_moves(
        area: tm.StudyArea, moved_plan: Plan, pages: dict[str, Path]) -> None:
    data = _data(pages["en"].read_text(encoding="utf-8"))
    seats = _layer(data["panes"][1], "Seats")
    kinds = [p["seat"] for p in _props(seats) if "seat" in p]
    assert kinds.count("kept") + kinds.count("moved") + kinds.count("new") == moved_plan.n_new
    assert kinds.count("moved") == 1
    formers = {str(s) for s in area.units["seat"]} - set(moved_plan.seats.values())
    assert kinds.count("former") == len(formers)
    arrows = [p for p in _props(seats) if "seat" not in p]
    assert len(arrows) == 1 and arrows[0]["lines"] == ["seat moved"]
    moved = next(p for p in _props(seats) if p.get("seat") == "moved")
    assert any(line.startswith("Mean time to the seat: ") and line.endswith(" min")
               for line in moved["popup"]["lines"])
    assert any(line.startswith("moved from ") for line in moved["popup"]["lines"])
    current = _layer(data["panes"][0], "Current seats")
    assert [p["seat"] for p in _props(current)] == ["current"] * len(area.units)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_tooltips_show_names_figures_and_scores_never_bare_ids(
        area: tm.StudyArea, pages: dict[str, Path], lang: str) -> None:
    data = _data(pages[lang].read_text(encoding="utf-8"))
    names = set(area.units["name"])
    for pane in data["panes"]:
        for layer in pane["layers"]:
            for p in _props(layer):
                if "name" in p:
                    assert not ID.search(p["name"]), p["name"]
                    assert not any(ID.search(line) for line in p["lines"]), p["lines"]
    after = _props(_layer(data["panes"][1], "调整后乡镇（街道）" if lang == "zh" else "New units"))
    zh_heads = ("人口: ", "面积: ", "驻地: ", "原乡镇: ", "评分: ", "分项: ", "理由: ")
    heads = zh_heads if lang == "zh" else ("Population: ", "Area: ", "Seat: ", "Former units: ",
                                           "Score: ", "Breakdown: ", "Reason: ")
    for p in after:
        assert all(any(line.startswith(h) for line in p["lines"]) for h in heads), p["lines"]
        members = next(line for line in p["lines"] if line.startswith(heads[3]))
        assert any(n in members for n in names)


def test_layers_in_each_pane(pages: dict[str, Path]) -> None:
    data = _data(pages["en"].read_text(encoding="utf-8"))
    before, after = ([layer["title"] for layer in pane["layers"]] for pane in data["panes"])
    assert before[:2] == ["Current units", "Population"]
    assert {"Settlement tiers", "Strongest population flows", "Strongest traffic flows",
            "Current seats"} <= set(before)
    assert after[:2] == ["New units", "Former boundaries"]
    assert {"Population", "Population against its floor", "Mean time to the seat (min)",
            "Merger score", "Settlement tiers", "Strongest economic flows",
            "Seats"} <= set(after)
    borders = _layer(data["panes"][1], "Former boundaries")
    assert all(p["style"]["dashArray"] and p["style"]["weight"] == 1 for p in _props(borders))
    scale = _layer(data["panes"][1], "Merger score")["legend"][0]
    assert scale["type"] == "scale" and len(scale["colours"]) == len(scale["ticks"]) - 1
    tiers = _layer(data["panes"][0], "Settlement tiers")["legend"]
    assert {"central town", "central village"} <= {e["text"] for e in tiers}


def test_mode_swipe_and_bad_mode(area: tm.StudyArea, plan: Plan) -> None:
    page = before_after_map(area, plan, mode="swipe", lang="en").get_root().render()
    assert _data(page)["mode"] == "swipe"
    with pytest.raises(ParameterError, match="Unknown map mode 'split'"):
        before_after_map(area, plan, mode="split")


def test_attribution_is_plain_text_and_configurable(area: tm.StudyArea, plan: Plan) -> None:
    page = before_after_map(area, plan, attribution="<b>Office</b> {{ 7*7 }}").get_root()
    text = page.render()
    assert _data(text)["attribution"] == "<b>Office</b> {{ 7*7 }}"
    assert "<b>Office" not in text and "plainHtml(data.attribution)" in text


def test_plans_map_and_co_occurrence_on_shared_borders(area: tm.StudyArea, plan: Plan) -> None:
    other = tm.greedy_plan(area, target=15)
    co = co_occurrence([plan, other])
    page = plans_map(area, {"thirteen": plan, "fifteen": other}, lang="en",
                     co_occurrence=co).get_root().render()
    data = _data(page)
    titles = [layer["title"] for layer in data["panes"][0]["layers"]]
    assert titles == ["Current units", "thirteen", "fifteen", "Agreement across plans"]
    agreement = _props(_layer(data["panes"][0], "Agreement across plans"))
    assert agreement and all(" – " in p["name"] and not ID.search(p["name"]) for p in agreement)
    robust = [p for p in agreement if p["lines"] == ["merged in 100% of plans"]]
    assert robust and all(p["style"]["color"] == "#1a9641" for p in robust)


def test_village_plan_drawn_inside_the_townships(area: tm.StudyArea, plan: Plan) -> None:
    villages = tm.read_study_area(SAMPLE, level="villages")
    vplan = Plan.identity(villages.unit_ids)
    page = before_after_map(area, plan, lang="en", villages=(villages, vplan))
    data = _data(page.get_root().render())
    inner = _layer(data["panes"][1], "New villages / communities")
    assert len(inner["shapes"]["features"]) == len(villages.units)
    village_map = before_after_map(villages, vplan, lang="zh").get_root().render()
    assert len(_data(village_map)["panes"]) == 2


def test_approximate_territories_are_said_so(area: tm.StudyArea, plan: Plan) -> None:
    flagged = area.units.assign(approximate=True)
    with pytest.warns(TopologyWarning, match="approximated from points"):
        rough = tm.StudyArea(flagged, area.settlements, area.flows, area.roads)
    data = _data(before_after_map(rough, plan, lang="en").get_root().render())
    units = _layer(data["panes"][0], "Current units")
    assert {"type": "text", "text": "approximate territories (from points)"} in units["legend"]
    assert all("approximate territories (from points)" in p["lines"] for p in _props(units))


def test_reform_map_draws_both_levels() -> None:
    towns = tm.read_study_area(SAMPLE)
    villages = tm.read_study_area(SAMPLE, level="villages")
    reform = tm.plan_reform(towns, villages, targets={"township": 13, "village": 83,
                                                      "community": 79}, time_limit=60)
    data = _data(reform_map(reform, lang="en").get_root().render())
    after = [layer["title"] for layer in data["panes"][1]["layers"]]
    assert "New villages / communities" in after and "New units" in after


# --- in the browser ---------------------------------------------------------------------------

SYNC_JS = """async () => {
  const maps = window.townmergeMaps;
  const shown = [...document.querySelectorAll('.tm-label')].map(e => e.textContent);
  const start = maps[1].getCenter();
  maps[0].panBy([180, 90], {animate: false});
  await new Promise(r => setTimeout(r, 50));
  const a = maps[0].getCenter(), b = maps[1].getCenter();
  maps[1].setZoom(maps[1].getZoom() + 1, {animate: false});
  await new Promise(r => setTimeout(r, 50));
  const kinds = {};
  document.querySelectorAll('.leaflet-marker-icon .tm-seat').forEach(e => {
    const k = e.className.replace('tm-seat tm-seat-', '');
    kinds[k] = (kinds[k] || 0) + 1;
  });
  const tips = [];
  const layer = Object.values(maps[1]._layers).find(l => l.feature && l.getTooltip
      && l.getTooltip() && l.feature.geometry.type !== 'Point');
  layer.openTooltip();
  tips.push(document.querySelector('.leaflet-tooltip').textContent);
  return {panes: maps.length, shown: shown, a: [a.lat, a.lng], b: [b.lat, b.lng],
          start: [start.lat, start.lng], zooms: [maps[0].getZoom(), maps[1].getZoom()],
          kinds: kinds, tips: tips,
          labels: [...document.querySelectorAll('.tm-pane-label')].map(e => e.textContent),
          scale: [...document.querySelectorAll('.leaflet-control-scale-line')]
                    .map(e => e.textContent)};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_panes_synchronised_seats_and_names_in_chromium(
        browser: None, pages: dict[str, Path], area: tm.StudyArea, moved_plan: Plan,
        lang: str) -> None:
    check = check_html(pages[lang], script=SYNC_JS, full_page=False)
    assert check.ok, check.describe()
    r = check.script_result
    assert isinstance(r, dict)
    assert r["panes"] == 2
    assert r["a"] == pytest.approx(r["b"]) and r["a"] != pytest.approx(r["start"])
    assert r["zooms"][0] == r["zooms"][1]
    kinds = r["kinds"]
    assert kinds["moved"] == 1 and kinds["kept"] + kinds.get("new", 0) == moved_plan.n_new - 1
    assert kinds["former"] > 0 and kinds["current"] == len(moved_plan.assignment)
    assert r["labels"] == (["调整前", "调整后"] if lang == "zh" else ["Before", "After"])
    assert all(s.endswith("km") or s.endswith(" m") for s in r["scale"])
    assert r["tips"] and not ID.search(r["tips"][0])
    units = set(area.units["name"])
    assert units <= set(r["shown"])  # every current unit labelled by name (before pane)
    assert set(moved_plan.names.values()) <= set(r["shown"])  # and every new unit (after)


@pytest.mark.browser
def test_swipe_mode_loads_in_chromium(browser: None, area: tm.StudyArea, plan: Plan,
                                      tmp_path: Path) -> None:
    path = save_map(before_after_map(area, plan, mode="swipe"), tmp_path / "swipe.html")
    check = check_html(path, script="() => [window.townmergeMaps.length, "
                       "document.querySelectorAll('input.tm-swipe').length]", full_page=False)
    assert check.ok, check.describe()
    assert check.script_result == [2, 1]


# --- the command line ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("map_cli") / "out"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["demo", "--out", str(out)]) == 0
    return out


def test_cli_map_of_a_plan_read_from_csv(demo_out: Path, tmp_path: Path) -> None:
    out = tmp_path / "maps" / "map.html"
    with contextlib.redirect_stdout(io.StringIO()) as stdout:
        status = main(["map", SAMPLE, "--plan", str(demo_out / "plan.csv"), "--villages",
                       str(demo_out / "village_plan.csv"), "--lang", "en", "--out", str(out)])
    assert status == 0 and f"wrote {out}" in stdout.getvalue()
    data = _data(out.read_text(encoding="utf-8"))
    plan = read_plan(demo_out / "plan.csv")
    labels = [p["label"] for p in _layer(data["panes"][1], "New units")["labels"]["features"]
              for p in [p["properties"]]]
    assert sorted(labels) == sorted(plan.names.values())
    villages = _layer(data["panes"][1], "New villages / communities")["shapes"]["features"]
    assert len(villages) == read_plan(demo_out / "village_plan.csv").n_new
    assert out.stat().st_size < 1_000_000


def test_cli_map_of_several_plans_and_a_bad_plan(demo_out: Path, tmp_path: Path) -> None:
    plan_csv = str(demo_out / "plan.csv")
    out = tmp_path / "plans.html"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["map", SAMPLE, "--plan", plan_csv, "--plan", plan_csv, "--out",
                     str(out)]) == 0
    assert len(_data(out.read_text(encoding="utf-8"))["panes"][0]["layers"]) == 3
    short = tmp_path / "short.csv"
    short.write_text("".join((demo_out / "plan.csv").read_text(encoding="utf-8")
                             .splitlines(keepends=True)[:-1]), encoding="utf-8")
    with contextlib.redirect_stderr(io.StringIO()) as stderr:
        status = main(["map", SAMPLE, "--plan", str(short), "--out", str(tmp_path / "x.html")])
    assert status == EXIT_INPUT and "have no new unit" in stderr.getvalue()
    assert not (tmp_path / "x.html").exists()


def test_large_maps_label_by_zoom_and_fit_the_bulk() -> None:
    """From MANY_UNITS units on, small units are labelled only when zoomed in, and the view
    fits where most units are, not a far-away outlier."""
    from shapely.geometry import box

    from townmerge.render.map_geometry import MANY_UNITS, MapGeometry

    side = 20
    cells = [box(x * 1000, y * 1000, (x + 1) * 1000, (y + 1) * 1000)
             for x in range(side) for y in range(side)]
    cells.append(box(900_000, 900_000, 901_000, 901_000))  # one unit far away
    ids = [f"u{k}" for k in range(len(cells))]
    units = gpd.GeoDataFrame({"id": ids, "name": [f"名{k}" for k in range(len(cells))]},
                             geometry=cells, crs="EPSG:32648")
    assert len(units) >= MANY_UNITS
    with pytest.warns(TopologyWarning, match="touches no other unit"):
        geo = MapGeometry(tm.StudyArea(units))
    zooms = geo.label_zooms(geo.metric)
    assert min(zooms) > 10  # a 1 km cell spans 40 px only from about zoom 12
    (south, west), (north, east) = geo.bounds
    assert north - south < 1 and east - west < 1  # the outlier is 8° away
    small = MapGeometry(tm.StudyArea(units.iloc[:10]))
    assert small.label_zooms(small.metric) == [0.0] * 10


def test_the_page_decodes_its_packed_data_as_unpack_page_does(pages: dict[str, Path]) -> None:
    """The page script's decoder and ``unpack_page`` give the same layers, shape for shape."""
    page = pages["zh"].read_text(encoding="utf-8")
    raw = json.loads(re.findall(r'<script type="application/json" id="[^"]+">(.*?)</script>',
                                page, re.S)[0])
    assert raw["geoms"], "the page carries the packed form"
    check = check_html(pages["zh"], script="() => JSON.stringify(window.townmergeData.panes)",
                       wait_ms=0, full_page=False)
    assert check.ok, check.describe()
    assert isinstance(check.script_result, str)
    assert json.loads(check.script_result) == unpack_page(raw)["panes"]
