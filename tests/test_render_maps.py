"""Before/after HTML maps: offline, escaped, bilingual, and drawn in a real browser."""

from __future__ import annotations

import json
import re
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas import GeoDataFrame

from townmerge.i18n import fmt_area_km2, fmt_population, label
from townmerge.render import before_after_map, save_map
from townmerge.render.map_data import PALETTE, _greedy_colours
from townmerge.testing.browser import (
    BrowserCheck,
    check_html,
    colour_stats,
    decode_png,
)

EVIL = "<script>alert(1)</script>"
EVIL_IMG = "<img src=x onerror=alert(2)>"
EVIL_JS = "`${alert(3)}`\\"
NAMES = ["城关镇", "东山乡", EVIL, "西河镇", "南坝乡", EVIL_IMG, "北林镇", "白马乡", EVIL_JS]
POPULATION = [29300, 12000, 8000, np.nan, 15500, 6100, 22000, 9800, 4300]
#: Row-major 3×3 grid: cell k goes to PAIRS[k]; cell 8 stays alone.
PAIRS = ["N1", "N1", "N2", "N3", "N3", "N2", "N4", "N4", "N5"]


@pytest.fixture(scope="module")
def before() -> GeoDataFrame:
    x0, y0, side = 400_000.0, 3_380_000.0, 1000.0
    cells = [
        shapely.box(x0 + c * side, y0 + r * side, x0 + (c + 1) * side, y0 + (r + 1) * side)
        for r in range(3)
        for c in range(3)
    ]
    return gpd.GeoDataFrame(
        {"name": NAMES, "population": POPULATION, "new_unit": PAIRS},
        geometry=cells,
        index=pd.Index([f"5101{k:02d}" for k in range(9)], name="unit_id"),
        crs="EPSG:32648",
    )


@pytest.fixture(scope="module")
def after(before: GeoDataFrame) -> GeoDataFrame:
    merged = before.dissolve(by="new_unit", aggfunc={"population": "sum", "name": "first"})
    merged["seat_name"] = merged["name"]
    return merged


@pytest.fixture(scope="module")
def settlements(before: GeoDataFrame) -> GeoDataFrame:
    pts = before.geometry.representative_point()
    return gpd.GeoDataFrame(
        {"name": [f"{n}村" for n in NAMES], "population": np.arange(1, 10) * 500.0},
        geometry=pts.to_numpy(),
        crs=before.crs,
    )


def _page(m: folium.Map) -> str:
    return str(m.get_root().render())


def _page_data(page: str) -> dict:
    """The JSON object the map's drawing script reads."""
    found = re.findall(r'<script type="application/json" id="[^"]+">(.*?)</script>', page, re.S)
    assert len(found) == 1
    return dict(json.loads(found[0]))


