"""Static figures for print (issue 13): written to PNG, SVG and PDF, non-blank, both languages.

The sample county's 13-unit exact plan is drawn once per language; every figure is saved in
the three formats and each file is checked: a PNG decoded and its pixels varied, an SVG
parsed with its paths and its unit names present as text, a PDF that is one. Names from data
are drawn literally (``$\\alpha$`` never becomes math, ``<script>`` is escaped text), a
failing save leaves the previous file, and neighbouring new units never share a colour.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.figure import Figure

import townmerge
from townmerge.data.model import StudyArea
from townmerge.data.plan import Plan
from townmerge.errors import OutputError, ParameterError
from townmerge.evaluate.metrics import merged_units
from townmerge.generate import co_occurrence
from townmerge.i18n import label
from townmerge.render import paper, plot_before_after, plots, write_plots
from townmerge.render.charts import (
    minutes_to_seat,
    plot_population_floor,
    plot_score_breakdown,
    plot_travel_times,
)
from townmerge.render.paper import new_figure, save_figure
from townmerge.render.plots import colour_units, plot_co_occurrence
from townmerge.score.plan_scores import score_plan
from townmerge.testing.grids import grid_units

ROOT = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"
DATE = "2026-12-05"


@pytest.fixture(scope="module")
def county() -> tuple[StudyArea, Plan]:
    area = townmerge.read_study_area(ROOT / "sample_shapes" / "county")
    return area, townmerge.generate_plan(area, method="exact", target=13)


def svg_texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def check_png(path: Path, *, size: tuple[int, int] | None = None) -> np.ndarray:
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[2] in (3, 4)
    if size is not None:
        assert image.shape[1::-1] == size
    rgb = image[..., :3].reshape(-1, 3)
    assert rgb.std() > 0.05, f"{path.name} is blank"
    assert len(np.unique((rgb * 255).astype(np.uint8), axis=0)) > 8, f"{path.name}: few colours"
    return image


def check_svg(path: Path, names: list[str]) -> list[str]:
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    assert len(list(root.iter(f"{SVG}path"))) >= 10, f"{path.name} has no drawing"
    texts = svg_texts(path)
    missing = [n for n in names if n not in texts]
    assert not missing, f"{path.name} lacks the names {missing}"
    return texts


def check_pdf(path: Path, *, at_least: int = 8_000) -> None:
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert len(data) > at_least, f"{path.name} is only {len(data)} bytes"


# -- the before/after map --------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_before_after_in_three_formats(county, tmp_path, lang):
    area, plan = county
    fig = plot_before_after(area, plan, lang=lang, date=DATE)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    for fmt in ("png", "svg", "pdf"):
        save_figure(fig, tmp_path / f"map.{fmt}", dpi=80)
    a4 = (round(297 / 25.4 * 80), round(210 / 25.4 * 80))
    check_png(tmp_path / "map.png", size=a4)
    new_names = list(merged_units(area, plan)["name"])
    texts = check_svg(tmp_path / "map.svg", list(area.units["name"]) + new_names)
    panel = "调整前（33个）" if lang == "zh" else "Before (33)"
    assert panel in texts
    assert any(t.endswith(DATE) and t.startswith(label("date", lang)) for t in texts)
    assert label("north", lang) in texts and f"10 {label('km', lang)}" in texts
    legend = {label(k, lang) for k in ("new_unit", "new_boundary", "old_boundary", "seat",
                                       "former_seat")}
    assert legend <= set(texts)
    check_pdf(tmp_path / "map.pdf", at_least=30_000)


def test_before_after_portrait_a3_stacks_the_panels(county):
    area, plan = county
    fig = plot_before_after(area, plan, lang="en", size="A3", orientation="portrait",
                            date=DATE, county="Sample county", plan_name="exact")
    assert np.allclose(fig.get_size_inches(), (297 / 25.4, 420 / 25.4))
    before, after = (ax.get_position() for ax in fig.axes)
    assert before.y0 > after.y1 - 1e-6  # one above the other
    assert fig.get_suptitle() == "Sample countyTownship merger plan — exact"


def test_neighbouring_new_units_never_share_a_colour(county):
    area, plan = county
    fig = plot_before_after(area, plan, lang="zh", date=DATE)
    merged = merged_units(area, plan)
    fills = fig.axes[1].collections[0].get_facecolors()
    assert len(fills) == len(merged)
    geoms = np.asarray(merged.geometry.array)
    i, j = np.triu_indices(len(geoms), 1)
    shared = shapely.length(shapely.intersection(shapely.boundary(geoms[i]),
                                                 shapely.boundary(geoms[j]))) > 1.0
    assert shared.sum() >= 12
    for a, b in zip(i[shared], j[shared], strict=True):
        assert not np.allclose(fills[a], fills[b]), (merged.index[a], merged.index[b])
    # the seats are drawn, one marker per new unit
    seats = fig.axes[1].collections[-1].get_offsets()
    assert len(seats) == len(merged)


def test_colouring_adds_colours_rather_than_repeat_one():
    ids = [str(k) for k in range(15)]
    clique = [(a, b) for a in ids for b in ids if a < b]
    colours = colour_units(ids, clique)
    assert len(set(colours.values())) == 15


# -- the charts ------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_figure_of_a_plan_in_every_format(county, tmp_path, lang):
    area, plan = county
    ensemble = [plan, Plan.identity(area.unit_ids), plan.merge("511025001", "511025002")]
    # PDF embeds the CJK font (about 2 s a file): every format in Chinese, PNG and SVG in English
    formats = ("png", "svg", "pdf") if lang == "zh" else ("png", "svg")
    files = write_plots(area, plan, tmp_path, lang=lang, plans=ensemble, date=DATE, dpi=50,
                        formats=formats)
    names = ["before_after", "population", "travel_times", "scores", "co_occurrence"]
    assert [p.name for p in files] == [f"{n}.{f}" for n in names for f in formats]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in files)
    titles = {"population": "fig_population", "travel_times": "fig_minutes",
              "scores": "fig_scores", "co_occurrence": "fig_co_occurrence"}
    merged = merged_units(area, plan)
    in_chart = {"population": list(merged["name"]),
                "scores": list(merged.loc[merged["n_members"] > 1, "name"]),
                "co_occurrence": list(area.units["name"]), "travel_times": []}
    for name, key in titles.items():
        check_png(tmp_path / f"{name}.png")
        texts = check_svg(tmp_path / f"{name}.svg", [label(key, lang), *in_chart[name]])
        if "pdf" in formats:
            check_pdf(tmp_path / f"{name}.pdf")
        if lang == "en":
            assert not any("\u4e00" <= c <= "\u9fff" for t in texts for c in t
                           if t not in in_chart[name]), name


def test_population_bars_below_their_floor_are_red(county):
    area, plan = county
    fig = plot_population_floor(area, plan, lang="en")
    table = score_plan(area, plan)
    bars = fig.axes[0].patches
    assert len(bars) == len(table)
    red = sum(np.allclose(b.get_facecolor()[:3], (0xfb / 255, 0x80 / 255, 0x72 / 255))
              for b in bars)
    assert red == int((table["population"] < table["floor"]).sum())
    widths = sorted(b.get_width() for b in bars)
    assert np.allclose(widths, sorted(table["population"]))


def test_travel_times_are_those_of_plan_metrics(county):
    area, plan = county
    m = minutes_to_seat(area, plan)
    assert len(m) == len(area.settlements)
    after = townmerge.plan_metrics(area, plan)
    before = townmerge.plan_metrics(area, Plan.identity(area.unit_ids))
    for column, figures in (("minutes_after", after), ("minutes_before", before)):
        mean = np.average(m[column], weights=m["population"])
        assert mean == pytest.approx(figures["mean_minutes_to_seat"])
        assert m[column].max() == pytest.approx(figures["max_minutes_to_seat"])
    legend = [t.get_text() for t in
              plot_travel_times(area, plan, lang="zh").axes[0].get_legend().get_texts()]
    assert legend[1] == f"调整后（平均 {after['mean_minutes_to_seat']:.1f} 分钟）"


def test_score_bars_end_at_each_mergers_total(county):
    area, plan = county
    fig = plot_score_breakdown(area, plan, lang="en")
    table = score_plan(area, plan)
    merged = table[table["n_members"] > 1].sort_values("total")
    ends = pd.DataFrame([(b.get_y(), b.get_x() + b.get_width()) for b in fig.axes[0].patches],
                        columns=["y", "end"]).groupby("y")["end"].max()
    assert np.allclose(ends.to_numpy(), merged["total"].to_numpy())


def test_no_merger_and_drawing_on_given_axes(county):
    area, _ = county
    fig = new_figure("A4")
    ax = fig.add_subplot(1, 2, 1)
    out = plot_score_breakdown(area, Plan.identity(area.unit_ids), lang="en", ax=ax)
    assert out is fig and ax.texts[0].get_text() == "The plan merges no units"


def test_co_occurrence_from_a_table_equals_from_the_plans(county):
    area, plan = county
    plans = [plan, Plan.identity(area.unit_ids)]
    a = plot_co_occurrence(area, plans, lang="en").axes[0].collections[-1].get_array()
    b = plot_co_occurrence(area, co_occurrence(plans), lang="en").axes[0].collections[-1]
    assert np.allclose(a, b.get_array())
    assert set(np.round(a, 6)) <= {0.0, 0.5}
    assert (np.asarray(a) == 0.5).sum() >= len(area.units) - 13


# -- names are text, never markup --------------------------------------------------------------
HOSTILE = {"A": "$\\alpha$", "B": "<script>alert(1)</script>", "C": "a$b", "D": '&amp; "q"'}


def test_hostile_names_drawn_literally(tmp_path):
    units = grid_units("AB\nCD", cell=5000.0, names=HOSTILE,
                       population={"A": 9000, "B": 8000, "C": 30000, "D": 25000})
    area = StudyArea(units)
    plan = Plan.from_groups({"N": ["A", "B"], "C": ["C"], "D": ["D"]}).with_names(
        {"N": "$x^2$ {{7*7}}", "C": "a$b", "D": '&amp; "q"'})
    files = write_plots(area, plan, tmp_path, lang="en", date="$d$", dpi=40,
                        formats=["svg", "png"])
    assert [p.name for p in files][::2] == ["before_after.svg", "population.svg", "scores.svg"]
    texts = check_svg(tmp_path / "before_after.svg",
                      [*HOSTILE.values(), "$x^2$ {{7*7}}", "Date: $d$"])
    raw = (tmp_path / "before_after.svg").read_text(encoding="utf-8")
    assert "<script>" not in raw and "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert "α" not in "".join(texts)  # never mathtext
    check_svg(tmp_path / "population.svg", ["$x^2$ {{7*7}}", "a$b", '&amp; "q"'])
    check_svg(tmp_path / "scores.svg", ["$x^2$ {{7*7}}"])
    check_png(tmp_path / "before_after.png")
    one = write_plots(area, plan, tmp_path / "one.pdf", lang="en", date="$d$")
    assert one == [tmp_path / "one.pdf"]
    check_pdf(one[0], at_least=4_000)


# -- files whole or not at all ---------------------------------------------------------------------
def test_failing_save_leaves_the_previous_file(tmp_path, monkeypatch):
    fig = new_figure("A4")
    fig.add_subplot().plot([0, 1], [0, 1])
    target = tmp_path / "fig.pdf"
    target.write_bytes(b"previous")

    def broken(path, **kwargs):
        Path(path).write_bytes(b"%PDF-1.4 half")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        save_figure(fig, target)
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.pdf"]


def test_failing_figure_leaves_every_previous_file(tmp_path, monkeypatch):
    units = grid_units("AB", cell=5000.0, population={"A": 9000, "B": 8000})
    area = StudyArea(units)
    plan = Plan.from_groups({"N": ["A", "B"]})
    write_plots(area, plan, tmp_path, lang="en", formats=["svg"], date=DATE)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    calls = []

    def fail_on_third(fig, path, **kwargs):
        calls.append(path)
        if len(calls) == 3:
            raise OutputError(f"Cannot write {path}: disk full")
        return save_figure(fig, path, **kwargs)

    monkeypatch.setattr(plots, "save_figure", fail_on_third)
    with pytest.raises(OutputError, match="disk full"):
        write_plots(area, plan, tmp_path, lang="zh", formats=["svg"], date="2027-01-01")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_same_figure_same_bytes(tmp_path):
    units = grid_units("AB", cell=5000.0, population={"A": 9000, "B": 8000})
    area = StudyArea(units)
    plan = Plan.from_groups({"N": ["A", "B"]})
    for k in (1, 2):
        fig = plot_before_after(area, plan, lang="zh", date=DATE)
        for fmt in ("svg", "pdf"):
            save_figure(fig, tmp_path / f"{k}.{fmt}")
    for fmt in ("svg", "pdf"):
        assert (tmp_path / f"1.{fmt}").read_bytes() == (tmp_path / f"2.{fmt}").read_bytes()


# -- parameters and fonts --------------------------------------------------------------------------
def test_bad_size_format_and_language_are_usage_errors(tmp_path):
    units = grid_units("AB", cell=5000.0, population={"A": 9000, "B": 8000})
    area = StudyArea(units)
    plan = Plan.identity(area.unit_ids)
    with pytest.raises(ParameterError, match=r"size 'A5' is not one of A4, A3[\s\S]*orientation"):
        plot_before_after(area, plan, size="A5", orientation="sideways")
    with pytest.raises(ParameterError, match=r"'jpg'.*png, svg, pdf"):
        write_plots(area, plan, tmp_path, formats=["png", "jpg"])
    with pytest.raises(ParameterError, match="Unknown language 'fr'"):
        write_plots(area, plan, tmp_path, lang="fr")
    with pytest.raises(ParameterError, match=r"'gif'.*png, svg, pdf"):
        save_figure(new_figure(), tmp_path / "x.gif")
    assert list(tmp_path.iterdir()) == []


def test_chinese_without_a_cjk_font_warns_and_still_draws(tmp_path, monkeypatch):
    monkeypatch.setattr(paper, "cjk_font", lambda: None)
    fig = new_figure()
    fig.suptitle("调整后")
    with pytest.warns(UserWarning, match=r"No CJK font found .*fonts-noto-cjk"):
        paper.finish(fig, "en")
    assert paper.font_families() == ["DejaVu Sans"]


def test_a_cjk_font_is_used_when_installed():
    font = paper.cjk_font()
    if font is None:
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-microhei)")
    fig = paper.finish(new_figure(), "zh")
    assert fig is not None and paper.font_families()[0] == font


def test_score_breakdown_of_many_mergers_shows_the_lowest_scoring(tmp_path):
    import geopandas as gpd

    from townmerge.render.charts import MAX_BARS

    cols = MAX_BARS + 5
    ids = [f"U{c:02d}{r}" for c in range(cols) for r in range(2)]
    boxes = [shapely.box(500_000 + 1000 * c, 3_300_000 + 1000 * r, 501_000 + 1000 * c,
                         3_301_000 + 1000 * r) for c in range(cols) for r in range(2)]
    units = gpd.GeoDataFrame({"name": [f"{u}镇" for u in ids],
                              "population": [3000.0 + 97 * k for k in range(len(ids))]},
                             geometry=boxes, index=pd.Index(ids, name="unit_id"),
                             crs="EPSG:32648")
    area = StudyArea(units)
    plan = Plan.from_groups({f"U{c:02d}0": [f"U{c:02d}0", f"U{c:02d}1"] for c in range(cols)})
    fig = plot_score_breakdown(area, plan, lang="en")
    ax = fig.axes[0]
    assert len(ax.get_yticks()) == MAX_BARS
    assert ax.get_title() == f"Score breakdown: the {MAX_BARS} lowest-scoring of {cols} mergers"
    shown = [t.get_text() for t in ax.get_yticklabels()]
    lowest = score_plan(area, plan).sort_values("total", kind="stable").index[:MAX_BARS]
    assert shown == [plan.names.get(g) or f"{g}镇" for g in lowest]
    assert "得分最低的" in plot_score_breakdown(area, plan, lang="zh").axes[0].get_title()
