"""The organisation's own question sheet in Chromium: HR adapts the MUS (a question added,
one removed) and edits a competence in a job profile, publishes both; after a sync the
leader plans a MUS on the new version, and Anna prepares on it while the MUS planned
before keeps the old questions."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.app_fixtures import DEMO_MUS_AT, open_label
from tests.browser import (
    FOCUSED_FIELD,
    PHONE,
    TABLET,
    AppServer,
    Browser,
    painted,
    tap,
    type_into,
)
from tests.clock import TODAY
from tests.test_browser_hold import danish, lock, synced, unlock

pytestmark = pytest.mark.browser

NEW_QUESTION = "Hvad vil du gerne lære i det kommende år?"
REMOVED = "Hvordan kan du se, at dit arbejde gør en forskel for borgerne?"
RENAMED = "Rehabilitering og hverdagsmestring"
SCROLLS = 40


def replace_text(page: Any, name: str, text: str) -> None:
    """Selects what a field holds and types ``text`` over it, as a person does."""
    page.get_by_role("textbox", name=name, exact=True).click()
    page.wait_for_function(FOCUSED_FIELD)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text, delay=15)
    page.wait_for_function("t => document.activeElement?.value === t", arg=text)


def settled_screenshot(page: Any, path: Path) -> None:
    """A screenshot once the screen has stopped changing: under load the canvas can
    still show the screen before, a moment after the page a screen reader reads has
    moved on (seen here as a list screenshot showing home)."""
    painted(page)
    before = page.screenshot()
    for _ in range(SCROLLS):
        painted(page)
        now = page.screenshot()
        if now == before:
            break
        before = now
    path.write_bytes(before)


def scrolled_to(page: Any, locator: Any, *, down: bool = True) -> Any:
    """Scrolls the screen as a person does until ``locator`` shows: Flutter only puts
    what is near the screen into the page a screen reader (and the test) reads."""
    size = page.viewport_size
    page.mouse.move(size["width"] / 2, size["height"] / 2)
    for _ in range(SCROLLS):
        box = locator.first.bounding_box() if locator.count() else None
        if box and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]:
            return locator.first
        below = box is None or box["y"] > 0
        page.mouse.wheel(0, 400 if below == down or box is None else -400)
        painted(page)
    expect(locator.first).to_be_visible()
    return locator.first


def test_hr_adapts_the_mus_and_anna_prepares_on_the_new_version_beside_the_old(
    browser: Browser, app_server: AppServer, artifacts: Path
) -> None:
    day = TODAY + dt.timedelta(days=7)
    with browser.page(app_server.url, TABLET) as page:
        tap(page.get_by_role("button", name="Prøv med demodata"))
        expect(page.get_by_text("Hej Anna Sørensen")).to_be_visible(timeout=30_000)
        lock(page)

        # Henrik (HR) adapts the MUS: the second question goes, a new one comes.
        unlock(page, "Sol", "Henrik Lund")
        page.get_by_role("button", name="Spørgeskemaer og jobprofiler").click()
        tailor = page.get_by_role("button", name="Tilpas MUS – medarbejderudviklingssamtale")
        expect(tailor).to_be_visible()
        settled_screenshot(page, artifacts / "tablet-60-sheets.png")
        tailor.click()
        expect(page.get_by_text("MUS · kladde til version 2 · 13 spørgsmål")).to_be_visible()
        scrolled_to(page, page.get_by_role("button", name="Fjern spørgsmål 2")).click()
        expect(page.get_by_text("MUS · kladde til version 2 · 12 spørgsmål")).to_be_visible()
        scrolled_to(page, page.get_by_role("button", name="Tilføj spørgsmål til tema 1")).click()
        scrolled_to(page, page.get_by_role("textbox", name="Spørgsmål 4"))
        type_into(page, "Spørgsmål 4", NEW_QUESTION, exact=True)
        settled_screenshot(page, artifacts / "tablet-61-editor.png")
        page.keyboard.press("Tab")  # leaving the field keeps the text
        scrolled_to(page, page.get_by_role("button", name="Udgiv ny version"))
        expect(page.get_by_text("Ingen fejl – skemaet kan udgives.")).to_be_visible()
        page.get_by_role("button", name="Se det som medarbejderen").click()
        expect(page.get_by_text(re.compile(re.escape(f"4. {NEW_QUESTION}")))).to_be_visible()
        expect(page.get_by_text(re.compile(re.escape(REMOVED)))).to_have_count(0)
        settled_screenshot(page, artifacts / "tablet-62-preview.png")
        page.get_by_role("button", name="Tilbage", exact=True).click()
        publish = scrolled_to(page, page.get_by_role("button", name="Udgiv ny version"))
        publish.click()
        expect(page.get_by_text(re.compile("^Den nye version er udgivet"))).to_be_visible(
            timeout=20_000)
        expect(page.get_by_text("MUS · version 2 · organisationens eget")).to_be_visible()

        # … and the expected level's competence gets a clearer name in the job profile.
        scrolled_to(page, page.get_by_role("button", name=re.compile(
            "^Redigér jobprofilen Terapeut"))).click()
        replace_text(page, "Navn på kompetence 1", RENAMED)
        page.keyboard.press("Tab")
        settled_screenshot(page, artifacts / "tablet-63-job-profile.png")
        scrolled_to(page, page.get_by_role("button", name="Udgiv jobprofilen")).click()
        expect(page.get_by_text(re.compile("^Jobprofilen er udgivet"))).to_be_visible(
            timeout=20_000)
        page.get_by_role("button", name="Tilbage", exact=True).click()
        synced(page)
        lock(page)

        # Mette syncs and plans a MUS with Anna: the sheet offered is the new version.
        unlock(page, "Hjerte", "Mette Holm")
        synced(page)
        page.get_by_role("button", name="Planlæg en samtale", exact=True).click()
        anna = page.get_by_role("checkbox", name="Anna Sørensen")
        anna.click()
        expect(anna).to_be_checked()
        type_into(page, "Dato", danish(day), exact=True)
        type_into(page, "Klokken", "9:30")
        page.get_by_role("button", name="Planlæg og lav invitation").click()
        expect(page.get_by_role("textbox", name="Invitationens tekst")).to_be_visible()
        page.get_by_role("button", name="Tilbage", exact=True).click()
        synced(page)
        lock(page)

    with browser.page(app_server.url, PHONE) as page:
        unlock(page, "Båd", "Anna Sørensen")
        synced(page)
        page.get_by_role("button", name=re.compile(r"^MUS med Mette Holm .*09\.30")).click()
        expect(page.get_by_text(re.compile(r"1 af 4: "))).to_be_visible()
        new = scrolled_to(page, page.get_by_text(re.compile(re.escape(f"4. {NEW_QUESTION}"))))
        expect(new).to_be_visible()
        expect(page.get_by_text(re.compile(re.escape(REMOVED)))).to_have_count(0)
        settled_screenshot(page, artifacts / "phone-64-prepare-new-version.png")
        for step in (2, 3):
            page.get_by_role("button", name="Næste").click()
            expect(page.get_by_text(re.compile(rf"{step} af 4: "))).to_be_visible()
        expect(scrolled_to(page, page.get_by_text(RENAMED, exact=True))).to_be_visible()
        page.get_by_role("button", name="Gem og gå til oversigten", exact=True).click()
        expect(page.get_by_text("Hej Anna Sørensen")).to_be_visible()

        earlier = re.compile("^" + re.escape(open_label("MUS med Mette Holm", DEMO_MUS_AT)))
        page.get_by_role("button", name=earlier).click()
        expect(page.get_by_text(re.compile(r"1 af 4: "))).to_be_visible()
        expect(page.get_by_text(re.compile(re.escape(f"2. {REMOVED}")))).to_be_visible()
        settled_screenshot(page, artifacts / "phone-65-prepare-old-version.png")
        page.get_by_role("button", name="Gem og gå til oversigten", exact=True).click()
        expect(page.get_by_text("Hej Anna Sørensen")).to_be_visible()
        lock(page)

        # The editor on a phone, with a problem named by its field.
        unlock(page, "Sol", "Henrik Lund")
        page.get_by_role("button", name="Spørgeskemaer og jobprofiler").click()
        page.get_by_role("button", name="Tilpas MUS – medarbejderudviklingssamtale").click()
        expect(page.get_by_text("MUS · kladde til version 3 · 13 spørgsmål")).to_be_visible()
        scrolled_to(page, page.get_by_role("button", name="Tilføj spørgsmål til tema 1")).click()
        scrolled_to(page, page.get_by_role("button", name="Udgiv ny version"))
        expect(page.get_by_text(re.compile(re.escape(
            "themes[0].questions[4].text.da: må ikke være tom")))).to_be_visible()
        settled_screenshot(page, artifacts / "phone-66-editor-problem.png")
        scrolled_to(page, page.get_by_role("button", name="Kassér kladden")).click()
        expect(page.get_by_text("MUS · version 2 · organisationens eget")).to_be_visible()
