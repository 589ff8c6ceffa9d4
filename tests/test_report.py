"""The plan report: figures, official wording, escaping, both languages, a real browser."""

from __future__ import annotations

import html
import re
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

import townmerge
from townmerge.render import (
    ReportFigures,
    count_sentences,
    merger_paragraph,
    plan_report,
    render_report,
    report_figures,
    save_report,
)
from townmerge.testing import check_html
from townmerge.testing.grids import grid_units

SAMPLE = Path(__file__).resolve().parents[1] / "sample_shapes" / "county"
EVIL = "<script>alert(1)</script>"
AMP = "A & B镇"


@pytest.fixture(scope="module")
def area() -> townmerge.StudyArea:
    return townmerge.read_study_area(SAMPLE)


@pytest.fixture(scope="module")
def plan(area: townmerge.StudyArea) -> townmerge.Plan:
    return townmerge.greedy_plan(area, target=13)


@pytest.fixture(scope="module")
def figures(area: townmerge.StudyArea, plan: townmerge.Plan) -> ReportFigures:
    return report_figures(area, plan)


@pytest.fixture(scope="module")
def pages(figures: ReportFigures) -> dict[str, str]:
    return {lang: render_report(figures, lang=lang) for lang in ("zh", "en")}


def _text(page: str) -> str:
    """The page's visible text, roughly: tags dropped, entities decoded."""
    body = page.split("<body>", 1)[1]
    return html.unescape(re.sub(r"<[^>]+>", "", body))


# --- figures -------------------------------------------------------------------


def test_counts_match_the_plan(figures: ReportFigures, plan: townmerge.Plan) -> None:
    counts = figures.counts
    assert (counts.at["total", "before"], counts.at["total", "after"]) == (33, 13)
    assert plan.n_units == 33 and plan.n_new == 13
    kinds = [k for k in ("township", "ethnic_township", "town", "subdistrict", "other")
             if k in counts.index]
    assert counts.loc[kinds, "before"].sum() == 33
    assert counts.loc[kinds, "after"].sum() == 13
    assert count_sentences(figures, "zh")[0] == "乡镇（街道）由33个减为13个，减少20个、减幅60.6%"
    assert count_sentences(figures, "en")[0] == (
        "Townships and subdistricts: from 33 to 13, 20 fewer (−60.6%)")
    # villages and groups are untouched by a township plan
    for key, n in {"village": 132, "community": 110, "village_group": 190,
                   "resident_group": 83}.items():
        assert counts.at[key, "before"] == counts.at[key, "after"] == n


def test_averages_and_sizes(figures: ReportFigures, plan: townmerge.Plan) -> None:
    av = figures.averages
    assert av.at["population", "multiple"] == pytest.approx(33 / 13)
    assert av.at["area_km2", "after"] == pytest.approx(av.at["area_km2", "before"] * 33 / 13)
    assert figures.sizes["count"].sum() == plan.n_new
    assert sorted(u for ids in figures.sizes["units"] for u in ids) == sorted(plan.new_units)
    assert 0 <= figures.metrics.at["share_below_floor", "after"] <= 1


def test_metrics_compare_the_status_quo(area: townmerge.StudyArea,
                                        figures: ReportFigures) -> None:
    m = figures.metrics
    assert m.at["units", "before"] == 33 and m.at["units", "after"] == 13
    status_quo = townmerge.plan_metrics(area, townmerge.Plan.identity(area.unit_ids))
    assert m["before"].to_dict() == pytest.approx(status_quo.to_dict(), nan_ok=True)
    assert m.at["flow_kept_population", "after"] > m.at["flow_kept_population", "before"]


