"""The phone with the browser's text at 200 % (WCAG 1.4.4): home, preparing, holding
and the agreement show their text whole, nothing sticks out past the screen's edge."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.app_fixtures import DEMO_MUS_AT, open_label
from tests.browser import PHONE, AppServer, Browser, cut_off, screenshot, tap
from tests.test_browser_hold import lock, next_step, unlock

pytestmark = pytest.mark.browser


def looked_at(page: Any, artifacts: Path, name: str) -> list[str]:
    screenshot(page, artifacts / f"text200-{name}.png")
    return [f"{name}: {what}" for what in cut_off(page)]


def test_at_twice_the_text_size_nothing_is_cut_off_on_a_phone(
    browser: Browser, app_server: AppServer, artifacts: Path
) -> None:
    found: list[str] = []
    with browser.page(app_server.url, PHONE, text_percent=200) as page:
        tap(page.get_by_role("button", name="Prøv med demodata"))
        expect(page.get_by_text("Hej Anna Sørensen")).to_be_visible(timeout=30_000)
        found += looked_at(page, artifacts, "anna-home")

        mus = re.compile("^" + re.escape(open_label("MUS med Mette Holm", DEMO_MUS_AT)))
        page.get_by_role("button", name=mus).click()
        expect(page.get_by_text(re.compile(r"^1 af 4: "))).to_be_visible()
        found += looked_at(page, artifacts, "anna-prepare-1")
        next_step(page, 3, 4)
        found += looked_at(page, artifacts, "anna-prepare-3")
        page.get_by_role("button", name="Gem og gå til oversigten", exact=True).click()

        page.get_by_role("button", name=re.compile(r"^MUS med Mette Holm.*aftale")).click()
        expect(page.get_by_text(re.compile("nderskr")).first).to_be_visible()
        found += looked_at(page, artifacts, "anna-agreement")
        page.get_by_role("button", name="Tilbage", exact=True).click()
        lock(page)

        unlock(page, "Hjerte", "Mette Holm")
        found += looked_at(page, artifacts, "mette-home")
        mus = re.compile("^" + re.escape(open_label("MUS med Anna Sørensen", DEMO_MUS_AT)))
        page.get_by_role("button", name=mus).click()
        page.get_by_role("button", name="Hold samtalen").click()
        expect(page.get_by_text(re.compile(r"^1 af 5: "))).to_be_visible()
        found += looked_at(page, artifacts, "mette-hold-1")
        next_step(page, 4, 5)
        expect(page.get_by_role("button", name="Gem målene")).to_be_visible()
        found += looked_at(page, artifacts, "mette-hold-goals")
    assert not found, "\n".join(found)
