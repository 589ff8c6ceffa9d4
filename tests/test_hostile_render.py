"""Names are data, never templates (issue 9 §1): hostile names in every field.

The sample county is copied with Jinja and HTML payloads as unit names and as
the names of the seat settlements (so they are also the new units' names and
seats), and rendered through the API (``before_after_map``/``save_map``,
``plan_report``/``render_report``/``save_report``) and through ``townmerge
demo``, always with the current folder set to a temporary one, so a payload
that ran ``touch PWNED`` (or ``mkdir PWNED``) would leave it there. The pages are checked as
text, for what reached a Jinja template (nothing may), and in headless
Chromium with every tooltip open.
"""

from __future__ import annotations

import ast
import contextlib
import html
import io
import json
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pytest
from branca.element import Element

from townmerge.cli.commands import main
from townmerge.data.io import read_study_area
from townmerge.data.model import StudyArea
from townmerge.data.plan import Plan
from townmerge.data.plan_csv import read_plan
from townmerge.errors import EXIT_INPUT, EXIT_USAGE, ParameterError
from townmerge.evaluate.metrics import merged_units
from townmerge.generate import co_occurrence, greedy_plan
from townmerge.i18n import join_names, label
from townmerge.render import (
    before_after_map,
    plan_report,
    plans_map,
    render_report,
    report_figures,
    save_map,
    save_report,
)
from townmerge.render.map_pack import unpack_page
from townmerge.testing.browser import check_html

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_shapes" / "county"

PAYLOADS: dict[str, str] = {
    "expression": "甲{{7*7}}乙",
    "statement": "{% if true %}x{% endif %}",
    "comment": "Hidden{# c #}Name",
    "code": "{{ lipsum.__globals__.os.popen('touch PWNED').read() }}",
    # No quote, < > or &: JSON leaves it as it is (folium used to run it: mkdir PWNED).
    "code_unquoted": "{{ lipsum.__globals__.os.mkdir(dict(PWNED=1)|join) }}",
    "open_expression": "开{{头",
    "open_statement": "开{%头",
    "img": "<img src=x onerror=alert(1)>",
    "script": "</script><script>alert(1)</script>",
    "svg": '"><svg onload=alert(1)>',
    "long": "长" * 4999 + "镇",
}
NAMES = list(PAYLOADS.values())
TITLE = "标题" + "".join(NAMES)
#: What the payloads would turn into if they were evaluated or parsed.
EVALUATED = ("甲49乙", "HiddenName", "开头")
#: Markup of the HTML payloads; it must never stand in a page as markup.
MARKUP = ("<img src=x", "<svg onload", "<script>alert(1)")
assert len(PAYLOADS["long"]) == 5000


def _plain_demo_plan(work: Path) -> Plan:
    """The plan ``townmerge demo`` makes of the untouched sample county (names play no part)."""
    out = work / "plain-demo"
    if not (out / "plan.csv").exists():
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["demo", "--data", str(SAMPLE), "--out", str(out)]) == 0
    return read_plan(out / "plan.csv")


def _hostile_copy(folder: Path, base: Plan) -> Path:
    """The sample county with the payloads as unit names and seat-settlement names.

    The seats of the demo's plan (names play no part in it) take the payloads
    first, so that every payload is also the name of a new unit's seat.
    """
    chosen = sorted(base.seats.values())
    shutil.copytree(SAMPLE, folder)
    units = json.loads((folder / "units.geojson").read_text(encoding="utf-8"))
    for k, feature in enumerate(units["features"]):
        feature["properties"]["name"] = NAMES[k % len(NAMES)]
    (folder / "units.geojson").write_text(json.dumps(units, ensure_ascii=False), encoding="utf-8")
    points = json.loads((folder / "settlements.geojson").read_text(encoding="utf-8"))
    seats = [f for f in points["features"] if f["properties"]["kind"] in ("town seat",
                                                                          "county seat")]
    seats.sort(key=lambda f: (f["properties"]["settlement_id"] not in chosen,
                              f["properties"]["settlement_id"]))
    for k, feature in enumerate(seats):
        feature["properties"]["name"] = NAMES[(k + 3) % len(NAMES)]
    (folder / "settlements.geojson").write_text(json.dumps(points, ensure_ascii=False),
                                                encoding="utf-8")
    return folder


