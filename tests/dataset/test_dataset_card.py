"""The dataset card in a real headless browser (Debian chromium, driven by playwright)."""

import html
import re
from pathlib import Path

import pytest

from quiltkit.config import DatasetParams
from quiltkit.dataset.card import build_card, render_card
from quiltkit.dataset.stage_run import build_dataset
from quiltkit.execution.context import Execution
from tests import components
from tests.dataset.synth_corpus import TITLES, XSS, make_corpus

ROOT = Path(__file__).resolve().parents[2]
VERSION = {"dataset_version": "0123abcd.dir", "git_commit": "feedbeef" * 5, "params_digest": "a1b2c3d4e5f6"}


@pytest.fixture(scope="module")
def card(tmp_path_factory):
    root = tmp_path_factory.mktemp("repo")
    cfg = make_corpus(root)
    params = DatasetParams(external_sources=cfg["sources"], eval_sets=cfg["eval_sets"], image_size=64)
    out = root / "outputs/dataset"
    build_dataset(
        params, root / "outputs/pairs", out, Execution(seed=1337, root=root), download_dir=root / "outputs/download"
    )
    html_path = root / "outputs/card/index.html"
    m = build_card(out, html_path, samples=200, seed=1337, version=VERSION)
    return html_path, m, out


def test_card_escapes_and_is_self_contained(card):
    html_path, m, out = card
    page = html_path.read_text()
    assert m["bytes"] == len(page.encode()) and m["samples_shown"] > 40
    assert XSS not in page and html.escape(XSS) in page  # only the escaped form is in the markup
    assert page.count("<script") == 1  # ours, nonce-marked
    srcs = re.findall(r"<img src='([^']*)'", page)
    assert m["grounded_shown"] > 0 and page.count("class='region'") >= m["grounded_shown"]
    assert len(srcs) == m["samples_shown"] + m["grounded_shown"]
    assert all(x.startswith("data:image/jpeg;base64,") for x in srcs)
    assert "href=" not in page and "<link" not in page  # nothing fetched from elsewhere
    for word in ("quilt_video", "openclip_csv:data/ext/pairs.csv", "caption length", "magnification", "sub-pathology"):
        assert word in page


def test_card_has_the_provenance_block(card):
    html_path, _, _ = card
    page = html_path.read_text()
    block = page[page.index('id="provenance"') : page.index("<h2>Rows per source")]
    for v in VERSION.values():
        assert v in block
    for title in TITLES.values():
        assert html.escape(title) in block
    assert "<img src=x" not in page  # titles are someone else's text: only their escaped form is markup
    for word in (
        "https://www.youtube.com/watch?v=lec1",
        "Pathology lectures",
        "Dr. Example",
        "2021-03-14",
        "Creative Commons Attribution license (reuse allowed)",
        "not recorded by the source",
        "built (UTC)",
    ):
        assert html.escape(word) in block, word
    assert re.search(r"<td>lec2</td>.*?<td>\d+</td><td>[\d.]+-[\d.]+ s</td>", block)  # rows and time span per video


def test_card_sampling_is_spread_over_sources(card):
    _, _, out = card
    page, shown, _ = render_card(out, samples=5, seed=1)
    assert shown == 5
    # five sources, five samples: one of each
    for src in ("quilt_video", "openclip_csv", "quilt_lookup", "img2dataset_parquet", "img2dataset_wds"):
        assert f"data-source='{src}" in page


def test_card_in_headless_chromium(card):
    chromium = components.chromium()
    from playwright.sync_api import sync_playwright

    html_path, m, _ = card
    errors, dialogs = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(html_path.as_uri())
            page.wait_for_load_state("load")
            widths = page.eval_on_selector_all(
                "#samples .card img", "els => els.map(e => e.complete ? e.naturalWidth : 0)"
            )
            assert len(widths) == m["samples_shown"] and all(w > 0 for w in widths)
            caps = page.eval_on_selector_all("#samples .card .cap", "els => els.map(e => e.textContent)")
            assert XSS in caps  # shown as text
            assert page.evaluate("document.querySelectorAll('.cap script, .cap b').length") == 0
            # the gallery filter works (our script ran under the CSP)
            page.fill("#f-text", "alert(1)")
            assert page.text_content("#shown") == "1"
            page.fill("#f-text", "")
            page.select_option("#f-source", "quilt_video")
            n_video = page.evaluate("document.querySelectorAll('#samples .card:not(.hidden)').length")
            assert 0 < n_video < m["samples_shown"]
            page.select_option("#f-source", "")
            # the grounded gallery outlines each pair's region over its thumbnail, inside it
            boxes = page.eval_on_selector_all(
                "#grounded .thumb",
                "els => els.map(e => { const i = e.querySelector('img').getBoundingClientRect();"
                " const r = e.querySelector('.region').getBoundingClientRect();"
                " return [r.left - i.left, r.top - i.top, r.right - i.right, r.bottom - i.bottom, r.width]; })",
            )
            assert boxes and all(b[0] >= -1 and b[1] >= -1 and b[2] <= 1 and b[3] <= 1 and b[4] > 4 for b in boxes)
            assert page.evaluate("document.querySelectorAll('#samples .card').length") == m["samples_shown"]
            out = ROOT / "test-output"
            out.mkdir(exist_ok=True)
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(out / "dataset_card.png"), full_page=True)
            page.locator("#regions").scroll_into_view_if_needed()
            page.locator("#grounded").screenshot(path=str(out / "dataset_card_regions.png"))
        finally:
            browser.close()
    assert dialogs == [], f"a dialog fired: {dialogs}"
    assert errors == [], f"console errors: {errors}"
