"""A reviewer in real Chromium: log in, open the top item, see the evidence highlighted, confirm
with the keyboard, see the item leave the queue, find the decision in the audit log.
Screenshots of the queue and the item page go to test-artifacts/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from review.app import create_app
from review.loading import load_flag_objects
from review.store import open_store
from review_fixtures import NOTES, PASSWORD, make_flags
from review_helpers import LiveServer, add_fixture_users

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def browser_page():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="da-DK")
            page = context.new_page()
            page.set_default_timeout(15_000)
            yield page
            context.close()
        finally:
            browser.close()


@pytest.fixture
def live_url(sqlite_url, password_hash):
    store = open_store(sqlite_url)
    load_flag_objects(store, NOTES, make_flags())
    add_fixture_users(store, password_hash)
    # Secure cookies as in production: Chromium treats http://127.0.0.1 as a secure context.
    with LiveServer(create_app(store=store, cookie_secure=True)) as server:
        yield server.url
    store.dispose()


def test_a_reviewer_confirms_the_top_item_with_the_keyboard(browser_page, live_url):
    page = browser_page
    ARTIFACTS.mkdir(exist_ok=True)

    page.goto(f"{live_url}/koe")
    assert "/login" in page.url
    page.fill("input[name=name]", "rita")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_url}/koe")
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 8
    top_item = rows.first.get_attribute("data-item")
    assert "Bekymring ikke behandlet som underretning" in rows.first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "koe.png"), full_page=True)

    rows.first.locator("a").first.click()
    page.wait_for_url(f"{live_url}/markeringer/{top_item}*")
    marks = page.locator("#notattekst mark.ev")
    assert marks.count() == 1 and marks.first.is_visible()
    assert marks.first.inner_text() == "[BARN] har haft blå mærker på armene to gange i denne måned og siger, at far bliver vred."
    background = marks.first.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    page.screenshot(path=str(ARTIFACTS / "markering.png"), full_page=True)

    page.locator("body").click(position={"x": 5, "y": 5})  # no field has focus
    page.keyboard.press("b")
    page.wait_for_url("**besked=confirm*")
    assert "Den forrige markering er bekræftet." in page.inner_text("main")
    assert f"/markeringer/{top_item}" not in page.url

    page.keyboard.press("q")
    page.wait_for_url(f"{live_url}/koe*")
    assert page.locator(f"table.queue tbody tr[data-item='{top_item}']").count() == 0
    assert page.locator("table.queue tbody tr").count() == 7

    page.goto(f"{live_url}/revisionslog?sag=S-100")
    decision_rows = page.locator(f"#revisionslog tr[data-action='decision'][data-item='{top_item}']")
    assert decision_rows.count() == 1
    assert "rita" in decision_rows.first.inner_text() and "kind: confirm" in decision_rows.first.inner_text()


def test_dismissing_by_keyboard_asks_for_a_reason_first(browser_page, live_url):
    page = browser_page
    page.goto(f"{live_url}/login")
    page.fill("input[name=name]", "rune")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_url}/koe")
    page.keyboard.press("n")
    page.wait_for_url(f"{live_url}/markeringer/*")
    item_url = page.url
    page.keyboard.press("a")
    assert page.evaluate("document.activeElement.name") == "reason"
    page.keyboard.press("Enter")  # no reason chosen: the browser refuses to send the form
    page.wait_for_timeout(300)
    assert page.url == item_url
    page.select_option("select[name=reason]", "concern_handled")
    page.keyboard.press("Enter")
    page.wait_for_url("**besked=dismiss*")
    assert "Den forrige markering er afvist." in page.inner_text("main")