def _as_js_sees_it(page: str) -> str:
    """Undo the ``\\uXXXX`` escapes of the JSON embedded in the page's scripts."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda mt: chr(int(mt.group(1), 16)), page)


# --- offline -----------------------------------------------------------------


def test_html_loads_nothing_from_the_network(
    before: GeoDataFrame, after: GeoDataFrame, settlements: GeoDataFrame
) -> None:
    page = _page(before_after_map(before, after, settlements=settlements))
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I)
    assert not re.search(r"<link[^>]*\bhref\s*=", page, re.I)
    assert "cdn." not in page.lower().replace("leafletjs.com", "")
    for lib in ("jquery", "bootstrap", "awesome-markers", "font-awesome", "fontawesome"):
        assert lib not in page.lower(), lib
    assert "L.map(" in page and "Leaflet 1.9.4" in page  # inlined, not linked
    assert "url(images/" not in page  # Leaflet's CSS images are not shipped


def test_tiles_are_passed_to_folium(before: GeoDataFrame, after: GeoDataFrame) -> None:
    assert "tile.openstreetmap.org" in _page(before_after_map(before, after, tiles="OpenStreetMap"))
    assert "L.tileLayer" not in _page(before_after_map(before, after, tiles=None))


def test_coordinates_are_rounded(
    before: GeoDataFrame, after: GeoDataFrame, settlements: GeoDataFrame
) -> None:
    page = _page(before_after_map(before, after, settlements=settlements))
    body = page.split("</head>", 1)[1]
    assert '"coordinates"' in body
    assert not re.findall(r"\d\.\d{7,}", body)


# --- escaping ----------------------------------------------------------------


def test_names_are_escaped(before: GeoDataFrame, after: GeoDataFrame) -> None:
    page = _page(before_after_map(before, after, title=f"Plan {EVIL}"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # title, as text
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page
    # The names reach the drawing script as JSON data, exactly as given; it writes
    # them with textContent, so they are never parsed as HTML.
    data = _page_data(page)
    names = {f["properties"]["name"] for f in data["layers"][0]["shapes"]["features"]}
    assert {EVIL, EVIL_IMG, EVIL_JS} <= names
    labels = {f["properties"]["label"] for f in data["layers"][1]["labels"]["features"]}
    assert EVIL in labels and EVIL_JS in labels
    assert "${alert(3)}" in _as_js_sees_it(page)  # JSON string data, never a template literal
    assert "innerHTML" not in page.split("</head>", 1)[1]


# --- labels and content -------------------------------------------------------


def test_labels_follow_the_language(before: GeoDataFrame, after: GeoDataFrame) -> None:
    zh = _as_js_sees_it(_page(before_after_map(before, after, lang="zh")))
    en = _as_js_sees_it(_page(before_after_map(before, after, lang="en")))
    for key in ("before", "after", "population", "area", "members", "legend_title"):
        assert label(key, "zh") in zh and label(key, "zh") not in en, key
        assert label(key, "en") in en, key
    assert "9 → 5" in zh and "9 → 5" in en
    assert fmt_population(29300 + 12000, "zh") in zh  # 4.13万
    assert fmt_population(29300 + 12000, "en") in en  # 41,300
    assert f"{label('area', 'en')}: {fmt_area_km2(2.0, 'en')}" in en  # two 1 km² cells
    assert "城关镇、东山乡" in zh and "城关镇, 东山乡" in en  # members derived from new_unit


def test_members_column_and_settlements(
    before: GeoDataFrame, after: GeoDataFrame, settlements: GeoDataFrame
) -> None:
    with_members = after.assign(members=["甲村,乙村", ["丙", "丁"], None, "戊", "己"])
    page = _as_js_sees_it(_page(before_after_map(before, with_members, settlements=settlements)))
    assert "甲村、乙村" in page and "丙、丁" in page
    assert label("settlements", "zh") in page
    assert f"{NAMES[0]}村" in page
    assert page.count("L.CircleMarker") >= 1


def test_missing_population_column(before: GeoDataFrame, after: GeoDataFrame) -> None:
    page = _page(before_after_map(before.drop(columns="population"), after, lang="en"))
    assert "Population: —" in _as_js_sees_it(page)


def test_float_new_unit_ids_match_integer_ids(before: GeoDataFrame) -> None:
    codes = {"N1": 1, "N2": 2, "N3": 3, "N4": 4, "N5": 5}
    old = before.assign(new_unit=[float(codes[p]) for p in PAIRS])  # 1.0, as read from files
    new = before.assign(new_unit=[codes[p] for p in PAIRS]).dissolve(by="new_unit")
    new["name"] = ["一镇", "二镇", "三镇", "四镇", "五镇"]
    page = _as_js_sees_it(_page(before_after_map(old, new, lang="en")))
    assert "New unit: 一镇" in page and "Former units: 城关镇, 东山乡" in page


def test_neighbouring_units_get_different_colours(after: GeoDataFrame) -> None:
    wgs = after.to_crs("EPSG:4326")
    ids = [str(i) for i in wgs.index]
    colours = _greedy_colours(ids, wgs.geometry.to_numpy())
    assert set(colours) <= set(PALETTE)
    assert colours == _greedy_colours(ids, wgs.geometry.to_numpy())  # deterministic
    tree = shapely.STRtree(wgs.geometry.to_numpy())
    left, right = tree.query(wgs.geometry.to_numpy(), predicate="touches")
    assert len(left) > 0
    for a, b in zip(left, right, strict=True):
        assert colours[a] != colours[b], (ids[a], ids[b])


# --- errors ------------------------------------------------------------------


def test_missing_crs_raises(before: GeoDataFrame, after: GeoDataFrame) -> None:
    no_crs = gpd.GeoDataFrame(before.drop(columns="geometry"), geometry=list(before.geometry))
    assert no_crs.crs is None
    with pytest.raises(ValueError, match="no coordinate reference system"):
        before_after_map(no_crs, after)
    with pytest.raises(ValueError, match="`after`"):
        before_after_map(before, after.set_crs(None, allow_override=True))


def test_unknown_language_raises(before: GeoDataFrame, after: GeoDataFrame) -> None:
    with pytest.raises(ValueError, match="'zh', 'en'"):
        before_after_map(before, after, lang="fr")
    with pytest.raises(KeyError, match="Unknown label key"):
        label("nonsense", "zh")


def test_save_map_writes_utf8_and_creates_folders(
    tmp_path: Path, before: GeoDataFrame, after: GeoDataFrame
) -> None:
    out = save_map(before_after_map(before, after), tmp_path / "a" / "b" / "map.html")
    assert out == tmp_path / "a" / "b" / "map.html"
    text = out.read_bytes().decode("utf-8")
    assert '<meta charset="utf-8">' in text
    assert "调整前" in text


# --- in a real browser ---------------------------------------------------------


@pytest.fixture(scope="module")
def browser_check(
    tmp_path_factory: pytest.TempPathFactory,
    before: GeoDataFrame,
    after: GeoDataFrame,
    settlements: GeoDataFrame,
    browser: None,
) -> BrowserCheck:
    folder = tmp_path_factory.mktemp("browser")
    path = save_map(
        before_after_map(before, after, settlements=settlements, tiles=None, title=EVIL),
        folder / "map.html",
    )
    return check_html(path, screenshot=folder / "map.png")


@pytest.mark.browser
def test_map_renders_offline_without_errors(browser_check: BrowserCheck) -> None:
    assert browser_check.console_errors == (), browser_check.describe()
    assert browser_check.failed_requests == (), browser_check.describe()
    assert browser_check.nonblank, browser_check.describe()
    assert browser_check.ok, browser_check.describe()
    # The polygons are drawn: Leaflet's grey background does not dominate.
    assert browser_check.dominant_share < 0.8, browser_check.dominant_share
    pixels = decode_png(browser_check.screenshot.read_bytes())
    assert colour_stats(pixels)[0] == browser_check.distinct_colours


@pytest.mark.browser
def test_evil_names_do_not_execute(browser_check: BrowserCheck) -> None:
    assert browser_check.dialogs == (), browser_check.describe()


@pytest.mark.browser
def test_check_html_reports_problems(tmp_path: Path, browser) -> None:
    """A positive control: the checks above would have seen a broken page."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
        '<img src="https://example.invalid/x.png">'
        '<script>alert("boom"); throw new Error("oops");</script>'
        "</body></html>",
        encoding="utf-8",
    )
    check = check_html(page, wait_ms=100)
    assert not check.ok
    assert check.dialogs == ("alert: boom",)
    assert any("oops" in e for e in check.console_errors), check.describe()
    assert any("example.invalid" in r for r in check.failed_requests), check.describe()
    assert not check.nonblank  # a white page with a broken-image icon
    assert check.screenshot == tmp_path / "broken.png" and check.screenshot.is_file()