def test_change_log_has_every_unit_once(figures: ReportFigures, area: townmerge.StudyArea,
                                        plan: townmerge.Plan, pages: dict[str, str]) -> None:
    log = figures.changes
    assert list(log.index) == list(area.unit_ids)
    assert log["new_code"].to_dict() == dict(plan.assignment)
    assert (log["change"] == "abolished").sum() == plan.n_units - plan.n_new
    rows = re.findall(r"<tr><td>(\d{9})</td>", pages["zh"])
    assert sorted(rows) == sorted(area.unit_ids)


def test_tiers_list_every_settlement(figures: ReportFigures, area: townmerge.StudyArea) -> None:
    st = area.settlements
    assert st is not None
    assert figures.tiers["count"].sum() == len(st)
    assert all(len(names) == n for names, n in zip(figures.tiers["names"],
                                                   figures.tiers["count"], strict=True))


# --- official wording ----------------------------------------------------------


def test_every_merger_names_all_its_former_units(figures: ReportFigures, plan: townmerge.Plan,
                                                 pages: dict[str, str]) -> None:
    merged = {g: m for g, m in plan.groups().items() if len(m) >= 2}
    assert set(figures.mergers.index) == set(merged)
    for _, row in figures.mergers.iterrows():
        for lang in ("zh", "en"):
            text = merger_paragraph(row, lang)
            for name in row["member_names"]:
                assert name in text, (lang, name, text)
            assert text in _text(pages[lang])
        zh = merger_paragraph(row, "zh")
        assert zh.startswith("撤销") and zh.endswith("。")
        # greedy plans keep a member's name and seat: the absorbing form
        assert f"划归{row['name']}管辖" in zh and "驻地不变" in zh


def test_establishing_a_new_unit_with_a_moved_seat(area: townmerge.StudyArea) -> None:
    st = area.settlements
    assert st is not None
    village = st.index[(st["unit"] == "511025206") & (st["kind"] == "village")][0]
    plan = townmerge.Plan.identity(area.unit_ids).merge(
        "511025102", "511025206", new_id="N1", name="新利镇", seat=village)
    row = report_figures(area, plan).new_units.loc["N1"]
    assert row["kind"] == "town" and row["moved"]
    assert merger_paragraph(row, "zh") == (
        f"撤销利光镇和灵铺乡，设立新利镇，以原利光镇和原灵铺乡所属行政区域为新利镇的行政区域，"
        f"新利镇人民政府驻{st.at[village, 'name']}（位于原灵铺乡，驻地迁移）。")
    assert merger_paragraph(row, "en").startswith(
        "Abolish 利光镇 town and 灵铺乡 township; establish 新利镇 town, whose area is the "
        "former areas of 利光镇 and 灵铺乡; the government of 新利镇 sits at ")
    page = render_report(report_figures(area, plan))
    assert '<span class="flag">[驻地迁移]</span>' in page


def test_absorbing_unit_moving_to_a_former_seat(area: townmerge.StudyArea) -> None:
    plan = townmerge.Plan.identity(area.unit_ids).merge(
        "511025102", "511025206", seat="511025206001")
    row = report_figures(area, plan).new_units.loc["511025102"]
    assert merger_paragraph(row, "zh") == (
        "撤销灵铺乡，将其所属行政区域划归利光镇管辖，利光镇人民政府驻地由利光社区迁至灵铺社区"
        "（原灵铺乡人民政府驻地）。")


# --- rendering -----------------------------------------------------------------


def test_both_languages_render_complete_documents(pages: dict[str, str]) -> None:
    for lang, page in pages.items():
        assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
        assert '<meta charset="utf-8">' in page
        assert page.count("<h2") == 12  # 10 parts, maps and charts, the appendix
        assert not re.search(r"<(script|link|img|iframe)\b", page), lang
        assert "http://" not in page and "https://" not in page
    assert '<html lang="zh-CN">' in pages["zh"] and "便民服务可达性" in pages["zh"]
    assert '<html lang="en">' in pages["en"] and "Accessibility" in pages["en"]