@contextlib.contextmanager
def _inside(folder: Path) -> Iterator[None]:
    """Work in ``folder``, where a payload that ran ``touch PWNED`` would write it."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        yield


def _no_pwned(*folders: Path) -> None:
    for folder in {*folders, ROOT, Path.cwd()}:
        assert not list(folder.glob("PWNED")), folder
    for folder in folders:
        assert not list(folder.rglob("PWNED")), folder


@dataclass(frozen=True)
class Rendered:
    """The pages of one run and the names that should show in them."""

    lang: str
    map_path: Path
    report_path: Path
    unit_names: list[str]
    settlement_names: list[str]
    new_names: list[str]
    seat_names: list[str]
    members: list[list[str]]

    @property
    def map_html(self) -> str:
        return self.map_path.read_text(encoding="utf-8")

    @property
    def report_html(self) -> str:
        return self.report_path.read_text(encoding="utf-8")


def _hostile_plan(base: Plan) -> Plan:
    """The demo's plan, with payloads as the new units' names (its seats kept)."""
    groups: dict[str, list[str]] = {}
    for unit, new in base.assignment.items():
        groups.setdefault(new, []).append(unit)
    names = {new: NAMES[k % len(NAMES)] for k, new in enumerate(sorted(groups))}
    return Plan.from_groups(groups, names=names, seats=dict(base.seats))


def _render_api(area: StudyArea, plan: Plan, lang: str, out: Path) -> Rendered:
    merged = merged_units(area, plan)
    assert area.settlements is not None
    st_names = area.settlements["name"]
    members = [[str(area.units.at[u, "name"]) for u in ids.split(",")] for ids in merged["members"]]
    seat_names = [str(st_names[s]) for s in merged["seat"]]
    after = merged.assign(members=members, seat_name=seat_names)
    before = area.units.assign(new_unit=[plan.assignment[u] for u in area.unit_ids])
    m = before_after_map(before, after, settlements=area.settlements, lang=lang, title=TITLE)
    map_path = save_map(m, out / "map.html")
    if lang == "zh":
        page = plan_report(area, plan, lang=lang, title=TITLE)
    else:
        page = render_report(report_figures(area, plan), lang=lang, title=TITLE)
    report_path = save_report(page, out / "report.html")
    return Rendered(lang, map_path, report_path, list(area.units["name"]),
                    list(st_names), [str(n) for n in merged["name"]], seat_names, members)


def _render_cli(data: Path, lang: str, out: Path) -> Rendered:
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        status = main(["demo", "--data", str(data), "--title", TITLE, "--lang", lang,
                       "--out", str(out)])
    assert status == 0, stdout.getvalue()
    area = read_study_area(data)
    merged = json.loads((out / "merged_units.geojson").read_text(encoding="utf-8"))
    new_names = [f["properties"]["name"] for f in merged["features"]]
    assert area.settlements is not None
    st_names = area.settlements["name"]
    seat_names = [str(st_names[f["properties"]["seat"]]) for f in merged["features"]]
    return Rendered(lang, out / "before_after.html", out / "report.html",
                    list(area.units["name"]), list(st_names), new_names, seat_names, [])


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@pytest.fixture(scope="module")
def data(work: Path) -> Path:
    return _hostile_copy(work / "county", _plain_demo_plan(work))


@pytest.fixture(scope="module")
def area(data: Path) -> StudyArea:
    return read_study_area(data)


@pytest.fixture(scope="module")
def plan(work: Path) -> Plan:
    return _hostile_plan(_plain_demo_plan(work))


@pytest.fixture(scope="module")
def rendered(work: Path, data: Path, area: StudyArea, plan: Plan
             ) -> Callable[[str, str], Rendered]:
    """Render once per (``"api"`` or ``"cli"``, language), inside a fresh folder."""
    cache: dict[tuple[str, str], Rendered] = {}

    def get(how: str, lang: str) -> Rendered:
        if (how, lang) not in cache:
            out = work / f"{how}-{lang}"
            out.mkdir()
            with _inside(out):
                cache[how, lang] = (_render_api(area, plan, lang, out) if how == "api"
                                    else _render_cli(data, lang, out / "out"))
            _no_pwned(out, work)
        return cache[how, lang]

    return get


@pytest.fixture(scope="module")
def clean_scripts(work: Path) -> tuple[int, int]:
    """How many ``<script`` tags the pages of the untouched sample county have."""
    area = read_study_area(SAMPLE)
    base = greedy_plan(area)
    before = area.units.assign(new_unit=[base.assignment[u] for u in area.unit_ids])
    page = before_after_map(before, merged_units(area, base), settlements=area.settlements)
    report = plan_report(area, base)
    return page.get_root().render().count("<script"), report.count("<script")


# --- what reaches a template -----------------------------------------------------------------


def test_no_name_or_title_reaches_a_template_source(
    monkeypatch: pytest.MonkeyPatch, work: Path, data: Path, area: StudyArea, plan: Plan
) -> None:
    """Every source Jinja compiles while rendering is recorded: none holds a payload."""
    sources: list[str] = []
    compile_ = jinja2.Environment.compile

    def spy(self: jinja2.Environment, source: object, *args: object, **kwargs: object) -> object:
        if isinstance(source, str):
            sources.append(source)
        return compile_(self, source, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(jinja2.Environment, "compile", spy)
    Element("{{ 7*7 }} control")  # the spy sees what branca compiles
    assert sources == ["{{ 7*7 }} control"]
    sources.clear()
    out = work / "spied"
    out.mkdir()
    with _inside(out):
        for lang in ("zh", "en"):
            _render_api(area, plan, lang, out / f"api-{lang}")
            _render_cli(data, lang, out / f"cli-{lang}")
    assert len(sources) > 1  # folium still compiles its own pieces (ids and numbers)
    fragments = [*NAMES, "7*7", "lipsum", "{% if true", "{# c #}", "{{头", "{%头", "onerror",
                 "onload", "alert(1)", "长长长"]
    leaked = [(f, s[:80]) for s in sources for f in fragments if f in s]
    assert leaked == []
    _no_pwned(out, work)


# --- the pages as text -------------------------------------------------------------------------


def _map_data(page: str) -> dict:
    found = re.findall(r'<script type="application/json" id="[^"]+">(.*?)</script>', page, re.S)
    assert len(found) == 1
    return unpack_page(json.loads(found[0]))  # the page's data is packed (render.map_pack)


def _features(layer: dict, key: str = "shapes") -> list[dict]:
    return [f["properties"] for f in layer[key]["features"]]


def _check_markup(page: str) -> None:
    for markup in MARKUP:
        assert markup not in page, markup
    for evaluated in EVALUATED:
        assert evaluated not in page, evaluated


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_api_map_carries_every_name_as_data(rendered: Callable[[str, str], Rendered],
                                            lang: str) -> None:
    api = rendered("api", lang)
    page = api.map_html
    _check_markup(page)
    assert f'<div class="tm-title">{html.escape(TITLE)}</div>' in page
    assert f"<title>{html.escape(TITLE)}</title>" in page
    before, after, settlements = _map_data(page)["layers"]
    assert [p["name"] for p in _features(before)] == api.unit_names
    assert [p["name"] for p in _features(after)] == api.new_names
    assert [p["label"] for p in _features(after, "labels")] == api.new_names
    assert [p["name"] for p in _features(settlements)] == api.settlement_names
    lines = [line for p in _features(after) for line in p["lines"]]
    seat, members = label("seat", api.lang), label("members", api.lang)
    for name in api.seat_names:
        assert f"{seat}: {name}" in lines
    for props, names in zip(_features(after), api.members, strict=True):
        assert f"{members}: {join_names(names, api.lang)}" in props["lines"]
    assert set(NAMES) <= set(api.unit_names) & set(api.new_names) & set(api.seat_names)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_api_report_writes_every_name_as_text(rendered: Callable[[str, str], Rendered],
                                              lang: str) -> None:
    page = rendered("api", lang).report_html
    _check_markup(page)
    assert f"<h1>{html.escape(TITLE)}</h1>" in page
    for name in NAMES:
        assert html.escape(name) in page, name[:40]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cli_demo_writes_every_name_as_text(rendered: Callable[[str, str], Rendered],
                                            clean_scripts: tuple[int, int], lang: str) -> None:
    cli = rendered("cli", lang)
    page, report = cli.map_html, cli.report_html
    _check_markup(page)
    _check_markup(report)
    assert f'<div class="tm-title">{html.escape(TITLE)}</div>' in page
    assert f"<h1>{html.escape(TITLE)}</h1>" in report
    before, after = _map_data(page)["panes"]  # the demo draws the plan map (two panes)
    assert [p["name"] for p in _features(before["layers"][0])] == cli.unit_names
    assert [p["label"] for p in _features(after["layers"][0], "labels")] == cli.new_names
    tiers = next(layer for layer in before["layers"] if layer["legend"]
                 and layer["title"] in ("镇村体系", "Settlement tiers"))
    assert sorted(p["name"] for p in _features(tiers)) == sorted(cli.settlement_names)
    seats = _features(after["layers"][-1])
    assert set(cli.seat_names) <= {p["name"] for p in seats if "seat" in p}
    assert set(cli.new_names) <= set(NAMES)  # the kept units' names are payloads
    assert set(cli.seat_names) == set(NAMES)  # and so are their seats', shown in the report
    for name in NAMES:
        assert html.escape(name) in report, name[:40]
    assert (page.count("<script"), report.count("<script")) == clean_scripts


# --- the plan maps (two panes, seats, layers, comparison) --------------------------------------

@pytest.fixture(scope="module")
def plan_pages(work: Path, area: StudyArea, plan: Plan) -> dict[str, Path]:
    """The plan maps of the hostile county, in zh and en, and the comparison map."""
    out = work / "plan-maps"
    out.mkdir()
    other = greedy_plan(area)
    with _inside(out):
        pages = {lang: save_map(before_after_map(area, plan, lang=lang, title=TITLE,
                                                 attribution=NAMES[3]), out / f"{lang}.html")
                 for lang in ("zh", "en")}
        pages["plans"] = save_map(
            plans_map(area, {NAMES[0]: plan, NAMES[7]: other}, lang="en", title=TITLE,
                      co_occurrence=co_occurrence([plan, other])), out / "plans.html")
    _no_pwned(out, work)
    return pages


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.mark.parametrize("which", ["zh", "en", "plans"])
def test_plan_maps_carry_every_name_as_data(plan_pages: dict[str, Path], area: StudyArea,
                                            which: str) -> None:
    page = plan_pages[which].read_text(encoding="utf-8")
    _check_markup(page)
    assert f'<div class="tm-title">{html.escape(TITLE)}</div>' in page
    data = _map_data(page)
    text = "\n".join(_strings(data))
    for name in NAMES:
        assert name in text, name[:40]
    first = data["panes"][0]["layers"][0]
    assert [p["name"] for p in _features(first)] == list(area.units["name"])
    if which != "plans":
        after = data["panes"][1]["layers"]
        assert {p["label"] for p in _features(after[0], "labels")} <= set(NAMES)
        seats = [p for p in _features(after[-1]) if "seat" in p]
        assert {p["popup"]["name"] for p in seats} <= set(NAMES)
        assert data["attribution"] == NAMES[3]
    else:
        titles = [layer["title"] for layer in data["panes"][0]["layers"]]
        assert titles[1:3] == [NAMES[0], NAMES[7]]


@pytest.mark.browser
@pytest.mark.parametrize("which", ["zh", "plans"])
def test_plan_maps_show_hostile_names_in_chromium(
    browser: None, plan_pages: dict[str, Path], clean_scripts: tuple[int, int], which: str
) -> None:
    seen = _check_in_browser(plan_pages[which], clean_scripts[0])
    tips = _tooltip_names(seen)
    for name in NAMES:
        assert name in tips, name[:40]
        assert name in seen["text"], name[:40]
    if which == "zh":
        popups = "\n".join(seen["popupTexts"])
        assert all(name in popups for name in NAMES[:-1])
    _no_pwned(plan_pages[which].parent)


# --- in a real browser ---------------------------------------------------------------------

#: Shows every layer, opens every tooltip (after a hover), and reports what the page shows.
PROBE = """() => {
    document.querySelectorAll("input.leaflet-control-layers-selector").forEach(function (box) {
        if (!box.checked) { box.click(); }
    });
    // labels first: opening a popup pans the map, and labels are drawn for the view only
    var labels = Array.from(document.querySelectorAll(".tm-label"), function (n) {
        return n.textContent;
    });
    var tooltips = 0;
    var popups = [];
    var maps = window.townmergeMaps || Object.keys(window).filter(function (k) {
        return /^map_[0-9a-f]+$/.test(k); }).map(function (k) { return window[k]; });
    maps.forEach(function (map) {
            map.eachLayer(function (layer) {
                if (layer.getTooltip && layer.getTooltip()) {
                    layer.fire("mouseover");
                    layer.fire("mouseout");
                    layer.openTooltip();
                    tooltips += 1;
                }
                if (layer.getPopup && layer.getPopup()) {
                    layer.openPopup();
                    document.querySelectorAll(".leaflet-popup-content").forEach(function (n) {
                        popups.push(n.textContent);
                    });
                }
            });
        });
    function texts(selector) {
        return Array.from(document.querySelectorAll(selector), function (n) {
            return n.textContent;
        });
    }
    return {
        tooltips: tooltips,
        tooltipTexts: texts(".leaflet-tooltip"),
        popupTexts: popups,
        labels: labels,
        headings: texts(".tm-title, h1"),
        title: document.title,
        text: document.body.innerText,
        scripts: document.scripts.length,
        alertScripts: Array.from(document.scripts).filter(function (s) {
            return /^\\s*alert\\(/.test(s.textContent);
        }).length,
        // our own: the static figures (PNG data) and the map's sandboxed frame
        injected: document.querySelectorAll(
            "img:not([src^='data:image/png;base64,']), "
            + "iframe:not(.map[sandbox='allow-scripts'][srcdoc]), "
            + "object, embed, [onload], [onerror]").length
    };
}"""


def _check_in_browser(path: Path, scripts: int) -> dict:
    # A 5,000-character name makes the report too large for a full-page screenshot.
    check = check_html(path, script=PROBE, wait_ms=200, full_page=False)
    assert check.dialogs == (), check.describe()
    assert check.console_errors == (), check.describe()
    assert check.failed_requests == (), check.describe()
    seen = check.script_result
    assert isinstance(seen, dict)
    assert seen["injected"] == 0 and seen["alertScripts"] == 0
    assert seen["scripts"] == scripts
    assert seen["title"] == TITLE
    assert TITLE in seen["headings"]
    for evaluated in EVALUATED:
        assert evaluated not in seen["text"], evaluated
    return seen


def _tooltip_names(seen: dict) -> str:
    return "\n".join(seen["tooltipTexts"])


@pytest.mark.browser
def test_api_pages_show_hostile_names_in_chromium(
    browser: None, rendered: Callable[[str, str], Rendered], clean_scripts: tuple[int, int]
) -> None:
    api = rendered("api", "zh")
    seen = _check_in_browser(api.map_path, clean_scripts[0])
    assert seen["tooltips"] == len(api.unit_names) + len(api.new_names) + len(
        api.settlement_names)
    tips = _tooltip_names(seen)
    for name in NAMES:  # units, new units, seats and settlements: all payloads
        assert name in tips, name[:40]
        assert name in seen["labels"], name[:40]
        assert name in seen["text"], name[:40]
    seat = label("seat", "zh")
    assert all(f"{seat}: {name}" in tips for name in api.seat_names)
    report = _check_in_browser(api.report_path, clean_scripts[1])
    for name in NAMES:
        assert name in report["text"], name[:40]
    _no_pwned(api.map_path.parent)


@pytest.mark.browser
def test_cli_pages_show_hostile_names_in_chromium(
    browser: None, rendered: Callable[[str, str], Rendered], clean_scripts: tuple[int, int]
) -> None:
    cli = rendered("cli", "en")
    seen = _check_in_browser(cli.map_path, clean_scripts[0])
    tips = _tooltip_names(seen)
    for name in NAMES:
        assert name in tips, name[:40]
        assert name in seen["text"], name[:40]
    assert set(cli.new_names) <= set(seen["labels"])
    report = _check_in_browser(cli.report_path, clean_scripts[1])
    for name in NAMES:
        assert name in report["text"], name[:40]
    _no_pwned(cli.map_path.parent)


def test_nothing_in_townmerge_builds_a_template_or_a_folium_object_from_text() -> None:
    """Only the map scaffolding and the tile resolver come from folium; no template is made.

    The map's own pieces go through :mod:`townmerge.render.verbatim`; anything
    else (``Element(text)``, a ``Template``, a ``GeoJson``, ``Tooltip``,
    ``DivIcon``...) would hand text to Jinja again.
    """
    forbidden = {"Element", "Template", "Environment", "from_string", "Html", "IFrame",
                 "MacroElement", "JavascriptLink", "CssLink", "Tooltip", "Popup", "DivIcon",
                 "Marker", "GeoJson", "GeoJsonTooltip", "GeoJsonPopup", "FeatureGroup",
                 "LayerControl", "CircleMarker", "Choropleth"}
    found = []
    for path in sorted((ROOT / "src" / "townmerge").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in forbidden:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}(...)")
    assert found == []


def test_tiles_are_data_too(area: StudyArea, plan: Plan, work: Path) -> None:
    """``--tiles`` is the user's text as well: a provider name, or a clear error."""
    before = area.units.assign(new_unit=[plan.assignment[u] for u in area.unit_ids])
    after = merged_units(area, plan)
    page = before_after_map(before, after, tiles="OpenStreetMap").get_root().render()
    assert _map_data(page)["tiles"]["url"].startswith("https://tile.openstreetmap.org/")
    out = work / "tiles"
    out.mkdir()
    with _inside(out):
        for tiles in NAMES[:6]:
            with pytest.raises(ParameterError, match=r"Unknown tiles .*OpenStreetMap"):
                before_after_map(before, after, tiles=tiles)
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            status = main(["demo", "--data", str(work / "county"), "--tiles", NAMES[0],
                           "--out", str(out / "out")])
    assert status in (EXIT_INPUT, EXIT_USAGE)  # a usage error once the command maps it so
    assert "Unknown tiles '甲{{7*7}}乙'" in stderr.getvalue()
    _no_pwned(out)
