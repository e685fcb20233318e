"""End to end in real headless Chromium: paste, match, click a behavior, see its citation highlighted."""

import shutil
from pathlib import Path

import pytest

from evidence_matcher.api.cli.common import SELF
from evidence_matcher.eval.server_process import evidence_server

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = ROOT / "build" / "screenshots"
SAMPLE = (
    "## 2026 highlights\n"
    "- I sat on the hiring committee for senior SRE candidates and ran debriefs for eleven loops.\n"
    "- After the March outage I went through eighteen months of postmortems and found that a third of our sev-1s "
    "started with a config push.\n"
    "- Lunch on Fridays was great.\n"
)


@pytest.fixture(scope="module")
def server(real_matcher, cache_dir):
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    real_matcher.rubric_index()  # the model and index are cached before the server starts
    with evidence_server(SELF, cache_dir) as (base, _):
        yield base


@pytest.mark.parametrize("width, height, name", [(1280, 900, "laptop"), (390, 844, "phone")])
def test_paste_match_click_and_see_the_citation_highlighted(server, width, height, name):
    from playwright.sync_api import sync_playwright

    args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(server + "/")
        page.wait_for_selector("#rubric option", state="attached")
        page.fill("#text", SAMPLE)
        page.click("#go")
        page.wait_for_selector(".behavior", timeout=60_000)
        button = page.locator('.behavior[data-behavior="hiring.1"]')
        button.click()
        marks = page.locator("#doc mark")
        assert marks.count() >= 1
        assert (
            marks.first.inner_text()
            == "I sat on the hiring committee for senior SRE candidates and ran debriefs for eleven loops."
        )
        assert "Gaps" in page.inner_text("#gaps-title")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"match-{name}.png"), full_page=True)
        browser.close()


def test_the_file_picker_reads_a_docx_through_the_server(server, tmp_path):
    from playwright.sync_api import sync_playwright

    from tests.test_score import make_docx

    make_docx(tmp_path / "promo.docx", "Priya ran the quarterly reliability review for all fourteen Kafka clusters.")
    args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        page = browser.new_page()
        page.goto(server + "/")
        page.set_input_files("#file", str(tmp_path / "promo.docx"))
        page.wait_for_function("document.querySelector('#text').value.includes('Kafka clusters')", timeout=30_000)
        assert "Loaded promo.docx" in page.inner_text("#status")
        browser.close()
