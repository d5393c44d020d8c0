"""The demo organisation in English on a tablet, and the competence scale on a phone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.app_fixtures import DEMO_MUS_AT, open_label
from tests.browser import PHONE, TABLET, AppServer, Browser, screenshot, tap, type_into

pytestmark = pytest.mark.browser


def test_a_newcomer_tries_the_demo_in_english_and_rates_a_competence(
    browser: Browser, app_server: AppServer, artifacts: Path
) -> None:
    with browser.page(app_server.url, TABLET) as page:
        page.get_by_role("button", name="English").click()
        expect(page.get_by_text("Welcome to Samtale")).to_be_visible(timeout=30_000)
        tap(page.get_by_role("button", name="Try with demo data"))
        expect(page.get_by_text("Hello Anna Sørensen")).to_be_visible(timeout=30_000)
        expect(page.get_by_text(re.compile(r"To prepare \(2\)"))).to_be_visible()
        expect(page.get_by_text(re.compile(r"Follow-up \(1\)"))).to_be_visible()
        expect(page.get_by_text(re.compile("123456"))).to_be_visible()
        screenshot(page, artifacts / "tablet-10-demo-home-en.png")
        page.get_by_role("button", name="Lock", exact=True).click()
        expect(page.get_by_role("button", name=re.compile("^Profile: Boat"))).to_be_visible()
        expect(page.get_by_role("button", name=re.compile("^Profile: Heart"))).to_be_visible()
        screenshot(page, artifacts / "tablet-11-two-profiles.png")

    with browser.page(app_server.url, PHONE) as page:
        page.get_by_role("button", name=re.compile("^Profil: Båd")).click()
        type_into(page, "PIN-kode", "123456", exact=True)
        page.get_by_role("button", name="Lås op").click()
        expect(page.get_by_text("Hello Anna Sørensen")).to_be_visible(timeout=20_000)
        screenshot(page, artifacts / "phone-10-demo-home-en.png")
        mus = re.compile("^" + re.escape(open_label("MUS with Mette Holm", DEMO_MUS_AT, "en")))
        page.get_by_role("button", name=mus).click()
        expect(page.get_by_text(re.compile(r"1 of 4: "))).to_be_visible()
        for step in (2, 3):
            page.get_by_role("button", name="Next").click()
            expect(page.get_by_text(re.compile(rf"{step} of 4: "))).to_be_visible()
        expert = page.get_by_role("checkbox", name="Expert").nth(1)
        expert.scroll_into_view_if_needed()
        expert.click()
        expect(page.get_by_text(re.compile(r"Saved \d\d:\d\d"))).to_be_visible(timeout=10_000)
        expect(page.get_by_text(re.compile(r"3 of 26 answered"))).to_be_visible()
        page.mouse.move(195, 500)
        page.mouse.wheel(0, 1400)
        screenshot(page, artifacts / "phone-11-competences.png")
