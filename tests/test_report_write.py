"""The report a planner hands upward (issue 13 "Report", issue 12 "Demo and report").

One plan, several plans compared and the whole reform, in Chinese and English: title block,
merger cards with 不建议 flagged, named units below their floor and the worst access, tiers by
town and by village, folded lists, no English keys or solver internals in the Chinese body,
escaped names, and in headless Chromium: no console error, a PDF with pages and the images.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import re
import struct
import subprocess
import zlib
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

import townmerge as tm
from townmerge.config import Bands, Config
from townmerge.errors import TopologyWarning
from townmerge.evaluate.metrics import adjusted_rand_index
from townmerge.evaluate.three_levels import Reform, plan_reform
from townmerge.render.report import write_report
from townmerge.render.report_compare import (
    PlanComparison,
    changed_units,
    comparison_html,
    plan_comparison,
)
from townmerge.render.report_markup import ReportImage
from townmerge.render.report_reform import reform_report
from townmerge.render.report_tables import report_figures
from townmerge.render.sentences import count_sentences
from townmerge.testing import check_html, chromium_path
from townmerge.testing.browser import decode_png
from townmerge.testing.grids import grid_units

SAMPLE = Path(__file__).resolve().parents[1] / "sample_shapes" / "county"
TARGETS = {"township": 13, "village": 83, "community": 79}
EVIL = "<script>alert(1)</script>"
LONG = "长" * 2500 + "W" * 2500  # CJK, then one 2,500-letter word
#: Words of three ASCII letters or more: English keys, solver internals, untranslated text.
ENGLISH = re.compile(r"[A-Za-z_]{3,}")
INTERNALS = ("bound", "status", "n_columns", "Optimal", "target", "flow_type", "objective")


def _body(page: str) -> str:
    """Visible text of the page before the appendix (tags dropped, entities decoded)."""
    body = page.split("<body>", 1)[1].split('<section class="appendix"', 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def _appendix(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.split('<section class="appendix"', 1)[1]))


def _png(width: int = 40, height: int = 20) -> bytes:
    """A small two-colour RGB PNG."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))
    rows = b"".join(b"\x00" + bytes([200, 30, 30] * (width // 2) + [30, 30, 200] * (width // 2))
                    for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def towns() -> tm.StudyArea:
    return tm.read_study_area(SAMPLE)


@pytest.fixture(scope="module")
def reform(towns: tm.StudyArea) -> Reform:
    villages = tm.read_study_area(SAMPLE, level="villages")
    return plan_reform(towns, villages, targets=TARGETS)


@pytest.fixture(scope="module")
def exact(reform: Reform) -> tm.Plan:
    plan = reform.township_plan
    assert {"bound", "status", "n_columns"} <= set(plan.info)  # solver internals to hide
    return plan


@pytest.fixture(scope="module")
def greedy(towns: tm.StudyArea) -> tm.Plan:
    return tm.greedy_plan(towns, target=13)


@pytest.fixture(scope="module")
def pages(towns: tm.StudyArea, exact: tm.Plan, tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("plan")
    return {lang: write_report(towns, exact, out / f"{lang}.html", lang=lang, county="示例县",
                               office="示例县民政局", plan_name="十三镇方案", date="2026年12月5日",
                               images=[ReportImage(_png(), caption="调整前后对比图")]
                               ).read_text(encoding="utf-8") for lang in ("zh", "en")}


# --- one plan ----------------------------------------------------------------------------


def test_title_block_names_county_plan_office_and_date(pages: dict[str, str]) -> None:
    zh, en = pages["zh"], pages["en"]
    assert "<h1>示例县乡镇行政区划调整方案</h1>" in zh
    for text in ("县（市、区）：示例县", "方案：十三镇方案", "编制单位：示例县民政局",
                 "日期：2026年12月5日"):
        assert text in zh, text
    assert "<h1>示例县: Township merger plan</h1>" in en and "Prepared by: 示例县民政局" in en


def test_chinese_body_has_no_english_keys_or_solver_internals(pages: dict[str, str],
                                                              exact: tm.Plan) -> None:
    body = _body(pages["zh"])
    assert ENGLISH.findall(body) == []
    appendix = _appendix(pages["zh"])
    # the internals are in the appendix, labelled in both languages and in words
    for zh, en in (("目标值上界", "Bound on the objective"), ("求解状态", "Solver status"),
                   ("模型候选组合数", "Candidate groups in the model")):
        assert zh in appendix and en in appendix
    assert "最优" in appendix and str(exact.info["n_columns"]) in appendix
    assert "已证明为最优方案" in body and "精确模型" in body


def test_english_report_says_the_same(pages: dict[str, str], exact: tm.Plan) -> None:
    body = _body(pages["en"])
    for word in INTERNALS:
        assert not re.search(rf"\b{word}\b", body), word
    assert "Townships and subdistricts: from 33 to 13, 20 fewer (−60.6%)" in body
    assert "Each merger" in body and "Reason" in body and "Proven optimal" in body


def test_one_card_per_merger_with_wording_score_reason_and_checks(
        pages: dict[str, str], towns: tm.StudyArea, exact: tm.Plan) -> None:
    fig = report_figures(towns, exact)
    page = pages["zh"]
    cards = re.findall(r'<div class="card[^"]*" data-unit="([^"]+)">', page)
    assert sorted(cards) == sorted(fig.mergers.index)
    for new_id, row in fig.mergers.iterrows():
        card = page.split(f'data-unit="{new_id}"', 1)[1].split('<div class="card', 1)[0]
        text = html.unescape(re.sub(r"<[^>]+>", " ", card))
        for name in row["member_names"]:
            assert name in text
        assert row["reason_zh"] in text and "撤销" in text and "符合全部硬约束" in text
        assert "便于服务" in text and f"{row['score_total']:.2f}" in text  # the breakdown


def test_not_recommended_mergers_are_flagged_and_explained(towns: tm.StudyArea,
                                                           exact: tm.Plan) -> None:
    strict = Config(bands=Bands(recommend=0.995, reject=0.99))
    fig = report_figures(towns, exact, config=strict)
    assert (fig.mergers["score_band"] == "reject").all()
    page = tm.render.render_report(fig, lang="zh")
    assert page.count('<div class="card reject"') == len(fig.mergers)
    body = _body(page)
    assert body.count("[不建议]") >= 2 * len(fig.mergers)  # table and card
    assert "低于“不建议”阈值0.99" in body
    en = tm.render.render_report(fig, lang="en")
    assert "below the “not recommended” limit 0.99" in _body(en)


def test_units_below_floor_and_worst_access_are_named(pages: dict[str, str],
                                                      towns: tm.StudyArea,
                                                      exact: tm.Plan) -> None:
    fig = report_figures(towns, exact)
    below = fig.new_units[fig.new_units["below_floor"]]
    assert len(below) >= 1
    body = _body(pages["zh"])
    assert f"低于人口下限的{len(below)}个单元" in body
    for name in below["name"]:
        assert re.search(rf"{re.escape(name)}（人口[\d.万]+，下限[\d.万]+）", body), name
    worst = fig.new_units.loc[fig.new_units["max_minutes"].idxmax()]
    assert f"到驻地最远的是{worst['name']}：最长{worst['max_minutes']:.1f}分钟" in body
    assert f"Farthest from its seat: {worst['name']}, longest " in _body(pages["en"])


def test_tiers_list_towns_at_town_level_and_fold_long_lists(pages: dict[str, str],
                                                           towns: tm.StudyArea,
                                                           exact: tm.Plan) -> None:
    fig = report_figures(towns, exact)
    town_names = set(towns.units["name"])
    for tier in ("中心镇", "特色镇", "主城区"):
        names = fig.tiers.at[tier, "names"]
        assert names and set(names) <= town_names, tier
        assert not any(n.endswith("社区") for n in names)
    assert fig.tiers.at["一般村", "count"] > 100
    row = pages["zh"].split("<td>一般村</td>", 1)[1].split("</tr>", 1)[0]
    assert "<details><summary>" in row and "展开查看全部" in row


def test_static_image_and_chart_are_embedded(pages: dict[str, str]) -> None:
    page = pages["zh"]
    uris = re.findall(r'<img src="data:image/png;base64,([^"]+)"', page)
    assert len(uris) == 1
    assert decode_png(base64.b64decode(uris[0])).shape == (20, 40, 3)
    assert "调整前后对比图" in page and 'class="bar"' in page
    assert "http://" not in page.replace("http://www.w3.org", "")


# --- village level and the whole reform -----------------------------------------------------


def test_village_level_report_names_villages(reform: Reform) -> None:
    fig = report_figures(reform.villages, reform.village_plan)
    assert fig.level == "village"
    assert list(fig.counts.index) == ["village_total", "village", "community"]
    assert count_sentences(fig, "zh") == ("村（社区）由242个减为162个，减少80个、减幅33.1%",
                                          "建制村由132个减为83个，减少49个、减幅37.1%",
                                          "社区由110个减为79个，减少31个、减幅28.2%")
    page = tm.render.render_report(fig, lang="zh")
    body = _body(page)
    for wrong in ("乡镇（街道）由242个", "其他由", "不调整村级建制", "新乡镇"):
        assert wrong not in body, wrong
    assert "<h1>村级建制调整方案</h1>" in page and "村民委员会" in body


@pytest.fixture(scope="module")
def reform_pages(reform: Reform) -> dict[str, str]:
    return {lang: reform_report(reform, lang=lang) for lang in ("zh", "en")}


def test_reform_report_gives_every_level(reform_pages: dict[str, str], reform: Reform) -> None:
    zh = reform_pages["zh"]
    body = _body(zh)
    for sentence in reform.summary("zh"):
        assert sentence in body
    assert len(reform.summary("zh")) == 5 and "按村规模估算" in body
    for wrong in ("乡镇（街道）由242个", "其他由", "不调整村级建制", "132 → 132"):
        assert wrong not in body, wrong
    # the township counts table lists townships only (villages are counted in their part)
    town_counts = zh.split('id="township-sec_counts"', 1)[1].split("</section>", 1)[0]
    assert "建制村" not in town_counts
    headings = re.findall(r"<h2[^>]*>([^<]*)</h2>", zh)
    assert any("乡镇级：撤并方案" in h for h in headings)
    assert any("村级：撤并方案" in h for h in headings)
    assert any("村级：村民小组和居民小组（按村规模估算）" in h for h in headings)
    assert ENGLISH.findall(body) == []


def test_village_part_names_villages_with_wording_and_checklist(
        reform_pages: dict[str, str], reform: Reform) -> None:
    zh = reform_pages["zh"]
    village_part = zh.split('id="village-sec_counts"', 1)[1].split('id="changes-all"', 1)[0]
    text = html.unescape(re.sub(r"<[^>]+>", " ", village_part))
    wording = reform.wording("zh")
    for sentence in wording["text"]:
        assert sentence in text
    assert "人民政府" not in text.split("数据说明", 1)[0]   # villages have committees
    assert text.count("土地承包关系不变：待核实") == len(wording)
    town_names = set(reform.townships.units["name"])
    cards = re.findall(r'<div class="card[^"]*" data-unit="[^"]+"><h3>([^<]+)', village_part)
    assert len(cards) == len(wording) and not set(cards) & town_names
    tiers = village_part.split('id="village-sec_tiers"', 1)[1].split("</section>", 1)[0]
    assert "中心镇" not in tiers and "<td>中心村</td>" in tiers and "<td>一般村</td>" in tiers
    parents = re.findall(r"所属乡镇（街道）</dt><dd>([^<]+)</dd>", village_part)
    assert len(parents) == len(wording) and set(parents) <= town_names


def test_change_log_covers_every_level(reform_pages: dict[str, str], reform: Reform) -> None:
    log = reform.change_log()
    part = reform_pages["zh"].split('id="changes-all"', 1)[1].split("</section>", 1)[0]
    for level in ("township", "village", "group"):
        codes = log.loc[log["level"] == level, "old_code"]
        assert all(f"<td>{c}</td>" in part for c in codes), level
    groups = part.split("<details>", 1)[1]
    assert "按村规模估算" in groups and "组级" in groups


def test_approximate_territories_are_named(reform: Reform) -> None:
    units = reform.villages.units
    flagged = list(units.index[:3])
    with pytest.warns(TopologyWarning, match="approximated from points"):
        villages = tm.StudyArea(units.assign(approximate=units.index.isin(flagged)),
                                reform.villages.settlements, reform.villages.flows,
                                reform.villages.roads)
    page = reform_report(dataclasses.replace(reform, villages=villages), lang="zh")
    text = _body(page)
    assert "以下3个村（社区）没有村界图层" in text
    for name in units.loc[flagged, "name"]:
        assert name in text.split("没有村界图层", 1)[1].split("二十", 1)[0]


# --- several plans ----------------------------------------------------------------------------


def test_two_plans_side_by_side(towns: tm.StudyArea, exact: tm.Plan, greedy: tm.Plan,
                                tmp_path: Path) -> None:
    path = write_report(towns, {"精确方案": exact, "贪心方案": greedy}, tmp_path / "two.html",
                        static_map=False)
    page = path.read_text(encoding="utf-8")
    part = page.split('id="comparison"', 1)[1].split("</section>", 1)[0]
    assert "<th>精确方案</th><th>贪心方案</th>" in part
    assert f"{adjusted_rand_index(exact, greedy):.3f}" in part
    moved = changed_units(exact, greedy)
    assert f'<td class="num">{len(moved)}</td>' in part
    for u in moved:
        assert towns.units.at[u, "name"] in part
    c = plan_comparison(towns, {"精确方案": exact, "贪心方案": greedy})
    assert c.figures.loc["objective", "精确方案"] >= c.figures.loc["objective", "贪心方案"]
    assert ENGLISH.findall(_body(page)) == []
    # each plan's own part follows, with its own anchors
    assert 'id="p0-township-sec_cards"' in page and 'id="p1-township-sec_cards"' in page


def test_a_dominated_plan_is_named() -> None:
    import pandas as pd
    figures = pd.DataFrame({"A": [13, 0.6], "B": [13, 0.5]},
                           index=["units", "flow_kept_population"])
    c = PlanComparison(figures, pd.Series({"A": [], "B": ["A"]}, dtype=object),
                       pd.DataFrame([{"a": "A", "b": "B", "ari": 0.5, "changed": 0}]
                                    ).set_index(["a", "b"]), {("A", "B"): ()}, {})
    zh = html.unescape(comparison_html(c, "zh"))
    assert "B劣于A" in zh and "A不劣于其他方案" in zh
    assert "B is dominated by A" in html.unescape(comparison_html(c, "en"))


def test_every_plan_info_key_has_labels_in_both_languages() -> None:
    from townmerge.data.plan_info import PlanInfo
    from townmerge.render.report_labels import INFO_LABELS

    assert set(PlanInfo.__annotations__) <= set(INFO_LABELS)


def test_interactive_map_is_embedded_as_escaped_srcdoc(towns: tm.StudyArea, exact: tm.Plan,
                                                       tmp_path: Path) -> None:
    page = write_report(towns, exact, tmp_path / "m.html", static_map=False,
                        map_html='<html><body><p title="x">地图</p></body></html>'
                        ).read_text(encoding="utf-8")
    frame = re.search(r'<iframe class="map" sandbox="allow-scripts" title="map" '
                      r'srcdoc="([^"]*)"></iframe>', page)
    assert frame is not None
    assert html.unescape(frame.group(1)) == '<html><body><p title="x">地图</p></body></html>'
    assert 'class="screen-only"' in page


def test_a_comparison_needs_two_plans(towns: tm.StudyArea, exact: tm.Plan) -> None:
    with pytest.raises(ValueError, match="two plans or more"):
        plan_comparison(towns, {"a": exact})


# --- hostile names and print ------------------------------------------------------------------


@pytest.fixture(scope="module")
def evil_area() -> tm.StudyArea:
    population = {"A": 9000, "B": 6000, "C": 5000, "D": 7000}
    units = grid_units("AB / CD", names={"A": EVIL, "B": LONG, "C": "丙乡", "D": "丁乡"},
                       population=population,
                       kind={"A": "town", "B": "town", "C": "township", "D": "township"})
    rows = []
    for u, (r, c) in {"A": (0, 0), "B": (0, 1), "C": (1, 0), "D": (1, 1)}.items():
        x, y = 500_000.0 + c * 1000 + 500, 3_300_000.0 - r * 1000 - 500
        rows.append({"id": f"{u}1", "name": f"{EVIL}社区" if u == "A" else f"{u}&社区",
                     "kind": "town seat", "unit": u, "population": population[u],
                     "geometry": Point(x, y)})
    settlements = gpd.GeoDataFrame(rows, crs=units.crs).set_index("id")
    units["seat"] = [f"{u}1" for u in units.index]
    return tm.StudyArea(units, settlements)


@pytest.fixture(scope="module")
def evil_pages(evil_area: tm.StudyArea, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("evil")
    a = tm.Plan.from_groups({"N": ["A", "C"], "B": ["B", "D"]}, names={"N": f"{EVIL}新镇"})
    b = tm.Plan.from_groups({"A": ["A", "B"], "C": ["C", "D"]})
    return {lang: write_report(evil_area, {EVIL: a, "B&方案": b}, out / f"{lang}.html",
                               lang=lang, title=EVIL, county=EVIL, office=LONG, plan_name=EVIL,
                               images=[ReportImage(_png(), caption=EVIL)])
            for lang in ("zh", "en")}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hostile_names_are_escaped(evil_pages: dict[str, Path], lang: str) -> None:
    page = evil_pages[lang].read_text(encoding="utf-8")
    assert "<script" not in page
    assert html.escape(EVIL) in page and "B&amp;方案" in page
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert EVIL in text and LONG in text


@pytest.mark.browser
def test_reports_load_and_print_in_chromium(evil_pages: dict[str, Path], reform: Reform,
                                            tmp_path: Path, browser) -> None:
    reform_path = write_report(None, reform, tmp_path / "reform.html")  # with the static map
    script = """() => ({width: document.documentElement.scrollWidth, view: window.innerWidth,
                       images: [...document.images].map(i => i.naturalWidth)})"""
    for path in (evil_pages["zh"], reform_path):
        check = check_html(path, screenshot=tmp_path / f"{path.stem}.png", full_page=False,
                           script=script)
        assert check.console_errors == () and check.failed_requests == (), check.describe()
        assert check.nonblank, check.describe()
        result = check.script_result
        assert isinstance(result, dict)
        assert result["width"] <= result["view"], "a long name made the page wide"
        assert result["images"] and all(w > 0 for w in result["images"])  # the image decodes
        pdf = tmp_path / f"{path.stem}.pdf"
        exe = chromium_path()
        assert exe is not None
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu",
                        "--no-pdf-header-footer", f"--print-to-pdf={pdf}", path.as_uri()],
                       check=True, capture_output=True, timeout=180)
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF")
        pages = len(re.findall(rb"/Type\s*/Page\b", data))
        assert pages >= 2, pages
        assert re.search(rb"/Subtype\s*/Image", data), "the image is not in the PDF"


# --- command line -------------------------------------------------------------------------------


def test_cli_report_of_any_plans(towns: tm.StudyArea, exact: tm.Plan, greedy: tm.Plan,
                                 tmp_path: Path, capsys) -> None:
    from townmerge.cli.commands import main

    tm.write_plan(exact, tmp_path / "exact.csv", unit_order=towns.unit_ids)
    tm.write_plan(greedy, tmp_path / "greedy.csv", unit_order=towns.unit_ids)
    one = tmp_path / "one.html"
    assert main(["report", str(SAMPLE), "--plan", str(tmp_path / "exact.csv"), "--county",
                 "示例县", "--office", "示例县民政局", "--date", "2026年12月", "--out",
                 str(one)]) == 0
    page = one.read_text(encoding="utf-8")
    assert "<h1>示例县乡镇行政区划调整方案</h1>" in page and "方案：exact" in page
    assert "日期：2026年12月" in page
    # the static two-panel map and the charts, as PNG data: URIs that decode
    uris = re.findall(r'<img src="data:image/png;base64,([^"]+)" alt="([^"]*)"', page)
    assert [alt for _, alt in uris][:1] == ["调整前后对比图"] and len(uris) >= 2
    for data, _ in uris:
        pixels = decode_png(base64.b64decode(data))
        assert pixels.shape[0] > 100 and pixels.shape[1] > 100
    # the interactive map (before and after, two panes), once, on screen only
    frames = re.findall(r'<div class="screen-only">.*?<iframe class="map" sandbox="allow-scripts"'
                        r' title="map" srcdoc="([^"]+)"></iframe></div>', page, re.S)
    assert len(frames) == 1 and "townmergeMaps" in html.unescape(frames[0])
    # the plan's name comes from its file (data): apart from it, no English in the body
    assert ENGLISH.findall(_body(re.sub(r'<p class="meta">.*?</p>', "", page))) == []
    two = tmp_path / "two.html"
    assert main(["report", str(SAMPLE), "--plan", str(tmp_path / "exact.csv"), "--plan",
                 str(tmp_path / "greedy.csv"), "--lang", "en", "--title", "T", "--out",
                 str(two)]) == 0
    page = two.read_text(encoding="utf-8")
    assert "<th>exact</th><th>greedy</th>" in page and "Adjusted Rand index" in page
    assert page.count("<iframe") == 1, "one map of both plans, not one per plan"
    bare = tmp_path / "bare.html"
    assert main(["report", str(SAMPLE), "--plan", str(tmp_path / "exact.csv"), "--no-map",
                 "--no-figures", "--out", str(bare)]) == 0
    assert "<iframe" not in bare.read_text(encoding="utf-8")
    assert main(["report", str(SAMPLE), "--plan", str(tmp_path / "missing.csv"),
                 "--out", str(tmp_path / "x.html")]) == 1
    assert "missing.csv" in capsys.readouterr().err and not (tmp_path / "x.html").exists()


def test_demo_report_gives_every_level(tmp_path: Path) -> None:
    from townmerge.cli.commands import main

    assert main(["demo", "--out", str(tmp_path)]) == 0
    body = _body((tmp_path / "report.html").read_text(encoding="utf-8"))
    for sentence in ("乡镇（街道）由33个减为13个", "建制村由132个减为83个",
                     "社区由110个减为79个", "村民小组由190个减为", "居民小组由83个减为"):
        assert sentence in body, sentence
    assert "不调整村级建制" not in body and "村级：撤并方案" in body


def _long_change_log_report(path: Path) -> tuple[Path, int]:
    """A report of 529 grid units merged in pairs along each row: its change log folds."""
    import pandas as pd
    from shapely.geometry import box

    side = 23
    ids = [f"U{r:02d}{c:02d}" for r in range(side) for c in range(side)]
    units = gpd.GeoDataFrame(
        {"name": [f"{u}镇" for u in ids], "population": [5000.0] * len(ids)},
        geometry=[box(500_000 + 1000 * c, 3_300_000 + 1000 * r, 501_000 + 1000 * c,
                      3_301_000 + 1000 * r) for r in range(side) for c in range(side)],
        index=pd.Index(ids, name="unit_id"), crs="EPSG:32648")
    pairs = {f"U{r:02d}{c:02d}": [f"U{r:02d}{c:02d}", f"U{r:02d}{c + 1:02d}"]
             for r in range(side) for c in range(0, side - 1, 2)}
    pairs.update({f"U{r:02d}{side - 1:02d}": [f"U{r:02d}{side - 1:02d}"] for r in range(side)})
    plan = tm.Plan.from_groups(pairs)  # the last column stays as it is
    out = write_report(tm.StudyArea(units), plan, path, lang="en", static_map=False,
                       interactive_map=False)
    return out, side


def test_a_long_change_log_is_folded_behind_its_counts(tmp_path: Path) -> None:
    from townmerge.render.report_html import FOLD_ROWS

    out, side = _long_change_log_report(tmp_path / "r.html")
    n = side * side
    assert n > FOLD_ROWS
    page = out.read_text(encoding="utf-8")
    found = re.search(r"<details><summary>([^<]*)</summary><div><table>(.*?)</table></div>",
                      page, re.S)
    assert found is not None
    kept, abolished, unchanged = side * (side // 2), side * (side // 2), side
    assert found.group(1) == (f"{n} units (kept, enlarged {kept}, abolished "
                              f"{abolished}, unchanged {unchanged}); open to list each")
    assert found.group(2).count("<tr>") == n + 1  # every unit, and the header


@pytest.mark.browser
def test_folded_lists_print_whole(tmp_path: Path) -> None:
    """Printed, the report with its lists folded has as many pages as with them open."""
    folded, _ = _long_change_log_report(tmp_path / "folded.html")
    opened = tmp_path / "opened.html"
    opened.write_text(folded.read_text(encoding="utf-8").replace("<details>", "<details open>"),
                      encoding="utf-8")
    exe = chromium_path()
    assert exe is not None
    pages = []
    for path in (folded, opened):
        pdf = path.with_suffix(".pdf")
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run",
                        f"--user-data-dir={tmp_path / ('profile-' + path.stem)}",
                        "--no-pdf-header-footer", f"--print-to-pdf={pdf}", path.as_uri()],
                       check=True, capture_output=True, timeout=180)
        pages.append(len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes())))
    assert pages[0] == pages[1] and pages[0] > 5, pages


def test_a_long_reform_change_log_is_folded_behind_its_counts(reform: Reform,
                                                             monkeypatch) -> None:
    from townmerge.render import report_html

    log = reform.change_log()
    main_rows = int((log["level"] != "group").sum())
    unfolded = reform_report(reform, lang="en")
    assert f"{main_rows:,} units (" not in unfolded
    monkeypatch.setattr(report_html, "FOLD_ROWS", main_rows - 1)
    page = reform_report(reform, lang="en")
    found = re.search(r"<details><summary>([^<]*)</summary><div><table>(.*?)</table></div>",
                      page, re.S)
    assert found is not None and found.group(1).startswith(f"{main_rows:,} units (")
    counts = log[log["level"] != "group"]["change"].value_counts()
    assert f"merged {counts['merged']:,}" in found.group(1)
    assert found.group(2).count("<tr>") == main_rows + 1
