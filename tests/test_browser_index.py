"""The index page in a real browser (issue 15, items 1 and 3): search, filters, sort, the map, the links.

The page is built by the real :func:`~smartcity_analysis.batch.index_page.render_index_html` from the
real region list and boundaries, with a FAKE selection and robustness table (made up here, seeded) and a
fake manifest whose reports are dummy files, so no batch and no robustness run is needed. It is opened
from disk (``file://``) and from a static server on 127.0.0.1. Screenshots go to a temporary folder (its
path is printed; ``pytest -s`` shows it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from browser_helpers import WAIT_MS, browser, static_server

from smartcity_analysis.batch import index_page
from smartcity_analysis.curated.loaders import load_regions

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

#: A large region (a click on its centre lands on it) and a small city.
BIG, CITY = "9101", "6372"


def _fake_inputs(regions: pd.DataFrame):
    rng = np.random.default_rng(15)
    codes = regions.index.astype(str)
    score = rng.uniform(20, 60, len(codes)).round(2)
    order = np.argsort(-score)
    rank = np.empty(len(codes), int)
    rank[order] = np.arange(1, len(codes) + 1)
    selection = pd.DataFrame({
        "region_code": codes, "score": score, "rank_national": rank, "in_pool": True,
        "eligible": rank % 7 != 0, "selected": (rank <= 50) & (rank % 7 != 0),
        "actual_cohort": np.where(rank <= 60, 2018, np.nan), "actual_status": "selected"})
    p = np.clip(1.2 - rank / 60, 0, 1).round(3)
    cls = np.where(p >= 0.95, "robustly_in", np.where(p <= 0.05, "robustly_out", "contestable"))
    robustness = pd.DataFrame({"region_code": codes, "p_selected": p, "robustness_class": cls})
    jobs = {c: {"status": "done", "output": f"{c}-report.pdf"} for c in codes}
    return selection, robustness, {"jobs": jobs}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """``<tmp>/2018/index.html`` with a dummy PDF per region; returns (cohort folder, table)."""
    regions = load_regions()
    selection, robustness, manifest = _fake_inputs(regions)
    table = index_page.index_table(regions, selection=selection, robustness=robustness,
                                   manifest=manifest, cohort=2018)
    root = tmp_path_factory.mktemp("index-site")
    folder = root / "2018"
    folder.mkdir()
    for href in table["report"]:
        (folder / href).write_bytes(b"%PDF-1.4\n% dummy report for the browser test\n")
    page = index_page.render_index_html(
        table, cohort=2018, overview_href="national-overview.pdf",
        summary=index_page.index_summary(table, cohort_size=50), paths=index_page.map_paths())
    (folder / "index.html").write_text(page, encoding="utf-8")
    return folder, table


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


@pytest.fixture()
def page(chromium, site):
    folder, _ = site
    ctx = chromium.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    pg.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto((folder / "index.html").as_uri())
    yield pg
    ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def _visible_rows(pg) -> int:
    return pg.locator("#regions tbody tr:visible").count()


def test_page_is_small_and_self_contained(site):
    folder, _ = site
    text = (folder / "index.html").read_text(encoding="utf-8")
    assert len(text.encode()) < 3_000_000
    for needle in ("http://", "https://", "<link", " src="):
        assert needle not in text.replace('xmlns="http://www.w3.org/2000/svg"', ""), needle


def test_map_draws_514_shapes_and_summary(page, tmp_path_factory):
    assert page.locator("#map path[data-code]").count() == 514
    assert _visible_rows(page) == 514
    assert page.inner_text("#shown") == "514 of 514 regions shown"
    figures = page.inner_text("#figures")
    assert "50" in figures and "contestable" in figures
    # coloured by P(selected): the top-ranked region is darker than a P=0 one
    top = page.locator("#map path[data-code]").evaluate_all(
        "ps => ps.map(p => getComputedStyle(p).fill)")
    assert len(set(top)) > 5
    shots = tmp_path_factory.mktemp("screenshots")
    page.screenshot(path=str(shots / "index.png"), full_page=False)
    print(f"\nscreenshot: {shots / 'index.png'}")


def test_search_narrows_the_table_and_the_map(page, site):
    _, table = site
    page.fill("#q", "banjarbaru")
    assert _visible_rows(page) == 1
    assert "Kota Banjarbaru" in page.locator("#regions tbody tr:visible").inner_text()
    assert page.locator("#map path.dim").count() == 513
    page.fill("#q", CITY)  # by code
    assert _visible_rows(page) == 1
    page.fill("#q", "kota")
    assert _visible_rows(page) == int(table["name"].str.lower().str.contains("kota").sum())
    page.click("#reset")
    assert _visible_rows(page) == 514


def test_a_filter_and_a_sort(page, site):
    _, table = site
    page.select_option("#f-type", "kota")
    assert _visible_rows(page) == int((table["type"] == "kota").sum())
    page.select_option("#f-robustness", "contestable")
    expected = int(((table["type"] == "kota") & (table["robustness"] == "contestable")).sum())
    assert _visible_rows(page) == expected
    page.select_option("#f-robustness", "*")
    page.select_option("#f-type", "*")
    page.select_option("#f-province", "Kalimantan Selatan")
    assert _visible_rows(page) == int((table["province"] == "Kalimantan Selatan").sum())
    page.select_option("#f-province", "*")

    score = page.locator('th[data-col="score"]')
    score.click()
    assert score.get_attribute("aria-sort") == "ascending"
    score.click()
    assert score.get_attribute("aria-sort") == "descending"
    assert page.inner_text("#sortinfo") == "Sorted by Score, descending."
    first = page.locator("#regions tbody tr").first.locator("td").first.get_attribute("data-code")
    assert first == table["score"].idxmax()
    page.locator('th[data-col="name"]').click()
    names = page.locator("#regions tbody tr td:first-child").evaluate_all(
        "tds => tds.slice(0, 5).map(td => td.getAttribute('data-v'))")
    assert names == sorted(names)


def test_hover_shows_figures_and_click_opens_the_pdf(page, site):
    folder, table = site
    region = page.locator(f'#map path[data-code="{BIG}"]')
    region.hover()
    tip = page.locator("#tip")
    assert tip.is_visible()
    assert table.loc[BIG, "name"] in tip.inner_text() and "P(selected)" in tip.inner_text()
    href = page.locator(f'#map a:has(path[data-code="{BIG}"])').get_attribute("href")
    assert href == table.loc[BIG, "report"] and (folder / href).is_file()
    with static_server(folder.parent) as base:  # and from a plain static web server
        page.goto(f"{base}/2018/index.html")
        assert page.locator("#map path[data-code]").count() == 514
        with page.expect_request(lambda r: r.url.endswith(f"/2018/{href}")) as req:
            page.locator(f'#map path[data-code="{BIG}"]').click()
        assert req.value.url == f"{base}/2018/{href}"


def test_a_page_without_map_or_results_still_works(chromium, tmp_path):
    """No boundaries, no selection, no robustness (a batch whose results failed): search still works."""
    regions = load_regions().head(3)
    table = index_page.index_table(regions)
    (tmp_path / "index.html").write_text(index_page.render_index_html(table, cohort=2018), encoding="utf-8")
    pg = chromium.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto((tmp_path / "index.html").as_uri())
    pg.fill("#q", regions["name"].iloc[0])
    assert pg.inner_text("#shown") == "1 of 3 regions shown"
    assert "n/a" in pg.inner_text("#figures")
    pg.close()
    assert not errors