def test_merged_units_map_names_members_and_seat_not_ids():
    """The demo draws merged_units(): tooltips list former units by name and name the seat."""
    import townmerge as tm

    area = tm.read_study_area(Path(__file__).resolve().parents[1] / "sample_shapes" / "county")
    plan = tm.generate_plan(area, method="exact", target=13)
    merged = tm.merged_units(area, plan)
    assert merged["seat_name"].notna().all()
    before = area.units.assign(new_unit=[plan.assignment[u] for u in area.unit_ids])
    html = tm.before_after_map(before, merged, lang="en").get_root().render()
    data = json.loads(re.search(r'<script type="application/json" id="[^"]*_data">(.*?)'
                                r"</script>", html, re.S).group(1))
    after = [f["properties"] for layer in data["layers"]
             if isinstance(layer.get("shapes"), dict) and layer["title"] != "Before"
             for f in layer["shapes"]["features"]]
    assert len(after) == merged.shape[0]
    names = dict(zip(area.unit_ids, area.units["name"], strict=True))
    for props in after:
        lines = props["lines"]
        members = next(x for x in lines if x.startswith("Former units: "))
        seat = next(x for x in lines if x.startswith("Seat: "))
        assert not any(u in members for u in area.unit_ids), members  # no bare ids
        row = merged.loc[merged["name"] == props["name"]].iloc[0]
        assert all(names[u] in members for u in row["members"].split(","))
        assert seat == f"Seat: {row['seat_name']}"