def test_title_and_before_label(figures: ReportFigures) -> None:
    page = render_report(figures, title="示例县乡镇行政区划调整方案", before_label="2019年")
    assert "<h1>示例县乡镇行政区划调整方案</h1>" in page and "<th>2019年</th>" in page


def test_plan_report_and_save(area: townmerge.StudyArea, plan: townmerge.Plan,
                              pages: dict[str, str], tmp_path: Path) -> None:
    page = plan_report(area, plan, lang="en")
    assert page == pages["en"]
    out = save_report(page, tmp_path / "a" / "report.html")
    assert out.read_text(encoding="utf-8") == page
    with pytest.raises(TypeError, match="HTML text"):
        save_report(b"<html>", tmp_path / "x.html")  # type: ignore[arg-type]


# --- escaping ------------------------------------------------------------------


@pytest.fixture(scope="module")
def evil_area() -> townmerge.StudyArea:
    units = grid_units("AB / CD", names={"A": EVIL, "B": AMP, "C": "丙乡", "D": "丁乡"},
                       population={"A": 9000, "B": 6000, "C": 5000, "D": 7000},
                       kind={"A": "town", "B": "town", "C": "township", "D": "township"})
    x0, y0 = 500_000.0, 3_300_000.0
    centre = {"A": (0, 0), "B": (0, 1), "C": (1, 0), "D": (1, 1)}
    half = {"A": 4500, "B": 3000, "C": 2500, "D": 3500}
    rows = []
    for u, (r, c) in centre.items():
        x, y = x0 + c * 1000 + 500, y0 - r * 1000 - 500
        rows.append({"id": f"{u}1", "name": f"{EVIL}社区" if u == "A" else f"{u} & 社区",
                     "kind": "town seat", "unit": u, "population": half[u],
                     "geometry": Point(x, y)})
        rows.append({"id": f"{u}2", "name": f"{u}<b>村", "kind": "village", "unit": u,
                     "population": half[u], "geometry": Point(x + 200, y + 200)})
    settlements = gpd.GeoDataFrame(rows, crs=units.crs).set_index("id")
    units["seat"] = [f"{u}1" for u in units.index]
    return townmerge.StudyArea(units, settlements)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_names_from_the_data_are_escaped(evil_area: townmerge.StudyArea, lang: str) -> None:
    plan = townmerge.Plan.from_groups({"N": ["A", "C"], "B": ["B", "D"]},
                                      names={"N": f"{EVIL}新镇"})
    page = plan_report(evil_area, plan, lang=lang, title=EVIL, before_label=AMP)
    assert "<script" not in page
    assert "<b>村" not in page
    assert html.escape(EVIL) in page
    assert "A &amp; B镇" in page and "A & B" not in page
    text = _text(page)
    assert EVIL in text and AMP in text and "A<b>村" in text
    # the establishing form for N (new name), the absorbing one for B (keeps its name)
    if lang == "zh":
        assert f"撤销{EVIL}和丙乡，设立{EVIL}新镇" in text
        assert f"撤销丁乡，将其所属行政区域划归{AMP}管辖" in text


def test_report_without_settlements() -> None:
    area = townmerge.StudyArea(grid_units("ABC", population={"A": 9000, "B": 6000,
                                                              "C": 20000}))
    fig = report_figures(area, townmerge.Plan.from_groups({"A": ["A", "B"], "C": ["C"]}))
    assert fig.tiers.empty and fig.new_units["seat"].isna().all()
    page = render_report(fig, lang="zh")
    assert "A镇人民政府驻地待定" in page and "无村（社区）数据" in page


# --- in a real browser ---------------------------------------------------------


@pytest.mark.browser
def test_report_loads_in_a_browser(pages: dict[str, str], tmp_path: Path, browser) -> None:
    path = save_report(pages["zh"], tmp_path / "report.html")
    check = check_html(path, screenshot=tmp_path / "report.png")
    assert check.ok, check.describe()
    assert check.console_errors == () and check.failed_requests == (), check.describe()
